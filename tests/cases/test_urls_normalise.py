"""Links from victims: one canonical form, tracking removed, private and odd addresses refused kindly."""

import pytest
from django.core.exceptions import ValidationError

from cases.urls_normalise import normalise_url, parse_url_lines, parse_url_list


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://WWW.Example.COM/Post/1", "https://www.example.com/Post/1"),
        ("example.com/p?id=3&utm_source=x&utm_medium=y", "https://example.com/p?id=3"),
        ("https://example.com/p?fbclid=abc&igshid=1&si=2&gclid=3&v=9#comments", "https://example.com/p?v=9"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://user:secret@example.com/a", "https://example.com/a"),
        ("https://bücher.de/x", "https://xn--bcher-kva.de/x"),
        ("https://example.com", "https://example.com/"),
    ],
)
def test_links_are_put_in_one_canonical_form(given, expected):
    assert normalise_url(given).url == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("ftp://example.com/x", "Only web links"),
        ("javascript:alert(1)", "Only web links"),
        ("http://127.0.0.1/", "IP address"),
        ("http://[::1]/", "IP address"),
        ("http://10.1.2.3:8080/admin", "IP address"),
        ("http://localhost/", "not valid"),
        ("https://router.local/", "private or local network"),
        ("https://intranet.internal/", "private or local network"),
        ("https://exa mple.com/", "not valid"),
        ("https:///nothing", "no website name"),
        ("https://example.com/" + "a" * 2000, "too long"),
    ],
)
def test_bad_links_are_refused_with_a_plain_reason(given, message):
    with pytest.raises(ValidationError) as refused:
        normalise_url(given)
    assert message in " ".join(refused.value.messages)


def test_a_list_merges_duplicates_after_normalising():
    found = parse_url_list("https://example.com/a?utm_source=1\n example.com/a , https://EXAMPLE.com/a#x")
    assert [f.url for f in found] == ["https://example.com/a"]
    assert found[0].host == "example.com"


def test_a_list_reports_every_bad_link_with_its_line():
    with pytest.raises(ValidationError) as refused:
        parse_url_list("https://ok.example.org/\nftp://x.example.org\nhttp://192.168.0.1/")
    text = " ".join(refused.value.messages)
    assert "Line 2" in text and "Line 3" in text and "Line 1" not in text


def test_a_line_of_words_is_one_entry_with_one_reason_and_the_good_lines_are_kept():
    found, rejected = parse_url_lines("https://ok.example.org/a\nnot a link\nexample.net/b, example.net/c")
    assert [f.url for f in found] == [
        "https://ok.example.org/a",
        "https://example.net/b",
        "https://example.net/c",
    ]
    assert [(bad.line, bad.text) for bad in rejected] == [(2, "not a link")]
    assert len(rejected[0].problems) == 1
    with pytest.raises(ValidationError) as refused:
        parse_url_list("not a link")
    assert len(refused.value.messages) == 1 and "Line 1 (not a link)" in refused.value.messages[0]


def test_a_list_has_a_limit():
    with pytest.raises(ValidationError):
        parse_url_list("\n".join(f"https://example.com/{n}" for n in range(51)))


def test_the_same_link_gets_the_same_keyed_digest():
    assert normalise_url("example.com/a?utm_x=1").digest == normalise_url("https://example.com/a").digest
    assert "example" not in normalise_url("https://example.com/a").digest

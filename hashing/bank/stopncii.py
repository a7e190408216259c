"""The StopNCII-compatible feed: FetchHashes and SubmitFeedback, as python-threatexchange's StopNCIIAPI reads them.

Timestamps are the bank's change sequence (see hashing.bank.clock): they read as Unix seconds and strictly
increase, so `startTimestamp=T` returns every entry changed at or after T, and a checkpoint taken from
`nextSetTimestamp` never skips a change nor goes back.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from hashing.bank.gate import audit_counts, partner_endpoint
from hashing.bank.partners import partner_feed_start
from hashing.bank.selectors import (
    MAX_BIGINT,
    CursorError,
    EntryRecord,
    decode_cursor,
    encode_cursor,
    feed_page,
    opaque_case_number,
)
from hashing.bank.services import FeedbackItem, bank_feedback_record
from hashing.models import FeedbackValue, Partner
from hashing.values import HashValueError, normalise_hex

DEFAULT_PAGE_SIZE = 800  # the client's own default
MAX_PAGE_SIZE = 5000
MAX_FEEDBACK_ITEMS = 1000
MAX_TAGS = 20
MAX_TAG_LENGTH = 100


def _error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"message": message}, status=status)


def _whole_number(request: HttpRequest, name: str, default: int) -> int:
    text = request.GET.get(name)
    if text is None or text == "":
        return default
    if not text.isascii() or not text.isdigit() or len(text) > 19 or int(text) > MAX_BIGINT:
        raise ValueError(f"{name} must be a whole number from 0 to {MAX_BIGINT}, got {text[:30]!r}")
    return int(text)


def _hash_record(record: EntryRecord, partner: Partner, numbers: dict[int, str]) -> dict:
    """One hashRecord; `numbers` memoises the partner's case numbers across a page (ten hashes share a case)."""
    for case_id, _status in record.cases:
        if case_id not in numbers:
            numbers[case_id] = opaque_case_number(partner, case_id)
    return {
        "lastModtimestamp": record.seq,
        "signalType": record.signal_type,
        "hashValue": record.value,
        "hashStatus": record.status,
        "caseNumbers": {numbers[case_id]: status for case_id, status in record.cases},
        "CSPFeedbacks": [
            {"feedbackValue": value, "tags": tags, "source": source} for source, value, tags in record.feedback
        ],
    }


@csrf_exempt
@partner_endpoint(endpoint="stopncii.FetchHashes", scope=Partner.Scope.FETCH)
def fetch_hashes(request: HttpRequest) -> JsonResponse:
    if request.method != "GET":
        return _error("FetchHashes answers GET only.", status=405)
    try:
        start = _whole_number(request, "startTimestamp", 0)
        size = min(max(_whole_number(request, "pageSize", DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE)
        token = request.GET.get("nextPageToken") or ""
        cursor = decode_cursor(token) if token else None
    except CursorError as exc:
        return _error(f"nextPageToken is {exc}.")
    except ValueError as exc:
        return _error(str(exc))

    partner = request.bank_partner
    partner_feed_start(partner=partner)
    page = feed_page(partner=partner, start=start, cursor=cursor, size=size)
    records = page.records
    if records:
        last = records[-1]
        # Resuming from last.seq + 1 misses nothing, as long as the next entry is not at the same seq.
        next_set = last.seq if page.following_seq == last.seq else last.seq + 1
        next_token = encode_cursor(last.seq, last.id) if page.has_more else None
    else:
        next_set = cursor[0] + 1 if cursor else start
        next_token = None
    numbers: dict[int, str] = {}
    audit_counts(request, hashes_out=len(records))
    return JsonResponse(
        {
            "count": len(records),
            "nextPageToken": next_token,
            "nextSetTimestamp": max(next_set, start),
            "hasMoreRecords": page.has_more,
            "hashRecords": [_hash_record(record, partner, numbers) for record in records],
        }
    )


def _feedback_items(payload: object) -> list[FeedbackItem]:
    if not isinstance(payload, dict) or not isinstance(payload.get("hashFeedbacks"), list):
        raise ValueError(
            'The body must be JSON like {"count": 1, "hashFeedbacks": [{"hashValue": ..., '
            '"feedbackValue": "Blocked", "tags": []}]}.'
        )
    raw_items = payload["hashFeedbacks"]
    if len(raw_items) > MAX_FEEDBACK_ITEMS:
        raise ValueError(f"Send at most {MAX_FEEDBACK_ITEMS} feedbacks per call, got {len(raw_items)}.")
    items = []
    for position, raw in enumerate(raw_items):
        where = f"hashFeedbacks[{position}]"
        if not isinstance(raw, dict):
            raise ValueError(f"{where} must be an object.")
        value = raw.get("hashValue")
        if not isinstance(value, str) or len(value.strip()) not in (32, 64):
            raise ValueError(f"{where}.hashValue must be a PDQ (64 hex characters) or an MD5 (32).")
        value = normalise_hex(value)
        if any(char not in "0123456789abcdef" for char in value):
            raise ValueError(f"{where}.hashValue must be hexadecimal (0-9, a-f).")
        feedback = raw.get("feedbackValue")
        if feedback not in FeedbackValue.values:
            raise ValueError(f"{where}.feedbackValue must be one of {', '.join(FeedbackValue.values)}.")
        tags = raw.get("tags", [])
        if (
            not isinstance(tags, list)
            or len(tags) > MAX_TAGS
            or not all(isinstance(tag, str) and len(tag) <= MAX_TAG_LENGTH and tag.isprintable() for tag in tags)
        ):
            raise ValueError(f"{where}.tags must be a list of at most {MAX_TAGS} short printable texts.")
        items.append(FeedbackItem(hash_value=value, value=feedback, tags=tuple(tags)))
    return items


@csrf_exempt
@partner_endpoint(endpoint="stopncii.SubmitFeedback", scope=Partner.Scope.FEEDBACK)
def submit_feedback(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        return _error("SubmitFeedback answers POST only.", status=405)
    try:
        items = _feedback_items(json.loads(request.body or b"null"))
    except (ValueError, HashValueError, RecursionError) as exc:
        # json.JSONDecodeError is a ValueError too; RecursionError is hostile nesting like "[[[[...".
        message = (
            str(exc) if not isinstance(exc, json.JSONDecodeError | RecursionError) else "The body is not valid JSON."
        )
        return _error(message)
    outcome = bank_feedback_record(partner=request.bank_partner, items=items)
    audit_counts(request, hashes_in=len(items))
    # The same answer whether or not each hash is in the bank (or was withdrawn): `count` is what was received.
    return JsonResponse({"count": outcome.received})

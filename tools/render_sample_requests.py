"""Render three removal requests as the portal would send them (an adult on Reddit, an anonymous victim on an
unknown site, a minor on Instagram), from the directory as the migrations load it, in a throwaway database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpline .venv/bin/python tools/render_sample_requests.py

The helpline's details are example values (HELPLINE_LEGAL_NAME, HELPLINE_SIGNATORY, DEFAULT_FROM_EMAIL); set
them in the environment to see your own.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpline")
    parts = urlsplit(url)
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/helpline_sample_requests"))
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
    os.environ.setdefault("HELPLINE_LEGAL_NAME", "Example Helpline CIC")
    os.environ.setdefault("HELPLINE_SIGNATORY", "Jo Signer, caseworker")
    os.environ.setdefault("DEFAULT_FROM_EMAIL", "requests@helpline.example")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        _render_all()
    finally:
        teardown_databases(databases, verbosity=0)


def _case(**fields):
    from django.utils import timezone

    from cases.models import Case
    from cases.pins import pin_hash_make

    values = {"pin_hash": pin_hash_make("000000"), "consent_act_on_behalf": True, "consent_given_at": timezone.now()}
    values.update(fields)
    return Case.objects.create(**values)


def _url(case, url: str) -> None:
    from cases.intake.services import case_urls_create

    case_urls_create(case=case, urls=[url])


def _render_all() -> None:
    from django.utils import timezone

    from cases.models import Case
    from cases.removals import directory, drafting, services
    from cases.removals.models import RemovalRequest

    directory.directory_changed()
    now = timezone.now()
    adult = _case(
        contact_name="Robin Quill", contact_email="robin@example.org", signature_name="Robin Quill",
        signature_statement="I confirm...", signed_at=now, categories=[Case.Category.KNOWN_PERSON],
        images_taken_by=Case.TakenBy.SOMEONE_ELSE, country="US", police=Case.Police.NO,
    )  # fmt: skip
    _url(adult, "https://www.reddit.com/r/example/comments/abc123/title/")
    anonymous = _case(categories=[Case.Category.HACKED], police=Case.Police.YES)
    _url(anonymous, "https://unknown-tube.example.net/watch/42")
    minor = _case(
        is_minor=True, filed_by=Case.Filer.PARENT, contact_name="Pat Parent", person_name="Sam Child",
        country="GB", categories=[Case.Category.EXTORTION],
    )  # fmt: skip
    _url(minor, "https://www.instagram.com/p/CxAmPlE123/")
    shown = [(adult, "reddit", "Adult on Reddit"), (anonymous, "", "Anonymous victim on an unknown site"),
             (minor, "instagram", "Minor on Instagram")]  # fmt: skip
    for case, slug, title in shown:
        drafting.draft_for_case(case_id=case.pk)
        requests = RemovalRequest.objects.filter(case=case, kind=RemovalRequest.Kind.REMOVAL)
        request = requests.get(platform__slug=slug) if slug else requests.get(platform__is_catch_all=True)
        if request.platform.is_catch_all:
            request.abuse_contact = "abuse@unknown-tube.example.net"
            request.save(update_fields=["abuse_contact"])
        rendered = services.render(request)
        print(f"===== {title}: {request.get_basis_display()} =====")
        print(f"To: {rendered.recipient or '(none)'}")
        print(f"Signed by: {rendered.signer or '(no signature in this basis)'}")
        print(f"Deadline once sent: {_deadline(request)}")
        print(f"Missing before it can be sent: {[m.code for m in rendered.missing] or 'nothing'}")
        print(f"Subject: {rendered.subject}\n")
        print(rendered.body)
        print("Form fields:")
        for label, value in rendered.fields:
            print(f"  {label}: {value}")
        others = RemovalRequest.objects.filter(case=case).exclude(pk=request.pk).select_related("platform")
        print("Other requests drafted for this case: " + ", ".join(f"{r.platform.name} ({r.basis})" for r in others))
        print()


def _deadline(request) -> str:
    from django.utils import timezone

    from cases.removals import services

    deadline = services.deadline_for(request, timezone.now())
    if deadline["deadline_at"] is None:
        return "none"
    hours = round((deadline["deadline_at"] - timezone.now()).total_seconds() / 3600)
    kind = "legal deadline (TAKE IT DOWN Act)" if deadline["deadline_statutory"] else "the helpline's follow-up target"
    return f"{hours} hours, {kind}"


if __name__ == "__main__":
    main()

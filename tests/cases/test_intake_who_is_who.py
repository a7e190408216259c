"""Who is who on intake: the person pictured, who filed, who took the images, the country and the police."""

from __future__ import annotations

import pytest
from django.db import connection

from cases.models import Case
from tests.cases.helpers import post_form, walk_wizard, wizard_answers

pytestmark = pytest.mark.django_db

WHAT = {"categories": ["known_person"], "description": "My sister's ex posted them."}


def test_a_friend_files_naming_the_person_pictured_and_their_country(client):
    answers = wizard_answers(
        safety={"safe_now": "yes", "age": "adult", "filed_by": "authorised"},
        **{
            "what-happened": {
                **WHAT,
                "person_name": "Sam Pictured",
                "images_taken_by": "someone_else",
                "country": "DE",
                "police": "yes",
            }
        },
    )
    answers["contact"]["name"] = "Pat Friendly"
    walk_wizard(client, answers)
    case = Case.objects.get()
    assert case.filed_by == Case.Filer.AUTHORISED
    assert case.person_name == "Sam Pictured" and case.pictured_name == "Sam Pictured"
    assert (case.images_taken_by, case.country, case.police) == ("someone_else", "DE", "yes")
    assert case.evidence_held
    # The name of the person pictured is encrypted at rest.
    with connection.cursor() as cursor:
        cursor.execute("SELECT person_name FROM cases_case WHERE id = %s", [case.pk])
        assert "Sam Pictured" not in cursor.fetchone()[0]


def test_the_filer_is_the_person_pictured_by_default_but_never_a_friend(client):
    walk_wizard(client)
    case = Case.objects.get()
    assert case.person_name == "" and case.pictured_name == "Alex Example"
    case.filed_by = Case.Filer.PARENT
    assert case.pictured_name == ""  # a parent's own name is never the child's


def test_a_parent_or_guardian_is_a_choice_of_its_own(client):
    walk_wizard(client, wizard_answers(safety={"safe_now": "yes", "age": "minor", "filed_by": "parent"}))
    case = Case.objects.get()
    assert case.filed_by == Case.Filer.PARENT and case.is_minor


def test_ai_generated_images_are_recorded_as_such_even_without_the_question_answered(client):
    walk_wizard(client, wizard_answers(**{"what-happened": {"categories": ["ai_generated"]}}))
    assert Case.objects.get().images_taken_by == Case.TakenBy.AI


def test_a_country_not_in_the_list_is_refused_with_a_clear_message_and_nothing_saved(client):
    post_form(client, "/help/step/safety/", {"safe_now": "yes", "age": "adult", "filed_by": "self"})
    response = post_form(client, "/help/step/what-happened/", {**WHAT, "country": "XX"})
    assert response.status_code == 200
    assert "choose a country from the list" in response.content.decode()
    assert "what-happened" not in client.session.get("intake_draft", {})


def test_the_country_select_lists_countries_in_the_pages_language(client):
    post_form(client, "/help/step/safety/", {"safe_now": "yes", "age": "adult", "filed_by": "self"})
    english = client.get("/help/step/what-happened/").content.decode()
    assert '<option value="DE">Germany</option>' in english
    client.cookies["django_language"] = "es"
    spanish = client.get("/help/step/what-happened/").content.decode()
    assert '<option value="DE">Alemania</option>' in spanish


def test_the_consent_step_says_why_a_minors_fingerprints_stay_out_of_the_adult_bank(client, settings):
    settings.BANK_SHARE_MINORS = False
    answers = wizard_answers(safety={"safe_now": "yes", "age": "minor", "filed_by": "self"})
    for name in ("safety", "what-happened", "where", "images", "contact"):
        post_form(client, f"/help/step/{name}/", answers[name])
    html = client.get("/help/step/consent/").content.decode()
    assert "data-minor-bank" in html and "Internet Watch Foundation" in html
    settings.BANK_SHARE_MINORS = True
    assert "data-minor-bank" not in client.get("/help/step/consent/").content.decode()

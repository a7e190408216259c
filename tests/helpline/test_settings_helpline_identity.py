"""The helpline's own identity in removal requests: no default names another organisation, strict parsing."""

from __future__ import annotations

from tests.helpline.test_settings import GOOD_KEY, _start

BASE = {"DEBUG": "true", "SECRET_KEY": "x" * 50, "FIELD_ENCRYPTION_KEY": GOOD_KEY}
DROP = ("HELPLINE_PHONE", "HELPLINE_LEGAL_NAME", "HELPLINE_SIGNATORY", "SITE_NAME", "BANK_SHARE_MINORS")


def test_unconfigured_the_helpline_has_no_phone_no_signatory_and_its_own_name():
    result = _start(
        BASE,
        "repr((settings.HELPLINE_PHONE, settings.HELPLINE_SIGNATORY, settings.HELPLINE_LEGAL_NAME, "
        "settings.BANK_SHARE_MINORS, settings.REMOVALS_FOLLOW_UP_HOURS))",
        drop=DROP,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "('', '', 'Helpline portal', False, 120)"


def test_a_bad_boolean_for_minors_sharing_stops_startup_naming_the_variable():
    result = _start({**BASE, "BANK_SHARE_MINORS": "sometimes"}, drop=DROP[:-1])
    assert result.returncode != 0 and "BANK_SHARE_MINORS='sometimes' is not a boolean" in result.stderr


def test_a_follow_up_target_must_be_a_positive_number_of_hours():
    result = _start({**BASE, "REMOVALS_FOLLOW_UP_HOURS": "0"}, drop=DROP)
    assert result.returncode != 0 and "REMOVALS_FOLLOW_UP_HOURS" in result.stderr

"""FastSelect renders what forms.Select renders, without a template per option (helpline/widgets.py)."""

from __future__ import annotations

import pytest
from django import forms
from django.utils import translation

from cases.intake.forms import WhatHappenedForm
from helpline.widgets import FastSelect


def _both(data=None, language="en"):
    with translation.override(language):
        fast = WhatHappenedForm(data=data)
        slow = WhatHappenedForm(data=data)
        slow.fields["country"].widget = forms.Select(choices=slow.fields["country"].choices)
        if data is not None:
            fast.is_valid() and slow.is_valid()
        return str(fast["country"]), str(slow["country"])


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("data", [None, {"country": "ES"}, {"country": "nowhere"}])
def test_the_country_list_is_the_same_html_as_djangos_select(language, data):
    fast, slow = _both(data, language)
    assert "<select" in fast and fast.count("<option") > 200
    assert fast == slow


def test_attributes_escaping_and_groups_match_djangos_select():
    choices = [("", "None <b>"), ("Group & co", [("a", 'A "quoted"'), ("b", "B")]), ("c", "C")]
    attrs = {"id": "id_x", "required": True, "disabled": False, "data-note": "<&>", "aria-describedby": "x_help"}
    assert FastSelect(choices=choices).render("x", "b", attrs) == forms.Select(choices=choices).render("x", "b", attrs)

"""The status page's forms: sign-in with reference and PIN, and the victim's actions on their case."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.intake.forms import ContactForm


class SignInForm(forms.Form):
    reference = forms.CharField(
        label=_("Case reference"),
        help_text=_("It looks like HL-7F3K-9Q2M."),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        error_messages={"required": _("Please type your case reference.")},
    )
    pin = forms.CharField(
        label=_("PIN"),
        help_text=_("The 6 digits you were given with the reference."),
        max_length=40,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        error_messages={"required": _("Please type your PIN.")},
    )


class ContactUpdateForm(ContactForm):
    consent_contact = forms.BooleanField(
        label=_("A caseworker may contact me in the ways I said are safe"), required=False
    )


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, I understand"),
        error_messages={"required": _("Please tick the box to confirm.")},
    )

"""The intake wizard's forms, one per step, with friendly messages; the contact form is reused on the status page."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.intake.countries import country_choices, is_country
from cases.intake.hashes import MAX_JSON_LENGTH, parse_hash_list
from cases.models import Case
from cases.urls_normalise import RejectedLink, parse_url_lines, parse_url_list
from helpline.widgets import FastSelect

MAX_FREE_TEXT = 4000
MAX_ELSEWHERE = 2000
_PHONE = re.compile(r"^\+?[0-9 ()./-]{6,25}$")


class SafetyForm(forms.Form):
    SAFE_CHOICES = [
        ("yes", _("Yes, I can do this now")),
        ("unsure", _("I am not sure")),
        ("no", _("No, not right now")),
    ]
    AGE_CHOICES = [("adult", _("18 or older")), ("minor", _("Under 18"))]
    FILER_CHOICES = [
        (Case.Filer.SELF, _("I am the person in the images")),
        (Case.Filer.AUTHORISED, _("I am helping someone and they asked me to")),
        (Case.Filer.PARENT, _("I am their parent or guardian")),
    ]

    safe_now = forms.ChoiceField(
        label=_("Are you somewhere safe and private to do this now?"),
        choices=SAFE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose an answer, so we know how to help.")},
    )
    age = forms.ChoiceField(
        label=_("How old is the person in the images?"),
        help_text=_("Their age now, or when the images were made if they were under 18 then."),
        choices=AGE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please tell us if the person in the images is under 18.")},
    )
    filed_by = forms.ChoiceField(
        label=_("Who is asking for help?"),
        choices=FILER_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please tell us who is asking for help.")},
    )


class WhatHappenedForm(forms.Form):
    CATEGORY_CHOICES = [
        (Case.Category.KNOWN_PERSON, _("Someone I know shared them")),
        (Case.Category.HACKED, _("My account or device was hacked")),
        (Case.Category.AI_GENERATED, _("The images are fake, AI-generated or edited")),
        (Case.Category.EXTORTION, _("Someone is threatening me or asking for money (sextortion)")),
        (Case.Category.VIEW_ONCE, _("Someone captured a 'view once' photo or video")),
        (Case.Category.OTHER, _("Something else")),
    ]

    categories = forms.MultipleChoiceField(
        label=_("What happened? Choose any that fit, or none."),
        choices=CATEGORY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": _("Please choose from the list.")},
    )
    TAKEN_BY_CHOICES = [
        (Case.TakenBy.SELF, _("The person in the images took them")),
        (Case.TakenBy.SOMEONE_ELSE, _("Someone else took them")),
        (Case.TakenBy.UNKNOWN, _("I don't know")),
        (Case.TakenBy.AI, _("They are AI-generated or edited")),
    ]
    POLICE_CHOICES = [
        (Case.Police.YES, _("Yes, or maybe")),
        (Case.Police.UNSURE, _("I have not decided")),
        (Case.Police.NO, _("No")),
    ]

    person_name = forms.CharField(
        label=_("Name of the person in the images (optional)"),
        help_text=_(
            "Some removal forms ask for it. We only give it to platforms we have checked, never to unknown "
            "websites. If you are that person, you can leave this empty."
        ),
        required=False,
        max_length=200,
        error_messages={"max_length": _("Please keep this under %(limit_value)d characters.")},
    )
    images_taken_by = forms.ChoiceField(
        label=_("Who took the images?"),
        help_text=_("This decides which laws we can use. For example, copyright only helps if you took them."),
        choices=TAKEN_BY_CHOICES,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": _("Please choose from the list.")},
    )
    country = forms.ChoiceField(
        widget=FastSelect,
        label=_("Which country does the person in the images live in? (optional)"),
        help_text=_("Laws differ between countries: this helps us use the right one."),
        required=False,
        error_messages={"invalid_choice": _("Please choose a country from the list, or leave it empty.")},
    )
    police = forms.ChoiceField(
        label=_("Might you report this to the police?"),
        help_text=_(
            "If so, we capture evidence before we ask for removal, and ask websites to keep the data the police "
            "would need."
        ),
        choices=POLICE_CHOICES,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": _("Please choose from the list.")},
    )
    description = forms.CharField(
        label=_("Anything else you want us to know (optional)"),
        help_text=_("In your own words. You do not have to describe the images."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=MAX_FREE_TEXT,
        error_messages={"max_length": _("Please keep this under %(limit_value)d characters.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("I'd rather not say")), *country_choices()]

    def clean_country(self) -> str:
        code = self.cleaned_data["country"].upper()
        if code and not is_country(code):
            raise ValidationError(_("Please choose a country from the list, or leave it empty."))
        return code

    def clean_person_name(self) -> str:
        return self.cleaned_data["person_name"].strip()


class WhereForm(forms.Form):
    urls = forms.CharField(
        label=_("Links to where the images are posted (optional)"),
        help_text=_(
            "Paste one link per line: the address of the post, profile or search result. "
            "We remove tracking codes and merge repeated links."
        ),
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false", "autocapitalize": "off", "inputmode": "url"}),
        required=False,
        max_length=60_000,
        error_messages={"max_length": _("That is too much text. Please give at most 50 links at a time.")},
    )
    elsewhere = forms.CharField(
        label=_("Somewhere else? (optional)"),
        help_text=_("For example a group chat, an app without links, or a place you have only heard about."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=MAX_ELSEWHERE,
        error_messages={"max_length": _("Please keep this under %(limit_value)d characters.")},
    )

    def clean_urls(self) -> list[str]:
        return [found.url for found in parse_url_list(self.cleaned_data["urls"])]


class AddURLsForm(forms.Form):
    urls = forms.CharField(
        label=_("New links"),
        help_text=_("One link per line."),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocapitalize": "off", "inputmode": "url"}),
        max_length=60_000,
        error_messages={
            "required": _("Please paste at least one link."),
            "max_length": _("That is too much text. Please give at most 50 links at a time."),
        },
    )

    def clean_urls(self) -> list[str]:
        """The usable links; the lines that are not links are kept in `rejected` (the view lists them with
        their reasons and saves the rest). Only a batch with no usable link at all is an error."""
        found, self.rejected = parse_url_lines(self.cleaned_data["urls"])
        if not found and not self.rejected:
            raise ValidationError(_("Please paste at least one link."))
        if not found:
            raise ValidationError(rejected_messages(self.rejected))
        return [url.url for url in found]


def rejected_messages(rejected: list[RejectedLink]) -> list[ValidationError]:
    """One message per line that is not a usable link, naming the line and saying what is wrong with it."""
    return [
        ValidationError(
            _("Line %(line)s (%(link)s): %(problem)s"),
            params={"line": bad.line, "link": bad.shown, "problem": " ".join(bad.problems)},
        )
        for bad in rejected
    ]


class HashesForm(forms.Form):
    """The picker writes a JSON list of per-file hashes into `hashes`; no file is ever posted."""

    hashes = forms.CharField(widget=forms.HiddenInput, required=False, max_length=MAX_JSON_LENGTH)

    def clean_hashes(self) -> list[dict]:
        return parse_hash_list(self.cleaned_data["hashes"])


class ContactForm(forms.Form):
    CHANNEL_CHOICES = [("email", _("Email")), ("call", _("Phone call")), ("text", _("Text message"))]

    name = forms.CharField(
        label=_("Your name (optional)"),
        help_text=_("Any name you want us to use. It can be a first name or a nickname."),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"max_length": _("Please keep this under %(limit_value)d characters.")},
    )
    email = forms.EmailField(
        label=_("Email address (optional)"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": _("This email address does not look right. Please check it.")},
    )
    phone = forms.CharField(
        label=_("Phone number (optional)"),
        help_text=_("With the country code if you are outside the country, for example +44 20 7946 0000."),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"max_length": _("This phone number is too long. Please check it.")},
    )
    safe_channels = forms.MultipleChoiceField(
        label=_("How is it safe to contact you?"),
        help_text=_("Tick only what nobody else reads or answers. If nothing is safe, leave all unticked."),
        choices=CHANNEL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": _("Please choose from the list.")},
    )
    safe_times = forms.CharField(
        label=_("When is it safe to contact you? (optional)"),
        help_text=_("For example: weekdays 9 to 12, never in the evening."),
        required=False,
        max_length=200,
        error_messages={"max_length": _("Please keep this under %(limit_value)d characters.")},
    )
    voicemail_ok = forms.BooleanField(label=_("It is safe to leave a voicemail"), required=False)
    email_may_name_helpline = forms.BooleanField(label=_("An email may name the helpline"), required=False)
    code_word = forms.CharField(
        label=_("Code word (optional)"),
        help_text=_("We will say this word first, so you know it is us."),
        required=False,
        max_length=60,
        error_messages={"max_length": _("Please keep this under %(limit_value)d characters.")},
    )

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and (not _PHONE.match(phone) or sum(ch.isdigit() for ch in phone) < 6):
            raise ValidationError(_("This phone number does not look right. Use digits, spaces and + only."))
        return phone

    def clean(self):
        cleaned = super().clean()
        channels = cleaned.get("safe_channels") or []
        if "email" in channels and not cleaned.get("email") and "email" not in self.errors:
            self.add_error("email", _("You said email is safe: please give the email address, or untick email."))
        if ({"call", "text"} & set(channels)) and not cleaned.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("You said a call or text is safe: please give the number, or untick them."))
        return cleaned


class ConsentForm(forms.Form):
    consent_share_hashes = forms.BooleanField(
        label=_("Share my images' fingerprints with partner platforms, so they can block uploads of them"),
        help_text=_("Only fingerprints are shared, never the images. You can withdraw this later."),
        required=False,
    )
    consent_contact = forms.BooleanField(
        label=_("A caseworker may contact me in the ways I said are safe"),
        required=False,
    )
    consent_act_on_behalf = forms.BooleanField(
        label=_("The helpline may send removal requests to websites and search engines on my behalf"),
        required=False,
    )
    signature_name = forms.CharField(
        label=_("Type your full name to sign (optional)"),
        help_text=_("Your typed name is your electronic signature of the statement above."),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"max_length": _("Please keep this under %(limit_value)d characters.")},
    )

    def __init__(self, *args, has_contact: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_contact = has_contact

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("consent_contact") and not self.has_contact:
            self.add_error(
                "consent_contact",
                _("You did not give an email or phone number that is safe to use. Go back to add one, or untick this."),
            )
        if cleaned.get("signature_name", "").strip() and len(cleaned["signature_name"].strip()) < 2:
            self.add_error("signature_name", _("Please type your full name, or leave this empty."))
        return cleaned

"""Forms for inviting staff and accepting an invitation."""

from django import forms
from django.contrib.auth.password_validation import validate_password

from helpline.models import StaffInvitation


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)
    role = forms.ChoiceField(choices=StaffInvitation.Role.choices, initial=StaffInvitation.Role.CASEWORKER)


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", "The two passwords differ. Type the same password twice.")
        elif one:
            from django.contrib.auth import get_user_model

            try:
                validate_password(one, get_user_model()(email=self.email))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data

"""Forms of the account pages; choice lists are restricted to the user's scope."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils.translation import gettext_lazy as _

from frontline.accounts.roles import Role
from frontline.accounts.services import MANAGER_REASON_MAX_LENGTH, grantable_roles
from frontline.areas.models import Jurisdiction, Place
from frontline.core import widgets
from frontline.core.permissions import Action
from frontline.core.views import restrict_form_fields


class LoginForm(AuthenticationForm):
    error_messages = {
        # The same message whether the user exists, is inactive or mistyped the password.
        "invalid_login": _("The username or password is not correct."),
        "inactive": _("The username or password is not correct."),
        # Said only to whoever typed the right password.
        "initial_password_expired": _(
            "This password was set for you by someone else and has expired unused. Ask the "
            "person who manages your account to set a new one."),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.initial_password_expired():
            raise forms.ValidationError(self.error_messages["initial_password_expired"],
                                        code="initial_password_expired")


class TwoFactorForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"), min_length=6, max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autofocus": True}),
    )


class RoleScopeForm(forms.Form):
    role = forms.ChoiceField(label=_("role"))
    jurisdiction = forms.ModelChoiceField(
        label=_("jurisdiction"), queryset=Jurisdiction.objects.filter(is_active=True),
        required=False,
    )
    place = forms.ModelChoiceField(label=_("place"), queryset=Place.objects.filter(is_active=True),
                                   required=False,
                                   help_text=_("For registrars and hotel duty staff."))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Role.choices)
        self.fields["role"].choices = [(r, labels[r]) for r in grantable_roles(actor)]
        restrict_form_fields(self, actor, Action.MANAGE_USERS)

    def clean(self):
        data = super().clean()
        if bool(data.get("jurisdiction")) == bool(data.get("place")):
            raise forms.ValidationError(_("Choose either a jurisdiction or a place."))
        return data


class UserCreateForm(RoleScopeForm):
    username = forms.RegexField(
        label=_("username"), max_length=150, regex=r"^[\w.@+-]+\Z",
        error_messages={"invalid": _("Letters, digits and @/./+/-/_ only.")},
    )
    display_name = forms.CharField(label=_("display name"), max_length=100, required=False)
    email = forms.EmailField(label=_("e-mail"), required=False)
    phone = forms.CharField(label=_("phone"), max_length=40, required=False)
    password = forms.CharField(label=_("initial password"), widget=forms.PasswordInput,
                               strip=False, required=False,
                               help_text=_("Leave it empty and Frontline makes a random one, "
                                           "shown to you once. The user must choose their own "
                                           "password at the first sign-in."))
    field_order = ["username", "display_name", "email", "phone", "password", "role",
                   "jurisdiction", "place"]


class PasswordResetForm(forms.Form):
    password = forms.CharField(label=_("new password"), widget=forms.PasswordInput, strip=False,
                               required=False,
                               help_text=_("Leave it empty and Frontline makes a random one, "
                                           "shown to you once. The user must choose their own "
                                           "password at the next sign-in."))
    revoke_tokens = forms.BooleanField(
        label=_("Also revoke all API tokens"), required=False, initial=False,
        help_text=_("Programs using this user's tokens stop working."))


class AuthenticatorResetForm(forms.Form):
    """A manager removes a user's lost authenticator and sets a new initial password."""

    prefix = "authenticator"

    password = forms.CharField(
        label=_("new initial password"), strip=False, required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave both empty and Frontline makes a random one, shown to you once. Hand "
                    "it over in person. The user must choose their own password at the next "
                    "sign-in."))
    password_again = forms.CharField(
        label=_("new initial password again"), strip=False, required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    reason = forms.CharField(
        label=_("reason"), max_length=MANAGER_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("How you checked the person's identity, such as “checked identity card in "
                    "person, 2026-11-30”. Recorded in the audit log."))
    revoke_tokens = forms.BooleanField(
        label=_("Also revoke all API tokens"), required=False, initial=True,
        help_text=_("A lost phone may hold one. Programs using this user's tokens stop "
                    "working."))

    def clean(self):
        data = super().clean()
        password, again = data.get("password"), data.get("password_again")
        if (password or again) and password != again:
            self.add_error("password_again", _("The two passwords differ."))
        return data


class _ManagerReasonForm(forms.Form):
    """The reason a manager gives for an act on someone's account; recorded in the audit."""

    example = ""

    reason = forms.CharField(label=_("reason"), max_length=MANAGER_REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = self.example


class TokensRevokeForm(_ManagerReasonForm):
    """A manager revokes every API token of a user."""

    prefix = "tokens"
    example = _("Why, such as “phone with the desk scanner's token stolen, 2026-11-30”. "
                "Recorded in the audit log.")


class SessionsEndForm(_ManagerReasonForm):
    """A manager signs a user out of every browser."""

    prefix = "sessions"
    example = _("Why, such as “left signed in on the shared computer of the hotel desk”. "
                "Recorded in the audit log.")



class EveryoneSignOutForm(_ManagerReasonForm):
    """A manager signs everyone they manage out of every browser, maybe revoking their tokens."""

    prefix = "everyone"
    example = _("Why, such as “a list of passwords found next to the hotel desk computer, "
                "2026-11-30”. Recorded in the audit log of every user signed out.")

    revoke_tokens = forms.BooleanField(
        label=_("also revoke their API tokens"), required=False,
        help_text=_("Scanners and scripts using them stop until their owners make new ones."))
    confirm = forms.BooleanField(
        label=_("I understand that everyone listed must sign in again"), required=True)

class PasswordChangeForm(forms.Form):
    """One's own password; the service checks the current one and runs the validators."""

    current_password = forms.CharField(
        label=_("current password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}))
    new_password = forms.CharField(
        label=_("new password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password_again = forms.CharField(
        label=_("new password again"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per request, so the validators' rules are listed in the user's language.
        self.fields["new_password"].help_text = " ".join(password_validators_help_texts())

    def clean(self):
        data = super().clean()
        new, again = data.get("new_password"), data.get("new_password_again")
        if new and again and new != again:
            self.add_error("new_password_again", _("The two new passwords differ."))
        return data


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("display name"), max_length=100, required=False)
    email = forms.EmailField(label=_("e-mail"), required=False)
    phone = forms.CharField(label=_("phone"), max_length=40, required=False)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("token name"), max_length=100,
                           help_text=_("What the token is for, such as “desk scanner”."))
    expires_at = forms.DateTimeField(label=_("expires"), required=False,
                                     help_text=_("Leave empty for no expiry."),
                                     widget=widgets.DateTimeInput())

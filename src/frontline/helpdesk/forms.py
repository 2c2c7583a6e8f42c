"""Forms of the question desk; every choice list is restricted to the user's scope."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontline.areas.models import Jurisdiction, Level
from frontline.core import widgets
from frontline.core.permissions import Action
from frontline.core.views import restrict_form_fields
from frontline.helpdesk.attachments import MAX_BYTES
from frontline.helpdesk.models import DutyPosition, Urgency


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={
            "accept": "image/png,image/jpeg,image/gif,image/webp,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


def where_choices(user) -> list[tuple[str, str]]:
    """The places and areas the user may ask from: those of their roles."""
    choices = []
    for role in user.active_roles():
        if role.place_id:
            choices.append((f"place:{role.place_id}", str(role.place)))
        elif role.jurisdiction_id:
            choices.append((f"jurisdiction:{role.jurisdiction_id}",
                            f"{role.jurisdiction.code} {role.jurisdiction.name}"))
    return list(dict.fromkeys(choices))


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("question"), max_length=5000, widget=forms.Textarea(attrs={
        "rows": 4, "autofocus": True}))
    urgency = forms.ChoiceField(label=_("urgency"), choices=Urgency.choices,
                                initial=Urgency.NORMAL, widget=forms.RadioSelect)
    where = forms.ChoiceField(label=_("asked from"))
    person = forms.IntegerField(label=_("about a person (registry number, optional)"),
                                required=False, min_value=1)
    attachments = MultipleFileField(
        label=_("attachments"), required=False,
        # Formatted when shown, in the reader's language (not once, when the module loads).
        help_text=lazy(lambda: _("Images or PDF files, at most %(mb)s MB each.")
                       % {"mb": MAX_BYTES // 2**20}, str)())

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["where"].choices = where_choices(actor) if actor is not None else []
        # While someone types, the FAQ entries that may already answer it appear below.
        self.fields["text"].widget.attrs.update({
            "hx-get": reverse("helpdesk:faq_suggest"), "hx-target": "#faq-suggestions",
            "hx-trigger": "input changed delay:400ms, change", "hx-swap": "innerHTML"})


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("reply"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class DutySlotForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(
        label=pgettext_lazy("foreign affairs office", "office"),
        queryset=Jurisdiction.objects.filter(level=Level.DISTRICT))
    user = forms.ModelChoiceField(label=pgettext_lazy("helpdesk", "staff member"), queryset=None)
    position = forms.ChoiceField(label=_("position"), choices=DutyPosition.choices)
    starts_at = forms.DateTimeField(label=_("starts"),
                                    widget=widgets.DateTimeInput())
    ends_at = forms.DateTimeField(label=_("ends"),
                                  widget=widgets.DateTimeInput())

    def __init__(self, *args, actor=None, **kwargs):
        from frontline.accounts.models import User

        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(is_active=True)
        if actor is not None:
            restrict_form_fields(self, actor, Action.CONFIGURE)

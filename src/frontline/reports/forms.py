"""Forms of the daily-figures pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from frontline.areas.models import Jurisdiction
from frontline.core import widgets
from frontline.core.permissions import Action
from frontline.core.views import restrict_form_fields
from frontline.reports.models import MeetingKind

DATETIME = widgets.DateTimeInput()


class UnlockForm(forms.Form):
    reason = forms.CharField(label=_("reason for unlocking"), max_length=300)


class MeetingForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(label=_("office"),
                                          queryset=Jurisdiction.objects.filter(is_active=True))
    kind = forms.ChoiceField(label=_("kind"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("title"), max_length=200)
    held_at = forms.DateTimeField(label=_("held"), widget=DATETIME,
                                  input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    notes = forms.CharField(label=_("notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 4}))
    decisions = forms.CharField(label=_("decisions"), required=False,
                                widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        restrict_form_fields(self, actor, Action.CHANGE)


class ActionItemForm(forms.Form):
    text = forms.CharField(label=_("action"), max_length=300)
    owner = forms.ModelChoiceField(label=_("owner"), queryset=None)
    due_at = forms.DateTimeField(label=_("due"), widget=DATETIME,
                                 input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])

    def __init__(self, *args, actor=None, **kwargs):
        from frontline.accounts.models import User

        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.restrict(actor, Action.VIEW).filter(
            is_active=True).order_by("username")

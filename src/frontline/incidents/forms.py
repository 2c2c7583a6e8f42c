"""Forms of the incident pages; choice lists are restricted to the user's scope."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontline.accounts.roles import Role
from frontline.areas.models import Jurisdiction, Place
from frontline.core.permissions import Action
from frontline.core.views import restrict_form_fields
from frontline.incidents.models import (
    Contact,
    ContactKind,
    Direction,
    IncidentType,
    ReportKind,
    Sentiment,
    Severity,
)


class OpenForm(forms.Form):
    incident_type = forms.ChoiceField(label=_("incident type"), choices=IncidentType.choices)
    severity = forms.TypedChoiceField(label=_("severity"), choices=Severity.choices, coerce=int,
                                      initial=Severity.IV)
    title = forms.CharField(label=_("title"), max_length=200)
    description = forms.CharField(label=_("what happened"),
                                  widget=forms.Textarea(attrs={"rows": 4}))
    jurisdiction = forms.ModelChoiceField(label=_("jurisdiction"),
                                          queryset=Jurisdiction.objects.filter(is_active=True))
    place = forms.ModelChoiceField(label=_("place"), required=False,
                                   queryset=Place.objects.filter(is_active=True))
    source = forms.CharField(label=_("opened from"), max_length=60, required=False)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        restrict_form_fields(self, actor, Action.VIEW)
        if actor is not None:  # and the hotels housing someone of the actor's area
            from frontline.incidents.services import incident_places

            self.fields["place"].queryset = incident_places(actor=actor).order_by("name")


class StepForm(forms.Form):
    note = forms.CharField(label=_("note"), max_length=500, required=False)
    status = forms.ChoiceField(choices=[("done", "done"), ("skipped", "skipped")],
                               widget=forms.HiddenInput, initial="done")


class NoteForm(forms.Form):
    text = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}))


class PersonLinkForm(forms.Form):
    person = forms.IntegerField(label=_("person (registry number)"), min_value=1)
    role = forms.CharField(label=_("involvement"), max_length=100, required=False)


class LiaisonForm(forms.Form):
    contact = forms.ModelChoiceField(label=_("contact"), queryset=Contact.objects.all())
    direction = forms.ChoiceField(label=_("direction"), choices=Direction.choices)
    channel = forms.CharField(label=pgettext_lazy("incident", "by"), max_length=40, required=False)
    text = forms.CharField(label=_("text"), widget=forms.Textarea(attrs={"rows": 2}))


class ReportDraftForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=ReportKind.choices)


class ReportEditForm(forms.Form):
    text = forms.CharField(label=_("text"), widget=forms.Textarea(attrs={"rows": 16}))


class ReportSendForm(forms.Form):
    recipients = forms.CharField(label=_("sent to"), max_length=300)


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("reason for closing with steps open"), max_length=300,
                             required=False)


class OpinionForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(label=_("jurisdiction"),
                                          queryset=Jurisdiction.objects.filter(is_active=True))
    source = forms.CharField(label=_("source"), max_length=100)
    link = forms.URLField(label=_("link"), required=False, assume_scheme="https")
    summary = forms.CharField(label=_("summary"), widget=forms.Textarea(attrs={"rows": 3}))
    sentiment = forms.ChoiceField(label=_("sentiment"), choices=Sentiment.choices)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        restrict_form_fields(self, actor, Action.CHANGE)


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["kind", "country", "name", "address", "phone", "duty_phone", "email",
                  "duty_contact", "notes", "verified"]


class PlanStepsField(forms.CharField):
    """Steps as lines: `minutes | role | text` (a leading * marks an optional step)."""

    def to_python(self, value):
        steps = []
        for number, line in enumerate((value or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|", 2)]
            if len(parts) != 3:
                raise forms.ValidationError(_("Line %(n)s: write “minutes | role | step”.")
                                            % {"n": number})
            minutes, role, title = parts
            optional = title.startswith("*")
            steps.append({"minutes": minutes, "responsible_role": role,
                          "title": title.lstrip("* "), "required": not optional})
        return steps


class PlanForm(forms.Form):
    incident_type = forms.ChoiceField(label=_("incident type"), choices=IncidentType.choices)
    jurisdiction = forms.ModelChoiceField(label=pgettext_lazy("incident", "office"),
                                          queryset=Jurisdiction.objects.filter(is_active=True))
    title = forms.CharField(label=_("title"), max_length=200)
    summary = forms.CharField(label=_("summary"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    steps = PlanStepsField(label=_("steps"), widget=forms.Textarea(attrs={"rows": 10,
                                                                           "class": "mono"}),
                           help_text=_("One step a line: minutes | role | step (the roles are "
                                       "listed below). Start the step with * when it is "
                                       "optional."))

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        restrict_form_fields(self, actor, Action.CONFIGURE)


CONTACT_KINDS = ContactKind.choices
ROLE_CHOICES = Role.choices


class NoticeRuleForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(label=pgettext_lazy("incident", "office"),
                                          queryset=Jurisdiction.objects.filter(is_active=True))
    max_severity = forms.TypedChoiceField(label=_("for incidents of this level or more severe"),
                                          choices=Severity.choices, coerce=int)
    role = forms.ChoiceField(label=_("who"), choices=ROLE_CHOICES)
    minutes = forms.IntegerField(label=_("within (minutes)"), min_value=1, max_value=1440)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        restrict_form_fields(self, actor, Action.CONFIGURE)

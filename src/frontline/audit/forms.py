"""The filter form of the audit pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from frontline.audit.models import AccessEvent, ChangeAction
from frontline.core import widgets


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("actor"), required=False, max_length=150)
    code = forms.RegexField(label=_("division code"), required=False, regex=r"^[0-9]{2,12}$",
                            error_messages={"invalid": _("2 to 12 digits.")})
    since = forms.DateField(label=_("from"), required=False,
                            widget=widgets.DateInput())
    until = forms.DateField(label=_("until"), required=False,
                            widget=widgets.DateInput())


class ChangeFilterForm(AuditFilterForm):
    action = forms.ChoiceField(label=_("action"), required=False,
                               choices=[("", "—"), *ChangeAction.choices])
    object_type = forms.CharField(label=_("object type"), required=False, max_length=100)


class AccessFilterForm(AuditFilterForm):
    event = forms.ChoiceField(label=_("event"), required=False,
                              choices=[("", "—"), *AccessEvent.choices])

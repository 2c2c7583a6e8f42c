"""Forms of the pool's pages; every choice list is restricted to the user's scope."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontline.areas.models import Jurisdiction, Level
from frontline.core import widgets
from frontline.core.permissions import Action
from frontline.core.views import restrict_form_fields
from frontline.linguists.models import (
    LEVEL_MAX,
    Availability,
    CertificateKind,
    Language,
    MemberKind,
    MemberStatus,
    Post,
    PostKind,
)

DATETIME = widgets.DateTimeInput()
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
LEVELS = [(n, str(n)) for n in range(1, LEVEL_MAX + 1)]
MINIMUMS = [(0, "—"), *LEVELS]


class MemberForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=MemberKind.choices)
    unit = forms.ModelChoiceField(
        label=_("district or street"),
        queryset=Jurisdiction.objects.filter(level__in=[Level.DISTRICT, Level.STREET]))
    department = forms.CharField(label=_("department"), max_length=100, required=False)
    phone = forms.CharField(label=_("phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("e-mail"), required=False)
    status = forms.ChoiceField(label=_("status"), choices=MemberStatus.choices)
    interpreting = forms.BooleanField(label=_("interpreting"), required=False, initial=True)
    translating = forms.BooleanField(label=_("translating"), required=False)
    proofreading = forms.BooleanField(label=_("proofreading"), required=False)
    notes = forms.CharField(label=_("notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))
    username = forms.CharField(
        label=_("user account"), max_length=150, required=False,
        help_text=_("The sign-in name of the member's account, so they can answer offers "
                    "from their own page."))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        restrict_form_fields(self, actor, Action.CHANGE)
        self.fields["unit"].label_from_instance = lambda j: f"{j.code} {j.name}"

    def clean_username(self):
        from frontline.linguists.selectors import account_for_member

        username = self.cleaned_data["username"].strip()
        if not username:
            return None
        account = account_for_member(actor=self.actor, username=username)
        if account is None:
            raise forms.ValidationError(_("No account with this sign-in name in your area."))
        return account


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("language"), choices=Language.choices)
    listening = forms.TypedChoiceField(label=_("listening"), choices=LEVELS, coerce=int)
    speaking = forms.TypedChoiceField(label=_("speaking"), choices=LEVELS, coerce=int)
    reading = forms.TypedChoiceField(label=_("reading"), choices=LEVELS, coerce=int)
    writing = forms.TypedChoiceField(label=_("writing"), choices=LEVELS, coerce=int)
    in_reserve_pool = forms.BooleanField(label=_("in the reserve pool"), required=False)


class CertificateForm(forms.Form):
    language = forms.ChoiceField(label=_("language"), choices=Language.choices)
    kind = forms.ChoiceField(label=pgettext_lazy("linguist", "certificate"), choices=CertificateKind.choices)
    level = forms.CharField(label=pgettext_lazy("linguist", "level"), max_length=20, required=False)
    obtained_on = forms.DateField(label=_("obtained on"), required=False,
                                  widget=widgets.DateInput())


class AvailabilityForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("weekday"), coerce=int,
                                     choices=Availability._meta.get_field("weekday").choices)
    start = forms.TimeField(label=pgettext_lazy("linguist", "from"),
                            widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=pgettext_lazy("linguist", "until"),
                          widget=forms.TimeInput(attrs={"type": "time"}))


class PeriodForm(forms.Form):
    starts_at = forms.DateTimeField(label=pgettext_lazy("linguist", "from"), widget=DATETIME,
                                    input_formats=DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label=pgettext_lazy("linguist", "until"), widget=DATETIME,
                                  input_formats=DATETIME_FORMATS)
    reason = forms.CharField(label=_("reason"), max_length=200, required=False)


class PostForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    kind = forms.ChoiceField(label=_("kind"), choices=PostKind.choices)
    jurisdiction = forms.ModelChoiceField(label=_("jurisdiction"),
                                          queryset=Jurisdiction.objects.all())
    place = forms.ModelChoiceField(label=_("place"), required=False, queryset=None)
    essential = forms.BooleanField(label=_("essential"), required=False)

    def __init__(self, *args, actor, **kwargs):
        from frontline.areas.models import Place

        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = Place.objects.filter(is_active=True)
        restrict_form_fields(self, actor, Action.CONFIGURE)
        self.fields["jurisdiction"].label_from_instance = lambda j: f"{j.code} {j.name}"


class NeedForm(forms.Form):
    post = forms.ModelChoiceField(label=_("post"), queryset=Post.objects.filter(is_active=True))
    language = forms.ChoiceField(label=_("language"), choices=Language.choices)
    min_listening = forms.TypedChoiceField(label=_("minimum listening"), choices=MINIMUMS,
                                           coerce=int, initial=0)
    min_speaking = forms.TypedChoiceField(label=_("minimum speaking"), choices=MINIMUMS,
                                          coerce=int, initial=3)
    min_reading = forms.TypedChoiceField(label=_("minimum reading"), choices=MINIMUMS,
                                         coerce=int, initial=0)
    min_writing = forms.TypedChoiceField(label=_("minimum writing"), choices=MINIMUMS,
                                         coerce=int, initial=0)
    starts_at = forms.DateTimeField(label=pgettext_lazy("linguist", "from"), widget=DATETIME,
                                    input_formats=DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label=pgettext_lazy("linguist", "until"), widget=DATETIME,
                                  input_formats=DATETIME_FORMATS)
    people = forms.IntegerField(label=pgettext_lazy("linguist", "people"), min_value=1, max_value=50,
                                initial=1)
    escalate_after = forms.IntegerField(label=_("escalate after (minutes)"), min_value=1,
                                        max_value=1440, initial=30)
    notes = forms.CharField(label=_("notes"), max_length=300, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        restrict_form_fields(self, actor, Action.CHANGE)


class RequestForm(forms.Form):
    post = forms.ModelChoiceField(label=_("post"), queryset=Post.objects.filter(is_active=True))
    language = forms.ChoiceField(label=_("language"), choices=Language.choices)
    starts_at = forms.DateTimeField(label=pgettext_lazy("linguist", "from"), widget=DATETIME,
                                    input_formats=DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label=pgettext_lazy("linguist", "until"), widget=DATETIME,
                                  input_formats=DATETIME_FORMATS)
    people = forms.IntegerField(label=pgettext_lazy("linguist", "people"), min_value=1, max_value=20,
                                initial=1)
    note = forms.CharField(label=_("what for"), max_length=300, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        restrict_form_fields(self, actor, Action.CHANGE)


class DispatchForm(forms.Form):
    min_speaking = forms.TypedChoiceField(label=_("minimum speaking"), choices=MINIMUMS,
                                          coerce=int, initial=3)
    min_listening = forms.TypedChoiceField(label=_("minimum listening"), choices=MINIMUMS,
                                           coerce=int, initial=3)


class RemoteForm(forms.Form):
    linguist = forms.ModelChoiceField(label=_("pool member"), queryset=None)
    person = forms.IntegerField(label=_("person number"), min_value=1,
                                help_text=_("The number of the person's record."))
    language = forms.ChoiceField(label=_("language"), choices=Language.choices)

    def __init__(self, *args, actor, **kwargs):
        from frontline.linguists.models import Linguist

        super().__init__(*args, **kwargs)
        self.fields["linguist"].queryset = Linguist.objects.restrict(actor, Action.VIEW).exclude(
            status=MemberStatus.INACTIVE)


class CallForm(forms.Form):
    started_at = forms.DateTimeField(label=_("time"), widget=DATETIME,
                                     input_formats=DATETIME_FORMATS)
    minutes = forms.IntegerField(label=_("duration (minutes)"), min_value=1, max_value=600)
    topic = forms.CharField(label=_("topic"), max_length=300)


class MemberFilterForm(forms.Form):
    q = forms.CharField(label=_("name or department"), required=False)
    language = forms.ChoiceField(label=_("language"), required=False,
                                 choices=[("", "—"), *Language.choices])
    status = forms.ChoiceField(label=_("status"), required=False,
                               choices=[("", "—"), *MemberStatus.choices])

"""Pages of the person registry: lists with search and flags, registration with the MRZ,
documents with logged reveals, stays, travel, hotels' current lodgers, risk countries and
the duplicate review queue."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontline.areas.models import Place
from frontline.audit.selectors import change_list
from frontline.core.choices import language_label
from frontline.core.models import get_in_scope
from frontline.core.permissions import Action
from frontline.core.views import ScopedListView, apply_validation_error
from frontline.people import selectors, services
from frontline.people.forms import (
    DocumentForm,
    PersonCreateForm,
    PersonFilterForm,
    PersonForm,
    PersonRequestForm,
    RevealForm,
    RiskCountryForm,
    StayForm,
    TravelForm,
)
from frontline.people.models import (
    DocumentType,
    DuplicateCandidate,
    IdentityDocument,
    LodgingStay,
    Person,
    RiskCountry,
)
from frontline.people.mrz import parse_mrz

PERSON_FIELD_NAMES = ["family_name", "given_names", "name_native", "name_zh", "sex",
                      "birth_date", "nationality", "phone", "phone_alt", "email",
                      "preferred_language", "residence", "address", "organisation",
                      "arrived_on", "notes"]
MRZ_DOC_TYPES = {"P": DocumentType.PASSPORT, "C": DocumentType.HK_MACAU_PERMIT}


class PersonListView(ScopedListView):
    model = Person
    template_name = "people/person_list.html"

    def get_queryset(self):
        super().get_queryset()
        self.filter_form = PersonFilterForm(self.request.GET or None)
        return selectors.person_list(actor=self.request.user, **self.filter_form.filters())

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            filter_form=self.filter_form, query=query.urlencode(),
            recent_days=selectors.recent_days(),
            can_change=self.request.user.can(Action.CHANGE),
            can_export=self.request.user.can(Action.EXPORT),
            can_export_unmasked=self.request.user.can(Action.EXPORT_UNMASKED), **kwargs)


def _mrz_fill(form_data, mrz_text: str):
    """Return (data, error): the POST data with the fields the MRZ fills."""
    data = form_data.copy()
    if not (mrz_text or "").strip():
        return data, ValidationError(_("Paste or type the lines of the MRZ first, then fill."))
    try:
        parsed = parse_mrz(mrz_text)
    except ValidationError as exc:
        return data, exc
    data["family_name"] = parsed.family_name
    data["given_names"] = parsed.given_names
    data["sex"] = parsed.sex
    if parsed.birth_date:
        data["birth_date"] = parsed.birth_date.isoformat()
    if parsed.nationality:
        data["nationality"] = parsed.nationality
    data["doc_type"] = MRZ_DOC_TYPES.get(parsed.doc_code[:1], DocumentType.OTHER)
    if parsed.doc_code.startswith("I") and parsed.format == "TD1":
        data["doc_type"] = DocumentType.PERMANENT_RESIDENCE_ID if parsed.issuing_country == "CN" \
            else DocumentType.OTHER
    data["doc_number"] = parsed.document_number
    data["doc_country"] = parsed.issuing_country or parsed.nationality
    if parsed.expiry_date:
        data["doc_expiry"] = parsed.expiry_date.isoformat()
    return data, None


def _mrz_number(mrz_text: str) -> str:
    try:
        return parse_mrz(mrz_text).document_number if mrz_text.strip() else ""
    except ValidationError:
        return ""


@login_required
def person_create(request):
    if not request.user.can(Action.CHANGE):
        raise PermissionDenied
    if request.method == "POST" and "fill" in request.POST:
        data, error = _mrz_fill(request.POST, request.POST.get("mrz", ""))
        form = PersonCreateForm(data, actor=request.user)
        form.is_valid()
        form.errors.clear()  # the fields still to fill are not mistakes yet
        if error is not None:
            form.add_error("mrz", error)
        else:
            messages.info(request, _("Filled from the MRZ; every check digit is correct. Check "
                                     "the fields, complete them and save."))
        return render(request, "people/person_form.html", {"form": form, "creating": True})
    form = PersonCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data[name] for name in PERSON_FIELD_NAMES}
        try:
            with transaction.atomic():
                person = services.person_create(actor=request.user,
                                                categories=data["categories"], **fields)
                if data["doc_number"]:
                    from frontline.core.crypto import normalise_identifier

                    verified = normalise_identifier(data["doc_number"]) == _mrz_number(
                        data["mrz"])
                    services.document_add(
                        actor=request.user, person=person, doc_type=data["doc_type"],
                        number=data["doc_number"], issuing_country=data["doc_country"],
                        expiry_date=data["doc_expiry"], verified_by_mrz=verified)
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "number" in exc.error_dict:
                exc = ValidationError({"doc_number": exc.error_dict["number"]})
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("%(name)s was registered.") % {"name": person})
            return redirect("people:person_detail", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "creating": True})


@login_required
def person_edit(request, pk: int):
    person = get_in_scope(Person, request.user, Action.CHANGE, pk=pk)
    initial = {name: getattr(person, name) for name in PERSON_FIELD_NAMES}
    initial.update(residence=person.residence_id, organisation=person.organisation_id,
                   nationality=str(person.nationality), categories=person.categories,
                   version=person.version)
    form = PersonForm(request.POST or None, initial=initial, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.person_update(
                actor=request.user, person=person, expected_version=data["version"],
                categories=data["categories"], **{n: data[n] for n in PERSON_FIELD_NAMES})
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("people:person_detail", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": person})


@login_required
def person_detail(request, pk: int):
    person = selectors.person_detail(actor=request.user, pk=pk)
    user = request.user
    # A record merged into another is kept for its history: changes go to the one kept.
    can_change = (user.scope_for(Action.CHANGE).covers_code(person.jurisdiction_code)
                  and not person.merged_into_id)
    history = change_list(actor=user, object_type="people.person").filter(
        object_id=str(person.pk))[:20] if user.can(Action.VIEW_AUDIT) else []
    return render(request, "people/person_detail.html", {
        "person": person,
        "documents": selectors.person_documents(actor=user, person=person),
        "stays": selectors.person_stays(actor=user, person=person),
        "travels": person.travels.all(),
        "can_change": can_change,
        "can_reveal": user.scope_for(Action.REVEAL).covers_code(person.jurisdiction_code),
        "document_form": DocumentForm(), "travel_form": TravelForm(),
        "stay_form": StayForm(actor=user), "reveal_form": RevealForm(),
        "history": history, "recent_days": selectors.recent_days(),
        "preferred_language": language_label(person.preferred_language),
        "panels": _app_panels(user, person),
    })


def _app_panels(user, person) -> list[dict]:
    """Panels other apps add to a person's page (observation, arrivals, …) through their
    AppConfig's `person_panel(user, person)`: {"title", "rows": [(text, url)], "actions":
    [(label, url)]}, or None. The registry does not depend on those apps."""
    from django.apps import apps

    panels = []
    for config in apps.get_app_configs():
        make = getattr(config, "person_panel", None)
        panel = make(user, person) if make is not None else None
        if panel:
            panels.append(panel)
    return panels


@login_required
@require_POST
def document_add(request, pk: int):
    person = get_in_scope(Person, request.user, Action.CHANGE, pk=pk)
    form = DocumentForm(request.POST)
    if form.is_valid():
        try:
            services.document_add(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The document was added."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("people:person_detail", pk=person.pk)


@login_required
def document_reveal(request, pk: int):
    document = get_in_scope(IdentityDocument, request.user, Action.VIEW, pk=pk)
    if not request.user.scope_for(Action.REVEAL).covers_code(document.jurisdiction_code):
        raise PermissionDenied(_("Your role may not reveal document numbers."))  # before asking
    form = RevealForm(request.POST or None)
    number = None
    if request.method == "POST" and form.is_valid():
        try:
            number = services.document_reveal(actor=request.user, document=document,
                                              reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
    return render(request, "people/document_reveal.html",
                  {"document": document, "form": form, "number": number})


@login_required
@require_POST
def travel_add(request, pk: int):
    person = get_in_scope(Person, request.user, Action.CHANGE, pk=pk)
    form = TravelForm(request.POST)
    if form.is_valid():
        try:
            services.travel_add(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The travel was added."))
    else:
        messages.error(request, _("Give a country and both dates."))
    return redirect("people:person_detail", pk=person.pk)


@login_required
@require_POST
def stay_add(request, pk: int):
    person = get_in_scope(Person, request.user, Action.VIEW, pk=pk)
    form = StayForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            services.stay_check_in(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The check-in was recorded."))
    else:
        messages.error(request, _("Choose a hotel and a check-in time."))
    return redirect("people:person_detail", pk=person.pk)


@login_required
@require_POST
def stay_check_out(request, pk: int):
    from django.utils import timezone

    stay = get_in_scope(LodgingStay, request.user, Action.CHANGE, pk=pk)
    try:
        services.stay_check_out(actor=request.user, stay=stay, check_out=timezone.now())
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The check-out was recorded."))
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("people:person_detail", pk=stay.person_id)


@login_required
def lodgers(request, pk: int):
    """The current lodgers of one hotel (for the hotel's duty staff and the office)."""
    place = get_in_scope(Place, request.user, Action.VIEW, pk=pk)
    return render(request, "people/lodgers.html", {
        "place": place, "stays": selectors.current_lodgers(actor=request.user, place=place),
        "can_change": request.user.scope_for(Action.CHANGE).covers_place(place.pk)
        or request.user.scope_for(Action.CHANGE).covers_code(place.jurisdiction_code),
    })


class RiskCountryListView(ScopedListView):
    model = RiskCountry
    template_name = "people/risk_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("jurisdiction")

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_configure=self.request.user.can(Action.CONFIGURE),
                                        **kwargs)


def _risk_form_page(request, risk: RiskCountry | None):
    initial = {}
    if risk is not None:
        initial = {"country": risk.country.code, "jurisdiction": risk.jurisdiction_id,
                   "effective_from": risk.effective_from, "effective_to": risk.effective_to,
                   "note": risk.note}
    form = RiskCountryForm(request.POST or None, initial=initial, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_country_set(actor=request.user, risk=risk, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The risk list was saved."))
            return redirect("people:risk_list")
    return render(request, "people/risk_form.html", {"form": form, "risk": risk})


@login_required
def risk_create(request):
    if not request.user.can(Action.CONFIGURE):
        raise PermissionDenied
    return _risk_form_page(request, None)


@login_required
def risk_edit(request, pk: int):
    return _risk_form_page(request, get_in_scope(RiskCountry, request.user, Action.CONFIGURE,
                                                 pk=pk))


class DuplicateListView(ScopedListView):
    model = DuplicateCandidate
    action = Action.CHANGE
    template_name = "people/duplicate_list.html"

    def get_queryset(self):
        super().get_queryset()
        return selectors.duplicate_list(actor=self.request.user)


@login_required
@require_POST
def duplicate_decide(request, pk: int):
    candidate = get_in_scope(DuplicateCandidate, request.user, Action.CHANGE, pk=pk)
    decision = request.POST.get("decision")
    try:
        if decision == "dismiss":
            services.duplicate_decide(actor=request.user, candidate=candidate, same_person=False)
        else:
            keep = candidate.first if decision == "keep_first" else candidate.second
            services.duplicate_decide(actor=request.user, candidate=candidate, same_person=True,
                                      keep=keep)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The pair was decided."))
    return redirect("people:duplicate_list")


# -- requests of the people concerned (PIPL) ---------------------------------------------------

@login_required
def person_request(request, pk: int, kind: str):
    """A person's request to receive a copy of their data (`copy`: a JSON file) or to have it
    deleted (`erase`), answered by the office with the reason; both are logged."""
    if kind not in ("copy", "erase"):
        raise Http404
    person = selectors.person_detail(actor=request.user, pk=pk)
    if not request.user.scope_for(Action.REVEAL).covers_code(person.jurisdiction_code):
        raise Http404
    form = PersonRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if kind == "copy":
                copy = services.person_data_copy(actor=request.user, person=person,
                                                 reason=reason)
                response = HttpResponse(
                    json.dumps(copy, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
                    content_type="application/json; charset=utf-8")
                response["Content-Disposition"] = (
                    f'attachment; filename="person-{person.pk}-data.json"')
                return response
            services.person_erase(actor=request.user, person=person, reason=reason)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The person's personal data was deleted."))
            return redirect("people:person_detail", pk=person.pk)
    return render(request, "people/person_request.html",
                  {"person": person, "form": form, "kind": kind})

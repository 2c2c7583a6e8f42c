"""Pages of the transfer point: the desk (scan, MRZ registration, check-in), arrivals, printable
bilingual forms and manifests, sorting rules, hand-over batches and receipts, the board, arrival
lists and the diplomatic identity-document reference."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext
from django.views.decorators.http import require_POST
from django_countries import countries

from frontline.areas.models import Jurisdiction
from frontline.arrivals import imports, selectors, services, sorting
from frontline.arrivals.forms import (
    CancelForm,
    CheckInForm,
    DeskRegistrationForm,
    ImportForm,
    ReferenceForm,
    RuleForm,
    ScanForm,
)
from frontline.arrivals.handover import is_receiver
from frontline.arrivals.models import (
    Arrival,
    ArrivalCategory,
    ArrivalImport,
    ArrivalStatus,
    BatchStatus,
    Disposition,
    HandoverBatch,
    SortingRule,
    Symptom,
)
from frontline.audit.selectors import change_list
from frontline.core.models import get_in_scope, scope_for
from frontline.core.permissions import Action
from frontline.core.views import ScopedListView, apply_validation_error
from frontline.people.models import DocumentType, Sex


def _flash_errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# -- the desk ---------------------------------------------------------------------------------

@login_required
def desk(request):
    """The registrar's start: scan a pass (the scanner types it and presses Enter), or paste
    an MRZ to register someone who did not pre-register."""
    if not request.user.can(Action.CHANGE):
        raise PermissionDenied
    points = list(selectors.transfer_points(actor=request.user))
    scan_form = ScanForm()
    initial = {"travel_date": timezone.localdate(), "travel_mode": "flight", "language": "en"}
    form = DeskRegistrationForm(request.POST or None, initial=initial, actor=request.user)
    if request.method == "POST" and "fill" in request.POST:
        data = request.POST.copy()
        try:
            clean = services.clean_arrival_data({"mrz": request.POST.get("mrz", ""),
                                                 "travel_date": timezone.localdate()},
                                                partial=True)
        except ValidationError as exc:
            form = DeskRegistrationForm(data, actor=request.user)
            form.is_valid()
            form.errors.clear()
            apply_validation_error(form, exc)
        else:
            for name in ("family_name", "given_names", "sex", "nationality", "doc_type",
                         "doc_country"):
                if name in clean:
                    data[name] = clean[name]
            for name in ("birth_date", "doc_expiry"):
                if clean.get(name):
                    data[name] = clean[name].isoformat()
            if clean.get("doc_number"):
                data["doc_number"] = clean["doc_number"]
            # Shown unbound, with what was typed and filled as its values: nothing was sent
            # to be registered yet, so no "required" error belongs on it.
            filled = {**initial}
            for name, field in form.fields.items():
                if name in data:
                    multiple = getattr(field.widget, "allow_multiple_selected", False)
                    filled[name] = data.getlist(name) if multiple else data.get(name)
            form = DeskRegistrationForm(initial=filled, actor=request.user)
            messages.info(request, _("Filled from the MRZ; every check digit is correct."))
    elif request.method == "POST" and form.is_valid():
        if not points:
            raise PermissionDenied
        point = points[0]
        try:
            with transaction.atomic():
                arrival = services.arrival_register(actor=request.user, transfer_point=point,
                                                    data=form.service_data())
        except ValidationError as exc:
            existing = _registered_already(request.user, form, exc)
            if existing is not None:
                # An expected or pre-registered arrival: check it off instead of a second one.
                messages.info(request, _("This document is already registered for today: "
                                         "%(ref)s is opened.")
                              % {"ref": services.format_reference(existing.reference)})
                return redirect("arrivals:arrival_detail", pk=existing.pk)
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("%(ref)s registered; check it in now.")
                             % {"ref": services.format_reference(arrival.reference)})
            return redirect("arrivals:arrival_detail", pk=arrival.pk)
    if request.method == "POST":
        # Back on the form (filled from the MRZ, or refused): the keyboard goes on where the
        # registrar must type next, not back to the scan field at the top.
        _focus_next(scan_form, form)
    waiting = selectors.arrival_list(actor=request.user, action=Action.CHANGE, status="waiting",
                                     day=timezone.localdate())[:30]
    return render(request, "arrivals/desk.html", {
        "scan_form": scan_form, "form": form, "points": points, "waiting": waiting})


def _focus_next(scan_form: ScanForm, form: DeskRegistrationForm) -> None:
    """Autofocus the first field with an error, else the first empty one after the MRZ."""
    errors = [name for name in form.fields if name in form.errors]
    empty = [name for name in form.fields if name != "mrz" and not form[name].value()]
    target = (errors or empty or [None])[0]
    if target is not None:
        scan_form.fields["code"].widget.attrs.pop("autofocus", None)
        form.fields[target].widget.attrs["autofocus"] = True


def _registered_already(user, form, exc: ValidationError):
    """The waiting arrival in the user's scope with the same document on the same day."""
    codes = {e.code for errors in getattr(exc, "error_dict", {}).values() for e in errors}
    number = form.cleaned_data.get("doc_number") or ""
    if "duplicate_document" not in codes:
        return None
    if not number and form.cleaned_data.get("mrz"):
        try:
            number = services.clean_arrival_data({"mrz": form.cleaned_data["mrz"]},
                                                 partial=True).get("doc_number", "")
        except ValidationError:
            return None
    if not number:
        return None
    return selectors.arrival_list(actor=user, action=Action.CHANGE, status="waiting",
                                  day=form.cleaned_data["travel_date"], query=number).first()


@login_required
@require_POST
def desk_scan(request):
    form = ScanForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Scan a code first."))
        return redirect("arrivals:desk")
    text = form.cleaned_data["code"]
    try:
        arrival = services.arrival_find_by_pass(actor=request.user, text=text)
    except ValidationError as exc:
        _flash_errors(request, exc)
        return redirect("arrivals:desk")
    url = f"/arrivals/{arrival.pk}/"
    if ":" in text:
        request.session["arrivals_pass"] = {str(arrival.pk): text[:200]}
    return redirect(url)


class ArrivalListView(ScopedListView):
    model = Arrival
    template_name = "arrivals/arrival_list.html"

    def get_queryset(self):
        super().get_queryset()
        g = self.request.GET
        self.status = g.get("status", "")
        return selectors.arrival_list(actor=self.request.user, status=self.status,
                                      query=g.get("q", "")[:60])

    def get_context_data(self, **kwargs):
        return super().get_context_data(statuses=ArrivalStatus.choices, status=self.status,
                                        q=self.request.GET.get("q", ""), **kwargs)


# The steps of an arrival's chain of custody, in words (the audit log stores their codes).
CUSTODY_EVENTS = {
    "arrival.preregister": gettext_lazy("registered by the traveller"),
    "arrival.traveller_update": gettext_lazy("changed by the traveller"),
    "arrival.register": gettext_lazy("registered at the desk"),
    "arrival.check_in": gettext_lazy("checked in"),
    "arrival.party_check_in": gettext_lazy("checked in with the party"),
    "arrival.sorting_override": gettext_lazy("suggested disposition overridden"),
    "arrival.notice": gettext_lazy("notice of observation issued"),
    "arrival.cancel": gettext_lazy("cancelled"),
    "handover.depart": gettext_lazy("left in a hand-over batch"),
    "handover.received": gettext_lazy("received at the destination"),
    "handover.missing": gettext_lazy("missing at hand-over"),
    "handover.confirm": gettext_lazy("hand-over confirmed"),
    "handover.overdue_alert": gettext_lazy("hand-over not confirmed in time"),
}


def _custody(user, arrival: Arrival) -> list:
    if not user.can(Action.VIEW_AUDIT):
        return []
    entries = list(change_list(actor=user, object_type="arrivals.arrival").filter(
        object_id=str(arrival.pk)).order_by("time")[:30])
    for entry in entries:
        entry.step = CUSTODY_EVENTS.get(entry.event) or entry.get_action_display()
        entry.by = entry.actor_label if entry.actor_id or entry.actor_label != "system" \
            else _("the system")
    return entries


@login_required
def arrival_detail(request, pk: int):
    arrival = selectors.arrival_detail(actor=request.user, pk=pk)
    can_change = selectors.arrival_list(actor=request.user, action=Action.CHANGE).filter(
        pk=arrival.pk).exists()
    suggestion = sorting.suggest(arrival) if arrival.editable else None
    form = None
    if arrival.editable and can_change:
        pass_text = request.session.get("arrivals_pass", {}).get(str(arrival.pk), "")
        initial = {"destination": arrival.destination_id, "pass_text": pass_text,
                   "disposition": suggestion.disposition if suggestion else "",
                   "hotel": suggestion.rule.hotel_id if suggestion and suggestion.rule else None}
        # A registration may lack the nationality (the portal leaves it optional): the desk
        # reads it from the document and adds it, or the person record cannot be created.
        ask_nationality = not (arrival.nationality or arrival.doc_country)
        form = CheckInForm(request.POST or None, initial=initial, actor=request.user,
                           ask_nationality=ask_nationality)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if ask_nationality:
                    arrival = services.arrival_update(
                        actor=request.user, arrival=arrival,
                        data={"nationality": data["nationality"]})
                services.arrival_check_in(
                    actor=request.user, arrival=arrival, destination=data["destination"],
                    disposition=data["disposition"], hotel=data["hotel"],
                    override_reason=data["override_reason"], mrz=data["mrz"],
                    pass_text=data["pass_text"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Checked in."))
                return redirect("arrivals:arrival_detail", pk=arrival.pk)
    party = []
    for member in selectors.party_at_desk(actor=request.user, arrival=arrival):
        hint = sorting.suggest(member) if member.editable else None
        party.append({"arrival": member, "reference": services.format_reference(
            member.reference), "suggestion": Disposition(hint.disposition).label if hint else ""})
    party_waiting = sum(1 for m in party if m["arrival"].editable) if can_change else 0
    from frontline.people.selectors import visible_person_ids

    return render(request, "arrivals/arrival_detail.html", {
        "visible_people": visible_person_ids(actor=request.user, ids=[arrival.person_id]),
        # The batch opens for the desk and for its destination (a street, a hotel), not for
        # a community inside the street: there its name is shown without a link.
        "batch_visible": arrival.batch_id is not None and (
            HandoverBatch.objects.restrict(  # scoped-ok: restrict()
                request.user, Action.VIEW).filter(pk=arrival.batch_id).exists()),
        "arrival": arrival, "form": form, "suggestion": suggestion, "can_change": can_change,
        "party": party, "party_waiting": party_waiting,
        "suggestion_label": Disposition(suggestion.disposition).label if suggestion else "",
        "notices": list(services.arrival_notices(actor=request.user, arrival=arrival)[:5]),
        "categories": [_label(ArrivalCategory, c) for c in sorting.categories_of(arrival)],
        "display": _display(arrival), "custody": _custody(request.user, arrival),
        "reference": services.format_reference(arrival.reference),
        "cancel_form": CancelForm() if arrival.editable and can_change else None,
    })


@login_required
@require_POST
def arrival_check_in_party(request, pk: int):
    """Check in everyone waiting in the party, each with their suggested disposition."""
    arrival = get_in_scope(Arrival, request.user, Action.CHANGE, pk=pk)
    try:
        done = services.arrival_check_in_party(actor=request.user, arrival=arrival)
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, ngettext("%(n)d traveller of the party checked in.",
                                           "%(n)d travellers of the party checked in.",
                                           len(done)) % {"n": len(done)})
    return redirect("arrivals:arrival_detail", pk=arrival.pk)


@login_required
@require_POST
def arrival_cancel(request, pk: int):
    arrival = get_in_scope(Arrival, request.user, Action.CHANGE, pk=pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.arrival_cancel(actor=request.user, arrival=arrival,
                                    reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _flash_errors(request, exc)
        else:
            messages.success(request, _("The registration was cancelled."))
    else:
        messages.error(request, _("Give a reason."))
    return redirect("arrivals:arrival_detail", pk=arrival.pk)


@login_required
@require_POST
def arrival_notice(request, pk: int):
    arrival = get_in_scope(Arrival, request.user, Action.CHANGE, pk=pk)
    try:
        document = services.arrival_issue_notice(actor=request.user, arrival=arrival)
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("Notice %(serial)s issued.") % {"serial": document.serial})
    return redirect("arrivals:arrival_detail", pk=arrival.pk)


def _label(choices: type, value: str) -> str:
    """The translated label of a stored code, or the code itself if it is not one."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _country_names(codes: list[str] | None) -> str:
    return ", ".join(str(countries.name(code) or code) for code in codes or [])


def _labels(choices: type, values: list[str] | None) -> str:
    return ", ".join(_label(choices, v) for v in values or [])


def _display(arrival: Arrival) -> dict[str, str]:
    """The arrival's coded fields in words, for the staff pages and the printed form."""
    languages = dict(settings.TRAVELLER_LANGUAGES)
    return {
        "sex": _label(Sex, arrival.sex),
        "doc_type": _label(DocumentType, arrival.doc_type),
        "visited": _country_names(arrival.visited_countries),
        "symptoms": _labels(Symptom, arrival.symptoms),
        "language": (f"{languages[arrival.language]} ({arrival.language})"
                     if arrival.language in languages else arrival.language),
    }


@login_required
def arrival_notice_download(request, pk: int, document_id: int):
    """A notice issued for the arrival, to print and hand over at the desk (access-logged)."""
    arrival = selectors.arrival_detail(actor=request.user, pk=pk)
    path = services.arrival_notice_file(actor=request.user, arrival=arrival,
                                        document_id=document_id)
    return FileResponse(open(path, "rb"), filename=path.name)  # noqa: SIM115 - closed by Django


# The rows of the printed registration form: (label, value getter).
FORM_ROWS = [
    (gettext_noop("short code"), lambda a: services.format_reference(a.reference)),
    (gettext_noop("family name"), lambda a: a.family_name),
    (gettext_noop("given names"), lambda a: a.given_names),
    (gettext_noop("sex"), lambda a: _label(Sex, a.sex)),
    (gettext_noop("date of birth"), lambda a: a.birth_date.isoformat() if a.birth_date else ""),
    (gettext_noop("nationality"), lambda a: a.nationality.name if a.nationality else ""),
    (gettext_noop("document number"), lambda a: a.doc_number_masked),
    (gettext_noop("flight or train number"), lambda a: a.carrier_number),
    (gettext_noop("arrival date"), lambda a: a.travel_date.isoformat() if a.travel_date else ""),
    (gettext_noop("seat"), lambda a: a.seat),
    (gettext_noop("departure country"), lambda a: a.departure_country.name if a.departure_country else ""),
    (gettext_noop("countries visited in the past 14 days"),
     lambda a: _country_names(a.visited_countries)),
    (gettext_noop("destination address"), lambda a: a.destination_address),
    (gettext_noop("phone"), lambda a: a.phone),
    (gettext_noop("temperature (°C)"), lambda a: a.temperature or ""),
    (gettext_noop("symptoms"), lambda a: _labels(Symptom, a.symptoms)),
]
MANIFEST_LABELS = [
    gettext_noop("hand-over batch"), gettext_noop("destination"), gettext_noop("vehicle"),
    gettext_noop("escort"), gettext_noop("departed"), gettext_noop("name"),
    gettext_noop("nationality"), gettext_noop("document number"), gettext_noop("disposition"),
    gettext_noop("received"), gettext_noop("signature of the receiver"),
]


def _bilingual(msgid: Any, second: str) -> tuple[str, str]:
    """A label in Chinese and in a second language, for printed bilingual forms: a message id,
    or a lazy translation (a choice's label), evaluated in each language."""
    def in_language(language: str) -> str:
        with translation.override(language):
            return translation.gettext(msgid) if isinstance(msgid, str) else str(msgid)

    return in_language("zh-hans"), in_language(second)


@login_required
def arrival_print(request, pk: int | None = None):
    """The bilingual registration form (Chinese + English), blank or filled, to print."""
    arrival = selectors.arrival_detail(actor=request.user, pk=pk) if pk else None
    if arrival is None and not request.user.can(Action.CHANGE):
        raise PermissionDenied
    rows = []
    for msgid, getter in FORM_ROWS:
        zh, en = _bilingual(msgid, "en")
        rows.append({"zh": zh, "en": en, "value": getter(arrival) if arrival else ""})
    return render(request, "arrivals/arrival_print.html", {"arrival": arrival, "rows": rows})


# -- sorting rules ----------------------------------------------------------------------------

class RuleListView(ScopedListView):
    model = SortingRule
    template_name = "arrivals/rule_list.html"

    def get_queryset(self):
        super().get_queryset()
        return selectors.rule_list(actor=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_configure=self.request.user.can(Action.CONFIGURE),
                                        **kwargs)


RULE_FIELDS = ["name", "priority", "effective_from", "effective_to", "destination_prefix",
               "countries", "categories", "disposition", "hotel", "transfer_to", "is_active"]


@login_required
def rule_edit(request, pk: int | None = None):
    # Another office's rule is 404 (like one that does not exist); a new rule needs the right.
    rule = get_in_scope(SortingRule, request.user, Action.CONFIGURE, pk=pk) if pk else None
    if rule is None and not request.user.can(Action.CONFIGURE):
        raise PermissionDenied
    initial = {"effective_from": timezone.localdate()}
    if rule is not None:
        initial = {name: getattr(rule, name) for name in RULE_FIELDS}
        initial.update(jurisdiction=rule.jurisdiction_id, hotel=rule.hotel_id,
                       transfer_to=rule.transfer_to_id)
    form = RuleForm(request.POST or None, initial=initial, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        jurisdiction = data.pop("jurisdiction")
        try:
            services.rule_save(actor=request.user, jurisdiction=jurisdiction, rule=rule, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The rule was saved."))
            return redirect("arrivals:rule_list")
    return render(request, "arrivals/rule_form.html", {"form": form, "rule": rule})


# -- hand-over batches ------------------------------------------------------------------------

class BatchListView(ScopedListView):
    model = HandoverBatch
    template_name = "arrivals/batch_list.html"

    def get_queryset(self):
        super().get_queryset()
        return selectors.batch_list(actor=self.request.user,
                                    status=self.request.GET.get("status", ""))

    def get_context_data(self, **kwargs):
        return super().get_context_data(now=timezone.now(), **kwargs)


@login_required
def batch_new(request):
    if not request.user.can(Action.CHANGE):
        raise PermissionDenied
    groups = selectors.batch_groups(actor=request.user)
    if request.method == "POST":
        key = request.POST.get("group", "")
        group = next((g for g in groups if g["key"] == key), None)
        ids = {int(i) for i in request.POST.getlist("arrival") if i.isdigit()}
        minutes = request.POST.get("minutes", "").strip()
        chosen = [a for a in group["arrivals"] if a.pk in ids] if group else []
        if group is None:
            messages.error(request, _("Choose a destination."))
        elif not chosen:
            messages.error(request, _("Tick at least one person to put in the vehicle."))
        elif minutes and not minutes.isdigit():
            messages.error(request, _("Give the time to confirm receipt in whole minutes."))
        else:
            kind, _sep, value = key.partition(":")
            destination = hotel = None
            try:
                if kind == "hotel":
                    hotel = chosen[0].destination_place
                else:
                    destination = Jurisdiction.objects.get(code=value)  # scoped-ok: a name
                batch = services.batch_create(
                    actor=request.user, arrivals=chosen, destination=destination, hotel=hotel,
                    vehicle=request.POST.get("vehicle", ""), escort=request.POST.get("escort", ""),
                    confirm_within_minutes=int(minutes) if minutes.isdigit() else None)
            except ValidationError as exc:
                _flash_errors(request, exc)
            else:
                messages.success(request, _("Batch %(ref)s left.") % {"ref": batch.reference})
                return redirect("arrivals:batch_detail", pk=batch.pk)
    return render(request, "arrivals/batch_new.html", {"groups": groups})


@login_required
def batch_detail(request, pk: int):
    batch = get_in_scope(HandoverBatch, request.user, Action.VIEW, pk=pk)
    receiver = is_receiver(request.user, batch)
    if request.method == "POST":
        if not receiver:
            raise PermissionDenied
        received, missing = [], []
        for key, value in request.POST.items():
            if key.startswith("a-") and key[2:].isdigit():
                (received if value == "received" else missing if value == "missing" else []
                 ).append(int(key[2:]))
        if request.POST.get("all_received"):  # the whole vehicle at once, but those marked
            received = [pk for pk in batch.arrivals.filter(  # scoped-ok: the batch's people
                status=ArrivalStatus.IN_BATCH).values_list("pk", flat=True) if pk not in missing]
        try:
            services.batch_receive(actor=request.user, batch=batch, received=received,
                                   missing=missing)
        except ValidationError as exc:
            _flash_errors(request, exc)
        else:
            messages.success(request, _("The hand-over was confirmed."))
        return redirect("arrivals:batch_detail", pk=batch.pk)
    people = batch.arrivals.all().order_by("family_name", "id")
    return render(request, "arrivals/batch_detail.html", {
        "batch": batch, "people": people, "receiver": receiver,
        "overdue": batch.status == BatchStatus.IN_TRANSIT and batch.confirm_by < timezone.now()})


@login_required
def batch_manifest(request, pk: int):
    """The bilingual manifest handed to the escort and signed by the receiver."""
    batch = get_in_scope(HandoverBatch, request.user, Action.VIEW, pk=pk)
    labels = [_bilingual(m, "en") for m in MANIFEST_LABELS]
    people = list(batch.arrivals.all().order_by("family_name", "id"))
    for arrival in people:
        arrival.disposition_bilingual = (_bilingual(Disposition(arrival.disposition).label, "en")
                                         if arrival.disposition else ("", ""))
    return render(request, "arrivals/batch_manifest.html", {
        "batch": batch, "people": people, "labels": labels})


# -- the board --------------------------------------------------------------------------------

@login_required
def board(request):
    if not request.user.can(Action.VIEW):
        raise PermissionDenied
    return render(request, "arrivals/board.html",
                  {"board": selectors.board_counts(actor=request.user)})


@login_required
def board_counts(request):
    return render(request, "arrivals/_board_counts.html",
                  {"board": selectors.board_counts(actor=request.user)})


# -- arrival lists ----------------------------------------------------------------------------

class ImportListView(ScopedListView):
    model = ArrivalImport
    template_name = "arrivals/import_list.html"

    def get_queryset(self):
        super().get_queryset()
        return selectors.import_list(actor=self.request.user)


@login_required
def import_upload(request):
    if not request.user.can(Action.CHANGE):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.expected_import(actor=request.user,
                                          transfer_point=form.cleaned_data["transfer_point"],
                                          upload=form.cleaned_data["file"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            # No message: the list's page says how far it is, and a message would stay on
            # it after the list was read (or refused).
            return redirect("arrivals:import_detail", pk=job.pk)
    return render(request, "arrivals/import_form.html", {"form": form})


@login_required
def import_detail(request, pk: int):
    job = get_in_scope(ArrivalImport, request.user, Action.VIEW, pk=pk)
    return render(request, "arrivals/import_detail.html",
                  {"job": job, "progress": imports.progress(job)})


# -- the identity-document reference ----------------------------------------------------------

@login_required
def reference(request):
    if not request.user.can(Action.VIEW):
        raise PermissionDenied
    entries = list(selectors.reference_list())
    configure = scope_for(request.user, Action.CONFIGURE)
    # Each entry is edited by the office that wrote it (or one above): others read it.
    for entry in entries:
        entry.editable = configure.covers_code(entry.jurisdiction.code)
    return render(request, "arrivals/reference.html", {
        "entries": entries, "can_configure": request.user.can(Action.CONFIGURE)})


@login_required
def reference_edit(request, pk: int | None = None):
    if not request.user.can(Action.CONFIGURE):
        raise PermissionDenied
    entry = None
    if pk is not None:
        entry = selectors.reference_list().filter(pk=pk).first()
        if entry is None or not scope_for(request.user, Action.CONFIGURE).covers_code(
                entry.jurisdiction.code):
            from django.http import Http404

            raise Http404
    initial = {}
    if entry is not None:
        initial = {f: getattr(entry, f) for f in ("title", "title_en", "description", "exempts",
                                                  "disposition", "order")}
        initial["jurisdiction"] = entry.jurisdiction_id
    form = ReferenceForm(request.POST or None, initial=initial, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        jurisdiction = data.pop("jurisdiction")
        try:
            services.reference_save(actor=request.user, jurisdiction=jurisdiction, entry=entry,
                                    **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The reference was saved."))
            return redirect("arrivals:reference")
    return render(request, "arrivals/reference_form.html", {"form": form, "entry": entry})


"""Pages of medical observation: the office's board by area, lists and worklists, an
observation's page with its checks and actions, the hotels' rooms, the fast check grid, alerts,
transfers, policies, the retention purge, and the person's own self-report page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from frontline.areas.models import Jurisdiction, Level
from frontline.core.models import get_in_scope
from frontline.core.permissions import Action
from frontline.core.views import ScopedListView, apply_validation_error, form_saved
from frontline.observation import selectors, services
from frontline.observation.forms import (
    AdjustForm,
    AlertCloseForm,
    CheckCorrectForm,
    CheckForm,
    CheckWithdrawForm,
    EndForm,
    MoveForm,
    PolicyForm,
    PurgeForm,
    RoomForm,
    StartForm,
    TransferForm,
)
from frontline.observation.models import (
    Alert,
    HealthCheck,
    Observation,
    ObservationKind,
    ObservationStatus,
    PurgeRun,
    Room,
    RoomStatus,
    SelfReportLink,
    Symptom,
)


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _can_change(user, observation: Observation) -> bool:
    scope = user.scope_for(Action.CHANGE)
    return scope.covers_code(observation.jurisdiction_code) or scope.covers_place(
        observation.hotel_id)


@login_required
def board(request):
    """The office's view: every area, every hotel; hotel staff are sent to their hotel."""
    user = request.user
    places = list(selectors.hotels(actor=user))
    scope = user.scope_for(Action.VIEW)
    if not scope.codes and not scope.everything and len(places) == 1:
        return redirect("observation:hotel_detail", pk=places[0].pk)
    return render(request, "observation/board.html", {
        "areas": selectors.office_board(actor=user),
        "occupancy": selectors.occupancy(actor=user),
        "incoming": selectors.incoming_transfers(actor=user).count(),
        "to_observe": selectors.arrivals_to_observe(actor=user).count(),
        "can_configure": user.can(Action.CONFIGURE),
    })


class ObservationListView(ScopedListView):
    model = Observation
    template_name = "observation/observation_list.html"
    paginate_by = 50

    def get_queryset(self):
        super().get_queryset()
        g = self.request.GET
        status = g.get("status", "active")
        self.filters = {
            "status": status if status in ObservationStatus.values else "",
            "kind": g.get("kind") if g.get("kind") in ObservationKind.values else "",
            "query": g.get("q", "").strip()[:100],
            "code": g.get("code", "") if g.get("code", "").isdigit() else "",
        }
        return selectors.observation_list(actor=self.request.user, **self.filters)

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            filters=self.filters, statuses=ObservationStatus.choices,
            kinds=ObservationKind.choices, query=query.urlencode(), **kwargs)


@login_required
def observation_detail(request, pk: int):
    user = request.user
    observation = selectors.observation_detail(actor=user, pk=pk)
    can_change = _can_change(user, observation)
    from frontline.people.selectors import visible_person_ids

    return render(request, "observation/observation_detail.html", {
        "o": observation,
        "visible_people": visible_person_ids(actor=user, ids=[observation.person_id]),
        "checks": HealthCheck.objects.restrict(user, Action.VIEW).filter(  # scoped-ok: restrict()
            observation=observation).order_by("-day", "-slot")[:60],
        "alerts": Alert.objects.restrict(  # scoped-ok: restrict()
            user, Action.VIEW).filter(observation=observation),
        "adjustments": observation.adjustments.all(),
        "links": SelfReportLink.objects.restrict(user, Action.VIEW).filter(  # scoped-ok: restrict()
            observation=observation)[:5],
        "day_number": observation.day_number(timezone.localdate()),
        "can_change": can_change and observation.is_active,
        # Each form's fields get ids of their own (several have a "reason").
        "check_form": CheckForm(auto_id="check_%s"), "adjust_form": AdjustForm(
            auto_id="adjust_%s"), "end_form": EndForm(auto_id="end_%s"),
        "transfer_form": TransferForm(auto_id="transfer_%s"),
        "move_form": MoveForm(observation=observation, actor=user, auto_id="move_%s"),
        "transfer_targets": Jurisdiction.objects.filter(  # scoped-ok: public division names
            code__startswith=observation.jurisdiction_code[:6], is_active=True,
            level__in=[Level.STREET, Level.COMMUNITY]).exclude(
            code=observation.jurisdiction_code).order_by("code").values_list("code", "name"),
        "new_link": request.session.pop(f"observation-link-{observation.pk}", ""),
        "symptom_labels": dict(Symptom.choices),
    })


@login_required
def observation_start(request):
    from frontline.people.selectors import person_detail

    user = request.user
    arrival = None
    arrival_id = request.POST.get("arrival") or request.GET.get("arrival")
    if arrival_id and str(arrival_id).isdigit():
        arrival = selectors.arrivals_to_observe(actor=user).filter(pk=int(arrival_id)).first()
        if arrival is None:
            raise Http404
    person_id = arrival.person_id if arrival else (request.POST.get("person")
                                                   or request.GET.get("person"))
    if not person_id:  # opened without a person: it starts from a person's page
        messages.info(request, _("Open the person's page and start the observation there."))
        return redirect("people:person_list")
    try:
        person = person_detail(actor=user, pk=int(person_id))
    except (TypeError, ValueError):
        raise Http404 from None
    initial = {"person": person.pk, "start_date": timezone.localdate(),
               "jurisdiction": person.residence_id, "address": person.address}
    if arrival is not None:  # what the transfer point sorted
        initial.update({"start_date": arrival.travel_date, "kind": arrival.disposition,
                        "jurisdiction": arrival.destination_id or person.residence_id,
                        "hotel": arrival.destination_place_id,
                        "address": arrival.destination_address or person.address})
    form = StartForm(request.POST or None, initial=initial, actor=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            observation = services.observation_start(
                actor=user, person=person, kind=data["kind"], jurisdiction=data["jurisdiction"],
                start_date=data["start_date"], hotel=data.get("hotel"), room=data.get("room"),
                address=data.get("address", ""),
                source=f"arrival:{arrival.reference}" if arrival else "staff")
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The observation has started."))
            return redirect("observation:observation_detail", pk=observation.pk)
    return render(request, "observation/start.html", {"form": form, "person": person,
                                                      "arrival": arrival})


@login_required
def arrivals_to_observe(request):
    rows = selectors.arrivals_to_observe(actor=request.user)
    return render(request, "observation/arrivals.html", {"rows": rows[:500],
                                                         "count": rows.count()})


def _post_action(request, pk: int, form_class, call, success: str):
    observation = get_in_scope(Observation, request.user, Action.CHANGE, pk=pk)
    form = form_class(request.POST, **({"observation": observation, "actor": request.user}
                                       if form_class is MoveForm else {}))
    if form.is_valid():
        try:
            call(observation, form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, success)
    else:
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
    return redirect("observation:observation_detail", pk=observation.pk)


@login_required
@require_POST
def observation_adjust(request, pk: int):
    return _post_action(request, pk, AdjustForm, lambda o, d: services.observation_adjust(
        actor=request.user, observation=o, days=d["days"], reason=d["reason"]),
        _("The length of the observation was changed."))


@login_required
@require_POST
def observation_end(request, pk: int):
    return _post_action(request, pk, EndForm, lambda o, d: services.observation_end(
        actor=request.user, observation=o, status=d["status"], reason=d.get("reason", "")),
        _("The observation has ended."))


@login_required
@require_POST
def observation_transfer(request, pk: int):
    return _post_action(request, pk, TransferForm, lambda o, d: services.observation_transfer_request(
        actor=request.user, observation=o, to=d["to"], reason=d["reason"]),
        _("The transfer was requested; it takes effect when the receiver accepts it."))


@login_required
@require_POST
def observation_transfer_cancel(request, pk: int):
    observation = get_in_scope(Observation, request.user, Action.CHANGE, pk=pk)
    try:
        services.observation_transfer_cancel(actor=request.user, observation=observation)
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("observation:observation_detail", pk=observation.pk)


@login_required
@require_POST
def observation_move(request, pk: int):
    return _post_action(request, pk, MoveForm, lambda o, d: services.observation_move(
        actor=request.user, observation=o, room=d["room"]), _("The guest was moved."))


@login_required
@require_POST
def check_add(request, pk: int):
    def record(o, d):
        _check, created = services.health_check_record(
            actor=request.user, observation=o, temperature=d["temperature"],
            symptoms=d["symptoms"])
        if not created:
            raise ValidationError(_("This check was already recorded."))

    return _post_action(request, pk, CheckForm, record, _("The check was recorded."))


@login_required
def check_correct(request, pk: int):
    """Correct the reading of a check, or withdraw a check recorded on the wrong guest or
    for the wrong check of the day, saying why (while the observation runs)."""
    check = get_in_scope(HealthCheck, request.user, Action.CHANGE, pk=pk)
    observation = check.observation
    correct_form = CheckCorrectForm(
        request.POST if "correct" in request.POST else None, auto_id="correct_%s",
        initial={"temperature": check.temperature, "symptoms": check.symptoms})
    withdraw_form = CheckWithdrawForm(request.POST if "withdraw" in request.POST else None,
                                      auto_id="withdraw_%s")
    # Only the form whose button was pressed is bound; the other is shown again as it was.
    withdrawn, _result = form_saved(
        request, withdraw_form, lambda d: services.health_check_withdraw(
            actor=request.user, check=check, reason=d["reason"]),
        success=_("The check was withdrawn; its slot can be recorded again."))
    corrected, _result = form_saved(
        request, correct_form, lambda d: services.health_check_correct(
            actor=request.user, check=check, temperature=d["temperature"],
            symptoms=d["symptoms"], reason=d["reason"]),
        success=_("The check was corrected."))
    if withdrawn or corrected:
        return redirect("observation:observation_detail", pk=observation.pk)
    return render(request, "observation/check_correct.html", {
        "check": check, "o": observation, "correct_form": correct_form,
        "withdraw_form": withdraw_form, "symptom_labels": dict(Symptom.choices),
        "running": observation.is_active})


@login_required
@require_POST
def link_create(request, pk: int):
    observation = get_in_scope(Observation, request.user, Action.CHANGE, pk=pk)
    try:
        _link, secret = services.link_create(actor=request.user, observation=observation)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        request.session[f"observation-link-{observation.pk}"] = request.build_absolute_uri(
            reverse("observation:self_report", args=[secret]))
    return redirect("observation:observation_detail", pk=observation.pk)


@login_required
@require_POST
def link_revoke(request, pk: int):
    link = get_in_scope(SelfReportLink, request.user, Action.CHANGE, pk=pk)
    services.link_revoke(actor=request.user, link=link)
    messages.success(request, _("The personal link no longer works."))
    return redirect("observation:observation_detail", pk=link.observation_id)


# -- hotels and rooms -----------------------------------------------------------------------

@login_required
def hotel_detail(request, pk: int):
    user = request.user
    hotel = selectors.hotel_in_scope(actor=user, pk=pk)
    can_change = user.scope_for(Action.CHANGE).covers_place(hotel.pk) or user.scope_for(
        Action.CHANGE).covers_code(hotel.jurisdiction_code)
    return render(request, "observation/hotel_detail.html", {
        "hotel": hotel, "work": selectors.hotel_worklist(actor=user, hotel=hotel),
        "floors": selectors.room_grid(actor=user, hotel=hotel), "can_change": can_change,
        "room_form": RoomForm(), "statuses": RoomStatus.choices, "today": timezone.localdate(),
    })


@login_required
@require_POST
def room_add(request, pk: int):
    hotel = selectors.hotel_in_scope(actor=request.user, pk=pk)
    form = RoomForm(request.POST)
    if form.is_valid():
        try:
            services.room_create(actor=request.user, hotel=hotel, **form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("The room was added."))
    else:
        messages.error(request, _("Give the room a number, a floor and its beds."))
    return redirect("observation:hotel_detail", pk=hotel.pk)


@login_required
@require_POST
def room_status(request, pk: int):
    room = get_in_scope(Room, request.user, Action.CHANGE, pk=pk)
    try:
        services.room_set_status(actor=request.user, room=room, status=request.POST.get("status", ""))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("observation:hotel_detail", pk=room.hotel_id)


# -- the check grid -------------------------------------------------------------------------

def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def check_grid(request):
    """Enter the checks of a hotel floor or of a community's home observers in one go."""
    user = request.user
    hotel_id, floor = _int(request.GET.get("hotel")), _int(request.GET.get("floor"))
    code = request.GET.get("code", "") if request.GET.get("code", "").isdigit() else ""
    hotel = selectors.hotel_in_scope(actor=user, pk=hotel_id) if hotel_id else None
    kind = "" if hotel else ObservationKind.HOME
    rows = selectors.check_grid(actor=user, hotel=hotel_id, floor=floor, code=code, kind=kind)
    refused: dict[int, dict[str, Any]] = {}
    if request.method == "POST":
        recorded = 0
        for row in rows:
            o = row["observation"]
            value = request.POST.get(f"t-{o.pk}", "").strip()
            if not value or row["check"] is not None:
                continue
            symptoms = request.POST.getlist(f"s-{o.pk}")
            try:
                _check, created = services.health_check_record(
                    actor=user, observation=o, temperature=value, symptoms=symptoms)
                recorded += created
            except ValidationError as exc:
                refused[o.pk] = {"value": value[:10], "symptoms": symptoms,
                                 "error": "; ".join(exc.messages)}
        if recorded:
            messages.success(request, _("%(n)s checks recorded.") % {"n": recorded})
        if not refused:
            return redirect(request.get_full_path())
        # Refused rows keep what was typed, with the reason on the row; the rest are saved.
        messages.error(request, ngettext(
            "%(n)s check was not recorded: see the marked row.",
            "%(n)s checks were not recorded: see the marked rows.", len(refused))
            % {"n": len(refused)})
        rows = selectors.check_grid(actor=user, hotel=hotel_id, floor=floor, code=code,
                                    kind=kind)
        for row in rows:
            row["refused"] = refused.get(row["observation"].pk)
    return render(request, "observation/check_grid.html", {
        "rows": rows, "hotel": hotel, "floor": floor, "code": code,
        "symptoms": Symptom.choices,
        "floors": sorted({r.floor for r in Room.objects.restrict(  # scoped-ok: restrict()
            user, Action.VIEW).filter(hotel=hotel)}) if hotel else [],
    })


# -- lists ----------------------------------------------------------------------------------

@login_required
def overdue(request):
    rows = selectors.overdue_list(actor=request.user).select_related("person", "hotel", "room")
    return render(request, "observation/overdue.html", {"rows": rows[:500],
                                                        "count": rows.count()})


@login_required
def due(request):
    today = timezone.localdate()
    rows = list(selectors.due_list(actor=request.user, today=today)[:1000])
    return render(request, "observation/due.html", {
        "today": today, "rows": rows,
        "can_end": request.user.scope_for(Action.CHANGE).codes
        or request.user.scope_for(Action.CHANGE).everything})


@login_required
def alerts(request):
    status = request.GET.get("status", "open")
    return render(request, "observation/alerts.html", {
        "rows": selectors.alert_list(actor=request.user, status=status)[:500],
        "status": status, "close_form": AlertCloseForm()})


@login_required
@require_POST
def alert_acknowledge(request, pk: int):
    alert = get_in_scope(Alert, request.user, Action.CHANGE, pk=pk)
    try:
        services.alert_acknowledge(actor=request.user, alert=alert)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The alert is acknowledged: close it once the person has "
                                    "been assessed."))
    return redirect("observation:alerts")


@login_required
@require_POST
def alert_close(request, pk: int):
    alert = get_in_scope(Alert, request.user, Action.CHANGE, pk=pk)
    form = AlertCloseForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Say what was done."))
        services.alert_close(actor=request.user, alert=alert, note=form.cleaned_data["note"])
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The alert is closed."))
    return redirect("observation:alerts")


@login_required
def transfers(request):
    return render(request, "observation/transfers.html", {
        "rows": selectors.incoming_transfers(actor=request.user)})


@login_required
@require_POST
def transfer_accept(request, pk: int):
    observation = selectors.incoming_transfers(actor=request.user).filter(pk=pk).first()
    if observation is None:
        raise Http404
    try:
        services.observation_transfer_accept(actor=request.user, observation=observation)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("observation:transfer_list")
    messages.success(request, _("You are now responsible for this observation."))
    return redirect("observation:observation_detail", pk=observation.pk)


@login_required
def policies(request):
    user = request.user
    form = PolicyForm(request.POST or None, actor=user)
    if request.method == "POST":
        if not user.can(Action.CONFIGURE):
            raise PermissionDenied
        if form.is_valid():
            try:
                services.policy_create(actor=user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("The policy was saved."))
                return redirect("observation:policies")
    return render(request, "observation/policies.html", {
        "rows": selectors.policy_list(actor=user), "form": form,
        "can_configure": user.can(Action.CONFIGURE),
        "default_days": settings.OBSERVATION_DEFAULT_DAYS})


@login_required
def purge(request):
    user = request.user
    if not user.can(Action.CONFIGURE):
        raise PermissionDenied
    form = PurgeForm(request.POST or None, initial={
        "older_than_days": settings.OBSERVATION_PURGE_DAYS})
    days = settings.OBSERVATION_PURGE_DAYS
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["older_than_days"]
        run = services.observation_purge(actor=user, dry_run=not form.cleaned_data["confirm"],
                                         older_than_days=days)
        if run.dry_run:
            messages.info(request, _("Dry run: %(people)s people would be purged.")
                          % {"people": run.people})
        else:
            messages.success(request, _("%(people)s people were purged.") % {"people": run.people})
    candidates = services.purge_candidates(actor=user, older_than_days=days)
    return render(request, "observation/purge.html", {
        "form": form, "candidates": candidates[:200], "count": candidates.count(),
        "days": days, "runs": PurgeRun.objects.restrict(user, Action.VIEW)[:20]})  # scoped-ok: restrict()


# -- the person's own page --------------------------------------------------------------------

@never_cache
@csrf_protect
def self_report(request, secret: str):
    """A person reports their temperature and symptoms in their own language (no account)."""
    try:
        link = services.link_resolve(secret)
    except services.LinkInvalid:
        link = None
    language = services.person_language(link.observation.person) if link else (
        translation.get_language_from_request(request))
    with translation.override(language):
        if link is None:
            return render(request, "observation/self_report_invalid.html",
                          {"language": language, "rtl": language in settings.RTL_LANGUAGES},
                          status=404)
        observation = link.observation
        form = CheckForm(request.POST or None)
        done = None
        if request.method == "POST" and form.is_valid():
            try:
                check, created = services.self_report(
                    secret=secret, temperature=form.cleaned_data["temperature"],
                    symptoms=form.cleaned_data["symptoms"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            except services.LinkInvalid:
                return render(request, "observation/self_report_invalid.html",
                              {"language": language, "rtl": language in settings.RTL_LANGUAGES},
                              status=404)
            else:
                done = {"check": check, "created": created}
        day, slot = services.slot_of(timezone.now(), observation.checks_per_day)
        response = render(request, "observation/self_report.html", {
            "form": form, "o": observation, "done": done, "language": language,
            "rtl": language in settings.RTL_LANGUAGES,
            "day_number": observation.day_number(day), "slot": slot + 1,
        })
    response["Referrer-Policy"] = "same-origin"  # no-referrer makes the form post Origin: null
    return response

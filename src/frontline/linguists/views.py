"""Pages of the language talent pool: members, posts, needs with their ranked candidates,
offers and direct assignment, the roster grid and its export, requests from the front line,
remote interpreting, and the member's own phone-friendly duty page."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from frontline.core.models import get_in_scope
from frontline.core.permissions import Action
from frontline.core.views import ScopedListView, apply_validation_error, form_saved
from frontline.linguists import exports, selectors, services
from frontline.linguists.forms import (
    AvailabilityForm,
    CallForm,
    CertificateForm,
    DispatchForm,
    LanguageForm,
    MemberFilterForm,
    MemberForm,
    NeedForm,
    PeriodForm,
    PostForm,
    RemoteForm,
    RequestForm,
)
from frontline.linguists.models import (
    Linguist,
    Need,
    NeedStatus,
    Offer,
    Post,
    RemoteAssignment,
    Shift,
    SpeakerRequest,
)

MEMBER_FIELDS = ["name", "kind", "unit", "department", "phone", "email", "status",
                 "interpreting", "translating", "proofreading", "notes"]


def _errors_to_messages(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _form_errors_to_messages(request, form) -> None:
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)


# -- members ----------------------------------------------------------------------------------

class MemberListView(ScopedListView):
    model = Linguist
    template_name = "linguists/member_list.html"

    def get_queryset(self):
        super().get_queryset()
        self.filter_form = MemberFilterForm(self.request.GET or None)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.linguist_list(actor=self.request.user, language=data.get("language", ""),
                                       status=data.get("status", ""), query=data.get("q", ""))

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            filter_form=self.filter_form, query=query.urlencode(),
            can_change=self.request.user.can(Action.CHANGE),
            figures=selectors.figures(actor=self.request.user), **kwargs)


@login_required
def member_create(request):
    if not request.user.can(Action.CHANGE):
        raise PermissionDenied
    form = MemberForm(request.POST or None, actor=request.user,
                      initial={"status": "active", "kind": "staff"})
    language_form = LanguageForm(request.POST or None, prefix="lang")
    if request.method == "POST" and form.is_valid() and language_form.is_valid():
        try:
            member = services.linguist_create(
                actor=request.user, languages=[language_form.cleaned_data],
                user=form.cleaned_data["username"],
                **{name: form.cleaned_data[name] for name in MEMBER_FIELDS})
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("%(name)s was added to the pool.") % {"name": member})
            return redirect("linguists:member_detail", pk=member.pk)
    return render(request, "linguists/member_form.html",
                  {"form": form, "language_form": language_form, "creating": True})


@login_required
def member_edit(request, pk: int):
    member = get_in_scope(Linguist, request.user, Action.CHANGE, pk=pk)
    initial = {name: getattr(member, name) for name in MEMBER_FIELDS}
    initial["unit"] = member.unit_id
    initial["username"] = member.user.username if member.user_id else ""
    form = MemberForm(request.POST or None, initial=initial, actor=request.user)
    saved, _member = form_saved(request, form, lambda data: services.linguist_update(
        actor=request.user, linguist=member, user=data["username"],
        **{name: data[name] for name in MEMBER_FIELDS}), success=_("The changes were saved."))
    if saved:
        return redirect("linguists:member_detail", pk=member.pk)
    return render(request, "linguists/member_form.html", {"form": form, "member": member})


@login_required
def member_detail(request, pk: int):
    member = get_in_scope(Linguist, request.user, Action.VIEW, pk=pk)
    can_change = request.user.scope_for(Action.CHANGE).covers_code(member.jurisdiction_code)
    return render(request, "linguists/member_detail.html", {
        "member": member, "can_change": can_change,
        "languages": member.languages.all(), "certificates": member.certificates.all(),
        "availability": member.availability.all(),
        "unavailable": member.unavailable.filter(ends_at__gt=timezone.now()),
        "shifts": selectors.shift_list(actor=request.user).filter(linguist=member)
        .order_by("-starts_at")[:30],
        "language_form": LanguageForm(auto_id="language_%s"),
        "certificate_form": CertificateForm(auto_id="certificate_%s"),
        "availability_form": AvailabilityForm(auto_id="availability_%s"),
        "period_form": PeriodForm(auto_id="period_%s"),
    })


@login_required
@require_POST
def member_add(request, pk: int, what: str):
    """Add a language, a certificate, a weekly slot or an unavailable period to a member."""
    member = get_in_scope(Linguist, request.user, Action.CHANGE, pk=pk)
    handlers = {
        "language": (LanguageForm, services.language_set),
        "certificate": (CertificateForm, services.certificate_add),
        "availability": (AvailabilityForm, services.availability_add),
        "unavailable": (PeriodForm, services.unavailability_add),
    }
    if what not in handlers:
        raise Http404
    form_class, service = handlers[what]
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(actor=request.user, linguist=member, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        else:
            messages.success(request, _("Saved."))
    else:
        _form_errors_to_messages(request, form)
    return redirect("linguists:member_detail", pk=member.pk)


# -- posts and needs --------------------------------------------------------------------------

class PostListView(ScopedListView):
    model = Post
    template_name = "linguists/post_list.html"

    def get_queryset(self):
        super().get_queryset()
        return selectors.post_list(actor=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_configure=self.request.user.can(Action.CONFIGURE),
                                        **kwargs)


@login_required
def post_create(request):
    if not request.user.can(Action.CONFIGURE):
        raise PermissionDenied
    form = PostForm(request.POST or None, actor=request.user)
    saved, _post = form_saved(request, form, lambda data: services.post_create(
        actor=request.user, **data), success=_("The post was created."))
    if saved:
        return redirect("linguists:post_list")
    return render(request, "linguists/simple_form.html",
                  {"form": form, "title": _("New post")})


class NeedListView(ScopedListView):
    model = Need
    template_name = "linguists/need_list.html"

    def get_queryset(self):
        super().get_queryset()
        status = self.request.GET.get("status", NeedStatus.OPEN)
        return selectors.need_list(actor=self.request.user,
                                   status=status if status in NeedStatus.values else "")

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_change=self.request.user.can(Action.CHANGE),
                                        statuses=NeedStatus.choices,
                                        status=self.request.GET.get("status", NeedStatus.OPEN),
                                        **kwargs)


@login_required
def need_create(request):
    if not request.user.can(Action.CHANGE):
        raise PermissionDenied
    form = NeedForm(request.POST or None, actor=request.user)
    saved, need = form_saved(request, form, lambda data: services.need_create(
        actor=request.user, **data), success=_("The need was created; choose whom to offer "
                                               "it to."))
    if saved:
        overlapping = selectors.needs_overlapping(actor=request.user, need=need).count()
        if overlapping:
            messages.warning(request, ngettext(
                "Another need for this language at this post overlaps this one's hours: "
                "check that it was not entered twice (cancel one, or raise the number of "
                "people of the other).",
                "%(count)s other needs for this language at this post overlap this one's "
                "hours: check that it was not entered twice (cancel one, or raise the number "
                "of people of another).", overlapping) % {"count": overlapping})
        return redirect("linguists:need_detail", pk=need.pk)
    return render(request, "linguists/simple_form.html",
                  {"form": form, "title": _("New need")})


@login_required
def need_detail(request, pk: int):
    need = get_in_scope(Need, request.user, Action.VIEW, pk=pk)
    can_change = request.user.scope_for(Action.CHANGE).covers_code(need.jurisdiction_code)
    ranking = selectors.rank_candidates(actor=request.user, need=need) if can_change else None
    return render(request, "linguists/need_detail.html", {
        "need": need, "can_change": can_change, "ranking": ranking,
        "offers": Offer.objects.filter(need=need).select_related(  # scoped-ok: of a need in scope
            "linguist"),
        "shifts": Shift.objects.filter(need=need).select_related(  # scoped-ok: of a need in scope
            "linguist"),
    })


@login_required
@require_POST
def need_offer(request, pk: int):
    need = get_in_scope(Need, request.user, Action.CHANGE, pk=pk)
    ids = [int(v) for v in request.POST.getlist("linguist") if v.isdigit()]
    if not ids:
        messages.error(request, _("Tick at least one member."))
        return redirect("linguists:need_detail", pk=need.pk)
    members = list(selectors.linguist_list(actor=request.user).filter(pk__in=ids))
    try:
        if "assign" in request.POST:
            if len(members) != 1:
                raise ValidationError(_("Tick exactly one member to assign directly."))
            services.shift_assign(actor=request.user, need=need, linguist=members[0])
            messages.success(request, _("%(name)s was assigned.") % {"name": members[0]})
        else:
            offers = services.offer_send(actor=request.user, need=need, linguists=members)
            messages.success(request, _("Offered to %(count)s members; the first to accept is "
                                        "assigned.") % {"count": len(offers)})
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    return redirect("linguists:need_detail", pk=need.pk)


@login_required
@require_POST
def need_cancel(request, pk: int):
    need = get_in_scope(Need, request.user, Action.CHANGE, pk=pk)
    services.need_cancel(actor=request.user, need=need)
    messages.success(request, _("The need was cancelled."))
    return redirect("linguists:need_detail", pk=need.pk)


@login_required
@require_POST
def offer_answer(request, pk: int, answer: str):
    """The office records a member's answer given by phone."""
    offer = get_in_scope(Offer, request.user, Action.CHANGE, pk=pk)
    try:
        if answer == "accept":
            services.offer_accept(actor=request.user, offer=offer)
        elif answer == "decline":
            services.offer_decline(actor=request.user, offer=offer)
        else:
            raise Http404
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("The answer was recorded."))
    return redirect("linguists:need_detail", pk=offer.need_id)


# -- roster and shifts ------------------------------------------------------------------------

def _roster_day(request) -> datetime.date:
    try:
        return datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()


@login_required
def roster(request):
    if not request.user.can(Action.VIEW):
        raise PermissionDenied
    day = _roster_day(request)
    columns, rows = selectors.roster(actor=request.user, day=day)
    return render(request, "linguists/roster.html", {
        "day": day, "columns": columns, "rows": rows,
        "previous": day - datetime.timedelta(days=1), "next": day + datetime.timedelta(days=1),
        "can_export": request.user.can(Action.EXPORT),
        "shifts": selectors.shift_list(actor=request.user).filter(
            starts_at__lt=timezone.make_aware(datetime.datetime.combine(
                day + datetime.timedelta(days=1), datetime.time(0))),
            ends_at__gt=timezone.make_aware(datetime.datetime.combine(day, datetime.time(0)))),
        "can_change": request.user.can(Action.CHANGE),
    })


@login_required
def roster_export(request):
    if not request.user.can(Action.EXPORT):
        raise PermissionDenied
    day = _roster_day(request)
    data, count = exports.roster_xlsx(actor=request.user, day=day)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="roster-{day.isoformat()}.xlsx"'
    return response


@login_required
@require_POST
def shift_step(request, pk: int, step: str):
    shift = get_in_scope(Shift, request.user, Action.CHANGE, pk=pk)
    steps = {"check-in": services.shift_check_in, "check-out": services.shift_check_out,
             "no-show": services.shift_no_show}
    if step not in steps:
        raise Http404
    try:
        steps[step](actor=request.user, shift=shift)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect(request.POST.get("next") if str(request.POST.get("next", "")).startswith(
        "/linguists/") else "linguists:roster")


# -- requests from the front line -------------------------------------------------------------

class RequestListView(ScopedListView):
    model = SpeakerRequest
    template_name = "linguists/request_list.html"

    def get_queryset(self):
        super().get_queryset()
        return selectors.request_list(actor=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_change=self.request.user.can(Action.CHANGE),
                                        **kwargs)


@login_required
def request_create(request):
    if not request.user.can(Action.CHANGE):
        raise PermissionDenied
    form = RequestForm(request.POST or None, actor=request.user)
    saved, speaker_request = form_saved(request, form, lambda data: services.request_create(
        actor=request.user, **data), success=_("Your request was sent to the office."))
    if saved:
        return redirect("linguists:request_detail", pk=speaker_request.pk)
    return render(request, "linguists/simple_form.html",
                  {"form": form, "title": _("Ask for a speaker")})


@login_required
def request_detail(request, pk: int):
    speaker_request = get_in_scope(SpeakerRequest, request.user, Action.VIEW, pk=pk)
    form = DispatchForm(request.POST or None)
    can_dispatch = request.user.scope_for(Action.CHANGE).covers_code(
        speaker_request.jurisdiction_code)
    if request.method == "POST":
        if not can_dispatch:
            raise Http404
        if form.is_valid():
            try:
                need = services.request_dispatch(actor=request.user, request=speaker_request,
                                                 **form.cleaned_data)
            except ValidationError as exc:
                _errors_to_messages(request, exc)
            else:
                messages.success(request, _("A need was created from the request."))
                return redirect("linguists:need_detail", pk=need.pk)
    shifts = speaker_request.need.shifts.select_related("linguist") if speaker_request.need \
        else []
    return render(request, "linguists/request_detail.html", {
        "req": speaker_request, "form": form, "can_dispatch": can_dispatch, "shifts": shifts})


# -- remote interpreting ----------------------------------------------------------------------

class RemoteListView(ScopedListView):
    model = RemoteAssignment
    template_name = "linguists/remote_list.html"

    def get_queryset(self):
        super().get_queryset()
        return selectors.remote_list(actor=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_change=self.request.user.can(Action.CHANGE),
                                        **kwargs)


@login_required
def remote_create(request):
    from frontline.people.models import Person

    if not request.user.can(Action.CHANGE):
        raise PermissionDenied
    form = RemoteForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = get_in_scope(Person, request.user, Action.CHANGE, pk=data["person"])
            assignment = services.remote_assign(actor=request.user, linguist=data["linguist"],
                                                person=person, language=data["language"])
        except Http404:
            form.add_error("person", _("No person with this number in your area."))
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The member was assigned."))
            return redirect("linguists:remote_detail", pk=assignment.pk)
    return render(request, "linguists/simple_form.html",
                  {"form": form, "title": _("Assign a phone interpreter")})


@login_required
def remote_detail(request, pk: int):
    assignment = get_in_scope(RemoteAssignment, request.user, Action.VIEW, pk=pk)
    form = CallForm(request.POST or None, initial={"started_at": timezone.localtime()})
    can_change = request.user.scope_for(Action.CHANGE).covers_code(assignment.jurisdiction_code)
    if request.method == "POST":
        if not can_change:
            raise Http404
        saved, _call = form_saved(request, form, lambda data: services.call_log_add(
            actor=request.user, assignment=assignment, **data),
            success=_("The call was logged."))
        if saved:
            return redirect("linguists:remote_detail", pk=assignment.pk)
    return render(request, "linguists/remote_detail.html", {
        "assignment": assignment, "calls": assignment.calls.all(), "form": form,
        "can_change": can_change})


# -- the member's own duty page (phone-friendly; own rows only) -------------------------------

@login_required
def me(request):
    """A member's offers, shifts and phone assignments; only their own rows, by design."""
    member = selectors.own_member(user=request.user)
    now = timezone.now()
    offers = selectors.own_offers(user=request.user)
    return render(request, "linguists/me.html", {
        "member": member,
        "pending": list(offers.filter(status="pending", need__ends_at__gt=now)),
        "answered": offers.exclude(status="pending")[:10],
        "shifts": selectors.own_shifts(user=request.user).filter(ends_at__gt=now - datetime.
                                                                 timedelta(hours=12))[:20],
        "remote": selectors.own_remote(user=request.user),
        "call_form": CallForm(initial={"started_at": timezone.localtime()}),
    })


@login_required
@require_POST
def me_offer(request, pk: int, answer: str):
    offer = selectors.own_offers(user=request.user).filter(pk=pk).first()
    if offer is None:
        raise Http404
    try:
        if answer == "accept":
            services.offer_accept(actor=request.user, offer=offer)
            messages.success(request, _("Thank you: the shift is yours. It is on your page."))
        elif answer == "decline":
            services.offer_decline(actor=request.user, offer=offer)
            messages.success(request, _("You declined the offer."))
        else:
            raise Http404
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    return redirect("linguists:me")


@login_required
@require_POST
def me_shift(request, pk: int, step: str):
    shift = selectors.own_shifts(user=request.user).filter(pk=pk).first()
    steps = {"check-in": services.shift_check_in, "check-out": services.shift_check_out}
    if shift is None or step not in steps:
        raise Http404
    try:
        steps[step](actor=request.user, shift=shift)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect("linguists:me")


@login_required
@require_POST
def me_call(request, pk: int):
    assignment = selectors.own_remote(user=request.user).filter(pk=pk).first()
    if assignment is None:
        raise Http404
    form = CallForm(request.POST)
    if form.is_valid():
        try:
            services.call_log_add(actor=request.user, assignment=assignment, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        else:
            messages.success(request, _("The call was logged."))
    else:
        _form_errors_to_messages(request, form)
    return redirect("linguists:me")

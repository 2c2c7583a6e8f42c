"""Pages of the daily figures: the late board, a unit's submission, the dashboard (ECharts),
bulletins, meetings and action items."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontline.areas.models import Level
from frontline.core.models import get_in_scope
from frontline.core.permissions import Action
from frontline.core.views import apply_validation_error
from frontline.reports import bulletin as bulletins
from frontline.reports import selectors, services
from frontline.reports.forms import ActionItemForm, MeetingForm, UnlockForm
from frontline.reports.models import ActionItem, Bulletin, Meeting, Submission, SubmissionStatus


def _run(request):
    user = request.user
    pk = request.GET.get("run", "")
    if pk.isdigit():
        return selectors.run_detail(actor=user, pk=int(pk))
    return selectors.latest_run(actor=user)


@login_required
def board(request):
    """The late board of the latest run: who has not submitted, the countdown, the rates."""
    user = request.user
    run = _run(request)
    context = {"run": run, "runs": selectors.runs(actor=user).filter(
        computed_at__isnull=False)[:30]}
    if run is not None:
        context.update(selectors.late_board(actor=user, run=run))
        context["can_export"] = user.scope_for(Action.EXPORT).covers_code(run.jurisdiction_code)
    if request.headers.get("HX-Request"):
        return render(request, "reports/_board.html", context)
    return render(request, "reports/board.html", context)


@login_required
def submission(request, pk: int):
    user = request.user
    sub = get_in_scope(Submission, user, Action.VIEW, pk=pk)
    figures = selectors.figures_of(sub.run)
    can_edit = user.scope_for(Action.CHANGE).covers_code(sub.jurisdiction_code) and not sub.is_locked
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "approve":
                services.submission_approve(actor=user, submission=sub)
                messages.success(request, _("The figures are approved and locked."))
            elif action == "unlock":
                form = UnlockForm(request.POST)
                services.submission_unlock(actor=user, submission=sub,
                                           reason=form.data.get("reason", ""))
                messages.success(request, _("The figures are unlocked for a correction."))
            else:
                values = {f.key: request.POST.get(f"v-{f.key}", "") for f in figures}
                comments = {f.key: request.POST.get(f"c-{f.key}", "") for f in figures}
                version = request.POST.get("version", "")
                was_submitted = sub.status == SubmissionStatus.SUBMITTED
                sub = services.submission_save(
                    actor=user, submission=sub, values=values, comments=comments,
                    submit=action == "submit",
                    expected_version=int(version) if version.isdigit() else None)
                if action == "submit":
                    messages.success(request, _("The figures are submitted."))
                elif was_submitted and sub.status == SubmissionStatus.PENDING:
                    messages.warning(request, _("The figures are saved and no longer "
                                                "submitted: submit them again."))
                else:
                    messages.success(request, _("The figures are saved."))
            return redirect("reports:submission", pk=sub.pk)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            for message in errors.get("__all__", []):
                messages.error(request, message)
    posted = request.POST if errors else None
    rollup = services.rollup(sub) if sub.level == Level.STREET else {}
    rows = [{"figure": f, "value": posted.get(f"v-{f.key}") if posted else sub.values.get(f.key),
             "computed": sub.computed.get(f.key), "rollup": rollup.get(f.key),
             "comment": posted.get(f"c-{f.key}") if posted else sub.comments.get(f.key, ""),
             "errors": errors.get(f.key, []),
             # A street's figure that is not the sum of its communities' (flagged for review).
             "differs": f.key in rollup and sub.values.get(f.key) is not None
             and int(sub.values[f.key]) != rollup[f.key]} for f in figures]
    parent = sub.jurisdiction_code[:9] if sub.level == Level.COMMUNITY else sub.jurisdiction_code[:6]
    return render(request, "reports/submission.html", {
        "sub": sub, "rows": rows, "can_edit": can_edit,
        "can_approve": sub.status == SubmissionStatus.SUBMITTED
        and user.scope_for(Action.CHANGE).covers_code(parent),
        "can_unlock": sub.is_locked and user.scope_for(Action.CONFIGURE).covers_code(
            sub.jurisdiction_code),
        "children": selectors.submissions(actor=user, run=sub.run).filter(
            level=Level.COMMUNITY, jurisdiction_code__startswith=sub.jurisdiction_code)
        if sub.level == Level.STREET else [],
    })


@login_required
def dashboard(request):
    user = request.user
    run = _run(request)
    if run is None:
        return render(request, "reports/dashboard.html", {"run": None})
    days = int(request.GET["days"]) if request.GET.get("days") in ("7", "14", "30") else 14
    street = request.GET.get("street", "") if request.GET.get("street", "").isdigit() else ""
    trend = selectors.trend(actor=user, run=run, days=days, street=street)
    table = selectors.street_table(actor=user, run=run)
    countries = selectors.by_country(actor=user, run=run,
                                     streets=[row["submission"] for row in table])[:20]
    return render(request, "reports/dashboard.html", {
        "run": run, "days": days, "street": street, "table": table,
        "figures": [cell["figure"] for cell in table[0]["cells"]] if table
        else selectors.figures_of(run),
        "totals": selectors.totals(actor=user, run=run, table=table),
        "trend": trend, "countries": countries,
        "overdue_items": selectors.overdue_items(actor=user)[:50],
        "streets": [row["submission"] for row in table],
    })


@login_required
def bulletin_list(request):
    user = request.user
    run = _run(request)
    if request.method == "POST":
        if run is None:
            raise Http404
        try:
            bulletins.bulletin_request(actor=user, run=run,
                                       english=bool(request.POST.get("english")))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The bulletin is being produced; it appears below."))
        return redirect("reports:bulletins")
    return render(request, "reports/bulletins.html", {
        "run": run, "rows": Bulletin.objects.restrict(  # scoped-ok: restrict()
            user, Action.VIEW).select_related("run__definition")[:60],
        "can_export": run is not None and user.scope_for(Action.EXPORT).covers_code(
            run.jurisdiction_code)})


@login_required
def bulletin_download(request, pk: int, kind: str):
    if kind not in ("pdf", "xlsx"):
        raise Http404
    bulletin = get_in_scope(Bulletin, request.user, Action.VIEW, pk=pk)
    path = bulletins.bulletin_file(actor=request.user, bulletin=bulletin, kind=kind)
    if not path.exists():
        raise Http404
    return FileResponse(open(path, "rb"), as_attachment=kind == "xlsx",  # noqa: SIM115
                        filename=path.name)


@login_required
def meeting_list(request):
    user = request.user
    form = MeetingForm(request.POST or None, actor=user,
                       initial={"held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            return redirect("reports:meeting_detail", pk=meeting.pk)
    return render(request, "reports/meetings.html", {
        "rows": selectors.meetings(actor=user)[:100], "form": form,
        "open_items": selectors.open_items(actor=user)[:100], "now": timezone.now()})


@login_required
def meeting_detail(request, pk: int):
    user = request.user
    meeting = get_in_scope(Meeting, user, Action.VIEW, pk=pk)
    form = ActionItemForm(request.POST or None, actor=user)
    if request.method == "POST":
        get_in_scope(Meeting, user, Action.CHANGE, pk=pk)
        if form.is_valid():
            try:
                services.action_item_add(actor=user, meeting=meeting, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                return redirect("reports:meeting_detail", pk=meeting.pk)
    return render(request, "reports/meeting_detail.html", {
        "meeting": meeting, "items": meeting.items.select_related("owner"), "form": form,
        "now": timezone.now()})


@login_required
@require_POST
def item_done(request, pk: int):
    item = get_in_scope(ActionItem, request.user, Action.CHANGE, pk=pk)
    try:
        services.action_item_done(actor=request.user, item=item,
                                  note=request.POST.get("note", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("reports:meeting_detail", pk=item.meeting_id)

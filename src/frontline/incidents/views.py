"""Pages of incident handling: the dashboard, opening an incident, working its checklist and
timeline, liaison, information reports (with PDF), public opinion, plans and the directory."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontline.accounts.roles import Role
from frontline.audit.models import AccessEvent
from frontline.audit.services import access_record
from frontline.core.models import get_in_scope
from frontline.core.permissions import Action
from frontline.core.views import apply_validation_error
from frontline.incidents import selectors, services
from frontline.incidents.forms import (
    CloseForm,
    ContactForm,
    LiaisonForm,
    NoteForm,
    NoticeRuleForm,
    OpenForm,
    OpinionForm,
    PersonLinkForm,
    PlanForm,
    ReportDraftForm,
    ReportEditForm,
    ReportSendForm,
    StepForm,
)
from frontline.incidents.models import (
    Contact,
    Incident,
    IncidentNotice,
    IncidentReport,
    IncidentStep,
    OpinionEntry,
    ReportStatus,
)


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
def dashboard(request):
    return render(request, "incidents/dashboard.html", {
        **selectors.dashboard(actor=request.user),
        "can_open": request.user.can(Action.CHANGE)})


@login_required
def incident_open(request):
    user = request.user
    g = request.GET
    initial = {"source": g.get("source", "")[:60], "title": g.get("title", "")[:200],
               "incident_type": g.get("type", ""),
               # what the record that opened it says (an alert: when, what, where)
               "description": g.get("description", "")[:500]}
    if g.get("code", "").isdigit():  # opened from a record: its area and place
        from frontline.areas.models import Jurisdiction

        initial["jurisdiction"] = Jurisdiction.objects.restrict(user).filter(  # scoped-ok
            code=g["code"]).values_list("pk", flat=True).first()
        if g.get("place", "").isdigit():
            initial["place"] = services.incident_places(actor=user).filter(
                pk=int(g["place"])).values_list("pk", flat=True).first()
    form = OpenForm(request.POST or None, initial=initial, actor=user)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_open(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The incident is open; its plan's steps are below."))
            return redirect("incidents:incident_detail", pk=incident.pk)
    return render(request, "incidents/open.html", {"form": form})


@login_required
def incident_detail(request, pk: int):
    user = request.user
    incident = selectors.incident_detail(actor=user, pk=pk)
    can_change = (user.scope_for(Action.CHANGE).covers_code(incident.jurisdiction_code)
                  or user.scope_for(Action.CHANGE).covers_place(incident.place_id))
    notice = IncidentNotice.objects.restrict(user, Action.VIEW).filter(  # scoped-ok: restrict
        incident=incident, user=user).first()
    from frontline.people.selectors import visible_person_ids

    people = list(incident.people.select_related("person"))
    return render(request, "incidents/incident_detail.html", {
        "incident": incident, "steps": incident.steps.all(),
        "timeline": incident.timeline.all(), "people": people,
        "visible_people": visible_person_ids(actor=user, ids=[p.person_id for p in people]),
        "liaison": incident.liaison.select_related("contact"),
        "reports": incident.reports.all(), "notices": incident.notices.select_related("user"),
        "my_notice": notice, "can_change": can_change and incident.status == "open",
        "can_report": can_change,
        # Each form's fields get ids of their own (two have a "text").
        "note_form": NoteForm(auto_id="note_%s"), "person_form": PersonLinkForm(
            auto_id="person_%s"), "liaison_form": LiaisonForm(auto_id="liaison_%s"),
        "draft_form": ReportDraftForm(auto_id="draft_%s"),
        "close_form": CloseForm(auto_id="close_%s"),
    })


def _incident_post(request, pk: int, form_class, call, success: str):
    incident = get_in_scope(Incident, request.user, Action.CHANGE, pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(incident, form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            if success:
                messages.success(request, success)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("incidents:incident_detail", pk=incident.pk)


@login_required
@require_POST
def note_add(request, pk: int):
    return _incident_post(request, pk, NoteForm, lambda i, d: services.note_add(
        actor=request.user, incident=i, text=d["text"]), "")


@login_required
@require_POST
def person_link(request, pk: int):
    from frontline.people.models import Person

    def link(incident, data):
        person = get_in_scope(Person, request.user, Action.VIEW, pk=data["person"])
        services.person_link(actor=request.user, incident=incident, person=person,
                             role=data.get("role", ""))

    return _incident_post(request, pk, PersonLinkForm, link, _("The person is linked."))


@login_required
@require_POST
def liaison_add(request, pk: int):
    return _incident_post(request, pk, LiaisonForm, lambda i, d: services.liaison_record(
        actor=request.user, incident=i, **d), _("The notification is recorded."))


@login_required
@require_POST
def incident_close(request, pk: int):
    return _incident_post(request, pk, CloseForm, lambda i, d: services.incident_close(
        actor=request.user, incident=i, reason=d.get("reason", "")), _("The incident is closed."))


@login_required
@require_POST
def acknowledge(request, pk: int):
    incident = selectors.incident_detail(actor=request.user, pk=pk)
    try:
        services.notice_acknowledge(actor=request.user, incident=incident)
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("incidents:incident_detail", pk=incident.pk)


@login_required
@require_POST
def step_complete(request, pk: int):
    step = get_in_scope(IncidentStep, request.user, Action.CHANGE, pk=pk)
    form = StepForm(request.POST)
    form.is_valid()
    try:
        services.step_complete(actor=request.user, step=step,
                               note=form.cleaned_data.get("note", ""),
                               status=form.cleaned_data.get("status", "done"))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The step is recorded."))
    return redirect("incidents:incident_detail", pk=step.incident_id)


# -- reports ----------------------------------------------------------------------------------

@login_required
@require_POST
def report_draft(request, pk: int):
    incident = get_in_scope(Incident, request.user, Action.CHANGE, pk=pk)
    form = ReportDraftForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the kind of report."))
        return redirect("incidents:incident_detail", pk=incident.pk)
    try:
        report = services.report_draft(actor=request.user, incident=incident,
                                       kind=form.cleaned_data["kind"])
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("incidents:incident_detail", pk=incident.pk)
    return redirect("incidents:report_detail", pk=report.pk)


@login_required
def report_detail(request, pk: int):
    user = request.user
    report = get_in_scope(IncidentReport, user, Action.VIEW, pk=pk)
    can_change = user.scope_for(Action.CHANGE).covers_code(report.jurisdiction_code) or (
        user.scope_for(Action.CHANGE).covers_place(report.place_id))
    form = ReportEditForm(request.POST or None, initial={"text": report.text})
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        action = request.POST.get("action", "save")
        try:
            if action == "approve":
                services.report_approve(actor=user, report=report)
                messages.success(request, _("The report is approved."))
            elif action == "send":
                send = ReportSendForm(request.POST)
                services.report_send(actor=user, report=report, recipients=send.data.get(
                    "recipients", ""))
                messages.success(request, _("The report is recorded as sent."))
            elif form.is_valid():
                services.report_edit(actor=user, report=report, text=form.cleaned_data["text"])
                messages.success(request, _("The report is saved."))
            else:  # an empty text: said, not dropped without a word
                for errors in form.errors.values():
                    for message in errors:
                        messages.error(request, message)
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("incidents:report_detail", pk=report.pk)
    # Approving is the district office's, and not the writer's: the button shows to them only.
    can_approve = (can_change and report.created_by_id != user.pk
                   and user.scope_for(Action.EXPORT).covers_code(report.jurisdiction_code[:6]))
    return render(request, "incidents/report_detail.html", {
        "report": report, "form": form, "send_form": ReportSendForm(),
        "can_change": can_change, "can_approve": can_approve,
        "draft": report.status == ReportStatus.DRAFT})


@login_required
def report_pdf(request, pk: int):
    from frontline.incidents.pdf import report_pdf as make_pdf

    report = get_in_scope(IncidentReport, request.user, Action.VIEW, pk=pk)
    access_record(actor=request.user, event=AccessEvent.EXPORT, obj=report,
                  object_type="incidents.incidentreport",
                  jurisdiction_code=report.jurisdiction_code,
                  detail={"incident": report.incident_id, "report": report.number,
                          "format": "pdf"})
    response = HttpResponse(make_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = (f'inline; filename="incident-{report.incident_id}-'
                                       f'report-{report.number}.pdf"')
    return response


# -- opinion, plans, directory ----------------------------------------------------------------

@login_required
def opinion(request):
    user = request.user
    form = OpinionForm(request.POST or None, actor=user)
    if request.method == "POST":
        if request.POST.get("entry"):
            entry = get_in_scope(OpinionEntry, user, Action.CHANGE, pk=request.POST["entry"])
            services.opinion_follow_up(actor=user, entry=entry,
                                       follow_up=request.POST.get("follow_up", ""),
                                       handled=bool(request.POST.get("handled")))
            return redirect("incidents:opinion")
        if form.is_valid():
            incident = None
            if request.POST.get("incident", "").isdigit():
                incident = get_in_scope(Incident, user, Action.CHANGE, pk=request.POST["incident"])
            try:
                services.opinion_record(actor=user, incident=incident, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                return redirect("incidents:opinion")
    return render(request, "incidents/opinion.html", {
        "rows": selectors.opinion_list(actor=user)[:200], "form": form})


@login_required
def plans(request):
    user = request.user
    posted = request.POST if request.method == "POST" else None  # a GET shows empty forms
    form = PlanForm(posted if posted is not None and "rule" not in posted else None, actor=user)
    rule_form = NoticeRuleForm(posted if posted is not None and "rule" in posted else None,
                               actor=user, auto_id="rule_%s")  # ids apart from the plan form's
    if request.method == "POST":
        if not user.can(Action.CONFIGURE):
            raise PermissionDenied
        if "rule" in request.POST:
            if rule_form.is_valid():
                try:
                    services.notice_rule_save(actor=user, **rule_form.cleaned_data)
                except ValidationError as exc:
                    apply_validation_error(rule_form, exc)
                else:
                    messages.success(request, _("The rule is saved."))
                    return redirect("incidents:plans")
        elif form.is_valid():
            try:
                services.plan_save(actor=user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("The plan is saved as a new version."))
                return redirect("incidents:plans")
    return render(request, "incidents/plans.html", {
        "plans": selectors.plan_list(actor=user).prefetch_related("steps"), "form": form,
        "rules": selectors.notice_rules(actor=user), "rule_form": rule_form,
        "can_configure": user.can(Action.CONFIGURE), "roles": Role.choices,
        "older": selectors.plan_list(actor=user, current_only=False).filter(is_current=False)})


@login_required
def directory(request):
    user = request.user
    can_edit = user.can(Action.CONFIGURE)
    contact = None
    if request.GET.get("edit", "").isdigit():
        contact = Contact.objects.filter(pk=request.GET["edit"]).first()  # scoped-ok: public
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            data = {k: form.cleaned_data[k] for k in ContactForm.Meta.fields}
            try:
                services.contact_save(actor=user, contact=contact, **data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                return redirect("incidents:directory")
    return render(request, "incidents/directory.html", {
        "rows": Contact.objects.all(),  # scoped-ok: public
        "form": form, "can_edit": can_edit, "editing": contact})

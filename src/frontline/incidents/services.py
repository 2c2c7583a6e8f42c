"""Every write of incident handling: plans and their versions, opening an incident (which
instantiates its plan's checklist and tells who must be told), steps, people, liaison,
information reports, public opinion, escalation and closing. Each runs in one transaction,
audited, with a scope re-check; every action also lands on the incident's timeline."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.areas.models import Jurisdiction, Place
from frontline.audit.models import ChangeAction
from frontline.audit.services import change_record, snapshot
from frontline.core.models import OutOfScope, ensure_in_scope, get_in_scope, scope_for
from frontline.core.permissions import Action
from frontline.incidents.models import (
    Contact,
    ContingencyPlan,
    Incident,
    IncidentNotice,
    IncidentPerson,
    IncidentReport,
    IncidentStatus,
    IncidentStep,
    IncidentType,
    LiaisonRecord,
    NoticeRule,
    OpinionEntry,
    PlanStep,
    ReportKind,
    ReportStatus,
    Severity,
    StepStatus,
    TimelineEntry,
    TimelineKind,
)


def _label(actor: Any) -> str:
    if actor is None:
        return "system"
    return (getattr(actor, "display_name", "") or actor.get_username())[:150]


def _timeline(incident: Incident, actor: Any, kind: str, text: str) -> TimelineEntry:
    return TimelineEntry.objects.create(
        incident=incident, jurisdiction_code=incident.jurisdiction_code,
        place_id=incident.place_id, actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_label(actor), kind=kind, text=text)


def _child(incident: Incident) -> dict[str, Any]:
    return {"incident": incident, "jurisdiction_code": incident.jurisdiction_code,
            "place_id": incident.place_id}


# -- plans ------------------------------------------------------------------------------------

def _clean_steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from frontline.accounts.roles import Role

    if not steps:
        raise ValidationError({"steps": _("A plan needs at least one step.")})
    cleaned = []
    for i, step in enumerate(steps, start=1):
        title = str(step.get("title", "")).strip()
        role = step.get("responsible_role", "")
        try:
            minutes = int(step.get("minutes", 0))
        except (TypeError, ValueError):
            minutes = 0
        if not title:
            raise ValidationError({"steps": _("Step %(n)s has no text.") % {"n": i}})
        if role not in Role.values:
            raise ValidationError({"steps": _("Step %(n)s has no responsible role.") % {"n": i}})
        if not 1 <= minutes <= 60 * 24 * 30:
            raise ValidationError({"steps": _("Step %(n)s needs a time limit from 1 minute to "
                                              "30 days.") % {"n": i}})
        cleaned.append({"order": i, "title": title[:300], "responsible_role": role,
                        "minutes": minutes, "required": bool(step.get("required", True))})
    return cleaned


def plan_save(*, actor: Any, jurisdiction: Jurisdiction, incident_type: str, title: str,
              steps: list[dict[str, Any]], summary: str = "") -> ContingencyPlan:
    """Write a new version of an office's plan for an incident type (the old one is kept)."""
    if incident_type not in IncidentType.values:
        raise ValidationError({"incident_type": _("Choose an incident type.")})
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("A plan needs a title.")})
    cleaned = _clean_steps(steps)
    with transaction.atomic():
        jurisdiction = get_in_scope(Jurisdiction, actor, Action.CONFIGURE, pk=jurisdiction.pk)
        versions = ContingencyPlan.objects.select_for_update().filter(  # scoped-ok: same office
            jurisdiction=jurisdiction, incident_type=incident_type)
        last = versions.aggregate(v=Max("version"))["v"] or 0
        versions.filter(is_current=True).update(is_current=False)
        plan = ContingencyPlan.objects.create(
            incident_type=incident_type, jurisdiction=jurisdiction,
            jurisdiction_code=jurisdiction.code, title=title[:200], summary=summary,
            version=last + 1, created_by=actor if getattr(actor, "pk", None) else None)
        PlanStep.objects.bulk_create([PlanStep(plan=plan, **s) for s in cleaned])
        ensure_in_scope(actor, Action.CONFIGURE, plan)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=plan,
                      after={**snapshot(plan), "steps": cleaned})
    return plan


def plan_for(incident_type: str, code: str) -> ContingencyPlan | None:
    """The current plan of the nearest office above `code` for the type."""
    prefixes = [code[:n] for n in (12, 9, 6, 2) if len(code) >= n]
    plans = {p.jurisdiction_code: p for p in ContingencyPlan.objects.filter(  # scoped-ok: config
        incident_type=incident_type, is_current=True, jurisdiction_code__in=prefixes)}
    for prefix in prefixes:
        if prefix in plans:
            return plans[prefix]
    return None


# -- opening ----------------------------------------------------------------------------------

def incident_places(*, actor: Any) -> QuerySet:
    """The places an incident may be opened at: those the actor sees, and the observation
    hotels housing someone of the actor's area (a street's resident in the district's hotel:
    the hotel's staff must be told, and the incident is theirs to see too)."""
    from frontline.observation.models import Observation, ObservationStatus

    housing = Observation.objects.restrict(actor, Action.VIEW).filter(  # scoped-ok: restrict
        status=ObservationStatus.ACTIVE, hotel__isnull=False).values("hotel_id")
    seen = Place.objects.restrict(actor, Action.VIEW).values("pk")
    return Place.objects.filter(Q(pk__in=seen) | Q(pk__in=housing),  # scoped-ok: see above
                                is_active=True)


def incident_open(*, actor: Any, incident_type: str, severity: int, title: str,
                  description: str, jurisdiction: Jurisdiction, place: Place | None = None,
                  people: list[Any] | None = None, source: str = "") -> Incident:
    """Open an incident: its plan's checklist is copied with due times, the people are linked,
    and whoever must be told for its severity is told."""
    errors = {}
    if incident_type not in IncidentType.values:
        errors["incident_type"] = _("Choose an incident type.")
    if severity not in Severity.values:
        errors["severity"] = _("Choose a level from I to IV.")
    if not (title or "").strip():
        errors["title"] = _("Give the incident a title.")
    if not (description or "").strip():
        errors["description"] = _("Say what happened.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        jurisdiction = get_in_scope(Jurisdiction, actor, Action.VIEW, pk=jurisdiction.pk)
        if place is not None:
            place = incident_places(actor=actor).filter(pk=place.pk).first()
            if place is None:
                raise OutOfScope()
        plan = plan_for(incident_type, jurisdiction.code)
        incident = Incident.objects.create(
            incident_type=incident_type, severity=severity, title=title.strip()[:200],
            description=description.strip(), jurisdiction=jurisdiction,
            jurisdiction_code=jurisdiction.code, place=place, plan=plan, source=source[:60],
            opened_by=actor if getattr(actor, "pk", None) else None)
        ensure_in_scope(actor, Action.CHANGE, incident)
        if plan is not None:
            IncidentStep.objects.bulk_create([IncidentStep(
                **_child(incident), order=s.order, title=s.title,
                responsible_role=s.responsible_role, required=s.required,
                due_at=now + datetime.timedelta(minutes=s.minutes)) for s in plan.steps.all()])
        _timeline(incident, actor, TimelineKind.OPENED, _(
            "%(type)s, %(level)s: %(description)s") % {
            "type": incident.get_incident_type_display(),
            "level": incident.get_severity_display(), "description": incident.description}
            + (_(" Plan: %(plan)s.") % {"plan": plan} if plan else _(" No plan applies.")))
        change_record(actor=actor, action=ChangeAction.CREATE, obj=incident,
                      after=snapshot(incident))
        for person in people or []:
            _link_person(actor, incident, person, "")
        _tell(actor, incident, now)
    return incident


def _duty_role(user: Any, prefixes: list[str]) -> str:
    """The role a person on the duty roster holds at the incident's offices (the first, by
    rank from the city down), for the list of who was told."""
    held = [(len(a.scope_code), a.role) for a in user.active_roles()
            if not a.place_id and a.scope_code in prefixes]
    if held:
        return min(held)[1]
    roles = sorted(a.role for a in user.active_roles())
    return roles[0] if roles else "district_staff"


def _tell(actor: Any, incident: Incident, now: datetime.datetime) -> None:
    """Tell the people the notice rules name for this severity, and track acknowledgement."""
    from frontline.accounts.models import RoleAssignment
    from frontline.notify.services import notify_users

    prefixes = [incident.jurisdiction_code[:n] for n in (2, 6, 9, 12)
                if len(incident.jurisdiction_code) >= n]
    rules = NoticeRule.objects.filter(  # scoped-ok: the offices above the incident
        jurisdiction_code__in=prefixes, max_severity__gte=incident.severity)
    told: dict[int, tuple[Any, str, int]] = {}
    for rule in rules:
        for assignment in RoleAssignment.objects.filter(  # scoped-ok: recipients
                role=rule.role, revoked_at__isnull=True, place__isnull=True,
                scope_code__in=prefixes).select_related("user"):
            user = assignment.user
            if user.is_active and (user.pk not in told or told[user.pk][2] > rule.minutes):
                told[user.pk] = (user, rule.role, rule.minutes)
    # Whoever is on the office's 24-hour duty roster now is told too (the question desk's).
    try:
        from frontline.helpdesk.services import on_duty

        shortest = min((m for _u, _r, m in told.values()), default=30)
        for slot in on_duty(office_code=incident.jurisdiction_code[:6], at=now)[:2]:
            if slot.user.is_active and slot.user.pk not in told:
                told[slot.user.pk] = (slot.user, _duty_role(slot.user, prefixes), shortest)
    except ImportError:  # pragma: no cover - the question desk is not installed
        pass
    for user, role, minutes in told.values():
        IncidentNotice.objects.create(**_child(incident), user=user, role=role,
                                      due_at=now + datetime.timedelta(minutes=minutes))
    if told:
        notify_users(actor=actor, users=[u for u, _r, _m in told.values()],
                     title=_("Incident %(level)s: %(title)s") % {
                         "level": incident.get_severity_display(), "title": incident.title},
                     body=incident.description[:500],
                     url=reverse("incidents:incident_detail", args=[incident.pk]),
                     jurisdiction_code=incident.jurisdiction_code,
                     dedupe_key=f"incident:{incident.pk}")
        names = ", ".join(sorted(_label(u) for u, _r, _m in told.values()))
        _timeline(incident, actor, TimelineKind.NOTICE, _("Told: %(names)s") % {"names": names})


def _open_incident(actor: Any, incident: Incident) -> Incident:
    incident = get_in_scope(Incident, actor, Action.CHANGE, for_update=True, pk=incident.pk)
    if incident.status != IncidentStatus.OPEN:
        raise ValidationError(_("This incident is closed."))
    return incident


def notice_acknowledge(*, actor: Any, incident: Incident) -> IncidentNotice:
    with transaction.atomic():
        incident = get_in_scope(Incident, actor, Action.VIEW, pk=incident.pk)
        notice = IncidentNotice.objects.select_for_update().filter(  # scoped-ok: own notice
            incident=incident, user=actor).first()
        if notice is None:
            raise ValidationError(_("You were not asked to acknowledge this incident."))
        if notice.acknowledged_at is None:
            notice.acknowledged_at = timezone.now()
            notice.save(update_fields=["acknowledged_at"])
            _timeline(incident, actor, TimelineKind.NOTICE, _("Acknowledged."))
            change_record(actor=actor, action=ChangeAction.EVENT, obj=incident,
                          event="incident.acknowledge")
    return notice


# -- working it -------------------------------------------------------------------------------

def step_complete(*, actor: Any, step: IncidentStep, note: str = "",
                  status: str = StepStatus.DONE) -> IncidentStep:
    if status not in (StepStatus.DONE, StepStatus.SKIPPED):
        raise ValidationError({"status": _("A step is done or not applicable.")})
    if status == StepStatus.SKIPPED and not (note or "").strip():
        raise ValidationError({"note": _("Say why the step does not apply.")})
    with transaction.atomic():
        step = get_in_scope(IncidentStep, actor, Action.CHANGE, for_update=True, pk=step.pk)
        incident = _open_incident(actor, step.incident)
        if step.status != StepStatus.OPEN:
            raise ValidationError(_("This step is already closed."))
        before = snapshot(step)
        step.status = status
        step.done_by = actor
        step.done_at = timezone.now()
        step.note = (note or "").strip()[:500]
        step.save()
        late = step.done_at > step.due_at
        _timeline(incident, actor, TimelineKind.STEP, (
            _("Done: %(step)s") if status == StepStatus.DONE else _("Not applicable: %(step)s"))
            % {"step": step.title} + (_(" (late)") if late else "")
            + (f" — {step.note}" if step.note else ""))
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=step, before=before,
                      after=snapshot(step))
    return step


def note_add(*, actor: Any, incident: Incident, text: str) -> TimelineEntry:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the note.")})
    with transaction.atomic():
        incident = _open_incident(actor, incident)
        entry = _timeline(incident, actor, TimelineKind.NOTE, text[:4000])
        change_record(actor=actor, action=ChangeAction.CREATE, obj=entry, after=snapshot(entry))
    return entry


def _link_person(actor: Any, incident: Incident, person: Any, role: str) -> IncidentPerson:
    from frontline.people.models import Person

    person = get_in_scope(Person, actor, Action.VIEW, pk=person.pk)
    try:
        with transaction.atomic():
            link = IncidentPerson.objects.create(**_child(incident), person=person,
                                                 role=role[:100])
    except IntegrityError:
        raise ValidationError(_("This person is already linked.")) from None
    _timeline(incident, actor, TimelineKind.PERSON, f"{person.display_name}"
              + (f" ({role})" if role else ""))
    change_record(actor=actor, action=ChangeAction.CREATE, obj=link, after=snapshot(link))
    return link


def person_link(*, actor: Any, incident: Incident, person: Any, role: str = "") -> IncidentPerson:
    """Link a person of the registry; a person outside the actor's scope is a 404."""
    with transaction.atomic():
        incident = _open_incident(actor, incident)
        return _link_person(actor, incident, person, role)


def liaison_record(*, actor: Any, incident: Incident, contact: Contact, direction: str,
                   channel: str, text: str, at: datetime.datetime | None = None
                   ) -> LiaisonRecord:
    if not (text or "").strip():
        raise ValidationError({"text": _("Write what was said or sent.")})
    if direction not in ("sent", "received"):
        raise ValidationError({"direction": _("Sent or received?")})
    with transaction.atomic():
        incident = _open_incident(actor, incident)
        record = LiaisonRecord.objects.create(
            **_child(incident), contact=contact, direction=direction,
            channel=(channel or "")[:40], text=text.strip(), at=at or timezone.now(),
            recorded_by=actor if getattr(actor, "pk", None) else None)
        _timeline(incident, actor, TimelineKind.LIAISON, (
            _("To %(contact)s by %(channel)s: %(text)s") if direction == "sent" else
            _("From %(contact)s by %(channel)s: %(text)s")) % {
            "contact": contact, "channel": record.channel or "—", "text": record.text[:300]})
        change_record(actor=actor, action=ChangeAction.CREATE, obj=record,
                      after=snapshot(record))
    return record


def contact_save(*, actor: Any, contact: Contact | None = None, **data: Any) -> Contact:
    """Add or edit a directory entry (the office, with the configure right)."""
    if not scope_for(actor, Action.CONFIGURE).codes and not scope_for(
            actor, Action.CONFIGURE).everything:
        raise PermissionDenied(_("Editing the directory needs the right to configure."))
    if not (data.get("name") or "").strip():
        raise ValidationError({"name": _("A contact needs a name.")})
    with transaction.atomic():
        if contact is not None:  # fresh from the database: a form may have changed the object
            contact = Contact.objects.select_for_update().get(pk=contact.pk)
        before = snapshot(contact) if contact is not None else None
        contact = contact or Contact()
        for key, value in data.items():
            setattr(contact, key, value)
        contact.full_clean()
        contact.save()
        change_record(actor=actor, action=ChangeAction.UPDATE if before else ChangeAction.CREATE,
                      obj=contact, before=before, after=snapshot(contact), jurisdiction_code="")
    return contact


# -- information reports ----------------------------------------------------------------------

def report_text(incident: Incident, kind: str) -> str:
    """The report's text from the incident and its timeline (the standard form's sections)."""
    lines = [
        _("Incident: %(title)s") % {"title": incident.title},
        _("Type: %(type)s; level: %(level)s") % {"type": incident.get_incident_type_display(),
                                                 "level": incident.get_severity_display()},
        _("Where: %(where)s") % {"where": f"{incident.jurisdiction.name}"
                                 + (f", {incident.place}" if incident.place_id else "")},
        _("Opened: %(time)s") % {"time": timezone.localtime(incident.opened_at)
                                 .strftime("%Y-%m-%d %H:%M")},
        "",
        _("What happened:"), incident.description, "",
        _("People involved:"),
    ]
    people = list(incident.people.select_related("person"))
    lines += [f"- {p.person.latin_name} ({p.person.nationality.name})"
              + (f", {p.role}" if p.role else "") for p in people] or ["-"]
    lines += ["", _("Actions taken:")]
    for entry in incident.timeline.exclude(kind=TimelineKind.REPORT).order_by("at", "id"):
        lines.append(f"{timezone.localtime(entry.at):%m-%d %H:%M} {entry.actor_label}: {entry.text}")
    open_steps = incident.steps.filter(status=StepStatus.OPEN)
    if kind != ReportKind.FINAL and open_steps.exists():
        lines += ["", _("Next steps:")] + [
            f"- {s.title} ({_('due')} {timezone.localtime(s.due_at):%m-%d %H:%M})"
            for s in open_steps]
    if kind == ReportKind.FINAL:
        lines += ["", _("Result: the incident is closed.") if incident.status == "closed"
                  else _("Result: the handling is complete.")]
    return "\n".join(lines)


def report_draft(*, actor: Any, incident: Incident, kind: str) -> IncidentReport:
    if kind not in ReportKind.values:
        raise ValidationError({"kind": _("Choose the kind of report.")})
    with transaction.atomic():
        incident = get_in_scope(Incident, actor, Action.CHANGE, for_update=True, pk=incident.pk)
        reports = IncidentReport.objects.filter(incident=incident)  # scoped-ok: in scope
        if kind == ReportKind.FIRST and reports.filter(kind=ReportKind.FIRST).exists():
            raise ValidationError({"kind": _("The first report was already written; write a "
                                             "follow-up.")})
        if kind != ReportKind.FIRST and not reports.filter(kind=ReportKind.FIRST).exists():
            raise ValidationError({"kind": _("Write the first report first.")})
        number = (reports.aggregate(n=Max("number"))["n"] or 0) + 1
        report = IncidentReport.objects.create(
            **_child(incident), kind=kind, number=number, text=report_text(incident, kind),
            created_by=actor if getattr(actor, "pk", None) else None)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=report,
                      after=snapshot(report))
    return report


REPORT_MAX_CHARS = 20_000  # an information report of a few pages


def report_edit(*, actor: Any, report: IncidentReport, text: str) -> IncidentReport:
    with transaction.atomic():
        report = get_in_scope(IncidentReport, actor, Action.CHANGE, for_update=True,
                              pk=report.pk)
        if report.status != ReportStatus.DRAFT:
            raise ValidationError(_("An approved report cannot be changed; write a follow-up."))
        if not (text or "").strip():
            raise ValidationError({"text": _("The report is empty.")})
        if len(text.strip()) > REPORT_MAX_CHARS:
            raise ValidationError({"text": _("A report holds at most %(count)s characters.")
                                   % {"count": REPORT_MAX_CHARS}})
        before = snapshot(report)
        report.text = text.strip()
        report.save(update_fields=["text"])
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=report, before=before,
                      after=snapshot(report))
    return report


def report_approve(*, actor: Any, report: IncidentReport) -> IncidentReport:
    """A district office user (the export right) approves; not the one who wrote it."""
    with transaction.atomic():
        report = get_in_scope(IncidentReport, actor, Action.CHANGE, for_update=True,
                              pk=report.pk)
        if not scope_for(actor, Action.EXPORT).covers_code(report.jurisdiction_code[:6]):
            raise PermissionDenied(_("A report is approved by the district office."))
        if report.status != ReportStatus.DRAFT:
            raise ValidationError(_("This report is already approved."))
        if report.created_by_id == getattr(actor, "pk", None):
            raise ValidationError(_("Someone other than its writer approves a report."))
        before = snapshot(report)
        report.status = ReportStatus.APPROVED
        report.approved_by = actor
        report.approved_at = timezone.now()
        report.save()
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=report, before=before,
                      after=snapshot(report))
    return report


def report_send(*, actor: Any, report: IncidentReport, recipients: str) -> IncidentReport:
    """Record that an approved report went to its recipients (a report cannot be sent
    unapproved); the timeline says so."""
    recipients = (recipients or "").strip()
    if not recipients:
        raise ValidationError({"recipients": _("Say whom the report goes to.")})
    with transaction.atomic():
        report = get_in_scope(IncidentReport, actor, Action.CHANGE, for_update=True,
                              pk=report.pk)
        if report.status == ReportStatus.DRAFT:
            raise ValidationError(_("A report cannot be sent before it is approved."))
        if report.status == ReportStatus.SENT:
            raise ValidationError(_("This report was already sent."))
        before = snapshot(report)
        report.status = ReportStatus.SENT
        report.sent_at = timezone.now()
        report.recipients = recipients[:300]
        report.save()
        _timeline(report.incident, actor, TimelineKind.REPORT, _(
            "%(kind)s no. %(n)s sent to %(to)s") % {"kind": report.get_kind_display(),
                                                     "n": report.number, "to": report.recipients})
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=report, before=before,
                      after=snapshot(report))
    return report


# -- public opinion ---------------------------------------------------------------------------

def opinion_record(*, actor: Any, jurisdiction: Jurisdiction, source: str, summary: str,
                   sentiment: str, link: str = "", incident: Incident | None = None
                   ) -> OpinionEntry:
    if not (summary or "").strip() or not (source or "").strip():
        raise ValidationError({"summary": _("Give the source and a summary.")})
    with transaction.atomic():
        jurisdiction = get_in_scope(Jurisdiction, actor, Action.CHANGE, pk=jurisdiction.pk)
        if incident is not None:
            incident = get_in_scope(Incident, actor, Action.CHANGE, pk=incident.pk)
        entry = OpinionEntry(jurisdiction_code=jurisdiction.code, source=source.strip()[:100],
                             link=link, summary=summary.strip(), sentiment=sentiment,
                             incident=incident,
                             created_by=actor if getattr(actor, "pk", None) else None)
        entry.full_clean(exclude=["created_by"])
        entry.save()
        if incident is not None:
            _timeline(incident, actor, TimelineKind.OPINION,
                      f"{entry.source} ({entry.get_sentiment_display()}): {entry.summary[:300]}")
        change_record(actor=actor, action=ChangeAction.CREATE, obj=entry, after=snapshot(entry))
    return entry


def opinion_follow_up(*, actor: Any, entry: OpinionEntry, follow_up: str, handled: bool
                      ) -> OpinionEntry:
    with transaction.atomic():
        entry = get_in_scope(OpinionEntry, actor, Action.CHANGE, for_update=True, pk=entry.pk)
        before = snapshot(entry)
        entry.follow_up = (follow_up or "").strip()
        entry.status = "handled" if handled else "watching"
        entry.save(update_fields=["follow_up", "status"])
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=entry, before=before,
                      after=snapshot(entry))
    return entry


# -- escalation and closing -------------------------------------------------------------------

def steps_escalate(*, now: datetime.datetime | None = None) -> int:
    """Overdue open steps are escalated once: the incident's leaders are told and the
    timeline says so. Run every minute (`manage.py incidents_escalate`)."""
    from frontline.accounts.models import RoleAssignment
    from frontline.notify.services import notify_users

    now = now or timezone.now()
    count = 0
    overdue = (IncidentStep.objects.select_related("incident")  # scoped-ok: system task
               .filter(status=StepStatus.OPEN, due_at__lt=now, escalated_at__isnull=True,
                       incident__status=IncidentStatus.OPEN)[:500])
    for step in overdue:
        with transaction.atomic():
            updated = IncidentStep.objects.filter(  # scoped-ok: claim the step once
                pk=step.pk, escalated_at__isnull=True).update(escalated_at=now)
            if not updated:
                continue
            incident = step.incident
            code = incident.jurisdiction_code
            leaders = [a.user for a in RoleAssignment.objects.filter(  # scoped-ok: recipients
                role__in=["district_leader", "district_staff"], revoked_at__isnull=True,
                scope_code=code[:6]).select_related("user") if a.user.is_active]
            _timeline(incident, None, TimelineKind.ESCALATION, _(
                "Overdue since %(time)s: %(step)s") % {
                "time": timezone.localtime(step.due_at).strftime("%m-%d %H:%M"),
                "step": step.title})
            if leaders:
                notify_users(actor=None, users=leaders, title=_("Overdue incident step"),
                             body=f"{incident.title}: {step.title}",
                             url=reverse("incidents:incident_detail", args=[incident.pk]),
                             jurisdiction_code=code, dedupe_key=f"incident-step:{step.pk}")
            count += 1
    return count


def incident_close(*, actor: Any, incident: Incident, reason: str = "") -> Incident:
    """Close an incident; with required steps still open, only with a reason."""
    reason = (reason or "").strip()
    with transaction.atomic():
        incident = _open_incident(actor, incident)
        open_required = IncidentStep.objects.filter(  # scoped-ok: the incident is in scope
            Q(incident=incident, status=StepStatus.OPEN, required=True))
        if open_required.exists() and not reason:
            raise ValidationError({"reason": _(
                "%(n)s required steps are still open; give a reason to close anyway.")
                % {"n": open_required.count()}})
        before = snapshot(incident)
        incident.status = IncidentStatus.CLOSED
        incident.closed_by = actor
        incident.closed_at = timezone.now()
        incident.close_reason = reason[:300]
        incident.save()
        _timeline(incident, actor, TimelineKind.CLOSED, reason or _("All steps done."))
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=incident, before=before,
                      after=snapshot(incident))
    return incident


def notice_rule_save(*, actor: Any, jurisdiction: Jurisdiction, max_severity: int, role: str,
                     minutes: int) -> NoticeRule:
    from frontline.accounts.roles import Role

    if role not in Role.values or max_severity not in Severity.values or not 1 <= minutes <= 1440:
        raise ValidationError(_("Choose a level, a role and from 1 to 1440 minutes."))
    with transaction.atomic():
        jurisdiction = get_in_scope(Jurisdiction, actor, Action.CONFIGURE, pk=jurisdiction.pk)
        rule = NoticeRule.objects.create(jurisdiction=jurisdiction,
                                         jurisdiction_code=jurisdiction.code,
                                         max_severity=max_severity, role=role, minutes=minutes)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=rule, after=snapshot(rule))
    return rule

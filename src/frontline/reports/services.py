"""Every write of daily figures: figures and report definitions, the snapshot at the cut-off,
confirming or correcting and submitting, approval and locking, unlocking, reminders, the
bulletin, and meetings with action items. One transaction each, audited, scope re-checked."""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.areas.models import Jurisdiction, Level
from frontline.audit.models import ChangeAction
from frontline.audit.services import change_record, snapshot
from frontline.core.models import ensure_in_scope, get_in_scope, scope_for
from frontline.core.permissions import Action
from frontline.reports.computations import COMPUTATIONS, arrivals_by_country, unit_totals
from frontline.reports.models import (
    ActionItem,
    Figure,
    FigureSource,
    Meeting,
    ReportDefinition,
    ReportRun,
    Submission,
    SubmissionStatus,
)

MAX_COUNT = 10_000_000


# -- configuration --------------------------------------------------------------------------

def figure_save(*, actor: Any, jurisdiction: Jurisdiction, key: str, name: str,
                source: str, computation: str = "", name_en: str = "", order: int = 0,
                part_of: Figure | None = None) -> Figure:
    if source == FigureSource.REGISTRY and computation not in COMPUTATIONS:
        raise ValidationError({"computation": _("Choose what the registry counts.")})
    if source == FigureSource.MANUAL:
        computation = ""
    with transaction.atomic():
        jurisdiction = get_in_scope(Jurisdiction, actor, Action.CONFIGURE, pk=jurisdiction.pk)
        figure, created = Figure.objects.get_or_create(  # scoped-ok: the office's own
            jurisdiction=jurisdiction, key=key, defaults={
                "jurisdiction_code": jurisdiction.code, "name": name, "source": source})
        before = None if created else snapshot(figure)
        figure.name, figure.name_en, figure.source = name, name_en, source
        figure.computation, figure.order, figure.part_of = computation, order, part_of
        figure.full_clean(exclude=["jurisdiction"])
        figure.save()
        change_record(actor=actor, action=ChangeAction.CREATE if created else ChangeAction.UPDATE,
                      obj=figure, before=before, after=snapshot(figure))
    return figure


def definition_save(*, actor: Any, jurisdiction: Jurisdiction, name: str, figures: list[Figure],
                    cutoff: datetime.time, deadline: datetime.time, reminders: list[str],
                    recipients: str = "", definition: ReportDefinition | None = None
                    ) -> ReportDefinition:
    if deadline <= cutoff:
        raise ValidationError({"deadline": _("The deadline must come after the snapshot.")})
    for value in reminders:
        try:
            moment = datetime.time.fromisoformat(value)
        except ValueError:
            raise ValidationError({"reminders": _("“%(value)s” is not a time like 10:00.")
                                   % {"value": value}}) from None
        if not cutoff <= moment <= deadline:
            raise ValidationError({"reminders": _("Reminders fall between the snapshot and the "
                                                  "deadline.")})
    with transaction.atomic():
        jurisdiction = get_in_scope(Jurisdiction, actor, Action.CONFIGURE, pk=jurisdiction.pk)
        before = snapshot(definition) if definition else None
        definition = definition or ReportDefinition(jurisdiction=jurisdiction,
                                                    jurisdiction_code=jurisdiction.code)
        definition.name, definition.cutoff, definition.deadline = name, cutoff, deadline
        definition.reminders = sorted(set(reminders))
        definition.recipients = recipients
        definition.save()
        definition.figures.set(figures)
        ensure_in_scope(actor, Action.CONFIGURE, definition)
        change_record(actor=actor, action=ChangeAction.UPDATE if before else ChangeAction.CREATE,
                      obj=definition, before=before,
                      after={**snapshot(definition), "figures": [f.key for f in figures]})
    return definition


# -- the snapshot ---------------------------------------------------------------------------

def _at(day: datetime.date, moment: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, moment),
                               timezone.get_default_timezone())


def _units(root: str) -> list[Jurisdiction]:
    from frontline.core.models import code_prefix_q

    return list(Jurisdiction.objects.filter(  # scoped-ok: the definition's own units
        code_prefix_q("code", root), level__in=[Level.STREET, Level.COMMUNITY], is_active=True)
        .only("id", "code", "level"))


def run_snapshot(*, definition: ReportDefinition, day: datetime.date) -> ReportRun:
    """Compute every registry figure for every unit under the office, and open the period.

    Idempotent: a run already computed is returned as it is (a snapshot is taken once)."""
    started = time.perf_counter()
    with transaction.atomic():
        run, created = ReportRun.objects.get_or_create(  # scoped-ok: the system task
            definition=definition, period_date=day, defaults={
                "jurisdiction_code": definition.jurisdiction_code,
                "cutoff_at": _at(day, definition.cutoff),
                "deadline_at": _at(day, definition.deadline)})
        if run.computed_at is not None:
            return run
        root = definition.jurisdiction_code
        units = _units(root)
        codes = [u.code for u in units]
        figures = list(definition.figures.filter(is_active=True))
        computed: dict[str, dict[str, int]] = {code: {} for code in codes}
        cache: dict = {}  # grouped queries shared between figures
        for figure in figures:
            if figure.source != FigureSource.REGISTRY:
                continue
            totals = unit_totals(COMPUTATIONS[figure.computation][1](root, day, cache), codes)
            for code, n in totals.items():
                computed[code][figure.key] = n
        countries = arrivals_by_country(root, day, cache)
        unit_countries: dict[str, dict[str, int]] = {code: {} for code in codes}
        overall: dict[str, int] = {}
        for code, per_country in countries.items():
            for unit in (code[:9], code[:12]):
                if unit in unit_countries and len(unit) <= len(code):
                    for country, n in per_country.items():
                        unit_countries[unit][country] = unit_countries[unit].get(country, 0) + n
            for country, n in per_country.items():
                overall[country] = overall.get(country, 0) + n
        Submission.objects.bulk_create([Submission(
            run=run, jurisdiction=unit, jurisdiction_code=unit.code, level=unit.level,
            computed=computed[unit.code], values=dict(computed[unit.code]),
            by_country=unit_countries[unit.code]) for unit in units], batch_size=2000)
        run.computed_at = timezone.now()
        run.compute_seconds = round(time.perf_counter() - started, 3)
        run.by_country = overall
        run.save(update_fields=["computed_at", "compute_seconds", "by_country"])
        change_record(actor=None, action=ChangeAction.EVENT, obj=run, event="reports.snapshot",
                      after={"units": len(units), "figures": [f.key for f in figures],
                             "seconds": run.compute_seconds})
    return run


def snapshots_due(*, now: datetime.datetime | None = None) -> list[ReportRun]:
    """Take today's snapshot of every active definition whose cut-off has passed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    runs = []
    for definition in ReportDefinition.objects.filter(is_active=True):  # scoped-ok: system
        if now >= _at(today, definition.cutoff):
            runs.append(run_snapshot(definition=definition, day=today))
    return runs


# -- submitting -----------------------------------------------------------------------------

def _clean_values(submission: Submission, values: dict[str, Any], comments: dict[str, str]
                  ) -> tuple[dict[str, int], dict[str, str]]:
    figures = {f.key: f for f in submission.run.definition.figures.filter(is_active=True)}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, int] = {}
    for key, figure in figures.items():
        raw = values.get(key, submission.values.get(key))
        text = str(raw).strip() if raw is not None else ""
        if text == "":
            errors.setdefault(key, []).append(_("“%(figure)s” is required.")
                                               % {"figure": figure.name})
            continue
        if not text.isdigit():
            errors.setdefault(key, []).append(
                _("“%(figure)s” must be a whole number of zero or more, not “%(value)s”.")
                % {"figure": figure.name, "value": text[:20]})
            continue
        number = int(text)
        if number > MAX_COUNT:
            errors.setdefault(key, []).append(_("“%(figure)s” is implausibly large.")
                                               % {"figure": figure.name})
            continue
        cleaned[key] = number
    for key, figure in figures.items():
        total = figure.part_of
        if total is not None and key in cleaned and total.key in cleaned \
                and cleaned[key] > cleaned[total.key]:
            errors.setdefault(key, []).append(
                _("“%(part)s” (%(a)s) cannot be larger than “%(total)s” (%(b)s).") % {
                    "part": figure.name, "a": cleaned[key], "total": total.name,
                    "b": cleaned[total.key]})
    clean_comments = {k: str(v).strip()[:300] for k, v in (comments or {}).items()
                      if k in figures and str(v).strip()}
    for key, number in cleaned.items():
        if key in submission.computed and number != submission.computed[key] \
                and key not in clean_comments:
            errors.setdefault(key, []).append(
                _("“%(figure)s” differs from the registry (%(n)s): say why in a comment.")
                % {"figure": figures[key].name, "n": submission.computed[key]})
    if errors:
        raise ValidationError(errors)
    return cleaned, clean_comments


def submission_save(*, actor: Any, submission: Submission, values: dict[str, Any],
                    comments: dict[str, str] | None = None, submit: bool = False,
                    expected_version: int | None = None) -> Submission:
    """Confirm or correct a unit's figures, and submit them (to the minute: on time or late).

    After approval the submission is locked: the district office must unlock it first.
    Figures changed after submission without submitting them again are no longer submitted:
    the street reviews what was submitted, so a change is submitted (and timed) again."""
    with transaction.atomic():
        submission = get_in_scope(Submission, actor, Action.CHANGE, for_update=True,
                                  pk=submission.pk)
        if submission.status == SubmissionStatus.APPROVED:
            raise ValidationError(_("These figures are approved and locked; ask the district "
                                    "office to unlock them."))
        if expected_version is not None and expected_version != submission.version:
            raise ValidationError(_("Someone else changed these figures meanwhile; reload."))
        cleaned, clean_comments = _clean_values(submission, values, comments or {})
        before = snapshot(submission)
        changed = cleaned != submission.values or clean_comments != submission.comments
        submission.values = cleaned
        submission.comments = clean_comments
        if not submit and changed and submission.status == SubmissionStatus.SUBMITTED:
            submission.status = SubmissionStatus.PENDING
        if submit:
            now = timezone.now()
            submission.status = SubmissionStatus.SUBMITTED
            submission.submitted_at = now
            submission.submitted_by = actor
            if submission.on_time is None:  # the first submission decides on time or late
                submission.on_time = now <= submission.run.deadline_at
        submission.version = F("version") + 1
        submission.save()
        submission.refresh_from_db()
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=submission, before=before,
                      after=snapshot(submission), event="reports.submit" if submit else "")
    return submission


def _approver_ok(actor: Any, submission: Submission) -> None:
    """A community is approved by its street (or above), a street by its district."""
    parent = submission.jurisdiction_code[:9] if submission.level == Level.COMMUNITY else \
        submission.jurisdiction_code[:6]
    if not scope_for(actor, Action.CHANGE).covers_code(parent):
        raise PermissionDenied(_("A community's figures are approved by its street, a "
                                 "street's by the district office."))


def submission_approve(*, actor: Any, submission: Submission) -> Submission:
    with transaction.atomic():
        submission = get_in_scope(Submission, actor, Action.CHANGE, for_update=True,
                                  pk=submission.pk)
        _approver_ok(actor, submission)
        if submission.status != SubmissionStatus.SUBMITTED:
            raise ValidationError(_("Only submitted figures can be approved."))
        before = snapshot(submission)
        submission.status = SubmissionStatus.APPROVED
        submission.approved_at = timezone.now()
        submission.approved_by = actor
        submission.save()
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=submission, before=before,
                      after=snapshot(submission), event="reports.approve")
    return submission


def submission_unlock(*, actor: Any, submission: Submission, reason: str) -> Submission:
    """The district office reopens approved figures for a late correction (audited)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the figures are unlocked.")})
    with transaction.atomic():
        submission = get_in_scope(Submission, actor, Action.CONFIGURE, for_update=True,
                                  pk=submission.pk)
        if submission.status != SubmissionStatus.APPROVED:
            raise ValidationError(_("Only approved figures are locked."))
        before = snapshot(submission)
        submission.status = SubmissionStatus.SUBMITTED
        submission.unlocked_at = timezone.now()
        submission.unlocked_by = actor
        submission.unlock_reason = reason[:300]
        submission.approved_at = None
        submission.approved_by = None
        submission.save()
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=submission, before=before,
                      after=snapshot(submission), event="reports.unlock")
    return submission


def rollup(submission: Submission) -> dict[str, int]:
    """The sum of the communities' current figures under a street (for the street's form)."""
    totals: dict[str, int] = {}
    for child in Submission.objects.filter(  # scoped-ok: the street's own communities
            run_id=submission.run_id, level=Level.COMMUNITY,
            jurisdiction_code__startswith=submission.jurisdiction_code):
        for key, n in child.values.items():
            totals[key] = totals.get(key, 0) + int(n)
    return totals


# -- reminders ------------------------------------------------------------------------------

def reminders_send(*, now: datetime.datetime | None = None) -> int:
    """At each reminder time, tell the units that have not submitted (and only them)."""
    from frontline.accounts.models import RoleAssignment
    from frontline.notify.services import notify_users

    now = now or timezone.now()
    sent = 0
    for run in ReportRun.objects.filter(  # scoped-ok: system task
            computed_at__isnull=False, deadline_at__gt=now - datetime.timedelta(hours=12)
            ).select_related("definition"):
        for moment in run.definition.reminders:
            if moment in run.reminders_sent or now < _at(run.period_date,
                                                           datetime.time.fromisoformat(moment)):
                continue
            pending = {s.jurisdiction_code: s for s in run.submissions.filter(
                status=SubmissionStatus.PENDING)}
            roles = RoleAssignment.objects.filter(  # scoped-ok: recipients
                scope_code__in=list(pending), revoked_at__isnull=True,
                role__in=["street_staff", "community_worker"]).select_related("user")
            for role in roles:
                left = run.deadline_at - now
                minutes = max(int(left.total_seconds() // 60), 0)
                notify_users(actor=None, users=[role.user], title=_(
                    "Daily figures not submitted: %(minutes)s minutes left") % {"minutes": minutes},
                    body=_("%(report)s of %(date)s is due at %(time)s.") % {
                        "report": run.definition.name, "date": run.period_date,
                        "time": timezone.localtime(run.deadline_at).strftime("%H:%M")},
                    url=reverse("reports:submission", args=[pending[role.scope_code].pk]),
                    jurisdiction_code=role.scope_code,
                    dedupe_key=f"reports-remind:{run.pk}:{moment}:{role.scope_code}")
                sent += 1
            run.reminders_sent = [*run.reminders_sent, moment]
            ReportRun.objects.filter(pk=run.pk).update(  # scoped-ok: system task
                reminders_sent=run.reminders_sent)
    return sent


# -- meetings and action items --------------------------------------------------------------

def meeting_create(*, actor: Any, jurisdiction: Jurisdiction, kind: str, title: str,
                   held_at: datetime.datetime, notes: str = "", decisions: str = "") -> Meeting:
    if not (title or "").strip():
        raise ValidationError({"title": _("Give the meeting a title.")})
    with transaction.atomic():
        jurisdiction = get_in_scope(Jurisdiction, actor, Action.CHANGE, pk=jurisdiction.pk)
        meeting = Meeting.objects.create(
            jurisdiction=jurisdiction, jurisdiction_code=jurisdiction.code, kind=kind,
            title=title.strip()[:200], held_at=held_at, notes=notes, decisions=decisions,
            created_by=actor if getattr(actor, "pk", None) else None)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=meeting,
                      after=snapshot(meeting))
    return meeting


def action_item_add(*, actor: Any, meeting: Meeting, text: str, owner: Any,
                    due_at: datetime.datetime) -> ActionItem:
    if not (text or "").strip():
        raise ValidationError({"text": _("Say what is to be done.")})
    with transaction.atomic():
        meeting = get_in_scope(Meeting, actor, Action.CHANGE, pk=meeting.pk)
        item = ActionItem.objects.create(meeting=meeting, jurisdiction_code=meeting.jurisdiction_code,
                                         text=text.strip()[:300], owner=owner, due_at=due_at)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=item, after=snapshot(item))
    if getattr(owner, "pk", None):
        from frontline.notify.services import notify_users

        notify_users(actor=actor, users=[owner], title=_("Action item for you"),
                     body=f"{item.text} ({timezone.localtime(due_at):%m-%d %H:%M})",
                     url=reverse("reports:meeting_detail", args=[meeting.pk]),
                     jurisdiction_code=meeting.jurisdiction_code, dedupe_key=f"action:{item.pk}")
    return item


def action_item_done(*, actor: Any, item: ActionItem, note: str = "") -> ActionItem:
    with transaction.atomic():
        item = get_in_scope(ActionItem, actor, Action.CHANGE, for_update=True, pk=item.pk)
        if item.done_at is not None:
            raise ValidationError(_("This action item is already done."))
        before = snapshot(item)
        item.done_at = timezone.now()
        item.done_note = (note or "").strip()[:300]
        item.save()
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=item, before=before,
                      after=snapshot(item))
    return item


def recipients_of(definition: ReportDefinition) -> list[str]:
    from django.core.validators import validate_email

    result = []
    for line in (definition.recipients or "").split():
        try:
            validate_email(line)
        except ValidationError:
            continue
        result.append(line)
    return result

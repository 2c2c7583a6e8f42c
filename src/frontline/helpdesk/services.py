"""Every write of the question desk: asking, routing to whoever is on duty, answers and
clarifications, closing, escalation when a timer runs out, and the duty roster. One
transaction each, audited; notifications go through the notify outbox in the same
transaction."""

from __future__ import annotations

import datetime
import os
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.areas.models import Jurisdiction, Level, Place
from frontline.audit.models import ChangeAction
from frontline.audit.services import change_record, snapshot
from frontline.core.models import OutOfScope, ensure_in_scope, get_in_scope, scope_for
from frontline.core.permissions import Action
from frontline.helpdesk.attachments import check_attachment
from frontline.helpdesk.models import (
    TIMERS,
    Attachment,
    DutyPosition,
    DutySlot,
    Question,
    QuestionStatus,
    Reply,
    ReplyKind,
    Urgency,
)

MAX_LEVEL = 2  # 0: on duty, 1: next on duty, 2: the leader


def office_code_of(code: str) -> str:
    """The district office that answers questions from `code` (the first six digits)."""
    return code[:6] if len(code) >= 6 else code


# -- the duty roster ---------------------------------------------------------------------------

_POSITION_ORDER = Case(When(position=DutyPosition.PRIMARY, then=Value(0)),
                       When(position=DutyPosition.BACKUP, then=Value(1)),
                       default=Value(2), output_field=IntegerField())


def on_duty(*, office_code: str, at: datetime.datetime) -> list[DutySlot]:
    """The shifts covering `at` in an office, primary first, then backup, then leader."""
    return list(DutySlot.objects.filter(jurisdiction_code=office_code, starts_at__lte=at,
                                        ends_at__gt=at)
                .annotate(order=_POSITION_ORDER).order_by("order", "starts_at", "id")
                .select_related("user"))


def _leaders(office_code: str) -> list[Any]:
    from frontline.accounts.models import RoleAssignment
    from frontline.accounts.roles import Role

    return [r.user for r in RoleAssignment.objects.filter(
        role=Role.DISTRICT_LEADER, scope_code=office_code, revoked_at__isnull=True,
        user__is_active=True).select_related("user").order_by("user_id")]


def route(*, office_code: str, level: int, at: datetime.datetime, exclude: Any = None) -> Any:
    """Who answers at an escalation level: level 0 the person on duty, level 1 the next person
    (a backup, else another person on duty), level 2 the leader on duty (else a district
    leader). None when nobody is found."""
    slots = on_duty(office_code=office_code, at=at)
    by_position = {p: [s.user for s in slots if s.position == p] for p in DutyPosition.values}
    exclude_id = getattr(exclude, "pk", None)
    if level == 0:
        candidates = by_position[DutyPosition.PRIMARY] + by_position[DutyPosition.BACKUP]
    elif level == 1:
        candidates = by_position[DutyPosition.BACKUP] + by_position[DutyPosition.PRIMARY]
    else:
        candidates = by_position[DutyPosition.LEADER] + _leaders(office_code)
    for user in candidates:
        if user.is_active and user.pk != exclude_id:
            return user
    return candidates[0] if candidates else None


def duty_slot_create(*, actor: Any, jurisdiction: Jurisdiction, user: Any, position: str,
                     starts_at: datetime.datetime, ends_at: datetime.datetime) -> DutySlot:
    """Put a staff member on the office's duty roster. The person must be able to see the
    office's questions."""
    if not scope_for(actor, Action.CONFIGURE).covers_code(jurisdiction.code):
        raise OutOfScope()
    errors = {}
    if position not in DutyPosition.values:
        errors["position"] = _("Choose a position.")
    if ends_at <= starts_at:
        errors["ends_at"] = _("A shift must end after it starts.")
    elif ends_at - starts_at > datetime.timedelta(hours=24):
        errors["ends_at"] = _("A shift lasts at most 24 hours.")
    if not user.is_active or not user.scope_for(Action.VIEW).covers_code(jurisdiction.code):
        errors["user"] = _("%(user)s cannot see this office's questions.") % {"user": user}
    if jurisdiction.level not in (Level.DISTRICT, Level.CITY):
        errors["jurisdiction"] = _("The roster belongs to a district or city office.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        slot = DutySlot.objects.create(jurisdiction=jurisdiction,
                                       jurisdiction_code=jurisdiction.code, user=user,
                                       position=position, starts_at=starts_at, ends_at=ends_at,
                                       created_by=actor)
        ensure_in_scope(actor, Action.CONFIGURE, slot)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=slot, after=snapshot(slot))
    return slot


def duty_slot_delete(*, actor: Any, slot: DutySlot) -> None:
    with transaction.atomic():
        slot = get_in_scope(DutySlot, actor, Action.CONFIGURE, pk=slot.pk, for_update=True)
        change_record(actor=actor, action=ChangeAction.DELETE, obj=slot, before=snapshot(slot))
        slot.delete()


# -- asking ------------------------------------------------------------------------------------

def _notify(actor: Any, users: list[Any], question: Question, title: str, key: str) -> None:
    from frontline.notify.services import notify_users

    users = [u for u in users if u is not None]
    if not users:
        return
    notify_users(actor=actor, users=users, title=title, body=question.text[:300],
                 url=reverse("helpdesk:question_detail", kwargs={"pk": question.pk}),
                 jurisdiction_code=question.office_code,
                 dedupe_key=f"helpdesk:{question.pk}:{key}")


def _event(question: Question, text: str) -> None:
    Reply.objects.create(question=question, kind=ReplyKind.EVENT, text=text)


def _check_where(actor: Any, place: Place | None, jurisdiction: Jurisdiction | None
                 ) -> tuple[Place | None, str]:
    scope = scope_for(actor, Action.VIEW)
    if place is not None:
        if not (scope.covers_place(place.pk) or scope.covers_code(place.jurisdiction_code)):
            raise OutOfScope()
        return place, place.jurisdiction_code
    if jurisdiction is not None:
        if not scope.covers_code(jurisdiction.code):
            raise OutOfScope()
        return None, jurisdiction.code
    raise ValidationError({"where": _("Say where you are asking from.")})


def question_ask(*, actor: Any, text: str, urgency: str = Urgency.NORMAL,
                 place: Place | None = None, jurisdiction: Jurisdiction | None = None,
                 person: Any = None, files: list[tuple[str, bytes]] = ()) -> Question:
    """Ask the office a question from a place or jurisdiction of one's own; it goes to
    whoever is on duty, with a timer by urgency. A person outside the asker's scope is 404."""
    from frontline.people.models import Person

    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the question.")})
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Choose the urgency.")})
    place, code = _check_where(actor, place, jurisdiction)
    if person is not None:
        person = get_in_scope(Person, actor, Action.VIEW, pk=person.pk)
    checked = [(name, content, check_attachment(name, content)) for name, content in files]
    now = timezone.now()
    with transaction.atomic():
        question = Question(text=text, urgency=urgency, asked_by=actor, place=place,
                            jurisdiction_code=code, office_code=office_code_of(code),
                            person=person, due_at=now + TIMERS[Urgency(urgency)])
        question.assignee = route(office_code=question.office_code, level=0, at=now)
        question.save()
        for name, content, kind in checked:
            extension = os.path.splitext(name)[1].lower()
            attachment = Attachment(question=question, name=name[:200], content_type=kind,
                                    size=len(content), uploaded_by=actor)
            attachment.file.save(f"{uuid.uuid4().hex}{extension}", ContentFile(content),
                                 save=True)
        ensure_in_scope(actor, Action.VIEW, question)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=question,
                      after=snapshot(question))
        if question.assignee is not None:
            _event(question, _("Sent to %(user)s (on duty).") % {"user": question.assignee})
        else:
            _event(question, _("Nobody is on the duty roster now."))
        _notify(actor, [question.assignee], question,
                _("Question from the front line (%(urgency)s)")
                % {"urgency": question.get_urgency_display()}, "asked")
    return question


def is_office_side(actor: Any, question: Question) -> bool:
    """Whether the actor answers for the office (sees all of the office's district)."""
    return scope_for(actor, Action.VIEW).covers_code(question.office_code)


def question_reply(*, actor: Any, question: Question, text: str) -> Reply:
    """Add to the thread: the office's answer, or a clarification from the front line (which
    reopens the question and restarts its timer)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a reply.")})
    now = timezone.now()
    with transaction.atomic():
        question = get_in_scope(Question, actor, Action.VIEW, pk=question.pk, for_update=True)
        if question.status == QuestionStatus.CLOSED:
            raise ValidationError(_("The question is closed."))
        before = snapshot(question)
        office = is_office_side(actor, question)
        kind = ReplyKind.ANSWER if office else ReplyKind.CLARIFICATION
        reply = Reply.objects.create(question=question, kind=kind, author=actor, text=text)
        if office:
            question.status = QuestionStatus.ANSWERED
            question.first_answered_at = question.first_answered_at or now
            question.due_at = None
            if question.assignee_id is None:
                question.assignee = actor
            _notify(actor, [question.asked_by], question, _("Your question was answered"),
                    f"answer:{reply.pk}")
        else:
            question.status = QuestionStatus.OPEN
            question.due_at = now + TIMERS[Urgency(question.urgency)]
            _notify(actor, [question.assignee], question, _("A question has a clarification"),
                    f"clarification:{reply.pk}")
        question.save(update_fields=["status", "first_answered_at", "due_at", "assignee"])
        change_record(actor=actor, action=ChangeAction.EVENT, event=kind, obj=question,
                      before=before, after=snapshot(question))
    return reply


def question_close(*, actor: Any, question: Question) -> Question:
    """Close a question (the asker or the office)."""
    with transaction.atomic():
        question = get_in_scope(Question, actor, Action.VIEW, pk=question.pk, for_update=True)
        if question.status == QuestionStatus.CLOSED:
            raise ValidationError(_("The question is closed."))
        if question.asked_by_id != actor.pk and not is_office_side(actor, question):
            raise PermissionDenied
        before = snapshot(question)
        question.status, question.closed_at, question.closed_by = (
            QuestionStatus.CLOSED, timezone.now(), actor)
        question.due_at = None
        question.save(update_fields=["status", "closed_at", "closed_by", "due_at"])
        change_record(actor=actor, action=ChangeAction.EVENT, event="closed", obj=question,
                      before=before, after=snapshot(question))
    return question


def questions_escalate(*, now: datetime.datetime | None = None) -> int:
    """Move every question whose timer ran out to the next person, then to a leader, and
    notify them. Run every minute (a periodic task or `manage.py helpdesk_escalate`)."""
    now = now or timezone.now()
    moved = 0
    due = list(Question.objects.filter(  # scoped-ok: the system's own periodic work
        status=QuestionStatus.OPEN, due_at__lte=now).values_list("pk", flat=True)[:500])
    for pk in due:
        with transaction.atomic():
            question = Question.objects.select_for_update().filter(  # scoped-ok: system work
                pk=pk, status=QuestionStatus.OPEN, due_at__lte=now).first()
            if question is None:
                continue
            before = snapshot(question)
            question.breaches += 1
            question.level = min(question.level + 1, MAX_LEVEL)
            previous = question.assignee
            question.assignee = route(office_code=question.office_code, level=question.level,
                                      at=now, exclude=previous) or previous
            question.due_at = (now + TIMERS[Urgency(question.urgency)]
                               if question.level < MAX_LEVEL else None)
            question.save(update_fields=["breaches", "level", "assignee", "due_at"])
            change_record(actor=None, action=ChangeAction.EVENT, event="escalated",
                          obj=question, before=before, after=snapshot(question))
            who = question.assignee or _("nobody")
            _event(question, _("Not answered in time: sent to %(user)s.") % {"user": who})
            _notify(None, [question.assignee], question,
                    _("Escalated question: not answered in time"), f"escalated:{question.level}:"
                    f"{question.breaches}")
            moved += 1
    return moved


def attachment_add(*, actor: Any, question: Question, name: str, content: bytes) -> Attachment:
    """Attach an image or PDF to a question in one's scope, checked by its content."""
    kind = check_attachment(name, content)
    with transaction.atomic():
        question = get_in_scope(Question, actor, Action.VIEW, pk=question.pk)
        if question.status == QuestionStatus.CLOSED:
            raise ValidationError(_("The question is closed."))
        extension = os.path.splitext(name)[1].lower()
        attachment = Attachment(question=question, name=name[:200], content_type=kind,
                                size=len(content), uploaded_by=actor)
        attachment.file.save(f"{uuid.uuid4().hex}{extension}", ContentFile(content), save=True)
        change_record(actor=actor, action=ChangeAction.EVENT, event="attachment", obj=question,
                      after={"attachment": attachment.name, "size": attachment.size})
    return attachment

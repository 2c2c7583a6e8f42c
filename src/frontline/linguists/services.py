"""Every write of the language talent pool: members and their languages, posts, needs, offers,
shifts, requests from the front line and remote interpreting.

Booking a member (accepting an offer, a direct assignment) locks the need row and then the
member row inside one transaction, in that order everywhere, so two accepts at the same
moment are serialised: the first fills the need, the second is refused with a clear message.
On PostgreSQL an exclusion constraint refuses an overlapping shift even from outside these
services; on SQLite the IMMEDIATE write transaction serialises the writers.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from frontline.areas.models import Jurisdiction, Level, Place
from frontline.audit.models import ChangeAction
from frontline.audit.services import change_record, snapshot
from frontline.core.models import OutOfScope, ensure_in_scope, scope_for
from frontline.core.permissions import Action
from frontline.linguists.models import (
    ACTIVE_SHIFT,
    LEVEL_MAX,
    LEVEL_MIN,
    SKILLS,
    Availability,
    CallLog,
    Certificate,
    CertificateKind,
    Language,
    Linguist,
    LinguistLanguage,
    MemberStatus,
    Need,
    NeedStatus,
    Offer,
    OfferStatus,
    Post,
    PostKind,
    RemoteAssignment,
    RequestStatus,
    Shift,
    ShiftStatus,
    SpeakerRequest,
    Unavailability,
)

MEMBER_FIELDS = {"name", "kind", "unit", "department", "phone", "email", "status",
                 "interpreting", "translating", "proofreading", "notes", "user"}
MAX_WINDOW = datetime.timedelta(days=7)


# -- helpers ----------------------------------------------------------------------------------

def _check_code(actor: Any, action: Action, code: str) -> None:
    if not scope_for(actor, action).covers_code(code):
        raise OutOfScope()


def _check_level(value: Any, field: str, *, allow_zero: bool = False) -> int:
    low = 0 if allow_zero else LEVEL_MIN
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= LEVEL_MAX:
        raise ValidationError({field: _("A level goes from %(low)s to %(high)s; %(value)s is "
                                        "outside the scale.")
                               % {"low": low, "high": LEVEL_MAX, "value": value}})
    return number


def _check_language(code: str, field: str = "language") -> str:
    if code not in Language.values:
        raise ValidationError({field: _("“%(code)s” is not a language of the pool.")
                               % {"code": code}})
    return code


def _check_window(starts_at: datetime.datetime, ends_at: datetime.datetime) -> None:
    if starts_at is None or ends_at is None:
        raise ValidationError({"starts_at": _("A time window needs a start and an end.")})
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationError({"starts_at": _("Times must carry a time zone.")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": pgettext("linguist", "The end must be after the start.")})
    if ends_at - starts_at > MAX_WINDOW:
        raise ValidationError({"ends_at": _("A time window cannot be longer than seven days.")})


def _is_own(actor: Any, linguist: Linguist) -> bool:
    return bool(getattr(actor, "pk", None)) and linguist.user_id == actor.pk


def _need_url(need: Need) -> str:
    return reverse("linguists:need_detail", kwargs={"pk": need.pk})


def _notify_member(*, actor: Any, linguist: Linguist, title: str, body: str, url: str,
                   jurisdiction_code: str, dedupe_key: str) -> None:
    """Tell a member through notify: in-app and e-mail for an account, else e-mail only."""
    from frontline.notify.models import Channel
    from frontline.notify.services import message_send, notify_users

    if linguist.user_id and linguist.user.is_active:
        channels = [Channel.IN_APP] + ([Channel.EMAIL] if linguist.user.email else [])
        notify_users(actor=actor, users=[linguist.user], title=title, body=body, url=url,
                     channels=channels, jurisdiction_code=jurisdiction_code,
                     dedupe_key=dedupe_key)
    elif linguist.email:
        message_send(actor=actor, channel=Channel.EMAIL, email=linguist.email, subject=title,
                     body=body, url=url, jurisdiction_code=jurisdiction_code,
                     dedupe_key=f"{dedupe_key}:email")


def _notify_chat(*, actor: Any, code: str, text: str, url: str, dedupe_key: str) -> None:
    """Post to the chat groups (robots) filed exactly under `code`, if there are any."""
    from frontline.notify.selectors import webhook_list
    from frontline.notify.services import notify_chat_group

    if not getattr(actor, "pk", None):
        return
    for webhook in webhook_list(actor=actor, active_only=True, action=Action.VIEW).filter(
            jurisdiction_code=code):
        notify_chat_group(actor=actor, webhook=webhook, text=text, url=url,
                          jurisdiction_code=code, dedupe_key=f"{dedupe_key}:chat:{webhook.pk}")


def _when(need_or_shift: Any) -> str:
    start = timezone.localtime(need_or_shift.starts_at)
    end = timezone.localtime(need_or_shift.ends_at)
    return f"{start:%Y-%m-%d %H:%M}–{end:%m-%d %H:%M}"


# -- members ----------------------------------------------------------------------------------

def _clean_member(actor: Any, linguist: Linguist) -> None:
    unit = linguist.unit
    if unit.level not in (Level.DISTRICT, Level.STREET):
        raise ValidationError({"unit": _("A member belongs to a district or a street.")})
    _check_code(actor, Action.CHANGE, unit.code)
    linguist.jurisdiction_code = unit.code
    linguist.name = (linguist.name or "").strip()
    if not linguist.name:
        raise ValidationError({"name": _("The name is required.")})
    linguist.full_clean(exclude=["jurisdiction_code", "user"])


def linguist_create(*, actor: Any, languages: list[dict[str, Any]] | None = None,
                    **data: Any) -> Linguist:
    """Add a member to the pool, with their languages (each a dict of language and levels)."""
    unknown = set(data) - MEMBER_FIELDS
    if unknown:
        raise TypeError(f"unknown member fields {sorted(unknown)}")
    with transaction.atomic():
        linguist = Linguist(**data)
        _clean_member(actor, linguist)
        try:
            with transaction.atomic():
                linguist.save()
        except IntegrityError:
            raise ValidationError({"user": _("This account already belongs to a member.")}
                                  ) from None
        change_record(actor=actor, action=ChangeAction.CREATE, obj=linguist,
                      after=snapshot(linguist))
        for entry in languages or []:
            language_set(actor=actor, linguist=linguist, **entry)
        ensure_in_scope(actor, Action.CHANGE, linguist)
    return linguist


def linguist_update(*, actor: Any, linguist: Linguist, **data: Any) -> Linguist:
    unknown = set(data) - MEMBER_FIELDS
    if unknown:
        raise TypeError(f"unknown member fields {sorted(unknown)}")
    with transaction.atomic():
        linguist = _member_for_change(actor, linguist)
        before = snapshot(linguist)
        for key, value in data.items():
            setattr(linguist, key, value)
        _clean_member(actor, linguist)
        try:
            with transaction.atomic():
                linguist.save()
        except IntegrityError:
            raise ValidationError({"user": _("This account already belongs to a member.")}
                                  ) from None
        LinguistLanguage.objects.filter(linguist=linguist).update(
            jurisdiction_code=linguist.jurisdiction_code)
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=linguist, before=before,
                      after=snapshot(linguist))
        ensure_in_scope(actor, Action.CHANGE, linguist)
    return linguist


def _member_for_change(actor: Any, linguist: Linguist) -> Linguist:
    """The member, re-read inside the transaction with a row lock; 404 outside the scope."""
    try:
        return Linguist.objects.restrict(actor, Action.CHANGE).select_for_update().get(
            pk=linguist.pk)
    except Linguist.DoesNotExist:
        raise OutOfScope() from None


def language_set(*, actor: Any, linguist: Linguist, language: str, listening: Any,
                 speaking: Any, reading: Any, writing: Any,
                 in_reserve_pool: bool = False) -> LinguistLanguage:
    """Add a language to a member or change its levels (each 1 to 5)."""
    _check_language(language)
    levels = {skill: _check_level(value, skill) for skill, value in
              zip(SKILLS, (listening, speaking, reading, writing), strict=True)}
    with transaction.atomic():
        linguist = _member_for_change(actor, linguist)
        row, created = LinguistLanguage.objects.get_or_create(
            linguist=linguist, language=language,
            defaults={**levels, "in_reserve_pool": bool(in_reserve_pool),
                      "jurisdiction_code": linguist.jurisdiction_code})
        if not created:
            for key, value in levels.items():
                setattr(row, key, value)
            row.in_reserve_pool = bool(in_reserve_pool)
            row.jurisdiction_code = linguist.jurisdiction_code
            row.save()
        change_record(actor=actor, action=ChangeAction.EVENT, obj=linguist,
                      event="language_set", after={"language": language, **levels,
                                                   "in_reserve_pool": bool(in_reserve_pool)})
    return row


def language_remove(*, actor: Any, linguist: Linguist, language: str) -> None:
    with transaction.atomic():
        linguist = _member_for_change(actor, linguist)
        LinguistLanguage.objects.filter(linguist=linguist, language=language).delete()
        change_record(actor=actor, action=ChangeAction.EVENT, obj=linguist,
                      event="language_remove", before={"language": language})


def certificate_add(*, actor: Any, linguist: Linguist, language: str, kind: str,
                    level: str = "", obtained_on: datetime.date | None = None) -> Certificate:
    _check_language(language)
    if kind not in CertificateKind.values:
        raise ValidationError({"kind": _("Unknown certificate.")})
    with transaction.atomic():
        linguist = _member_for_change(actor, linguist)
        certificate = Certificate.objects.create(linguist=linguist, language=language,
                                                 kind=kind, level=(level or "").strip()[:20],
                                                 obtained_on=obtained_on)
        change_record(actor=actor, action=ChangeAction.EVENT, obj=linguist,
                      event="certificate_add", after=snapshot(certificate))
    return certificate


def _refresh_weekly(linguist: Linguist) -> None:
    slots = Availability.objects.filter(linguist=linguist).order_by("weekday", "start")
    linguist.weekly = ";".join(f"{a.weekday} {a.start:%H:%M} {a.end:%H:%M}" for a in slots)[:500]
    Linguist.objects.filter(pk=linguist.pk).update(weekly=linguist.weekly)


def availability_add(*, actor: Any, linguist: Linguist, weekday: int, start: datetime.time,
                     end: datetime.time) -> Availability:
    """A weekly slot; an end earlier than the start runs past midnight."""
    if not 0 <= int(weekday) <= 6:
        raise ValidationError({"weekday": _("Choose a day of the week.")})
    if start == end:
        raise ValidationError({"end": _("The end must differ from the start.")})
    with transaction.atomic():
        linguist = _member_for_change(actor, linguist)
        slot = Availability.objects.create(linguist=linguist, weekday=int(weekday), start=start,
                                           end=end)
        _refresh_weekly(linguist)
        change_record(actor=actor, action=ChangeAction.EVENT, obj=linguist,
                      event="availability_add", after=snapshot(slot))
    return slot


def availability_remove(*, actor: Any, slot: Availability) -> None:
    with transaction.atomic():
        linguist = _member_for_change(actor, slot.linguist)
        Availability.objects.filter(pk=slot.pk, linguist=linguist).delete()
        _refresh_weekly(linguist)
        change_record(actor=actor, action=ChangeAction.EVENT, obj=linguist,
                      event="availability_remove", before=snapshot(slot))


def unavailability_add(*, actor: Any, linguist: Linguist, starts_at: datetime.datetime,
                       ends_at: datetime.datetime, reason: str = "") -> Unavailability:
    """A period of leave or other duty; the member is not offered needs that overlap it."""
    _check_window(starts_at, ends_at)
    with transaction.atomic():
        linguist = _member_for_change(actor, linguist)
        period = Unavailability.objects.create(linguist=linguist, starts_at=starts_at,
                                               ends_at=ends_at, reason=reason.strip()[:200])
        change_record(actor=actor, action=ChangeAction.EVENT, obj=linguist,
                      event="unavailability_add", after=snapshot(period))
    return period


# -- posts and needs --------------------------------------------------------------------------

def post_create(*, actor: Any, name: str, kind: str, jurisdiction: Jurisdiction,
                place: Place | None = None, essential: bool = False) -> Post:
    """A place of duty; a post at a hotel or the transfer point names that place."""
    if kind not in PostKind.values:
        raise ValidationError({"kind": _("Unknown kind of post.")})
    _check_code(actor, Action.CONFIGURE, jurisdiction.code)
    if place is not None and not place.jurisdiction_code.startswith(jurisdiction.code):
        raise ValidationError({"place": _("The place must belong to the post's jurisdiction.")})
    if not (name or "").strip():
        raise ValidationError({"name": _("The name is required.")})
    with transaction.atomic():
        post = Post.objects.create(name=name.strip(), kind=kind, jurisdiction=jurisdiction,
                                   jurisdiction_code=jurisdiction.code, place=place,
                                   essential=bool(essential))
        change_record(actor=actor, action=ChangeAction.CREATE, obj=post, after=snapshot(post))
        ensure_in_scope(actor, Action.CONFIGURE, post)
    return post


def post_update(*, actor: Any, post: Post, **data: Any) -> Post:
    allowed = {"name", "essential", "is_active"}
    if set(data) - allowed:
        raise TypeError(f"unknown post fields {sorted(set(data) - allowed)}")
    with transaction.atomic():
        try:
            post = Post.objects.restrict(actor, Action.CONFIGURE).select_for_update().get(
                pk=post.pk)
        except Post.DoesNotExist:
            raise OutOfScope() from None
        before = snapshot(post)
        for key, value in data.items():
            setattr(post, key, value)
        if not post.name.strip():
            raise ValidationError({"name": _("The name is required.")})
        post.save()
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=post, before=before,
                      after=snapshot(post))
    return post


def need_create(*, actor: Any, post: Post, language: str, starts_at: datetime.datetime,
                ends_at: datetime.datetime, people: int = 1, min_listening: Any = 0,
                min_speaking: Any = 0, min_reading: Any = 0, min_writing: Any = 0,
                essential: bool | None = None, escalate_after: int = 30,
                notes: str = "") -> Need:
    """A need at a post: a language, minimum levels (0 = no minimum), a window, a head count."""
    _check_language(language)
    _check_window(starts_at, ends_at)
    minimums = {f"min_{skill}": _check_level(value, f"min_{skill}", allow_zero=True)
                for skill, value in zip(SKILLS, (min_listening, min_speaking, min_reading,
                                                 min_writing), strict=True)}
    if not 1 <= int(people) <= 50:
        raise ValidationError({"people": _("A need is for 1 to 50 people.")})
    if not 1 <= int(escalate_after) <= 24 * 60:
        raise ValidationError({"escalate_after": _("Wait between 1 minute and 24 hours.")})
    if not post.is_active:
        raise ValidationError({"post": _("This post is closed.")})
    _check_code(actor, Action.CHANGE, post.jurisdiction_code)
    with transaction.atomic():
        need = Need.objects.create(
            post=post, jurisdiction_code=post.jurisdiction_code, place=post.place,
            language=language, starts_at=starts_at, ends_at=ends_at, people=int(people),
            essential=post.essential if essential is None else bool(essential),
            escalate_after=int(escalate_after), notes=(notes or "").strip()[:300],
            created_by=actor if getattr(actor, "pk", None) else None, **minimums)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=need, after=snapshot(need))
        ensure_in_scope(actor, Action.CHANGE, need)
    return need


def _lock_need(actor: Any, need: Need, action: Action = Action.CHANGE) -> Need:
    try:
        return Need.objects.restrict(actor, action).select_for_update().get(pk=need.pk)
    except Need.DoesNotExist:
        raise OutOfScope() from None


def need_cancel(*, actor: Any, need: Need) -> Need:
    with transaction.atomic():
        need = _lock_need(actor, need)
        if need.status == NeedStatus.CANCELLED:
            return need
        before = snapshot(need)
        need.status = NeedStatus.CANCELLED
        need.save(update_fields=["status"])
        _withdraw_pending(actor, need, exclude_pk=None)
        for shift in Shift.objects.filter(need=need, status=ShiftStatus.ASSIGNED):
            shift.status = ShiftStatus.CANCELLED
            shift.save(update_fields=["status"])
            _notify_member(actor=actor, linguist=shift.linguist,
                           title=_("Shift cancelled: %(need)s") % {"need": need},
                           body=_when(need), url=reverse("linguists:me"),
                           jurisdiction_code=need.jurisdiction_code,
                           dedupe_key=f"linguists:shift-cancel:{shift.pk}")
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=need, before=before,
                      after=snapshot(need), event="need_cancel")
    return need


# -- offers and booking -----------------------------------------------------------------------

def offer_send(*, actor: Any, need: Need, linguists: list[Linguist], from_reserve: bool = False,
               now: datetime.datetime | None = None) -> list[Offer]:
    """Offer a need to several members at once; the first to accept is assigned.

    A member already offered this need is skipped; inactive members and members outside the
    actor's scope are refused.
    """
    now = now or timezone.now()
    with transaction.atomic():
        need = _lock_need(actor, need)
        if need.status != NeedStatus.OPEN:
            raise ValidationError(_("This need is no longer open."))
        if need.ends_at <= now:
            raise ValidationError(_("This need is already over."))
        ids = [m.pk for m in linguists]
        members = {m.pk: m for m in Linguist.objects.restrict(actor, Action.VIEW).filter(
            pk__in=ids).select_related("user")}
        if len(members) != len(set(ids)):
            raise OutOfScope()
        inactive = [m.name for m in members.values() if m.status == MemberStatus.INACTIVE]
        if inactive:
            raise ValidationError(_("Inactive members cannot be offered a need: %(names)s")
                                  % {"names": ", ".join(inactive)})
        already = set(Offer.objects.filter(need=need, linguist_id__in=ids).values_list(
            "linguist_id", flat=True))
        expires = now + datetime.timedelta(minutes=need.escalate_after)
        offers = []
        for pk in dict.fromkeys(ids):
            if pk in already:
                continue
            member = members[pk]
            offer = Offer.objects.create(need=need, linguist=member,
                                         jurisdiction_code=need.jurisdiction_code,
                                         place_id=need.place_id, from_reserve=from_reserve,
                                         sent_at=now, expires_at=expires)
            offers.append(offer)
            _notify_member(
                actor=actor, linguist=member,
                title=_("Duty offer: %(need)s") % {"need": need},
                body=_("%(when)s. Please accept or decline on your duty page.")
                % {"when": _when(need)},
                url=reverse("linguists:me"), jurisdiction_code=need.jurisdiction_code,
                dedupe_key=f"linguists:offer:{offer.pk}")
        if offers:
            change_record(actor=actor, action=ChangeAction.EVENT, obj=need, event="offer_send",
                          after={"linguists": [o.linguist_id for o in offers],
                                 "from_reserve": from_reserve})
            _notify_chat(actor=actor, code=need.jurisdiction_code,
                         text=_("%(need)s, %(when)s: offered to %(count)s members.")
                         % {"need": need, "when": _when(need), "count": len(offers)},
                         url=_need_url(need), dedupe_key=f"linguists:offers:{need.pk}:{now:%s}")
    return offers


def _withdraw_pending(actor: Any, need: Need, *, exclude_pk: int | None) -> int:
    pending = list(Offer.objects.filter(need=need, status=OfferStatus.PENDING).exclude(
        pk=exclude_pk).select_related("linguist__user"))
    now = timezone.now()
    for offer in pending:
        offer.status = OfferStatus.WITHDRAWN
        offer.answered_at = now
        offer.save(update_fields=["status", "answered_at"])
        _notify_member(actor=actor, linguist=offer.linguist,
                       title=_("Offer withdrawn: %(need)s") % {"need": need},
                       body=_("The need was filled; thank you."), url=reverse("linguists:me"),
                       jurisdiction_code=need.jurisdiction_code,
                       dedupe_key=f"linguists:withdrawn:{offer.pk}")
    return len(pending)


def _book(*, actor: Any, need: Need, linguist: Linguist, offer: Offer | None) -> Shift:
    """Create the shift; the caller holds the lock on `need` and runs in a transaction."""
    if need.status != NeedStatus.OPEN:
        raise ValidationError(_("This need has already been filled or cancelled."))
    # The member's row lock serialises every booking of this member (on any need).
    linguist = Linguist.objects.select_for_update().get(pk=linguist.pk)
    if linguist.status == MemberStatus.INACTIVE:
        raise ValidationError(_("%(name)s is inactive and cannot be assigned.")
                              % {"name": linguist.name})
    taken = Shift.objects.filter(need=need, status__in=ACTIVE_SHIFT).count()
    if taken >= need.people:
        raise ValidationError(_("This need has already been filled."))
    if Shift.objects.filter(need=need, linguist=linguist, status__in=ACTIVE_SHIFT).exists():
        raise ValidationError(_("%(name)s is already on this shift.") % {"name": linguist.name})
    clash = Shift.objects.filter(linguist=linguist, status__in=ACTIVE_SHIFT,
                                 starts_at__lt=need.ends_at, ends_at__gt=need.starts_at
                                 ).select_related("need__post").first()
    if clash is not None:
        raise ValidationError(
            _("%(name)s already has an overlapping shift at %(post)s, %(when)s.")
            % {"name": linguist.name, "post": clash.need.post, "when": _when(clash)})
    try:
        with transaction.atomic():
            shift = Shift.objects.create(
                need=need, linguist=linguist, jurisdiction_code=need.jurisdiction_code,
                place_id=need.place_id, starts_at=need.starts_at, ends_at=need.ends_at,
                offer=offer, assigned_by=actor if getattr(actor, "pk", None) else None)
    except IntegrityError:  # PostgreSQL's exclusion constraint: an overlap written elsewhere
        raise ValidationError(_("%(name)s already has an overlapping shift.")
                              % {"name": linguist.name}) from None
    change_record(actor=actor, action=ChangeAction.CREATE, obj=shift, after=snapshot(shift))
    if taken + 1 >= need.people:
        need.status = NeedStatus.FILLED
        need.save(update_fields=["status"])
        _withdraw_pending(actor, need, exclude_pk=offer.pk if offer else None)
        SpeakerRequest.objects.filter(need=need).exclude(status=RequestStatus.CANCELLED).update(
            status=RequestStatus.FILLED)
    _notify_member(actor=actor, linguist=linguist,
                   title=_("You are on duty: %(need)s") % {"need": need},
                   body=_when(need), url=reverse("linguists:me"),
                   jurisdiction_code=need.jurisdiction_code,
                   dedupe_key=f"linguists:shift:{shift.pk}")
    return shift


def offer_accept(*, actor: Any, offer: Offer) -> Shift:
    """Accept an offer: the member answers for themselves, or the office records their answer.

    Refused with a clear message when the offer was already answered, withdrawn or expired,
    the need is full, or the member has an overlapping shift.
    """
    with transaction.atomic():
        need = Need.objects.select_for_update().get(pk=offer.need_id)
        offer = Offer.objects.select_for_update().select_related("linguist").get(pk=offer.pk)
        if not _is_own(actor, offer.linguist):
            _check_code(actor, Action.CHANGE, need.jurisdiction_code)
        if offer.status == OfferStatus.ACCEPTED:
            raise ValidationError(_("This offer has already been accepted."))
        if offer.status == OfferStatus.WITHDRAWN:
            raise ValidationError(_("This offer has already been taken by someone else."))
        if offer.status != OfferStatus.PENDING:
            raise ValidationError(_("This offer is no longer open (%(status)s).")
                                  % {"status": offer.get_status_display()})
        if need.status == NeedStatus.FILLED:
            raise ValidationError(_("This offer has already been taken by someone else."))
        shift = _book(actor=actor, need=need, linguist=offer.linguist, offer=offer)
        offer.status = OfferStatus.ACCEPTED
        offer.answered_at = timezone.now()
        offer.save(update_fields=["status", "answered_at"])
        change_record(actor=actor, action=ChangeAction.EVENT, obj=offer, event="offer_accept",
                      after={"status": offer.status, "shift": shift.pk})
    return shift


def offer_decline(*, actor: Any, offer: Offer) -> Offer:
    with transaction.atomic():
        offer = Offer.objects.select_for_update().select_related("linguist").get(pk=offer.pk)
        if not _is_own(actor, offer.linguist):
            _check_code(actor, Action.CHANGE, offer.jurisdiction_code)
        if offer.status != OfferStatus.PENDING:
            raise ValidationError(_("This offer is no longer open (%(status)s).")
                                  % {"status": offer.get_status_display()})
        offer.status = OfferStatus.DECLINED
        offer.answered_at = timezone.now()
        offer.save(update_fields=["status", "answered_at"])
        change_record(actor=actor, action=ChangeAction.EVENT, obj=offer, event="offer_decline",
                      after={"status": offer.status})
    return offer


def shift_assign(*, actor: Any, need: Need, linguist: Linguist) -> Shift:
    """The office assigns a member directly, without an offer."""
    with transaction.atomic():
        need = _lock_need(actor, need)
        if not Linguist.objects.restrict(actor, Action.VIEW).filter(pk=linguist.pk).exists():
            raise OutOfScope()
        shift = _book(actor=actor, need=need, linguist=linguist, offer=None)
        pending = Offer.objects.filter(need=need, linguist=linguist,
                                       status=OfferStatus.PENDING).first()
        if pending is not None:
            pending.status = OfferStatus.ACCEPTED
            pending.answered_at = timezone.now()
            pending.save(update_fields=["status", "answered_at"])
            shift.offer = pending
            shift.save(update_fields=["offer"])
    return shift


def offers_escalate_due(*, now: datetime.datetime | None = None, per_place: int = 3) -> int:
    """Unanswered offers past their wait expire; their open needs go to the reserve pool.

    The reserve of a need's language (members in reserve status, or whose language is in the
    reserve pool) is ranked and the best `per_place` × missing places get an offer. Returns
    the number of needs escalated. Run by `manage.py linguists_escalate_due`.
    """
    from frontline.linguists.selectors import rank_candidates

    now = now or timezone.now()
    due_needs = list(Need.objects.filter(  # scoped-ok: system sweep over every jurisdiction
        status=NeedStatus.OPEN, escalated_at__isnull=True, ends_at__gt=now,
        offers__status=OfferStatus.PENDING, offers__expires_at__lte=now).distinct())
    escalated = 0
    for candidate_need in due_needs:
        with transaction.atomic():
            need = Need.objects.select_for_update().get(pk=candidate_need.pk)
            if need.status != NeedStatus.OPEN or need.escalated_at is not None:
                continue
            expired = Offer.objects.filter(need=need, status=OfferStatus.PENDING,
                                           expires_at__lte=now)
            expired.update(status=OfferStatus.EXPIRED, answered_at=now)
            need.escalated_at = now
            need.save(update_fields=["escalated_at"])
            missing = need.people - Shift.objects.filter(need=need,
                                                         status__in=ACTIVE_SHIFT).count()
            ranking = rank_candidates(actor=None, need=need, now=now, system=True,
                                      explain=False)
            offered = set(Offer.objects.filter(need=need).values_list("linguist_id", flat=True))
            reserve = [c for c in ranking.candidates if c.reserve and c.linguist_id not in offered]
            chosen = reserve[: max(missing, 1) * per_place]
            members = Linguist.objects.filter(pk__in=[c.linguist_id for c in chosen])
            expires = now + datetime.timedelta(minutes=need.escalate_after)
            for member in members.select_related("user"):
                offer = Offer.objects.create(need=need, linguist=member,
                                             jurisdiction_code=need.jurisdiction_code,
                                             place_id=need.place_id, from_reserve=True,
                                             sent_at=now, expires_at=expires)
                _notify_member(
                    actor=None, linguist=member,
                    title=_("Duty offer (reserve): %(need)s") % {"need": need},
                    body=_("%(when)s. Please accept or decline on your duty page.")
                    % {"when": _when(need)},
                    url=reverse("linguists:me"), jurisdiction_code=need.jurisdiction_code,
                    dedupe_key=f"linguists:offer:{offer.pk}")
            change_record(actor=None, action=ChangeAction.EVENT, obj=need, event="escalate",
                          after={"reserve_offers": [c.linguist_id for c in chosen]})
            escalated += 1
    return escalated


# -- shifts -----------------------------------------------------------------------------------

def _lock_shift(actor: Any, shift: Shift) -> Shift:
    shift = Shift.objects.select_for_update().select_related("linguist", "need").get(pk=shift.pk)
    if not _is_own(actor, shift.linguist):
        scope = scope_for(actor, Action.CHANGE)
        if not (scope.covers_code(shift.jurisdiction_code) or scope.covers_place(shift.place_id)):
            raise OutOfScope()
    return shift


def shift_check_in(*, actor: Any, shift: Shift, at: datetime.datetime | None = None) -> Shift:
    at = at or timezone.now()
    with transaction.atomic():
        shift = _lock_shift(actor, shift)
        if shift.status != ShiftStatus.ASSIGNED:
            raise ValidationError(_("Only an assigned shift can be checked in (it is %(status)s).")
                                  % {"status": shift.get_status_display()})
        if at < shift.starts_at - datetime.timedelta(hours=2):
            raise ValidationError(_("Too early: check in from two hours before the shift "
                                    "(%(when)s).") % {"when": _when(shift)})
        before = snapshot(shift)
        shift.status = ShiftStatus.CHECKED_IN
        shift.checked_in_at = at
        shift.save(update_fields=["status", "checked_in_at"])
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=shift, before=before,
                      after=snapshot(shift), event="check_in")
    return shift


def shift_check_out(*, actor: Any, shift: Shift, at: datetime.datetime | None = None) -> Shift:
    """Check out; the hours served run from the check-in to the check-out."""
    at = at or timezone.now()
    with transaction.atomic():
        shift = _lock_shift(actor, shift)
        if shift.status != ShiftStatus.CHECKED_IN:
            raise ValidationError(_("Check in before checking out."))
        if at <= shift.checked_in_at:
            raise ValidationError(_("The check-out must be after the check-in."))
        before = snapshot(shift)
        shift.status = ShiftStatus.COMPLETED
        shift.checked_out_at = at
        shift.minutes_served = int((at - shift.checked_in_at).total_seconds() // 60)
        shift.save(update_fields=["status", "checked_out_at", "minutes_served"])
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=shift, before=before,
                      after=snapshot(shift), event="check_out")
    return shift


def shift_no_show(*, actor: Any, shift: Shift) -> Shift:
    """Record that the member did not come; the need opens again for someone else."""
    with transaction.atomic():
        shift = _lock_shift(actor, shift)
        if _is_own(actor, shift.linguist) and not scope_for(actor, Action.CHANGE).covers_code(
                shift.jurisdiction_code):
            raise PermissionDenied
        if shift.status != ShiftStatus.ASSIGNED:
            raise ValidationError(_("Only an assigned shift can be marked as a no-show."))
        before = snapshot(shift)
        shift.status = ShiftStatus.NO_SHOW
        shift.save(update_fields=["status"])
        need = Need.objects.select_for_update().get(pk=shift.need_id)
        if need.status == NeedStatus.FILLED:
            need.status = NeedStatus.OPEN
            need.save(update_fields=["status"])
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=shift, before=before,
                      after=snapshot(shift), event="no_show")
    return shift


# -- requests from the front line -------------------------------------------------------------

def request_create(*, actor: Any, post: Post, language: str, starts_at: datetime.datetime,
                   ends_at: datetime.datetime, people: int = 1, note: str = "") -> SpeakerRequest:
    """A hotel or a street asks for a speaker at one of its posts."""
    _check_language(language)
    _check_window(starts_at, ends_at)
    if not 1 <= int(people) <= 20:
        raise ValidationError({"people": _("Ask for 1 to 20 people.")})
    scope = scope_for(actor, Action.CHANGE)
    if not (scope.covers_code(post.jurisdiction_code) or scope.covers_place(post.place_id)):
        raise OutOfScope()
    with transaction.atomic():
        request = SpeakerRequest.objects.create(
            post=post, jurisdiction_code=post.jurisdiction_code, place=post.place,
            language=language, starts_at=starts_at, ends_at=ends_at, people=int(people),
            note=(note or "").strip()[:300], created_by=actor)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=request,
                      after=snapshot(request))
        ensure_in_scope(actor, Action.CHANGE, request)
        _notify_chat(actor=actor, code=post.jurisdiction_code,
                     text=_("Request for a %(language)s speaker at %(post)s, %(when)s.")
                     % {"language": request.get_language_display(), "post": post,
                        "when": _when(request)},
                     url=reverse("linguists:request_list"),
                     dedupe_key=f"linguists:request:{request.pk}")
    return request


def request_dispatch(*, actor: Any, request: SpeakerRequest, min_speaking: int = 0,
                     min_listening: int = 0, min_reading: int = 0,
                     min_writing: int = 0) -> Need:
    """The office turns a request into a need, which it then offers or assigns."""
    with transaction.atomic():
        try:
            request = SpeakerRequest.objects.restrict(actor, Action.CHANGE).select_for_update(
                ).select_related("post").get(pk=request.pk)
        except SpeakerRequest.DoesNotExist:
            raise OutOfScope() from None
        _check_code(actor, Action.CHANGE, request.jurisdiction_code)
        if request.status != RequestStatus.SUBMITTED:
            raise ValidationError(_("This request has already been dispatched or closed."))
        need = need_create(actor=actor, post=request.post, language=request.language,
                           starts_at=request.starts_at, ends_at=request.ends_at,
                           people=request.people, min_speaking=min_speaking,
                           min_listening=min_listening, min_reading=min_reading,
                           min_writing=min_writing, notes=request.note)
        request.need = need
        request.status = RequestStatus.DISPATCHING
        request.save(update_fields=["need", "status"])
        change_record(actor=actor, action=ChangeAction.EVENT, obj=request, event="dispatch",
                      after={"need": need.pk})
    return need


def request_cancel(*, actor: Any, request: SpeakerRequest) -> SpeakerRequest:
    with transaction.atomic():
        try:
            request = SpeakerRequest.objects.restrict(actor, Action.CHANGE).select_for_update(
                ).get(pk=request.pk)
        except SpeakerRequest.DoesNotExist:
            raise OutOfScope() from None
        if request.status != RequestStatus.SUBMITTED:
            raise ValidationError(_("Only a request not yet dispatched can be withdrawn."))
        request.status = RequestStatus.CANCELLED
        request.save(update_fields=["status"])
        change_record(actor=actor, action=ChangeAction.EVENT, obj=request, event="cancel")
    return request


# -- remote interpreting ----------------------------------------------------------------------

def remote_assign(*, actor: Any, linguist: Linguist, person: Any,
                  language: str) -> RemoteAssignment:
    """Assign a member to a person for phone interpreting (the person must be in scope)."""
    from frontline.people.models import Person

    _check_language(language)
    if not Person.objects.restrict(actor, Action.CHANGE).filter(pk=person.pk).exists():
        raise OutOfScope()
    if not Linguist.objects.restrict(actor, Action.VIEW).filter(pk=linguist.pk).exists():
        raise OutOfScope()
    if not linguist.languages.filter(language=language).exists():
        raise ValidationError({"language": _("%(name)s does not speak this language.")
                               % {"name": linguist.name}})
    with transaction.atomic():
        assignment = RemoteAssignment.objects.create(
            linguist=linguist, person=person, jurisdiction_code=person.jurisdiction_code,
            language=language, assigned_by=actor)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=assignment,
                      after=snapshot(assignment))
        ensure_in_scope(actor, Action.CHANGE, assignment)
        _notify_member(actor=actor, linguist=linguist,
                       title=_("Phone interpreting: %(language)s")
                       % {"language": assignment.get_language_display()},
                       body=_("You are assigned to interpret by phone for a person; details "
                              "on your duty page."),
                       url=reverse("linguists:me"), jurisdiction_code=person.jurisdiction_code,
                       dedupe_key=f"linguists:remote:{assignment.pk}")
    return assignment


def call_log_add(*, actor: Any, assignment: RemoteAssignment, started_at: datetime.datetime,
                 minutes: int, topic: str) -> CallLog:
    """Log one interpreted call, by the member themselves or by the office."""
    if not _is_own(actor, assignment.linguist):
        _check_code(actor, Action.CHANGE, assignment.jurisdiction_code)
    if not assignment.is_active:
        raise ValidationError(_("This assignment has ended."))
    if not 1 <= int(minutes) <= 600:
        raise ValidationError({"minutes": _("A call lasts 1 to 600 minutes.")})
    if not (topic or "").strip():
        raise ValidationError({"topic": _("Say what the call was about.")})
    if started_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"started_at": _("The call cannot be in the future.")})
    with transaction.atomic():
        call = CallLog.objects.create(assignment=assignment, started_at=started_at,
                                      minutes=int(minutes), topic=topic.strip()[:300],
                                      logged_by=actor)
        change_record(actor=actor, action=ChangeAction.EVENT, obj=assignment, event="call_log",
                      after=snapshot(call))
    return call


def remote_end(*, actor: Any, assignment: RemoteAssignment) -> RemoteAssignment:
    with transaction.atomic():
        try:
            assignment = RemoteAssignment.objects.restrict(actor, Action.CHANGE).select_for_update(
                ).get(pk=assignment.pk)
        except RemoteAssignment.DoesNotExist:
            raise OutOfScope() from None
        assignment.is_active = False
        assignment.save(update_fields=["is_active"])
        change_record(actor=actor, action=ChangeAction.EVENT, obj=assignment, event="end")
    return assignment

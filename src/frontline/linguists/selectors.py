"""Reads of the language talent pool, always restricted: members, needs, offers, shifts, the
roster grid, dashboard figures, and the ranking of candidates for a need with its reasons.

Ranking costs a fixed number of queries whatever the pool's size: the qualified speakers
with their hours served and load (correlated lookups on a covering index), the speakers below
the minimum levels, certificates, overlapping shifts, unavailable periods and offers. The
scoring runs in Python over the speakers of one language; the objects of the ranking are
built only when read.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.core.models import code_prefix_q, scope_for
from frontline.core.permissions import Action
from frontline.linguists.models import (
    ACTIVE_SHIFT,
    SKILLS,
    Certificate,
    Language,
    Linguist,
    LinguistLanguage,
    MemberStatus,
    Need,
    NeedStatus,
    Offer,
    OfferStatus,
    Post,
    RemoteAssignment,
    Shift,
    ShiftStatus,
    SpeakerRequest,
    Unavailability,
)

FAIRNESS_DAYS = 14
LOAD_DAYS = 7
PACK = 1 << 16


# -- lists ------------------------------------------------------------------------------------

def linguist_list(*, actor: Any, action: Action = Action.VIEW, language: str = "",
                  status: str = "", query: str = "") -> QuerySet[Linguist]:
    qs = Linguist.objects.restrict(actor, action).select_related("unit").prefetch_related(
        Prefetch("languages", queryset=LinguistLanguage.objects.order_by("language")))
    if language:
        qs = qs.filter(Exists(LinguistLanguage.objects.filter(linguist=OuterRef("pk"),
                                                              language=language)))
    if status:
        qs = qs.filter(status=status)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(department__icontains=query))
    return qs


def post_list(*, actor: Any, action: Action = Action.VIEW) -> QuerySet[Post]:
    return Post.objects.restrict(actor, action).select_related("jurisdiction", "place")


def need_list(*, actor: Any, action: Action = Action.VIEW, status: str = "",
              language: str = "") -> QuerySet[Need]:
    qs = Need.objects.restrict(actor, action).select_related("post").annotate(
        filled=Count("shifts", filter=Q(shifts__status__in=ACTIVE_SHIFT), distinct=True),
        pending=Count("offers", filter=Q(offers__status=OfferStatus.PENDING), distinct=True))
    if status:
        qs = qs.filter(status=status)
    if language:
        qs = qs.filter(language=language)
    return qs.order_by("-essential", "starts_at", "id")


def needs_overlapping(*, actor: Any, need: Need) -> QuerySet[Need]:
    """Other needs, not cancelled, of the same post and language whose window overlaps this
    one's: a second need for the same people, perhaps entered twice."""
    return (Need.objects.restrict(actor, Action.VIEW)
            .filter(post_id=need.post_id, language=need.language,
                    starts_at__lt=need.ends_at, ends_at__gt=need.starts_at)
            .exclude(pk=need.pk).exclude(status=NeedStatus.CANCELLED).order_by("starts_at", "id"))


def offer_list(*, actor: Any, action: Action = Action.VIEW) -> QuerySet[Offer]:
    return Offer.objects.restrict(actor, action).select_related("need__post", "linguist")


def shift_list(*, actor: Any, action: Action = Action.VIEW) -> QuerySet[Shift]:
    return Shift.objects.restrict(actor, action).select_related("need__post", "linguist")


def request_list(*, actor: Any, action: Action = Action.VIEW) -> QuerySet[SpeakerRequest]:
    return SpeakerRequest.objects.restrict(actor, action).select_related("post", "need")


def remote_list(*, actor: Any, action: Action = Action.VIEW) -> QuerySet[RemoteAssignment]:
    return RemoteAssignment.objects.restrict(actor, action).select_related("linguist", "person")


def account_for_member(*, actor: Any, username: str) -> Any:
    """A user account in the actor's scope, to link to a pool member; None if not found."""
    from frontline.accounts.models import User

    return User.objects.restrict(actor, Action.VIEW).filter(username=username).first()


# -- the member's own page (deliberately unscoped: own rows) ----------------------------------

def own_member(*, user: Any) -> Linguist | None:
    """The pool member of a user account, if any. Own row: filtered by the user itself."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Linguist.objects.filter(user=user).first()  # scoped-ok: the user's own member row


def own_offers(*, user: Any) -> QuerySet[Offer]:
    """The offers made to the user's own member row, newest first. Own rows."""
    return Offer.objects.filter(  # scoped-ok: own rows, filtered by the requesting user
        linguist__user=user).select_related("need__post").order_by("-sent_at", "-id")


def own_shifts(*, user: Any) -> QuerySet[Shift]:
    return Shift.objects.filter(  # scoped-ok: own rows, filtered by the requesting user
        linguist__user=user).select_related("need__post").order_by("starts_at", "id")


def own_remote(*, user: Any) -> QuerySet[RemoteAssignment]:
    return RemoteAssignment.objects.filter(  # scoped-ok: own rows, filtered by the user
        linguist__user=user, is_active=True).select_related("person").prefetch_related("calls")


# -- matching ---------------------------------------------------------------------------------

@dataclass(slots=True)
class Candidate:
    """One eligible member, with the facts of their rank; `reasons` renders them as text."""

    linguist_id: int
    name: str
    status: str
    levels: dict[str, int]
    score: float
    reserve: bool
    hours_14d: float
    load: int
    coverage: float | None  # None: no weekly availability given
    distance: int
    certificates: int
    offer_status: str = ""
    rank: int = 0
    texts: dict | None = None

    @property
    def reasons(self) -> list[str]:
        t = self.texts or _texts()
        level = self.levels
        coverage = self.coverage
        reasons = [
            t["levels"] % {"levels": " ".join(f"{t['initials'][s]}{level[s]}" for s in SKILLS)},
            t["no_slots"] if coverage is None else (
                t["whole"] if coverage >= 1 else t["part"] % {"percent": round(coverage * 100)}),
            t["served"] % {"hours": self.hours_14d, "days": FAIRNESS_DAYS},
            t["load"] % {"count": self.load},
            t["distance"][self.distance],
        ]
        if self.certificates:
            reasons.append(t["certs"] % {"count": self.certificates})
        if self.reserve:
            reasons.append(t["reserve"])
        return reasons


@dataclass(slots=True)
class Excluded:
    """A speaker of the language who is not a candidate. `reasons` are either given, or
    rendered on demand from the levels below the minimum (thousands of members may be
    excluded by level while a page shows the first 200)."""

    linguist_id: int
    name: str
    given: list[str]
    inactive: bool = False
    low: tuple = ()  # (skill index, level, minimum) of each level below the minimum
    texts: dict | None = None

    @property
    def reasons(self) -> list[str]:
        if not (self.inactive or self.low):
            return self.given
        t = self.texts or _texts()
        why = [t["inactive"]] if self.inactive else []
        if self.low:
            names = [t["skills"][s] for s in SKILLS]
            why.append(t["low"] % {"levels": ", ".join(
                f"{names[i]} {level} < {minimum}" for i, level, minimum in self.low)})
        return why


class Built(Sequence):
    """A ranking's sorted rows, each turned into its object (`Candidate`, `Excluded`) when
    first read: scoring and ordering happen at once, while the need page reads only the best
    100 candidates and the first 200 excluded of thousands."""

    __slots__ = ("_scored", "_build", "_built")

    def __init__(self, scored: list[tuple], build: Callable[[tuple, int], Any]) -> None:
        self._scored = scored
        self._build = build
        self._built: dict[int, Candidate] = {}

    def __len__(self) -> int:
        return len(self._scored)

    def _at(self, index: int) -> Any:
        hit = self._built.get(index)
        if hit is None:
            hit = self._built[index] = self._build(self._scored[index], index + 1)
        return hit

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._at(i) for i in range(*index.indices(len(self._scored)))]
        if index < 0:
            index += len(self._scored)
        if not 0 <= index < len(self._scored):
            raise IndexError(index)
        return self._at(index)

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self._scored)):
            yield self._at(i)

    def __bool__(self) -> bool:
        return bool(self._scored)

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, (list, Sequence)) else NotImplemented

    __hash__ = None  # type: ignore[assignment]


@dataclass
class Ranking:
    need: Need
    candidates: Sequence[Candidate]
    excluded: Sequence[Excluded]


WEEK = 7 * 24 * 60


def _minute_of_day(value: Any) -> int:
    """Minutes since midnight of a time read as text ('08:30:00') or a time object."""
    if isinstance(value, str):
        return int(value[:2]) * 60 + int(value[3:5])
    return value.hour * 60 + value.minute


def _slot(weekday: int, start: Any, end: Any) -> tuple[int, int]:
    """A weekly slot as (its first minute since Monday 00:00, its length in minutes); a slot
    may pass midnight, and one whose end equals its start lasts the whole day."""
    s = _minute_of_day(start)
    return weekday * 1440 + s, (_minute_of_day(end) - s) % 1440 or 1440


@lru_cache(maxsize=65536)
def _weekly_slots(weekly: str) -> tuple[tuple[int, int], ...]:
    """The weekly slots a member row keeps as text ('0 08:00 16:00;3 18:00 02:00'), parsed
    once per process however many rankings read them."""
    slots = []
    for slot in weekly.split(";"):
        day, start, end = slot.split(" ")
        slots.append(_slot(int(day), start, end))
    return tuple(slots)


class _Window:
    """A need's window in local minutes since the Monday 00:00 of its first week, to measure
    how much of it weekly slots cover with integer arithmetic (no DST in Asia/Shanghai)."""

    def __init__(self, start: datetime.datetime, end: datetime.datetime) -> None:
        local = timezone.localtime(start)
        self.a = local.weekday() * 1440 + local.hour * 60 + local.minute
        self.b = self.a + round((end - start).total_seconds() / 60)
        self.memo: dict[tuple[int, int], int] = {}

    def covered(self, slot: tuple[int, int]) -> int:
        """Minutes of the window inside one weekly slot, in any week the window touches."""
        hit = self.memo.get(slot)
        if hit is None:
            lo, length = slot
            a, b = self.a, self.b
            hit = 0
            for week in (-WEEK, 0, WEEK, 2 * WEEK):
                overlap = min(week + lo + length, b) - max(week + lo, a)
                if overlap > 0:
                    hit += overlap
            self.memo[slot] = hit
        return hit


def _slot_minutes(slots: list[tuple[int, Any, Any]], start: datetime.datetime,
                  end: datetime.datetime) -> float:
    """Minutes of [start, end) covered by weekly slots (local time; a slot may pass midnight)."""
    window = _Window(start, end)
    return float(sum(window.covered(_slot(*slot)) for slot in slots))


def _distance(member_code: str, post_code: str) -> int:
    """0: the same street; 1: the same district; 2: elsewhere."""
    if len(member_code) >= 9 and len(post_code) >= 9 and member_code[:9] == post_code[:9]:
        return 0
    if member_code[:6] == post_code[:6]:
        return 1
    return 2


def _texts() -> dict[str, Any]:
    """The ranking's texts, translated once per ranking rather than once per member."""
    skills = {"listening": _("listening"), "speaking": _("speaking"),
              "reading": _("reading"), "writing": _("writing")}
    return {
        "this_need": _("already assigned to this need"),
        "clash": _("overlapping shift at %(post)s"),
        "inactive": _("inactive"),
        "low": _("level too low: %(levels)s"),
        "away_why": _("unavailable: %(reason)s"),
        "away": _("unavailable"),
        "outside": _("outside weekly availability"),
        "levels": _("levels %(levels)s"),
        "whole": _("available for the whole window"),
        "part": _("available for %(percent)s%% of the window"),
        "served": _("%(hours)s h served in %(days)s days"),
        "load": _("%(count)s other shifts that week"),
        "distance": (_("same street"), _("same district"), _("another district")),
        "no_slots": _("no weekly availability given"),
        "certs": _("%(count)s certificates"),
        "reserve": _("reserve pool"),
        "skills": skills,
        "initials": {skill: skills[skill][:1].upper() for skill in SKILLS},
    }


def _rows(qs: QuerySet) -> list[tuple]:
    """The rows of a values_list queryset as the driver returns them, without Django's
    per-value converters (thousands of rows per ranking)."""
    from django.core.exceptions import EmptyResultSet
    from django.db import connections

    try:
        sql, params = qs.query.get_compiler(using=qs.db).as_sql()
    except EmptyResultSet:  # `.none()`, or a filter no row can match: nothing to ask
        return []
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def rank_candidates(*, actor: Any, need: Need, now: datetime.datetime | None = None,
                    system: bool = False, explain: bool = True) -> Ranking:
    """Every speaker of the need's language in the actor's scope: the eligible ones ranked
    best first with the reasons of their rank, the others with why they are excluded.

    The level and status checks run in SQL, so only members who may qualify are scored;
    `explain=False` skips listing the members excluded by level or status (the escalation
    sweep needs only the ranking). `system=True` looks at the whole pool, without an actor.
    """
    now = now or timezone.now()
    lang = need.language
    minimums = need.minimums()
    qualified = Q(**{f"{skill}__gte": minimums[skill] for skill in SKILLS if minimums[skill]}
                  ) & ~Q(linguist__status=MemberStatus.INACTIVE)
    in_scope = LinguistLanguage.objects.filter(language=lang)
    if not system:
        scope = scope_for(actor, Action.VIEW)
        if scope.is_empty:
            in_scope = in_scope.none()
        elif not scope.everything:  # one (language, code) index range per prefix
            where = Q(pk__in=[])
            for code in sorted(scope.codes):
                where |= code_prefix_q("jurisdiction_code", code)
            in_scope = in_scope.filter(where)
    start, end = need.starts_at, need.ends_at
    # Hours served (completed shifts of the past 14 days) and load (assigned shifts within a
    # week of the need) in one correlated look-up per member on the covering (member, status,
    # start, minutes) index, packed into one number: minutes served × 2^16 + shifts assigned.
    # The count never reaches 2^16 (a member's assigned shifts never overlap, and two weeks
    # hold 20,160 minutes), so the two figures come apart exactly.
    served_from, served_to = now - datetime.timedelta(days=FAIRNESS_DAYS), now
    load_from = start - datetime.timedelta(days=LOAD_DAYS)
    load_to = start + datetime.timedelta(days=LOAD_DAYS)
    packed = Case(
        When(Q(status=ShiftStatus.COMPLETED, starts_at__gte=served_from,
               starts_at__lt=served_to), then=F("minutes_served") * PACK),
        When(Q(status=ShiftStatus.ASSIGNED, starts_at__gte=load_from, starts_at__lt=load_to),
             then=Value(1)),
        default=Value(0), output_field=BigIntegerField())
    facts_q = Shift.objects.filter(
        linguist=OuterRef("linguist_id"),
        status__in=(ShiftStatus.COMPLETED, ShiftStatus.ASSIGNED),
        starts_at__gte=min(served_from, load_from), starts_at__lt=max(served_to, load_to),
    ).order_by().annotate(v=Func(packed, function="SUM")).values("v")
    in_scope = in_scope.order_by()  # the model's ordering would cost a sort of every row
    rows = _rows(in_scope.filter(qualified).annotate(
        facts=Subquery(facts_q),
    ).values_list("linguist_id", "linguist__name", "linguist__status",
                  "linguist__jurisdiction_code", "in_reserve_pool", *SKILLS,
                  "facts", "linguist__weekly"))
    # Certificates of the language, counted per member in one pass over the (language,
    # member) index: far fewer rows than speakers.
    cert_counts = dict(_rows(Certificate.objects.filter(language=lang).order_by().values(
        "linguist_id").annotate(n=Count("id")).values_list("linguist_id", "n")))
    unqualified = _rows(in_scope.exclude(qualified).values_list(
        "linguist_id", "linguist__name", "linguist__status", *SKILLS)) if explain else []
    t = _texts()

    clashes: dict[int, str] = {}
    # Shifts last at most seven days, so the lower bound keeps the index range short.
    for member_id, need_id, post_name in Shift.objects.filter(
            status__in=ACTIVE_SHIFT, starts_at__lt=end, ends_at__gt=start,
            starts_at__gt=start - datetime.timedelta(days=7)).values_list(
            "linguist_id", "need_id", "need__post__name"):
        clashes[member_id] = t["this_need"] if need_id == need.pk else \
            t["clash"] % {"post": post_name}
    away: dict[int, str] = dict(Unavailability.objects.filter(
        starts_at__lt=end, ends_at__gt=start).values_list("linguist_id", "reason"))
    window = _Window(start, end)
    minutes = max(window.b - window.a, 1)
    weekly_memo: dict[str, int] = {}
    covered, slot_minutes = window.covered, window.memo

    offers = dict(Offer.objects.filter(need=need).values_list("linguist_id", "status"))
    offer_labels = {k: str(v) for k, v in OfferStatus.choices}

    mins = tuple(minimums[s] for s in SKILLS)
    required = [i for i, m in enumerate(mins) if m]
    # The margin above the minimums, summed over the skills that have one.
    fl, fs, fr, fw = (1 if m else 0 for m in mins)
    floor = sum(mins)
    inactive, reserve_status = str(MemberStatus.INACTIVE), str(MemberStatus.RESERVE)
    post_code = need.jurisdiction_code
    scored: list[tuple] = []
    excluded: list[tuple] = []  # (name, id, reasons or None, inactive, levels)
    blocked = away.keys() | clashes.keys()
    post_street, post_district = post_code[:9] if len(post_code) >= 9 else None, post_code[:6]
    # The SQL already kept only active members at the minimum levels: what is left to check
    # here is the time (unavailable, another shift, weekly slots), then the score. Each
    # candidate is kept as a tuple that sorts best first; `Built` makes the objects.
    for row in rows:
        member_id, weekly = row[0], row[10]
        if weekly:
            member_covered = weekly_memo.get(weekly)
            if member_covered is None:
                member_covered = 0
                for slot in _weekly_slots(weekly):
                    minutes_in = slot_minutes.get(slot)
                    member_covered += covered(slot) if minutes_in is None else minutes_in
                weekly_memo[weekly] = member_covered
        else:
            member_covered = -1
        if member_covered == 0 or member_id in blocked:
            why = []
            if member_id in away:
                reason = away[member_id]
                why.append(t["away_why"] % {"reason": reason} if reason else t["away"])
            if member_id in clashes:
                why.append(clashes[member_id])
            if member_covered == 0:
                why.append(t["outside"])
            excluded.append((row[1], member_id, why, False, ()))
            continue
        _id, name, status, code, pooled, li, sp, re, wr, facts, _w = row
        served, busy = divmod(int(facts), PACK) if facts else (0, 0)
        certs = cert_counts.get(member_id, 0) if cert_counts else 0
        coverage = None if member_covered < 0 else min(member_covered / minutes, 1.0)
        hours = served / 60 if served else 0
        distance = 0 if code[:9] == post_street else (1 if code[:6] == post_district else 2)
        reserve = pooled or status == reserve_status
        margin = (fl * li + fs * sp + fr * re + fw * wr - floor) if required else \
            (li + sp + re + wr) / 4
        score = (100 + 4 * (margin if margin < 8 else 8) + 3 * (certs if certs < 2 else 2)
                 - (0 if coverage is None else 40 * (1 - coverage))
                 - 2 * (hours if hours < 40 else 40) - 5 * (busy if busy < 6 else 6)
                 - 8 * distance - (25 if reserve else 0))
        scored.append((-round(score, 1), round(hours, 1), name, member_id, status,
                       li, sp, re, wr, bool(reserve), busy, coverage, distance, certs))
    scored.sort()  # best score, fewest hours, name, id (unique)

    def build(item: tuple, rank: int) -> Candidate:
        (score, hours, name, member_id, status, li, sp, re, wr, reserve, busy, coverage,
         distance, certs) = item
        return Candidate(
            member_id, name, status,
            {"listening": li, "speaking": sp, "reading": re, "writing": wr}, -score,
            reserve, hours, busy, None if coverage is None else round(coverage, 2), distance,
            certs, offer_labels.get(offers.get(member_id), "") if offers else "", rank, t)

    for member_id, name, status, *levels in unqualified:
        excluded.append((name, member_id, None, status == inactive, levels))
    excluded.sort()  # by name, then id (unique: nothing further is compared)

    def build_excluded(item: tuple, rank: int) -> Excluded:
        name, member_id, given, is_inactive, levels = item
        if given is not None:
            return Excluded(member_id, name, given, texts=t)
        return Excluded(member_id, name, [], is_inactive, tuple(
            (i, levels[i], mins[i]) for i in required if levels[i] < mins[i]), t)

    return Ranking(need=need, candidates=Built(scored, build),
                   excluded=Built(excluded, build_excluded))


# -- roster and figures -----------------------------------------------------------------------

@dataclass
class RosterRow:
    need: Need
    cells: list[str]  # per hour slot: "" (no need), "filled", "partial", "unfilled"
    members: list[str]


def roster(*, actor: Any, day: datetime.date, hours: int = 24) -> tuple[list[datetime.datetime],
                                                                          list[RosterRow]]:
    """The roster grid of one local day: each need (essential first) × hour, filled or not."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time(0), tzinfo=tz)
    end = start + datetime.timedelta(hours=hours)
    columns = [start + datetime.timedelta(hours=h) for h in range(hours)]
    needs = list(Need.objects.restrict(actor, Action.VIEW).filter(
        starts_at__lt=end, ends_at__gt=start).exclude(status=NeedStatus.CANCELLED)
        .select_related("post").prefetch_related(Prefetch(
            "shifts", queryset=Shift.objects.filter(status__in=ACTIVE_SHIFT + (
                ShiftStatus.NO_SHOW,)).select_related("linguist")))
        .order_by("-essential", "post__name", "starts_at", "id"))
    rows = []
    for need in needs:
        shifts = [s for s in need.shifts.all() if s.status in ACTIVE_SHIFT]
        cells = []
        for column in columns:
            slot_end = column + datetime.timedelta(hours=1)
            if not (need.starts_at < slot_end and need.ends_at > column):
                cells.append("")
                continue
            n = len(shifts)
            cells.append("filled" if n >= need.people else ("partial" if n else "unfilled"))
        rows.append(RosterRow(need=need, cells=cells,
                              members=[s.linguist.name for s in shifts]))
    return columns, rows


def figures(*, actor: Any, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Dashboard figures: deployed now per language and per post, unmet needs per language."""
    now = now or timezone.now()
    on_duty = Shift.objects.restrict(actor, Action.VIEW).filter(
        status__in=(ShiftStatus.ASSIGNED, ShiftStatus.CHECKED_IN), starts_at__lte=now,
        ends_at__gt=now)
    labels = {code: str(label) for code, label in Language.choices}  # JSON keys: no lazy text
    per_language = {labels[r["need__language"]]: r["n"] for r in on_duty.order_by().values(
        "need__language").annotate(n=Count("linguist", distinct=True))}
    per_post = {r["need__post__name"]: r["n"] for r in on_duty.order_by().values(
        "need__post__name").annotate(n=Count("linguist", distinct=True))}
    unmet = {labels[r["language"]]: r["n"] for r in Need.objects.restrict(actor, Action.VIEW)
             .filter(status=NeedStatus.OPEN, ends_at__gt=now).order_by().values("language")
             .annotate(n=Count("id"))}
    return {"deployed_per_language": per_language, "deployed_per_post": per_post,
            "unmet_per_language": unmet, "deployed": on_duty.values("linguist").distinct().count(),
            "unmet": sum(unmet.values())}

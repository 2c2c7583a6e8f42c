"""Reads of the front-line knowledge: search, notes, policies in force on a date, the feed
of changes, FAQ, booklets, and who in a team has not been trained yet."""

from __future__ import annotations

import datetime
import heapq
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Max, Prefetch, Q, QuerySet, Sum, Value, When
from django.urls import reverse
from django.utils.safestring import SafeString

from frontline.core.choices import language_label
from frontline.core.models import OutOfScope
from frontline.core.permissions import Action
from frontline.knowledge import text as search_text
from frontline.knowledge.models import (
    Audience,
    Booklet,
    CountryNote,
    CountryNoteVersion,
    EntryKind,
    FaqEntry,
    FaqState,
    Language,
    Policy,
    ReviewState,
    SearchEntry,
    SearchGram,
    SearchTerm,
    TrainingSession,
)
from frontline.knowledge.services import current_version

MAX_CANDIDATES = 60
TOP_ROWS = 2000  # rows read per requirement on the fast path
SUGGEST_ROWS = 300  # rows read per piece of a typed question
MAX_EXPANSIONS = 8  # words a Latin prefix is expanded to before reading the range


@dataclass
class SearchHit:
    kind: str
    object_id: int
    language: str
    title: SafeString
    snippet: SafeString
    score: int
    state: str
    url: str

    @property
    def language_name(self) -> str:
        """The hit's language named in the reader's language (the code if Django has none)."""
        return language_label(self.language) or self.language

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.object_id, "language": self.language,
                "title": str(self.title), "snippet": str(self.snippet), "score": self.score,
                "state": self.state, "url": self.url}


def _requirements(terms: list[search_text.Term]) -> list[tuple[Q, str | None]]:
    """One filter per requirement (an entry must have a gram matching each), with the
    prefix of a Latin word found by prefix (None otherwise)."""
    needs: list[tuple[Q, str | None]] = []
    for term in terms:
        for gram in term.grams:
            if term.prefix:
                needs.append((Q(gram__gte=gram, gram__lt=search_text.next_string(gram)),
                               None if term.cjk else gram))
            else:
                needs.append((Q(gram=gram), None))
    return needs


def _heaviest(need: Q, limit: int) -> list[tuple[int, int]]:
    return list(SearchGram.objects.filter(need).order_by("-weight", "-entry_id")
                .values_list("entry_id", "weight")[:limit])


def _need_rows(need: Q, prefix: str | None, limit: int = 0
               ) -> tuple[list[tuple[int, int]], bool]:
    """The heaviest rows of one requirement, and whether they are all of them. A Latin
    prefix is expanded to the few words it begins (`SearchTerm`), each read straight off
    the index in weight order, instead of sorting every row of the range."""
    if prefix is not None:
        words = list(SearchTerm.objects.filter(
            gram__gte=prefix, gram__lt=search_text.next_string(prefix))
            .values_list("gram", flat=True)[:MAX_EXPANSIONS + 1])
        if len(words) <= MAX_EXPANSIONS:
            rows: list[tuple[int, int]] = []
            complete = True
            for word in words:
                part = _heaviest(Q(gram=word), limit)
                complete &= len(part) < limit
                rows += part
            return rows, complete
    rows = _heaviest(need, limit)
    return rows, len(rows) < limit


_URL_NAMES = {EntryKind.NOTE: "knowledge:note_detail",
              EntryKind.POLICY: "knowledge:policy_detail", EntryKind.FAQ: "knowledge:faq_detail"}
_PK_MARK = 987654321


def entry_url(kind: str, object_id: int, language: str) -> str:
    template = reverse(_URL_NAMES[kind], kwargs={"pk": _PK_MARK})  # resolved once per kind
    return template.replace(str(_PK_MARK), str(int(object_id))) + f"?lang={language}"


def _grouped(needs: list[Q], *, language: str = "", kinds: list[str] | None = None,
             within: list[int] | None = None, wanted: int = MAX_CANDIDATES) -> dict[int, int]:
    """Exact ranking in SQL: entries with a gram for every requirement, by summed weight."""
    any_need = Q(pk__in=[])
    for need in needs:
        any_need |= need
    grams = SearchGram.objects.filter(any_need)
    if within is not None:
        grams = grams.filter(entry_id__in=within)
    if language:
        grams = grams.filter(entry__language=language)
    if kinds:
        grams = grams.filter(entry__kind__in=kinds)
    rows = grams.values("entry_id").annotate(score=Sum("weight"))
    if len(needs) > 1:
        rows = rows.annotate(**{f"n{i}": Max(Case(When(need, then=Value(1)), default=Value(0)))
                                for i, need in enumerate(needs)}
                             ).filter(**{f"n{i}": 1 for i in range(len(needs))})
    return {row["entry_id"]: row["score"]
            for row in rows.order_by("-score", "entry_id")[:wanted]}


def _scores(rows: list[tuple[int, int]]) -> dict[int, int]:
    scores: dict[int, int] = {}
    for entry_id, weight in rows:
        scores[entry_id] = scores.get(entry_id, 0) + weight
    return scores


def _best(per_need: list[dict[int, int]], wanted: int) -> dict[int, int]:
    if len(per_need) == 1:
        totals = per_need[0]
    else:
        common = set(per_need[0]).intersection(*per_need[1:])
        totals = {e: sum(s[e] for s in per_need) for e in common}
    best = heapq.nsmallest(wanted, totals, key=lambda e: (-totals[e], e))
    return {e: totals[e] for e in best}


def _top_rows(needs: list[tuple[Q, str | None]], wanted: int) -> dict[int, int]:
    """Fast path: the heaviest rows of each requirement, read straight off the index in
    weight order. When one requirement's rows were all read (a rarer word), the others are
    read only for those entries, and the result is exact; when every requirement is common,
    the best entries among their heaviest rows are taken (read deeper once when too few
    entries have them all), and only then the exact grouped query runs."""
    read = [_need_rows(need, prefix, TOP_ROWS) for need, prefix in needs]
    per_need = [_scores(rows) for rows, _done in read]
    if len(needs) == 1:
        if read[0][1] or len(per_need[0]) >= wanted:
            return _best(per_need, wanted)
    else:
        finished = [i for i, (_rows, done) in enumerate(read) if done]
        if not finished:
            scores = _best(per_need, wanted)
            if len(scores) >= wanted:
                return scores
        # Look only in the entries of a rarer requirement read whole (exact), else in the
        # heaviest entries of the first one (the best among them).
        if finished:
            driver = min(finished, key=lambda i: len(per_need[i]))
        else:
            driver = next((i for i, (_q, prefix) in enumerate(needs) if prefix is None), 0)
        if not per_need[driver]:
            return {}
        if len(per_need[driver]) <= 200:
            within = sorted(per_need[driver])
        else:  # a subquery: thousands of ids as parameters cost more than the search
            within = SearchGram.objects.filter(needs[driver][0]).order_by(
                "-weight", "-entry_id").values("entry_id")
            within = within if finished else within[:TOP_ROWS]
        for i, (need, _prefix) in enumerate(needs):
            if i != driver and not read[i][1]:
                per_need[i] = _scores(list(SearchGram.objects.filter(need, entry_id__in=within)
                                           .values_list("entry_id", "weight")))
        scores = _best(per_need, wanted)
        if finished or len(scores) >= wanted:
            return scores
    deeper = [_scores(_need_rows(need, prefix, TOP_ROWS * 8)[0]) for need, prefix in needs]
    scores = _best(deeper, wanted)
    if len(scores) >= wanted:
        return scores
    return _grouped([q for q, _p in needs], wanted=wanted)


def search(*, query: str, language: str = "", kinds: list[str] | None = None,
           limit: int = 20) -> list[SearchHit]:
    """Notes, policies and published FAQ matching every part of the query, best first, with
    the matches highlighted (the text escaped). A two-character Chinese query is one indexed
    gram lookup, read in weight order."""
    terms = search_text.parse_query(query)
    needs = _requirements(terms)
    if not needs:
        return []
    wanted = max(limit * 3, MAX_CANDIDATES)
    if language or kinds:
        scores = _grouped([q for q, _p in needs], language=language, kinds=kinds,
                          wanted=wanted)
    else:
        scores = _top_rows(needs, wanted)
    entries = SearchEntry.objects.in_bulk(list(scores))
    hits: list[SearchHit] = []
    for entry_id in sorted(scores, key=lambda e: (-scores[e], e)):  # at most `wanted`
        entry = entries.get(entry_id)
        if entry is None or not search_text.contains_all(terms, f"{entry.title}\n{entry.body}"):
            continue
        hits.append(SearchHit(
            kind=entry.kind, object_id=entry.object_id, language=entry.language,
            title=search_text.highlight(entry.title, terms, width=300),
            snippet=search_text.highlight(entry.body, terms), score=scores[entry_id],
            state=entry.state, url=entry_url(entry.kind, entry.object_id, entry.language)))
        if len(hits) >= limit:
            break
    return hits


# -- notes -------------------------------------------------------------------------------------

def note_list() -> QuerySet[CountryNote]:
    return CountryNote.objects.prefetch_related(
        Prefetch("versions", queryset=CountryNoteVersion.objects.order_by("-number")))


def note_detail(*, pk: int) -> CountryNote:
    note = note_list().filter(pk=pk).first()
    if note is None:
        raise OutOfScope()
    return note


def note_current(note: CountryNote) -> CountryNoteVersion | None:
    return current_version(note)


def note_versions_waiting() -> QuerySet[CountryNoteVersion]:
    return (CountryNoteVersion.objects.filter(state=ReviewState.REVIEW)
            .select_related("note", "created_by").order_by("created_at"))


# -- policies ----------------------------------------------------------------------------------

def policy_list() -> QuerySet[Policy]:
    return Policy.objects.prefetch_related("texts").select_related("superseded_by")


def policies_in_force(*, on: datetime.date) -> QuerySet[Policy]:
    """The policies in force on a date: in force from then or before, not yet superseded."""
    return policy_list().filter(effective_from__lte=on).filter(
        Q(superseded_on__isnull=True) | Q(superseded_on__gt=on))


def policy_detail(*, pk: int) -> Policy:
    policy = policy_list().filter(pk=pk).first()
    if policy is None:
        raise OutOfScope()
    return policy


@dataclass
class FeedItem:
    date: datetime.date
    event: str  # in_force, superseded, note_approved
    title: str
    url: str
    object_id: int


def change_feed(*, language: str = Language.ZH, limit: int = 50) -> list[FeedItem]:
    """Policies coming into force or superseded, and country notes approved, newest first."""
    items: list[FeedItem] = []
    recent = policy_list().order_by("-effective_from")[:limit]
    superseded = policy_list().filter(superseded_on__isnull=False).order_by("-superseded_on")[:limit]
    for policy in recent:
        text = policy.text(language)
        items.append(FeedItem(policy.effective_from, "in_force", text.title if text else policy.code,
                              entry_url(EntryKind.POLICY, policy.pk, language), policy.pk))
    for policy in superseded:
        text = policy.text(language)
        items.append(FeedItem(policy.superseded_on, "superseded",
                              text.title if text else policy.code,
                              entry_url(EntryKind.POLICY, policy.pk, language), policy.pk))
    approved = (CountryNoteVersion.objects.filter(state=ReviewState.APPROVED)
                .select_related("note").order_by("-reviewed_at")[:limit])
    for version in approved:
        items.append(FeedItem(version.reviewed_at.date(), "note_approved",
                              f"{version.note.name(language)} v{version.number}",
                              entry_url(EntryKind.NOTE, version.note_id, language),
                              version.note_id))
    items.sort(key=lambda i: (i.date, i.event), reverse=True)
    return items[:limit]


# -- FAQ ---------------------------------------------------------------------------------------

def faq_list(*, actor: Any, state: str = "") -> QuerySet[FaqEntry]:
    """Published entries for everyone; drafts and entries under review for the team."""
    from frontline.knowledge.services import may_review, may_write

    qs = FaqEntry.objects.prefetch_related("texts")
    if not (may_write(actor) or may_review(actor)):
        qs = qs.filter(state=FaqState.PUBLISHED)
    if state:
        qs = qs.filter(state=state)
    return qs


def faq_detail(*, actor: Any, pk: int) -> FaqEntry:
    entry = faq_list(actor=actor).filter(pk=pk).first()
    if entry is None:
        raise OutOfScope()
    return entry


def faq_suggest(*, text: str, language: str = "", limit: int = 5) -> list[SearchHit]:
    """Published FAQ entries sharing the most pieces (two-character grams, words) with what
    someone is typing: a whole sentence finds an entry that shares only some of it."""
    grams = [g for g in search_text.grams_of((text or "")[:500])
             if len(g) >= 2 and (search_text.is_cjk(g) or len(g) >= 3)][:80]
    if not grams:
        return []
    # Each piece's heaviest rows, read off the index in weight order (the typing path must
    # stay fast however common the words are); entries sharing the most pieces come first.
    matched: dict[int, int] = {}
    weight: dict[int, int] = {}
    for gram in grams[:16]:
        for entry_id, w in _heaviest(Q(gram=gram), SUGGEST_ROWS):
            matched[entry_id] = matched.get(entry_id, 0) + 1
            weight[entry_id] = weight.get(entry_id, 0) + w
    best = heapq.nsmallest(SUGGEST_ROWS, matched, key=lambda e: (-matched[e], -weight[e], e))
    faq = SearchEntry.objects.filter(pk__in=best, kind=EntryKind.FAQ)
    if language:
        faq = faq.filter(language=language)
    entries = {e.pk: e for e in faq}
    rows = [{"entry_id": e, "n": matched[e]} for e in best if e in entries][:limit * 2]
    terms = [search_text.Term(g, search_text.is_cjk(g)) for g in grams]
    hits: list[SearchHit] = []
    seen: set[int] = set()
    for row in rows:
        entry = entries[row["entry_id"]]
        if entry.object_id in seen:
            continue
        seen.add(entry.object_id)
        hits.append(SearchHit(
            kind=entry.kind, object_id=entry.object_id, language=entry.language,
            title=search_text.highlight(entry.title, terms, width=300),
            snippet=search_text.highlight(entry.body, terms), score=row["n"], state=entry.state,
            url=entry_url(entry.kind, entry.object_id, entry.language)))
    return hits[:limit]


# -- booklets and training ---------------------------------------------------------------------

def booklet_list() -> QuerySet[Booklet]:
    return Booklet.objects.select_related("created_by").prefetch_related("notes", "policies")


def training_list(*, actor: Any) -> QuerySet[TrainingSession]:
    return (TrainingSession.objects.restrict(actor, Action.VIEW)
            .select_related("place", "jurisdiction").prefetch_related("attendances"))


def team_members(*, session: TrainingSession) -> QuerySet:
    """The staff of the session's team: roles held at its place, or inside its street."""
    from frontline.accounts.models import RoleAssignment, User
    from frontline.core.models import code_prefix_q

    roles = RoleAssignment.objects.filter(revoked_at__isnull=True)
    if session.audience in (Audience.HOTEL, Audience.TRANSFER):
        roles = roles.filter(place_id=session.place_id)
    else:
        roles = roles.filter(code_prefix_q("scope_code", session.jurisdiction_code),
                             place__isnull=True)
    return User.objects.filter(pk__in=roles.values("user_id"), is_active=True).order_by(
        "username")


def untrained_members(*, session: TrainingSession) -> QuerySet:
    """Members of the session's team who attended no training session of that team yet."""
    from frontline.knowledge.models import Attendance

    same_team = TrainingSession.objects.filter(audience=session.audience,
                                               place_id=session.place_id,
                                               jurisdiction_id=session.jurisdiction_id)
    trained = Attendance.objects.filter(session__in=same_team).values("user_id")
    return team_members(session=session).exclude(pk__in=trained)

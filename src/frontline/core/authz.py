"""The authorization matrix: every URL that addresses one object, what it addresses, and how
a user's jurisdiction relates to a row's.

The matrix test (`core/tests/test_authz_matrix.py`) crosses every role, held in every
relation to a row's jurisdiction (same, parent, child, sibling, other district), with every
page and API route below and every HTTP method, and requires that out of scope answers 404
and changes nothing. This module says which model each route addresses, so that a new route
without an entry here makes the matrix's meta-test fail instead of going untested.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

# Keyword arguments of a route that do not name a stored row: a response format, a language,
# the kind of a file, the step of a workflow. Every other keyword argument names an object.
NON_OBJECT_KWARGS = frozenset({"format", "lang", "language", "fmt", "kind", "what", "answer",
                               "step"})

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

RELATIONS = ("same", "parent", "child", "sibling", "other_district")


@dataclass(frozen=True)
class ObjectRoute:
    """A URL pattern with at least one keyword argument that names a stored row."""

    name: str  # namespaced: "people:person_detail", "api:person-detail"
    route: str  # the pattern's text, for messages
    kwargs: tuple[str, ...]
    callback: Any

    @property
    def object_kwargs(self) -> tuple[str, ...]:
        return tuple(k for k in self.kwargs if k not in NON_OBJECT_KWARGS)

    @property
    def other_kwargs(self) -> tuple[str, ...]:
        return tuple(k for k in self.kwargs if k in NON_OBJECT_KWARGS)

    @property
    def is_api(self) -> bool:
        return getattr(self.callback, "cls", None) is not None

    @property
    def api_methods(self) -> frozenset[str]:
        """The methods a DRF route answers at all; any other is 405 before any lookup."""
        cls = self.callback.cls
        allowed = {m.upper() for m in getattr(cls, "http_method_names", ())}
        return frozenset(m.upper() for m in self.callback.actions) & allowed


def _pattern_kwargs(pattern: Any) -> list[str]:
    inner = pattern.pattern
    converters = getattr(inner, "converters", None)
    if converters:
        return list(converters)
    regex = getattr(inner, "regex", None)
    return list(regex.groupindex) if regex is not None else []


def _walk(patterns, prefix: str = "", namespace: str | None = None, kwargs: tuple = ()
          ) -> Iterator[tuple[str, str | None, Any, tuple[str, ...]]]:
    for p in patterns:
        here = tuple(kwargs) + tuple(_pattern_kwargs(p))
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns, here)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield prefix + str(p.pattern), name, p.callback, here


def object_routes() -> list[ObjectRoute]:
    """Every named route with an object keyword argument, once per name.

    DRF's format-suffix twins (`.json`) are the same view as the route they copy and are left
    out; so is an unnamed route, which nothing can link to.
    """
    seen: dict[str, ObjectRoute] = {}
    for route, name, callback, kwargs in _walk(get_resolver().url_patterns):
        if not name or "format" in kwargs:
            continue
        candidate = ObjectRoute(name=name, route=route, kwargs=kwargs, callback=callback)
        if not candidate.object_kwargs:
            continue
        seen.setdefault(name, candidate)
    return sorted(seen.values(), key=lambda r: r.name)


# -- what each route addresses -------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """What the object keyword argument of a route names.

    `scoped`: a row of a scoped model; out of the caller's scope it answers 404.
    `own`: a row that belongs to one user (`owner` is the path to that user); anyone else
    gets 404, whatever their scope.
    `public`: not addressed by jurisdiction at all (a capability link, reference content read
    by every staff member); `reason` says why, and the matrix leaves it out.
    """

    kind: str
    model: str = ""
    owner: str = ""
    reason: str = ""


def scoped(model: str) -> Target:
    return Target("scoped", model=model)


def own(model: str, owner: str) -> Target:
    return Target("own", model=model, owner=owner)


def public(reason: str) -> Target:
    return Target("public", reason=reason)


_KNOWLEDGE = public("front-line knowledge (country notes, policies, FAQ, booklets): not personal "
                    "data, read by every staff member, written by the knowledge team")
_TRAVELLER = public("a traveller's personal link: the secret token in the URL is the access")

# Function views (and views without a model) name what they look up here; class-based views
# and API viewsets are read from their `model`/`queryset`.
PAGE_TARGETS: dict[str, Target] = {
    "areas:jurisdiction_rename": scoped("areas.Jurisdiction"),
    "areas:place_edit": scoped("areas.Place"),
    "accounts:token_revoke": own("accounts.ApiToken", "user"),
    "accounts:user_detail": scoped("accounts.User"),
    "accounts:user_set_active": scoped("accounts.User"),
    "accounts:user_reset_password": scoped("accounts.User"),
    "accounts:user_reset_authenticator": scoped("accounts.User"),
    "accounts:user_tokens_revoke": scoped("accounts.User"),
    "accounts:user_sessions_end": scoped("accounts.User"),
    "accounts:role_revoke": scoped("accounts.RoleAssignment"),
    "people:person_detail": scoped("people.Person"),
    "people:person_edit": scoped("people.Person"),
    "people:person_request": scoped("people.Person"),
    "people:document_add": scoped("people.Person"),
    "people:travel_add": scoped("people.Person"),
    "people:stay_add": scoped("people.Person"),
    "people:document_reveal": scoped("people.IdentityDocument"),
    "people:stay_check_out": scoped("people.LodgingStay"),
    "people:lodgers": scoped("areas.Place"),
    "people:risk_edit": scoped("people.RiskCountry"),
    "people:duplicate_decide": scoped("people.DuplicateCandidate"),
    "people:import_detail": scoped("people.ImportJob"),
    "people:import_progress": scoped("people.ImportJob"),
    "people:import_mapping": scoped("people.ImportJob"),
    "people:import_confirm": scoped("people.ImportJob"),
    "people:import_errors_csv": scoped("people.ImportJob"),
    "documents:template_edit": scoped("documents.DocumentTemplate"),
    "documents:template_preview": scoped("documents.DocumentTemplate"),
    "documents:translation_approve": scoped("documents.Translation"),
    "documents:translation_comment": scoped("documents.Translation"),
    "documents:translation_history": scoped("documents.Translation"),
    "documents:glossary_edit": scoped("documents.GlossaryTerm"),
    "documents:issued_download": scoped("documents.IssuedDocument"),
    "documents:issued_revoke": scoped("documents.IssuedDocument"),
    "documents:batch_progress": scoped("documents.IssueBatch"),
    "documents:batch_download": scoped("documents.IssueBatch"),
    "documents:batch_retry": scoped("documents.IssueBatch"),
    "documents:distribution_create": scoped("documents.PrintRun"),
    "documents:proofread_comment": scoped("documents.ProofreadRequest"),
    "documents:proofread_download": scoped("documents.ProofreadRequest"),
    "documents:verify": public("the public check of an issued document's QR code: the serial "
                               "and its signature are the access, and it shows masked data"),
    "arrivals:arrival_detail": scoped("arrivals.Arrival"),
    "arrivals:arrival_print": scoped("arrivals.Arrival"),
    "arrivals:arrival_cancel": scoped("arrivals.Arrival"),
    "arrivals:arrival_check_in_party": scoped("arrivals.Arrival"),
    "arrivals:arrival_notice": scoped("arrivals.Arrival"),
    "arrivals:arrival_notice_download": scoped("arrivals.Arrival"),
    "arrivals:rule_edit": scoped("arrivals.SortingRule"),
    "arrivals:batch_detail": scoped("arrivals.HandoverBatch"),
    "arrivals:batch_manifest": scoped("arrivals.HandoverBatch"),
    "arrivals:import_detail": scoped("arrivals.ArrivalImport"),
    "arrivals:reference_edit": public("the identity-document reference is read by every staff "
                                      "member; its edit page re-checks the entry's office"),
    "observation:observation_detail": scoped("observation.Observation"),
    "observation:observation_adjust": scoped("observation.Observation"),
    "observation:observation_end": scoped("observation.Observation"),
    "observation:observation_transfer": scoped("observation.Observation"),
    "observation:observation_transfer_cancel": scoped("observation.Observation"),
    "observation:observation_move": scoped("observation.Observation"),
    "observation:check_add": scoped("observation.Observation"),
    "observation:check_correct": scoped("observation.HealthCheck"),
    "observation:link_create": scoped("observation.Observation"),
    # Only an observation with a transfer pending to the caller's area is found here.
    "observation:transfer_accept": scoped("observation.Observation"),
    "observation:link_revoke": scoped("observation.SelfReportLink"),
    "observation:hotel_detail": scoped("areas.Place"),
    "observation:room_add": scoped("areas.Place"),
    "observation:room_status": scoped("observation.Room"),
    "observation:alert_acknowledge": scoped("observation.Alert"),
    "observation:alert_close": scoped("observation.Alert"),
    "observation:self_report": _TRAVELLER,
    "reports:submission": scoped("reports.Submission"),
    "reports:bulletin_download": scoped("reports.Bulletin"),
    "reports:meeting_detail": scoped("reports.Meeting"),
    "reports:item_done": scoped("reports.ActionItem"),
    "portal:pass": _TRAVELLER,
    "portal:edit": _TRAVELLER,
    "portal:companion": _TRAVELLER,
    "linguists:member_detail": scoped("linguists.Linguist"),
    "linguists:member_edit": scoped("linguists.Linguist"),
    "linguists:member_add": scoped("linguists.Linguist"),
    "linguists:need_detail": scoped("linguists.Need"),
    "linguists:need_offer": scoped("linguists.Need"),
    "linguists:need_cancel": scoped("linguists.Need"),
    "linguists:offer_answer": scoped("linguists.Offer"),
    "linguists:shift_step": scoped("linguists.Shift"),
    "linguists:request_detail": scoped("linguists.SpeakerRequest"),
    "linguists:remote_detail": scoped("linguists.RemoteAssignment"),
    "linguists:me_offer": own("linguists.Offer", "linguist__user"),
    "linguists:me_shift": own("linguists.Shift", "linguist__user"),
    "linguists:me_call": own("linguists.RemoteAssignment", "linguist__user"),
    "knowledge:note_detail": _KNOWLEDGE,
    "knowledge:note_edit": _KNOWLEDGE,
    "knowledge:note_version_review": _KNOWLEDGE,
    "knowledge:policy_detail": _KNOWLEDGE,
    "knowledge:policy_approve": _KNOWLEDGE,
    "knowledge:faq_detail": _KNOWLEDGE,
    "knowledge:faq_edit": _KNOWLEDGE,
    "knowledge:faq_decide": _KNOWLEDGE,
    "knowledge:booklet_detail": _KNOWLEDGE,
    "knowledge:booklet_pdf": _KNOWLEDGE,
    "knowledge:training_detail": scoped("knowledge.TrainingSession"),
    "helpdesk:question_detail": scoped("helpdesk.Question"),
    "helpdesk:question_close": scoped("helpdesk.Question"),
    "helpdesk:attachment_download": scoped("helpdesk.Question"),
    "helpdesk:reply_promote": scoped("helpdesk.Question"),
    "incidents:incident_detail": scoped("incidents.Incident"),
    "incidents:note_add": scoped("incidents.Incident"),
    "incidents:person_link": scoped("incidents.Incident"),
    "incidents:liaison_add": scoped("incidents.Incident"),
    "incidents:incident_close": scoped("incidents.Incident"),
    "incidents:acknowledge": scoped("incidents.Incident"),
    "incidents:report_draft": scoped("incidents.Incident"),
    "incidents:step_complete": scoped("incidents.IncidentStep"),
    "incidents:report_detail": scoped("incidents.IncidentReport"),
    "incidents:report_pdf": scoped("incidents.IncidentReport"),
    "notify:notification_read": own("notify.Notification", "user"),
    "notify:message_retry": scoped("notify.Message"),
    "notify:webhook_edit": scoped("notify.ChatWebhook"),
    "notify:webhook_test": scoped("notify.ChatWebhook"),
}

# API viewsets that are not scoped say why (`unscoped_reason`); those whose rows are a user's
# own name the path to that user here.
API_OWNERS: dict[str, str] = {
    "accounts.ApiToken": "user",
    "notify.Notification": "user",
    "linguists.Offer": "linguist__user",
}

# The object keyword arguments that name a child of the route's row (an attachment of a
# question); the row the route addresses is always the one named by the first.
SECONDARY_KWARGS = frozenset({"attachment_id", "reply_id"})

# The values of the non-object keyword arguments: each is a named action URL of its own.
OTHER_KWARG_VALUES: dict[tuple[str, str], tuple[str, ...]] = {
    ("documents:template_preview", "language"): ("en",),
    ("reports:bulletin_download", "kind"): ("pdf", "xlsx"),
    ("people:person_request", "kind"): ("copy", "erase"),
    ("linguists:member_add", "what"): ("language", "certificate", "availability",
                                        "unavailable"),
    ("linguists:offer_answer", "answer"): ("accept", "decline"),
    ("linguists:me_offer", "answer"): ("accept", "decline"),
    ("linguists:shift_step", "step"): ("check-in", "check-out", "no-show"),
    ("linguists:me_shift", "step"): ("check-in", "check-out"),
}


def _label(model: Any) -> str:
    return model._meta.label


def route_target(route: ObjectRoute) -> Target | None:
    """What `route` addresses, or None when nobody has said (the meta-test fails on it)."""
    from frontline.core.api import ScopedViewSetMixin

    if route.name in PAGE_TARGETS:
        return PAGE_TARGETS[route.name]
    cls = getattr(route.callback, "cls", None)
    if cls is not None:  # a DRF viewset
        queryset = getattr(cls, "queryset", None)
        if issubclass(cls, ScopedViewSetMixin) and queryset is not None:
            return scoped(_label(queryset.model))
        reason = getattr(cls, "unscoped_reason", "")
        if reason.startswith("own rows") and queryset is not None:
            owner = API_OWNERS.get(_label(queryset.model))
            return own(_label(queryset.model), owner) if owner else None
        return public(reason) if reason else None
    view_class = getattr(route.callback, "view_class", None)
    if view_class is not None:
        model = getattr(view_class, "model", None)
        queryset = getattr(view_class, "queryset", None)
        if queryset is not None:
            model = queryset.model
        if model is not None:
            return scoped(_label(model))
    return None


# -- how a user's jurisdiction relates to a row's ------------------------------------------

def district_of(code: str) -> str:
    """The district part of a division code; a city's code is its own."""
    return code[:6] if len(code) >= 6 else code


def relation(held: str, row: str) -> str:
    """How the jurisdiction a role is held at (`held`) relates to a row's jurisdiction.

    `parent`: the role sits above the row (the row is in its area); `child`: below it;
    `sibling`: elsewhere in the same district; `other_district`: in another district (or, for a
    city, another city).
    """
    if held == row:
        return "same"
    if row.startswith(held):
        return "parent"
    if held.startswith(row):
        return "child"
    if district_of(held) == district_of(row):
        return "sibling"
    return "other_district"


def common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n

"""The authorization matrix: every role, held at a jurisdiction (or place) in every relation to
a row's jurisdiction, against every page and API route that addresses one object, with every
HTTP method. Out of scope answers 404 and changes nothing (DESIGN.md, CONVENTIONS.md).

- Routes come from the URL resolver (`frontline.core.authz`): a new route is in the matrix, or
  the meta-tests below fail until somebody says what it addresses.
- Rows are those every scoped model's `ScopedPermissionTests.make_objects` builds; each route
  is tried on one of them (the row the permission tests keep outside their viewer's scope).
- Users: one per role and jurisdiction (or place) of a tree of two cities; for each row, each
  role and each relation (same, parent, child, sibling, other district), the nearest user
  whose role reaches the row for none of its actions (`covers`, a naive oracle that does not
  use restrict()). Place-bound roles are held at places that are not the row's.
- Expected: 404. A 405 passes only where the method is refused before any lookup, for
  everyone: on the API, a method the route does not route (DRF answers 405 in dispatch, before
  get_object); on a page, one a superuser asking for a row that does not exist also gets 405
  for (require_POST and the like). Anything else fails: 403 says the row is there, 400 judged
  the body of a row the caller may not see, 200/302 served it, 500 broke.
- Nothing changed: the row as stored, its table's row count, the change log, the access log
  and the outbox, read after every request (each runs in a savepoint rolled back after).
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.models import Model
from django.test import Client, override_settings
from django.urls import reverse

from frontline.core.authz import (
    METHODS,
    OTHER_KWARG_VALUES,
    RELATIONS,
    SECONDARY_KWARGS,
    ObjectRoute,
    Target,
    common_prefix,
    object_routes,
    relation,
    route_target,
)
from frontline.core.models import ScopedModel, is_scoped_model
from frontline.core.testing import TreeBuilder

MIN_CASES = 10_000

BUILD_SETTINGS = {
    # Sessions in memory: the matrix logs in once per user and sends tens of thousands of
    # requests; what it checks does not depend on where a session is kept.
    "SESSION_ENGINE": "django.contrib.sessions.backends.cache",
    "LANGUAGE_CODE": "en",
    "FRONTLINE_REQUIRE_2FA": False,
    "PASSWORD_HASHERS": ["frontline.core.testing.FastArgon2PasswordHasher"],
    "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
}

# More of the tree than TreeBuilder's, so that every relation exists for every row: a second
# street and more communities in the other district, and a second city.
EXTRA_CODES = [
    ("110102002", "西城第二街道", "street", "110102"),
    ("110102001002", "府右街第二社区", "community", "110102001"),
    ("110102002001", "西城第二社区", "community", "110102002"),
    ("12", "天津市", "city", ""),
    ("120101", "和平区", "district", "12"),
    ("120101001", "劝业场街道", "street", "120101"),
    ("120101001001", "花园社区", "community", "120101001"),
]
EXTRA_PLACES = [
    ("m-transfer-street", "transfer_point", "110101001"),
    ("m-transfer-west", "transfer_point", "110102"),
    ("m-transfer-tianjin", "transfer_point", "120101"),
    ("m-hotel-street2", "observation_hotel", "110101002"),
    ("m-hotel-west-street", "observation_hotel", "110102001"),
    ("m-hotel-tianjin", "observation_hotel", "120101"),
    ("m-lodging-community", "lodging_hotel", "110101002001"),
]

# Rows whose reads are deliberately wider than the code prefix: a street reads its district's
# document templates (TemplateQuerySet), the report periods and the contingency plans and
# notice rules of the offices above it (reports.selectors.runs, incidents.selectors). A role
# held below such a row sees it.
READ_WIDENED = {"documents.DocumentTemplate", "reports.ReportRun", "incidents.ContingencyPlan",
                "incidents.NoticeRule"}

# Writes carry a plausible body (below) from a grant in the same branch of the tree, and an
# empty one from a grant elsewhere: a route that judges the body before it looks the row up
# answers 400 to the second, where it must answer 404 like for a row that does not exist.
EMPTY_BODY_RELATIONS = {"sibling", "other_district"}

# Form data and JSON sent with writes, so that a route which forgot its scope would really
# change something. Harvested from the permission tests' edit_data/api_patch, plus these.
PAYLOADS: dict[str, dict[str, Any]] = {
    "people:document_reveal": {"reason": "curious"},
    "people:person_request": {"reason": "the person asked by letter"},
    "api:person-data-copy": {"reason": "the person asked by letter"},
    "api:person-erase": {"reason": "the person asked by letter"},
    "people:duplicate_decide": {"decision": "keep_first"},
    "people:travel_add": {"country": "IT", "from_date": "2020-01-01", "to_date": "2020-01-02"},
    "people:import_confirm": {"mode": "all"},
    "observation:observation_adjust": {"days": 3, "reason": "x"},
    "observation:observation_end": {"status": "ended_early", "reason": "x"},
    "observation:observation_transfer": {"to": "110101001", "reason": "x"},
    "observation:check_add": {"temperature": "38.5"},
    "observation:room_status": {"status": "out_of_service"},
    "observation:room_add": {"number": "901", "floor": 9, "beds": 1},
    "observation:alert_close": {"note": "x"},
    "accounts:user_set_active": {"active": "0"},
    "accounts:user_reset_password": {"password": "a-new-password-9876"},
    "incidents:note_add": {"text": "x"},
    "incidents:incident_close": {"reason": "x"},
    "reports:item_done": {"note": "x"},
    "documents:issued_revoke": {"reason": "x"},
    "documents:translation_comment": {"text": "x"},
    "documents:proofread_comment": {"text": "x"},
    "arrivals:arrival_cancel": {"reason": "x"},
    "api:observation-adjust": {"days": 3, "reason": "x"},
    "api:observation-end": {"status": "ended_early", "reason": "x"},
    "api:observationalert-close": {"note": "x"},
    "api:room-set-status": {"status": "out_of_service"},
    "api:identitydocument-reveal": {"reason": "curious"},
    "api:duplicate-decide": {"same_person": True},
    "api:arrival-cancel": {"reason": "x"},
    "api:incident-close": {"reason": "x"},
    "api:incident-note": {"text": "x"},
    "api:actionitem-done": {"note": "x"},
    "api:question-close": {},
    "api:question-replies": {"text": "x"},
}

# Routes that only find rows of one kind: a hotel's page is not a school's.
ROW_FILTERS = {
    "observation:hotel_detail": lambda row: row.kind == "observation_hotel",
    "observation:room_add": lambda row: row.kind == "observation_hotel",
}

# A superuser reaches every route's row (so the matrix's 404s are about scope, not about a
# wrong URL) except on these routes, which answer 404 for reasons of the row's state that
# come after the scope check.
CONTROL_404 = {
    "observation:transfer_accept": "only an observation with a transfer pending to the caller",
    "api:observation-accept-transfer": "only an observation with a transfer pending",
    "helpdesk:attachment_download": "the question has no attachment",
    "api:question-attachment": "the question has no attachment",
    "helpdesk:reply_promote": "the question has no answer to promote",
    "reports:bulletin_download": "the bulletin's files are rendered by a task not run here",
    "arrivals:arrival_notice_download": "the arrival has no notice issued",
}


# -- the data: a tree, every scoped model's rows, a user per role and place --------------------

@dataclass
class Grant:
    """A matrix user: one role held at one jurisdiction or one place."""

    role: str
    code: str  # the jurisdiction's code, or the place's responsible jurisdiction
    place_id: int | None
    user: Any
    client: Client


@dataclass
class RowInfo:
    key: str
    label: str
    row: Model
    codes: frozenset[str]
    places: frozenset[int]
    owner_id: int | None = None

    @property
    def primary_code(self) -> str:
        return min(self.codes, key=lambda c: (len(c), c)) if self.codes else ""


@dataclass
class Matrix:
    tree: TreeBuilder
    rows: dict[str, list[RowInfo]] = field(default_factory=dict)  # model label -> rows
    grants: list[Grant] = field(default_factory=list)
    root: Client | None = None
    build_seconds: float = 0.0
    cases: list[Case] | None = None


def _new_client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _row_scope(row: Model) -> tuple[frozenset[str], frozenset[int]]:
    """Where a row is, read from its fields the way its queryset's restrict() reads them."""
    label = row._meta.label
    if not is_scoped_model(type(row)):  # a user's own row (a token): where its owner works
        return _row_scope(row.user)[0], frozenset()
    if label == "accounts.User":
        roles = list(row.roles.filter(revoked_at__isnull=True))
        return (frozenset(r.scope_code for r in roles),
                frozenset(r.place_id for r in roles if r.place_id))
    codes = frozenset({getattr(row, type(row).scope_code_field, "") or ""} - {""})
    places = {ScopedModel.scope_place_id(row)}
    if label in ("arrivals.Arrival", "arrivals.HandoverBatch"):
        places |= {row.desk_place_id, row.destination_place_id}
    return codes, frozenset(places - {None})


def _owner_id(row: Model, path: str) -> int | None:
    value = row
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value.pk


def _permission_classes() -> list[type]:
    from frontline.core.tests.test_coverage import _permission_test_classes

    return _permission_test_classes()


def _documents_rows(tree) -> None:
    """Rows of the document models whose own make_objects collide with the templates another
    class made already (one template per kind and office): a revision and a comment of each
    English translation, and an issued document of each template."""
    from django.utils import timezone

    from frontline.accounts.models import User
    from frontline.documents import services
    from frontline.documents.models import DocumentTemplate, IssuedDocument
    from frontline.documents.tests.factories import translate

    # Every office's templates, whichever office made them: the builder is a superuser.
    builder = User.objects.create_superuser(username="m-builder", email="builder@example.org",
                                            password=None)
    tree.users["m-builder"] = builder
    for template in DocumentTemplate.objects.order_by("pk"):
        translation = template.translations.filter(language="en").first()
        if translation is None:
            continue
        if not translation.revisions.exists():
            translation = translate(tree, template, user="m-builder")
        services.translation_comment_add(actor=builder, translation=translation,
                                         text="matrix")
        if not IssuedDocument.objects.filter(template=template).exists():
            IssuedDocument.objects.create(
                serial=f"{template.jurisdiction_code}-2026-{template.pk:07d}", kind=template.kind,
                template=template, language="en", jurisdiction_code=template.jurisdiction_code,
                name_masked="SMIT****hn", issued_at=timezone.now())


def _own_rows(tree) -> list[Model]:
    """Rows that belong to one user: an API token and a notification of the district's staff."""
    from frontline.accounts import services as accounts
    from frontline.notify.models import Notification

    owner = tree.users["district"]
    token, _key = accounts.token_create(actor=owner, name="matrix")
    note = Notification.objects.create(user=owner, title="matrix", body="matrix")
    return [token, note]


def build_matrix() -> Matrix:
    from frontline.accounts.models import User
    from frontline.accounts.roles import ROLE_SPECS
    from frontline.accounts.services import role_grant_from_console
    from frontline.areas.models import Jurisdiction, Place

    started = time.perf_counter()
    tree = TreeBuilder().build()
    matrix = Matrix(tree=tree)
    found: dict[str, list[Model]] = defaultdict(list)
    for cls in _permission_classes():
        label = cls.model._meta.label
        if found[label]:
            continue
        try:
            with transaction.atomic():
                found[label].extend(cls().make_objects(tree))
        except Exception:  # noqa: S112 - it collides with rows made before; see below
            continue
    _documents_rows(tree)
    # A scoped model still without rows: two rows the other classes made, at two places.
    for model in apps.get_models():
        label = model._meta.label
        if model.__module__.startswith("frontline.") and is_scoped_model(model) \
                and not found[label]:
            by_code: dict[frozenset[str], Model] = {}
            for row in model._default_manager.order_by("pk")[:50]:
                by_code.setdefault(_row_scope(row)[0], row)
            found[label].extend(list(by_code.values())[-2:])
    for row in _own_rows(tree):
        found[row._meta.label].append(row)
    found["areas.Place"].insert(0, tree.places["hotel_other"])  # for the hotels' pages

    for code, name, level, parent in EXTRA_CODES:
        tree.jurisdictions[code] = Jurisdiction.objects.create(
            code=code, name=name, level=level,
            parent=tree.jurisdictions.get(parent) if parent else None)
    for key, kind, code in EXTRA_PLACES:
        tree.places[key] = Place.objects.create(
            name=key, kind=kind, jurisdiction=tree.jurisdictions[code], jurisdiction_code=code)

    for label, rows in found.items():
        infos = []
        for i, row in enumerate(rows):
            codes, places = _row_scope(row)
            infos.append(RowInfo(key=f"{label}#{i}", label=label, row=row, codes=codes,
                                 places=places))
        matrix.rows[label] = infos

    for role, spec in ROLE_SPECS.items():
        for code, jurisdiction in sorted(tree.jurisdictions.items()):
            if jurisdiction.level in spec.levels:
                user = User.objects.create_user(username=f"m-{role}-{code}")
                role_grant_from_console(user=user, role=role, jurisdiction=jurisdiction)
                matrix.grants.append(Grant(role, code, None, user, _new_client(user)))
        for key, place in sorted(tree.places.items()):
            if place.kind in spec.place_kinds:
                user = User.objects.create_user(username=f"m-{role}-{key}")
                role_grant_from_console(user=user, role=role, place=place)
                matrix.grants.append(Grant(role, place.jurisdiction_code, place.pk, user,
                                           _new_client(user)))
    root = User.objects.create_superuser(username="m-root", email="root@example.org",
                                         password=None)
    matrix.root = _new_client(root)
    matrix.build_seconds = time.perf_counter() - started
    return matrix


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    """Built once for the module, inside a transaction rolled back at its end."""
    with django_db_blocker.unblock(), override_settings(**BUILD_SETTINGS):
        # Every app's tests are imported first: one of them requests a WSGI page at import
        # time, which closes the database connection; not inside our transaction, then.
        _permission_classes()
        with transaction.atomic():
            built = build_matrix()
            yield built
            transaction.set_rollback(True)


# -- the cases --------------------------------------------------------------------------------

def covers(grant: Grant, info: RowInfo) -> bool:
    """The naive oracle: does this role, held there, reach the row for any of its actions?"""
    from frontline.accounts.roles import role_spec

    spec = role_spec(grant.role)
    if not spec.actions:
        return False
    if grant.place_id is not None:
        return grant.place_id in info.places
    if any(code.startswith(grant.code) for code in info.codes):
        return True
    return info.label in READ_WIDENED and any(
        grant.code.startswith(code) for code in info.codes)


@dataclass(frozen=True)
class RouteUse:
    """One URL of a route for one row: the route, its keyword arguments, what it addresses."""

    route: ObjectRoute
    target: Target
    kwargs: tuple[tuple[str, Any], ...]

    @property
    def url(self) -> str:
        return reverse(self.route.name, kwargs=dict(self.kwargs))

    @property
    def label(self) -> str:
        extra = ",".join(f"{k}={v}" for k, v in self.kwargs if k not in ("pk", "code"))
        return self.route.name + (f"[{extra}]" if extra else "")


def _object_value(info: RowInfo, kwarg: str) -> Any:
    if kwarg in SECONDARY_KWARGS:
        related = {"attachment_id": "attachments", "reply_id": "replies"}[kwarg]
        first = getattr(info.row, related).order_by("pk").first()
        return first.pk if first is not None else 1
    if kwarg == "code":
        return info.row.code
    return info.row.pk


def route_uses(info: RowInfo, route: ObjectRoute, target: Target) -> list[RouteUse]:
    """The URLs of `route` for the row: one per value of its action arguments."""
    base = [(k, _object_value(info, k)) for k in route.object_kwargs]
    variants: list[list[tuple[str, Any]]] = [base]
    for kwarg in route.other_kwargs:
        values = OTHER_KWARG_VALUES[(route.name, kwarg)]
        variants = [v + [(kwarg, value)] for v in variants for value in values]
    return [RouteUse(route, target, tuple(v)) for v in variants]


def routes_by_model() -> dict[str, list[tuple[ObjectRoute, Target]]]:
    grouped: dict[str, list[tuple[ObjectRoute, Target]]] = defaultdict(list)
    for route in object_routes():
        target = route_target(route)
        if target is not None and target.kind in ("scoped", "own"):
            grouped[target.model].append((route, target))
    return grouped


@dataclass(frozen=True)
class Case:
    info_key: str
    role: str
    relation: str
    grant_index: int
    use: RouteUse
    method: str


def representatives(matrix: Matrix, info: RowInfo, *, owned: bool
                    ) -> list[tuple[str, str, int]]:
    """For each role and relation, the nearest grant that does not reach the row.

    "Nearest" is the longest common code prefix with the row: the grant most likely to slip
    through a prefix filter that is one digit off.
    """
    chosen = {}
    row_code = info.primary_code
    for index, grant in enumerate(matrix.grants):
        if not owned and covers(grant, info):
            continue
        if owned and grant.user.pk == info.owner_id:
            continue
        rel = relation(grant.code, row_code) if row_code else "other_district"
        key = (grant.role, rel)
        rank = (-common_prefix(grant.code, row_code), grant.code, grant.place_id or 0)
        if key not in chosen or rank < chosen[key][0]:
            chosen[key] = (rank, index)
    return [(role, rel, index) for (role, rel), (_rank, index) in sorted(chosen.items())]


def planned_uses(matrix: Matrix) -> list[tuple[RowInfo, RouteUse]]:
    """Every route on one row: the last row of its model that the route can address (the
    row another street or district holds, in the permission tests' pairs)."""
    planned = []
    for label, routes in sorted(routes_by_model().items()):
        rows = matrix.rows.get(label, [])
        for route, target in routes:
            keep = ROW_FILTERS.get(route.name)
            candidates = [info for info in rows if keep is None or keep(info.row)]
            if candidates:
                info = candidates[-1]
                planned.extend((info, use) for use in route_uses(info, route, target))
    return planned


def plan(matrix: Matrix) -> list[Case]:
    """role × relation × route × method, for every route's row, out of scope only."""
    if matrix.cases is None:
        matrix.cases = _plan(matrix)
    return matrix.cases


def _plan(matrix: Matrix) -> list[Case]:
    grouped: dict[tuple[str, str], list[RouteUse]] = defaultdict(list)
    infos: dict[str, RowInfo] = {}
    for info, use in planned_uses(matrix):
        grouped[(info.key, use.target.kind)].append(use)
        infos[info.key] = info
    cases = []
    for (key, kind), uses in sorted(grouped.items()):
        info = infos[key]
        if kind == "own":
            info.owner_id = _owner_id(info.row, uses[0].target.owner)
        for role, rel, index in representatives(matrix, info, owned=kind == "own"):
            for use in uses:
                for method in METHODS:
                    cases.append(Case(key, role, rel, index, use, method))
    return cases


def _payload(use: RouteUse, harvested: dict[str, dict]) -> dict[str, Any]:
    return PAYLOADS.get(use.route.name) or harvested.get(use.route.name) or {}


def harvested_payloads() -> dict[str, dict[str, Any]]:
    """edit_data and api_patch of every ScopedPermissionTests subclass, by route name."""
    found: dict[str, dict[str, Any]] = {}
    for cls in _permission_classes():
        if cls.edit_url_name and cls.edit_data:
            found.setdefault(cls.edit_url_name, dict(cls.edit_data))
        if cls.api_basename and cls.api_patch:
            found.setdefault(f"api:{cls.api_basename}-detail", dict(cls.api_patch))
    return found


def send(client: Client, method: str, use: RouteUse, data: dict[str, Any]):
    url = use.url
    if method == "GET":
        return client.get(url)
    if use.route.is_api:
        return client.generic(method, url, json.dumps(data), content_type="application/json")
    if method == "POST":
        return client.post(url, data)
    return client.generic(method, url, urlencode(data, doseq=True),
                          content_type="application/x-www-form-urlencoded")


def fingerprint(info: RowInfo) -> tuple[Any, ...]:
    """The row as stored and the size of the tables a write would touch: two plain queries,
    as this runs after every one of the matrix's requests."""
    from frontline.audit.models import AccessLogEntry, ChangeLogEntry
    from frontline.notify.models import Message

    meta = type(info.row)._meta
    quote = connection.ops.quote_name
    tables = [meta.db_table, ChangeLogEntry._meta.db_table, AccessLogEntry._meta.db_table,
              Message._meta.db_table]
    # Table and column names come from the models' metadata, quoted by the backend.
    counts_sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})"  # noqa: S608
                                       for t in tables)
    row_sql = f"SELECT * FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(counts_sql)
        counts = tuple(cursor.fetchone())
        cursor.execute(row_sql, [info.row.pk])
        row = cursor.fetchone()
    return (tuple(row) if row is not None else "deleted"), counts


def describe_change(info: RowInfo, before, after) -> str:
    row_b, counts_b = before
    row_a, counts_a = after
    if row_a == "deleted":
        return "deleted the row"
    if row_a != row_b:
        columns = [f.column for f in type(info.row)._meta.concrete_fields]
        return "fields " + str([c for c, x, y in zip(columns, row_b, row_a, strict=False)
                                if x != y])
    return f"table sizes {counts_b} -> {counts_a}"


class NotAllowed:
    """Which (route, method) pairs a page refuses with 405 for everyone, before any lookup:
    asked once, as a superuser, for an object that does not exist."""

    def __init__(self, root: Client):
        self.root = root
        self.cache: dict[tuple[str, str], bool] = {}

    def __call__(self, use: RouteUse, method: str) -> bool:
        if use.route.is_api:
            return method not in use.route.api_methods
        key = (use.label, method)
        if key not in self.cache:
            kwargs = {k: (v if k in use.route.other_kwargs else
                          ("99999999" if k == "code" else 987654321)) for k, v in use.kwargs}
            ghost = RouteUse(use.route, use.target, tuple(kwargs.items()))
            with transaction.atomic():
                status = send(self.root, method, ghost, {}).status_code
                transaction.set_rollback(True)
            self.cache[key] = status == 405
        return self.cache[key]


def run_cases(matrix: Matrix, cases: list[Case]) -> tuple[list[str], Counter]:
    infos = {info.key: info for rows in matrix.rows.values() for info in rows}
    harvested = harvested_payloads()
    not_allowed = NotAllowed(matrix.root)
    failures: list[str] = []
    tally: Counter = Counter()
    by_row: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        by_row[case.info_key].append(case)
    for key, row_cases in by_row.items():
        info = infos[key]
        baseline = fingerprint(info)
        for case in row_cases:
            grant = matrix.grants[case.grant_index]
            with transaction.atomic():
                body = {} if case.relation in EMPTY_BODY_RELATIONS else _payload(case.use,
                                                                                  harvested)
                response = send(grant.client, case.method, case.use, body)
                status = response.status_code
                after = fingerprint(info) if status != 500 else None
                transaction.set_rollback(True)
            tally[status] += 1
            where = (f"{case.use.label} {case.method} by {case.role} ({case.relation}) "
                     f"on {info.label} at {info.primary_code}")
            if status == 500:
                exc = getattr(response, "exc_info", None)
                failures.append(f"{where}: 500 {exc[1]!r}" if exc else f"{where}: 500")
                continue
            if status != 404 and not (status == 405 and not_allowed(case.use, case.method)):
                failures.append(f"{where}: {status}")
            if after != baseline:
                failures.append(f"{where}: changed {describe_change(info, baseline, after)}")
    return failures, tally


# -- meta-tests: the matrix covers every route --------------------------------------------

def test_every_object_route_says_what_it_addresses():
    missing = [f"{r.name} ({r.route})" for r in object_routes() if route_target(r) is None]
    assert not missing, ("routes with an object argument that the matrix cannot place; add "
                         "them to frontline.core.authz.PAGE_TARGETS:\n" + "\n".join(missing))


def test_every_action_argument_has_its_values():
    missing = [f"{r.name}: {k}" for r in object_routes() for k in r.other_kwargs
               if getattr(route_target(r), "kind", "") != "public"
               and (r.name, k) not in OTHER_KWARG_VALUES]
    assert not missing, "name the values of these URL arguments in OTHER_KWARG_VALUES: " + \
        ", ".join(missing)


def test_the_route_walk_finds_pages_and_api():
    names = {r.name for r in object_routes()}
    assert {"people:person_detail", "api:person-detail", "areas:jurisdiction_detail",
            "api:jurisdiction-detail", "observation:observation_end"} <= names
    assert "people:person_list" not in names  # no object argument


def test_every_scoped_target_is_a_scoped_model():
    for route in object_routes():
        target = route_target(route)
        if target is not None and target.kind == "scoped":
            assert is_scoped_model(apps.get_model(target.model)), route.name


def test_relations():
    assert relation("110101", "110101") == "same"
    assert relation("110101", "110101002001") == "parent"
    assert relation("110101002001", "110101") == "child"
    assert relation("110101001", "110101002001") == "sibling"
    assert relation("110102", "110101002001") == "other_district"
    assert relation("12", "110101") == "other_district"
    assert relation("11", "1101") == "parent"


# -- the matrix ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_every_route_has_a_row(matrix):
    planned = {use.route.name for _info, use in planned_uses(matrix)}
    missing = sorted(route.name for routes in routes_by_model().values()
                     for route, _target in routes if route.name not in planned)
    assert not missing, f"no row to try these routes on: {missing}"


@pytest.mark.django_db
def test_every_relation_and_role_is_tried(matrix):
    cases = plan(matrix)
    relations = Counter(c.relation for c in cases)
    roles = Counter(c.role for c in cases)
    from frontline.accounts.roles import Role

    assert set(relations) == set(RELATIONS), relations
    assert set(roles) == set(Role.values), roles


@pytest.mark.django_db
def test_a_superuser_reaches_every_row(matrix, quiet_requests):
    """The control: every route finds its row when scope is no obstacle (a superuser; for a
    user's own rows, their owner), so the matrix's 404s come from scope and not from a URL
    that names nothing."""
    from frontline.accounts.models import User

    harvested = harvested_payloads()
    owners: dict[int, Client] = {}
    misses = []
    for info, use in planned_uses(matrix):
        if use.route.name in CONTROL_404:
            continue
        client = matrix.root
        if use.target.kind == "own":
            owner_id = _owner_id(info.row, use.target.owner)
            if owner_id is None:  # a member row without an account: nobody owns it
                continue
            if owner_id not in owners:
                owners[owner_id] = _new_client(User.objects.get(pk=owner_id))
            client = owners[owner_id]
        methods = (["GET"] if not use.route.is_api or "GET" in use.route.api_methods
                   else sorted(use.route.api_methods))
        with transaction.atomic():
            response = send(client, methods[0], use, _payload(use, harvested))
            if response.status_code == 405 and not use.route.is_api:
                response = send(client, "POST", use, _payload(use, harvested))
            transaction.set_rollback(True)
        if response.status_code == 404:
            misses.append(f"{use.label} on {info.key}")
    assert not misses, "a superuser gets 404 on:\n" + "\n".join(misses)


@pytest.mark.django_db
def test_the_fingerprint_sees_a_change(matrix):
    """The "nothing changed" check can fail: an edited field, a new log entry."""
    from frontline.audit.models import ChangeAction
    from frontline.audit.services import change_record
    from frontline.people.models import Person

    info = matrix.rows["people.Person"][-1]
    before = fingerprint(info)
    with transaction.atomic():
        Person.objects.filter(pk=info.row.pk).update(family_name="CHANGED")
        assert fingerprint(info)[0] != before[0]
        transaction.set_rollback(True)
    with transaction.atomic():
        change_record(actor=None, action=ChangeAction.EVENT, obj=info.row, event="matrix")
        assert fingerprint(info)[1] != before[1]
        transaction.set_rollback(True)
    assert fingerprint(info) == before


@pytest.mark.django_db
def test_the_matrix_has_enough_cases(matrix):
    cases = plan(matrix)
    print(f"\nauthorization matrix: {len(cases)} cases over {len({c.use.route.name for c in cases})}"
          f" routes, {sum(len(r) for r in matrix.rows.values())} rows, {len(matrix.grants)} "
          f"grants (data built in {matrix.build_seconds:.1f}s)")
    assert len(cases) >= MIN_CASES


def _app_of(label: str) -> str:
    return label.split(".")[0]


# One test per app of the addressed models, so that a failure names its app.
MODEL_APPS = sorted({_app_of(label) for label in routes_by_model()})


@pytest.fixture
def quiet_requests():
    """Thousands of 404s and 405s are the expected answers here, not news for the log."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.mark.django_db
@pytest.mark.parametrize("app", MODEL_APPS)
def test_out_of_scope_is_404_and_changes_nothing(matrix, app, quiet_requests):
    cases = [c for c in plan(matrix) if _app_of(c.info_key) == app]
    started = time.perf_counter()
    failures, tally = run_cases(matrix, cases)
    print(f"\n{app}: {len(cases)} cases in {time.perf_counter() - started:.1f}s {dict(tally)}")
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(
        failures[:200])

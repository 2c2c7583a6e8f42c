"""The whole REST API fuzzed from its own OpenAPI schema (schemathesis), in process.

Every operation of /api/v1/schema/ gets generated requests, valid and invalid, sent as a
district office user with an API token to the real application over WSGI. Each answer must not
be a server error, must use a documented status code and content type, must match the
documented body, and an operation that needs credentials must refuse the same request without
them or with a bad token. The district user sees the Dongcheng demo data, so lists and objects
are not empty.

The budget is bounded and the run reproducible: the schema's examples and FUZZ_MAX_EXAMPLES
generated requests per operation (12 by default), derandomized from a fixed seed. Each
operation's requests run in one transaction, rolled back after them.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from urllib.parse import urlencode

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from frontline.accounts import services as account_services
from frontline.accounts.models import ApiToken
from frontline.accounts.services import hash_token, token_create
from frontline.areas.models import Place
from frontline.core.testing import TreeBuilder, load_demo
from frontline.wsgi import application

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "12"))
SEED = 20200413
# Operations anyone may call without an account: the traveller portal. A new public
# operation must be added here on purpose.
PUBLIC_OPERATIONS = {
    "POST /api/v1/portal/registrations/",
    "GET /api/v1/portal/registrations/{token}/",
    "PATCH /api/v1/portal/registrations/{token}/",
}

CONFIG = SchemathesisConfig.from_dict({
    "seed": SEED,
    "generation": {
        "mode": "all",  # valid and invalid requests
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,
        "database": "none",
    },
    "phases": {
        "examples": {"enabled": True},
        # Off for the budget: the coverage phase derives ~80 requests per operation (22,000
        # for the API, measured), the stateful one chains operations through links the schema
        # does not declare. Invalid values still come from the negative mode above.
        "coverage": {"enabled": False},
        "fuzzing": {"enabled": True},
        "stateful": {"enabled": False},
    },
    "checks": {
        "enabled": False,
        "not_a_server_error": {"enabled": True},
        "status_code_conformance": {"enabled": True},
        "content_type_conformance": {"enabled": True},
        "response_schema_conformance": {"enabled": True},
        "ignored_auth": {"enabled": True},
    },
})


def _raw_schema() -> dict:
    """The schema /api/v1/schema/ serves, generated in process without a request (importing
    this module must not touch the database: the meta-tests import every test module)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))


schema = schemathesis.openapi.from_dict(_raw_schema(), config=CONFIG)
schema.app = application  # requests go to the real app, in process (WSGI)
schema.location = "/api/v1/schema/"
# Values of path parameters that name existing objects, by (list path, parameter name):
# "/api/v1/arrivals/{id}/pass/" draws its id from what GET /api/v1/arrivals/ shows.
EXISTING: dict[tuple[str, str], list] = {}


def object_route(path: str) -> tuple[str, str] | None:
    """(list path, parameter name) of a detail path: ("/api/v1/arrivals/", "id")."""
    match = re.match(r"^(/api/v1/.+?/)\{(\w+)\}/", path)
    return (match.group(1), match.group(2)) if match else None


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker):
    """The test tree plus the Dongcheng demo (fewer people, to keep the run short), committed
    once for the module; each operation's test runs in a transaction rolled back after it.
    The tables are emptied afterwards, as the other tests expect."""
    from frontline.people import demo as people_demo

    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(people_demo, "PEOPLE", 60)
        tree = TreeBuilder().build()
        load_demo()
        _, DistrictToken.key = token_create(actor=tree.users["district"], name="fuzz")
        client = Client(HTTP_AUTHORIZATION=f"Token {DistrictToken.key}")
        for path in schema.raw_schema["paths"]:
            route = object_route(path)
            if route and route not in EXISTING and "get" in schema.raw_schema["paths"].get(
                    route[0], {}):
                data = client.get(route[0], {"page_size": 20}).json()
                rows = data["results"] if isinstance(data, dict) else data
                EXISTING[route] = [row[route[1]] for row in rows if route[1] in row]
    yield tree
    EXISTING.clear()
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@schema.auth(refresh_interval=None)
class DistrictToken:
    """Authenticates the fuzz as the district office user with a personal API token; issues a
    new token when the fuzz revoked it (POST /tokens/{id}/revoke/ is one of the operations)."""

    user = None  # set by the district_token fixture
    key = ""

    def get(self, case, context):
        if not ApiToken.objects.filter(key_hash=hash_token(DistrictToken.key),  # scoped-ok: test bookkeeping
                                       revoked_at__isnull=True).exists():
            _, DistrictToken.key = token_create(actor=DistrictToken.user, name="fuzz")
        return DistrictToken.key

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Token {data}"}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the requests aim at an object that exists (and is in scope), the other half at
    whatever was generated: random ids are nearly always 404, which tests little."""
    route = object_route(context.operation.path)
    values = EXISTING.get(route) if route else None
    if not values or not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    return st.one_of(st.just(path_parameters), st.sampled_from(values).map(
        lambda value: {**path_parameters, route[1]: value}))


STATUSES: list[int] = []  # the status codes answered to the current operation's requests


@schema.hook
def after_call(context, case, response):
    STATUSES.append(response.status_code)


@pytest.fixture
def district_token(fuzz_world, db):
    DistrictToken.user = fuzz_world.users["district"]
    # Every request runs in this thread on this connection, inside the test's transaction
    # (as with Django's test client), so requests must not close it.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    STATUSES.clear()
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    # A fuzz whose credentials were refused would pass every check while testing nothing.
    assert any(code != 401 for code in STATUSES), f"all refused: {STATUSES}"


@schema.parametrize()
# The fixture is per operation on purpose: an operation's examples share its transaction.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api_survives_fuzzing(case, district_token):
    case.call_and_validate()


# -- without valid credentials ----------------------------------------------------------------

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def documented_operations():
    """(method, path, operation) of every operation of the served schema."""
    for path, item in schema.raw_schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method.upper(), path, operation


def is_public(operation) -> bool:
    return {} in operation.get("security", [{}])


def test_only_the_portal_is_public():
    public = {f"{method} {path}" for method, path, operation in documented_operations()
              if is_public(operation)}
    assert public == PUBLIC_OPERATIONS


@pytest.fixture
def bad_credentials(fuzz_world, db):
    """Every kind of credentials the API must refuse, as request headers."""
    tree = fuzz_world
    revoked, revoked_key = token_create(actor=tree.users["street"], name="revoked")
    account_services.token_revoke(actor=tree.users["street"], token=revoked)
    expired, expired_key = token_create(actor=tree.users["street"], name="expired",
                                        expires_at=timezone.now() + datetime.timedelta(days=1))
    type(expired).objects.filter(pk=expired.pk).update(  # expired since
        expires_at=timezone.now() - datetime.timedelta(minutes=1))
    _, inactive_key = token_create(actor=tree.users["street2"], name="inactive")
    account_services.user_set_active(actor=tree.users["district"], user=tree.users["street2"],
                                     active=False)
    return {
        "none": {},
        "malformed header": {"HTTP_AUTHORIZATION": "Token"},
        "unknown token": {"HTTP_AUTHORIZATION": "Token fl_" + "A" * 43},
        "unknown bearer": {"HTTP_AUTHORIZATION": "Bearer fl_" + "A" * 43},
        "revoked token": {"HTTP_AUTHORIZATION": f"Token {revoked_key}"},
        "expired token": {"HTTP_AUTHORIZATION": f"Token {expired_key}"},
        "inactive user's token": {"HTTP_AUTHORIZATION": f"Token {inactive_key}"},
        "forged session": {"HTTP_COOKIE": "sessionid=0123456789abcdefghijklmnopqrstuv"},
    }


def test_every_operation_refuses_bad_credentials_and_writes_nothing(fuzz_world, bad_credentials):
    """Each operation that needs credentials answers 401 to a request without valid ones, aimed
    at an object that exists, and no write statement reaches the database."""
    client = Client()
    args = {"id": "1", "code": "110101", "attachment_id": "1"}
    checked = 0
    for method, path, operation in documented_operations():
        if is_public(operation):
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: args[m.group(1)], path)
        for name, headers in bad_credentials.items():
            with CaptureQueriesContext(connection) as queries:
                response = getattr(client, method.lower())(
                    url, data={} if method != "GET" else None,
                    content_type="application/json", **headers)
            assert response.status_code == 401, (method, path, name, response.status_code)
            assert response["Content-Type"] == "application/json", (method, path, name)
            writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
            assert not writes, (method, path, name, writes)
            checked += 1
    assert checked == (len(list(documented_operations())) - len(PUBLIC_OPERATIONS)) * len(
        bad_credentials)


def test_nul_characters_are_refused_not_a_server_error(fuzz_world, db):
    """PostgreSQL can neither store nor compare text holding NUL: a query parameter or a body
    holding one answers 400 on every database, before a lookup or a write can raise."""
    _, key = token_create(actor=fuzz_world.users["district"], name="nul")
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    place = {"name": "NUL test", "kind": "school", "jurisdiction": "110101\x00"}
    before = Place.objects.count()  # scoped-ok: test bookkeeping
    responses = [
        client.get("/api/v1/places/", {"q": "a\x00"}),
        client.get("/api/v1/jurisdictions/", {"parent\x00": "11"}),
        client.post("/api/v1/places/", json.dumps(place), content_type="application/json"),
        client.post("/api/v1/places/", place),  # multipart
        client.post("/api/v1/places/", urlencode(place),
                    content_type="application/x-www-form-urlencoded"),
        client.post("/api/v1/glossary/", {"office": "110101\x00", "source": "隔离"}),
    ]
    for response in responses:
        assert response.status_code == 400, response.content
        assert response.json()["detail"] == "Null characters are not allowed."
    assert Place.objects.count() == before  # scoped-ok: test bookkeeping

"""The API assembly: schema, docs page, authentication, errors."""

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
def test_anonymous_requests_are_refused():
    for name in ("api:place-list", "api:jurisdiction-list", "api:user-list",
                 "api:changelog-list"):
        assert Client().get(reverse(name)).status_code in (401, 403)


def test_schema_is_valid_and_describes_endpoints(tree, tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    paths = schema["paths"]
    for path in ("/api/v1/places/", "/api/v1/places/{id}/", "/api/v1/jurisdictions/{code}/",
                 "/api/v1/users/", "/api/v1/audit/changes/", "/api/v1/audit/access/"):
        assert path in paths, path
    assert "tokenAuth" in str(schema["components"]["securitySchemes"]) or \
        "Token" in str(schema["components"]["securitySchemes"])


def test_schema_and_docs_pages_are_served(tree):
    client = tree.client("street")
    assert client.get(reverse("api:schema")).status_code == 200
    docs = client.get(reverse("api:docs"))
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower() and b"swagger-ui" in docs.content


def test_errors_carry_the_request_id(tree):
    response = tree.client("district").post(reverse("api:place-list"), {"name": ""},
                                            content_type="application/json")
    assert response.status_code == 400
    assert response.json()["request_id"] == response["X-Request-ID"]


def test_list_is_paginated(tree):
    data = tree.client("district").get(reverse("api:jurisdiction-list")).json()
    assert set(data) >= {"count", "results", "next", "previous"}
    assert data["count"] == 6

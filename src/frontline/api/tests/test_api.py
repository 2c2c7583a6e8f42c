"""The API assembly: schema, docs page, authentication, errors."""

import re

import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
def test_anonymous_requests_are_refused():
    for name in ("api:place-list", "api:jurisdiction-list", "api:user-list",
                 "api:changelog-list"):
        assert Client().get(reverse(name)).status_code in (401, 403)


def test_schema_is_valid_and_describes_endpoints(openapi_schema):
    schema = openapi_schema  # generated with --validate --fail-on-warn
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
    # No inline script (the content security policy would block it): the start script is a
    # file of its own, served from the same address.
    assert re.findall(rb"<script(?![^>]*\bsrc=)[^>]*>", docs.content) == []
    script = client.get(reverse("api:docs") + "?script")
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content


def test_errors_carry_the_request_id(tree):
    response = tree.client("district").post(reverse("api:place-list"), {"name": ""},
                                            content_type="application/json")
    assert response.status_code == 400
    assert response.json()["request_id"] == response["X-Request-ID"]


def test_list_is_paginated(tree):
    data = tree.client("district").get(reverse("api:jurisdiction-list")).json()
    assert set(data) >= {"count", "results", "next", "previous"}
    assert data["count"] == 6


def test_a_forged_forwarded_for_header_does_not_change_who_is_throttled():
    """With no proxy configured (PROXY_COUNT=0) the anonymous rate limit counts the peer's
    address, not an X-Forwarded-For the client wrote itself."""
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory
    from rest_framework.throttling import AnonRateThrottle

    raw = APIRequestFactory().get("/api/v1/", HTTP_X_FORWARDED_FOR="203.0.113.9",
                                  REMOTE_ADDR="10.0.0.1")
    assert AnonRateThrottle().get_ident(Request(raw)) == "10.0.0.1"

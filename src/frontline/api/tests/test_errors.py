"""The API's answers to requests it cannot carry out: unknown fields, nothing to change, a
body that is not JSON, an unknown or out-of-scope object, a server error, a huge value."""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory
from django.urls import reverse

from frontline.api.exceptions import MESSAGE_MAX_CHARS, server_error
from frontline.audit.models import ChangeLogEntry
from frontline.people.models import Person
from frontline.people.tests.factories import make_person

pytestmark = pytest.mark.django_db


def _patch(client, person, body, **extra):
    return client.patch(reverse("api:person-detail", args=[person.pk]), json.dumps(body),
                        content_type="application/json", **extra)


def test_a_misspelt_field_is_refused_and_nothing_is_written(tree):
    person = make_person(tree)
    entries = ChangeLogEntry.objects.count()  # scoped-ok: test bookkeeping
    response = _patch(tree.client("district"), person, {"famly_name": "BIANCHI"},
                      HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 400
    assert response.json()["famly_name"] == ["这里没有这个字段。"]
    fresh = Person.objects.get(pk=person.pk)  # scoped-ok: test bookkeeping
    assert (fresh.family_name, fresh.version) == (person.family_name, person.version)
    assert ChangeLogEntry.objects.count() == entries  # scoped-ok: test bookkeeping


@pytest.mark.parametrize("body", [{}, {"version": 1}])
def test_a_patch_with_nothing_to_change_writes_nothing(tree, body):
    person = make_person(tree)
    entries = ChangeLogEntry.objects.count()  # scoped-ok: test bookkeeping
    response = _patch(tree.client("district"), person, body)
    assert response.status_code == 200 and response.json()["id"] == person.pk
    assert Person.objects.get(  # scoped-ok: test bookkeeping
        pk=person.pk).version == person.version
    assert ChangeLogEntry.objects.count() == entries  # scoped-ok: test bookkeeping


@pytest.mark.parametrize("body", [{}, {"famly_name": "X"}])
def test_a_patch_on_another_streets_record_is_404_whatever_its_body(tree, body):
    person = make_person(tree, community="110101002001")
    response = _patch(tree.client("street"), person, body)
    assert response.status_code == 404


def test_a_body_that_is_not_json_is_explained_in_the_users_language(tree):
    response = tree.client("district").post(
        reverse("api:person-list"), '{"a": [1, 2,', content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "JSON" in detail and "Expecting value" not in detail and "请求" in detail


def test_a_404_never_names_the_model(tree):
    response = tree.client("district").get(reverse("api:person-detail", args=[999999]))
    assert response.status_code == 404
    assert response.json()["detail"] == "Not found."


def test_a_server_error_under_the_api_is_json_with_the_request_id():
    request = RequestFactory().get("/api/v1/people/")
    request.request_id = "abc123"
    response = server_error(request)
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert json.loads(response.content)["request_id"] == "abc123"
    page = server_error(RequestFactory().get("/people/"))
    assert page.status_code == 500 and b"<html" in page.content.lower()


def test_an_error_does_not_send_a_huge_value_back(tree):
    response = tree.client("registrar").post(
        reverse("api:arrival-list"), {"destination": "A" * 100_000},
        content_type="application/json")
    assert response.status_code == 400
    assert len(response.content) < 10_000
    assert all(len(m) <= MESSAGE_MAX_CHARS for m in response.json()["destination"])

"""Test helpers every app uses: a jurisdiction tree with users, and the generic permission
test mixins (another street's record answers 404 and nothing changes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import models
from django.test import Client
from django.urls import reverse

from frontline.core.models import is_scoped_model

PASSWORD = "test-password-1234"  # noqa: S105


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 with the cheapest parameters, for tests only (many users are created)."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1


@dataclass
class TreeBuilder:
    """Builds city 11 → districts 110101/110102 → streets → communities, places and users."""

    jurisdictions: dict[str, Any] = field(default_factory=dict)
    places: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)

    CODES: ClassVar[list[tuple[str, str, str, str]]] = [
        ("11", "北京市", "city", ""),
        ("110101", "东城区", "district", "11"),
        ("110102", "西城区", "district", "11"),
        ("110101001", "东华门街道", "street", "110101"),
        ("110101002", "景山街道", "street", "110101"),
        ("110102001", "西长安街街道", "street", "110102"),
        ("110101001001", "多福巷社区", "community", "110101001"),
        ("110101001002", "银闸社区", "community", "110101001"),
        ("110101002001", "吉祥社区", "community", "110101002"),
        ("110102001001", "府右街社区", "community", "110102001"),
    ]

    def build(self) -> TreeBuilder:
        from frontline.accounts.models import User
        from frontline.accounts.services import role_grant_from_console
        from frontline.areas.models import Jurisdiction, Place

        for code, name, level, parent in self.CODES:
            self.jurisdictions[code] = Jurisdiction.objects.create(
                code=code, name=name, level=level,
                parent=self.jurisdictions.get(parent) if parent else None,
            )
        j = self.jurisdictions
        for key, name, kind, code in [
            ("transfer", "Transfer point", "transfer_point", "110101"),
            ("hotel", "Hotel A", "observation_hotel", "110101"),
            ("hotel_other", "Hotel West", "observation_hotel", "110102"),
            ("lodging", "Lodging hotel", "lodging_hotel", "110101001"),
            ("school2", "School Jingshan", "school", "110101002"),
        ]:
            self.places[key] = Place.objects.create(
                name=name, kind=kind, jurisdiction=j[code], jurisdiction_code=code)
        for username, role, where in [
            ("city", "city_office", "11"),
            ("district", "district_staff", "110101"),
            ("district_west", "district_staff", "110102"),
            ("leader", "district_leader", "110101"),
            ("street", "street_staff", "110101001"),
            ("street2", "street_staff", "110101002"),
            ("community", "community_worker", "110101001001"),
            ("community2", "community_worker", "110101002001"),
            ("registrar", "registrar", "place:transfer"),
            ("hotel", "hotel_staff", "place:hotel"),
            ("linguist", "linguist", "110101"),
            ("translator", "translator", "110101"),
            ("proofreader", "proofreader", "110101"),
        ]:
            user = User.objects.create_user(username=username, password=PASSWORD)
            if where.startswith("place:"):
                role_grant_from_console(user=user, role=role, place=self.places[where[6:]])
            else:
                role_grant_from_console(user=user, role=role, jurisdiction=j[where])
            self.users[username] = user
        return self

    def client(self, username: str) -> Client:
        client = Client()
        client.force_login(self.users[username])
        return client


def snapshot_row(obj: models.Model) -> dict[str, Any]:
    """Every concrete field value of a row, fresh from the database."""
    fresh = type(obj)._default_manager.get(pk=obj.pk)
    return {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}


class ScopedPermissionTests:
    """Generic permission tests every scoped model's test class mixes in (NetBox's style).

    A subclass sets `model` and implements `make_objects(tree) -> (inside, outside)`: two rows,
    the first inside `viewer`'s scope, the second outside it (another street or district). It
    names its pages and endpoints; each is checked to answer 404 for the outside row and to
    change nothing, and to show the inside row.
    """

    model: ClassVar[type[models.Model]]
    viewer: ClassVar[str] = "street"  # a username of TreeBuilder.users
    detail_url_name: ClassVar[str | None] = None  # kwargs from url_kwargs(obj)
    edit_url_name: ClassVar[str | None] = None
    edit_data: ClassVar[dict[str, Any]] = {}
    list_url_name: ClassVar[str | None] = None
    api_basename: ClassVar[str | None] = None  # "api:<basename>-detail"
    api_patch: ClassVar[dict[str, Any]] = {}
    api_lookup: ClassVar[str] = "pk"

    def make_objects(self, tree: TreeBuilder) -> tuple[models.Model, models.Model]:
        raise NotImplementedError

    def url_kwargs(self, obj: models.Model) -> dict[str, Any]:
        return {"pk": obj.pk}

    def test_model_is_scoped(self):
        assert is_scoped_model(self.model), f"{self.model.__name__} has no restrict()"

    def test_restrict_keeps_inside_drops_outside(self, tree):
        inside, outside = self.make_objects(tree)
        viewer = tree.users[self.viewer]
        visible = set(self.model._default_manager.restrict(viewer, "view").values_list(
            "pk", flat=True))
        assert inside.pk in visible
        assert outside.pk not in visible

    def test_detail_page_outside_is_404(self, tree):
        if not self.detail_url_name:
            return
        inside, outside = self.make_objects(tree)
        client = tree.client(self.viewer)
        assert client.get(reverse(self.detail_url_name, kwargs=self.url_kwargs(inside))
                          ).status_code == 200
        assert client.get(reverse(self.detail_url_name, kwargs=self.url_kwargs(outside))
                          ).status_code == 404

    def test_list_page_hides_outside(self, tree):
        if not self.list_url_name:
            return
        inside, outside = self.make_objects(tree)
        response = tree.client(self.viewer).get(reverse(self.list_url_name))
        assert response.status_code == 200
        shown = {o.pk for o in response.context["object_list"]}
        assert inside.pk in shown and outside.pk not in shown

    def test_edit_page_outside_is_404_and_unchanged(self, tree):
        if not self.edit_url_name:
            return
        _, outside = self.make_objects(tree)
        before = snapshot_row(outside)
        client = tree.client(self.editor if hasattr(self, "editor") else self.viewer)
        url = reverse(self.edit_url_name, kwargs=self.url_kwargs(outside))
        assert client.get(url).status_code == 404
        assert client.post(url, self.edit_data).status_code == 404
        assert snapshot_row(outside) == before

    def test_api_outside_is_404_and_unchanged(self, tree):
        if not self.api_basename:
            return
        inside, outside = self.make_objects(tree)
        client = tree.client(self.viewer)
        lookup = {self.api_lookup: getattr(inside, self.api_lookup)}
        assert client.get(reverse(f"api:{self.api_basename}-detail", kwargs=lookup)
                          ).status_code == 200
        lookup = {self.api_lookup: getattr(outside, self.api_lookup)}
        url = reverse(f"api:{self.api_basename}-detail", kwargs=lookup)
        before = snapshot_row(outside)
        assert client.get(url).status_code == 404
        assert client.patch(url, self.api_patch or {"x": 1},
                            content_type="application/json").status_code in (404, 405)
        assert client.delete(url).status_code in (404, 405)
        assert snapshot_row(outside) == before
        listed = client.get(reverse(f"api:{self.api_basename}-list")).json()
        ids = {row.get("id") for row in listed.get("results", listed)}
        assert outside.pk not in ids

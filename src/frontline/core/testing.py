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

    PLACES: ClassVar[list[tuple[str, str, str, str]]] = [
        ("transfer", "Transfer point", "transfer_point", "110101"),
        ("hotel", "Hotel A", "observation_hotel", "110101"),
        ("hotel_other", "Hotel West", "observation_hotel", "110102"),
        ("lodging", "Lodging hotel", "lodging_hotel", "110101001"),
        ("school2", "School Jingshan", "school", "110101002"),
    ]
    USERS: ClassVar[list[tuple[str, str, str]]] = [
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
    ]

    def build(self) -> TreeBuilder:
        """The tree in about ten bulk statements (every test builds it): the same rows, and
        the same `role.grant` audit records, as creating each through the console's services
        (`role_grant_from_console`), which cost some 120 statements a test."""
        from django.contrib.auth.hashers import make_password

        from frontline.accounts.models import RoleAssignment, User
        from frontline.accounts.roles import role_spec
        from frontline.areas.apps import JURISDICTIONS, PLACES
        from frontline.areas.models import Jurisdiction, Place
        from frontline.audit.models import ChangeAction
        from frontline.audit.services import change_record_many, snapshot
        from frontline.core import refcache

        for depth in (2, 6, 9, 12):  # parents first: a row needs its parent's key
            rows = [Jurisdiction(code=code, name=name, level=level,
                                 parent=self.jurisdictions.get(parent) if parent else None)
                    for code, name, level, parent in self.CODES if len(code) == depth]
            for row in Jurisdiction.objects.bulk_create(rows):
                self.jurisdictions[row.code] = row
        j = self.jurisdictions
        places = Place.objects.bulk_create([
            Place(name=name, kind=kind, jurisdiction=j[code], jurisdiction_code=code)
            for _key, name, kind, code in self.PLACES])
        self.places = {key: place for (key, *_rest), place in zip(self.PLACES, places,
                                                                   strict=True)}
        refcache.bump(JURISDICTIONS)  # bulk inserts send no signal
        refcache.bump(PLACES)
        password = make_password(PASSWORD)  # one hash for all: the hasher is the slow part
        users = User.objects.bulk_create([User(username=username, password=password)
                                          for username, _role, _where in self.USERS])
        self.users = {user.username: user for user in users}
        grants = []
        for (_username, role, where), user in zip(self.USERS, users, strict=True):
            if where.startswith("place:"):
                place = self.places[where[6:]]
                assert place.kind in role_spec(role).place_kinds  # noqa: S101
                grants.append(RoleAssignment(user=user, role=role, place=place,
                                             scope_code=place.jurisdiction_code))
            else:
                assert j[where].level in role_spec(role).levels  # noqa: S101
                grants.append(RoleAssignment(user=user, role=role, jurisdiction=j[where],
                                             scope_code=where))
        grants = RoleAssignment.objects.bulk_create(grants)
        change_record_many(actor=None, action=ChangeAction.CREATE, event="role.grant",
                           items=[(g, snapshot(g)) for g in grants])
        return self

    def client(self, username: str) -> Client:
        client = Client()
        client.force_login(self.users[username])
        return client


def load_demo() -> None:
    """Every app's demo loader, in the order of INSTALLED_APPS, on top of the test tree."""
    import importlib
    import importlib.util
    import io

    from django.apps import apps

    for config in apps.get_app_configs():
        name = f"{config.name}.demo"
        if config.name.startswith("frontline.") and importlib.util.find_spec(name):
            importlib.import_module(name).load(stdout=io.StringIO())


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

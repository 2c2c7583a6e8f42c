"""Place services, pages and API: create and update in scope, never out of it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from frontline.areas.models import Jurisdiction, Place
from frontline.areas.services import place_create, place_update
from frontline.audit.models import ChangeLogEntry
from frontline.core.models import OutOfScope
from frontline.core.testing import ScopedPermissionTests, snapshot_row


def test_create_audits_in_same_transaction(tree):
    district = tree.users["district"]
    place = place_create(actor=district, name="New hotel", kind="observation_hotel",
                         jurisdiction=tree.jurisdictions["110101002"], capacity=40)
    assert place.jurisdiction_code == "110101002"
    entry = ChangeLogEntry.objects.get(object_type="areas.place", object_id=str(place.pk))
    assert entry.action == "create" and entry.actor == district
    assert entry.after["capacity"] == 40 and entry.jurisdiction_code == "110101002"


def test_create_outside_scope_is_refused(tree):
    with pytest.raises(OutOfScope):
        place_create(actor=tree.users["district"], name="Far", kind="school",
                     jurisdiction=tree.jurisdictions["110102"])
    assert not Place.objects.filter(name="Far").exists()


def test_street_staff_cannot_configure(tree):
    with pytest.raises(OutOfScope):
        place_create(actor=tree.users["street"], name="Mine", kind="school",
                     jurisdiction=tree.jurisdictions["110101001"])


def test_moving_a_place_out_of_scope_is_refused(tree):
    place = tree.places["hotel"]
    before = snapshot_row(place)
    with pytest.raises(OutOfScope):
        place_update(actor=tree.users["district"], place=place,
                     jurisdiction=tree.jurisdictions["110102"])
    assert snapshot_row(place) == before
    assert not ChangeLogEntry.objects.filter(object_type="areas.place", action="update").exists()


def test_update_records_only_changed_fields(tree):
    place = place_update(actor=tree.users["district"], place=tree.places["hotel"], capacity=77)
    entry = ChangeLogEntry.objects.get(object_type="areas.place", action="update")
    assert set(entry.before) == {"capacity", "updated_at"} and entry.before["capacity"] is None
    assert entry.after["capacity"] == 77 and place.capacity == 77


def test_invalid_data_is_refused_with_field_messages(tree):
    with pytest.raises(ValidationError) as exc:
        place_create(actor=tree.users["district"], name="", kind="castle",
                     jurisdiction=tree.jurisdictions["110101"])
    assert {"name", "kind"} <= set(exc.value.error_dict)


def test_create_page(tree):
    client = tree.client("district")
    response = client.post(reverse("areas:place_create"), {
        "name": "Page hotel", "kind": "lodging_hotel", "jurisdiction": tree.jurisdictions[
            "110101001"].pk, "location": "", "capacity": "12"})
    place = Place.objects.get(name="Page hotel")
    assert response.status_code == 302 and place.capacity == 12


def test_create_page_offers_only_jurisdictions_in_scope(tree):
    response = tree.client("district").get(reverse("areas:place_create"))
    choices = {j.code for j in response.context["form"].fields["jurisdiction"].queryset}
    assert "110101002" in choices and "110102" not in choices and "11" not in choices


def test_create_page_refuses_jurisdiction_outside_scope(tree):
    response = tree.client("district").post(reverse("areas:place_create"), {
        "name": "Sneaky", "kind": "school", "jurisdiction": tree.jurisdictions["110102"].pk})
    assert response.status_code == 200 and "jurisdiction" in response.context["form"].errors
    assert not Place.objects.filter(name="Sneaky").exists()


def test_location_may_be_outside_scope(tree):
    Jurisdiction.objects.create(code="110116", name="怀柔区", level="district",
                                parent=tree.jurisdictions["11"])
    response = tree.client("district").post(reverse("areas:place_create"), {
        "name": "Huairou hotel", "kind": "observation_hotel",
        "jurisdiction": tree.jurisdictions["110101"].pk, "location": "110116"})
    assert response.status_code == 302
    assert Place.objects.get(name="Huairou hotel").location.code == "110116"


def test_api_create_and_validation_messages(tree):
    client = tree.client("district")
    url = reverse("api:place-list")
    ok = client.post(url, {"name": "API hotel", "kind": "observation_hotel",
                           "jurisdiction": "110101002"}, content_type="application/json")
    assert ok.status_code == 201, ok.content
    assert ok.json()["jurisdiction"] == "110101002"
    bad = client.post(url, {"name": "API far", "kind": "school", "jurisdiction": "110102"},
                      content_type="application/json")
    assert bad.status_code == 400 and "jurisdiction" in bad.json()
    assert not Place.objects.filter(name="API far").exists()


def test_place_list_page_query_count_is_constant(tree, django_assert_max_num_queries):
    client = tree.client("district")
    client.get(reverse("areas:place_list"))
    for i in range(30):
        Place.objects.create(name=f"P{i}", kind="school", jurisdiction=tree.jurisdictions[
            "110101001001"], jurisdiction_code="110101001001")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("areas:place_list")).status_code == 200


class TestPlacePermissions(ScopedPermissionTests):
    model = Place
    viewer = "street"
    list_url_name = "areas:place_list"
    detail_url_name = "areas:place_detail"
    api_basename = "place"
    api_patch = {"capacity": 999}

    def make_objects(self, tree):
        return tree.places["lodging"], tree.places["school2"]


class TestPlaceEditPermissions(ScopedPermissionTests):
    """A district configurer gets 404 on the other district's place, page and API."""

    model = Place
    viewer = "district"
    edit_url_name = "areas:place_edit"
    edit_data = {"name": "hijacked", "kind": "school"}
    api_basename = "place"
    api_patch = {"name": "hijacked"}

    def make_objects(self, tree):
        return tree.places["hotel"], tree.places["hotel_other"]


class TestJurisdictionPermissions(ScopedPermissionTests):
    model = Jurisdiction
    viewer = "street"
    list_url_name = "areas:jurisdiction_list"
    detail_url_name = "areas:jurisdiction_detail"
    api_basename = "jurisdiction"
    api_lookup = "code"

    def make_objects(self, tree):
        return tree.jurisdictions["110101001001"], tree.jurisdictions["110101002001"]

    def url_kwargs(self, obj):
        return {"code": obj.code}


def test_rename_outside_scope_is_404_and_unchanged(tree):
    other = tree.jurisdictions["110102"]
    response = tree.client("district").post(
        reverse("areas:jurisdiction_rename", kwargs={"code": other.code}), {"name_en": "X"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.name_en == ""


def test_rename_in_scope(tree):
    tree.client("district").post(
        reverse("areas:jurisdiction_rename", kwargs={"code": "110101001"}),
        {"name_en": "Donghuamen"})
    assert Jurisdiction.objects.get(code="110101001").name_en == "Donghuamen"

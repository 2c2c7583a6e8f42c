"""Exports: masked by default, unmasked only with the right and a reason, always logged,
limited to the export scope, formulas neutralised, in .xlsx and .csv, on pages and the API."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from frontline.accounts.services import role_grant_from_console
from frontline.audit.models import AccessLogEntry
from frontline.core import crypto
from frontline.core.testing import ScopedPermissionTests
from frontline.people import exports
from frontline.people.models import Person
from frontline.people.tests.factories import add_passport, make_person

NUMBER = "YA7654321"


def read_csv(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def read_xlsx(content: bytes) -> list[dict[str, object]]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def people(tree):
    rossi = make_person(tree, phone="+8613800138000", email="marco.rossi@example.org",
                        name_zh="罗西")
    add_passport(tree, rossi, NUMBER)
    other = make_person(tree, family_name="DUBOIS", given_names="ANNE", nationality="FR",
                        community="110101002001")
    add_passport(tree, other, "18FR00001", country="FR")
    return rossi, other


def test_a_masked_export_masks_numbers_and_phones_and_is_logged(tree, people):
    response = tree.client("district").get(reverse("people:person_export"), {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = {r["Family name"]: r for r in read_csv(body(response))}
    assert set(rows) == {"ROSSI", "DUBOIS"}
    rossi = rows["ROSSI"]
    assert rossi["Document number"] == crypto.mask(NUMBER) != NUMBER
    # An E.164 phone starts with "+": neutralised like every text cell a spreadsheet could run.
    assert rossi["Phone"] == "'" + crypto.mask("+8613800138000")
    assert "138000" not in rossi["Phone"]
    assert rossi["E-mail"] == "m***@example.org"
    assert rossi["Chinese name"] == "罗西" and rossi["Nationality code"] == "IT"
    entry = AccessLogEntry.objects.get()
    assert (entry.event, entry.record_count, entry.object_type) == ("export", 2, "people.person")
    assert entry.actor == tree.users["district"] and entry.jurisdiction_code == "110101"


def test_xlsx_export_is_a_workbook_with_the_same_rows(tree, people):
    response = tree.client("district").get(reverse("people:person_export"),
                                           {"format": "xlsx", "nationality": "IT"})
    assert response.status_code == 200
    rows = read_xlsx(body(response))
    assert [r["Family name"] for r in rows] == ["ROSSI"]
    assert rows[0]["Document number"] == crypto.mask(NUMBER)
    assert AccessLogEntry.objects.get().detail["filters"] == {"nationality": "IT"}


def test_an_export_covers_only_the_export_scope(tree, people):
    response = tree.client("street").get(reverse("people:person_export"), {"format": "csv"})
    rows = read_csv(body(response))
    assert [r["Family name"] for r in rows] == ["ROSSI"]
    assert AccessLogEntry.objects.get().record_count == 1


def test_an_export_needs_the_export_action(tree, people):
    response = tree.client("community").get(reverse("people:person_export"), {"format": "csv"})
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        exports.person_export(actor=tree.users["community"], filters={}, fmt="csv")
    assert not AccessLogEntry.objects.exists()


def test_the_list_filters_pass_through(tree, people):
    params = {"q": "罗西", "format": "csv", "arrived_recently": "", "code": "110101001"}
    rows = read_csv(body(tree.client("district").get(reverse("people:person_export"), params)))
    assert [r["Family name"] for r in rows] == ["ROSSI"]


def test_an_unmasked_export_needs_a_reason_and_is_logged_as_unmasked(tree, people):
    client = tree.client("district")
    form = client.get(reverse("people:person_export"), {"unmasked": "1", "format": "csv",
                                                        "nationality": "IT"})
    assert form.status_code == 200 and b"export-unmasked-form" in form.content
    refused = client.post(reverse("people:person_export"), {"format": "csv", "reason": ""})
    assert refused.status_code == 200 and not AccessLogEntry.objects.exists()
    refused = client.post(reverse("people:person_export"), {"format": "csv",
                                                             "reason": "A" * 301})
    assert refused.status_code == 200 and not AccessLogEntry.objects.exists()
    assert "at most 300 characters" in refused.content.decode()
    response = client.post(reverse("people:person_export"), {
        "format": "csv", "reason": "Handing over to the health commission",
        "nationality": "IT"})
    assert response.status_code == 200
    rows = read_csv(body(response))
    assert rows[0]["Document number"] == NUMBER and rows[0]["Phone"] == "'+8613800138000"
    assert rows[0]["E-mail"] == "marco.rossi@example.org"
    entry = AccessLogEntry.objects.get()
    assert (entry.event, entry.record_count) == ("export_unmasked", 1)
    assert entry.reason == "Handing over to the health commission"


def test_street_staff_may_not_export_unmasked(tree, people):
    client = tree.client("street")
    assert client.post(reverse("people:person_export"), {
        "format": "csv", "reason": "because I want to"}).status_code == 403
    with pytest.raises(PermissionDenied):
        exports.person_export(actor=tree.users["street"], filters={}, fmt="csv", unmasked=True,
                              reason="because I want to")
    assert not AccessLogEntry.objects.exists()


def test_unmasked_needs_the_right_over_every_exported_row(tree, people):
    """Export at two districts, unmasked only at one: the whole list is refused, the part
    where unmasked export is allowed is not."""
    user = tree.users["leader"]  # district_leader at 110101: export, not unmasked
    role_grant_from_console(user=user, role="district_staff",
                            jurisdiction=tree.jurisdictions["110102"])
    user.forget_roles()
    make_person(tree, actor="district_west", family_name="WEST", community="110102001001")
    with pytest.raises(PermissionDenied):
        exports.person_export(actor=user, filters={}, fmt="csv", unmasked=True,
                              reason="weekly list")
    assert not AccessLogEntry.objects.exists()
    name, content = exports.person_export(actor=user, filters={"code": "110102"}, fmt="csv",
                                          unmasked=True, reason="weekly list")
    assert [r["Family name"] for r in read_csv(b"".join(content))] == ["WEST"]
    assert name.endswith("-unmasked.csv")
    with pytest.raises(ValidationError):
        exports.person_export(actor=user, filters={"code": "110102"}, fmt="csv",
                              unmasked=True, reason="")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_cells_that_look_like_formulas_are_neutralised(tree, fmt):
    make_person(tree, family_name="=CMD|' /C calc'!A0", given_names="+SUM(1,2)",
                address="@import", notes="x", name_native="-2+3")
    response = tree.client("district").get(reverse("people:person_export"), {"format": fmt})
    content = body(response)
    rows = read_csv(content) if fmt == "csv" else read_xlsx(content)
    row = rows[0]
    assert row["Family name"] == "'=CMD|' /C calc'!A0"
    assert row["Given names"] == "'+SUM(1,2)"
    assert row["Address"] == "'@import"
    assert row["Name in native script"] == "'-2+3"
    if fmt == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content)).worksheets[0]
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_an_imported_formula_comes_out_neutralised(tree, django_capture_on_commit_callbacks,
                                                   settings, tmp_path):
    from frontline.people.tests.importing import (
        RESIDENT_FIELDS,
        confirm,
        resident,
        table,
        upload,
        xlsx_bytes,
    )

    settings.MEDIA_ROOT = tmp_path
    job = upload(tree, "street", "f.xlsx", xlsx_bytes(table(RESIDENT_FIELDS, [
        resident(family_name='=HYPERLINK("http://evil","x")')])),
        capture=django_capture_on_commit_callbacks)
    confirm(tree, "street", job, "all", django_capture_on_commit_callbacks)
    rows = read_csv(body(tree.client("street").get(reverse("people:person_export"),
                                                   {"format": "csv"})))
    assert rows[0]["Family name"] == "'=HYPERLINK(\"http://evil\",\"x\")"


# -- the API ----------------------------------------------------------------------------------

def test_the_api_exports_masked_and_unmasked(tree, people):
    client = tree.client("district")
    response = client.get(reverse("api:person-export-list"), {"format": "csv", "q": "rossi"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = read_csv(body(response))
    assert [r["Document number"] for r in rows] == [crypto.mask(NUMBER)]
    response = client.get(reverse("api:person-export-list"), {"format": "xlsx"})
    assert response.status_code == 200 and len(read_xlsx(body(response))) == 2
    refused = client.post(reverse("api:person-export-unmasked") + "?format=csv",
                          {"reason": ""}, content_type="application/json")
    assert refused.status_code == 400
    response = client.post(reverse("api:person-export-unmasked") + "?format=csv",
                           {"reason": "Transfer to the hotel", "q": "rossi"},
                           content_type="application/json")
    assert response.status_code == 200
    assert read_csv(body(response))[0]["Document number"] == NUMBER
    assert list(AccessLogEntry.objects.order_by("id").values_list("event", "record_count")) == [
        ("export", 1), ("export", 2), ("export_unmasked", 1)]


def test_the_api_refuses_an_export_without_the_right(tree, people):
    assert tree.client("community").get(reverse("api:person-export-list"),
                                        {"format": "csv"}).status_code in (403, 404)
    assert tree.client("street").post(reverse("api:person-export-unmasked") + "?format=csv",
                                      {"reason": "Transfer to the hotel"},
                                      content_type="application/json").status_code == 403
    assert not AccessLogEntry.objects.exists()


class TestPersonExportPermissions(ScopedPermissionTests):
    """The export endpoint is scoped: another street's person is never in the file."""

    model = Person
    viewer = "street"
    api_basename = "person-export"

    def make_objects(self, tree):
        inside = make_person(tree, family_name="INSIDE", community="110101001001")
        outside = make_person(tree, family_name="OUTSIDE", community="110101002001")
        return inside, outside

    def test_api_outside_is_404_and_unchanged(self, tree):
        inside, outside = self.make_objects(tree)
        client = tree.client(self.viewer)
        rows = read_csv(body(client.get(reverse("api:person-export-list"), {"format": "csv"})))
        ids = {int(r["ID"]) for r in rows}
        assert inside.pk in ids and outside.pk not in ids
        rows = read_csv(body(client.get(reverse("api:person-export-list"),
                                        {"format": "csv", "code": "110101002"})))
        assert rows == []
        page = read_csv(body(client.get(reverse("people:person_export"), {"format": "csv"})))
        assert {int(r["ID"]) for r in page} == {inside.pk}

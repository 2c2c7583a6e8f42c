"""Another street's (or desk's) arrivals, batches, rules and lists answer 404 and nothing
changes, on pages and the API; the desk loses sight of an arrival once it is received."""

import datetime

from django.urls import reverse
from django.utils import timezone

from frontline.areas.models import Place
from frontline.arrivals import services
from frontline.arrivals.models import Arrival, ArrivalImport, HandoverBatch, SortingRule
from frontline.arrivals.tests.factories import checked_in, register
from frontline.core.testing import ScopedPermissionTests, snapshot_row


def two_arrivals(tree):
    return (checked_in(tree, destination="110101001001"),
            checked_in(tree, destination="110101002001"))


class TestArrivalPermissions(ScopedPermissionTests):
    model = Arrival
    viewer = "street"
    list_url_name = "arrivals:arrival_list"
    detail_url_name = "arrivals:arrival_detail"
    api_basename = "arrival"
    api_patch = {"family_name": "HIJACKED"}

    def make_objects(self, tree):
        return two_arrivals(tree)

    def test_check_in_and_cancel_outside_are_404(self, tree):
        outside = register(tree, destination="110101002001")
        before = snapshot_row(outside)
        client = tree.client("street")
        url = reverse("arrivals:arrival_detail", kwargs={"pk": outside.pk})
        assert client.post(url, {"destination": tree.jurisdictions["110101002001"].pk,
                                 "disposition": "home"}).status_code == 404
        assert client.post(reverse("api:arrival-check-in", kwargs={"pk": outside.pk}), {},
                           content_type="application/json").status_code == 404
        assert client.post(reverse("arrivals:arrival_cancel", kwargs={"pk": outside.pk}),
                           {"reason": "hijack"}).status_code == 404
        assert snapshot_row(outside) == before

    def test_another_desk_cannot_scan_this_desks_pass(self, tree):
        from frontline.accounts.models import User
        from frontline.accounts.services import role_grant_from_console

        other_point = Place.objects.create(name="Other point", kind="transfer_point",
                                           jurisdiction=tree.jurisdictions["110102"],
                                           jurisdiction_code="110102")
        user = User.objects.create_user(username="registrar_west", password="x" * 20)
        role_grant_from_console(user=user, role="registrar", place=other_point)
        arrival = register(tree)
        token = services.pass_token(arrival)
        tree.users["registrar_west"] = user
        response = tree.client("registrar_west").post(
            reverse("api:arrival-scan"), {"code": token}, content_type="application/json")
        assert response.status_code == 400
        assert tree.client("registrar").post(
            reverse("api:arrival-scan"), {"code": token},
            content_type="application/json").json()["id"] == arrival.pk

    def test_desk_loses_sight_after_receipt(self, tree):
        arrival = checked_in(tree)
        batch = services.batch_create(actor=tree.users["registrar"], arrivals=[arrival],
                                      destination=tree.jurisdictions["110101001"])
        desk = tree.client("registrar")
        url = reverse("arrivals:arrival_detail", kwargs={"pk": arrival.pk})
        assert desk.get(url).status_code == 200
        services.batch_receive(actor=tree.users["street"], batch=batch, received=[arrival.pk])
        assert desk.get(url).status_code == 404
        assert desk.get(reverse("api:arrival-detail", kwargs={"pk": arrival.pk})
                        ).status_code == 404
        assert tree.client("community").get(url).status_code == 200


class TestSortingRulePermissions(ScopedPermissionTests):
    model = SortingRule
    viewer = "district"
    list_url_name = "arrivals:rule_list"
    edit_url_name = "arrivals:rule_edit"
    edit_data = {"name": "HIJACKED", "priority": 1, "disposition": "exempt",
                 "effective_from": "2026-01-01"}
    api_basename = "sortingrule"
    api_patch = {"name": "HIJACKED"}

    def make_objects(self, tree):
        today = timezone.localdate()
        inside = services.rule_save(actor=tree.users["district"],
                                    jurisdiction=tree.jurisdictions["110101"], name="inside",
                                    effective_from=today, disposition="exempt")
        outside = services.rule_save(actor=tree.users["district_west"],
                                     jurisdiction=tree.jurisdictions["110102"], name="outside",
                                     effective_from=today, disposition="exempt")
        return inside, outside


class TestHandoverBatchPermissions(ScopedPermissionTests):
    model = HandoverBatch
    viewer = "street"
    list_url_name = "arrivals:batch_list"
    detail_url_name = "arrivals:batch_detail"
    api_basename = "handoverbatch"
    api_patch = {"vehicle": "HIJACKED"}

    def make_objects(self, tree):
        a, b = two_arrivals(tree)
        registrar = tree.users["registrar"]
        inside = services.batch_create(actor=registrar, arrivals=[a],
                                       destination=tree.jurisdictions["110101001"])
        outside = services.batch_create(actor=registrar, arrivals=[b],
                                        destination=tree.jurisdictions["110101002"])
        return inside, outside

    def test_receive_outside_is_404_and_unchanged(self, tree):
        _, outside = self.make_objects(tree)
        before = snapshot_row(outside)
        client = tree.client("street")
        member = outside.arrivals.get()
        assert client.post(reverse("api:handoverbatch-receive", kwargs={"pk": outside.pk}),
                           {"received": [member.pk]},
                           content_type="application/json").status_code == 404
        assert client.post(reverse("arrivals:batch_detail", kwargs={"pk": outside.pk}),
                           {f"a-{member.pk}": "received"}).status_code == 404
        assert snapshot_row(outside) == before

    def test_the_sending_desk_cannot_confirm(self, tree):
        inside, _ = self.make_objects(tree)
        member = inside.arrivals.get()
        response = tree.client("registrar").post(
            reverse("api:handoverbatch-receive", kwargs={"pk": inside.pk}),
            {"received": [member.pk]}, content_type="application/json")
        assert response.status_code == 403
        member.refresh_from_db()
        assert member.status == "in_batch"


class TestArrivalImportPermissions(ScopedPermissionTests):
    model = ArrivalImport
    viewer = "registrar"
    list_url_name = "arrivals:import_list"
    detail_url_name = "arrivals:import_detail"
    api_basename = "arrivalimport"

    def make_objects(self, tree):
        other_point = Place.objects.create(name="Other point", kind="transfer_point",
                                           jurisdiction=tree.jurisdictions["110102"],
                                           jurisdiction_code="110102")
        inside = ArrivalImport.objects.create(transfer_point=tree.places["transfer"],
                                              jurisdiction_code="110101", file_name="in.csv",
                                              status="done")
        outside = ArrivalImport.objects.create(transfer_point=other_point,
                                               jurisdiction_code="110102",
                                               file_name="out.csv", status="done")
        return inside, outside


def test_registrar_without_rule_rights_cannot_edit_rules(tree):
    response = tree.client("registrar").get(reverse("arrivals:rule_create"))
    assert response.status_code == 403
    response = tree.client("registrar").post(
        reverse("api:sortingrule-list"),
        {"jurisdiction": "110101", "name": "x", "effective_from": "2026-01-01",
         "disposition": "exempt"}, content_type="application/json")
    assert response.status_code in (400, 403, 404)
    assert not SortingRule.objects.exists()


def test_identity_reference_is_read_by_all_staff_edited_by_the_office(tree):
    services.reference_save(actor=tree.users["district"], jurisdiction=tree.jurisdictions["110101"],
                            title="外交官证", title_en="Diplomat ID card",
                            exempts="Exempt from centralised observation", disposition="exempt")
    page = tree.client("registrar").get(reverse("arrivals:reference"))
    assert page.status_code == 200 and "Diplomat ID card" in page.content.decode()
    assert tree.client("registrar").get(reverse("arrivals:reference_create")).status_code == 403
    api = tree.client("registrar").get(reverse("api:identityreference-list")).json()
    assert api["results"][0]["title_en"] == "Diplomat ID card"
    response = tree.client("district_west").patch(
        reverse("api:identityreference-detail", kwargs={"pk": api["results"][0]["id"]}),
        {"title": "HIJACKED"}, content_type="application/json")
    assert response.status_code == 403


def test_expired_batch_dates_are_not_in_scope_leaks(tree):
    """The board of another street counts nothing of ours."""
    checked_in(tree)
    response = tree.client("street2").get(reverse("api:arrival-board"))
    assert response.json()["totals"]["checked_in"] == 0
    response = tree.client("street").get(reverse("api:arrival-board"))
    assert response.json()["totals"]["checked_in"] == 1
    assert datetime.date.fromisoformat(response.json()["day"]) == timezone.localdate()

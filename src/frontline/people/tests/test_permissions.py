"""Another street's records answer 404 and nothing changes, on pages and the API."""

import datetime

from django.urls import reverse
from django.utils import timezone

from frontline.core.testing import ScopedPermissionTests, snapshot_row
from frontline.people import services
from frontline.people.models import (
    DuplicateCandidate,
    IdentityDocument,
    LodgingStay,
    Person,
    PersonNameGram,
    RiskCountry,
    Travel,
)
from frontline.people.tests.factories import add_passport, make_person


def two_people(tree):
    inside = make_person(tree, family_name="INSIDE", community="110101001001")
    outside = make_person(tree, family_name="OUTSIDE", community="110101002001")
    return inside, outside


class TestPersonPermissions(ScopedPermissionTests):
    model = Person
    viewer = "street"
    list_url_name = "people:person_list"
    detail_url_name = "people:person_detail"
    edit_url_name = "people:person_edit"
    edit_data = {"family_name": "HIJACKED", "nationality": "IT", "sex": "M"}
    api_basename = "person"
    api_patch = {"family_name": "HIJACKED"}

    def make_objects(self, tree):
        return two_people(tree)


class TestIdentityDocumentPermissions(ScopedPermissionTests):
    model = IdentityDocument
    viewer = "street"
    api_basename = "identitydocument"

    def make_objects(self, tree):
        inside, outside = two_people(tree)
        return add_passport(tree, inside), add_passport(tree, outside)

    def test_reveal_outside_is_404_and_not_logged(self, tree):
        from frontline.audit.models import AccessLogEntry

        _, outside = self.make_objects(tree)
        client = tree.client("district_west")
        url = reverse("people:document_reveal", kwargs={"pk": outside.pk})
        assert client.post(url, {"reason": "curious"}).status_code == 404
        api = reverse("api:identitydocument-reveal", kwargs={"pk": outside.pk})
        assert client.post(api, {"reason": "curious"},
                           content_type="application/json").status_code == 404
        assert not AccessLogEntry.objects.exists()


class TestLodgingStayPermissions(ScopedPermissionTests):
    model = LodgingStay
    viewer = "street"
    api_basename = "stay"

    def make_objects(self, tree):
        person_in, person_out = two_people(tree)
        now = timezone.now()
        inside = services.stay_check_in(actor=tree.users["district"], person=person_in,
                                        place=tree.places["lodging"], check_in=now)
        outside = services.stay_check_in(actor=tree.users["district"], person=person_out,
                                         place=tree.places["hotel"], check_in=now)
        return inside, outside

    def test_check_out_outside_is_404_and_unchanged(self, tree):
        _, outside = self.make_objects(tree)
        before = snapshot_row(outside)
        client = tree.client("street")
        assert client.post(reverse("people:stay_check_out", kwargs={"pk": outside.pk})
                           ).status_code == 404
        assert client.post(reverse("api:stay-check-out", kwargs={"pk": outside.pk})
                           ).status_code == 404
        assert snapshot_row(outside) == before


class TestTravelPermissions(ScopedPermissionTests):
    model = Travel
    viewer = "street"
    api_basename = "travel"

    def make_objects(self, tree):
        inside, outside = two_people(tree)
        day = timezone.localdate() - datetime.timedelta(days=3)
        make = lambda p: services.travel_add(actor=tree.users["district"], person=p,  # noqa: E731
                                             country="IT", from_date=day, to_date=day)
        return make(inside), make(outside)


class TestRiskCountryPermissions(ScopedPermissionTests):
    model = RiskCountry
    viewer = "district"
    edit_url_name = "people:risk_edit"
    edit_data = {"country": "FR", "effective_from": "2020-01-01"}
    api_basename = "riskcountry"
    api_patch = {"note": "hijacked"}

    def make_objects(self, tree):
        day = datetime.date(2020, 3, 1)
        inside = services.risk_country_set(actor=tree.users["district"], country="IT",
                                           jurisdiction=tree.jurisdictions["110101"],
                                           effective_from=day)
        outside = services.risk_country_set(actor=tree.users["district_west"], country="IT",
                                            jurisdiction=tree.jurisdictions["110102"],
                                            effective_from=day)
        return inside, outside


class TestDuplicatePermissions(ScopedPermissionTests):
    model = DuplicateCandidate
    viewer = "street"
    api_basename = "duplicate"

    def make_objects(self, tree):
        a, b = (make_person(tree, community="110101001001", family_name=n) for n in "AB")
        c, d = (make_person(tree, community="110101002001", family_name=n) for n in "CD")
        inside = DuplicateCandidate.objects.create(first=a, second=b, reason="name",
                                                   jurisdiction_code="110101001001")
        outside = DuplicateCandidate.objects.create(first=c, second=d, reason="name",
                                                    jurisdiction_code="110101002001")
        return inside, outside

    def test_restrict_keeps_inside_drops_outside(self, tree):
        inside, outside = self.make_objects(tree)
        visible = set(DuplicateCandidate.objects.restrict(tree.users["street"], "change"))
        assert inside in visible and outside not in visible

    def test_decide_outside_is_404_and_unchanged(self, tree):
        _, outside = self.make_objects(tree)
        before = snapshot_row(outside)
        client = tree.client("street")
        assert client.post(reverse("people:duplicate_decide", kwargs={"pk": outside.pk}),
                           {"decision": "keep_first"}).status_code == 404
        assert client.post(reverse("api:duplicate-decide", kwargs={"pk": outside.pk}),
                           {"same_person": True}, content_type="application/json"
                           ).status_code == 404
        assert snapshot_row(outside) == before
        assert Person.objects.filter(merged_into__isnull=False).count() == 0


def test_name_grams_are_not_a_way_around_scope(tree):
    """PersonNameGram is an index, never listed on its own; searching through it is scoped."""
    make_person(tree, community="110101002001", name_zh="王五")
    assert PersonNameGram.objects.filter(gram="王五").exists()
    response = tree.client("street").get(reverse("people:person_list"), {"q": "王五"})
    assert response.context["paginator"].count == 0

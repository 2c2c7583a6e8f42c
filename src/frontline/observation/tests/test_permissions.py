"""Another street's observations, checks and alerts answer 404 and nothing changes; a hotel's
duty staff see their own hotel's guests only."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from frontline.core.testing import ScopedPermissionTests, snapshot_row
from frontline.observation import services
from frontline.observation.models import (
    Adjustment,
    Alert,
    HealthCheck,
    Observation,
    ObservationPolicy,
    PurgeRun,
    Room,
    SelfReportLink,
)
from frontline.observation.tests.factories import make_room, observe


def two(tree):
    return (observe(tree, family_name="INSIDE", community="110101001001"),
            observe(tree, family_name="OUTSIDE", community="110101002001"))


def _check(tree, observation, temperature="38.0"):
    check, _ = services.health_check_record(
        actor=tree.users["district"], observation=observation, temperature=temperature,
        day=timezone.localdate() - datetime.timedelta(days=1), slot=0)
    return check


class TestObservationPermissions(ScopedPermissionTests):
    model = Observation
    list_url_name = "observation:observation_list"
    detail_url_name = "observation:observation_detail"
    api_basename = "observation"

    def make_objects(self, tree):
        return two(tree)

    def test_actions_on_another_streets_observation_are_404(self, tree):
        _, outside = two(tree)
        client = tree.client("street")
        before = snapshot_row(outside)
        for name, data in [("observation_adjust", {"days": 3, "reason": "x"}),
                           ("observation_end", {"status": "ended_early", "reason": "x"}),
                           ("observation_transfer", {"to": "110101001", "reason": "x"}),
                           ("check_add", {"temperature": "38.5"}),
                           ("link_create", {})]:
            url = reverse(f"observation:{name}", kwargs={"pk": outside.pk})
            assert client.post(url, data).status_code == 404, name
        for name, data in [("adjust", {"days": 3, "reason": "x"}),
                           ("end", {"status": "ended_early", "reason": "x"})]:
            url = reverse(f"api:observation-{name}", kwargs={"pk": outside.pk})
            assert client.post(url, data, content_type="application/json").status_code == 404
        assert snapshot_row(outside) == before
        assert not HealthCheck.objects.filter(observation=outside).exists()

    def test_hotel_staff_see_their_hotels_guests_only(self, tree):
        guest = observe(tree, family_name="GUEST", kind="centralised", room=make_room(tree))
        at_home = observe(tree, family_name="HOME")
        other_hotel = observe(tree, family_name="WEST", kind="centralised",
                              community="110102001001", actor="district_west",
                              room=make_room(tree, "301", hotel="hotel_other"))
        visible = set(Observation.objects.restrict(tree.users["hotel"], "view"))
        assert visible == {guest}
        client = tree.client("hotel")
        for hidden in (at_home, other_hotel):
            url = reverse("observation:observation_detail", kwargs={"pk": hidden.pk})
            assert client.get(url).status_code == 404
        url = reverse("observation:hotel_detail", kwargs={"pk": tree.places["hotel_other"].pk})
        assert client.get(url).status_code == 404


class TestRoomPermissions(ScopedPermissionTests):
    model = Room
    viewer = "hotel"
    api_basename = "room"

    def make_objects(self, tree):
        return make_room(tree, "201"), make_room(tree, "201", hotel="hotel_other")

    def test_status_of_another_hotels_room_is_404(self, tree):
        _, outside = self.make_objects(tree)
        client = tree.client("hotel")
        before = snapshot_row(outside)
        url = reverse("observation:room_status", kwargs={"pk": outside.pk})
        assert client.post(url, {"status": "out_of_service"}).status_code == 404
        url = reverse("api:room-set-status", kwargs={"pk": outside.pk})
        assert client.post(url, {"status": "out_of_service"},
                           content_type="application/json").status_code == 404
        assert snapshot_row(outside) == before


class TestHealthCheckPermissions(ScopedPermissionTests):
    model = HealthCheck
    api_basename = "healthcheck"

    def make_objects(self, tree):
        inside, outside = two(tree)
        return _check(tree, inside), _check(tree, outside)


class TestAlertPermissions(ScopedPermissionTests):
    model = Alert
    api_basename = "observationalert"

    def make_objects(self, tree):
        inside, outside = two(tree)
        _check(tree, inside)
        _check(tree, outside)
        return (Alert.objects.get(observation=inside), Alert.objects.get(observation=outside))

    def test_acknowledging_another_streets_alert_is_404(self, tree):
        _, outside = self.make_objects(tree)
        client = tree.client("street")
        before = snapshot_row(outside)
        assert client.post(reverse("observation:alert_acknowledge", kwargs={"pk": outside.pk})
                           ).status_code == 404
        assert client.post(reverse("api:observationalert-close", kwargs={"pk": outside.pk}),
                           {"note": "x"}, content_type="application/json").status_code == 404
        assert snapshot_row(outside) == before


class TestPolicyPermissions(ScopedPermissionTests):
    model = ObservationPolicy
    viewer = "district"
    api_basename = "observationpolicy"

    def make_objects(self, tree):
        day = datetime.date(2020, 1, 24)
        return (services.policy_create(actor=tree.users["district"],
                                       jurisdiction=tree.jurisdictions["110101"], days=14,
                                       checks_per_day=2, effective_from=day),
                services.policy_create(actor=tree.users["district_west"],
                                       jurisdiction=tree.jurisdictions["110102"], days=14,
                                       checks_per_day=2, effective_from=day))


class TestAdjustmentPermissions(ScopedPermissionTests):
    model = Adjustment

    def make_objects(self, tree):
        inside, outside = two(tree)
        for observation in (inside, outside):
            services.observation_adjust(actor=tree.users["district"], observation=observation,
                                        days=2, reason="test")
        return inside.adjustments.get(), outside.adjustments.get()


class TestSelfReportLinkPermissions(ScopedPermissionTests):
    model = SelfReportLink

    def make_objects(self, tree):
        inside, outside = two(tree)
        return (services.link_create(actor=tree.users["district"], observation=inside)[0],
                services.link_create(actor=tree.users["district"], observation=outside)[0])

    def test_revoking_another_streets_link_is_404(self, tree):
        _, outside = self.make_objects(tree)
        url = reverse("observation:link_revoke", kwargs={"pk": outside.pk})
        assert tree.client("street").post(url).status_code == 404
        outside.refresh_from_db()
        assert outside.revoked_at is None


class TestPurgeRunPermissions(ScopedPermissionTests):
    model = PurgeRun
    viewer = "district"

    def make_objects(self, tree):
        return (services.observation_purge(actor=tree.users["district"]),
                services.observation_purge(actor=tree.users["district_west"]))

"""Another street's pool records answer 404 and nothing changes, on pages and the API; a
member sees only their own offers."""

from django.urls import reverse

from frontline.core.testing import ScopedPermissionTests, snapshot_row
from frontline.linguists import services
from frontline.linguists.models import (
    Linguist,
    Need,
    Offer,
    Post,
    RemoteAssignment,
    Shift,
    SpeakerRequest,
)
from frontline.linguists.tests.factories import make_member, make_need, make_post, window


def two_posts(tree):
    return (make_post(tree, name="Inside desk", code="110101001"),
            make_post(tree, name="Outside desk", code="110101002"))


def two_needs(tree):
    inside, outside = two_posts(tree)
    return make_need(tree, inside), make_need(tree, outside)


class TestLinguistPermissions(ScopedPermissionTests):
    model = Linguist
    viewer = "street"
    list_url_name = "linguists:member_list"
    detail_url_name = "linguists:member_detail"
    edit_url_name = "linguists:member_edit"
    edit_data = {"name": "HIJACKED", "kind": "staff", "status": "active"}
    api_basename = "linguist"
    api_patch = {"name": "HIJACKED"}

    def make_objects(self, tree):
        return (make_member(tree, name="Inside", unit="110101001"),
                make_member(tree, name="Outside", unit="110101002"))

    def test_adding_a_language_outside_is_404(self, tree):
        _, outside = self.make_objects(tree)
        url = reverse("linguists:member_add", kwargs={"pk": outside.pk, "what": "language"})
        response = tree.client("street").post(url, {"language": "ja", "listening": 3,
                                                    "speaking": 3, "reading": 3, "writing": 3})
        assert response.status_code == 404
        assert not outside.languages.filter(language="ja").exists()


class TestPostPermissions(ScopedPermissionTests):
    model = Post
    viewer = "street"
    list_url_name = "linguists:post_list"
    api_basename = "linguistpost"
    api_patch = {"name": "HIJACKED"}

    def make_objects(self, tree):
        return two_posts(tree)


class TestNeedPermissions(ScopedPermissionTests):
    model = Need
    viewer = "street"
    list_url_name = "linguists:need_list"
    detail_url_name = "linguists:need_detail"
    api_basename = "need"

    def make_objects(self, tree):
        return two_needs(tree)

    def test_offering_outside_is_404_and_sends_nothing(self, tree):
        _, outside = self.make_objects(tree)
        member = make_member(tree, unit="110101001")
        client = tree.client("street")
        url = reverse("linguists:need_offer", kwargs={"pk": outside.pk})
        assert client.post(url, {"linguist": [member.pk]}).status_code == 404
        api = reverse("api:need-offer", kwargs={"pk": outside.pk})
        assert client.post(api, {"linguists": [member.pk]},
                           content_type="application/json").status_code == 404
        assert not Offer.objects.exists()

    def test_hotel_staff_see_the_needs_of_their_hotel_only(self, tree):
        mine = make_post(tree, name="Hotel A desk", kind="observation_hotel", code="110101",
                         place="hotel")
        theirs = make_post(tree, name="Hotel West desk", kind="observation_hotel",
                           code="110102", place="hotel_other", actor="city")
        need_mine = make_need(tree, mine)
        need_theirs = make_need(tree, theirs, actor="city")
        visible = set(Need.objects.restrict(tree.users["hotel"], "view").values_list(
            "pk", flat=True))
        assert visible == {need_mine.pk}
        assert need_theirs.pk not in visible


class TestOfferPermissions(ScopedPermissionTests):
    model = Offer
    viewer = "street"
    api_basename = "offer"

    def make_objects(self, tree):
        inside, outside = two_needs(tree)
        member_in = make_member(tree, unit="110101001")
        member_out = make_member(tree, unit="110101002")
        district = tree.users["district"]
        return (services.offer_send(actor=district, need=inside, linguists=[member_in])[0],
                services.offer_send(actor=district, need=outside, linguists=[member_out])[0])

    def test_accepting_outside_is_404_and_unchanged(self, tree):
        _, outside = self.make_objects(tree)
        before = snapshot_row(outside)
        client = tree.client("street")
        assert client.post(reverse("api:offer-accept", kwargs={"pk": outside.pk})
                           ).status_code == 404
        assert client.post(reverse("linguists:offer_answer",
                                   kwargs={"pk": outside.pk, "answer": "accept"})
                           ).status_code == 404
        assert snapshot_row(outside) == before and not Shift.objects.exists()

    def test_a_member_sees_only_their_own_offers(self, tree):
        inside, outside = self.make_objects(tree)
        Linguist.objects.filter(pk=inside.linguist_id).update(user=tree.users["linguist"])
        client = tree.client("linguist")
        listed = client.get(reverse("api:myoffer-list")).json()
        assert [row["id"] for row in listed["results"]] == [inside.pk]
        assert client.get(reverse("api:myoffer-detail", kwargs={"pk": outside.pk})
                          ).status_code == 404
        assert client.post(reverse("api:myoffer-accept", kwargs={"pk": outside.pk})
                           ).status_code == 404
        assert client.post(reverse("linguists:me_offer",
                                   kwargs={"pk": outside.pk, "answer": "accept"})
                           ).status_code == 404
        assert not Shift.objects.exists()
        page = client.get(reverse("linguists:me"))
        assert page.status_code == 200
        assert [o.pk for o in page.context["pending"]] == [inside.pk]


class TestShiftPermissions(ScopedPermissionTests):
    model = Shift
    viewer = "street"
    api_basename = "shift"

    def make_objects(self, tree):
        inside, outside = two_needs(tree)
        district = tree.users["district"]
        return (services.shift_assign(actor=district, need=inside,
                                      linguist=make_member(tree, unit="110101001")),
                services.shift_assign(actor=district, need=outside,
                                      linguist=make_member(tree, unit="110101002")))

    def test_check_in_outside_is_404_and_unchanged(self, tree):
        _, outside = self.make_objects(tree)
        before = snapshot_row(outside)
        client = tree.client("street")
        assert client.post(reverse("api:shift-check-in", kwargs={"pk": outside.pk})
                           ).status_code == 404
        assert client.post(reverse("linguists:shift_step",
                                   kwargs={"pk": outside.pk, "step": "no-show"})
                           ).status_code == 404
        assert snapshot_row(outside) == before


class TestSpeakerRequestPermissions(ScopedPermissionTests):
    model = SpeakerRequest
    viewer = "street"
    list_url_name = "linguists:request_list"
    detail_url_name = "linguists:request_detail"
    api_basename = "speakerrequest"

    def make_objects(self, tree):
        inside, outside = two_posts(tree)
        start, end = window()
        return (services.request_create(actor=tree.users["street"], post=inside, language="it",
                                        starts_at=start, ends_at=end),
                services.request_create(actor=tree.users["street2"], post=outside,
                                        language="it", starts_at=start, ends_at=end))

    def test_dispatch_outside_is_404_and_unchanged(self, tree):
        _, outside = self.make_objects(tree)
        before = snapshot_row(outside)
        client = tree.client("street")
        assert client.post(reverse("api:speakerrequest-dispatch-request",
                                   kwargs={"pk": outside.pk})).status_code == 404
        assert client.post(reverse("linguists:request_detail", kwargs={"pk": outside.pk}),
                           {"min_speaking": 3, "min_listening": 3}).status_code == 404
        assert snapshot_row(outside) == before and not Need.objects.exists()


class TestRemoteAssignmentPermissions(ScopedPermissionTests):
    model = RemoteAssignment
    viewer = "street"
    detail_url_name = "linguists:remote_detail"
    list_url_name = "linguists:remote_list"
    api_basename = "remoteassignment"

    def make_objects(self, tree):
        from frontline.people.tests.factories import make_person

        member = make_member(tree, unit="110101", languages=[("it", 4, 4, 4, 4)])
        district = tree.users["district"]
        return (services.remote_assign(actor=district, linguist=member, language="it",
                                       person=make_person(tree, community="110101001001")),
                services.remote_assign(actor=district, linguist=member, language="it",
                                       person=make_person(tree, community="110101002001")))

    def test_logging_a_call_outside_is_404(self, tree):
        _, outside = self.make_objects(tree)
        client = tree.client("street")
        response = client.post(reverse("api:remoteassignment-calls", kwargs={"pk": outside.pk}),
                               {"started_at": "2026-01-01T10:00:00+08:00", "minutes": 5,
                                "topic": "x"}, content_type="application/json")
        assert response.status_code == 404
        assert not outside.calls.exists()

"""The pool's staff pages: members, needs with candidates, the roster and its export,
requests from a hotel, and the member's duty page."""

import datetime
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from frontline.linguists import services
from frontline.linguists.models import Linguist, Need, RequestStatus, SpeakerRequest
from frontline.linguists.tests.factories import make_member, make_need, make_post, window


def test_member_list_costs_the_same_for_3_and_30_members(tree):
    client = tree.client("district")
    for _ in range(3):
        make_member(tree, languages=[("en", 4, 4, 4, 4), ("ja", 3, 3, 3, 3)])
    client.get(reverse("linguists:member_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("linguists:member_list"))
    for _ in range(27):
        make_member(tree, languages=[("en", 4, 4, 4, 4), ("ja", 3, 3, 3, 3)])
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("linguists:member_list"))
    assert len(response.context["object_list"]) == 30
    assert len(many) == len(few)


def test_add_a_member_with_a_language_from_the_page(tree):
    client = tree.client("district")
    response = client.post(reverse("linguists:member_create"), {
        "name": "DEMO Wang", "kind": "staff", "unit": tree.jurisdictions["110101001"].pk,
        "department": "区外办", "status": "active", "interpreting": "on",
        "lang-language": "ko", "lang-listening": 4, "lang-speaking": 4, "lang-reading": 3,
        "lang-writing": 3})
    member = Linguist.objects.get(name="DEMO Wang")
    assert response.status_code == 302
    assert member.languages.get().language == "ko"
    page = client.get(reverse("linguists:member_detail", kwargs={"pk": member.pk}))
    assert "Korean" in page.content.decode()


def test_link_a_member_to_an_account_in_scope_only(tree):
    member = make_member(tree, name="DEMO Zhou", unit="110101")
    client = tree.client("district")
    url = reverse("linguists:member_edit", kwargs={"pk": member.pk})
    data = {"name": "DEMO Zhou", "kind": "staff", "unit": tree.jurisdictions["110101"].pk,
            "status": "active", "username": "district_west"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "No account with this sign-in name" in response.content.decode()
    member.refresh_from_db()
    assert member.user is None
    response = client.post(url, {**data, "username": "linguist"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.user == tree.users["linguist"]


def test_need_page_shows_candidates_and_offers(tree):
    need = make_need(tree, min_speaking=3)
    good = make_member(tree, name="Good speaker")
    make_member(tree, name="Shy speaker", languages=[("en", 3, 1, 3, 3)])
    client = tree.client("district")
    page = client.get(reverse("linguists:need_detail", kwargs={"pk": need.pk})).content.decode()
    assert "Good speaker" in page and "level too low: speaking 1 &lt; 3" in page
    response = client.post(reverse("linguists:need_offer", kwargs={"pk": need.pk}),
                           {"linguist": [good.pk], "offer": "1"})
    assert response.status_code == 302
    assert need.offers.get().linguist == good
    client.post(reverse("linguists:need_offer", kwargs={"pk": need.pk}),
                {"linguist": [good.pk], "assign": "1"})
    need.refresh_from_db()
    assert need.status == "filled"


def test_roster_grid_and_export_neutralise_formulas(tree):
    post = make_post(tree, name="=HYPERLINK(\"http://evil\")", essential=True)
    quiet = make_post(tree, name="Quiet desk")
    need = make_need(tree, post, start_hours=1, hours=3)
    make_need(tree, quiet, start_hours=1, hours=3)
    services.shift_assign(actor=tree.users["district"], need=need,
                          linguist=make_member(tree, name="-Minus"))
    from django.utils import timezone

    day = timezone.localtime(need.starts_at).date().isoformat()
    client = tree.client("district")
    page = client.get(reverse("linguists:roster") + f"?date={day}")
    rows = page.context["rows"]
    assert rows[0].need.pk == need.pk  # essential first
    assert "filled" in rows[0].cells and "unfilled" in rows[1].cells
    export = client.get(reverse("linguists:roster_export") + f"?date={day}")
    sheet = load_workbook(io.BytesIO(export.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][0] == "'=HYPERLINK(\"http://evil\")"
    assert values[1][8] == "'-Minus"
    assert values[2][7] == 1  # one place unfilled at the quiet desk
    from frontline.audit.models import AccessLogEntry

    assert AccessLogEntry.objects.filter(event="export", object_type="linguists.shift").exists()


def test_a_hotel_asks_for_a_speaker_and_sees_the_status(tree):
    post = make_post(tree, name="Hotel A desk", kind="observation_hotel", code="110101",
                     place="hotel")
    start, end = window()
    hotel = tree.client("hotel")
    form = hotel.get(reverse("linguists:request_create"))
    assert [p.pk for p in form.context["form"].fields["post"].queryset] == [post.pk]
    response = hotel.post(reverse("linguists:request_create"), {
        "post": post.pk, "language": "it", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": end.strftime("%Y-%m-%dT%H:%M"), "people": 1, "note": "fever"})
    request = SpeakerRequest.objects.get()
    assert response.status_code == 302
    office = tree.client("district")
    office.post(reverse("linguists:request_detail", kwargs={"pk": request.pk}),
                {"min_speaking": 3, "min_listening": 3})
    need = Need.objects.get()
    services.shift_assign(actor=tree.users["district"], need=need,
                          linguist=make_member(tree, name="Lucia",
                                               languages=[("it", 4, 4, 4, 4)]))
    page = hotel.get(reverse("linguists:request_detail", kwargs={"pk": request.pk}))
    request.refresh_from_db()
    assert request.status == RequestStatus.FILLED
    assert "Lucia" in page.content.decode()
    # The hotel cannot dispatch (that is the office's work).
    assert "dispatch-form" not in page.content.decode()


def test_duty_page_for_someone_outside_the_pool(tree):
    page = tree.client("translator").get(reverse("linguists:me"))
    assert page.status_code == 200 and "not-a-member" in page.content.decode()


def test_home_cards(tree):
    make_need(tree, language="ko")
    cards = tree.client("district").get(reverse("home"))
    assert cards.status_code == 200
    from django.apps import apps

    labels = {str(c["label"]): c["count"] for c in apps.get_app_config("linguists").home_cards(
        tree.users["district"])}
    assert labels["language needs unmet"] == 1
    assert labels["unmet needs: Korean"] == 1
    assert apps.get_app_config("linguists").home_cards(tree.users["linguist"]) == []


def test_demo_pool_matches_the_report(db):
    import io as _io

    from frontline.accounts import demo as accounts_demo
    from frontline.areas import demo as areas_demo
    from frontline.linguists import demo as linguists_demo

    def load_demo():
        # What the pool needs of `manage.py load_demo`, in its order: the divisions and
        # places, the demo accounts, the pool (the people and documents do not matter here).
        for module in (areas_demo, accounts_demo, linguists_demo):
            module.load(stdout=_io.StringIO())

    load_demo()
    from frontline.linguists.models import Linguist, LinguistLanguage, Shift

    assert Linguist.objects.count() == 80
    assert LinguistLanguage.objects.values("language").distinct().count() == 8
    assert Shift.objects.filter(need__post__kind="street_desk").count() == 26
    assert Shift.objects.filter(need__post__kind="transfer_point").count() == 10
    assert Shift.objects.filter(need__post__kind="observation_hotel").count() == 13
    load_demo()
    assert Linguist.objects.count() == 80


def test_a_need_overlapping_another_for_the_same_language_and_post_is_flagged(tree):
    """Entered twice by mistake: the second need is created, with a warning naming the other;
    another language, or a cancelled need, is not flagged."""
    post = make_post(tree)
    client = tree.client("district")
    start, end = window(24, 8)

    def create(language, hours_later=0, **extra):
        data = {"post": post.pk, "language": language, "min_listening": 0, "min_speaking": 3,
                "min_reading": 0, "min_writing": 0, "people": 1, "escalate_after": 30,
                "starts_at": (start + datetime.timedelta(hours=hours_later)).strftime(
                    "%Y-%m-%dT%H:%M"),
                "ends_at": (end + datetime.timedelta(hours=hours_later)).strftime(
                    "%Y-%m-%dT%H:%M"), **extra}
        response = client.post(reverse("linguists:need_create"), data, follow=True,
                               HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        return response.content.decode()

    assert "overlaps" not in create("it")
    assert "Another need for this language at this post overlaps" in create("it", 4)
    assert "overlap" not in create("fr", 4)  # another language
    assert "overlap" not in create("it", 12)  # starts when the second one ends
    assert Need.objects.filter(language="it").count() == 3
    for need in Need.objects.filter(language="it"):
        services.need_cancel(actor=tree.users["district"], need=need)
    assert "overlap" not in create("it")  # the others are cancelled

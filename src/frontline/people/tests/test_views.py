"""Registry pages and API: registration with the MRZ, reveal, lodgers, exports of errors."""

import datetime

from django.urls import reverse
from mrz.generator.td3 import TD3CodeGenerator

from frontline.audit.models import AccessLogEntry
from frontline.people.models import IdentityDocument, Person
from frontline.people.tests.factories import add_passport, make_person

MRZ = str(TD3CodeGenerator("P", "KOR", "KIM", "MINJUN", "M12345678", "KOR", "900315", "M",
                           "300101", ""))


def test_fill_from_mrz_then_save(tree):
    client = tree.client("street")
    url = reverse("people:person_create")
    filled = client.post(url, {"mrz": MRZ, "fill": "1"})
    form = filled.context["form"]
    assert form["family_name"].value() == "KIM" and form["doc_number"].value() == "M12345678"
    assert form["nationality"].value() == "KR" and form["birth_date"].value() == "1990-03-15"
    assert not Person.objects.exists()
    data = {k: v for k, v in form.data.items() if k not in ("fill", "csrfmiddlewaretoken")}
    data.update(residence=tree.jurisdictions["110101001002"].pk, phone="13800138000")
    saved = client.post(url, data)
    assert saved.status_code == 302
    person = Person.objects.get()
    doc = IdentityDocument.objects.get()
    assert person.family_name == "KIM" and doc.verified_by_mrz and doc.number_masked.startswith("M")


def test_bad_mrz_names_the_field_and_saves_nothing(tree):
    bad = MRZ[:45] + MRZ[45:54] + ("0" if MRZ[54] != "0" else "1") + MRZ[55:]
    response = tree.client("street").post(reverse("people:person_create"),
                                          {"mrz": bad, "fill": "1"})
    assert "document number" in str(response.context["form"].errors["mrz"])
    assert not Person.objects.exists()


def test_registration_errors_are_shown_and_nothing_is_written(tree):
    response = tree.client("street").post(reverse("people:person_create"), {
        "family_name": "X", "nationality": "IT", "sex": "M", "phone": "123",
        "residence": tree.jurisdictions["110101001001"].pk, "doc_type": "passport",
        "doc_number": "YA1", "doc_country": "IT"})
    errors = response.context["form"].errors
    assert "phone" in errors
    assert not Person.objects.exists()


def test_duplicate_document_error_lands_on_the_number_field(tree):
    add_passport(tree, make_person(tree), "YE1234567")
    response = tree.client("district").post(reverse("people:person_create"), {
        "family_name": "OTHER", "nationality": "IT", "sex": "M",
        "residence": tree.jurisdictions["110101001001"].pk, "doc_type": "passport",
        "doc_number": "YE1234567", "doc_country": "IT"})
    assert "doc_number" in response.context["form"].errors
    assert Person.objects.count() == 1  # the new person was rolled back with the document


def test_edit_with_a_stale_version_is_refused(tree):
    person = make_person(tree)
    client = tree.client("street")
    url = reverse("people:person_edit", kwargs={"pk": person.pk})
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(residence=person.residence_id, address="new address", nationality="IT")
    from frontline.people.services import person_update

    # Another office saves first:
    person_update(actor=tree.users["district"], person=person, address="theirs")
    response = client.post(url, data)
    assert response.status_code == 200 and "Someone else" in str(response.context["form"].errors)
    person.refresh_from_db()
    assert person.address == "theirs"


def test_reveal_page_logs(tree):
    doc = add_passport(tree, make_person(tree), "YF1234567")
    client = tree.client("district")
    page = client.post(reverse("people:document_reveal", kwargs={"pk": doc.pk}),
                       {"reason": "desk identity check"})
    assert page.context["number"] == "YF1234567"
    assert AccessLogEntry.objects.get().reason == "desk identity check"
    # Street staff may see the person but not reveal:
    street = tree.client("street").post(reverse("people:document_reveal",
                                                kwargs={"pk": doc.pk}), {"reason": "x y z w"})
    assert street.status_code == 403
    # ... and is not asked for a reason first.
    assert tree.client("street").get(reverse("people:document_reveal",
                                             kwargs={"pk": doc.pk})).status_code == 403
    assert AccessLogEntry.objects.count() == 1


def test_list_shows_masked_numbers_only(tree):
    add_passport(tree, make_person(tree), "YG7654321")
    html = tree.client("street").get(reverse("people:person_list")).content.decode()
    assert "YG7654321" not in html and "YG76****1" in html


def test_list_query_count_is_constant(tree, django_assert_max_num_queries):
    client = tree.client("district")
    for i in range(3):
        add_passport(tree, make_person(tree, family_name=f"P{i}"))
    with django_assert_max_num_queries(14) as ctx:
        client.get(reverse("people:person_list"))
    first = len(ctx.captured_queries)
    for i in range(20):
        add_passport(tree, make_person(tree, family_name=f"Q{i}"))
    with django_assert_max_num_queries(first):
        client.get(reverse("people:person_list"))


def test_lodgers_page_for_hotel_staff(tree):
    from django.utils import timezone

    from frontline.people.services import stay_check_in

    person = make_person(tree, family_name="GUEST")
    stay_check_in(actor=tree.users["district"], person=person, place=tree.places["hotel"],
                  room="1203", check_in=timezone.now() - datetime.timedelta(hours=2))
    client = tree.client("hotel")
    page = client.get(reverse("people:lodgers", kwargs={"pk": tree.places["hotel"].pk}))
    assert [s.person.family_name for s in page.context["stays"]] == ["GUEST"]
    other = client.get(reverse("people:lodgers", kwargs={"pk": tree.places["hotel_other"].pk}))
    assert other.status_code == 404


def test_api_create_search_and_mrz(tree):
    client = tree.client("street")
    created = client.post(reverse("api:person-list"), {
        "family_name": "TANAKA", "given_names": "YUI", "nationality": "JP", "sex": "F",
        "residence": "110101001002", "name_native": "田中結衣", "categories": ["foreign_student"],
    }, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["categories"] == ["foreign_student"]
    found = client.get(reverse("api:person-list"), {"q": "田中"}).json()
    assert [p["family_name"] for p in found["results"]] == ["TANAKA"]
    bad = client.post(reverse("api:person-list"), {
        "family_name": "X", "nationality": "JP", "residence": "110101002001"},
        content_type="application/json")
    assert bad.status_code == 400 and "residence" in bad.json()
    mrz = client.post(reverse("api:mrz-parse"), {"mrz": MRZ}, content_type="application/json")
    assert mrz.json()["document_number"] == "M12345678"
    # The name has no check digit, the dates do: a changed expiry date is caught.
    wrong = client.post(reverse("api:mrz-parse"), {"mrz": MRZ.replace("300101", "300102")},
                        content_type="application/json")
    assert wrong.status_code == 400 and "expiry" in str(wrong.json()["mrz"])


def test_api_reveal_needs_permission(tree):
    doc = add_passport(tree, make_person(tree), "YH1234567")
    url = reverse("api:identitydocument-reveal", kwargs={"pk": doc.pk})
    assert tree.client("street").post(url, {"reason": "check"},
                                      content_type="application/json").status_code == 403
    ok = tree.client("district").post(url, {"reason": "check"}, content_type="application/json")
    assert ok.json()["number"] == "YH1234567"


def test_the_history_says_what_changed_in_words(tree):
    from frontline.people import services

    person = make_person(tree, address="多福巷 1 号", preferred_language="it")
    services.person_update(actor=tree.users["street"], person=person, address="多福巷 2 号")
    page = tree.client("street").get(f"/people/{person.pk}/").content.decode()
    assert "<strong>address</strong>: 多福巷 1 号 → 多福巷 2 号" in page
    assert "{&#x27;" not in page and "Italian (it)" in page


def test_the_history_shows_values_as_the_page_does_not_as_codes(tree):
    from frontline.people import services

    person = make_person(tree, categories=["foreign_student"], preferred_language="ru",
                         nationality="RU", sex="F")
    services.person_update(actor=tree.users["street"], person=person,
                           categories=["foreign_student", "foreign_teacher"])
    page = tree.client("street").get(f"/people/{person.pk}/",
                                     HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    history = page[page.index("修改记录"):]
    for shown in ("<strong>类别</strong>: 外籍学生 → 外籍学生, 外籍教师",
                  "<strong>性别</strong>: 女<", "<strong>常用语言</strong>: 俄语<",
                  "<strong>国籍</strong>: 俄罗斯 (RU)<",
                  f"<strong>居住社区</strong>: {tree.jurisdictions['110101001001'].name}<"):
        assert shown in history, shown
    for raw in ("foreign_student", "categories", "created by", "创建人", "#"):
        assert raw not in history, raw
    assert "<td>创建 </td>" in history and "<td>修改 </td>" in history  # acts, not times


def test_fill_from_an_empty_mrz_says_what_to_do(tree):
    page = tree.client("street").post("/people/new/", {"fill": "1", "mrz": "  "},
                                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Paste or type the lines of the MRZ first" in page and "0 characters" not in page
    assert page.count('class="errorlist') == 1  # only the MRZ: the rest is still to fill


def test_the_unmasked_export_is_offered_only_to_who_may_do_it(tree):
    link = "unmasked=1"
    assert link not in tree.client("street").get("/people/").content.decode()
    assert link in tree.client("district").get("/people/").content.decode()

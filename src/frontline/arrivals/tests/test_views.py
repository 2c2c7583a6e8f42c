"""The desk pages and the API: scan → check in, MRZ registration, batches and receipts, the
board, printed forms, arrival lists and the notice of observation."""

import datetime
import io
import re
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from frontline.arrivals import services
from frontline.arrivals.models import Arrival, ArrivalImport, ArrivalStatus
from frontline.arrivals.tests.factories import (
    checked_in,
    mrz_for,
    passport_number,
    preregister,
    register,
)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_desk_scan_opens_the_arrival_and_checks_it_in(tree):
    arrival = register(tree)
    client = tree.client("registrar")
    response = client.post(reverse("arrivals:desk_scan"), {"code": services.pass_token(arrival)})
    assert response.status_code == 302 and response["Location"] == f"/arrivals/{arrival.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "no rule matched" in page
    response = client.post(response["Location"], {
        "destination": tree.jurisdictions["110101001001"].pk, "disposition": "home",
        "pass_text": services.pass_token(arrival)})
    assert response.status_code == 302
    arrival.refresh_from_db()
    assert arrival.status == ArrivalStatus.CHECKED_IN and arrival.person_id


def test_a_registration_without_nationality_is_completed_at_check_in(tree):
    arrival = preregister(tree, nationality="", doc_country="")
    registrar = tree.users["registrar"]
    with pytest.raises(ValidationError) as caught:
        services.arrival_check_in(actor=registrar, arrival=arrival,
                                  destination=tree.jurisdictions["110101001001"])
    assert "no nationality" in caught.value.message_dict["nationality"][0]
    client = tree.client("registrar")
    url = f"/arrivals/{arrival.pk}/"
    page = client.get(url).content.decode()
    assert 'name="nationality"' in page
    form = {"destination": tree.jurisdictions["110101001001"].pk, "disposition": "home"}
    refused = client.post(url, form).content.decode()
    assert "This field is required" in refused
    arrival.refresh_from_db()
    assert arrival.status == ArrivalStatus.REGISTERED
    assert client.post(url, {**form, "nationality": "JP"}).status_code == 302
    arrival.refresh_from_db()
    assert arrival.status == ArrivalStatus.CHECKED_IN and arrival.nationality == "JP"
    assert arrival.person.nationality == "JP"
    # With a nationality, the desk is not asked for one.
    other = register(tree)
    assert 'name="nationality"' not in client.get(f"/arrivals/{other.pk}/").content.decode()


def test_desk_refuses_a_tampered_code(tree):
    arrival = register(tree)
    client = tree.client("registrar")
    token = services.pass_token(arrival)
    response = client.post(reverse("arrivals:desk_scan"), {"code": token[:-3] + "xyz"},
                           follow=True)
    assert "This code is not valid." in response.content.decode()


def test_mrz_paste_fills_the_desk_form_and_registers(tree):
    client = tree.client("registrar")
    number = passport_number()
    mrz = mrz_for(number, surname="TANAKA", given="YUKI", nationality="JPN", sex="F")
    response = client.post(reverse("arrivals:desk"), {"mrz": mrz, "fill": "1",
                                                      "travel_date": timezone.localdate()})
    html = response.content.decode()
    assert 'value="TANAKA"' in html and f'value="{number}"' in html
    # The keyboard goes on at the first field still to fill, not back at the scan field.
    focused = re.findall(r'<(?:input|select|textarea)[^>]*\bautofocus\b[^>]*>', html)
    assert len(focused) == 1 and 'name="carrier_number"' in focused[0], focused
    data = {"mrz": mrz, "register": "1", "family_name": "TANAKA", "given_names": "YUKI",
            "sex": "F", "nationality": "JP", "doc_type": "passport", "doc_number": number,
            "doc_country": "JP", "travel_mode": "flight", "travel_date": timezone.localdate(),
            "destination": tree.jurisdictions["110101001001"].pk, "language": "ja"}
    response = client.post(reverse("arrivals:desk"), data)
    assert response.status_code == 302
    arrival = Arrival.objects.get()
    assert arrival.mrz_verified and arrival.language == "ja" and arrival.source == "desk"


def test_api_register_and_check_in_in_one_call_and_duplicates(tree):
    client = tree.client("registrar")
    number = passport_number()
    body = {"family_name": "Smith", "given_names": "Anna", "nationality": "GB",
            "doc_number": number, "doc_country": "GB", "travel_date":
            timezone.localdate().isoformat(), "destination": "110101001001", "check_in": True}
    response = client.post(reverse("api:arrival-list"), body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "checked_in" and response.json()["person"]
    again = client.post(reverse("api:arrival-list"), body, content_type="application/json")
    assert again.status_code == 400 and "doc_number" in again.json()
    assert Arrival.objects.count() == 1


def test_api_scan_check_in_with_override_and_receive(tree):
    arrival = register(tree)
    desk = tree.client("registrar")
    found = desk.post(reverse("api:arrival-scan"), {"code": arrival.reference},
                      content_type="application/json").json()
    assert found["id"] == arrival.pk
    url = reverse("api:arrival-check-in", kwargs={"pk": arrival.pk})
    response = desk.post(url, {"disposition": "exempt"}, content_type="application/json")
    assert response.status_code == 400 and "override_reason" in response.json()
    response = desk.post(url, {"disposition": "exempt", "override_reason": "diplomat card"},
                         content_type="application/json")
    assert response.status_code == 200 and response.json()["disposition"] == "exempt"
    response = desk.post(reverse("api:handoverbatch-list"),
                         {"arrivals": [arrival.pk], "destination": "110101001",
                          "vehicle": "京A-1"}, content_type="application/json")
    assert response.status_code == 201, response.content
    batch_id = response.json()["id"]
    street = tree.client("street")
    response = street.post(reverse("api:handoverbatch-receive", kwargs={"pk": batch_id}),
                           {"received": [arrival.pk]}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "confirmed"
    assert desk.get(reverse("api:arrival-detail", kwargs={"pk": arrival.pk})).status_code == 404


def test_batch_pages_manifest_and_receipt(tree):
    a, b = checked_in(tree), checked_in(tree)
    desk = tree.client("registrar")
    page = desk.get(reverse("arrivals:batch_new")).content.decode()
    assert a.reference in page and "110101001" in page
    response = desk.post(reverse("arrivals:batch_new"), {
        "group": "code:110101001", "arrival": [a.pk, b.pk], "vehicle": "京A-2", "minutes": "60"})
    assert response.status_code == 302
    batch_url = response["Location"]
    manifest = desk.get(batch_url + "manifest/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "交接清单" in manifest and "Hand-over manifest" in manifest and a.doc_number_masked \
        in manifest
    assert "接收人签字" in manifest and "signature of the receiver" in manifest
    assert "居家医学观察" in manifest or "居家观察" in manifest
    assert "home observation (community)" in manifest  # the disposition in both languages
    assert desk.post(batch_url, {f"a-{a.pk}": "received"}).status_code == 403
    street = tree.client("street")
    assert street.post(batch_url, {f"a-{a.pk}": "received", f"a-{b.pk}": "missing"}
                       ).status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == "received" and b.status == "missing"


def test_a_whole_vehicle_is_received_at_once_but_those_marked_missing(tree):
    a, b, c = checked_in(tree), checked_in(tree), checked_in(tree)
    desk = tree.client("registrar")
    response = desk.post(reverse("arrivals:batch_new"), {
        "group": "code:110101001", "arrival": [a.pk, b.pk, c.pk], "minutes": "60"})
    batch_url = response["Location"]
    street = tree.client("street")
    page = street.get(batch_url).content.decode()
    assert f'received<span class="visually-hidden"> {a.latin_name}</span>' in page
    assert street.post(batch_url, {f"a-{b.pk}": "missing", "all_received": "1"}
                       ).status_code == 302
    statuses = dict(Arrival.objects.values_list("pk", "status"))
    assert statuses == {a.pk: "received", b.pk: "missing", c.pk: "received"}


@pytest.mark.parametrize("body", [{"arrival": []}, {"minutes": "abc"}, {"minutes": "-5"}])
def test_a_batch_with_nobody_ticked_or_a_bad_time_is_refused(tree, body):
    a = checked_in(tree)
    desk = tree.client("registrar")
    form = {"group": "code:110101001", "arrival": [a.pk], "vehicle": "京A-2", **body}
    response = desk.post(reverse("arrivals:batch_new"), form, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Tick at least one person" in text or "whole minutes" in text
    a.refresh_from_db()
    assert a.status == ArrivalStatus.CHECKED_IN and a.batch_id is None


def test_board_refreshes_with_htmx(tree):
    checked_in(tree)
    client = tree.client("registrar")
    page = client.get(reverse("arrivals:board")).content.decode()
    assert 'hx-get="/arrivals/board/counts/"' in page and 'hx-trigger="every 15s"' in page
    partial = client.get(reverse("arrivals:board_counts")).content.decode()
    assert 'id="count-checked_in">1<' in partial and "<html" not in partial


def test_printed_forms_are_bilingual(tree):
    arrival = register(tree)
    client = tree.client("registrar")
    blank = client.get(reverse("arrivals:blank_form")).content.decode()
    assert "入境人员登记表" in blank and "Arrival registration form" in blank
    filled = client.get(reverse("arrivals:arrival_print", kwargs={"pk": arrival.pk})).content
    assert arrival.doc_number_masked in filled.decode()


def test_rule_pages(tree):
    client = tree.client("district")
    response = client.post(reverse("arrivals:rule_create"), {
        "jurisdiction": tree.jurisdictions["110101"].pk, "name": "Hotel for IT", "priority": 5,
        "effective_from": timezone.localdate(), "countries": ["IT"], "disposition": "centralised",
        "hotel": tree.places["hotel"].pk, "is_active": "on"})
    assert response.status_code == 302
    listing = client.get(reverse("arrivals:rule_list")).content.decode()
    assert "Hotel for IT" in listing
    arrival = register(tree)
    page = tree.client("registrar").get(reverse("arrivals:arrival_detail",
                                                kwargs={"pk": arrival.pk})).content.decode()
    assert "Hotel for IT" in page
    bad = client.post(reverse("arrivals:rule_create"), {
        "jurisdiction": tree.jurisdictions["110101"].pk, "name": "no hotel", "priority": 5,
        "effective_from": timezone.localdate(), "disposition": "centralised"})
    assert bad.status_code == 200 and "observation hotel" in bad.content.decode()


def _csv(rows: list[list[str]], encoding="utf-8") -> bytes:
    out = io.StringIO()
    import csv

    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def test_arrival_list_import_creates_expected_arrivals(tree, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    today = timezone.localdate().isoformat()
    number = passport_number()
    content = _csv([["姓", "名", "国籍", "护照号码", "航班号", "到达日期"],
                    ["KIM", "MINJI", "KR", number, "KE853", today],
                    ["LEE", "", "KR", "", "KE853", today],
                    ["PARK", "", "XX", passport_number(), "KE853", today]], "gb18030")
    client = tree.client("registrar")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("arrivals:import_upload"), {
            "transfer_point": tree.places["transfer"].pk,
            "file": SimpleUploadedFile("manifest.csv", content)})
    assert response.status_code == 302
    job = ArrivalImport.objects.get()
    assert job.status == "done" and job.rows_total == 3 and job.created == 1
    assert [e["line"] for e in job.errors] == [3, 4]
    expected = Arrival.objects.get(status=ArrivalStatus.EXPECTED)
    assert expected.family_name == "KIM" and expected.desk_place == tree.places["transfer"]
    # The desk checks it off.
    services.arrival_check_in(actor=tree.users["registrar"], arrival=expected,
                              destination=tree.jurisdictions["110101001001"])
    expected.refresh_from_db()
    assert expected.status == ArrivalStatus.CHECKED_IN
    page = client.get(reverse("arrivals:import_detail", kwargs={"pk": job.pk})).content.decode()
    assert "1 of 3" in page


def test_arrival_list_refuses_a_zip_bomb_and_a_wrong_type(tree, tmp_path,
                                                          django_capture_on_commit_callbacks,
                                                          settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.IMPORT_MAX_ZIP_RATIO = 10
    import zipfile

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", "<a>" + "0" * 5_000_000 + "</a>")
    client = tree.client("registrar")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("arrivals:import_upload"), {
            "transfer_point": tree.places["transfer"].pk,
            "file": SimpleUploadedFile("bomb.xlsx", path.read_bytes())})
    job = ArrivalImport.objects.get()
    assert job.status == "refused" and job.message
    response = client.post(reverse("arrivals:import_upload"), {
        "transfer_point": tree.places["transfer"].pk,
        "file": SimpleUploadedFile("list.pdf", b"%PDF-1.4")})
    assert response.status_code == 200 and ArrivalImport.objects.count() == 1
    assert Arrival.objects.count() == 0


def test_notice_of_observation_in_the_travellers_language_and_chinese(tree):
    from django.conf import settings

    from frontline.documents.kinds import DocumentKind
    from frontline.documents.models import IssuedDocument
    from frontline.documents.tests.factories import make_template, translate

    template = make_template(tree, kind=DocumentKind.HOME_NOTICE, title="居家医学观察告知书",
                             body="{name}：请于 {start_date} 至 {end_date} 在 {address} 居家观察。")
    arrival = checked_in(tree, language="it")
    url = reverse("arrivals:arrival_notice", kwargs={"pk": arrival.pk})
    client = tree.client("registrar")
    refused = client.post(url, follow=True)
    assert "no complete it translation" in refused.content.decode()
    translate(tree, template, "it", title="Avviso di osservazione domiciliare", segments=[
        "{name}: osservazione domiciliare dal {start_date} al {end_date} in {address}."])
    response = client.post(url, follow=True)
    assert "issued" in response.content.decode()
    document = IssuedDocument.objects.get()
    assert document.language == "it" and document.bilingual
    text = subprocess.run(["pdftotext", "-enc", "UTF-8",
                           str(settings.MEDIA_ROOT / document.file_path), "-"],
                          capture_output=True, check=True).stdout.decode()
    assert "居家医学观察告知书" in text and "Avviso di osservazione" in text and "ROSSI" in text
    # The desk prints it from the arrival's page (the notice is the destination's record);
    # the read is in the access log; another street's desk or staff get 404.
    from frontline.audit.models import AccessLogEntry

    page = client.get(reverse("arrivals:arrival_detail", kwargs={"pk": arrival.pk}))
    download = reverse("arrivals:arrival_notice_download",
                       kwargs={"pk": arrival.pk, "document_id": document.pk})
    assert download in page.content.decode()
    pdf = client.get(download)
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content)[:5] == b"%PDF-"
    assert AccessLogEntry.objects.filter(object_id=str(document.pk),
                                         actor=tree.users["registrar"]).exists()
    assert tree.client("street2").get(download).status_code == 404
    other = checked_in(tree)
    assert client.get(reverse("arrivals:arrival_notice_download", kwargs={
        "pk": other.pk, "document_id": document.pk})).status_code == 404


def test_desk_registration_of_an_expected_traveller_opens_the_expected_arrival(tree):
    number = passport_number()
    expected = register(tree, doc_number=number)
    data = {"mrz": mrz_for(number), "register": "1", "family_name": "ROSSI", "sex": "M",
            "nationality": "IT", "doc_type": "passport", "doc_number": number,
            "doc_country": "IT", "travel_mode": "flight", "travel_date": timezone.localdate(),
            "language": "it"}
    response = tree.client("registrar").post(reverse("arrivals:desk"), data)
    assert response.status_code == 302
    assert response["Location"] == f"/arrivals/{expected.pk}/"
    assert Arrival.objects.count() == 1


@pytest.mark.parametrize("language, expected", [("en", "these are missing: Passport No."),
                                                 ("zh-hans", "缺少：Passport No.")])
def test_an_arrival_lists_messages_are_in_the_uploaders_language(
        tree, django_capture_on_commit_callbacks, language, expected):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = _csv([["姓", "国籍"], ["KIM", "KR"]], "utf-8")
    client = tree.client("registrar")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("arrivals:import_upload"), {
            "transfer_point": tree.places["transfer"].pk,
            "file": SimpleUploadedFile("manifest.csv", content)},
            HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 302
    # The task runs later, in a worker whose own language is the other one.
    from django.utils import translation

    with translation.override("zh-hans" if language == "en" else "en"):
        for callback in callbacks:
            callback()
    job = ArrivalImport.objects.get()
    assert job.language == language
    assert job.status == "refused" and expected in job.message, job.message


@pytest.mark.parametrize("headers", [
    ["Surname", "Passport No.", "Arrival Date"], ["SURNAME:", "Passport Number", "Date"],
    ["姓", "护照号码：", "到达日期"], ["family_name", "doc_number", "travel_date"]])
def test_arrival_list_headers_are_read_whatever_their_punctuation(headers):
    from frontline.arrivals.imports import _header

    assert sorted(_header(headers).values()) == ["doc_number", "family_name", "travel_date"]


def test_a_retired_division_is_no_destination(tree):
    """A division retired from the tree (is_active false) is refused as a destination by the
    service, from the register call and from the check-in, and the API says so in Chinese."""
    from frontline.areas.models import Jurisdiction

    Jurisdiction.objects.filter(code="110101001002").update(is_active=False)
    retired = Jurisdiction.objects.get(code="110101001002")
    with pytest.raises(ValidationError) as exc:
        register(tree, destination=retired)
    assert "destination" in exc.value.message_dict
    arrival = register(tree)
    with pytest.raises(ValidationError) as exc:
        services.arrival_check_in(actor=tree.users["registrar"], arrival=arrival,
                                  destination=retired)
    assert "destination" in exc.value.message_dict
    arrival.refresh_from_db()
    assert arrival.status == ArrivalStatus.REGISTERED
    client = tree.client("registrar")
    response = client.post(reverse("api:arrival-check-in", kwargs={"pk": arrival.pk}),
                           {"destination": "110101001002"}, content_type="application/json",
                           HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 400
    assert response.json()["destination"] == ["未知的区划代码。"]
    response = client.post(reverse("api:arrival-check-in", kwargs={"pk": arrival.pk}),
                           {"hotel": 999999}, content_type="application/json",
                           HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 400
    assert response.json()["hotel"] == ["未知的观察酒店。"]
    arrival.refresh_from_db()
    assert arrival.status == ArrivalStatus.REGISTERED


def test_the_notice_ends_when_the_observation_will_and_leaves_a_streets_community_blank(tree):
    from django.conf import settings

    from frontline.documents.kinds import DocumentKind
    from frontline.documents.models import IssuedDocument
    from frontline.documents.tests.factories import make_template, translate
    from frontline.observation.services import policy_create

    template = make_template(tree, kind=DocumentKind.HOME_NOTICE, title="居家医学观察告知书",
                             body="请于 {start_date} 至 {end_date} 居家观察。\n? 所属社区：{community}")
    translate(tree, template, "it", title="Avviso", segments=[
        "Osservazione dal {start_date} al {end_date}.", "Comunità: {community}"])
    policy_create(actor=tree.users["district"], jurisdiction=tree.jurisdictions["110101"],
                  days=21, checks_per_day=2,
                  effective_from=timezone.localdate() - datetime.timedelta(days=30))

    def notice_text(destination):
        arrival = checked_in(tree, language="it", destination=destination)
        services.arrival_issue_notice(actor=tree.users["registrar"], arrival=arrival)
        document = IssuedDocument.objects.latest("id")
        text = subprocess.run(["pdftotext", "-enc", "UTF-8",
                               str(settings.MEDIA_ROOT / document.file_path), "-"],
                              capture_output=True, check=True).stdout.decode()
        return arrival, " ".join(text.split())

    arrival, text = notice_text("110101001001")
    end = arrival.travel_date + datetime.timedelta(days=21)  # as the observation will plan it
    assert f"至 {end.year}年{end.month}月{end.day}日" in text, text
    assert tree.jurisdictions["110101001001"].name in text
    arrival, text = notice_text("110101001")  # a street: its community is not known yet
    assert tree.jurisdictions["110101001"].name not in text, text

"""Print runs with their distribution and stock; the proofreading service for hotels."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from frontline.core.testing import snapshot_row
from frontline.documents import selectors, services
from frontline.documents.kinds import DocumentKind
from frontline.documents.models import Distribution, ProofreadRequest, ProofreadStatus

pytestmark = pytest.mark.django_db


def poster_run(tree, quantity=1500):
    return services.print_run_create(actor=tree.users["district"],
                                     jurisdiction=tree.jurisdictions["110101"],
                                     kind=DocumentKind.POSTER, languages=["zh-hans", "en"],
                                     quantity=quantity, printed_on=datetime.date(2020, 3, 2))


def test_print_run_distribution_and_stock(tree):
    run = poster_run(tree)
    services.distribution_create(actor=tree.users["district"], print_run=run, quantity=500,
                                 target=tree.jurisdictions["110101001"])
    services.distribution_create(actor=tree.users["district"], print_run=run, quantity=300,
                                 place=tree.places["school2"])
    listed = selectors.print_run_list(actor=tree.users["district"]).get(pk=run.pk)
    assert (listed.handed, listed.stock) == (800, 700)
    assert services.print_run_stock(run) == 700
    with pytest.raises(ValidationError) as info:
        services.distribution_create(actor=tree.users["district"], print_run=run, quantity=701,
                                     target=tree.jurisdictions["110101002"])
    assert "700" in str(info.value)
    assert Distribution.objects.count() == 2


def test_distribution_stays_inside_the_office_area(tree):
    run = poster_run(tree)
    with pytest.raises(ValidationError):
        services.distribution_create(actor=tree.users["district"], print_run=run, quantity=5,
                                     place=tree.places["hotel_other"])
    with pytest.raises(ValidationError):
        services.distribution_create(actor=tree.users["district"], print_run=run, quantity=5,
                                     place=tree.places["school2"],
                                     target=tree.jurisdictions["110101001"])
    with pytest.raises(Http404):
        services.distribution_create(actor=tree.users["district_west"], print_run=run,
                                     quantity=5, target=tree.jurisdictions["110102001"])
    assert not Distribution.objects.exists()


def test_print_run_needs_the_change_action_over_the_office(tree):
    for user in ("translator", "street", "district_west"):
        with pytest.raises(Http404):
            services.print_run_create(actor=tree.users[user],
                                      jurisdiction=tree.jurisdictions["110101"],
                                      kind=DocumentKind.REMINDER_CARD, languages=["en"],
                                      quantity=7000)
    with pytest.raises(ValidationError):
        services.print_run_create(actor=tree.users["district"],
                                  jurisdiction=tree.jurisdictions["110101"],
                                  kind=DocumentKind.REMINDER_CARD, languages=["xx"], quantity=1)


NOTICE = "Welcome to our hotel.\nYou must staying in the room.\nThe meal will be send at 7:30."


def submit(tree):
    return services.proofread_submit(actor=tree.users["hotel"], place=tree.places["hotel"],
                                     title="Check-in notes", text=NOTICE)


def test_a_hotel_submits_a_proofreader_corrects_and_approves(tree):
    request = submit(tree)
    assert request.jurisdiction_code == "110101" and request.status == ProofreadStatus.SUBMITTED
    corrected = NOTICE.replace("must staying", "must stay").replace("be send", "be served")
    with pytest.raises(PermissionDenied):  # the hotel cannot approve its own text
        services.proofread_approve(actor=tree.users["hotel"], request=request)
    with pytest.raises(PermissionDenied):
        services.proofread_save(actor=tree.users["hotel"], request=request,
                                corrected_text=corrected)
    services.proofread_save(actor=tree.users["proofreader"], request=request,
                            corrected_text=corrected)
    services.proofread_comment_add(actor=tree.users["proofreader"], request=request,
                                   paragraph=1, text="“must stay”, not “must staying”.")
    services.proofread_comment_add(actor=tree.users["hotel"], request=request, text="Thank you!")
    with pytest.raises(ValidationError, match="at most 2000 characters"):  # not cut silently
        services.proofread_comment_add(actor=tree.users["hotel"], request=request,
                                       text="A" * 2001)
    assert request.comments.count() == 2
    approved = services.proofread_approve(actor=tree.users["proofreader"], request=request)
    assert approved.status == ProofreadStatus.APPROVED and approved.approved_by == tree.users[
        "proofreader"]
    with pytest.raises(ValidationError):
        services.proofread_save(actor=tree.users["proofreader"], request=request,
                                corrected_text="late change")
    response = tree.client("hotel").get(reverse("documents:proofread_download",
                                                kwargs={"pk": request.pk}))
    assert response.status_code == 200
    assert response.content.decode().strip() == corrected
    assert "attachment" in response["Content-Disposition"]


def test_hotels_see_their_own_requests_only(tree):
    request = submit(tree)
    hotel_other = tree.places["hotel_other"]
    with pytest.raises(Http404):
        services.proofread_submit(actor=tree.users["hotel"], place=hotel_other, title="x",
                                  text="y")
    visible = set(selectors.proofread_list(actor=tree.users["hotel"]).values_list("pk",
                                                                                   flat=True))
    assert visible == {request.pk}
    assert not selectors.proofread_list(actor=tree.users["street"]).exists()
    assert selectors.proofread_list(actor=tree.users["proofreader"]).get() == request
    with pytest.raises(ValidationError):  # only hotels use the service
        services.proofread_submit(actor=tree.users["district"], place=tree.places["school2"],
                                  title="x", text="y")


def test_download_waits_for_approval(tree):
    request = submit(tree)
    response = tree.client("hotel").get(reverse("documents:proofread_download",
                                                kwargs={"pk": request.pk}))
    assert response.status_code == 302


@pytest.mark.parametrize("data, filename", [
    (b"PK\x03\x04zip", "notes.txt"),
    (b"%PDF-1.7", "notes.txt"),
    (b"caf\xe9", "notes.txt"),  # Latin-1, not UTF-8
    (b"hello", "notes.docx"),
    (b"x" * (200 * 1024 + 1), "notes.txt"),
])
def test_uploaded_texts_must_be_small_utf8_plain_text(data, filename):
    with pytest.raises(ValidationError):
        services.text_from_upload(data, filename)


def test_upload_of_plain_text(tree):
    text = services.text_from_upload("\ufeffWelcome.\nStay in your room.".encode(), "notes.txt")
    assert text == "Welcome.\nStay in your room."


def test_proofreading_page_side_by_side(tree):
    request = submit(tree)
    client = tree.client("proofreader")
    page = client.get(reverse("documents:proofread_detail", kwargs={"pk": request.pk}))
    assert page.status_code == 200 and len(page.context["rows"]) == 3
    response = client.post(reverse("documents:proofread_detail", kwargs={"pk": request.pk}),
                           {"corrected_text": NOTICE.replace("be send", "be served"),
                            "approve": "1"})
    assert response.status_code == 302
    assert ProofreadRequest.objects.get(pk=request.pk).status == ProofreadStatus.APPROVED
    before = snapshot_row(request)
    response = tree.client("hotel").post(
        reverse("documents:proofread_detail", kwargs={"pk": request.pk}),
        {"corrected_text": "hijacked", "approve": "1"})
    assert response.status_code in (200, 403)
    assert snapshot_row(request)["corrected_text"] == before["corrected_text"]

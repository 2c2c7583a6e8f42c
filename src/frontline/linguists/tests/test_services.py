"""The pool's workflows through its services: levels, ranking with reasons, offers to several,
escalation to the reserve, no double-booking, shifts, requests and remote interpreting."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from frontline.linguists import selectors, services
from frontline.linguists.models import (
    LinguistLanguage,
    NeedStatus,
    Offer,
    OfferStatus,
    RequestStatus,
    Shift,
    ShiftStatus,
)
from frontline.linguists.tests.factories import make_member, make_need, make_post, window
from frontline.notify.models import Message


def test_a_level_outside_the_scale_is_refused(tree):
    member = make_member(tree)
    with pytest.raises(ValidationError, match="outside the scale"):
        services.language_set(actor=tree.users["district"], linguist=member, language="ja",
                              listening=3, speaking=6, reading=3, writing=3)
    with pytest.raises(ValidationError, match="outside the scale"):
        services.language_set(actor=tree.users["district"], linguist=member, language="ja",
                              listening=0, speaking=3, reading=3, writing=3)
    with pytest.raises(ValidationError, match="outside the scale"):
        make_need(tree, min_speaking=7)
    assert not LinguistLanguage.objects.filter(language="ja").exists()


def test_a_street_cannot_add_a_member_to_another_street(tree):
    with pytest.raises(Http404):
        make_member(tree, actor="street", unit="110101002")
    member = make_member(tree, actor="street", unit="110101001")
    assert member.jurisdiction_code == "110101001"


def test_ranking_explains_every_rank_and_every_exclusion(tree):
    post = make_post(tree)
    need = make_need(tree, post, min_speaking=3)
    make_member(tree, name="Strong", languages=[("en", 5, 5, 5, 5)])
    tired = make_member(tree, name="Tired", languages=[("en", 5, 5, 5, 5)])
    make_member(tree, name="Weak", languages=[("en", 4, 2, 4, 4)])
    away = make_member(tree, name="Away")
    busy = make_member(tree, name="Busy")
    make_member(tree, name="Sleeping", status="inactive")
    make_member(tree, name="Japanese only", languages=[("ja", 5, 5, 5, 5)])
    make_member(tree, name="Elsewhere", unit="110101002")
    services.unavailability_add(actor=tree.users["district"], linguist=away,
                                starts_at=need.starts_at, ends_at=need.ends_at, reason="leave")
    other = make_need(tree, post, start_hours=26, hours=2)
    services.shift_assign(actor=tree.users["district"], need=other, linguist=busy)
    # Tired served 10 hours last week: fairness ranks Strong first.
    past = make_need(tree, post, start_hours=-100, hours=10)
    shift = services.shift_assign(actor=tree.users["district"], need=past, linguist=tired)
    services.shift_check_in(actor=tree.users["district"], shift=shift, at=past.starts_at)
    services.shift_check_out(actor=tree.users["district"], shift=shift, at=past.ends_at)

    ranking = selectors.rank_candidates(actor=tree.users["district"], need=need)
    names = [c.name for c in ranking.candidates]
    assert names[0] == "Strong" and set(names) == {"Strong", "Tired", "Elsewhere"}
    tired_row = ranking.candidates[names.index("Tired")]
    assert tired_row.hours_14d == 10.0 and "10.0 h served in 14 days" in tired_row.reasons
    assert tired_row.score < ranking.candidates[0].score
    assert "same street" in ranking.candidates[0].reasons
    elsewhere = ranking.candidates[names.index("Elsewhere")]
    assert "same district" in elsewhere.reasons
    assert [c.rank for c in ranking.candidates] == [1, 2, 3]
    why = {e.name: " / ".join(e.reasons) for e in ranking.excluded}
    assert why["Weak"] == "level too low: speaking 2 < 3"
    assert why["Away"] == "unavailable: leave"
    assert why["Busy"].startswith("overlapping shift at Street desk")
    assert why["Sleeping"] == "inactive"
    assert "Japanese only" not in why and "Japanese only" not in names


def test_certificates_of_the_language_raise_the_rank_and_the_list_is_read_lazily(tree):
    need = make_need(tree, min_speaking=3)
    plain = make_member(tree, name="Plain")
    certified = make_member(tree, name="Certified")
    for kind in ("catti", "tem8"):
        services.certificate_add(actor=tree.users["district"], linguist=certified,
                                 language="en", kind=kind, level="")
    # A certificate of another language counts for nothing here.
    services.certificate_add(actor=tree.users["district"], linguist=plain, language="ja",
                             kind="jlpt", level="N1")
    for i in range(3):
        make_member(tree, name=f"Other {i}")
    ranking = selectors.rank_candidates(actor=tree.users["district"], need=need)
    candidates = ranking.candidates
    assert len(candidates) == 5 and candidates[0].name == "Certified"
    assert candidates[0].certificates == 2 and "2 certificates" in candidates[0].reasons
    row = candidates[[c.name for c in candidates].index("Plain")]
    assert row.certificates == 0 and not any("certificate" in r for r in row.reasons)
    assert candidates[0].score - row.score == 6  # 3 per certificate, at most two
    # The sequence answers as a list would: slices, negative indexes, the same objects.
    assert [c.rank for c in candidates[1:3]] == [2, 3]
    assert candidates[-1] is candidates[4] and candidates[-1].rank == 5
    assert list(candidates) == candidates[:] and bool(candidates)
    with pytest.raises(IndexError):
        candidates[5]


def test_hours_served_and_load_count_only_their_windows(tree):
    post = make_post(tree)
    need = make_need(tree, post, start_hours=24, hours=4)
    member = make_member(tree, name="Worker")
    district = tree.users["district"]
    # Two assigned shifts within a week of the need, one beyond it: a load of two.
    for hours in (30, 80, 24 * 9):
        services.shift_assign(actor=district, need=make_need(tree, post, start_hours=hours,
                                                             hours=3), linguist=member)
    # A completed shift of 7 h 30 min three days ago, and one 20 days ago (outside 14 days).
    for hours, minutes in ((-72, 450), (-480, 300)):
        past = make_need(tree, post, start_hours=hours, hours=8)
        shift = services.shift_assign(actor=district, need=past, linguist=member)
        services.shift_check_in(actor=district, shift=shift, at=past.starts_at)
        services.shift_check_out(actor=district, shift=shift, at=past.starts_at
                                 + datetime.timedelta(minutes=minutes))
    (candidate,) = selectors.rank_candidates(actor=district, need=need).candidates
    assert candidate.load == 2 and "2 other shifts that week" in candidate.reasons
    assert candidate.hours_14d == 7.5 and "7.5 h served in 14 days" in candidate.reasons


def test_weekly_availability_counts(tree):
    need = make_need(tree, start_hours=24, hours=8)
    local = timezone.localtime(need.starts_at)
    member = make_member(tree, name="Mornings")
    services.availability_add(actor=tree.users["district"], linguist=member,
                              weekday=(local.weekday() + 3) % 7, start=datetime.time(8),
                              end=datetime.time(12))
    ranking = selectors.rank_candidates(actor=tree.users["district"], need=need)
    assert [e.reasons for e in ranking.excluded] == [["outside weekly availability"]]
    services.availability_add(actor=tree.users["district"], linguist=member,
                              weekday=local.weekday(), start=local.time(),
                              end=(local + datetime.timedelta(hours=4)).time())
    ranking = selectors.rank_candidates(actor=tree.users["district"], need=need)
    assert ranking.candidates[0].coverage == 0.5
    assert "available for 50% of the window" in ranking.candidates[0].reasons


def test_offer_to_several_first_accept_wins_others_withdrawn(tree):
    need = make_need(tree)
    first = make_member(tree, name="First", user="linguist")
    second = make_member(tree, name="Second")
    third = make_member(tree, name="Third")
    offers = services.offer_send(actor=tree.users["district"], need=need,
                                 linguists=[first, second, third])
    assert len(offers) == 3
    assert Message.objects.filter(recipient=tree.users["linguist"], channel="in_app").count() == 1
    shift = services.offer_accept(actor=tree.users["linguist"], offer=offers[0])
    assert shift.linguist == first and shift.status == ShiftStatus.ASSIGNED
    need.refresh_from_db()
    assert need.status == NeedStatus.FILLED
    statuses = dict(Offer.objects.values_list("linguist__name", "status"))
    assert statuses == {"First": "accepted", "Second": "withdrawn", "Third": "withdrawn"}
    with pytest.raises(ValidationError, match="already been taken by someone else"):
        services.offer_accept(actor=tree.users["district"], offer=offers[1])
    with pytest.raises(ValidationError, match="already been accepted"):
        services.offer_accept(actor=tree.users["linguist"], offer=offers[0])
    assert Shift.objects.count() == 1


def test_a_member_cannot_accept_someone_elses_offer(tree):
    need = make_need(tree)
    make_member(tree, name="Mine", user="linguist")
    other = make_member(tree, name="Other")
    offer = services.offer_send(actor=tree.users["district"], need=need, linguists=[other])[0]
    with pytest.raises(Http404):
        services.offer_accept(actor=tree.users["linguist"], offer=offer)
    assert not Shift.objects.exists()


def test_two_places_need_two_accepts(tree):
    need = make_need(tree, people=2)
    a, b, c = (make_member(tree) for _ in range(3))
    offers = services.offer_send(actor=tree.users["district"], need=need, linguists=[a, b, c])
    services.offer_accept(actor=tree.users["district"], offer=offers[0])
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN
    services.offer_accept(actor=tree.users["district"], offer=offers[2])
    need.refresh_from_db()
    assert need.status == NeedStatus.FILLED
    assert Offer.objects.get(pk=offers[1].pk).status == OfferStatus.WITHDRAWN


def test_overlapping_shifts_are_refused(tree):
    post = make_post(tree)
    first = make_need(tree, post, start_hours=24, hours=8)
    overlapping = make_need(tree, post, start_hours=30, hours=8)
    after = make_need(tree, post, start_hours=32, hours=4)
    member = make_member(tree, name="Ana")
    services.shift_assign(actor=tree.users["district"], need=first, linguist=member)
    with pytest.raises(ValidationError, match="Ana already has an overlapping shift"):
        services.shift_assign(actor=tree.users["district"], need=overlapping, linguist=member)
    offer = services.offer_send(actor=tree.users["district"], need=overlapping,
                                linguists=[member])[0]
    with pytest.raises(ValidationError, match="overlapping shift"):
        services.offer_accept(actor=tree.users["district"], offer=offer)
    services.shift_assign(actor=tree.users["district"], need=after, linguist=member)
    assert Shift.objects.filter(linguist=member).count() == 2


def test_unanswered_offers_escalate_to_the_reserve(tree):
    need = make_need(tree)
    active = make_member(tree, name="Active")
    reserve = make_member(tree, name="Reserve", status="reserve")
    pooled = make_member(tree, name="Pooled", languages=[("en", 3, 3, 3, 3, True)])
    sent = timezone.now() - datetime.timedelta(hours=1)
    services.offer_send(actor=tree.users["district"], need=need, linguists=[active], now=sent)
    assert services.offers_escalate_due() == 1
    statuses = {o.linguist.name: (o.status, o.from_reserve) for o in Offer.objects.all()}
    assert statuses["Active"] == ("expired", False)
    assert statuses["Reserve"] == ("pending", True)
    assert statuses["Pooled"] == ("pending", True)
    assert services.offers_escalate_due() == 0  # once per need
    del reserve, pooled


def test_check_in_out_hours_and_no_show(tree):
    post = make_post(tree)
    need = make_need(tree, post, start_hours=-2, hours=8)
    member = make_member(tree, user="linguist")
    shift = services.shift_assign(actor=tree.users["district"], need=need, linguist=member)
    with pytest.raises(ValidationError, match="Check in before"):
        services.shift_check_out(actor=tree.users["linguist"], shift=shift)
    services.shift_check_in(actor=tree.users["linguist"], shift=shift, at=need.starts_at)
    shift = services.shift_check_out(actor=tree.users["linguist"], shift=shift,
                                     at=need.starts_at + datetime.timedelta(hours=7, minutes=30))
    assert shift.hours_served == 7.5
    other = make_need(tree, post, start_hours=48, hours=4)
    absent = make_member(tree)
    missed = services.shift_assign(actor=tree.users["district"], need=other, linguist=absent)
    other.refresh_from_db()
    assert other.status == NeedStatus.FILLED
    services.shift_no_show(actor=tree.users["district"], shift=missed)
    other.refresh_from_db()
    assert other.status == NeedStatus.OPEN


def test_hotel_requests_a_speaker_and_the_office_dispatches(tree):
    post = make_post(tree, name="Hotel A desk", kind="observation_hotel", code="110101",
                     place="hotel")
    start, end = window()
    request = services.request_create(actor=tree.users["hotel"], post=post, language="it",
                                      starts_at=start, ends_at=end, note="guest with fever")
    assert request.status == RequestStatus.SUBMITTED
    need = services.request_dispatch(actor=tree.users["district"], request=request,
                                     min_speaking=3)
    assert need.language == "it" and need.min_speaking == 3 and need.place == post.place
    member = make_member(tree, languages=[("it", 4, 4, 3, 3)])
    services.shift_assign(actor=tree.users["district"], need=need, linguist=member)
    request.refresh_from_db()
    assert request.status == RequestStatus.FILLED
    with pytest.raises(ValidationError, match="already been dispatched"):
        services.request_dispatch(actor=tree.users["district"], request=request)


def test_a_hotel_cannot_request_for_another_post(tree):
    post = make_post(tree, name="West hotel", kind="observation_hotel", code="110102",
                     place="hotel_other", actor="city")
    start, end = window()
    with pytest.raises(Http404):
        services.request_create(actor=tree.users["hotel"], post=post, language="it",
                                starts_at=start, ends_at=end)


def test_remote_interpreting_with_call_log(tree):
    from frontline.people.tests.factories import make_person

    person = make_person(tree, community="110101001001")
    member = make_member(tree, user="linguist", languages=[("it", 4, 4, 4, 4)])
    with pytest.raises(ValidationError, match="does not speak"):
        services.remote_assign(actor=tree.users["district"], linguist=member, person=person,
                               language="ja")
    assignment = services.remote_assign(actor=tree.users["street"], linguist=member,
                                        person=person, language="it")
    call = services.call_log_add(actor=tree.users["linguist"], assignment=assignment,
                                 started_at=timezone.now(), minutes=12, topic="test results")
    assert call.minutes == 12
    assert list(selectors.own_remote(user=tree.users["linguist"])) == [assignment]
    with pytest.raises(Http404):
        services.call_log_add(actor=tree.users["street2"], assignment=assignment,
                              started_at=timezone.now(), minutes=5, topic="x")


def test_figures_count_deployed_and_unmet(tree):
    post = make_post(tree, name="Transfer desk", kind="transfer_point", code="110101",
                     place="transfer")
    now_need = make_need(tree, post, start_hours=-1, hours=4)
    make_need(tree, post, language="ko")
    member = make_member(tree)
    services.shift_assign(actor=tree.users["district"], need=now_need, linguist=member)
    figures = selectors.figures(actor=tree.users["district"])
    assert figures["deployed_per_language"] == {"English": 1}
    assert figures["deployed_per_post"] == {"Transfer desk": 1}
    assert figures["unmet_per_language"] == {"Korean": 1}
    assert selectors.figures(actor=tree.users["district_west"])["deployed"] == 0


def test_the_database_itself_refuses_an_overlapping_shift_on_postgresql(tree):
    from django.db import IntegrityError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraint exists on PostgreSQL only")
    post = make_post(tree)
    first = make_need(tree, post, start_hours=24, hours=8)
    second = make_need(tree, post, start_hours=30, hours=8)
    member = make_member(tree)
    services.shift_assign(actor=tree.users["district"], need=first, linguist=member)
    with pytest.raises(IntegrityError), transaction.atomic():
        Shift.objects.create(need=second, linguist=member, jurisdiction_code="110101001",
                             starts_at=second.starts_at, ends_at=second.ends_at)


def test_the_escalation_command(tree):
    import io

    from django.core.management import call_command

    need = make_need(tree)
    member = make_member(tree, name="Slow")
    make_member(tree, name="Backup", status="reserve")
    services.offer_send(actor=tree.users["district"], need=need, linguists=[member],
                        now=timezone.now() - datetime.timedelta(hours=2))
    out = io.StringIO()
    call_command("linguists_escalate_due", stdout=out)
    assert out.getvalue().strip() == "escalated 1 needs to the reserve"
    assert Offer.objects.get(linguist__name="Backup").from_reserve

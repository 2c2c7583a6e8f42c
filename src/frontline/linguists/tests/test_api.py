"""The pool's REST endpoints: bad input refused with a clear message, ranking with reasons,
offers answered by the member, and the figures."""

import pytest
from django.urls import reverse

from frontline.linguists.models import Linguist, NeedStatus, Shift
from frontline.linguists.tests.factories import make_member, make_need, make_post, window


def test_a_level_outside_the_scale_is_refused_and_nothing_is_created(tree):
    client = tree.client("district")
    response = client.post(reverse("api:linguist-list"), {
        "name": "Bad level", "kind": "staff", "unit": "110101001", "status": "active",
        "languages": [{"language": "en", "listening": 6, "speaking": 4, "reading": 4,
                       "writing": 4}]}, content_type="application/json")
    assert response.status_code == 400
    assert "outside the scale" in str(response.json())
    assert not Linguist.objects.exists()
    response = client.post(reverse("api:linguist-list"), {
        "name": "Good", "kind": "volunteer", "unit": "110101001", "status": "reserve",
        "languages": [{"language": "ja", "listening": 3, "speaking": 4, "reading": 2,
                       "writing": 2}]}, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["languages"][0]["speaking"] == 4


def test_overlapping_need_window_and_bad_minimum_are_refused(tree):
    post = make_post(tree)
    start, end = window()
    client = tree.client("district")
    response = client.post(reverse("api:need-list"), {
        "post": post.pk, "language": "en", "starts_at": end.isoformat(),
        "ends_at": start.isoformat(), "people": 1}, content_type="application/json")
    assert response.status_code == 400 and "after the start" in str(response.json())
    response = client.post(reverse("api:need-list"), {
        "post": post.pk, "language": "en", "starts_at": start.isoformat(),
        "ends_at": end.isoformat(), "people": 1, "min_speaking": 9},
        content_type="application/json")
    assert response.status_code == 400 and "outside the scale" in str(response.json())


def test_rank_offer_accept_through_the_api(tree):
    need = make_need(tree, min_speaking=3)
    me = make_member(tree, name="Me", user="linguist", languages=[("en", 4, 4, 4, 4)])
    other = make_member(tree, name="Other", languages=[("en", 5, 5, 5, 5)])
    make_member(tree, name="Low", languages=[("en", 2, 2, 2, 2)])
    office = tree.client("district")
    ranking = office.get(reverse("api:need-candidates", kwargs={"pk": need.pk})).json()
    assert [c["name"] for c in ranking["candidates"]] == ["Other", "Me"]
    assert ranking["candidates"][0]["rank"] == 1 and ranking["candidates"][0]["reasons"]
    assert ranking["excluded"][0]["name"] == "Low"
    assert "level too low" in ranking["excluded"][0]["reasons"][0]
    offers = office.post(reverse("api:need-offer", kwargs={"pk": need.pk}),
                         {"linguists": [me.pk, other.pk]}, content_type="application/json")
    assert offers.status_code == 200 and len(offers.json()) == 2
    member = tree.client("linguist")
    mine = member.get(reverse("api:myoffer-list")).json()["results"]
    assert len(mine) == 1
    accepted = member.post(reverse("api:myoffer-accept", kwargs={"pk": mine[0]["id"]}))
    assert accepted.status_code == 201 and accepted.json()["linguist_name"] == "Me"
    again = member.post(reverse("api:myoffer-accept", kwargs={"pk": mine[0]["id"]}))
    assert again.status_code == 400
    assert "already been accepted" in str(again.json())
    need.refresh_from_db()
    assert need.status == NeedStatus.FILLED
    figures = office.get(reverse("api:linguistfigures-list")).json()
    assert figures["unmet"] == 0


def test_a_street_cannot_rank_candidates_of_another_street(tree):
    other_post = make_post(tree, code="110101002")
    need = make_need(tree, other_post)
    assert tree.client("street").get(reverse("api:need-candidates", kwargs={"pk": need.pk})
                                     ).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_give_exactly_one_assignment(tree):
    """Many members accept offers of a one-person need at the same moment: exactly one wins.

    Real threads with their own connections; on SQLite the write lock serialises them, on
    PostgreSQL the row locks (and the exclusion constraint) do."""
    import threading

    from django.db import connection, connections

    from frontline.linguists import services

    if connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database is not shared between threads")
    need = make_need(tree)
    members = [make_member(tree, name=f"M{i}") for i in range(12)]
    offers = services.offer_send(actor=tree.users["district"], need=need, linguists=members)
    barrier = threading.Barrier(len(offers) + 1)
    results: list[str] = []

    def accept(offer):
        try:
            barrier.wait()
            services.offer_accept(actor=tree.users["district"], offer=offer)
            results.append("won")
        except Exception as exc:  # noqa: BLE001 - every loser must get a clear refusal
            results.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(o,)) for o in offers]
    # The same offer accepted twice at once, too.
    threads.append(threading.Thread(target=accept, args=(offers[0],)))
    barrier = threading.Barrier(len(threads))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("won") == 1, results
    assert set(results) == {"won", "ValidationError"}
    assert Shift.objects.filter(need=need).count() == 1

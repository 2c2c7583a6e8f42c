"""The pool's REST endpoints: bad input refused with a clear message, ranking with reasons,
offers answered by the member, and the figures."""

import pytest
from django.urls import reverse

from frontline.linguists.models import Linguist, LinguistLanguage, NeedStatus, Shift
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


def _bulk_members(tree, prefix, count, speaking):
    """Many English speakers of street 110101001 at once (the services would take seconds);
    names sort in the order they are made."""
    unit = tree.jurisdictions["110101001"]
    members = Linguist.objects.bulk_create([
        Linguist(name=f"{prefix} {i:04d}", unit=unit, jurisdiction_code=unit.code)
        for i in range(count)])
    LinguistLanguage.objects.bulk_create([
        LinguistLanguage(linguist=m, language="en", listening=4, speaking=speaking, reading=4,
                         writing=4, jurisdiction_code=unit.code) for m in members])
    return [m.name for m in members]


def _ranking(client, need, query=""):
    return client.get(reverse("api:need-candidates", kwargs={"pk": need.pk}) + query)


def test_ranking_sends_the_page_sizes_by_default_and_the_totals(tree):
    need = make_need(tree, min_speaking=3)
    _bulk_members(tree, "Good", 105, speaking=4)
    low = _bulk_members(tree, "Low", 205, speaking=2)
    ranking = _ranking(tree.client("district"), need)
    assert ranking.status_code == 200
    body = ranking.json()
    assert len(body["candidates"]) == 100 and body["candidates_total"] == 105
    assert [c["rank"] for c in body["candidates"]] == list(range(1, 101))
    assert len(body["excluded"]) == 200 and body["excluded_total"] == 205
    assert [e["name"] for e in body["excluded"]] == low[:200]  # by name
    assert "level too low" in body["excluded"][0]["reasons"][0]


def test_a_limit_sends_exactly_that_many_of_the_best(tree):
    need = make_need(tree, min_speaking=3)
    for level in (3, 5, 4, 5, 3):
        make_member(tree, languages=[("en", level, level, level, level)])
    for _ in range(4):
        make_member(tree, languages=[("en", 2, 2, 2, 2)])
    client = tree.client("district")
    everything = _ranking(client, need, "?limit=1000&excluded_limit=1000").json()
    assert len(everything["candidates"]) == 5 and len(everything["excluded"]) == 4
    body = _ranking(client, need, "?limit=3&excluded_limit=2").json()
    assert body["candidates"] == everything["candidates"][:3]
    assert [c["rank"] for c in body["candidates"]] == [1, 2, 3]
    assert body["excluded"] == everything["excluded"][:2]
    assert (body["candidates_total"], body["excluded_total"]) == (5, 4)
    assert (everything["candidates_total"], everything["excluded_total"]) == (5, 4)
    only_candidates = _ranking(client, need, "?limit=2").json()
    assert len(only_candidates["candidates"]) == 2 and len(only_candidates["excluded"]) == 4


def test_a_limit_of_zero_sends_only_the_totals(tree):
    need = make_need(tree, min_speaking=3)
    make_member(tree)
    make_member(tree, languages=[("en", 2, 2, 2, 2)])
    body = _ranking(tree.client("district"), need, "?limit=0&excluded_limit=0").json()
    assert body == {"candidates": [], "excluded": [], "candidates_total": 1,
                    "excluded_total": 1}


@pytest.mark.parametrize(("value", "message"), [
    ("abc", "A valid integer is required."),
    ("", "A valid integer is required."),
    ("5.0", "A valid integer is required."),
    (" 5", "A valid integer is required."),
    ("1e2", "A valid integer is required."),
    ("-1", "Ensure this value is greater than or equal to 0."),
    ("1001", "Ensure this value is less than or equal to 1000."),
    ("99999999999999999999", "Ensure this value is less than or equal to 1000."),
])
@pytest.mark.parametrize("name", ["limit", "excluded_limit"])
def test_a_bad_limit_is_refused_with_a_clear_message(tree, name, value, message):
    need = make_need(tree)
    make_member(tree)
    response = _ranking(tree.client("district"), need, f"?{name}={value}")
    assert response.status_code == 400
    assert response.json()[name] == [message]


def test_both_bad_limits_are_told_at_once_and_in_the_readers_language(tree):
    need = make_need(tree)
    response = tree.client("district").get(
        reverse("api:need-candidates", kwargs={"pk": need.pk}) + "?limit=x&excluded_limit=1001",
        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    body = response.json()
    assert body["limit"] == ["请填写合法的整数值。"]
    assert body["excluded_limit"] == ["请确保该值小于或者等于 1000。"]


def test_another_streets_need_is_404_whatever_the_limits(tree):
    mine, other = make_post(tree), make_post(tree, code="110101002")
    own_need, other_need = make_need(tree, mine), make_need(tree, other)
    client = tree.client("street")
    assert _ranking(client, own_need, "?limit=5&excluded_limit=0").status_code == 200
    for query in ("?limit=5&excluded_limit=0", "?limit=0", "?limit=abc", "?limit=1001"):
        assert _ranking(client, other_need, query).status_code == 404, query


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


def test_ranking_for_someone_who_sees_no_member_is_empty_not_an_error(tree):
    from django.contrib.auth.models import AnonymousUser

    from frontline.linguists import selectors

    need = make_need(tree)
    make_member(tree, name="Other", languages=[("en", 5, 5, 5, 5)])
    ranking = selectors.rank_candidates(actor=AnonymousUser(), need=need)
    assert (list(ranking.candidates), list(ranking.excluded)) == ([], [])
    assert [c.name for c in selectors.rank_candidates(actor=tree.users["district"],
                                                      need=need).candidates] == ["Other"]

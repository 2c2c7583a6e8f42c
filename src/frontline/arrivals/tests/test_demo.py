"""The demo loads on the demo tree and twice changes nothing."""

import io

from frontline.arrivals import demo
from frontline.arrivals.models import Arrival, IdentityReference, SortingRule


def test_demo_loads_idempotently(tree):
    out = io.StringIO()
    demo.load(stdout=out)
    count = Arrival.objects.count()
    assert count == demo.ARRIVALS + 3 and SortingRule.objects.count() == 3
    family = Arrival.objects.filter(family_name="DEMOFAMILY").order_by("id")
    assert [a.party_lead_id for a in family][1:] == [family[0].pk] * 2
    assert {a.status for a in family} == {"registered"}
    assert IdentityReference.objects.count() == 3
    assert Arrival.objects.filter(status="checked_in").exists() or Arrival.objects.filter(
        status__in=["in_batch", "received"]).exists()
    demo.load(stdout=out)
    assert Arrival.objects.count() == count

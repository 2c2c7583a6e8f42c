"""The demo loads on the demo tree and twice changes nothing."""

import io

from frontline.arrivals import demo
from frontline.arrivals.models import Arrival, IdentityReference, SortingRule


def test_demo_loads_idempotently(tree):
    out = io.StringIO()
    demo.load(stdout=out)
    count = Arrival.objects.count()
    assert count == demo.ARRIVALS and SortingRule.objects.count() == 3
    assert IdentityReference.objects.count() == 3
    assert Arrival.objects.filter(status="checked_in").exists() or Arrival.objects.filter(
        status__in=["in_batch", "received"]).exists()
    demo.load(stdout=out)
    assert Arrival.objects.count() == count

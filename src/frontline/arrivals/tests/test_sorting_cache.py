"""The sorting rules and the risk list are kept per process while unchanged: a check-in reads
their versions (one statement) instead of the tables, and a change is seen by the next one."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from frontline.areas.apps import JURISDICTIONS, PLACES
from frontline.arrivals import services, sorting
from frontline.arrivals.models import SortingRule
from frontline.arrivals.tests.factories import arrival_data, checked_in, register
from frontline.core.models import ReferenceVersion


def _sql(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries]


def _rule(tree, **fields):
    values = {"name": "From IT → hotel", "priority": 10,
              "effective_from": timezone.localdate() - datetime.timedelta(days=1),
              "countries": ["IT"], "disposition": "centralised", "hotel": tree.places["hotel"]}
    values.update(fields)
    return services.rule_save(actor=tree.users["district"],
                              jurisdiction=tree.jurisdictions["110101"], **values)


def test_a_check_in_reads_the_versions_not_the_tables_once_kept(tree):
    _rule(tree)
    checked_in(tree)  # reads the tables once and keeps them under their versions
    arrival = register(tree)
    with CaptureQueriesContext(connection) as queries:
        arrival = services.arrival_check_in(actor=tree.users["registrar"], arrival=arrival)
    assert arrival.disposition == "centralised"
    assert arrival.destination_place == tree.places["hotel"]
    sql = _sql(queries)
    assert not any('FROM "arrivals_sortingrule"' in s for s in sql)
    assert not any('FROM "people_riskcountry"' in s for s in sql)
    assert sum("core_referenceversion" in s for s in sql) == 1


def test_a_changed_rule_is_seen_by_the_next_check_in(tree):
    rule = _rule(tree)
    assert checked_in(tree).disposition == "centralised"
    services.rule_save(actor=tree.users["district"], jurisdiction=tree.jurisdictions["110101"],
                       rule=rule, name=rule.name, priority=10,
                       effective_from=rule.effective_from, countries=["IT"],
                       disposition="hospital")
    assert checked_in(tree).disposition == "hospital"
    SortingRule.objects.filter(pk=rule.pk).delete()
    assert checked_in(tree).disposition == "home"


def test_a_rule_made_outside_the_services_is_seen_too(tree):
    assert checked_in(tree).disposition == "home"
    SortingRule.objects.create(  # scoped-ok: through the ORM, not the service
        jurisdiction=tree.jurisdictions["110101"], jurisdiction_code="110101", name="raw",
        priority=1, effective_from=timezone.localdate(), disposition="exempt")
    assert checked_in(tree).disposition == "exempt"


def test_a_new_risk_country_is_seen_by_the_next_check_in(tree):
    from frontline.people.services import risk_country_set

    day = timezone.localdate()
    assert "risk_country" not in sorting.categories_of(
        services.arrival_register(actor=tree.users["registrar"],
                                  transfer_point=tree.places["transfer"],
                                  data=arrival_data(destination="110101001001")))
    risk_country_set(actor=tree.users["district"], country="IT",
                     jurisdiction=tree.jurisdictions["110101"], effective_from=day)
    arrival = checked_in(tree)
    assert "risk_country" in arrival.categories or "risk_country" in sorting.categories_of(
        arrival)


def test_a_missing_version_is_made_and_the_table_read_under_it(tree):
    _rule(tree)
    checked_in(tree)
    ReferenceVersion.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        assert checked_in(tree).disposition == "centralised"
    assert any('FROM "arrivals_sortingrule"' in s for s in _sql(queries))
    assert set(ReferenceVersion.objects.values_list("name", flat=True)) == {
        sorting.RULES, sorting.RISK, JURISDICTIONS, PLACES}


def test_each_caller_gets_its_own_copy_of_a_kept_rule(tree):
    _rule(tree)
    day = timezone.localdate()
    sorting.rules_in_force("110101", day)  # kept from here
    with CaptureQueriesContext(connection) as queries:
        first = sorting.rules_in_force("110101", day)[0]
        first.name = "changed in one request"
        first.hotel.name = "renamed in one request"
        second = sorting.rules_in_force("110101", day)[0]
        assert second.hotel.name == "Hotel A"  # loaded with the rule: no query
    assert second.name == "From IT → hotel"
    assert second.hotel is not first.hotel
    assert not any('"areas_place"' in s for s in _sql(queries))


def test_a_hotel_changed_is_seen_by_the_next_check_in(tree):
    """The rules are kept with their hotel: a hotel no longer for observation (the office
    edits the place) refuses the rule's suggestion at the next check-in."""
    _rule(tree)
    assert checked_in(tree).destination_place == tree.places["hotel"]
    hotel = tree.places["hotel"]
    hotel.kind = "lodging_hotel"
    hotel.save()  # the places' version changes with it
    with pytest.raises(ValidationError) as refused:
        checked_in(tree)
    assert refused.value.error_dict["hotel"][0].code == "hotel_required"


def test_a_desk_registration_with_check_in_reads_the_versions_once(tree):
    """The rules, the risk list and the divisions (the destination is named by code): their
    three versions in one statement, and none of the tables once kept."""
    _rule(tree)
    checked_in(tree)
    with CaptureQueriesContext(connection) as queries:
        arrival = services.arrival_register(
            actor=tree.users["registrar"], transfer_point=tree.places["transfer"],
            data=arrival_data(destination="110101001001"), check_in=True)
    assert arrival.disposition == "centralised"
    sql = _sql(queries)
    assert not any(table in s for s in sql for table in (
        'FROM "arrivals_sortingrule"', 'FROM "people_riskcountry"', 'FROM "areas_jurisdiction"'))
    assert sum("core_referenceversion" in s for s in sql) == 1

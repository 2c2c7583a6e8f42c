"""The transfer points and streets the portal offers are kept per process while unchanged: a
registration form reads their versions (one statement) instead of the tables, and a new,
renamed or closed transfer point or street is offered (or not) at the next request."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from frontline.areas.models import Jurisdiction, Place
from frontline.areas.services import division_rows_parse, divisions_load

FORM = "/portal/en/register/"


def _form() -> str:
    response = Client().get(FORM)
    assert response.status_code == 200
    return response.content.decode()


def test_the_form_reads_the_versions_not_the_tables_once_kept(tree):
    _form()
    with CaptureQueriesContext(connection) as queries:
        html = _form()
    # one transfer point: chosen without asking; the streets are listed
    assert f'name="transfer_point" value="{tree.places["transfer"].pk}"' in html
    assert "东华门街道" in html
    sql = [q["sql"] for q in queries.captured_queries]
    assert not any('FROM "areas_place"' in s for s in sql), sql
    assert not any('FROM "areas_jurisdiction"' in s for s in sql), sql
    assert sum("core_referenceversion" in s for s in sql) == 1


def test_a_new_or_closed_transfer_point_is_seen_at_the_next_request(tree):
    assert "Airport T3" not in _form()
    point = Place.objects.create(  # scoped-ok: through the ORM, not a service
        name="Airport T3", kind="transfer_point", jurisdiction=tree.jurisdictions["110101"],
        jurisdiction_code="110101")
    assert "Airport T3" in _form()
    point.is_active = False
    point.save()
    assert "Airport T3" not in _form()


def test_divisions_loaded_in_bulk_are_seen_at_the_next_request(tree):
    assert "东华门街道" in _form()
    rows = division_rows_parse("code,name,level,parent_code\n"
                               "110101001,东华门街道办事处,street,110101\n".encode())
    divisions_load(actor=None, rows=rows)
    assert Jurisdiction.objects.get(code="110101001").name == "东华门街道办事处"
    assert "东华门街道办事处" in _form()

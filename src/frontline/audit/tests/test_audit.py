"""The audit logs are append-only (ORM and, on PostgreSQL, a trigger), scoped and exportable."""

import csv
import io

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from frontline.audit.models import AccessLogEntry, AppendOnlyError, ChangeLogEntry
from frontline.audit.services import access_record, change_record
from frontline.core.testing import ScopedPermissionTests


@pytest.fixture
def entry(tree):
    return change_record(actor=tree.users["district"], action="event",
                         obj=tree.places["lodging"], event="test.entry")


def test_orm_refuses_update_and_delete(entry):
    entry.object_repr = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        ChangeLogEntry.objects.filter(pk=entry.pk).update(object_repr="x")
    with pytest.raises(AppendOnlyError):
        ChangeLogEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgresql_trigger_refuses_raw_sql(entry):
    for sql in ("UPDATE audit_changelogentry SET object_repr = 'x'",
                "DELETE FROM audit_changelogentry"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)
    assert ChangeLogEntry.objects.filter(pk=entry.pk, object_repr=entry.object_repr).exists()


def test_request_id_is_recorded(tree, client):
    client.force_login(tree.users["district"])
    response = client.post(reverse("areas:place_create"), {
        "name": "Audited", "kind": "school", "jurisdiction": tree.jurisdictions["110101"].pk},
        HTTP_X_REQUEST_ID="req-1234567890")
    assert response["X-Request-ID"] == "req-1234567890"
    assert ChangeLogEntry.objects.get(object_repr="Audited").request_id == "req-1234567890"


def test_secrets_are_never_recorded(tree):
    from frontline.accounts.services import token_create

    token_create(actor=tree.users["street"], name="t")
    entry = ChangeLogEntry.objects.get(event="token.create")
    assert "key_hash" not in entry.after
    from frontline.accounts.services import user_reset_password

    user_reset_password(actor=tree.users["district"], user=tree.users["street"],
                        password="another-long-pass-1")
    for e in ChangeLogEntry.objects.filter(object_type="accounts.user"):
        assert "password" not in (e.after or {}) and "password" not in (e.before or {})


def test_audit_page_filters_and_scope(tree, entry):
    change_record(actor=None, action="event", obj=tree.places["school2"], event="test.other")
    response = tree.client("street").get(reverse("audit:change_list"))
    events = {e.event for e in response.context["object_list"]}
    assert "test.entry" in events and "test.other" not in events
    filtered = tree.client("district").get(reverse("audit:change_list"), {"code": "110101002"})
    assert {e.event for e in filtered.context["object_list"]} >= {"test.other"}
    assert "test.entry" not in {e.event for e in filtered.context["object_list"]}


def test_community_worker_has_no_audit_page(tree):
    assert tree.client("community").get(reverse("audit:change_list")).status_code == 403


def test_csv_export_is_logged_and_neutralised(tree):
    change_record(actor=tree.users["district"], action="event", obj=tree.places["lodging"],
                  event="=HYPERLINK(\"http://evil\")")
    response = tree.client("district").get(reverse("audit:change_export"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] in ("time", "时间")
    events = [r[4] for r in rows[1:]]
    assert "'=HYPERLINK(\"http://evil\")" in events
    log = AccessLogEntry.objects.get(event="export", object_type="audit.changelogentry")
    assert log.actor == tree.users["district"] and log.record_count == len(rows) - 1


def test_access_record_keeps_reason_and_address(tree):
    entry = access_record(actor=tree.users["district"], event="reveal", object_type="x.y",
                          jurisdiction_code="110101", reason="identity check at desk")
    assert entry.reason == "identity check at desk" and entry.actor_label == "district"


class TestChangeLogPermissions(ScopedPermissionTests):
    model = ChangeLogEntry
    viewer = "street"
    api_basename = "changelog"

    def make_objects(self, tree):
        inside = change_record(actor=None, action="event", obj=tree.places["lodging"], event="in")
        outside = change_record(actor=None, action="event", obj=tree.places["school2"],
                                event="out")
        return inside, outside

    def test_restrict_keeps_inside_drops_outside(self, tree):
        inside, outside = self.make_objects(tree)
        visible = set(ChangeLogEntry.objects.restrict(tree.users["street"], "view_audit"))
        assert inside in visible and outside not in visible


class TestAccessLogPermissions(ScopedPermissionTests):
    model = AccessLogEntry
    viewer = "street"
    api_basename = "accesslog"

    def make_objects(self, tree):
        inside = access_record(actor=None, event="read", object_type="t",
                               jurisdiction_code="110101001001")
        outside = access_record(actor=None, event="read", object_type="t",
                                jurisdiction_code="110101002001")
        return inside, outside

    def test_restrict_keeps_inside_drops_outside(self, tree):
        inside, outside = self.make_objects(tree)
        visible = set(AccessLogEntry.objects.restrict(tree.users["street"], "view_audit"))
        assert inside in visible and outside not in visible


def test_change_records_together_writes_once_at_the_end_and_nothing_on_error(tree):
    from django.test.utils import CaptureQueriesContext

    from frontline.audit.services import change_records_together

    place, actor = tree.places["lodging"], tree.users["district"]
    before = ChangeLogEntry.objects.count()
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), \
            change_records_together():
        for event in ("test.one", "test.two"):
            change_record(actor=actor, action="event", obj=place, event=event)
        with change_records_together():  # nested: written with the outer block
            change_record(actor=actor, action="event", obj=place, event="test.three")
        assert ChangeLogEntry.objects.count() == before  # not yet written
    inserts = [q for q in queries.captured_queries
               if q["sql"].startswith('INSERT INTO "audit_changelogentry"')]
    assert len(inserts) == 1
    assert list(ChangeLogEntry.objects.order_by("id").values_list("event", flat=True)
                [before:]) == ["test.one", "test.two", "test.three"]
    assert ChangeLogEntry.objects.filter(event="test.one").get().time is not None

    with pytest.raises(RuntimeError), transaction.atomic(), change_records_together():
        change_record(actor=actor, action="event", obj=place, event="test.lost")
        raise RuntimeError("refused")
    assert not ChangeLogEntry.objects.filter(event="test.lost").exists()
    # Outside a block, each entry is written at once.
    change_record(actor=actor, action="event", obj=place, event="test.alone")
    assert ChangeLogEntry.objects.filter(event="test.alone").exists()


def test_a_record_without_its_own_name_is_named_by_its_kind_and_number():
    from django.utils import translation

    from frontline.audit.services import object_label
    from frontline.observation.models import HealthCheck
    from frontline.people.models import Person

    with translation.override("en"):
        assert object_label(HealthCheck(pk=5)) == "health check #5"
    person = Person(family_name="ROSSI", given_names="Mario")
    assert object_label(person) == str(person)

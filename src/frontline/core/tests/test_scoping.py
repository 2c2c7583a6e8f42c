"""restrict() by role, the fail-closed base classes and the in-transaction re-check."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from frontline.areas.models import Jurisdiction, Place
from frontline.audit.models import ChangeLogEntry
from frontline.core.models import OutOfScope, ensure_in_scope, scope_for
from frontline.core.views import ScopedListView


def codes(qs):
    return set(qs.values_list("code", flat=True))


def test_street_sees_its_street_and_communities(tree):
    visible = codes(Jurisdiction.objects.restrict(tree.users["street"], "view"))
    assert visible == {"110101001", "110101001001", "110101001002"}


def test_community_sees_only_itself(tree):
    assert codes(Jurisdiction.objects.restrict(tree.users["community"], "view")) == {
        "110101001001"}


def test_district_sees_its_district_not_the_other(tree):
    visible = codes(Jurisdiction.objects.restrict(tree.users["district"], "view"))
    assert "110101002001" in visible and "110102" not in visible and "11" not in visible


def test_city_sees_everything_below(tree):
    assert codes(Jurisdiction.objects.restrict(tree.users["city"], "view")) == {
        c for c, *_ in tree.CODES}


def test_place_roles_see_their_place_only(tree):
    hotel_user = tree.users["hotel"]
    assert list(Place.objects.restrict(hotel_user, "view")) == [tree.places["hotel"]]
    assert not Jurisdiction.objects.restrict(hotel_user, "view").exists()


def test_roles_without_the_action_see_nothing(tree):
    assert not Place.objects.restrict(tree.users["translator"], "view").exists()
    assert not Place.objects.restrict(tree.users["leader"], "change").exists()
    assert Place.objects.restrict(tree.users["leader"], "view").exists()


def test_anonymous_and_inactive_see_nothing(tree):
    from django.contrib.auth.models import AnonymousUser

    assert not Place.objects.restrict(AnonymousUser(), "view").exists()
    user = tree.users["district"]
    user.is_active = False
    user.save()
    user.forget_roles()
    assert not Place.objects.restrict(user, "view").exists()


def test_unknown_action_raises(tree):
    with pytest.raises(ValueError):
        Place.objects.restrict(tree.users["district"], "delete_everything")


def test_revoked_role_stops_access(tree):
    from frontline.accounts.services import role_revoke

    street = tree.users["street"]
    assignment = street.roles.get()
    role_revoke(actor=tree.users["district"], assignment=assignment)
    street.forget_roles()
    assert scope_for(street, "view").is_empty


def test_ensure_in_scope_raises_404(tree):
    with pytest.raises(OutOfScope):
        ensure_in_scope(tree.users["street"], "view", tree.places["school2"])
    ensure_in_scope(tree.users["street2"], "view", tree.places["school2"])


def test_restrict_is_one_query(tree, django_assert_num_queries):
    user = tree.users["street"]
    user.forget_roles()
    list(Place.objects.restrict(user, "view"))  # roles loaded once, then cached
    with django_assert_num_queries(1):
        list(Place.objects.restrict(user, "view"))


def test_scoped_view_fails_closed_on_unscoped_model(tree):
    from django.contrib.sessions.models import Session

    class Careless(ScopedListView):
        model = Session

    request = RequestFactory().get("/")
    request.user = tree.users["district"]
    view = Careless()
    view.setup(request)
    with pytest.raises(ImproperlyConfigured):
        view.get_queryset()


def test_scoped_view_without_model_fails(tree):
    class Empty(ScopedListView):
        pass

    request = RequestFactory().get("/")
    request.user = tree.users["district"]
    view = Empty()
    view.setup(request)
    with pytest.raises(ImproperlyConfigured):
        view.get_queryset()


def test_audit_entries_are_scoped(tree):
    from frontline.audit.services import change_record

    change_record(actor=None, action="event", obj=tree.places["school2"], event="test.scope")
    street = tree.users["street"]
    assert not ChangeLogEntry.objects.restrict(street, "view_audit").filter(
        event="test.scope").exists()
    assert ChangeLogEntry.objects.restrict(tree.users["street2"], "view_audit").filter(
        event="test.scope").exists()


def test_list_count_is_capped(tree, settings):
    from frontline.core.views import CappedPaginator

    for i in range(12):
        Place.objects.create(name=f"x{i}", kind="school", jurisdiction=tree.jurisdictions["110101"],
                             jurisdiction_code="110101")
    paginator = CappedPaginator(Place.objects.order_by("id"), 5)
    paginator.COUNT_CAP = 10
    assert paginator.count == 10 and paginator.count_capped and paginator.num_pages == 2
    small = CappedPaginator(Place.objects.filter(name="x1").order_by("id"), 5)
    assert small.count == 1 and not small.count_capped

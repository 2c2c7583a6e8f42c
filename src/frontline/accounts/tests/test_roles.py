"""Role grants: nobody grants anything wider than they hold; every grant is audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from frontline.accounts.models import RoleAssignment, User
from frontline.accounts.services import role_grant, role_revoke, user_create, user_set_active
from frontline.audit.models import ChangeLogEntry
from frontline.core.models import OutOfScope


def new_user(name="newbie"):
    return User.objects.create_user(username=name, password="x-very-long-pass")


def test_district_grants_street_staff_in_its_district(tree):
    user = new_user()
    a = role_grant(actor=tree.users["district"], user=user, role="street_staff",
                   jurisdiction=tree.jurisdictions["110101002"])
    assert a.scope_code == "110101002"
    assert ChangeLogEntry.objects.filter(event="role.grant", object_id=str(a.pk)).exists()
    assert user.scope_for("view").codes == frozenset({"110101002"})


def test_district_cannot_grant_in_another_district(tree):
    user = new_user()
    with pytest.raises(PermissionDenied):
        role_grant(actor=tree.users["district"], user=user, role="street_staff",
                   jurisdiction=tree.jurisdictions["110102001"])
    assert not RoleAssignment.objects.filter(user=user).exists()


def test_district_cannot_grant_city_office(tree):
    with pytest.raises((PermissionDenied, ValidationError)):
        role_grant(actor=tree.users["district"], user=new_user(), role="city_office",
                   jurisdiction=tree.jurisdictions["11"])


def test_street_grants_community_worker_only_in_own_street(tree):
    street = tree.users["street"]
    role_grant(actor=street, user=new_user("a"), role="community_worker",
               jurisdiction=tree.jurisdictions["110101001002"])
    with pytest.raises(PermissionDenied):
        role_grant(actor=street, user=new_user("b"), role="community_worker",
                   jurisdiction=tree.jurisdictions["110101002001"])
    with pytest.raises(PermissionDenied):
        role_grant(actor=street, user=new_user("c"), role="district_staff",
                   jurisdiction=tree.jurisdictions["110101"])


def test_community_worker_grants_nothing(tree):
    with pytest.raises(PermissionDenied):
        role_grant(actor=tree.users["community"], user=new_user(), role="community_worker",
                   jurisdiction=tree.jurisdictions["110101001001"])


def test_leader_cannot_manage_users(tree):
    with pytest.raises(PermissionDenied):
        role_grant(actor=tree.users["leader"], user=new_user(), role="street_staff",
                   jurisdiction=tree.jurisdictions["110101001"])


def test_role_must_match_the_level(tree):
    with pytest.raises(ValidationError, match="held at"):
        role_grant(actor=tree.users["district"], user=new_user(), role="street_staff",
                   jurisdiction=tree.jurisdictions["110101001001"])


def test_place_roles_need_the_right_kind_of_place(tree):
    with pytest.raises(ValidationError):
        role_grant(actor=tree.users["district"], user=new_user(), role="hotel_staff",
                   place=tree.places["transfer"])
    a = role_grant(actor=tree.users["district"], user=new_user("h"), role="hotel_staff",
                   place=tree.places["hotel"])
    assert a.scope_code == "110101"


def test_place_role_cannot_be_granted_in_other_district(tree):
    with pytest.raises(PermissionDenied):
        role_grant(actor=tree.users["district"], user=new_user(), role="hotel_staff",
                   place=tree.places["hotel_other"])


def test_no_self_grant(tree):
    with pytest.raises(PermissionDenied):
        role_grant(actor=tree.users["district"], user=tree.users["district"],
                   role="district_leader", jurisdiction=tree.jurisdictions["110101"])


def test_duplicate_grant_is_a_clear_error(tree):
    with pytest.raises(ValidationError, match="already holds"):
        role_grant(actor=tree.users["district"], user=tree.users["street"],
                   role="street_staff", jurisdiction=tree.jurisdictions["110101001"])


def test_revoke_outside_scope_is_404(tree):
    west_role = tree.users["district_west"].roles.get()
    with pytest.raises(OutOfScope):
        role_revoke(actor=tree.users["district"], assignment=west_role)
    west_role.refresh_from_db()
    assert west_role.revoked_at is None


def test_street_cannot_revoke_district_role(tree):
    with pytest.raises(OutOfScope):
        role_revoke(actor=tree.users["street"], assignment=tree.users["district"].roles.get())


def test_user_create_is_all_or_nothing(tree):
    with pytest.raises(PermissionDenied):
        user_create(actor=tree.users["street"], username="ghost", password="a-long-passphrase-9",
                    role="community_worker", jurisdiction=tree.jurisdictions["110101002001"])
    assert not User.objects.filter(username="ghost").exists()


def test_user_create_rejects_weak_password(tree):
    with pytest.raises(ValidationError) as exc:
        user_create(actor=tree.users["district"], username="weak", password="123",
                    role="street_staff", jurisdiction=tree.jurisdictions["110101001"])
    assert "password" in exc.value.error_dict
    assert not User.objects.filter(username="weak").exists()


def test_deactivate_needs_all_roles_in_scope(tree):
    street = tree.users["street"]
    # Give street staff a second role in the other district, granted by the city office.
    role_grant(actor=tree.users["city"], user=street, role="street_staff",
               jurisdiction=tree.jurisdictions["110102001"])
    with pytest.raises(PermissionDenied):
        user_set_active(actor=tree.users["district"], user=street, active=False)
    street.refresh_from_db()
    assert street.is_active
    user_set_active(actor=tree.users["city"], user=street, active=False)
    street.refresh_from_db()
    assert not street.is_active


def test_a_delegation_widens_only_the_named_codes_and_actions_for_its_roles(tree):
    from frontline.accounts.roles import Delegation
    from frontline.core.permissions import Action

    registrar = tree.users["registrar"]
    assert not registrar.scope_for(Action.CHANGE).covers_code("110101001001")
    delegate = registrar.acting_for(Delegation.ARRIVAL_CHECK_IN, {"110101001001"})
    assert delegate.pk == registrar.pk  # the audit names the same person
    assert delegate.scope_for(Action.CHANGE).covers_code("110101001001")
    assert delegate.scope_for(Action.VIEW).covers_code("110101001001")
    assert not delegate.scope_for(Action.CHANGE).covers_code("110101001002")  # only the codes
    assert not delegate.scope_for(Action.REVEAL).covers_code("110101001001")  # only the actions
    assert delegate.scope_for(Action.CHANGE).covers_place(tree.places["transfer"].pk)
    assert not registrar.scope_for(Action.CHANGE).covers_code("110101001001")  # no leak back
    # A user without the rule's role gets nothing more.
    street = tree.users["street2"]
    assert street.acting_for(Delegation.ARRIVAL_CHECK_IN, {"110101001001"}) is street
    assert not street.scope_for(Action.CHANGE).covers_code("110101001001")

"""User-management pages and API tokens."""

from django.urls import reverse

from frontline.accounts.models import ApiToken, RoleAssignment, User
from frontline.audit.models import ChangeLogEntry
from frontline.core.testing import ScopedPermissionTests, snapshot_row


def test_user_list_is_scoped(tree):
    response = tree.client("street").get(reverse("accounts:user_list"))
    names = {u.username for u in response.context["object_list"]}
    assert names == {"street", "community"}


def test_create_user_page(tree):
    client = tree.client("street")
    form = client.get(reverse("accounts:user_create")).context["form"]
    assert [c for c, _ in form.fields["role"].choices] == ["street_staff", "community_worker"]
    assert {j.code for j in form.fields["jurisdiction"].queryset} == {
        "110101001", "110101001001", "110101001002"}
    response = client.post(reverse("accounts:user_create"), {
        "username": "new.worker", "password": "a-long-passphrase-9", "role": "community_worker",
        "jurisdiction": tree.jurisdictions["110101001002"].pk})
    assert response.status_code == 302
    user = User.objects.get(username="new.worker")
    assert user.roles.get().scope_code == "110101001002"


def test_create_user_page_shows_errors(tree):
    response = tree.client("street").post(reverse("accounts:user_create"), {
        "username": "x y", "password": "1", "role": "district_staff"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "username" in errors and "role" in errors
    assert not User.objects.filter(username="x y").exists()


def test_user_detail_of_other_street_is_404(tree):
    client = tree.client("street")
    assert client.get(reverse("accounts:user_detail", kwargs={"pk": tree.users["community"].pk})
                      ).status_code == 200
    other = tree.users["street2"]
    before = snapshot_row(other)
    assert client.get(reverse("accounts:user_detail", kwargs={"pk": other.pk})).status_code == 404
    assert client.post(reverse("accounts:user_set_active", kwargs={"pk": other.pk}),
                       {"active": "0"}).status_code == 404
    assert client.post(reverse("accounts:user_reset_password", kwargs={"pk": other.pk}),
                       {"password": "hijack-password-1"}).status_code == 404
    assert snapshot_row(other) == before


def test_token_is_shown_once_and_stored_hashed(tree):
    client = tree.client("district")
    response = client.post(reverse("accounts:token_create"), {"name": "scanner"})
    key = response.context["key"]
    token = ApiToken.objects.get(user=tree.users["district"])
    assert key not in token.key_hash and token.prefix == key[:11]
    from django.test import Client

    api = Client()
    ok = api.get(reverse("api:place-list"), HTTP_AUTHORIZATION=f"Token {key}")
    assert ok.status_code == 200 and ok.json()["count"] == 4
    assert api.get(reverse("api:place-list"), HTTP_AUTHORIZATION="Token fl_wrong"
                   ).status_code == 401
    client.post(reverse("accounts:token_revoke", kwargs={"pk": token.pk}))
    assert api.get(reverse("api:place-list"), HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    assert ChangeLogEntry.objects.filter(event="token.revoke").exists()


def test_a_token_cannot_expire_before_it_is_made(tree):
    client = tree.client("district")
    response = client.post(reverse("accounts:token_create"),
                           {"name": "scanner", "expires_at": "2020-01-01T00:00"}, follow=True)
    assert "key" not in response.context
    assert "The expiry must be in the future." in response.content.decode()
    assert not ApiToken.objects.filter(user=tree.users["district"]).exists()


def test_cannot_revoke_someone_elses_token(tree):
    from frontline.accounts.services import token_create

    token, _ = token_create(actor=tree.users["street"], name="mine")
    response = tree.client("district").post(reverse("accounts:token_revoke",
                                                    kwargs={"pk": token.pk}))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


class TestUserPermissions(ScopedPermissionTests):
    model = User
    viewer = "street"
    detail_url_name = "accounts:user_detail"
    api_basename = "user"

    def make_objects(self, tree):
        return tree.users["community"], tree.users["community2"]

    def test_restrict_keeps_inside_drops_outside(self, tree):
        inside, outside = self.make_objects(tree)
        visible = set(User.objects.restrict(tree.users["street"], "manage_users"))
        assert inside in visible and outside not in visible


class TestRoleAssignmentPermissions(ScopedPermissionTests):
    model = RoleAssignment
    viewer = "street"

    def make_objects(self, tree):
        return tree.users["community"].roles.get(), tree.users["community2"].roles.get()

    def test_restrict_keeps_inside_drops_outside(self, tree):
        inside, outside = self.make_objects(tree)
        visible = set(RoleAssignment.objects.restrict(tree.users["street"], "manage_users"))
        assert inside in visible and outside not in visible

    def test_revoke_page_outside_is_404_and_unchanged(self, tree):
        _, outside = self.make_objects(tree)
        before = snapshot_row(outside)
        response = tree.client("street").post(reverse("accounts:role_revoke",
                                                      kwargs={"pk": outside.pk}))
        assert response.status_code == 404
        assert snapshot_row(outside) == before


def test_home_shows_real_counts(tree):
    response = tree.client("street").get(reverse("home"))
    figures = {f["level"]: f["count"] for f in response.context["jurisdictions"]}
    assert figures == {"street": 1, "community": 2}
    assert response.context["users_active"] == 2
    assert response.context["places_total"] == 1

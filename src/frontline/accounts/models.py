"""Staff accounts, the roles they hold at a jurisdiction or place, and their API tokens."""

from __future__ import annotations

import copy
import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontline.accounts.roles import Role, role_spec
from frontline.areas.models import Jurisdiction, Place
from frontline.core.models import RestrictedQuerySet, ScopedModel, code_prefix_q, scope_for
from frontline.core.permissions import Action, Scope


class UserQuerySet(RestrictedQuerySet):
    """Users are in scope when they hold an active role inside the viewer's scope."""

    def restrict(self, user: Any, action: Action | str = Action.VIEW) -> UserQuerySet:
        scope = scope_for(user, action)
        if scope.is_empty:
            return self.none()
        if scope.everything:
            qs = self.all()
        else:
            q = models.Q(pk__in=[])
            for code in sorted(scope.codes):
                q |= code_prefix_q("roles__scope_code", code)
            if scope.place_ids:
                q |= models.Q(roles__place_id__in=sorted(scope.place_ids))
            inner = self.model._default_manager.filter(q, roles__revoked_at__isnull=True)
            qs = self.filter(pk__in=inner.values("pk"))
        qs._restricted = True
        return qs


class FrontlineUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A staff account. What it may see comes only from its active role assignments."""

    scope_code_field = "roles__scope_code"

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # Set when someone else chose the password (a new account, a manager's reset); the user
    # reaches no page but the password page until they choose their own.
    password_change_required = models.BooleanField(
        _("must change password"), default=False,
        help_text=_("The password was set by someone else; the user must choose their own at "
                    "the next sign-in."))
    # When the password was last set through Frontline; with `password_change_required`, the
    # start of the initial password's validity (settings.INITIAL_PASSWORD_VALID_HOURS).
    password_set_at = models.DateTimeField(_("password set at"), null=True, blank=True,
                                           editable=False)

    objects = FrontlineUserManager()

    audit_exclude = ("password", "password_set_at")  # the record has its own time

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    def initial_password_expired(self, now: datetime.datetime | None = None) -> bool:
        """Whether the password is one someone else set and it was not used to choose an own
        password within settings.INITIAL_PASSWORD_VALID_HOURS."""
        if not self.password_change_required or self.password_set_at is None:
            return False
        valid = datetime.timedelta(hours=settings.INITIAL_PASSWORD_VALID_HOURS)
        return (now or timezone.now()) - self.password_set_at > valid

    # -- scope --------------------------------------------------------------------------
    def active_roles(self) -> list[RoleAssignment]:
        """The user's roles in force, each with its division and place, read once per
        request (`roles_in_force`)."""
        cache = getattr(self, "_active_roles_cache", None)
        if cache is None:
            cache = self._active_roles_cache = roles_in_force(self.pk)
        return cache

    def forget_roles(self) -> None:
        self._active_roles_cache = None
        self._scope_cache = {}

    def scope_for(self, action: Action) -> Scope:
        """Where this user may do `action`: the union of their roles' scopes."""
        action = Action.parse(action)
        caches = getattr(self, "_scope_cache", None)
        if caches is None:
            caches = self._scope_cache = {}
        if action in caches:
            return caches[action]
        if not self.is_active:
            scope = Scope()
        elif self.is_superuser:
            scope = Scope(everything=True)
        else:
            codes, places = [], []
            for assignment in self.active_roles():
                if action not in role_spec(assignment.role).actions:
                    continue
                if assignment.place_id:
                    places.append(assignment.place_id)
                else:
                    codes.append(assignment.scope_code)
            scope = Scope.of(codes=codes, place_ids=places)
        caches[action] = scope
        return scope

    def acting_for(self, delegation: str, codes: set[str] | frozenset[str]) -> User:
        """This user doing one of the named acts of `accounts.roles.DELEGATIONS`: a copy
        (the audit still names this user) whose scope for the rule's actions is widened to
        `codes` if the user holds one of the rule's roles; otherwise the user unchanged.
        The copy is for the one service call that performs the act."""
        from frontline.accounts.roles import DELEGATIONS, Delegation

        rule = DELEGATIONS[Delegation(delegation)]
        if not self.role_names() & rule.roles or not codes:
            return self
        delegate = copy.copy(self)
        delegate._scope_cache = {}  # the copy must not share the cache
        delegate.delegation = Delegation(delegation)
        base = self.scope_for
        extra = frozenset(codes)

        def scope_for(action: Action | str) -> Scope:
            scope = base(action)
            if Action.parse(action) in rule.actions and not scope.everything:
                return Scope.of(codes=[*scope.codes, *extra], place_ids=scope.place_ids)
            return scope

        delegate.scope_for = scope_for
        return delegate

    def can(self, action: Action | str) -> bool:
        """Whether the user may do `action` anywhere (for showing menus, not for access)."""
        return not self.scope_for(Action.parse(action)).is_empty

    def role_names(self) -> set[str]:
        return {a.role for a in self.active_roles()}

    @property
    def needs_two_factor(self) -> bool:
        if self.is_superuser:
            return True
        return any(role_spec(a.role).sees_personal_data for a in self.active_roles())


class RoleAssignment(ScopedModel):
    """A role held by a user at one jurisdiction or one place, from a grant until a revocation."""

    scope_code_field = "scope_code"
    scope_place_field = "place"

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    place = models.ForeignKey(Place, verbose_name=_("place"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(_("division code"), max_length=12, db_index=True,
                                  editable=False)
    granted_by = models.ForeignKey(User, verbose_name=_("granted by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(_("granted"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(User, verbose_name=_("revoked by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user_id", "role", "scope_code"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(jurisdiction__isnull=False, place__isnull=True)
                           | models.Q(jurisdiction__isnull=True, place__isnull=False)),
                name="accounts_role_at_one_scope",
            ),
            # Two partial constraints, because NULLs never collide in a unique index.
            models.UniqueConstraint(
                fields=["user", "role", "jurisdiction"],
                condition=models.Q(revoked_at__isnull=True, place__isnull=True),
                name="accounts_role_active_at_jurisdiction",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "place"],
                condition=models.Q(revoked_at__isnull=True, jurisdiction__isnull=True),
                name="accounts_role_active_at_place",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} @ {self.scope_label}"

    @property
    def scope_label(self) -> str:
        target = self.place if self.place_id else self.jurisdiction
        return str(target) if target is not None else ""

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored, the key is shown once at creation."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    audit_exclude = ("key_hash",)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    def scope_code(self) -> str:
        return ""


class UserSession(models.Model):
    """One signed-in browser session of a user, so that the user can see and end it.

    The Django session (`django_session`) holds the sign-in itself; this row only describes it.
    The session key is never shown or sent: pages and the API name a row by its id. The
    address is stored masked (`mask_ip`), never in full.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True, editable=False)
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    user_agent = models.CharField(_("device"), max_length=200, blank=True)
    ip_masked = models.CharField(_("address"), max_length=64, blank=True)

    audit_exclude = ("session_key",)

    class Meta:
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.user} ({self.ip_masked or '-'})"

    def scope_code(self) -> str:
        return ""


def _roles_statement() -> tuple[str, list[Any]]:
    from frontline.core import rowread

    shapes = [rowread.Shape(RoleAssignment, "r"), rowread.Shape(Jurisdiction, "j"),
              rowread.Shape(Place, "p")]
    role, division, place = shapes
    t, c = rowread.table, rowread.column
    return (f"SELECT {role.columns()}, {division.columns()}, {place.columns()} "  # noqa: S608
            f"FROM {t(RoleAssignment)} r "
            f"LEFT JOIN {t(Jurisdiction)} j ON j.{c(Jurisdiction, 'id')} = "
            f"r.{c(RoleAssignment, 'jurisdiction')} "
            f"LEFT JOIN {t(Place)} p ON p.{c(Place, 'id')} = r.{c(RoleAssignment, 'place')} "
            f"WHERE r.{c(RoleAssignment, 'user')} = %s "
            f"AND r.{c(RoleAssignment, 'revoked_at')} IS NULL "
            f"ORDER BY r.{c(RoleAssignment, 'user')}, r.{c(RoleAssignment, 'role')}, "
            f"r.{c(RoleAssignment, 'scope_code')}", shapes)


def roles_in_force(user_id: int) -> list[RoleAssignment]:
    """The roles of a user not revoked, with their division and place loaded, in the
    model's order: what `user.roles.filter(revoked_at__isnull=True).select_related(
    "jurisdiction", "place")` answers, in a statement written once per process (every
    request asks, and the ORM spends longer building that statement than the database
    spends answering it; see `core.rowread`)."""
    from frontline.core import rowread

    found = []
    for assignment, jurisdiction, at in rowread.fetch("accounts.roles_in_force",
                                                       _roles_statement, [user_id]):
        RoleAssignment.jurisdiction.field.set_cached_value(assignment, jurisdiction)
        RoleAssignment.place.field.set_cached_value(assignment, at)
        found.append(assignment)
    return found

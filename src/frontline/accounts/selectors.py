"""Reads of users and roles, always restricted to the viewer's scope."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from frontline.accounts.models import ApiToken, RoleAssignment, User, UserSession
from frontline.accounts.roles import Role
from frontline.areas.models import Jurisdiction, Level, Place, PlaceKind
from frontline.audit.models import ChangeLogEntry
from frontline.core.permissions import Action


def user_list(*, actor: Any, query: str = "", role: str = "",
              action: Action = Action.MANAGE_USERS) -> QuerySet[User]:
    qs = User.objects.restrict(actor, action)
    if query:
        qs = qs.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
    if role:
        qs = qs.filter(pk__in=RoleAssignment.objects.filter(role=role, revoked_at__isnull=True)
                       .values("user_id"))
    active_roles = RoleAssignment.objects.filter(revoked_at__isnull=True).select_related(
        "jurisdiction", "place")
    return qs.prefetch_related(Prefetch("roles", queryset=active_roles,
                                        to_attr="prefetched_roles")).order_by("username")


def users_managed_everywhere(*, actor: Any) -> tuple[list[User], list[User]]:
    """The users holding a role in the actor's scope for managing users, but the actor, split
    into those whose every role the actor may grant (the actor acts for them alone) and those
    who also hold roles the actor may not grant (another office decides for them); each with
    their active roles loaded."""
    from frontline.accounts.services import manages_all_roles_of

    if not actor.can(Action.MANAGE_USERS):
        return [], []
    users = list(
        User.objects.restrict(actor, Action.MANAGE_USERS).exclude(pk=actor.pk).distinct()
        .order_by("pk").prefetch_related(Prefetch(
            "roles", queryset=RoleAssignment.objects.filter(revoked_at__isnull=True),
            to_attr="_active_roles_cache")))
    managed, elsewhere = [], []
    for user in users:
        (managed if manages_all_roles_of(actor, user) else elsewhere).append(user)
    return managed, elsewhere


def everyone_sign_out_preview(*, actor: Any) -> dict[str, int]:
    """What signing everyone out would do now: the users and their browser sessions and live
    API tokens, and the users left alone."""
    managed, elsewhere = users_managed_everywhere(actor=actor)
    ids = [u.pk for u in managed]
    return {
        "users": len(managed),
        "sessions": UserSession.objects.filter(user_id__in=ids).count(),
        "tokens": ApiToken.objects.filter(user_id__in=ids, revoked_at__isnull=True).count(),
        "skipped": len(elsewhere),
    }


def session_list(*, user: Any) -> list[UserSession]:
    """The user's signed-in sessions that still work: the Django session exists and has not
    expired, and neither the inactivity nor the absolute timeout has passed (the next request
    of such a session would sign it out). Most recently used first. For the user's profile,
    or for a manager on the page of a user already checked to be in their scope."""
    from django.contrib.sessions.models import Session

    now = timezone.now()
    rows = list(UserSession.objects.filter(  # scoped-ok: the user's own sessions
        user=user,
        last_seen_at__gte=now - timedelta(seconds=settings.SESSION_IDLE_TIMEOUT),
        created_at__gte=now - timedelta(seconds=settings.SESSION_ABSOLUTE_TIMEOUT),
    ).order_by("-last_seen_at", "-pk"))
    live = set(Session.objects.filter(session_key__in=[r.session_key for r in rows],
                                      expire_date__gt=now)
               .values_list("session_key", flat=True))
    return [r for r in rows if r.session_key in live]


def home_figures(*, actor: Any) -> dict[str, Any]:
    """Counts for the start page, each computed from the rows in the actor's scope."""
    figures: dict[str, Any] = {"roles": actor.active_roles()}
    if actor.can(Action.VIEW):
        by_level = dict(
            Jurisdiction.objects.restrict(actor, Action.VIEW).filter(is_active=True)
            .values_list("level").annotate(n=Count("id")).order_by()
        )
        figures["jurisdictions"] = [
            {"level": level, "label": Level(level).label, "count": by_level.get(level, 0)}
            for level in (Level.DISTRICT, Level.STREET, Level.COMMUNITY)
            if by_level.get(level)
        ]
        by_kind = dict(
            Place.objects.restrict(actor, Action.VIEW).filter(is_active=True)
            .values_list("kind").annotate(n=Count("id")).order_by()
        )
        figures["places"] = [{"kind": kind, "label": label, "count": by_kind[kind]}
                             for kind, label in PlaceKind.choices if by_kind.get(kind)]
        figures["places_total"] = sum(by_kind.values())
        figures["own_places"] = list(
            Place.objects.filter(pk__in=actor.scope_for(Action.VIEW).place_ids)
        )
    if actor.can(Action.MANAGE_USERS):
        users = User.objects.restrict(actor, Action.MANAGE_USERS)
        figures["show_users"] = True
        figures["users_active"] = users.filter(is_active=True).count()
        figures["users_by_role"] = list(
            RoleAssignment.objects.restrict(actor, Action.MANAGE_USERS)
            .filter(revoked_at__isnull=True, user__is_active=True)
            .values("role").annotate(n=Count("user_id", distinct=True)).order_by("role")
        )
        labels = dict(Role.choices)
        for row in figures["users_by_role"]:
            row["label"] = labels.get(row["role"], row["role"])
    figures["app_cards"] = app_home_cards(actor)
    if actor.can(Action.VIEW_AUDIT):
        figures["recent_changes"] = list(
            ChangeLogEntry.objects.restrict(actor, Action.VIEW_AUDIT).order_by("-time", "-id")[:8]
        )
    return figures


def app_home_cards(actor: Any) -> list[dict[str, Any]]:
    """Cards other apps put on the start page: each AppConfig may define
    `home_cards(user) -> list[{"label", "count", "url"}]`, computed from the user's scope."""
    from django.apps import apps

    cards: list[dict[str, Any]] = []
    for config in apps.get_app_configs():
        provider = getattr(config, "home_cards", None)
        if config.name.startswith("frontline.") and callable(provider):
            cards.extend(provider(actor))
    return cards


def scheduled_account(*setting_names: str) -> tuple[User | None, str]:
    """The account a scheduled job acts as: the first of the named settings that is set (a
    username), if that account is active. Otherwise None and why, for the job's log line."""
    from django.conf import settings

    username = next((name for name in (getattr(settings, s, "") for s in setting_names)
                     if name), "")
    if not username:
        return None, "not configured"
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        return None, f"no active account {username!r}"
    return user, ""

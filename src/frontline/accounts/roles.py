"""The closed set of roles: where each is held, what it may do, and whom it may appoint."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from frontline.areas.models import Level, PlaceKind
from frontline.core.permissions import Action


class Role(models.TextChoices):
    CITY_OFFICE = "city_office", _("city office")
    DISTRICT_STAFF = "district_staff", _("district office staff")
    DISTRICT_LEADER = "district_leader", _("district leader")
    STREET_STAFF = "street_staff", _("street staff")
    COMMUNITY_WORKER = "community_worker", _("community worker")
    REGISTRAR = "registrar", _("transfer-point registrar")
    HOTEL_STAFF = "hotel_staff", _("hotel duty staff")
    LINGUIST = "linguist", _("linguist")
    TRANSLATOR = "translator", _("translator")
    PROOFREADER = "proofreader", _("proofreader")


@dataclass(frozen=True)
class RoleSpec:
    actions: frozenset[Action]
    # Held at a jurisdiction of one of these levels, or at a place of one of these kinds.
    levels: tuple[str, ...] = ()
    place_kinds: tuple[str, ...] = ()
    may_grant: frozenset[str] = frozenset()
    sees_personal_data: bool = True


ALL_ROLES = frozenset(Role.values)
_OFFICE_GRANTS = frozenset(ALL_ROLES - {Role.CITY_OFFICE})

ROLE_SPECS: dict[str, RoleSpec] = {
    Role.CITY_OFFICE: RoleSpec(frozenset(Action), levels=(Level.CITY,), may_grant=ALL_ROLES),
    Role.DISTRICT_STAFF: RoleSpec(
        frozenset({Action.VIEW, Action.CHANGE, Action.REVEAL, Action.EXPORT,
                   Action.EXPORT_UNMASKED, Action.MANAGE_USERS, Action.VIEW_AUDIT,
                   Action.CONFIGURE}),
        levels=(Level.DISTRICT,), may_grant=_OFFICE_GRANTS,
    ),
    Role.DISTRICT_LEADER: RoleSpec(
        frozenset({Action.VIEW, Action.EXPORT, Action.VIEW_AUDIT}), levels=(Level.DISTRICT,),
    ),
    Role.STREET_STAFF: RoleSpec(
        frozenset({Action.VIEW, Action.CHANGE, Action.EXPORT, Action.MANAGE_USERS,
                   Action.VIEW_AUDIT}),
        levels=(Level.STREET,),
        may_grant=frozenset({Role.STREET_STAFF, Role.COMMUNITY_WORKER}),
    ),
    Role.COMMUNITY_WORKER: RoleSpec(
        frozenset({Action.VIEW, Action.CHANGE}), levels=(Level.COMMUNITY,),
    ),
    Role.REGISTRAR: RoleSpec(
        frozenset({Action.VIEW, Action.CHANGE}), place_kinds=(PlaceKind.TRANSFER_POINT,),
    ),
    Role.HOTEL_STAFF: RoleSpec(
        frozenset({Action.VIEW, Action.CHANGE}),
        place_kinds=(PlaceKind.OBSERVATION_HOTEL, PlaceKind.LODGING_HOTEL),
    ),
    Role.LINGUIST: RoleSpec(
        frozenset(), levels=(Level.DISTRICT, Level.STREET), sees_personal_data=False,
    ),
    Role.TRANSLATOR: RoleSpec(
        frozenset({Action.TRANSLATE}), levels=(Level.CITY, Level.DISTRICT),
        sees_personal_data=False,
    ),
    Role.PROOFREADER: RoleSpec(
        frozenset({Action.TRANSLATE, Action.PROOFREAD}), levels=(Level.CITY, Level.DISTRICT),
        sees_personal_data=False,
    ),
}

assert set(ROLE_SPECS) == ALL_ROLES  # noqa: S101 - a role without a spec is a programming error


class Delegation(models.TextChoices):
    """The closed set of acts by which a user may write outside their own scope: each names
    the roles that may do it and the actions it widens, and the caller names the codes (the
    ones the act itself is about) — never more."""

    ARRIVAL_CHECK_IN = "arrival_check_in", _(
        "checking an arrival in writes the person registry at its destination")


@dataclass(frozen=True)
class DelegationRule:
    roles: frozenset[str]
    actions: frozenset[Action]


DELEGATIONS: dict[str, DelegationRule] = {
    # A registrar's role is held at the transfer point (a place), so by itself it may change
    # no person: checking an arrival in is the one act by which the desk writes the registry,
    # at the arrival's destination and the person's current record only.
    Delegation.ARRIVAL_CHECK_IN: DelegationRule(
        roles=frozenset({Role.REGISTRAR}), actions=frozenset({Action.VIEW, Action.CHANGE})),
}

assert set(DELEGATIONS) == set(Delegation.values)  # noqa: S101 - a rule per delegation


def role_spec(role: str) -> RoleSpec:
    try:
        return ROLE_SPECS[Role(role)]
    except ValueError:
        raise ValueError(f"unknown role {role!r}") from None

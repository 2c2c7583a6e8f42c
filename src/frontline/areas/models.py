"""Jurisdictions (the division tree, scoped by code prefix) and places within them."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from frontline.core.models import ScopedModel


class Level(models.TextChoices):
    CITY = "city", _("city")
    DISTRICT = "district", _("district")
    STREET = "street", _("street")
    COMMUNITY = "community", _("community")


# The length of the official statistical code at each level. A city keeps its 2- or 4-digit
# prefix (Beijing is "11"), so that every code is a prefix of the codes below it.
CODE_LENGTHS = {
    Level.CITY: (2, 4),
    Level.DISTRICT: (6,),
    Level.STREET: (9,),
    Level.COMMUNITY: (12,),
}
PARENT_LEVEL = {
    Level.CITY: None,
    Level.DISTRICT: Level.CITY,
    Level.STREET: Level.DISTRICT,
    Level.COMMUNITY: Level.STREET,
}
LEVEL_ORDER = [Level.CITY, Level.DISTRICT, Level.STREET, Level.COMMUNITY]
CODE_RE = re.compile(r"^[0-9]{2,12}$")


class Jurisdiction(ScopedModel):
    """A unit of the division tree: city (市), district (区), street (街道) or community (社区).

    The official statistical code is the key: a street's code is a prefix of its communities'
    codes, so "everything in this street" is one indexed prefix filter.
    """

    scope_code_field = "code"
    # The official division names are public: a record's history may name them.
    audit_name_public = True

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"], name="areas_jur_level_code")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = validate_division(self.code, self.level, self.parent.code if self.parent else "",
                                   self.parent.level if self.parent else None)
        if errors:
            raise ValidationError(errors)

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


def validate_division(code: str, level: str, parent_code: str, parent_level: str | None) -> list:
    """Why a (code, level, parent) triple is not a valid division, as translatable messages."""
    errors = []
    if level not in Level.values:
        return [_("unknown level “%(level)s”; use city, district, street or community")
                % {"level": level}]
    if not CODE_RE.match(code or ""):
        errors.append(_("code “%(code)s” must be 2 to 12 digits") % {"code": code})
        return errors
    if len(code) not in CODE_LENGTHS[Level(level)]:
        lengths = " / ".join(str(n) for n in CODE_LENGTHS[Level(level)])
        errors.append(_("a %(level)s code has %(lengths)s digits, “%(code)s” has %(n)s")
                      % {"level": Level(level).label, "lengths": lengths, "code": code,
                         "n": len(code)})
    expected_parent = PARENT_LEVEL[Level(level)]
    if parent_code:
        if not code.startswith(parent_code) or code == parent_code:
            errors.append(_("code “%(code)s” does not start with its parent's code “%(parent)s”")
                          % {"code": code, "parent": parent_code})
        if parent_level is not None and parent_level != expected_parent:
            errors.append(_("a %(level)s must sit under a %(expected)s, not a %(actual)s")
                          % {"level": Level(level).label,
                             "expected": Level(expected_parent).label if expected_parent else "-",
                             "actual": Level(parent_level).label})
    elif level in (Level.STREET, Level.COMMUNITY):
        errors.append(_("a %(level)s needs a parent") % {"level": Level(level).label})
    return errors


class PlaceKind(models.TextChoices):
    OBSERVATION_HOTEL = "observation_hotel", _("observation hotel")
    LODGING_HOTEL = "lodging_hotel", _("lodging hotel")
    TRANSFER_POINT = "transfer_point", _("transfer point")
    SCHOOL = "school", _("school")
    MARKET = "market", _("market")
    OFFICE = "office", _("office")
    OTHER = "other", _("other")


class Place(ScopedModel):
    """A place the office works with: an observation hotel, the transfer point, a school.

    `jurisdiction` is who is responsible for it (and so who sees it); `location` is where it
    physically is, which can be elsewhere: Dongcheng ran observation hotels in Huairou.
    Staff whose role is held at a place (hotel duty staff, registrars) see that place.
    """

    scope_place_field = "pk"

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PlaceKind.choices)
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("responsible jurisdiction"), on_delete=models.PROTECT,
        related_name="places",
    )
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    location = models.ForeignKey(
        Jurisdiction, verbose_name=_("located in"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="located_places",
        help_text=_("Where the place physically is, if outside the responsible jurisdiction."),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["jurisdiction_code", "name", "id"]
        indexes = [
            models.Index(fields=["jurisdiction_code", "name", "id"], name="areas_place_scope"),
            models.Index(fields=["kind", "jurisdiction_code"], name="areas_place_kind"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

"""Print runs of posters, cards and notices, and where their copies went."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontline.areas.models import Jurisdiction, Place
from frontline.core.models import ScopedModel
from frontline.documents.kinds import DocumentKind, language_name


class PrintRun(ScopedModel):
    """One print run (印制): a kind, its languages, how many copies, for the office's stock."""

    jurisdiction = models.ForeignKey(Jurisdiction,
                                     verbose_name=pgettext_lazy("foreign affairs office", "office"),
                                     on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    kind = models.CharField(_("kind"), max_length=40, choices=DocumentKind.choices)
    languages = models.JSONField(_("languages"), default=list)
    quantity = models.PositiveIntegerField(_("copies"))
    printed_on = models.DateField(_("printed on"), default=timezone.localdate)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("print run")
        verbose_name_plural = _("print runs")
        ordering = ["-printed_on", "-id"]
        indexes = [models.Index(fields=["jurisdiction_code", "-printed_on"],
                                name="documents_printrun_scope")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} × {self.quantity}"

    @property
    def language_names(self) -> str:
        return " · ".join(language_name(code) for code in self.languages)


class Distribution(ScopedModel):
    """Copies of a print run handed to a place (a market, a hotel) or a jurisdiction."""

    print_run = models.ForeignKey(PrintRun, verbose_name=_("print run"),
                                  on_delete=models.PROTECT, related_name="distributions")
    place = models.ForeignKey(Place, verbose_name=_("place"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Jurisdiction, verbose_name=_("jurisdiction"), null=True,
                               blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("copies"))
    distributed_on = models.DateField(_("handed over on"), default=timezone.localdate)
    note = models.CharField(_("note"), max_length=300, blank=True)
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        ordering = ["print_run_id", "distributed_on", "id"]
        constraints = [models.CheckConstraint(
            condition=(models.Q(place__isnull=False, target__isnull=True)
                       | models.Q(place__isnull=True, target__isnull=False)),
            name="documents_distribution_one_destination")]

    def __str__(self) -> str:
        return f"{self.quantity} → {self.destination}"

    @property
    def destination(self) -> str:
        return str(self.place if self.place_id else self.target)

"""The glossary (terms and their approved or forbidden equivalents) and the translation memory."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontline.areas.models import Jurisdiction
from frontline.core.models import ScopedModel
from frontline.documents.kinds import language_name


class GlossaryTerm(ScopedModel):
    """A Chinese term of the office's texts (术语) and how it must be rendered.

    With `do_not_translate` the term must appear unchanged in every translation (a name, a
    hotline); otherwise each language lists approved equivalents and forbidden ones.
    """

    jurisdiction = models.ForeignKey(Jurisdiction,
                                     verbose_name=pgettext_lazy("foreign affairs office", "office"),
                                     on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    source = models.CharField(_("Chinese term"), max_length=100)
    note = models.CharField(_("note"), max_length=300, blank=True)
    do_not_translate = models.BooleanField(_("do not translate"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary")
        ordering = ["jurisdiction_code", "source"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction_code", "source"],
                                               name="documents_glossary_term_unique")]

    def __str__(self) -> str:
        return self.source


class GlossaryEquivalent(ScopedModel):
    """The term in one language: an approved equivalent, or a forbidden translation."""

    term = models.ForeignKey(GlossaryTerm, verbose_name=_("term"), on_delete=models.CASCADE,
                             related_name="equivalents")
    language = models.CharField(_("language"), max_length=10)
    text = models.CharField(_("equivalent"), max_length=200)
    is_forbidden = models.BooleanField(_("forbidden translation"), default=False)
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)

    class Meta:
        verbose_name = _("glossary equivalent")
        verbose_name_plural = _("glossary equivalents")
        ordering = ["term_id", "language", "is_forbidden", "id"]

    def __str__(self) -> str:
        return f"{self.term.source} → {self.text} ({language_name(self.language)})"


class MemorySegment(ScopedModel):
    """A pair of approved source and target segments (translation memory, 翻译记忆)."""

    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    language = models.CharField(_("language"), max_length=10)
    source = models.TextField(pgettext_lazy("translation memory", "source"))
    target = models.TextField(_("translation"))
    source_key = models.CharField(max_length=64, editable=False)
    source_length = models.PositiveIntegerField(editable=False)
    origin = models.ForeignKey("documents.Translation",
                               verbose_name=pgettext_lazy("translation memory", "from"),
                               null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("memory segment")
        verbose_name_plural = _("translation memory")
        ordering = ["jurisdiction_code", "language", "id"]
        constraints = [models.UniqueConstraint(
            fields=["jurisdiction_code", "language", "source_key"],
            name="documents_memory_unique")]
        indexes = [models.Index(fields=["language", "source_length"],
                                name="documents_memory_length")]

    def __str__(self) -> str:
        return self.source[:60]

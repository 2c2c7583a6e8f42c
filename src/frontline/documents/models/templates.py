"""Document templates (the office's Chinese texts), their translations, history and comments."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontline.areas.models import Jurisdiction
from frontline.core.models import RestrictedQuerySet, ScopedModel, scope_for
from frontline.core.permissions import Action
from frontline.documents.kinds import DocumentKind, KindSpec, kind_spec, language_name
from frontline.documents.textformat import Segment, parse_body

# Division-code lengths of the levels above a code: city (2 or 4), district (6), street (9).
_ANCESTOR_LENGTHS = (2, 4, 6, 9)


class TemplateQuerySet(RestrictedQuerySet):
    """Templates are the office's standard texts: besides the usual scope, whoever may view
    records anywhere below the office may read them (a street issues the district's
    certificate). Only reading widens; every other action keeps the plain prefix scope."""

    def restrict(self, user: Any, action: Action | str = Action.VIEW) -> TemplateQuerySet:
        action = Action.parse(action)
        qs = super().restrict(user, action)
        if action != Action.VIEW:
            return qs
        scope = scope_for(user, action)
        if scope.everything or not scope.codes:
            return qs
        ancestors = sorted({code[:n] for code in scope.codes for n in _ANCESTOR_LENGTHS
                            if n < len(code)})
        if not ancestors:
            return qs
        widened = qs | self.filter(jurisdiction_code__in=ancestors)
        widened._restricted = True
        return widened


class DocumentTemplate(ScopedModel):
    """The office's Chinese source text of one document kind (模板), owned by a district."""

    jurisdiction = models.ForeignKey(Jurisdiction,
                                     verbose_name=pgettext_lazy("foreign affairs office", "office"),
                                     on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    kind = models.CharField(_("kind"), max_length=40, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("text"), help_text=_("One segment per line. A line may start with “# ” (heading), "
                               "“- ” (list item), “? ” (form field) or “> ” (signature)."))
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("changed by"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = TemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        ordering = ["jurisdiction_code", "kind"]
        # One template per kind and office, except the knowledge base's FAQ entries.
        constraints = [models.UniqueConstraint(
            fields=["jurisdiction_code", "kind"], condition=~models.Q(kind="faq_entry"),
            name="documents_template_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.jurisdiction_code})"

    @property
    def segments(self) -> list[Segment]:
        return parse_body(self.body)

    @property
    def spec(self) -> KindSpec:
        return kind_spec(self.kind)


class TemplateRevision(ScopedModel):
    """One saved version of a template's Chinese source (the history of the source)."""

    template = models.ForeignKey(DocumentTemplate, verbose_name=_("template"),
                                 on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True,
                               blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)

    class Meta:
        verbose_name = _("source revision")
        verbose_name_plural = _("source revisions")
        ordering = ["template_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["template", "version"],
                                               name="documents_template_revision_unique")]

    def __str__(self) -> str:
        return f"{self.template} v{self.version}"


class TranslationState(models.TextChoices):
    """Weblate's states of a translation."""

    EMPTY = "empty", _("empty")
    NEEDS_EDITING = "needs_editing", _("needs editing")
    TRANSLATED = "translated", _("translated (waiting for review)")
    APPROVED = "approved", _("approved")


class Translation(ScopedModel):
    """A template's text in one traveller language, aligned segment by segment to the source.

    Only an approved translation of the current source version is issued as official;
    anything else is printed visibly marked “unofficial translation / 非正式译文”.
    """

    template = models.ForeignKey(DocumentTemplate, verbose_name=_("template"),
                                 on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=10)
    title = models.CharField(_("title"), max_length=300, blank=True)
    segments = models.JSONField(_("segments"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=TranslationState.choices,
                             default=TranslationState.EMPTY)
    source_version = models.PositiveIntegerField(_("source version"), default=1)
    findings = models.JSONField(_("check findings"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("changed by"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"),
                                    null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)

    class Meta:
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        ordering = ["template_id", "language"]
        constraints = [models.UniqueConstraint(fields=["template", "language"],
                                               name="documents_translation_one_per_language")]
        indexes = [models.Index(fields=["jurisdiction_code", "state", "language"],
                                name="documents_translation_queue")]

    def __str__(self) -> str:
        return f"{self.template.get_kind_display()} · {self.language_name}"

    @property
    def language_name(self) -> str:
        return language_name(self.language)

    @property
    def is_official(self) -> bool:
        return (self.state == TranslationState.APPROVED
                and self.source_version == self.template.version)

    @property
    def blocking(self) -> bool:
        return bool(self.findings)


class RevisionEvent(models.TextChoices):
    CREATED = "created", _("created")
    EDITED = "edited", _("edited")
    IMPORTED = "imported", _("imported")
    APPROVED = "approved", _("approved")
    SOURCE_CHANGED = "source_changed", _("source changed")


class TranslationRevision(ScopedModel):
    """One version of a translation: who, when, what (the history with diffs)."""

    translation = models.ForeignKey(Translation, verbose_name=_("translation"),
                                    on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(pgettext_lazy("revision", "number"))
    event = models.CharField(_("event"), max_length=20, choices=RevisionEvent.choices)
    title = models.CharField(_("title"), max_length=300, blank=True)
    segments = models.JSONField(_("segments"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=TranslationState.choices)
    source_version = models.PositiveIntegerField(_("source version"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True,
                               blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)

    class Meta:
        verbose_name = _("translation revision")
        verbose_name_plural = _("translation revisions")
        ordering = ["translation_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["translation", "number"],
                                               name="documents_translation_revision_unique")]

    def __str__(self) -> str:
        return f"{self.translation} #{self.number}"


class TranslationComment(ScopedModel):
    """A comment on a translation, optionally about one segment (−1 is the title)."""

    translation = models.ForeignKey(Translation, verbose_name=_("translation"),
                                    on_delete=models.CASCADE, related_name="comments")
    segment = models.IntegerField(_("segment"), null=True, blank=True)
    text = models.TextField(_("comment"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True,
                               blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)

    class Meta:
        verbose_name = _("translation comment")
        verbose_name_plural = _("translation comments")
        ordering = ["translation_id", "created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]

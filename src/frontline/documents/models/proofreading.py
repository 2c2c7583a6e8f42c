"""The proofreading service (校对): a hotel's own notice, corrected by a proofreader."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from frontline.areas.models import Place
from frontline.core.models import ScopedModel
from frontline.documents.kinds import language_name


class ProofreadStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    IN_REVIEW = "in_review", _("being proofread")
    APPROVED = "approved", _("approved")


class ProofreadRequest(ScopedModel):
    """A text a hotel wrote itself (such as its English “check-in notes”) sent for proofreading.

    Scoped to the hotel's responsible jurisdiction and to the hotel itself, so the hotel's
    duty staff see their own requests and the office's proofreaders see all of the district.
    """

    scope_place_field = "place"

    place = models.ForeignKey(Place, verbose_name=_("hotel"), on_delete=models.PROTECT,
                              related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(_("language"), max_length=10, default="en")
    original_text = models.TextField(_("text as submitted"))
    corrected_text = models.TextField(_("corrected text"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ProofreadStatus.choices,
                              default=ProofreadStatus.SUBMITTED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"),
                                     null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"),
                                    null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    class Meta:
        verbose_name = _("proofreading request")
        verbose_name_plural = _("proofreading requests")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["jurisdiction_code", "status"],
                                name="documents_proofread_scope")]

    def __str__(self) -> str:
        return self.title

    @property
    def language_name(self) -> str:
        return language_name(self.language)

    @property
    def text(self) -> str:
        """The current text: the correction if there is one, else the original."""
        return self.corrected_text or self.original_text


class ProofreadComment(ScopedModel):
    """A proofreader's (or the hotel's) comment on one paragraph of a request."""

    scope_place_field = "place"

    request = models.ForeignKey(ProofreadRequest, verbose_name=_("request"),
                                on_delete=models.CASCADE, related_name="comments")
    place = models.ForeignKey(Place, verbose_name=_("hotel"), on_delete=models.PROTECT,
                              related_name="+", editable=False)
    paragraph = models.PositiveIntegerField(_("paragraph"), null=True, blank=True)
    text = models.TextField(_("comment"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True,
                               blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)

    class Meta:
        verbose_name = _("proofreading comment")
        verbose_name_plural = _("proofreading comments")
        ordering = ["request_id", "created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]

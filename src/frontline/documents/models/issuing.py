"""Issued documents (each with a serial and a verification link), batches, and the office's
profile (seal image, telephone) printed on them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontline.areas.models import Jurisdiction
from frontline.core.models import ScopedModel
from frontline.documents.kinds import DocumentKind, language_name


class OfficeProfile(ScopedModel):
    """What a district office prints on its documents: its seal image and telephone.

    Without an uploaded seal, documents carry a drawn demo seal that says it is one.
    """

    jurisdiction = models.ForeignKey(Jurisdiction,
                                     verbose_name=pgettext_lazy("foreign affairs office", "office"),
                                     on_delete=models.PROTECT, related_name="+")
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False,
                                         unique=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    seal = models.FileField(_("seal image"), upload_to="documents/seals/", blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("changed by"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("office profile")
        verbose_name_plural = _("office profiles")
        ordering = ["jurisdiction_code"]

    def __str__(self) -> str:
        return str(self.jurisdiction)


class SerialCounter(models.Model):
    """The last serial number used per office and year; rows are locked while issuing.

    Not scoped: it is never shown, only advanced inside the issuing transaction.
    """

    key = models.CharField(max_length=40, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class BatchOutput(models.TextChoices):
    ZIP = "zip", _("a zip of one PDF per document")
    PDF = "pdf", _("one PDF with every document")


class IssueBatch(ScopedModel):
    """Many documents of one kind issued at once and rendered by a background task.

    Serials are given when the batch is created, so rendering again after a crash reuses
    them; the output file is written to a temporary name and renamed when complete.
    """

    kind = models.CharField(_("kind"), max_length=40, choices=DocumentKind.choices)
    language_policy = models.CharField(
        _("language"), max_length=10,
        help_text=_("A language code, or “person” for each person's own language."))
    bilingual = models.BooleanField(_("bilingual (Chinese and the reader's language)"),
                                    default=True)
    output = models.CharField(_("output"), max_length=4, choices=BatchOutput.choices,
                              default=BatchOutput.ZIP)
    status = models.CharField(_("status"), max_length=10, choices=BatchStatus.choices,
                              default=BatchStatus.QUEUED)
    total = models.PositiveIntegerField(pgettext_lazy("issue batch", "documents"), default=0)
    done = models.PositiveIntegerField(_("rendered"), default=0)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    file_path = models.CharField(_("file"), max_length=300, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True)
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued by"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("document batch")
        verbose_name_plural = _("document batches")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["jurisdiction_code", "-created_at"],
                                name="documents_batch_scope")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} × {self.total}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 100

    @property
    def is_finished(self) -> bool:
        return self.status in (BatchStatus.DONE, BatchStatus.FAILED)


class DocumentStatus(models.TextChoices):
    VALID = "valid", _("valid")
    REVOKED = "revoked", _("revoked")


class IssuedDocument(ScopedModel):
    """One issued document: serial, kind, language, for whom (a generic reference), the
    masked name the public verification page shows, and the stored PDF.

    The filled-in values are kept encrypted (they hold personal data) so the document can
    be rendered again; lists and the verification page only ever show the masked name.
    """

    serial = models.CharField(_("serial number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=40, choices=DocumentKind.choices)
    template = models.ForeignKey("documents.DocumentTemplate", verbose_name=_("template"),
                                 on_delete=models.PROTECT, related_name="+")
    language = models.CharField(_("language"), max_length=10)
    bilingual = models.BooleanField(_("bilingual"), default=True)
    official = models.BooleanField(
        _("official translation"), default=False,
        help_text=_("False when the translation was not approved: the document is marked "
                    "as an unofficial translation."))
    person_type = models.ForeignKey(ContentType, verbose_name=_("record type"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    person_id = models.CharField(_("record id"), max_length=64, blank=True)
    jurisdiction_code = models.CharField(_("division code"), max_length=12, editable=False)
    name_masked = models.CharField(_("name (masked)"), max_length=200, blank=True)
    context_encrypted = models.TextField(editable=False, blank=True)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued by"),
                                  null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=DocumentStatus.choices,
                              default=DocumentStatus.VALID)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)
    batch = models.ForeignKey(IssueBatch, verbose_name=_("batch"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="documents")
    batch_index = models.PositiveIntegerField(null=True, blank=True, editable=False)
    file_path = models.CharField(_("file"), max_length=300, blank=True, editable=False)
    rendered_at = models.DateTimeField(_("rendered"), null=True, blank=True)

    audit_mask = ("context_encrypted",)

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        ordering = ["-issued_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["batch", "batch_index"],
                                               name="documents_issued_batch_index")]
        indexes = [models.Index(fields=["jurisdiction_code", "-issued_at"],
                                name="documents_issued_scope"),
                   models.Index(fields=["person_type", "person_id"],
                                name="documents_issued_person")]

    def __str__(self) -> str:
        return self.serial

    @property
    def language_name(self) -> str:
        return language_name(self.language)

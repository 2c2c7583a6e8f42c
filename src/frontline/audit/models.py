"""Append-only audit logs: what changed (ChangeLogEntry) and who read personal data (AccessLogEntry)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontline.core.models import RestrictedQuerySet, ScopedModel


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit entry."""


class AppendOnlyQuerySet(RestrictedQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit entries cannot be updated")

    def delete(self):
        raise AppendOnlyError("audit entries cannot be deleted")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("audit entries cannot be updated")


class AppendOnlyModel(ScopedModel):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit entries cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries cannot be deleted")


class ChangeAction(models.TextChoices):
    # In a context of their own: "created" elsewhere names a time (创建时间), here an act.
    CREATE = "create", pgettext_lazy("audit action", "created")
    UPDATE = "update", pgettext_lazy("audit action", "changed")
    DELETE = "delete", pgettext_lazy("audit action", "deleted")
    EVENT = "event", pgettext_lazy("audit action", "workflow step")


class ChangeLogEntry(AppendOnlyModel):
    """One change to one object (NetBox's ObjectChange): who, when, before and after."""

    time = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=ChangeAction.choices)
    event = models.CharField(_("event"), max_length=64, blank=True,
                             help_text=_("The workflow step, such as role.grant."))
    object_type = models.CharField(_("object type"), max_length=100, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    jurisdiction_code = models.CharField(_("division code"), max_length=12, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        verbose_name = _("change log entry")
        verbose_name_plural = _("change log")
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["jurisdiction_code", "-time"], name="audit_change_scope_time"),
            models.Index(fields=["object_type", "object_id"], name="audit_change_object"),
        ]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"


class AccessEvent(models.TextChoices):
    READ = "read", _("read")
    REVEAL = "reveal", _("revealed")
    EXPORT = "export", _("exported")
    EXPORT_UNMASKED = "export_unmasked", _("exported unmasked")


class AccessLogEntry(AppendOnlyModel):
    """One read, reveal or export of personal data (Zulip's RealmAuditLog for data access)."""

    time = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    event = models.CharField(_("event"), max_length=20, choices=AccessEvent.choices)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    record_count = models.PositiveIntegerField(_("records"), default=1)
    jurisdiction_code = models.CharField(_("division code"), max_length=12, db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("personal-data access")
        verbose_name_plural = _("personal-data access log")
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["jurisdiction_code", "-time"], name="audit_access_scope_time"),
        ]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.actor_label} {self.event} {self.object_repr}"

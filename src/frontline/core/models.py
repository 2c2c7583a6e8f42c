"""Scoped models: every row that belongs to a jurisdiction answers `.restrict(user, action)`.

A model opts in by using `RestrictedQuerySet` as its manager and naming the field that holds
the jurisdiction code (`scope_code_field`) and, optionally, a place field for roles held at a
place such as an observation hotel (`scope_place_field`). Restriction is one indexed range
filter per code prefix; nothing recursive.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from frontline.core.permissions import Action, Scope, next_code


class OutOfScope(Http404):
    """Raised when an object lies outside the actor's scope; shown exactly like 'not found'."""


def scope_for(user: Any, action: Action | str) -> Scope:
    """The scope of `user` for `action`; an anonymous or inactive user has an empty scope."""
    action = Action.parse(action)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    return user.scope_for(action)


def code_prefix_q(field: str, code: str) -> Q:
    """Rows whose `field` starts with `code`, as an index-friendly range."""
    upper = next_code(code)
    q = Q(**{f"{field}__gte": code})
    if upper is not None:
        q &= Q(**{f"{field}__lt": upper})
    return q


def scope_q(model: type[models.Model], scope: Scope) -> Q | None:
    """The filter for `scope` on `model`, or None when the scope covers everything."""
    if scope.everything:
        return None
    code_field = getattr(model, "scope_code_field", None)
    place_field = getattr(model, "scope_place_field", None)
    if not code_field:
        raise ImproperlyConfigured(f"{model.__name__} is restricted but has no scope_code_field")
    q = Q(pk__in=[])
    for code in sorted(scope.codes):
        q |= code_prefix_q(code_field, code)
    if place_field and scope.place_ids:
        q |= Q(**{f"{place_field}__in": sorted(scope.place_ids)})
    return q


class RestrictedQuerySet(models.QuerySet):
    """NetBox's RestrictedQuerySet: `.restrict(user, action)` keeps only rows in scope."""

    def restrict(self, user: Any, action: Action | str = Action.VIEW) -> RestrictedQuerySet:
        scope = scope_for(user, action)
        if scope.is_empty:
            return self.none()
        q = scope_q(self.model, scope)
        qs = self if q is None else self.filter(q)
        qs._restricted = True  # noqa: SLF001 - marks the queryset for the base views' check
        return qs

    def _clone(self):
        clone = super()._clone()
        clone._restricted = getattr(self, "_restricted", False)
        return clone

    @property
    def is_restricted(self) -> bool:
        return getattr(self, "_restricted", False)


class ScopedModel(models.Model):
    """Abstract base for rows that belong to a jurisdiction (by code) and maybe a place."""

    scope_code_field = "jurisdiction_code"
    scope_place_field: str | None = None

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True

    def scope_code(self) -> str:
        return getattr(self, self.scope_code_field) or ""

    def scope_place_id(self) -> int | None:
        if not self.scope_place_field:
            return None
        if self.scope_place_field == "pk":
            return self.pk
        return getattr(self, f"{self.scope_place_field}_id", None)

    def within(self, scope: Scope) -> bool:
        """Whether this row's own values put it inside `scope`: the test `restrict()` makes
        in SQL, made in Python (for a row written in this transaction; see
        `ensure_values_in_scope`). A model whose queryset restricts otherwise overrides it."""
        return scope.covers_code(self.scope_code()) or scope.covers_place(self.scope_place_id())


def is_scoped_model(model: type[models.Model]) -> bool:
    manager = getattr(model, "_default_manager", None)
    return manager is not None and issubclass(manager._queryset_class, RestrictedQuerySet)


def ensure_in_scope(user: Any, action: Action | str, obj: models.Model) -> None:
    """Re-check, from the database, that `obj` is inside the user's scope for `action`.

    Services call this inside their transaction after a write, so nobody can move a record
    into someone else's area (NetBox's ObjectValidationMixin). Raises OutOfScope (a 404).
    """
    model = type(obj)
    if not is_scoped_model(model):
        raise ImproperlyConfigured(f"{model.__name__} is not a scoped model")
    if not model._default_manager.restrict(user, action).filter(pk=obj.pk).exists():
        raise OutOfScope()


def ensure_values_in_scope(user: Any, action: Action | str, obj: ScopedModel) -> None:
    """`ensure_in_scope` for a row a service writes together with others in one round trip
    (`core.rowwrite`), before it is in the database: the same test, on the values the row is
    written with (`ScopedModel.within`). Raises OutOfScope (a 404)."""
    if not obj.within(scope_for(user, action)):
        raise OutOfScope()


def get_in_scope(model: type[models.Model], user: Any, action: Action | str, *,
                 for_update: bool = False, **lookup: Any) -> Any:
    """Fetch one object through the restricted queryset; out of scope is OutOfScope (404)."""
    qs = model._default_manager.restrict(user, action)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(**lookup)
    except model.DoesNotExist:
        raise OutOfScope() from None


class WorkerHeartbeat(models.Model):
    """A running task worker (`manage.py db_worker`): where it runs and when it was last seen.

    A task left RUNNING by a worker that is gone (killed, its machine lost) is found through
    this row and put back in the queue (`frontline.core.workers.tasks_requeue_stale`).
    """

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    # The process's start time as the kernel counts it, so that a reused pid is not taken
    # for the worker that held it (0 where the system does not say).
    pid_started = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = _("task worker")
        verbose_name_plural = _("task workers")
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class IdempotencyKey(models.Model):
    """The answer to one API request sent with an `Idempotency-Key` header.

    A client that did not hear the answer (a timeout, a dropped connection, a restarted
    database) sends the same request again with the same key and gets the first answer;
    nothing is written twice. The key is stored in the transaction of the request's writes,
    so either both are stored or neither. Keys are kept for IDEMPOTENCY_KEY_HOURS.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"],
                                               name="core_idempotency_user_key")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class ReferenceVersion(models.Model):
    """The version of a small reference table read on every request of a hot path (the sorting
    rules and the risk countries read by each desk check-in).

    Every save or delete of a row of that table gives it a new random token, in the same
    transaction (`core.refcache`). A process keeps what it read together with the token it
    read it under, and reads it again as soon as the token differs: one indexed row instead of
    the table's query. A token is random, not a counter, so a rolled-back change (a test's
    transaction) is never mistaken for a later one.
    """

    name = models.CharField(max_length=40, primary_key=True)
    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("reference data version")
        verbose_name_plural = _("reference data versions")

    def __str__(self) -> str:
        return f"{self.name} {self.token}"

"""Base API viewsets: the queryset is restricted before any lookup; out of scope is 404.

Like NetBox's NetBoxModelViewSet: `get_queryset()` returns the restricted queryset for the
action the HTTP method needs, and fails closed when the model is not scoped. Writes go
through services, which re-check the scope inside their transaction.
"""

from __future__ import annotations

import copy

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.response import Response

from frontline.core.models import RestrictedQuerySet
from frontline.core.permissions import Action

READ_METHODS = ("GET", "HEAD", "OPTIONS")


class Conflict(exceptions.APIException):
    """409: the request conflicts with the record's current state (an edit based on an
    outdated copy, a request with the same idempotency key still running)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The record was changed by someone else.")
    default_code = "conflict"


def as_drf_error(exc: Exception) -> Exception:
    """Turn a service's Django error into the API's error with the same messages; an edit
    refused as based on an outdated copy (code "stale") is a 409 Conflict."""
    if isinstance(exc, DjangoValidationError):
        if getattr(exc, "code", None) == "stale":
            return Conflict(exc.messages[0], code="stale")
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(
                {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
            )
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    return exc


# Fields holding other fields (a list's child, a nested serializer), which bind them to
# themselves when made: copied by making them again, as DRF does.
_NESTING_FIELDS = (serializers.ListField, serializers.DictField, serializers.BaseSerializer,
                   serializers.ManyRelatedField)


class CachedFieldsMixin:
    """A ModelSerializer that works out its fields from the model once per class.

    DRF introspects the model for every serializer it makes, that is, for every request: for
    a form of forty fields that is a tenth of a desk check-in's time. The fields depend only
    on the class (its declarations and Meta), so the first instance keeps them, unbound, and
    later ones take a copy. DRF copies a field by making it again from its arguments (for a
    choice field, normalising its choices again); a field that holds no other field is copied
    as an object instead (`copy.copy`): binding it to the new serializer only sets attributes
    of the copy, and what it shares with the kept one (choices, validators, messages) is never
    changed after the field is made.
    """

    def get_fields(self):
        cls = type(self)
        prototype = cls.__dict__.get("_prototype_fields")
        if prototype is None:
            prototype = super().get_fields()
            cls._prototype_fields = prototype
        return {name: copy.deepcopy(field) if isinstance(field, _NESTING_FIELDS)
                else copy.copy(field) for name, field in prototype.items()}


class ScopedViewSetMixin:
    """Restricts the queryset to the caller's scope for the action of the request."""

    read_action: Action = Action.VIEW
    write_action: Action = Action.CHANGE

    def get_action(self) -> Action:
        return self.read_action if self.request.method in READ_METHODS else self.write_action

    def get_queryset(self):
        qs = super().get_queryset()
        if not isinstance(qs, RestrictedQuerySet):
            raise ImproperlyConfigured(
                f"{type(self).__name__}: {qs.model.__name__} is not a scoped model"
            )
        return qs.restrict(self.request.user, self.get_action())


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Create and update call `perform_create`/`perform_update`, which subclasses implement
    with a service call; a plain `serializer.save()` is refused so nobody bypasses services."""

    http_method_names = ["get", "post", "patch", "head", "options"]

    # Fields a PATCH may carry without asking for a change: the version the client read.
    version_fields = frozenset({"version", "expected_version"})

    def _body_fields(self, request) -> set[str]:
        """The body's field names, refusing those the endpoint does not know: a misspelt field
        would otherwise be dropped without a word and the request answered as done."""
        data = request.data
        names = set(data.keys()) if hasattr(data, "keys") else set()
        # A serializer that keeps its fields per class names them without being made again.
        kept = self.get_serializer_class().__dict__.get("_prototype_fields")
        known = set(kept) if kept is not None else set(self.get_serializer().fields)
        unknown = sorted(names - known)
        if unknown:
            raise exceptions.ValidationError({name: [_("This field does not exist here.")]
                                              for name in unknown[:20]})
        return names

    def create(self, request, *args, **kwargs):
        self._body_fields(request)
        return super().create(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()  # out of scope is 404 before the body is judged
        names = self._body_fields(request)
        if kwargs.get("partial") and not names - self.version_fields:
            # Nothing to change: the record as it is, with no write and no audit entry.
            return Response(self.get_serializer(instance).data)
        return super().update(request, *args, **kwargs)

    def perform_create(self, serializer):  # pragma: no cover - subclasses implement
        raise NotImplementedError(f"{type(self).__name__} must create through a service")

    def perform_update(self, serializer):  # pragma: no cover - subclasses implement
        raise NotImplementedError(f"{type(self).__name__} must update through a service")

"""Base views: every page that shows scoped rows restricts its queryset before any lookup.

A view names its `model` (or `queryset`) and the `action` it needs; `get_queryset()` always
returns the restricted queryset and raises ImproperlyConfigured when the model is not scoped,
so a view cannot forget scoping (NetBox's ObjectView/ObjectListView).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.forms import BaseForm, ModelChoiceField, ModelMultipleChoiceField
from django.utils.functional import cached_property
from django.views.generic import DetailView, ListView
from django.views.generic.detail import SingleObjectMixin

from frontline.core.models import OutOfScope, RestrictedQuerySet
from frontline.core.permissions import Action


def restrict_form_fields(form: BaseForm, user: Any, action: Action | str = Action.VIEW) -> None:
    """Restrict every model choice field of a form whose model is scoped (NetBox's helper)."""
    for field in form.fields.values():
        if isinstance(field, ModelChoiceField | ModelMultipleChoiceField):
            qs = field.queryset
            if isinstance(qs, RestrictedQuerySet):
                field.queryset = qs.restrict(user, action)


def apply_validation_error(form: BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form, by field where it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def form_saved(request: Any, form: BaseForm, save: Callable[[dict[str, Any]], Any], *,
               success: str | Callable[[Any], str]) -> tuple[bool, Any]:
    """The POST half of a form page: on a valid POST, call `save(cleaned_data)` (a service
    call); a ValidationError it raises lands on the form's fields, otherwise `success` (or
    `success(result)`) is shown as a message. Returns (saved, what `save` returned);
    (False, None) means: show the form (again)."""
    if request.method != "POST" or not form.is_valid():
        return False, None
    try:
        result = save(form.cleaned_data)
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return False, None
    messages.success(request, success(result) if callable(success) else success)
    return True, result


class ScopedViewMixin(LoginRequiredMixin):
    """Restricts `model`/`queryset` to the user's scope for `action`; fails closed."""

    action: Action = Action.VIEW
    model: type[Model] | None = None
    queryset: QuerySet | None = None

    def get_base_queryset(self) -> QuerySet:
        if self.queryset is not None:
            return self.queryset.all()
        if self.model is not None:
            return self.model._default_manager.all()
        raise ImproperlyConfigured(f"{type(self).__name__} has no model or queryset")

    def get_queryset(self) -> QuerySet:
        qs = self.get_base_queryset()
        if not isinstance(qs, RestrictedQuerySet):
            raise ImproperlyConfigured(
                f"{type(self).__name__}: {qs.model.__name__} is not a scoped model; "
                "scoped views only show restricted querysets"
            )
        return qs.restrict(self.request.user, self.action)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.can(self.action):
            if isinstance(self, SingleObjectMixin):
                raise OutOfScope  # one row, and out of scope: exactly like "not found"
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP rows: a city-wide list of a million rows must not pay for a
    full COUNT on every page; past the cap the page says "10,000+"."""

    COUNT_CAP = 10_000

    @cached_property
    def _full_count(self) -> int:
        qs = self.object_list
        if hasattr(qs, "query"):
            return qs.order_by()[: self.COUNT_CAP + 1].count()
        return len(qs)

    @cached_property
    def count(self) -> int:
        return min(self._full_count, self.COUNT_CAP)

    @property
    def count_capped(self) -> bool:
        return self._full_count > self.COUNT_CAP


class ScopedListView(ScopedViewMixin, ListView):
    paginate_by = 50
    paginator_class = CappedPaginator


class ScopedDetailView(ScopedViewMixin, DetailView):
    """Out of scope raises Http404 through the restricted queryset, exactly like 'not found'."""

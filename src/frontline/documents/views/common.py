"""Base classes of the documents pages: lists and details readable with any of several
actions (translators hold no `view` action), built on the scoped base views."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import FileResponse
from django.views.generic.detail import SingleObjectMixin

from frontline.core.models import OutOfScope, RestrictedQuerySet
from frontline.core.permissions import Action
from frontline.core.views import ScopedDetailView, ScopedListView, ScopedViewMixin
from frontline.documents.selectors import restrict_any


class AnyActionMixin:
    """Like ScopedViewMixin, but the user needs any one of `actions`."""

    actions: tuple[Action, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not any(request.user.can(a) for a in self.actions):
            if isinstance(self, SingleObjectMixin):
                raise OutOfScope  # one row, and out of scope: exactly like "not found"
            raise PermissionDenied
        return super(ScopedViewMixin, self).dispatch(request, *args, **kwargs)

    def get_queryset(self):
        qs = self.get_base_queryset()
        if not isinstance(qs, RestrictedQuerySet):
            raise ImproperlyConfigured(f"{type(self).__name__}: not a scoped model")
        return restrict_any(qs, self.request.user, self.actions)


class AnyActionListView(AnyActionMixin, ScopedListView):
    pass


class AnyActionDetailView(AnyActionMixin, ScopedDetailView):
    pass


def can_any(user, *actions: Action) -> bool:
    return any(user.can(a) for a in actions)


def pdf_response(content_or_path, filename: str, *, inline: bool = True) -> FileResponse:
    import io

    source = open(content_or_path, "rb") if not isinstance(content_or_path, bytes) else (  # noqa: SIM115
        io.BytesIO(content_or_path))
    response = FileResponse(source, as_attachment=not inline, filename=filename,
                            content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"
    return response

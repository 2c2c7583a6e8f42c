"""Base of the document center's REST endpoints: viewsets readable with any of several
actions (translators hold no `view` action); every write calls a service."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from frontline.core.api import READ_METHODS, ScopedModelViewSet
from frontline.core.models import RestrictedQuerySet
from frontline.core.permissions import Action
from frontline.documents import selectors
from frontline.documents.kinds import traveller_languages

LANGUAGES = [code for code, _name in traveller_languages()]


class AnyActionViewSet(ScopedModelViewSet):
    """A scoped viewset whose rows are visible with any of `read_actions` and writable with
    any of `write_actions` (translators hold no `view` action); services re-check."""

    read_actions: tuple[Action, ...] = (Action.VIEW,)
    write_actions: tuple[Action, ...] = (Action.CHANGE,)

    def get_actions(self) -> tuple[Action, ...]:
        return self.read_actions if self.request.method in READ_METHODS else self.write_actions

    def get_queryset(self):
        qs = self.queryset.all()
        if not isinstance(qs, RestrictedQuerySet):
            raise ImproperlyConfigured(f"{type(self).__name__}: not a scoped model")
        return selectors.restrict_any(qs, self.request.user, self.get_actions())

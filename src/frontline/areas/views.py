"""Pages for the division tree and places; all through the scoped base views."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from frontline.areas import selectors, services
from frontline.areas.forms import JurisdictionNameForm, PlaceForm
from frontline.areas.models import Jurisdiction, Level, Place, PlaceKind
from frontline.core.models import get_in_scope
from frontline.core.permissions import Action
from frontline.core.views import ScopedDetailView, ScopedListView, apply_validation_error


class JurisdictionListView(ScopedListView):
    model = Jurisdiction
    template_name = "areas/jurisdiction_list.html"

    def get_queryset(self):
        super().get_queryset()
        return selectors.jurisdiction_list(actor=self.request.user,
                                           query=self.request.GET.get("q", "").strip(),
                                           level=self.request.GET.get("level", ""))

    def get_context_data(self, **kwargs):
        return super().get_context_data(q=self.request.GET.get("q", ""),
                                        level=self.request.GET.get("level", ""),
                                        levels=Level.choices, **kwargs)


class JurisdictionDetailView(ScopedDetailView):
    model = Jurisdiction
    template_name = "areas/jurisdiction_detail.html"
    slug_field = "code"
    slug_url_kwarg = "code"

    def get_context_data(self, **kwargs):
        user = self.request.user
        obj = self.object
        return super().get_context_data(
            children=selectors.jurisdiction_list(actor=user, parent=obj),
            places=selectors.place_list(actor=user, jurisdiction=obj)[:100],
            can_configure=user.scope_for(Action.CONFIGURE).covers_code(obj.code),
            name_form=JurisdictionNameForm(initial={"name_en": obj.name_en}),
            **kwargs,
        )


@login_required
def jurisdiction_rename(request, code: str):
    jurisdiction = get_in_scope(Jurisdiction, request.user, Action.CONFIGURE, code=code)
    form = JurisdictionNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.jurisdiction_rename(actor=request.user, jurisdiction=jurisdiction,
                                         name_en=form.cleaned_data["name_en"])
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, _("The English name was saved."))
    return redirect("areas:jurisdiction_detail", code=jurisdiction.code)


class PlaceListView(ScopedListView):
    model = Place
    template_name = "areas/place_list.html"

    def get_queryset(self):
        super().get_queryset()
        return selectors.place_list(actor=self.request.user,
                                    query=self.request.GET.get("q", "").strip(),
                                    kind=self.request.GET.get("kind", ""))

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            q=self.request.GET.get("q", ""), kind=self.request.GET.get("kind", ""),
            kinds=PlaceKind.choices, can_configure=self.request.user.can(Action.CONFIGURE),
            **kwargs)


class PlaceDetailView(ScopedDetailView):
    model = Place
    template_name = "areas/place_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("jurisdiction", "location")

    def get_context_data(self, **kwargs):
        can_configure = self.request.user.scope_for(Action.CONFIGURE).covers_code(
            self.object.jurisdiction_code)
        return super().get_context_data(can_configure=can_configure, **kwargs)


def _place_form_page(request, place: Place | None):
    form = PlaceForm(request.POST or None, instance=place, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if place is None:
                place = services.place_create(actor=request.user, **data)
            else:
                place = services.place_update(actor=request.user, place=place, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The place was saved."))
            return redirect("areas:place_detail", pk=place.pk)
    return render(request, "areas/place_form.html", {"form": form, "place": place})


@login_required
def place_create(request):
    if not request.user.can(Action.CONFIGURE):
        raise PermissionDenied
    return _place_form_page(request, None)


@login_required
def place_edit(request, pk: int):
    place = get_in_scope(Place, request.user, Action.CONFIGURE, pk=pk)
    return _place_form_page(request, place)

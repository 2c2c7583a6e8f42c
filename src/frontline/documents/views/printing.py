"""Pages of print runs and their distribution (with the stock left)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontline.core.models import get_in_scope
from frontline.core.permissions import Action
from frontline.core.views import ScopedDetailView, ScopedListView, apply_validation_error
from frontline.documents import selectors, services
from frontline.documents.forms import DistributionForm, PrintRunForm
from frontline.documents.models import PrintRun
from frontline.documents.services.common import may


class PrintRunListView(ScopedListView):
    model = PrintRun
    template_name = "documents/print_run_list.html"

    def get_queryset(self):
        super().get_queryset()
        return selectors.print_run_list(actor=self.request.user)


class PrintRunDetailView(ScopedDetailView):
    model = PrintRun
    template_name = "documents/print_run_detail.html"

    def get_queryset(self):
        super().get_queryset()
        return selectors.print_run_list(actor=self.request.user)

    def get_context_data(self, **kwargs):
        run = self.object
        can_change = may(self.request.user, Action.CHANGE, run.jurisdiction_code)
        form = kwargs.pop("form", None) or (DistributionForm(
            actor=self.request.user, office_code=run.jurisdiction_code) if can_change else None)
        return super().get_context_data(
            distributions=run.distributions.select_related("place", "target"),
            stock=run.quantity - run.handed, form=form, can_change=can_change, **kwargs)


@login_required
def print_run_create(request):
    if not request.user.can(Action.CHANGE):
        raise PermissionDenied
    form = PrintRunForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.print_run_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The print run was recorded."))
            return redirect("documents:print_run_detail", pk=run.pk)
    return render(request, "documents/print_run_form.html", {"form": form})


@login_required
@require_POST
def distribution_create(request, pk: int):
    run = get_in_scope(PrintRun, request.user, Action.CHANGE, pk=pk)
    form = DistributionForm(request.POST, actor=request.user, office_code=run.jurisdiction_code)
    if form.is_valid():
        try:
            services.distribution_create(actor=request.user, print_run=run, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The hand-over was recorded."))
            return redirect("documents:print_run_detail", pk=run.pk)
    view = PrintRunDetailView()
    view.setup(request, pk=pk)
    view.object = view.get_object()
    return render(request, view.template_name, view.get_context_data(form=form), status=400)

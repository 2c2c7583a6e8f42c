"""Pages of the notify app: the bell, one's own notifications, the outbox and the robots."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import ListView

from frontline.core.models import get_in_scope
from frontline.core.permissions import Action
from frontline.core.views import ScopedDetailView, ScopedListView, apply_validation_error
from frontline.notify import selectors, services
from frontline.notify.forms import OutboxFilterForm, WebhookForm
from frontline.notify.models import ChatWebhook, Message

# -- one's own notifications -----------------------------------------------------------------


@never_cache
@require_GET
@login_required
def bell(request):
    """The bell in the top bar (loaded by htmx): a link to one's notifications, unread count."""
    unread = selectors.notification_unread_count(actor=request.user)
    return render(request, "notify/_bell.html", {"unread": unread})


class NotificationListView(LoginRequiredMixin, ListView):
    """One's own notifications, unread first. Not a scoped list: it is filtered by user."""

    template_name = "notify/notification_list.html"
    paginate_by = 50

    def get_queryset(self):
        return selectors.notification_list(actor=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            unread=selectors.notification_unread_count(actor=self.request.user), **kwargs)


def _safe_target(request, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return ""


@login_required
@require_POST
def notification_read(request, pk: int):
    """Mark one of one's notifications read, and open its link if asked to."""
    notification = get_object_or_404(selectors.notification_list(actor=request.user), pk=pk)
    notification = services.notification_mark_read(actor=request.user,
                                                   notification=notification)
    if request.POST.get("open"):
        target = _safe_target(request, notification.url)
        if target:
            return redirect(target)
    return redirect("notify:notifications")


@login_required
@require_POST
def notifications_read_all(request):
    count = services.notification_mark_all_read(actor=request.user)
    messages.success(request, ngettext("%(count)s notification marked as read.",
                                       "%(count)s notifications marked as read.",
                                       count) % {"count": count})
    return redirect("notify:notifications")


# -- the outbox ------------------------------------------------------------------------------


class OutboxView(ScopedListView):
    """The outbox of one's scope: what was sent, what is waiting, what failed and why."""

    model = Message
    action = Action.CONFIGURE
    template_name = "notify/outbox.html"

    def get_queryset(self):
        super().get_queryset()  # the base class's fail-closed check
        self.form = OutboxFilterForm(self.request.GET or None)
        filters = self.form.cleaned_data if self.form.is_valid() else {}
        return selectors.message_list(actor=self.request.user,
                                      status=filters.get("status", ""),
                                      channel=filters.get("channel", ""))

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            form=self.form, query=query.urlencode(),
            counts=selectors.message_status_counts(actor=self.request.user), **kwargs)


class MessageDetailView(ScopedDetailView):
    model = Message
    action = Action.CONFIGURE
    template_name = "notify/message_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("recipient", "webhook", "created_by")


@login_required
@require_POST
def message_retry(request, pk: int):
    """Retry a failed or given-up message now."""
    message = get_in_scope(Message, request.user, Action.CONFIGURE, pk=pk)
    try:
        services.message_retry(actor=request.user, message=message)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, _("The message was queued for another attempt."))
    if request.POST.get("next") == "outbox":
        return redirect("notify:outbox")
    return redirect("notify:message_detail", pk=message.pk)


# -- chat-group robots -----------------------------------------------------------------------


class WebhookListView(ScopedListView):
    model = ChatWebhook
    action = Action.CONFIGURE
    template_name = "notify/webhook_list.html"

    def get_queryset(self):
        super().get_queryset()
        return selectors.webhook_list(actor=self.request.user)


def _webhook_form_page(request, webhook: ChatWebhook | None):
    form = WebhookForm(request.POST or None, instance=webhook, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if webhook is None:
                webhook = services.webhook_create(actor=request.user, **form.service_data())
            else:
                webhook = services.webhook_update(actor=request.user, webhook=webhook,
                                                  **form.service_data())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The robot was saved."))
            return redirect("notify:webhook_edit", pk=webhook.pk)
    recent = []
    if webhook is not None:
        recent = selectors.message_list(actor=request.user).filter(webhook=webhook)[:10]
    return render(request, "notify/webhook_form.html",
                  {"form": form, "webhook": webhook, "recent": recent})


@login_required
def webhook_create(request):
    if not request.user.can(Action.CONFIGURE):
        raise PermissionDenied
    return _webhook_form_page(request, None)


@login_required
def webhook_edit(request, pk: int):
    webhook = get_in_scope(ChatWebhook, request.user, Action.CONFIGURE, pk=pk)
    return _webhook_form_page(request, webhook)


@login_required
@require_POST
def webhook_test(request, pk: int):
    """Post a test message to the robot's group; the result shows on the message's page."""
    webhook = get_in_scope(ChatWebhook, request.user, Action.CONFIGURE, pk=pk)
    try:
        message = services.webhook_send_test(actor=request.user, webhook=webhook)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect("notify:webhook_edit", pk=webhook.pk)
    messages.info(request, _("A test message was sent to the outbox; its status is below."))
    return redirect("notify:message_detail", pk=message.pk)

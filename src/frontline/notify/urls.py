"""Pages of the notify app: the bell, notifications, the outbox and the chat-group robots."""

from django.urls import path

from frontline.notify import views

app_name = "notify"

urlpatterns = [
    path("notify/bell/", views.bell, name="bell"),
    path("notify/notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("notify/notifications/read-all/", views.notifications_read_all,
         name="notifications_read_all"),
    path("notify/notifications/<int:pk>/read/", views.notification_read,
         name="notification_read"),
    path("notify/outbox/", views.OutboxView.as_view(), name="outbox"),
    path("notify/outbox/<int:pk>/", views.MessageDetailView.as_view(), name="message_detail"),
    path("notify/outbox/<int:pk>/retry/", views.message_retry, name="message_retry"),
    path("notify/webhooks/", views.WebhookListView.as_view(), name="webhook_list"),
    path("notify/webhooks/new/", views.webhook_create, name="webhook_create"),
    path("notify/webhooks/<int:pk>/edit/", views.webhook_edit, name="webhook_edit"),
    path("notify/webhooks/<int:pk>/test/", views.webhook_test, name="webhook_test"),
]

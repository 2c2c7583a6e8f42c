"""Outbound messages: in-app notifications, e-mail and chat-group webhooks, through an outbox."""

"""Keep the list of a user's signed-in sessions (`UserSession`) in step with sign-in and
sign-out."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver


def request_details(request) -> dict[str, str]:
    """The device and address of a request, as `services.session_start` takes them. The
    address is `REMOTE_ADDR`, the one the audit log records (docs/security.md, 15.3.4)."""
    return {"user_agent": request.headers.get("User-Agent", ""),
            "ip": request.META.get("REMOTE_ADDR", "")}


@receiver(user_logged_in, dispatch_uid="accounts.user_session_start")
def _signed_in(sender, request, user, **kwargs):
    from frontline.accounts import services

    session = getattr(request, "session", None)
    if session is None or user is None:
        return
    if session.session_key is None:
        session.save()
    services.session_start(user=user, session_key=session.session_key,
                           **request_details(request))


@receiver(user_logged_out, dispatch_uid="accounts.user_session_forget")
def _signed_out(sender, request, user, **kwargs):
    from frontline.accounts import services

    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        services.session_forget(session_key=key)

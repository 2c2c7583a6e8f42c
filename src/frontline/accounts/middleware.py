"""Session timeouts (inactivity and absolute), the two-factor requirement and the change of a
password someone else set."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

LOGIN_AT = "_frontline_login_at"
LAST_SEEN = "_frontline_last_seen"

# Paths a logged-in user who still owes a second factor may reach.
_TWO_FACTOR_OPEN = ("/accounts/login/", "/accounts/logout/", "/accounts/two-factor/", "/static/",
                    "/i18n/", "/api/")

# Paths a signed-in user who must change a password someone else set may reach (besides the
# password page itself and, in the API, the password endpoint).
_PASSWORD_CHANGE_OPEN = ("/accounts/login/", "/accounts/logout/", "/accounts/two-factor/",
                         "/static/", "/i18n/")


def _page_redirect(request, url: str):
    """Send the browser to `url`. An htmx fragment (such as the bell) must not load that page
    into the top bar: htmx is asked to send the whole page there instead."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def two_factor_required(user) -> bool:
    return bool(
        settings.FRONTLINE_REQUIRE_2FA and user.is_authenticated and user.needs_two_factor
    )


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        key_before = getattr(getattr(request, "session", None), "session_key", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            login_at = request.session.get(LOGIN_AT)
            last_seen = request.session.get(LAST_SEEN, now)
            if login_at is None:
                request.session[LOGIN_AT] = login_at = now
            expired = (now - last_seen > settings.SESSION_IDLE_TIMEOUT
                       or now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT)
            if expired:
                logout(request)
                messages.info(request, _("Your session has ended. Please sign in again."))
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return _page_redirect(request, f"{reverse('accounts:login')}?next={request.path}")
            # A background poll (the bell) is not activity: an open tab must still time out.
            if not request.headers.get("X-Background") and now - last_seen >= 30:
                request.session[LAST_SEEN] = now  # at most one session write in 30 s
                _session_seen(request, user, login_at)
        response = self.get_response(request)
        _follow_new_key(request, key_before)
        return response


def _session_seen(request, user, login_at: int) -> None:
    """Record the use of the session in its `UserSession` row, in the same 30-second step as
    `LAST_SEEN`."""
    from datetime import UTC, datetime

    from frontline.accounts import services
    from frontline.accounts.signals import request_details

    if request.session.session_key is None:
        return
    services.session_seen(user=user, session_key=request.session.session_key,
                          started_at=datetime.fromtimestamp(login_at, tz=UTC),
                          **request_details(request))


def _follow_new_key(request, key_before: str | None) -> None:
    """A view gave a signed-in session a new key (a password change keeps the session with
    `update_session_auth_hash`): move its `UserSession` row to the new key."""
    session = getattr(request, "session", None)
    key_after = getattr(session, "session_key", None)
    if key_before and key_after and key_after != key_before:
        from frontline.accounts import services

        services.session_rekey(old_key=key_before, new_key=key_after)


class TwoFactorRequiredMiddleware:
    """A user whose roles see personal data must pass TOTP before any other page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and two_factor_required(user) and not user.is_verified()
                and not request.path.startswith(_TWO_FACTOR_OPEN)):
            return redirect(f"{reverse('accounts:two_factor')}?next={request.path}")
        return self.get_response(request)


def _token_request(request) -> bool:
    """The request names an API token (`Authorization: Token …` or `Bearer …`): the API
    authenticates it by the token alone, never by the session, and refuses a bad token."""
    from frontline.accounts.authentication import ApiTokenAuthentication

    header = request.headers.get("Authorization", "").split()
    return bool(header) and header[0].lower() in ApiTokenAuthentication.keywords


def _wants_message(request) -> bool:
    """A page (or htmx call) the user asked for, not an icon the browser fetched by itself:
    a message added for that would show up on some later page."""
    return request.headers.get("Sec-Fetch-Dest") in (None, "document", "empty")


class PasswordChangeRequiredMiddleware:
    """A user whose password was set by someone else (a new account, a manager's reset) must
    choose their own before any other page or API call of their session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        page = reverse("accounts:password_change")
        if path == page or path.startswith(_PASSWORD_CHANGE_OPEN):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.password_change_required:
            return self.get_response(request)
        if path.startswith("/api/"):
            # `request.user` here comes from the session; a token request is the token's.
            if _token_request(request) or (request.method == "POST"
                                           and path == reverse("api:me-password")):
                return self.get_response(request)
            return JsonResponse({
                "detail": _("Your password was set by someone else. Change it first "
                            "(POST %(url)s).") % {"url": reverse("api:me-password")},
                "request_id": getattr(request, "request_id", ""),
            }, status=403)
        if request.headers.get("X-Background"):
            # A poll (the bell on the password page itself) must not reload the page.
            return HttpResponse(status=204)
        if _wants_message(request):
            messages.warning(request, _("Please choose your own password before you continue."))
        target = page
        if request.method in ("GET", "HEAD"):
            target = f"{page}?{urlencode({'next': request.get_full_path()}, safe='/')}"
        return _page_redirect(request, target)

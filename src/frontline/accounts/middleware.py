"""Session timeouts (inactivity and absolute) and the two-factor requirement."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

LOGIN_AT = "_frontline_login_at"
LAST_SEEN = "_frontline_last_seen"

# Paths a logged-in user who still owes a second factor may reach.
_TWO_FACTOR_OPEN = ("/accounts/login/", "/accounts/logout/", "/accounts/two-factor/", "/static/",
                    "/i18n/", "/api/")


def two_factor_required(user) -> bool:
    return bool(
        settings.FRONTLINE_REQUIRE_2FA and user.is_authenticated and user.needs_two_factor
    )


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
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
                login_url = f"{reverse('accounts:login')}?next={request.path}"
                if request.headers.get("HX-Request"):
                    # An htmx fragment (such as the bell) must not load the login page into
                    # the top bar: ask htmx to send the whole page to the login page.
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = login_url
                    return response
                return redirect(login_url)
            # A background poll (the bell) is not activity: an open tab must still time out.
            if not request.headers.get("X-Background") and now - last_seen >= 30:
                request.session[LAST_SEEN] = now  # at most one session write in 30 s
        return self.get_response(request)


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

"""API authentication by personal token (`Authorization: Token <key>` or `Bearer <key>`)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from frontline.accounts.models import ApiToken, User
from frontline.accounts.services import hash_token


def _token_statement() -> tuple[str, list[Any]]:
    from frontline.core import rowread

    shapes = [rowread.Shape(ApiToken, "t"), rowread.Shape(User, "u")]
    token, user = shapes
    t, c = rowread.table, rowread.column
    return (f"SELECT {token.columns()}, {user.columns()} FROM {t(ApiToken)} t "  # noqa: S608
            f"JOIN {t(User)} u ON u.{c(User, 'id')} = t.{c(ApiToken, 'user')} "
            f"WHERE t.{c(ApiToken, 'key_hash')} = %s", shapes)


def token_with_user(key_hash: str) -> ApiToken | None:
    """The token with this hash and its user, in one statement written once per process:
    `ApiToken.objects.select_related("user").filter(key_hash=…).first()` without building
    the statement on every request (`core.rowread`)."""
    from frontline.core import rowread

    rows = rowread.fetch("accounts.token_with_user", _token_statement, [key_hash])
    if not rows:
        return None
    found, owner = rows[0]
    ApiToken.user.field.set_cached_value(found, owner)
    return found


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        token = token_with_user(hash_token(key))
        if token is None or not token.is_usable or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return "Token"

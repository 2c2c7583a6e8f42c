"""Request id middleware: every request gets an id, echoed in X-Request-ID, logs and audit.
Request size middleware: a body larger than anything Frontline reads is refused unread.
NUL middleware: a path or query string holding a NUL character is refused before any view."""

from __future__ import annotations

import logging
import re
import uuid

from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from frontline.core.context import client_ip_var, request_id_var

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        ip_token = client_ip_var.set(request.META.get("REMOTE_ADDR", ""))
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
            client_ip_var.reset(ip_token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


# The other fields and the multipart framing around the largest file a page accepts (the
# imports' own check allows 1 MB; this stays above it, so theirs answers first).
UPLOAD_OVERHEAD = 2 * 1024 * 1024


def request_body_limit(request) -> int | None:
    """The largest body Frontline reads: a multipart upload up to the import size, any other
    body up to DATA_UPLOAD_MAX_MEMORY_SIZE (which DRF does not apply to JSON itself)."""
    if request.content_type == "multipart/form-data":
        return settings.IMPORT_MAX_MB * 1024 * 1024 + UPLOAD_OVERHEAD
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class RequestSizeLimitMiddleware:
    """Answers 413 to a body declared larger than `request_body_limit`, before anything reads
    it: Django would otherwise stream a file of any size to disk before a view could refuse
    it, and DRF would read a JSON body of any size into memory."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = request_body_limit(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django itself refuses an invalid length when the body is read
        if limit is not None and length > limit:
            return self.too_large(request, limit)
        return self.get_response(request)

    @staticmethod
    def too_large(request, limit: int):
        # An upload's limit is named as the file's (the form's framing is allowed on top).
        mb = (settings.IMPORT_MAX_MB if request.content_type == "multipart/form-data"
              else limit // (1024 * 1024))
        message = _("What you sent is larger than %(mb)s MB, the most Frontline accepts. Send "
                    "a smaller file, or split it into several.") % {"mb": mb}
        return refused(request, 413, _("Too large"), message)


class RejectNulMiddleware:
    """A path or query string holding a NUL character answers 400 before any view reads it:
    PostgreSQL can neither store nor compare text holding NUL (it raises instead of finding
    nothing, and a staff list filtered by `?q=%00` would answer 500). Bodies are checked by
    the API's parsers (frontline.api.parsers) and by forms (Django's fields refuse NUL)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
                "\x00" in key or any("\x00" in value for value in values)
                for key, values in request.GET.lists()):
            return refused(request, 400, _("Bad request"),
                           str(ProhibitNullCharactersValidator.message))
        return self.get_response(request)


def refused(request, status: int, title: str, message: str):
    """A request refused before any view: JSON under /api/, else the page in the user's
    language."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message,
                             "request_id": getattr(request, "request_id", "")}, status=status)
    return render(request, "refused.html", {"title": title, "message": message}, status=status)

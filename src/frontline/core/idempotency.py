"""Idempotency keys for API writes: a request sent again with the same `Idempotency-Key`
header gets the first answer and writes nothing new.

The desk and the hotels send writes over networks that drop answers; a timeout does not say
whether the server wrote. With a key (any string of 1–255 printable ASCII characters, unique
per user, such as a UUID made when the registrar pressed the button) a client may send the same
request again until it hears an answer:

- the same key with the same request (method, path and body): the first answer, status and
  body, with the header `Idempotent-Replayed: true`; nothing is written;
- the same key with another request: 422, nothing is done;
- the same key while the first request is still running: the second waits for the first and
  gets its answer (409 only if the first is still not finished);
- a request that failed (an error answer) stores nothing: sending it again runs it again.

The key is written in the transaction of the request's own writes: both are stored or neither,
so a database that restarts in the middle cannot leave a write without its key. Keys are kept
IDEMPOTENCY_KEY_HOURS (24 by default) and purged by `manage.py periodic`.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from frontline.core.api import Conflict
from frontline.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_LENGTH = 255

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER, str, location=OpenApiParameter.HEADER, required=False,
    description=(
        "Optional; a unique string (1–255 printable ASCII characters, such as a UUID) chosen "
        "by the client for this write. Sending the same request again with the same key "
        "returns the first answer (with `Idempotent-Replayed: true`) and writes nothing new; "
        "the same key with a different request answers 422. Keys are kept for 24 hours."))


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was already used for a different request.")
    default_code = "idempotency_key_reused"


def _valid_key(value: str) -> bool:
    return 0 < len(value) <= MAX_LENGTH and value.isascii() and value.isprintable()


def _body(request: Any) -> Any:
    data = request.data
    if hasattr(data, "lists"):  # a QueryDict (form or multipart)
        return dict(data.lists())
    return data


def request_hash(request: Any) -> str:
    """A fingerprint of what the request asks: method, path and body (keys sorted)."""
    text = json.dumps([request.method, request.path, _body(request)], sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(stored: IdempotencyKey, fingerprint: str) -> Response:
    if stored.request_hash != fingerprint:
        raise KeyReused()
    return Response(stored.response_body, status=stored.response_status,
                    headers={REPLAYED_HEADER: "true"})


def _stored(user: Any, key: str) -> IdempotencyKey | None:
    return IdempotencyKey.objects.filter(user=user, key=key).first()


def idempotent(view: Callable) -> Callable:
    """Make a DRF view method (`create`, an `@action`) honour the Idempotency-Key header."""

    @functools.wraps(view)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(self, request, *args, **kwargs)
        key = key.strip()
        if not _valid_key(key):
            raise exceptions.ValidationError({"idempotency_key": [
                _("The Idempotency-Key header must hold 1 to 255 printable ASCII characters.")]})
        fingerprint = request_hash(request)
        stored = _stored(request.user, key)
        if stored is not None:
            return _replay(stored, fingerprint)
        with transaction.atomic():
            try:
                # Claimed first: a second request with this key waits here for the first.
                with transaction.atomic():
                    record = IdempotencyKey.objects.create(
                        user=request.user, key=key, request_hash=fingerprint,
                        method=request.method, path=request.path[:300], response_status=0)
            except IntegrityError:
                record = None
            if record is not None:
                response = view(self, request, *args, **kwargs)
                if status.is_success(response.status_code):
                    record.response_status = response.status_code
                    record.response_body = json.loads(JSONRenderer().render(response.data)
                                                      or b"null")
                    record.save(update_fields=["response_status", "response_body"])
                else:
                    transaction.set_rollback(True)  # an error answer is not kept
                return response
        stored = _stored(request.user, key)  # the other request with this key has committed
        if stored is None:
            raise Conflict(_("A request with this Idempotency-Key is still running; try again "
                             "in a moment."))
        return _replay(stored, fingerprint)

    return wrapper


def keys_purge(*, now: datetime.datetime | None = None) -> str:
    """Forget the answers older than IDEMPOTENCY_KEY_HOURS (periodic, hourly)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    deleted, _detail = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return f"{deleted} idempotency keys purged"

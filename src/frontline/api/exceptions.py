"""API errors: Django's service errors become 400/403, everything carries the request id."""

from rest_framework.views import exception_handler as drf_exception_handler

from frontline.core.api import as_drf_error


def exception_handler(exc, context):
    response = drf_exception_handler(as_drf_error(exc), context)
    if response is not None:
        request = context.get("request")
        request_id = getattr(getattr(request, "_request", None), "request_id", "")
        if isinstance(response.data, dict) and request_id:
            response.data.setdefault("request_id", request_id)
    return response

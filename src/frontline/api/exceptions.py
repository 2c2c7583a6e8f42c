"""API errors: Django's service errors become 400/403, every error is JSON and carries the
request id, and an address under /api/ that matches no endpoint answers a JSON 404 too."""

from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework.exceptions import APIException, ErrorDetail, NotFound, ParseError
from rest_framework.renderers import JSONRenderer
from rest_framework.views import exception_handler as drf_exception_handler

from frontline.core.api import as_drf_error


def _plain(exc):
    """Errors whose text would leak internals or come untranslated, in the API's own words:
    a 404 never names the model (an object out of scope answers like one that does not
    exist), and a body that cannot be parsed says so in the user's language."""
    if isinstance(exc, Http404):
        return NotFound()
    if isinstance(exc, ParseError) and str(exc.detail).startswith(("JSON parse error",
                                                                   "Multipart form parse")):
        return ParseError(_("The request body could not be read: it is not well-formed "
                            "JSON (or form data). Check the quotes, commas and brackets."))
    return exc


MESSAGE_MAX_CHARS = 300


def _shortened(data):
    """Error messages cut to MESSAGE_MAX_CHARS: a message that quotes the value sent (an
    unknown code) must not send a 100 KB value back."""
    if isinstance(data, dict):
        return {key: _shortened(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_shortened(value) for value in data]
    if isinstance(data, str) and len(data) > MESSAGE_MAX_CHARS:
        short = data[:MESSAGE_MAX_CHARS - 1] + "…"
        return ErrorDetail(short, code=data.code) if isinstance(data, ErrorDetail) else short
    return data


def exception_handler(exc, context):
    response = drf_exception_handler(_plain(as_drf_error(exc)), context)
    if response is not None:
        response.data = _shortened(response.data)
        request = context.get("request")
        if request is not None and not isinstance(getattr(request, "accepted_renderer", None),
                                                  JSONRenderer):
            # An error is JSON even where a file (?format=xlsx, a PDF) was asked for: the
            # file renderers pass bytes through and would send the dict's keys as the file.
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        request_id = getattr(getattr(request, "_request", None), "request_id", "")
        if isinstance(response.data, dict) and request_id:
            response.data.setdefault("request_id", request_id)
    return response


def server_error(request):
    """The site's 500 handler: JSON with the request id under /api/, the error page elsewhere
    (the id is what the administrator looks for in the log)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(APIException.default_detail),
                             "request_id": getattr(request, "request_id", "")}, status=500)
    return defaults.server_error(request)


def page_not_found(request, exception):
    """The site's 404 handler: the API's JSON error under /api/, the 404 page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(NotFound.default_detail),
                             "request_id": getattr(request, "request_id", "")}, status=404)
    return defaults.page_not_found(request, exception)

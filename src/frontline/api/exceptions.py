"""API errors: Django's service errors become 400/403, every error is JSON and carries the
request id, and an address under /api/ that matches no endpoint answers a JSON 404 too."""

from django.http import JsonResponse
from django.views import defaults
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.views import exception_handler as drf_exception_handler

from frontline.core.api import as_drf_error


def exception_handler(exc, context):
    response = drf_exception_handler(as_drf_error(exc), context)
    if response is not None:
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


def page_not_found(request, exception):
    """The site's 404 handler: the API's JSON error under /api/, the 404 page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(NotFound.default_detail),
                             "request_id": getattr(request, "request_id", "")}, status=404)
    return defaults.page_not_found(request, exception)

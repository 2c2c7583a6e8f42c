"""A query string holding a NUL character answers 400 under /api/, before any view reads it:
PostgreSQL can neither store nor compare text holding NUL (it raises instead of finding
nothing). Bodies are checked by the API's parsers (frontline.api.parsers)."""

from django.core.validators import ProhibitNullCharactersValidator
from django.http import JsonResponse


class RejectNulQueryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/") and any(
                "\x00" in key or any("\x00" in value for value in values)
                for key, values in request.GET.lists()):
            return JsonResponse({"detail": str(ProhibitNullCharactersValidator.message),
                                 "request_id": getattr(request, "request_id", "")}, status=400)
        return self.get_response(request)

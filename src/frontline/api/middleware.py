"""A path or query string holding a NUL character answers 400, before any view reads it: PostgreSQL
can neither store nor compare text holding NUL (it raises instead of finding nothing, and a
staff list filtered by `?q=%00` would answer 500). Under /api/ the answer is JSON, elsewhere
the 400 page. Bodies are checked by the API's parsers (frontline.api.parsers) and by forms
(Django's fields refuse NUL)."""

from django.core.validators import ProhibitNullCharactersValidator
from django.http import JsonResponse
from django.shortcuts import render


class RejectNulQueryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
                "\x00" in key or any("\x00" in value for value in values)
                for key, values in request.GET.lists()):
            message = str(ProhibitNullCharactersValidator.message)
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message,
                                     "request_id": getattr(request, "request_id", "")},
                                    status=400)
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)

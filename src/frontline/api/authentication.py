"""Session authentication for the API that also demands the second factor where required."""

from rest_framework.authentication import SessionAuthentication

from frontline.accounts.middleware import two_factor_required


class VerifiedSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if two_factor_required(user) and not request._request.user.is_verified():
            return None
        return result

"""OpenAPI descriptions of Frontline's authentication classes for drf-spectacular."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "frontline.accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Personal API token: `Token fl_…` (or `Bearer fl_…`). Create one on "
                           "your account page; it acts with your roles and scope.",
        }


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "frontline.api.authentication.VerifiedSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid",
                "description": "The staff site's session (after two-step verification)."}

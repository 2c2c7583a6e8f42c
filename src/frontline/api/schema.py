"""OpenAPI descriptions for drf-spectacular: the authentication classes, the error responses
every operation can give (the body shapes of `frontline.api.exceptions`), and read-only fields
as DRF really sends them (blank, null). DEFAULT_SCHEMA_CLASS is FrontlineAutoSchema."""

import copy

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

# Errors are JSON whatever the operation renders (see frontline.api.exceptions).
ERROR_MEDIA_TYPES = ["application/json"]


class ErrorSerializer(serializers.Serializer):
    """An error with one message, and the request id to quote to support."""

    detail = serializers.CharField()
    request_id = serializers.CharField(required=False)


class ValidationErrorSerializer(serializers.Serializer):
    """Invalid input: the messages by field name (`non_field_errors` for the request as a
    whole, `detail` when the body could not be read), and the request id."""


class ValidationErrorScheme(OpenApiSerializerExtension):
    """A field of a nested or list serializer holds its own errors: free-form values."""

    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema, direction):
        return {
            "type": "object",
            "description": ValidationErrorSerializer.__doc__.replace("\n    ", " "),
            "properties": {
                "non_field_errors": {"type": "array", "items": {"type": "string"}},
                "detail": {"type": "string"},
                "request_id": {"type": "string"},
            },
            "additionalProperties": {},
        }


def _as_sent(field):
    """A read-only field as DRF sends it, for the schema: DRF drops `allow_blank` from a
    read-only model field yet sends a blank value as "", and sends null where the model field,
    or a relation on the way to it, is empty."""
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    if not field.read_only or model is None or not field.source or field.source == "*":
        return field
    blank = null = False
    for name in field.source.split("."):
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return field
        if not model_field.concrete or model_field.many_to_many:
            return field
        null = null or model_field.null
        blank = model_field.blank and not model_field.is_relation
        model = model_field.related_model
        if model is None:
            break
    add_blank = blank and getattr(field, "allow_blank", None) is False
    add_null = null and not field.allow_null
    if not (add_blank or add_null):
        return field
    field = copy.copy(field)
    if add_blank:
        field.allow_blank = True
    if add_null:
        field.allow_null = True
    return field


class FrontlineAutoSchema(AutoSchema):
    """Documents, on every operation, the errors the API assembly can answer: 400 for invalid
    input (a body or a query parameter), 401/403 where credentials are needed, 404 for an object
    (or a page) outside the caller's scope, 413/415 for a body too large or of an unknown media
    type, 429 when throttled. A code the operation describes itself keeps its description (and
    gets the error body if it had none). Read-only fields are described as DRF sends them."""

    ERRORS = {
        "400": (ValidationErrorSerializer, "Invalid input."),
        "401": (ErrorSerializer, "No valid credentials (see the security schemes)."),
        "403": (ErrorSerializer, "Your roles do not allow this."),
        "404": (ErrorSerializer, "Not found, or outside your scope (the same answer)."),
        "413": (ErrorSerializer, "The body is larger than Frontline accepts."),
        "415": (ErrorSerializer, "The body is not in one of the documented media types."),
        "429": (ErrorSerializer, "Too many requests: retry after the given seconds."),
    }

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        return super()._map_serializer_field(_as_sent(field), direction, bypass_extensions)

    def _insert_field_validators(self, field, schema):
        return super()._insert_field_validators(_as_sent(field), schema)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            serializer, description = self.ERRORS[code]
            responses.setdefault(code, self._get_response_for_code(
                OpenApiResponse(serializer, description), code, ERROR_MEDIA_TYPES, direction))
        for code, response in responses.items():
            if code >= "400" and "content" not in response:
                serializer = ValidationErrorSerializer if code == "400" else ErrorSerializer
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(serializer, response["description"]), code,
                    ERROR_MEDIA_TYPES, direction)
        return dict(sorted(responses.items()))

    def _error_codes(self) -> list[str]:
        codes = []
        queries = {p["name"] for p in self._get_parameters() if p["in"] == "query"}
        if self.method in ("POST", "PUT", "PATCH") or queries:  # NUL: frontline.core.middleware
            codes.append("400")
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("413")  # frontline.core.middleware.RequestSizeLimitMiddleware
            if self.get_request_serializer() is not None:
                codes.append("415")
        if self.view.get_authenticators():
            codes.append("401")
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            codes.append("403")
        # A list answers 404 for a page past its end; DRF's `?format=` override answers 404
        # for a format the operation does not render.
        if ("{" in self.path or (self._is_list_view() and self._get_paginator())
                or "format" in queries):
            codes.append("404")
        if self.view.get_throttles():
            codes.append("429")
        return codes


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

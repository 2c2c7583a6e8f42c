"""The traveller portal's public API (no account): pre-register, read and change a registration
through its signed personal link. Errors come in the language of `Accept-Language` (one of the
13 traveller languages), like the portal pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import translation
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from frontline.api.schema import ValidationErrorSerializer
from frontline.arrivals import selectors, services
from frontline.portal.forms import SEXES, SYMPTOMS, TRAVEL_MODES
from frontline.portal.views import best_language, error_messages, message_for


class PortalRegistrationSerializer(serializers.Serializer):
    transfer_point = serializers.IntegerField(required=False,
                                              help_text="Arrival point id (default: the first).")
    travel_mode = serializers.ChoiceField(choices=[c for c, _l in TRAVEL_MODES],
                                          required=False)
    carrier_number = serializers.CharField(max_length=12, required=False, allow_blank=True)
    travel_date = serializers.DateField(required=False)
    seat = serializers.CharField(max_length=8, required=False, allow_blank=True)
    departure_country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    visited_countries = serializers.ListField(child=serializers.CharField(max_length=2),
                                              required=False, max_length=30)
    mrz = serializers.CharField(max_length=200, required=False, allow_blank=True)
    family_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    given_names = serializers.CharField(max_length=150, required=False, allow_blank=True)
    sex = serializers.ChoiceField(choices=[c for c, _l in SEXES], required=False)
    birth_date = serializers.DateField(required=False, allow_null=True)
    nationality = serializers.CharField(max_length=2, required=False, allow_blank=True)
    doc_type = serializers.CharField(max_length=30, required=False, help_text=(
        "passport, hk_macau_permit, taiwan_permit, diplomatic_id or other"))
    doc_number = serializers.CharField(max_length=40, required=False, allow_blank=True,
                                       write_only=True)
    doc_country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    doc_expiry = serializers.DateField(required=False, allow_null=True)
    destination = serializers.CharField(max_length=12, required=False, allow_blank=True)
    destination_address = serializers.CharField(max_length=300, required=False,
                                                allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    symptoms = serializers.ListField(child=serializers.ChoiceField(
        choices=[c for c, _l in SYMPTOMS]), required=False)
    temperature = serializers.DecimalField(max_digits=4, decimal_places=1, required=False,
                                           allow_null=True)
    guardian_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    guardian_consent = serializers.BooleanField(required=False)
    commitment_signed = serializers.BooleanField(required=False)
    sensitive_consent = serializers.BooleanField(required=False)


class PortalPassSerializer(serializers.Serializer):
    reference = serializers.CharField(help_text="The short code to show at the desk.")
    qr_text = serializers.CharField(help_text="The signed text of the QR pass.")
    link = serializers.CharField(help_text="The signed personal link's token.")
    status = serializers.CharField()
    editable = serializers.BooleanField()
    family_name = serializers.CharField()
    given_names = serializers.CharField()
    travel_date = serializers.DateField()
    carrier_number = serializers.CharField()
    doc_number_masked = serializers.CharField()


def _pass(arrival) -> dict:
    return {"reference": services.format_reference(arrival.reference),
            "qr_text": services.pass_token(arrival), "link": services.edit_token(arrival),
            "status": arrival.status, "editable": arrival.editable,
            "family_name": arrival.family_name, "given_names": arrival.given_names,
            "travel_date": arrival.travel_date, "carrier_number": arrival.carrier_number,
            "doc_number_masked": arrival.doc_number_masked}


def _errors(exc: ValidationError) -> dict:
    """A service's errors as the traveller's messages (by code), in the active language."""
    if hasattr(exc, "error_dict"):
        return {field: [message_for(e.code or "") for e in errors]
                for field, errors in exc.error_dict.items()}
    return {"non_field_errors": [message_for(e.code or "") for e in exc.error_list]}


LINK_NOT_VALID = OpenApiResponse(ValidationErrorSerializer, "The link is not valid or has expired.")


class PortalThrottle(AnonRateThrottle):
    scope = "anon"


class PortalRegistrationViewSet(viewsets.ViewSet):
    """Pre-register an arrival (no account) and read or change it with its personal link."""

    unscoped_reason = ("public: a traveller reaches only the registration named by the "
                       "signed link they were given")
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = [PortalThrottle]
    lookup_field = "token"
    lookup_value_regex = r"[^/]+"

    def _language(self, request) -> str:
        return best_language(request)

    def _data(self, validated: dict) -> dict:
        data = dict(validated)
        data.pop("transfer_point", None)
        for name in ("mrz", "destination", "doc_number"):
            if not data.get(name):
                data.pop(name, None)
        return data

    @extend_schema(request=PortalRegistrationSerializer, responses={201: PortalPassSerializer})
    def create(self, request):
        lang = self._language(request)
        with translation.override(lang):
            body = PortalRegistrationSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            points = selectors.public_transfer_points()
            wanted = body.validated_data.get("transfer_point")
            point = next((p for p in points if wanted in (None, p.pk)), None)
            if point is None:
                return Response({"transfer_point": [error_messages()["closed"]]},
                                status=status.HTTP_400_BAD_REQUEST)
            data = self._data(body.validated_data)
            data["language"] = lang
            try:
                arrival = services.arrival_preregister(transfer_point=point, data=data)
            except ValidationError as exc:
                return Response(_errors(exc), status=status.HTTP_400_BAD_REQUEST)
            return Response(PortalPassSerializer(_pass(arrival)).data,
                            status=status.HTTP_201_CREATED)

    def _arrival(self, token: str):
        try:
            return selectors.arrival_for_traveller(token=token), None
        except ValidationError as exc:
            return None, Response(_errors(exc), status=status.HTTP_404_NOT_FOUND)

    @extend_schema(responses={200: PortalPassSerializer, 404: LINK_NOT_VALID})
    def retrieve(self, request, token=None):
        with translation.override(self._language(request)):
            arrival, error = self._arrival(token)
            if error is not None:
                return error
            return Response(PortalPassSerializer(_pass(arrival)).data)

    @extend_schema(request=PortalRegistrationSerializer,
                   responses={200: PortalPassSerializer, 404: LINK_NOT_VALID,
                              409: OpenApiResponse(ValidationErrorSerializer,
                                                   "The registration can no longer be changed.")})
    def partial_update(self, request, token=None):
        with translation.override(self._language(request)):
            arrival, error = self._arrival(token)
            if error is not None:
                return error
            body = PortalRegistrationSerializer(data=request.data, partial=True)
            body.is_valid(raise_exception=True)
            try:
                arrival = services.arrival_traveller_update(
                    arrival=arrival, data=self._data(body.validated_data))
            except ValidationError as exc:
                code = status.HTTP_409_CONFLICT if any(
                    e.code == "not_editable" for e in getattr(exc, "error_list", [])) \
                    else status.HTTP_400_BAD_REQUEST
                return Response(_errors(exc), status=code)
            return Response(PortalPassSerializer(_pass(arrival)).data)


ROUTES = [("portal/registrations", PortalRegistrationViewSet, "portalregistration")]

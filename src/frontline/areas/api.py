"""REST endpoints for jurisdictions (read, English name) and places (read, create, update)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from frontline.areas import services
from frontline.areas.models import Jurisdiction, Level, Place, PlaceKind
from frontline.core.api import ScopedModelViewSet, ScopedReadOnlyViewSet, as_drf_error
from frontline.core.permissions import Action


class JurisdictionSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", read_only=True, allow_null=True,
                                        default=None)

    class Meta:
        model = Jurisdiction
        fields = ["id", "code", "name", "name_en", "level", "parent_code", "is_active"]
        read_only_fields = fields


class PlaceSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Jurisdiction.objects.none(),  # scoped-ok: replaced by restrict() in __init__
        help_text="Division code of the responsible jurisdiction (must be in your scope).",
    )
    location = serializers.SlugRelatedField(
        slug_field="code",
        # Where a place physically is may lie outside one's own jurisdiction.
        queryset=Jurisdiction.objects.filter(is_active=True),  # scoped-ok
        required=False, allow_null=True,
        help_text="Division code of where the place physically is.",
    )

    class Meta:
        model = Place
        fields = ["id", "name", "name_en", "kind", "jurisdiction", "location", "address",
                  "capacity", "contact_name", "contact_phone", "is_active", "created_at",
                  "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "jurisdiction" in self.fields:
            self.fields["jurisdiction"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
                request.user, Action.CONFIGURE)


@extend_schema_view(
    list=extend_schema(parameters=[
        OpenApiParameter("level", str, enum=Level.values),
        OpenApiParameter("parent", str, description="Parent division code"),
        OpenApiParameter("q", str, description="Name or code prefix"),
    ]),
)
class JurisdictionViewSet(ScopedReadOnlyViewSet):
    """The division tree within your scope."""

    # scoped-ok: restricted in get_queryset
    queryset = Jurisdiction.objects.select_related("parent").order_by("code")  # scoped-ok
    serializer_class = JurisdictionSerializer
    lookup_field = "code"
    lookup_value_regex = r"[0-9]{2,12}"

    def get_queryset(self):
        qs = super().get_queryset()
        params = self.request.query_params
        if params.get("level"):
            qs = qs.filter(level=params["level"])
        if params.get("parent"):
            qs = qs.filter(parent__code=params["parent"])
        if params.get("q"):
            from django.db.models import Q

            qs = qs.filter(Q(name__icontains=params["q"]) | Q(code__startswith=params["q"]))
        return qs


@extend_schema_view(
    list=extend_schema(parameters=[
        OpenApiParameter("kind", str, enum=PlaceKind.values),
        OpenApiParameter("q", str, description="Name or address contains"),
    ]),
)
class PlaceViewSet(ScopedModelViewSet):
    """Places in your scope. Creating or changing one needs the configure action there."""

    queryset = Place.objects.select_related(  # scoped-ok: restricted in get_queryset
        "jurisdiction", "location").order_by("jurisdiction_code", "name", "id")
    serializer_class = PlaceSerializer
    write_action = Action.CONFIGURE

    def get_queryset(self):
        qs = super().get_queryset()
        params = self.request.query_params
        if params.get("kind"):
            qs = qs.filter(kind=params["kind"])
        if params.get("q"):
            qs = qs.filter(name__icontains=params["q"])
        return qs

    def perform_create(self, serializer):
        try:
            serializer.instance = services.place_create(actor=self.request.user,
                                                        **serializer.validated_data)
        except ValidationError as exc:
            raise as_drf_error(exc) from exc

    def perform_update(self, serializer):
        try:
            serializer.instance = services.place_update(
                actor=self.request.user, place=serializer.instance, **serializer.validated_data)
        except ValidationError as exc:
            raise as_drf_error(exc) from exc


ROUTES = [
    ("jurisdictions", JurisdictionViewSet, "jurisdiction"),
    ("places", PlaceViewSet, "place"),
]

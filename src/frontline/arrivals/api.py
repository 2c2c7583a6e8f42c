"""REST endpoints of the transfer point: arrivals (register, scan, check in, cancel, issue the
notice, the board), sorting rules, hand-over batches and receipts, arrival lists, and the
diplomatic identity-document reference."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from frontline.areas.models import Jurisdiction, Place
from frontline.arrivals import selectors, services
from frontline.arrivals.models import (
    Arrival,
    ArrivalCategory,
    ArrivalImport,
    ArrivalStatus,
    Disposition,
    HandoverBatch,
    IdentityReference,
    SortingRule,
    Symptom,
    TravelMode,
)
from frontline.core.api import (
    CachedFieldsMixin,
    ScopedModelViewSet,
    ScopedReadOnlyViewSet,
    as_drf_error,
)
from frontline.core.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from frontline.core.models import scope_for
from frontline.core.permissions import Action
from frontline.people.models import DocumentType


def _service(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except ValidationError as exc:
        raise as_drf_error(exc) from exc


class DivisionCodeField(serializers.SlugRelatedField):
    """A division named by its code: passed on as the code, which the service looks up in the
    divisions kept per process, reading their version with the sorting rules' (the desk
    names a destination on every check-in); an unknown code is refused there, on this
    field."""

    def to_internal_value(self, data):
        if not (isinstance(data, str) and data.isdigit() and len(data) <= 12):
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:40])
        return data


class ArrivalSerializer(CachedFieldsMixin, serializers.ModelSerializer):
    transfer_point = serializers.PrimaryKeyRelatedField(
        queryset=Place.objects.none(), required=False,  # scoped-ok: restricted in __init__
        help_text="The transfer point registering the arrival (defaults to yours).")
    destination = DivisionCodeField(
        slug_field="code", queryset=Jurisdiction.objects.all(),  # scoped-ok: any destination
        required=False, allow_null=True,
        help_text="Division code of the destination community (or a district for a transfer).")
    doc_number = serializers.CharField(write_only=True, required=False, max_length=40,
                                       help_text="The full document number (write only).")
    mrz = serializers.CharField(write_only=True, required=False, max_length=200,
                                help_text="MRZ lines: fill and verify the document fields.")
    # Country codes as plain text (ISO 3166 alpha-2): the service checks them, and the API
    # does not build four 250-entry choice lists on every request.
    departure_country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    nationality = serializers.CharField(max_length=2, required=False, allow_blank=True)
    doc_country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    visited_countries = serializers.ListField(child=serializers.CharField(max_length=3),
                                              required=False, max_length=30)
    symptoms = serializers.ListField(child=serializers.ChoiceField(choices=Symptom.choices),
                                     required=False)
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=[ArrivalCategory.DIPLOMAT]), required=False)
    doc_type = serializers.ChoiceField(choices=DocumentType.choices, required=False)
    travel_mode = serializers.ChoiceField(choices=TravelMode.choices, required=False)
    suggested_disposition = serializers.CharField(read_only=True,
                                                  help_text="A disposition value (see disposition).")
    check_in = serializers.BooleanField(write_only=True, required=False, default=False,
                                        help_text="Check the new arrival in at once (the "
                                                  "suggested disposition).")
    version = serializers.IntegerField(required=False,
                                       help_text="Send the version you read with a change: a "
                                                 "change based on an outdated copy answers 409.")

    class Meta:
        model = Arrival
        fields = ["id", "reference", "status", "source", "transfer_point", "destination",
                  "destination_place", "jurisdiction_code", "language", "travel_mode",
                  "carrier_number", "travel_date", "seat", "departure_country",
                  "visited_countries", "destination_address", "phone", "family_name",
                  "given_names", "sex", "birth_date", "nationality", "doc_type", "doc_number",
                  "doc_number_masked", "doc_country", "doc_expiry", "mrz", "mrz_verified",
                  "categories", "symptoms", "temperature", "suggested_disposition",
                  "suggested_rule", "disposition", "override_reason", "person", "checked_in_at",
                  "batch", "received_at", "check_in", "version", "created_at"]
        read_only_fields = ["id", "reference", "status", "source", "destination_place",
                            "jurisdiction_code", "doc_number_masked", "mrz_verified",
                            "suggested_disposition", "suggested_rule", "disposition",
                            "override_reason", "person", "checked_in_at", "batch",
                            "received_at", "created_at"]
        extra_kwargs = {"travel_date": {"required": False}, "family_name": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        data = kwargs.get("data")
        if request is not None and isinstance(data, dict) and data.get("transfer_point"):
            self.fields["transfer_point"].queryset = selectors.transfer_points(
                actor=request.user)


SERVICE_FIELDS = services.ARRIVAL_FIELDS


def _data(validated: dict) -> dict:
    data = {k: v for k, v in validated.items() if k in SERVICE_FIELDS}
    for name in ("departure_country", "nationality", "doc_country"):
        if name in data:
            data[name] = str(data[name] or "")
    return data


class ArrivalCheckInSerializer(serializers.Serializer):
    destination = serializers.CharField(required=False, allow_blank=True, max_length=12,
                                        help_text="Division code of the destination.")
    disposition = serializers.ChoiceField(choices=Disposition.choices, required=False)
    hotel = serializers.IntegerField(required=False, allow_null=True)
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=300)
    mrz = serializers.CharField(required=False, allow_blank=True, max_length=200)
    pass_text = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                      help_text="The scanned QR text, checked to be this one's.")


class ArrivalPartyCheckInSerializer(serializers.Serializer):
    checked_in = ArrivalSerializer(many=True, help_text="The members checked in by this step.")


class ArrivalScanSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=200, help_text="Scanned QR text or short code.")


class ArrivalCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class ArrivalBoardSerializer(serializers.Serializer):
    day = serializers.DateField()
    columns = serializers.ListField(child=serializers.CharField())
    totals = serializers.DictField(child=serializers.IntegerField())
    hours = serializers.ListField(child=serializers.DictField())
    destinations = serializers.ListField(child=serializers.DictField())


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("status", str, enum=[*ArrivalStatus.values, "waiting"]),
    OpenApiParameter("day", str, description="Arrival date, YYYY-MM-DD"),
    OpenApiParameter("q", str, description="Short code, family name, flight or document no."),
]))
class ArrivalViewSet(ScopedModelViewSet):
    """Arrivals in your scope: the desk sees what it registered until the destination receives
    it; the destination sees its own. Writes go through the arrivals services."""

    queryset = Arrival.objects.all()  # scoped-ok: restricted in get_queryset
    serializer_class = ArrivalSerializer

    def get_queryset(self):
        super().get_queryset()
        p = self.request.query_params
        day = None
        if p.get("day"):
            import datetime

            try:
                day = datetime.date.fromisoformat(p["day"])
            except ValueError:
                day = None
        return selectors.arrival_list(actor=self.request.user, action=self.get_action(),
                                      status=p.get("status", ""), day=day,
                                      query=p.get("q", "")[:60])

    @extend_schema(parameters=[IDEMPOTENCY_PARAMETER])
    @idempotent
    def create(self, request, *args, **kwargs):
        """Register an arrival at the desk; with `check_in`, check it in at once. Send an
        `Idempotency-Key` to retry safely after a timeout."""
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        fields = _data(data)
        if data.get("destination") is not None:
            fields["destination"] = data["destination"]
        serializer.instance = _service(
            services.arrival_register, actor=self.request.user,
            transfer_point=data.get("transfer_point"), data=fields,
            check_in=bool(data.get("check_in")))

    def perform_update(self, serializer):
        fields = _data(serializer.validated_data)
        if "destination" in serializer.validated_data:
            fields["destination"] = serializer.validated_data["destination"]
        serializer.instance = _service(services.arrival_update, actor=self.request.user,
                                       arrival=serializer.instance, data=fields,
                                       expected_version=serializer.validated_data.get("version"))

    def get_action(self):
        if self.action in ("scan", "board", "pass_code"):
            return Action.VIEW
        return super().get_action()

    @extend_schema(request=ArrivalCheckInSerializer, responses={200: ArrivalSerializer},
                   parameters=[IDEMPOTENCY_PARAMETER])
    @action(detail=True, methods=["post"], url_path="check-in")
    @idempotent
    def check_in(self, request, pk=None):
        arrival = self.get_object()
        body = ArrivalCheckInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        destination = hotel = None
        if data.get("destination"):
            destination = Jurisdiction.objects.filter(  # scoped-ok: a destination, any office
                code=data["destination"], is_active=True).first()
            if destination is None:
                raise serializers.ValidationError({"destination": [_("Unknown division code.")]})
        if data.get("hotel"):
            hotel = selectors.hotels(actor=request.user).filter(pk=data["hotel"]).first()
            if hotel is None:
                raise serializers.ValidationError({"hotel": [_("Unknown observation hotel.")]})
        arrival = _service(services.arrival_check_in, actor=request.user, arrival=arrival,
                           destination=destination, hotel=hotel,
                           disposition=data.get("disposition", ""),
                           override_reason=data.get("override_reason", ""),
                           mrz=data.get("mrz", ""), pass_text=data.get("pass_text", ""))
        return Response(ArrivalSerializer(arrival, context={"request": request}).data)

    @extend_schema(request=None, responses={200: ArrivalPartyCheckInSerializer},
                   parameters=[IDEMPOTENCY_PARAMETER])
    @action(detail=True, methods=["post"], url_path="check-in-party")
    @idempotent
    def check_in_party(self, request, pk=None):
        """Check in everyone still waiting in the party this arrival travels with (the lead,
        companions and children), each with their own suggested disposition, in one step.
        All or nothing: a member who cannot be checked in so refuses the step (400, naming
        them). Answers the arrivals checked in."""
        arrival = self.get_object()
        done = _service(services.arrival_check_in_party, actor=request.user, arrival=arrival)
        return Response({"checked_in": ArrivalSerializer(done, many=True,
                                                         context={"request": request}).data})

    @extend_schema(request=ArrivalScanSerializer, responses={200: ArrivalSerializer})
    @action(detail=False, methods=["post"])
    def scan(self, request):
        body = ArrivalScanSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        arrival = _service(services.arrival_find_by_pass, actor=request.user,
                           text=body.validated_data["code"])
        return Response(ArrivalSerializer(arrival, context={"request": request}).data)

    @extend_schema(request=ArrivalCancelSerializer, responses={200: ArrivalSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        arrival = self.get_object()
        body = ArrivalCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        arrival = _service(services.arrival_cancel, actor=request.user, arrival=arrival,
                           reason=body.validated_data["reason"])
        return Response(ArrivalSerializer(arrival, context={"request": request}).data)

    @extend_schema(request=None, responses={201: inline_serializer(
        "IssuedNotice", {"id": serializers.IntegerField(), "serial": serializers.CharField()})})
    @action(detail=True, methods=["post"])
    def notice(self, request, pk=None):
        arrival = self.get_object()
        document = _service(services.arrival_issue_notice, actor=request.user, arrival=arrival)
        return Response({"id": document.pk, "serial": document.serial},
                        status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: inline_serializer(
        "ArrivalPass", {"reference": serializers.CharField(), "pass": serializers.CharField()})})
    @action(detail=True, methods=["get"], url_path="pass")
    def pass_code(self, request, pk=None):
        arrival = self.get_object()
        return Response({"reference": services.format_reference(arrival.reference),
                         "pass": services.pass_token(arrival)})

    @extend_schema(parameters=[OpenApiParameter("day", str)], responses={200: ArrivalBoardSerializer})
    @action(detail=False, methods=["get"])
    def board(self, request):
        import datetime

        day = None
        try:
            day = datetime.date.fromisoformat(request.query_params.get("day", ""))
        except ValueError:
            day = None
        return Response(ArrivalBoardSerializer(selectors.board_counts(actor=request.user,
                                                               day=day)).data)


class SortingRuleSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.SlugRelatedField(
        slug_field="code", queryset=Jurisdiction.objects.none())  # scoped-ok: see __init__
    transfer_to = serializers.SlugRelatedField(
        slug_field="code", queryset=Jurisdiction.objects.all(),  # scoped-ok: any district
        required=False, allow_null=True)
    countries = serializers.ListField(child=serializers.CharField(max_length=3), required=False)
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=ArrivalCategory.choices), required=False)

    class Meta:
        model = SortingRule
        fields = ["id", "jurisdiction", "name", "priority", "effective_from", "effective_to",
                  "destination_prefix", "countries", "categories", "disposition", "hotel",
                  "transfer_to", "is_active"]
        read_only_fields = ["id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["jurisdiction"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
                request.user, Action.CONFIGURE)
            self.fields["hotel"].queryset = Place.objects.restrict(  # scoped-ok
                request.user, Action.VIEW)


class SortingRuleViewSet(ScopedModelViewSet):
    """The office's sorting rules, by priority, with effective dates."""

    queryset = SortingRule.objects.select_related("hotel", "transfer_to")  # scoped-ok
    serializer_class = SortingRuleSerializer
    write_action = Action.CONFIGURE

    def _save(self, serializer, rule=None):
        data = dict(serializer.validated_data)
        jurisdiction = data.pop("jurisdiction", getattr(rule, "jurisdiction", None))
        serializer.instance = _service(services.rule_save, actor=self.request.user,
                                       jurisdiction=jurisdiction, rule=rule, **data)

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)


class HandoverBatchSerializer(serializers.ModelSerializer):
    arrivals = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Arrival.objects.none(),  # scoped-ok: restricted in __init__
        help_text="Checked-in arrivals bound for the destination.")
    destination = serializers.SlugRelatedField(
        slug_field="code", queryset=Jurisdiction.objects.all(),  # scoped-ok: validated by the
        required=False)  # service against every arrival
    confirm_within_minutes = serializers.IntegerField(write_only=True, required=False,
                                                      min_value=5, max_value=1440)

    class Meta:
        model = HandoverBatch
        fields = ["id", "reference", "transfer_point", "destination", "destination_place",
                  "jurisdiction_code", "vehicle", "escort", "status", "departed_at",
                  "confirm_by", "confirmed_at", "alerted_at", "arrivals",
                  "confirm_within_minutes"]
        read_only_fields = ["id", "reference", "transfer_point", "jurisdiction_code", "status",
                            "departed_at", "confirm_by", "confirmed_at", "alerted_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["arrivals"].child_relation.queryset = Arrival.objects.restrict(  # scoped-ok
                request.user, Action.VIEW)
            self.fields["destination_place"].queryset = selectors.hotels(actor=request.user)


class HandoverReceiveSerializer(serializers.Serializer):
    received = serializers.ListField(child=serializers.IntegerField(), required=False)
    missing = serializers.ListField(child=serializers.IntegerField(), required=False)


class HandoverBatchViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Hand-over batches: the desk creates them; the destination confirms each person."""

    queryset = HandoverBatch.objects.select_related("destination")  # scoped-ok: get_queryset
    serializer_class = HandoverBatchSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = _service(
            services.batch_create, actor=self.request.user, arrivals=data["arrivals"],
            destination=data.get("destination"), hotel=data.get("destination_place"),
            vehicle=data.get("vehicle", ""), escort=data.get("escort", ""),
            confirm_within_minutes=data.get("confirm_within_minutes"))

    @extend_schema(request=HandoverReceiveSerializer, responses={200: HandoverBatchSerializer})
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        batch = self.get_object()
        body = HandoverReceiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        batch = _service(services.batch_receive, actor=request.user, batch=batch,
                         received=body.validated_data.get("received", []),
                         missing=body.validated_data.get("missing", []))
        return Response(HandoverBatchSerializer(batch, context={"request": request}).data)

    def get_action(self):
        return Action.VIEW if self.action == "receive" else super().get_action()


class ArrivalListProgressSerializer(serializers.Serializer):
    rows_done = serializers.IntegerField()
    rows_total = serializers.IntegerField()
    percent = serializers.IntegerField(min_value=0, max_value=100)
    running = serializers.BooleanField()


class ArrivalImportSerializer(serializers.ModelSerializer):
    file = serializers.FileField(write_only=True)
    progress = serializers.SerializerMethodField(
        help_text="Rows read so far while the list is waiting or being read.")

    class Meta:
        model = ArrivalImport
        fields = ["id", "transfer_point", "file_name", "status", "message", "rows_total",
                  "created", "errors", "created_at", "progress", "file"]
        read_only_fields = ["id", "file_name", "status", "message", "rows_total", "created",
                            "errors", "created_at"]

    @extend_schema_field(ArrivalListProgressSerializer)
    def get_progress(self, job):
        from frontline.arrivals.imports import progress

        return progress(job)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["transfer_point"].queryset = selectors.transfer_points(
                actor=request.user)


class ArrivalImportViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Flight manifests and arrival lists (.xlsx/.csv) that pre-create expected arrivals."""

    queryset = ArrivalImport.objects.all()  # scoped-ok: restricted in get_queryset
    serializer_class = ArrivalImportSerializer
    parser_classes = [MultiPartParser]

    def perform_create(self, serializer):
        from frontline.arrivals.imports import expected_import

        data = serializer.validated_data
        serializer.instance = _service(expected_import, actor=self.request.user,
                                       transfer_point=data["transfer_point"], upload=data["file"])


class IdentityReferenceSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.SlugRelatedField(
        slug_field="code", queryset=Jurisdiction.objects.none())  # scoped-ok: see __init__

    class Meta:
        model = IdentityReference
        fields = ["id", "jurisdiction", "title", "title_en", "description", "exempts",
                  "disposition", "order", "updated_at"]
        read_only_fields = ["id", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["jurisdiction"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
                request.user, Action.CONFIGURE)


class IdentityReferenceViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin,
                               viewsets.ReadOnlyModelViewSet):
    """The office's reference of diplomatic and consular identity documents."""

    unscoped_reason = ("reference content without personal data, read by every staff member; "
                       "writes need the configure action at the entry's office")
    queryset = IdentityReference.objects.all()  # scoped-ok: public
    serializer_class = IdentityReferenceSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if not scope_for(self.request.user, Action.VIEW).codes and not scope_for(
                self.request.user, Action.VIEW).place_ids and not self.request.user.is_superuser:
            return IdentityReference.objects.none()  # scoped-ok: public
        return selectors.reference_list()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        jurisdiction = data.pop("jurisdiction")
        serializer.instance = _service(services.reference_save, actor=self.request.user,
                                       jurisdiction=jurisdiction, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        jurisdiction = data.pop("jurisdiction", serializer.instance.jurisdiction)
        serializer.instance = _service(services.reference_save, actor=self.request.user,
                                       jurisdiction=jurisdiction, entry=serializer.instance,
                                       **data)


ROUTES = [
    ("arrivals", ArrivalViewSet, "arrival"),
    ("sorting-rules", SortingRuleViewSet, "sortingrule"),
    ("handover-batches", HandoverBatchViewSet, "handoverbatch"),
    ("arrival-imports", ArrivalImportViewSet, "arrivalimport"),
    ("identity-references", IdentityReferenceViewSet, "identityreference"),
]

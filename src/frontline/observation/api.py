"""REST endpoints of medical observation: observations (start, move, adjust, transfer, end),
rooms, health checks (one or a thousand at a time), alerts and policies."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from frontline.areas.models import Jurisdiction, Place
from frontline.core.api import ScopedModelViewSet, ScopedReadOnlyViewSet, as_drf_error
from frontline.core.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from frontline.core.permissions import Action
from frontline.observation import selectors, services
from frontline.observation.models import (
    Alert,
    HealthCheck,
    Observation,
    ObservationKind,
    ObservationPolicy,
    ObservationStatus,
    Room,
    RoomStatus,
    Symptom,
)
from frontline.people.models import Person


class ObservationSerializer(serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.none())  # scoped-ok: restricted in __init__
    jurisdiction = serializers.SlugRelatedField(
        slug_field="code", queryset=Jurisdiction.objects.none(),  # scoped-ok: see __init__
        help_text="Division code of the responsible street or community.")
    hotel = serializers.PrimaryKeyRelatedField(
        queryset=Place.objects.none(), required=False, allow_null=True)  # scoped-ok: __init__
    room = serializers.PrimaryKeyRelatedField(
        queryset=Room.objects.none(), required=False, allow_null=True)  # scoped-ok: __init__
    person_name = serializers.CharField(source="person.display_name", read_only=True)

    class Meta:
        model = Observation
        fields = ["id", "person", "person_name", "kind", "jurisdiction", "jurisdiction_code",
                  "hotel", "room", "address", "start_date", "days", "adjustment_days",
                  "end_date", "checks_per_day", "status", "ended_on", "end_reason",
                  "transfer_to_code", "certificate", "source", "created_at"]
        read_only_fields = ["id", "jurisdiction_code", "days", "adjustment_days", "end_date",
                            "checks_per_day", "status", "ended_on", "end_reason",
                            "transfer_to_code", "certificate", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            user = request.user
            self.fields["person"].queryset = Person.objects.restrict(user)  # scoped-ok
            self.fields["jurisdiction"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
                user)
            self.fields["hotel"].queryset = Place.objects.restrict(user)  # scoped-ok
            self.fields["room"].queryset = Room.objects.restrict(user)  # scoped-ok


class AdjustSerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=-60, max_value=60)
    reason = serializers.CharField(max_length=300)


class EndSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[c for c in ObservationStatus.choices
                                              if c[0] != ObservationStatus.ACTIVE])
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class TransferSerializer(serializers.Serializer):
    to = serializers.CharField(max_length=12, help_text="Division code of the receiver.")
    reason = serializers.CharField(max_length=300)


class MoveSerializer(serializers.Serializer):
    room = serializers.IntegerField()


def _call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except ValidationError as exc:
        raise as_drf_error(exc) from exc


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("status", str, enum=ObservationStatus.values),
    OpenApiParameter("kind", str, enum=ObservationKind.values),
    OpenApiParameter("hotel", int),
    OpenApiParameter("q", str, description="Name or document number of the person"),
]))
class ObservationViewSet(ScopedModelViewSet):
    """Observation periods in your scope; writes go through the observation services."""

    queryset = Observation.objects.all()  # scoped-ok: restricted in get_queryset
    serializer_class = ObservationSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action != "list":
            return qs.select_related("person")
        p = self.request.query_params
        hotel = p.get("hotel", "")
        return selectors.observation_list(
            actor=self.request.user, status=p.get("status", "") if p.get("status") in
            ObservationStatus.values else "", kind=p.get("kind") if p.get("kind") in
            ObservationKind.values else "", hotel=int(hotel) if hotel.isdigit() else None,
            query=p.get("q", "")[:100])

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = _call(
            services.observation_start, actor=self.request.user, person=d["person"],
            kind=d["kind"], jurisdiction=d["jurisdiction"], start_date=d["start_date"],
            hotel=d.get("hotel"), room=d.get("room"), address=d.get("address", ""),
            source=d.get("source", "") or "api")

    def get_action(self):
        if self.action in ("adjust", "end", "transfer", "move", "accept_transfer"):
            return Action.CHANGE
        return super().get_action()

    def _done(self, observation):
        return Response(ObservationSerializer(observation, context={"request": self.request}).data)

    @extend_schema(request=AdjustSerializer, responses={200: ObservationSerializer})
    @action(detail=True, methods=["post"])
    def adjust(self, request, pk=None):
        observation = self.get_object()  # out of scope is 404 before the body is judged
        body = AdjustSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._done(_call(services.observation_adjust, actor=request.user,
                                observation=observation, **body.validated_data))

    @extend_schema(request=EndSerializer, responses={200: ObservationSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        observation = self.get_object()  # out of scope is 404 before the body is judged
        body = EndSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._done(_call(services.observation_end, actor=request.user,
                                observation=observation, **body.validated_data))

    @extend_schema(request=TransferSerializer, responses={200: ObservationSerializer})
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        observation = self.get_object()  # out of scope is 404 before the body is judged
        body = TransferSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        to = Jurisdiction.objects.filter(  # scoped-ok: any division may receive
            code=body.validated_data["to"], is_active=True).first()
        if to is None:
            raise serializers.ValidationError({"to": [_("Unknown division code.")]})
        return self._done(_call(services.observation_transfer_request, actor=request.user,
                                observation=observation, to=to,
                                reason=body.validated_data["reason"]))

    @extend_schema(request=MoveSerializer, responses={200: ObservationSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        observation = self.get_object()  # out of scope is 404 before the body is judged
        body = MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        room = Room.objects.restrict(request.user, Action.CHANGE).filter(  # scoped-ok
            pk=body.validated_data["room"]).first()
        if room is None:
            raise serializers.ValidationError({"room": [_("No such room in your scope.")]})
        return self._done(_call(services.observation_move, actor=request.user,
                                observation=observation, room=room))

    @extend_schema(request=None, responses={200: ObservationSerializer})
    @action(detail=True, methods=["post"], url_path="accept-transfer")
    def accept_transfer(self, request, pk=None):
        # DRF's lookup: an id that is not a number is 404 too, not a server error.
        observation = get_object_or_404(selectors.incoming_transfers(actor=request.user), pk=pk)
        return self._done(_call(services.observation_transfer_accept, actor=request.user,
                                observation=observation))


class RoomSerializer(serializers.ModelSerializer):
    hotel = serializers.PrimaryKeyRelatedField(
        queryset=Place.objects.none())  # scoped-ok: restricted in __init__
    guests = serializers.SerializerMethodField()

    class Meta:
        model = Room
        fields = ["id", "hotel", "number", "floor", "kind", "beds", "status", "guests"]
        read_only_fields = ["id", "status", "guests"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["hotel"].queryset = Place.objects.restrict(  # scoped-ok
                request.user, Action.CHANGE)

    def get_guests(self, room) -> int:
        return room.observations.filter(status=ObservationStatus.ACTIVE).count()


class RoomStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RoomStatus.choices)


class RoomViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Rooms of observation hotels."""

    queryset = Room.objects.select_related("hotel")  # scoped-ok: restricted in get_queryset
    serializer_class = RoomSerializer

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = _call(services.room_create, actor=self.request.user,
                                    hotel=d["hotel"], number=d["number"], floor=d.get("floor", 1),
                                    kind=d.get("kind", "single"), beds=d.get("beds", 1))

    def get_action(self):
        return Action.CHANGE if self.action == "set_status" else super().get_action()

    @extend_schema(request=RoomStatusSerializer, responses={200: RoomSerializer})
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        room = self.get_object()  # out of scope is 404 before the body is judged
        body = RoomStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        room = _call(services.room_set_status, actor=request.user, room=room,
                     status=body.validated_data["status"])
        return Response(RoomSerializer(room, context={"request": request}).data)


class HealthCheckSerializer(serializers.ModelSerializer):
    observation = serializers.PrimaryKeyRelatedField(
        queryset=Observation.objects.none())  # scoped-ok: restricted in __init__
    symptoms = serializers.ListField(child=serializers.ChoiceField(choices=Symptom.choices),
                                     required=False)
    day = serializers.DateField(required=False, help_text="Default: from the time it is sent.")
    slot = serializers.IntegerField(required=False, min_value=0, max_value=3,
                                    help_text="0 for the first check of the day.")

    class Meta:
        model = HealthCheck
        fields = ["id", "observation", "day", "slot", "temperature", "symptoms", "note",
                  "source", "recorded_at"]
        read_only_fields = ["id", "source", "recorded_at"]
        validators = []  # the same slot twice is answered by the service (200), not refused

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["observation"].queryset = Observation.objects.restrict(  # scoped-ok
                request.user, Action.CHANGE)


class BulkCheckSerializer(serializers.Serializer):
    observation = serializers.IntegerField()
    temperature = serializers.DecimalField(max_digits=3, decimal_places=1)
    symptoms = serializers.ListField(child=serializers.CharField(max_length=20), required=False)
    day = serializers.DateField(required=False)
    slot = serializers.IntegerField(required=False)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class CheckCorrectSerializer(serializers.Serializer):
    temperature = serializers.DecimalField(max_digits=3, decimal_places=1)
    symptoms = serializers.ListField(child=serializers.ChoiceField(choices=Symptom.choices),
                                     required=False)
    reason = serializers.CharField(max_length=300, help_text="Why the check is corrected.")


class CheckWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Why the check is withdrawn.")


BulkResult = inline_serializer("HealthCheckBulkResult", {
    "observation": serializers.IntegerField(allow_null=True),
    "status": serializers.ChoiceField(choices=["created", "duplicate", "error"]),
    "id": serializers.IntegerField(required=False),
    "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                    required=False),
}, many=True)


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("observation", int), OpenApiParameter("day", str)]))
class HealthCheckViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Health checks; recording the same slot twice keeps the first (201 then 200)."""

    queryset = HealthCheck.objects.all()  # scoped-ok: restricted in get_queryset
    serializer_class = HealthCheckSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        p = self.request.query_params
        if p.get("observation", "").isdigit():
            qs = qs.filter(observation_id=int(p["observation"]))
        if p.get("day"):
            qs = qs.filter(day=p["day"][:10])
        return qs

    def get_action(self):
        if self.action in ("bulk", "correct", "withdraw"):
            return Action.CHANGE
        return super().get_action()

    @extend_schema(request=CheckCorrectSerializer, responses={200: HealthCheckSerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        """Correct the reading of a check while the observation runs, saying why (audited
        with the reason); alerts follow the corrected reading."""
        check = self.get_object()
        body = CheckCorrectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        check = _call(services.health_check_correct, actor=request.user, check=check,
                      temperature=d["temperature"], symptoms=d.get("symptoms", []),
                      reason=d["reason"])
        return Response(HealthCheckSerializer(check, context={"request": request}).data)

    @extend_schema(request=CheckWithdrawSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw a check recorded on the wrong person or slot, saying why: it is removed
        with its alerts (kept in the audit log), and its slot can be recorded again."""
        check = self.get_object()
        body = CheckWithdrawSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        _call(services.health_check_withdraw, actor=request.user, check=check,
              reason=body.validated_data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        check, created = _call(services.health_check_record, actor=request.user,
                               observation=d["observation"], temperature=d["temperature"],
                               symptoms=d.get("symptoms", []), day=d.get("day"),
                               slot=d.get("slot"), note=d.get("note", ""), source="api")
        return Response(HealthCheckSerializer(check, context={"request": request}).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=BulkCheckSerializer(many=True), responses={200: BulkResult},
                   parameters=[IDEMPOTENCY_PARAMETER])
    @action(detail=False, methods=["post"], pagination_class=None)
    @idempotent
    def bulk(self, request):
        """Up to 1,000 checks in one request; one result per check, in order."""
        if not isinstance(request.data, list):
            raise serializers.ValidationError({"non_field_errors": [
                _("Send a list of checks.")]})
        if len(request.data) > services.MAX_INGEST:
            raise serializers.ValidationError({"non_field_errors": [
                _("Send at most %(count)s checks at once.") % {"count": services.MAX_INGEST}]})
        body = BulkCheckSerializer(data=request.data, many=True)
        body.is_valid(raise_exception=True)
        results = _call(services.health_checks_ingest, actor=request.user,
                        rows=[dict(r) for r in body.validated_data])
        return Response(results)


class AlertSerializer(serializers.ModelSerializer):
    temperature = serializers.DecimalField(source="check_record.temperature", max_digits=3,
                                           decimal_places=1, read_only=True)

    class Meta:
        model = Alert
        fields = ["id", "observation", "check_record", "temperature", "kind", "status",
                  "created_at", "acknowledged_at", "closed_at", "note"]
        read_only_fields = fields


class AlertCloseSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300)


class AlertViewSet(ScopedReadOnlyViewSet):
    """Fever and symptom alerts: acknowledge, then close saying what was done."""

    queryset = Alert.objects.select_related("check_record")  # scoped-ok: get_queryset
    serializer_class = AlertSerializer

    def get_action(self):
        return Action.CHANGE if self.action in ("acknowledge", "close") else super().get_action()

    @extend_schema(request=None, responses={200: AlertSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        alert = _call(services.alert_acknowledge, actor=request.user, alert=self.get_object())
        return Response(AlertSerializer(alert).data)

    @extend_schema(request=AlertCloseSerializer, responses={200: AlertSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        alert = self.get_object()  # out of scope is 404 before the body is judged
        body = AlertCloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        alert = _call(services.alert_close, actor=request.user, alert=alert,
                      note=body.validated_data["note"])
        return Response(AlertSerializer(alert).data)


class PolicySerializer(serializers.ModelSerializer):
    jurisdiction = serializers.SlugRelatedField(
        slug_field="code", queryset=Jurisdiction.objects.none())  # scoped-ok: see __init__

    class Meta:
        model = ObservationPolicy
        fields = ["id", "jurisdiction", "days", "checks_per_day", "effective_from",
                  "effective_to", "note"]
        read_only_fields = ["id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["jurisdiction"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
                request.user, Action.CONFIGURE)


class PolicyViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Observation policies: length and checks a day, effective-dated."""

    queryset = ObservationPolicy.objects.select_related("jurisdiction")  # scoped-ok
    serializer_class = PolicySerializer
    write_action = Action.CONFIGURE

    def perform_create(self, serializer):
        serializer.instance = _call(services.policy_create, actor=self.request.user,
                                    **serializer.validated_data)


ROUTES = [
    ("observations", ObservationViewSet, "observation"),
    ("rooms", RoomViewSet, "room"),
    ("health-checks", HealthCheckViewSet, "healthcheck"),
    ("observation-alerts", AlertViewSet, "observationalert"),
    ("observation-policies", PolicyViewSet, "observationpolicy"),
]

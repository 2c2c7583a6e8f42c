"""REST endpoints of print runs and the proofreading service."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from frontline.areas.models import Jurisdiction, Place
from frontline.core.permissions import Action
from frontline.documents import services
from frontline.documents.api.common import LANGUAGES, AnyActionViewSet
from frontline.documents.kinds import DocumentKind
from frontline.documents.models import (
    Distribution,
    PrintRun,
    ProofreadComment,
    ProofreadRequest,
    ProofreadStatus,
)

# -- print runs ------------------------------------------------------------------------------

class DistributionSerializer(serializers.ModelSerializer):
    place = serializers.PrimaryKeyRelatedField(
        queryset=Place.objects.none(),  # scoped-ok: replaced by restrict() in __init__
        required=False, allow_null=True)
    target = serializers.SlugRelatedField(
        slug_field="code", required=False, allow_null=True,
        queryset=Jurisdiction.objects.none())  # scoped-ok: replaced by restrict() in __init__

    class Meta:
        model = Distribution
        fields = ["id", "place", "target", "quantity", "distributed_on", "note", "created_at"]
        read_only_fields = ["id", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["place"].queryset = Place.objects.restrict(  # scoped-ok
                request.user, Action.VIEW)
            self.fields["target"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
                request.user, Action.VIEW)


class PrintRunSerializer(serializers.ModelSerializer):
    office = serializers.SlugRelatedField(
        source="jurisdiction", slug_field="code",
        queryset=Jurisdiction.objects.none())  # scoped-ok: replaced by restrict() in __init__
    languages = serializers.ListField(
        child=serializers.CharField(max_length=10),
        help_text="Language codes: " + ", ".join(LANGUAGES))
    document_kind = serializers.ChoiceField(source="kind", choices=DocumentKind.choices)
    handed_out = serializers.SerializerMethodField()
    stock = serializers.SerializerMethodField()
    distributions = DistributionSerializer(many=True, read_only=True)

    class Meta:
        model = PrintRun
        fields = ["id", "office", "document_kind", "languages", "quantity", "printed_on", "note",
                  "handed_out", "stock", "distributions", "created_at"]
        read_only_fields = ["id", "handed_out", "stock", "distributions", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["office"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
                request.user, Action.CHANGE)

    def get_handed_out(self, obj) -> int:
        handed = getattr(obj, "handed", None)
        return handed if handed is not None else sum(d.quantity for d in obj.distributions.all())

    def get_stock(self, obj) -> int:
        return obj.quantity - self.get_handed_out(obj)


class PrintRunViewSet(AnyActionViewSet):
    """Print runs of your office and where their copies went, with the stock left."""

    queryset = PrintRun.objects.prefetch_related(  # scoped-ok: restricted in get_queryset
        "distributions").order_by("-printed_on", "-id")
    serializer_class = PrintRunSerializer
    read_actions = (Action.VIEW,)
    write_actions = (Action.CHANGE,)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.print_run_create(
            actor=self.request.user, jurisdiction=data["jurisdiction"], kind=data["kind"],
            languages=data["languages"], quantity=data["quantity"],
            printed_on=data.get("printed_on"), note=data.get("note", ""))

    @extend_schema(exclude=True)  # not an operation: it always answers 405
    def partial_update(self, request, *args, **kwargs):
        self.get_object()
        return Response({"detail": "record a new print run instead"},
                        status=status.HTTP_405_METHOD_NOT_ALLOWED)

    @extend_schema(request=DistributionSerializer, responses={201: DistributionSerializer})
    @action(detail=True, methods=["post"])
    def distribute(self, request, pk=None):
        """Hand copies to a place or a jurisdiction (never more than the stock left)."""
        run = self.get_object()
        serializer = DistributionSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        distribution = services.distribution_create(
            actor=request.user, print_run=run, quantity=data["quantity"],
            place=data.get("place"), target=data.get("target"),
            distributed_on=data.get("distributed_on"), note=data.get("note", ""))
        return Response(DistributionSerializer(distribution).data,
                        status=status.HTTP_201_CREATED)


# -- proofreading ----------------------------------------------------------------------------

class ProofreadCommentSerializer(serializers.ModelSerializer):
    author = serializers.StringRelatedField()

    class Meta:
        model = ProofreadComment
        fields = ["id", "paragraph", "text", "author", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


class ProofreadSerializer(serializers.ModelSerializer):
    place = serializers.PrimaryKeyRelatedField(
        queryset=Place.objects.none())  # scoped-ok: replaced by restrict() in __init__
    comments = ProofreadCommentSerializer(many=True, read_only=True)
    original_text = serializers.CharField(max_length=50_000)
    language = serializers.ChoiceField(choices=LANGUAGES, default="en")

    class Meta:
        model = ProofreadRequest
        fields = ["id", "place", "title", "language", "original_text", "corrected_text",
                  "status", "submitted_at", "approved_at", "comments"]
        read_only_fields = ["id", "status", "submitted_at", "approved_at", "comments"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["place"].queryset = Place.objects.restrict(  # scoped-ok
                request.user, Action.CHANGE)
        if self.instance is not None and not isinstance(self.instance, list):
            for name in ("place", "title", "language", "original_text"):
                self.fields[name].read_only = True


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("status", str,
                                                    enum=ProofreadStatus.values)]),
)
class ProofreadRequestViewSet(AnyActionViewSet):
    """Hotels' own texts sent for proofreading; PATCH `corrected_text` (proofreaders)."""

    queryset = ProofreadRequest.objects.select_related(  # scoped-ok: restricted in get_queryset
        "place").prefetch_related("comments").order_by("-submitted_at", "-id")
    serializer_class = ProofreadSerializer
    read_actions = (Action.VIEW, Action.PROOFREAD)
    write_actions = (Action.PROOFREAD,)

    def get_actions(self) -> tuple[Action, ...]:
        if getattr(self, "action", None) == "comment":
            return self.read_actions  # the hotel answers the proofreader, too
        return super().get_actions()

    def get_queryset(self):
        qs = super().get_queryset()
        if self.request.query_params.get("status"):
            qs = qs.filter(status=self.request.query_params["status"])
        return qs

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.proofread_submit(
            actor=self.request.user, place=data["place"], title=data["title"],
            text=data["original_text"], language=data.get("language", "en"))

    def perform_update(self, serializer):
        serializer.instance = services.proofread_save(
            actor=self.request.user, request=serializer.instance,
            corrected_text=serializer.validated_data.get("corrected_text", ""))

    @extend_schema(request=None, responses={200: ProofreadSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        obj = services.proofread_approve(actor=request.user, request=self.get_object())
        return Response(ProofreadSerializer(obj, context={"request": request}).data)

    @extend_schema(request=ProofreadCommentSerializer,
                   responses={201: ProofreadCommentSerializer})
    @action(detail=True, methods=["post"])
    def comment(self, request, pk=None):
        obj = self.get_object()  # out of scope is 404 before the body is judged
        serializer = ProofreadCommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.proofread_comment_add(
            actor=request.user, request=obj,
            text=serializer.validated_data["text"],
            paragraph=serializer.validated_data.get("paragraph"))
        return Response(ProofreadCommentSerializer(comment).data,
                        status=status.HTTP_201_CREATED)

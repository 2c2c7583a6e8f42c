"""REST endpoints for issuing: single documents and batches."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from frontline.core.permissions import Action
from frontline.documents import services
from frontline.documents.api.common import LANGUAGES, AnyActionViewSet
from frontline.documents.kinds import DocumentKind
from frontline.documents.models import (
    BatchOutput,
    BatchStatus,
    IssueBatch,
    IssuedDocument,
)

# -- issued documents ------------------------------------------------------------------------

class IssuedDocumentSerializer(serializers.ModelSerializer):
    verify_url = serializers.SerializerMethodField()
    document_kind = serializers.ChoiceField(source="kind", choices=DocumentKind.choices,
                                            read_only=True)

    class Meta:
        model = IssuedDocument
        fields = ["id", "serial", "document_kind", "language", "bilingual", "official",
                  "jurisdiction_code", "name_masked", "issued_at", "valid_from", "valid_until",
                  "status", "revoked_at", "batch", "verify_url"]
        read_only_fields = fields

    def get_verify_url(self, obj) -> str:
        return services.verification_url(obj.serial)


class IssueRequestSerializer(serializers.Serializer):
    document_kind = serializers.ChoiceField(choices=DocumentKind.choices)
    language = serializers.ChoiceField(choices=LANGUAGES)
    bilingual = serializers.BooleanField(default=True)
    context = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=200),
        help_text="jurisdiction_code (required), name, document_number or document_masked, "
                  "nationality, start_date, end_date (YYYY-MM-DD), hotel, room, address, "
                  "community, valid_until.")


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class IssuedDocumentViewSet(AnyActionViewSet):
    """Issued documents of your scope; POST issues one (the person given by `context`)."""

    queryset = IssuedDocument.objects.order_by(  # scoped-ok: restricted in get_queryset
        "-issued_at", "-id")
    serializer_class = IssuedDocumentSerializer
    read_actions = (Action.VIEW,)
    write_actions = (Action.CHANGE,)

    @extend_schema(request=IssueRequestSerializer, responses={201: IssuedDocumentSerializer})
    def create(self, request, *args, **kwargs):
        serializer = IssueRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        document = services.document_issue(
            actor=request.user, kind=data["document_kind"], person=None, language=data["language"],
            context=data["context"], bilingual=data["bilingual"])
        return Response(IssuedDocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(exclude=True)  # not an operation: it always answers 405
    def partial_update(self, request, *args, **kwargs):
        self.get_object()
        return Response({"detail": "issued documents are not edited; revoke one instead"},
                        status=status.HTTP_405_METHOD_NOT_ALLOWED)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The PDF (reading it is recorded in the access log)."""
        document = self.get_object()
        path = services.issued_document_file(actor=request.user, document=document)
        return FileResponse(open(path, "rb"), content_type="application/pdf",  # noqa: SIM115
                            filename=f"{document.serial}.pdf")

    @extend_schema(request=RevokeSerializer, responses={200: IssuedDocumentSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        document = self.get_object()  # out of scope is 404 before the body is judged
        serializer = RevokeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = services.document_revoke(actor=request.user, document=document,
                                             reason=serializer.validated_data["reason"])
        return Response(IssuedDocumentSerializer(document).data)


class BatchSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    document_kind = serializers.ChoiceField(source="kind", choices=DocumentKind.choices,
                                            read_only=True)

    class Meta:
        model = IssueBatch
        fields = ["id", "document_kind", "language_policy", "bilingual", "output", "status", "total",
                  "done", "percent", "attempts", "error", "jurisdiction_code", "created_at",
                  "started_at", "finished_at"]
        read_only_fields = fields


class BatchItemSerializer(serializers.Serializer):
    language = serializers.CharField(required=False, allow_blank=True, max_length=10)
    context = serializers.DictField(child=serializers.CharField(allow_blank=True,
                                                                max_length=200))


class BatchRequestSerializer(serializers.Serializer):
    document_kind = serializers.ChoiceField(choices=DocumentKind.choices)
    language_policy = serializers.CharField(
        default="person", help_text="A language code, or “person” for each item's language.")
    bilingual = serializers.BooleanField(default=True)
    output = serializers.ChoiceField(choices=BatchOutput.choices, default=BatchOutput.ZIP)
    items = BatchItemSerializer(many=True)


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("status", str, enum=BatchStatus.values)]),
)
class IssueBatchViewSet(AnyActionViewSet):
    """Batches of documents rendered in the background; poll `done`/`total`."""

    queryset = IssueBatch.objects.order_by(  # scoped-ok: restricted in get_queryset
        "-created_at", "-id")
    serializer_class = BatchSerializer
    read_actions = (Action.VIEW,)
    write_actions = (Action.CHANGE,)

    def get_queryset(self):
        qs = super().get_queryset()
        if self.request.query_params.get("status"):
            qs = qs.filter(status=self.request.query_params["status"])
        return qs

    @extend_schema(request=BatchRequestSerializer, responses={201: BatchSerializer})
    def create(self, request, *args, **kwargs):
        serializer = BatchRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        batch = services.document_issue_batch(
            actor=request.user, kind=data["document_kind"],
            items=[{"person": None, "context": item["context"],
                    "language": item.get("language", "")} for item in data["items"]],
            language_policy=data["language_policy"], bilingual=data["bilingual"],
            output=data["output"])
        batch.refresh_from_db()
        return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(exclude=True)  # not an operation: it always answers 405
    def partial_update(self, request, *args, **kwargs):
        self.get_object()
        return Response({"detail": "batches are not edited"},
                        status=status.HTTP_405_METHOD_NOT_ALLOWED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY,
                              400: OpenApiResponse(description="not finished")})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The zip or PDF of a finished batch (recorded in the access log)."""
        batch = self.get_object()
        path = services.batch_file(actor=request.user, batch=batch)
        return FileResponse(open(path, "rb"), as_attachment=True,  # noqa: SIM115
                            filename=path.name, content_type="application/octet-stream")

    @extend_schema(request=None, responses={200: BatchSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        batch = services.batch_retry(actor=request.user, batch=self.get_object())
        batch.refresh_from_db()
        return Response(BatchSerializer(batch).data)

"""REST endpoints of imports (upload, status with progress, column mapping, confirmation,
history, bad rows, templates) and of the person-list export (masked, or unmasked with a
reason)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from frontline.api.parsers import JSONParser
from frontline.areas.models import Jurisdiction, Place
from frontline.core.api import ScopedViewSetMixin, as_drf_error
from frontline.core.permissions import Action
from frontline.people import exports, imports
from frontline.people.import_views import SizeLimitUploadHandler, request_too_big, upload_limit
from frontline.people.imports.columns import KIND_FIELDS, template_csv, template_xlsx
from frontline.people.imports.files import too_big_message
from frontline.people.models import Category, ImportJob, ImportKind, ImportMode, Person

ALL_FIELDS = sorted({f for fields in KIND_FIELDS.values() for f in fields})


class FileRenderer(BaseRenderer):
    """Passes a file's bytes through; chosen by `?format=` (DRF's format override)."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class XlsxRenderer(FileRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"


class CsvRenderer(FileRenderer):
    media_type = "text/csv"
    format = "csv"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def _file_response(name: str, content, fmt: str):
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type=exports.CONTENT_TYPES[fmt])
    else:
        response = StreamingHttpResponse(content, content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


# -- imports ----------------------------------------------------------------------------------

class ImportErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="Row number in the file (the header is row 1).")
    field = serializers.CharField()
    column = serializers.CharField(help_text="The column's header in the file.")
    message = serializers.CharField(help_text="In the language of the user who uploaded.")


class ImportProgressSerializer(serializers.Serializer):
    status = serializers.CharField()
    rows_done = serializers.IntegerField()
    rows_total = serializers.IntegerField()
    percent = serializers.IntegerField()
    running = serializers.BooleanField()


class ImportPreviewSerializer(serializers.Serializer):
    created = serializers.IntegerField(required=False)
    updated = serializers.IntegerField(required=False)
    unchanged = serializers.IntegerField(required=False)


@extend_schema_field({"allOf": [{"type": "string", "enum": ImportKind.values}],
                      "description": "residents, lodgers (hotel lodgers) or school"})
class ImportKindField(serializers.ChoiceField):
    """The kind of an import. Its enum is documented inline, wrapped in allOf: several apps
    have a field called `kind`, and drf-spectacular would otherwise merge them by name."""

    def __init__(self, **kwargs):
        super().__init__(choices=ImportKind.choices, **kwargs)


class ImportJobSerializer(serializers.ModelSerializer):
    kind = ImportKindField(read_only=True)
    jurisdiction = serializers.SlugRelatedField(slug_field="code", read_only=True)
    created_by = serializers.StringRelatedField(read_only=True)
    progress = serializers.SerializerMethodField()
    headers = serializers.SerializerMethodField(help_text="The header row of the file.")
    mapped_fields = serializers.SerializerMethodField(
        help_text="The field each column holds (empty: ignored), same order as headers.")
    needs_mapping = serializers.SerializerMethodField(
        help_text="True when some columns were not recognised: POST a mapping.")
    preview = serializers.SerializerMethodField(
        help_text="What the check expects the import to do (new, changed, unchanged).")

    class Meta:
        model = ImportJob
        fields = ["id", "kind", "jurisdiction", "place", "file_name", "file_sha256", "file_size",
                  "encoding", "mode", "status", "message", "rows_total", "rows_valid",
                  "rows_done", "error_count", "created", "updated", "unchanged", "created_by",
                  "created_at", "finished_at", "progress", "headers", "mapped_fields",
                  "needs_mapping", "preview"]
        read_only_fields = fields

    @extend_schema_field(ImportProgressSerializer)
    def get_progress(self, job) -> dict:
        return imports.progress(job)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_headers(self, job) -> list[str]:
        return list(job.mapping.get("headers", []))

    @extend_schema_field(serializers.ListField(child=serializers.CharField(allow_blank=True)))
    def get_mapped_fields(self, job) -> list[str]:
        return list(job.mapping.get("fields", []))

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_needs_mapping(self, job) -> bool:
        return bool(job.mapping.get("_needs_mapping"))

    @extend_schema_field(ImportPreviewSerializer)
    def get_preview(self, job) -> dict:
        return dict(job.mapping.get("_preview", {}))


class ImportUploadSerializer(serializers.Serializer):
    kind = ImportKindField()
    file = serializers.FileField(help_text="An .xlsx or .csv file (see the templates).")
    jurisdiction = serializers.SlugRelatedField(
        slug_field="code", required=False, allow_null=True,
        queryset=Jurisdiction.objects.none(),  # scoped-ok: restricted in __init__
        help_text="Division code of the area the file is for; needed only when you hold "
                  "several.")
    place = serializers.PrimaryKeyRelatedField(
        required=False, allow_null=True,
        queryset=Place.objects.none(),  # scoped-ok: restricted in __init__
        help_text="The hotel (lodgers) or the school (school lists, required).")
    encoding = serializers.ChoiceField(choices=["", "utf-8", "gb18030"], required=False,
                                       default="", help_text="Of a CSV; empty: detect.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["jurisdiction"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
                request.user, Action.CHANGE)
            self.fields["place"].queryset = Place.objects.restrict(  # scoped-ok
                request.user, Action.CHANGE)


class ImportMappingSerializer(serializers.Serializer):
    fields = serializers.ListField(
        child=serializers.ChoiceField(choices=["", *ALL_FIELDS], allow_blank=True),
        help_text="One field per column of the file, in order; an empty string ignores it.")


class ImportConfirmSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=ImportMode.choices,
                                   help_text="all: all or nothing; valid: the valid rows only.")


def _page_params(request) -> tuple[int, int]:
    try:
        offset = max(0, int(request.query_params.get("offset", 0)))
        limit = min(1000, max(1, int(request.query_params.get("limit", 100))))
    except ValueError:
        raise exceptions.ValidationError({"offset": [_("Numbers only.")]}) from None
    return offset, limit


@extend_schema_view(
    list=extend_schema(parameters=[
        OpenApiParameter("kind", str, enum=ImportKind.values),
        OpenApiParameter("status", str, description="uploaded, checking, checked, importing, "
                                                    "done, failed or refused"),
    ]),
)
class ImportJobViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    """Imports of your scope: upload a file (multipart), follow its check and import
    (`progress`), map unknown columns, read every bad row, confirm with a mode."""

    queryset = ImportJob.objects.select_related(  # scoped-ok: restricted in get_queryset
        "jurisdiction", "created_by").order_by("-created_at", "-id")
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    read_action = Action.VIEW
    write_action = Action.CHANGE

    def initial(self, request, *args, **kwargs):
        # Before DRF parses the body (authentication may read it for the CSRF check): refuse
        # a body larger than the limit unread, and stop a file that passes it as it arrives.
        self._size_handler = None
        if request.method == "POST" and self.action == "create":
            if request_too_big(request):
                raise PayloadTooLarge(too_big_message(upload_limit()))
            self._size_handler = SizeLimitUploadHandler(request._request, limit=upload_limit())
            request._request.upload_handlers.insert(0, self._size_handler)
        super().initial(request, *args, **kwargs)

    def get_queryset(self):
        qs = super().get_queryset()
        params = self.request.query_params
        if params.get("kind"):
            qs = qs.filter(kind=params["kind"])
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        return qs

    @extend_schema(request={"multipart/form-data": ImportUploadSerializer},
                   responses={201: ImportJobSerializer, 413: OpenApiResponse(
                       description="The file is larger than IMPORT_MAX_MB.")})
    def create(self, request):
        """Upload a file; its check starts in the background (poll the import)."""
        if not request.user.can(Action.CHANGE):
            raise exceptions.PermissionDenied()
        serializer = ImportUploadSerializer(data=request.data, context={"request": request})
        if self._size_handler is not None and self._size_handler.exceeded:
            raise PayloadTooLarge(too_big_message(upload_limit()))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            job = imports.import_upload(
                actor=request.user, kind=data["kind"], file=data["file"],
                jurisdiction=data.get("jurisdiction"), place=data.get("place"),
                encoding=data.get("encoding", ""), language=request.LANGUAGE_CODE)
        except (ValidationError, PermissionDenied) as exc:
            raise as_drf_error(exc) from exc
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: ImportProgressSerializer})
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        """Status and progress of the check or the import (poll it every second or so)."""
        return Response(imports.progress(self.get_object()))

    @extend_schema(
        parameters=[OpenApiParameter("offset", int), OpenApiParameter("limit", int)],
        responses={200: inline_serializer("ImportErrorPage", {
            "count": serializers.IntegerField(help_text="Problems listed (all of them up to "
                                                        "20,000)."),
            "rows_with_errors": serializers.IntegerField(),
            "results": ImportErrorSerializer(many=True)})})
    @action(detail=True, methods=["get"])
    def errors(self, request, pk=None):
        """Every problem found in the file: line, column and message."""
        job = self.get_object()
        offset, limit = _page_params(request)
        listed = job.errors or []
        return Response({"count": len(listed), "rows_with_errors": job.error_count,
                         "results": listed[offset:offset + limit]})

    @extend_schema(request=ImportMappingSerializer, responses={200: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def mapping(self, request, pk=None):
        """Say which field each column holds; the file is checked again."""
        job = self.get_object()  # out of scope is 404 before the body is judged
        serializer = ImportMappingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            job = imports.import_mapping_set(actor=request.user, job=job,
                                             fields=serializer.validated_data["fields"])
        except ValidationError as exc:
            raise as_drf_error(exc) from exc
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data)

    @extend_schema(request=ImportConfirmSerializer, responses={200: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Import a checked file: all or nothing, or only its valid rows."""
        job = self.get_object()  # out of scope is 404 before the body is judged
        serializer = ImportConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            job = imports.import_confirm(actor=request.user, job=job,
                                         mode=serializer.validated_data["mode"])
        except ValidationError as exc:
            raise as_drf_error(exc) from exc
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data)

    @extend_schema(
        parameters=[OpenApiParameter("kind", str, enum=ImportKind.values, required=True),
                    OpenApiParameter("format", str, enum=["xlsx", "csv"], required=True)],
        responses={(200, XlsxRenderer.media_type): OpenApiTypes.BINARY,
                   (200, CsvRenderer.media_type): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"], renderer_classes=[XlsxRenderer, CsvRenderer,
                                                             JSONRenderer])
    def template(self, request):
        """The empty template of a kind of import, with bilingual headers."""
        kind = request.query_params.get("kind", "")
        fmt = request.query_params.get("format", "xlsx")
        if kind not in ImportKind.values:
            raise exceptions.ValidationError(
                {"kind": [_("One of: %(kinds)s.") % {"kinds": ", ".join(ImportKind.values)}]})
        if fmt not in ("xlsx", "csv"):
            raise exceptions.ValidationError({"format": [_("xlsx or csv.")]})
        content = template_xlsx(kind) if fmt == "xlsx" else template_csv(kind)
        return _file_response(f"frontline-{kind}-template.{fmt}", content, fmt)


# -- exports ----------------------------------------------------------------------------------

@extend_schema_view(list=extend_schema(
    parameters=[
        OpenApiParameter("format", str, enum=["xlsx", "csv"], required=True),
        OpenApiParameter("q", str, description="Name, document number or phone"),
        OpenApiParameter("category", str, enum=Category.values),
        OpenApiParameter("nationality", str, description="ISO 3166 alpha-2 code"),
        OpenApiParameter("code", str, description="Division code prefix"),
        OpenApiParameter("arrived_recently", OpenApiTypes.BOOL),
        OpenApiParameter("from_risk_country", OpenApiTypes.BOOL),
    ],
    responses={(200, XlsxRenderer.media_type): OpenApiTypes.BINARY,
               (200, CsvRenderer.media_type): OpenApiTypes.BINARY},
))
class PersonExportViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """The person list of your export scope as a file, masked (document numbers, phones,
    e-mail). POST `unmasked` with a reason for full values (needs export_unmasked over every
    exported person). Every export is written to the access log."""

    queryset = Person.objects.all()  # scoped-ok: restricted in get_queryset; rows via the selector
    serializer_class = serializers.Serializer
    read_action = Action.EXPORT
    write_action = Action.EXPORT_UNMASKED
    renderer_classes = [XlsxRenderer, CsvRenderer, JSONRenderer]
    pagination_class = None

    def list(self, request):
        if not request.user.can(Action.EXPORT):
            raise exceptions.PermissionDenied()
        return self._export(request.query_params, unmasked=False, reason="")

    @extend_schema(
        request=inline_serializer("UnmaskedExport", {
            "format": serializers.ChoiceField(choices=["xlsx", "csv"]),
            "reason": serializers.CharField(min_length=4),
            "q": serializers.CharField(required=False),
            "category": serializers.ChoiceField(choices=Category.values, required=False),
            "nationality": serializers.CharField(required=False),
            "code": serializers.CharField(required=False),
            "arrived_recently": serializers.BooleanField(required=False),
            "from_risk_country": serializers.BooleanField(required=False)}),
        parameters=[OpenApiParameter("format", str, enum=["xlsx", "csv"])],
        responses={(200, XlsxRenderer.media_type): OpenApiTypes.BINARY,
                   (200, CsvRenderer.media_type): OpenApiTypes.BINARY})
    @action(detail=False, methods=["post"], parser_classes=[JSONParser, FormParser])
    def unmasked(self, request):
        """The same list with full values, for a stated reason; logged as an unmasked export."""
        if not isinstance(request.data, dict):  # a JSON array or scalar: DRF's message for it
            raise exceptions.ValidationError({"non_field_errors": [
                serializers.Serializer.default_error_messages["invalid"].format(
                    datatype=type(request.data).__name__)]})
        params = {**request.query_params.dict(), **dict(request.data.items())}
        return self._export(params, unmasked=True, reason=str(params.get("reason", "")))

    def _export(self, params, *, unmasked: bool, reason: str):
        fmt = str(params.get("format", "xlsx"))
        try:
            name, content = exports.person_export(
                actor=self.request.user, filters=exports.export_filters(params), fmt=fmt,
                unmasked=unmasked, reason=reason)
        except (ValidationError, PermissionDenied) as exc:
            raise as_drf_error(exc) from exc
        return _file_response(name, content, fmt)


IMPORT_ROUTES = [
    ("people-imports", ImportJobViewSet, "people-import"),
    ("people-export", PersonExportViewSet, "person-export"),
]



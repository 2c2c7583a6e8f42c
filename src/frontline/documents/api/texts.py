"""REST endpoints of the texts: templates, translations (review, comments, history, memory
suggestions, XLIFF/.xlsx exchange) and the glossary."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from frontline.areas.models import Jurisdiction
from frontline.core.permissions import Action
from frontline.documents import selectors, services
from frontline.documents.api.common import LANGUAGES, AnyActionViewSet
from frontline.documents.checks import finding_message
from frontline.documents.kinds import DocumentKind, target_languages
from frontline.documents.models import (
    DocumentTemplate,
    GlossaryTerm,
    Translation,
    TranslationComment,
    TranslationRevision,
    TranslationState,
)

# -- templates -------------------------------------------------------------------------------

class SegmentSerializer(serializers.Serializer):
    role = serializers.CharField()
    text = serializers.CharField()


class TemplateSerializer(serializers.ModelSerializer):
    office = serializers.SlugRelatedField(
        source="jurisdiction", slug_field="code",
        queryset=Jurisdiction.objects.none(),  # scoped-ok: replaced by restrict() in __init__
        help_text="Division code of the office (a district) owning the template.")
    segments = SegmentSerializer(many=True, read_only=True)
    document_kind = serializers.ChoiceField(source="kind", choices=DocumentKind.choices)

    class Meta:
        model = DocumentTemplate
        fields = ["id", "office", "document_kind", "title", "body", "version", "segments",
                  "updated_at"]
        read_only_fields = ["id", "version", "segments", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["office"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
                request.user, Action.CONFIGURE)
        if self.instance is not None and not isinstance(self.instance, list):
            self.fields["office"].read_only = True
            self.fields["document_kind"].read_only = True


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("kind", str, enum=DocumentKind.values)]),
)
class DocumentTemplateViewSet(AnyActionViewSet):
    """The office's Chinese source texts. Changing one (configure action) sends every
    translation back to “needs editing”."""

    queryset = DocumentTemplate.objects.select_related(  # scoped-ok: restricted in get_queryset
        "jurisdiction").order_by("jurisdiction_code", "kind")
    serializer_class = TemplateSerializer
    read_actions = (Action.VIEW, Action.TRANSLATE)
    write_actions = (Action.CONFIGURE,)

    def get_queryset(self):
        qs = super().get_queryset()
        if self.request.query_params.get("kind"):
            qs = qs.filter(kind=self.request.query_params["kind"])
        return qs

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.template_create(
            actor=self.request.user, jurisdiction=data["jurisdiction"], kind=data["kind"],
            title=data["title"], body=data["body"])

    def perform_update(self, serializer):
        template = serializer.instance
        data = serializer.validated_data
        serializer.instance = services.template_update(
            actor=self.request.user, template=template, title=data.get("title", template.title),
            body=data.get("body", template.body))

    @extend_schema(parameters=[OpenApiParameter("language", str, enum=LANGUAGES, required=True),
                               OpenApiParameter("bilingual", OpenApiTypes.BOOL)],
                   responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None):
        """A specimen PDF of the template in a language (sample values, marked as such)."""
        template = self.get_object()  # out of scope is 404 before the parameters are judged
        language = request.query_params.get("language", "")
        if language not in LANGUAGES:
            raise serializers.ValidationError({"language": [
                _("Choose one of the languages: %(codes)s.") % {"codes": ", ".join(LANGUAGES)}]})
        pdf = services.template_preview(
            template=template, language=language,
            bilingual=request.query_params.get("bilingual", "true").lower() != "false")
        return HttpResponse(pdf, content_type="application/pdf")


# -- translations ----------------------------------------------------------------------------

class FindingSerializer(serializers.Serializer):
    code = serializers.CharField()
    segment = serializers.IntegerField(help_text="-1 the title, -2 the whole text")
    message = serializers.CharField()


class TranslationSerializer(serializers.ModelSerializer):
    document_kind = serializers.CharField(source="template.kind", read_only=True)
    segments = serializers.ListField(child=serializers.CharField(allow_blank=True,
                                                                 max_length=4000))
    findings = serializers.SerializerMethodField()
    official = serializers.BooleanField(source="is_official", read_only=True)
    ready = serializers.BooleanField(
        write_only=True, default=True,
        help_text="Ask for review (state “translated”); false keeps “needs editing”.")

    class Meta:
        model = Translation
        fields = ["id", "template", "document_kind", "language", "title", "segments", "state",
                  "source_version", "findings", "official", "ready", "updated_at",
                  "approved_at"]
        read_only_fields = ["id", "template", "document_kind", "language", "state",
                            "source_version",
                            "findings", "official", "updated_at", "approved_at"]

    @extend_schema_field(FindingSerializer(many=True))
    def get_findings(self, obj) -> list[dict]:
        return [{**f, "message": finding_message(f)} for f in obj.findings]


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.StringRelatedField()

    class Meta:
        model = TranslationComment
        fields = ["id", "segment", "text", "author", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


class RevisionSerializer(serializers.ModelSerializer):
    author = serializers.StringRelatedField()

    class Meta:
        model = TranslationRevision
        fields = ["number", "event", "title", "segments", "state", "source_version", "author",
                  "created_at"]
        read_only_fields = fields


class SuggestionSerializer(serializers.Serializer):
    segment = serializers.IntegerField(help_text="-1 the title")
    score = serializers.IntegerField()
    source = serializers.CharField()
    target = serializers.CharField()


class ImportSerializer(serializers.Serializer):
    file_format = serializers.ChoiceField(choices=["xliff", "xlsx"])
    file = serializers.FileField()


class ImportReportSerializer(serializers.Serializer):
    language = serializers.CharField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    skipped = serializers.ListField(child=serializers.CharField())


@extend_schema_view(
    list=extend_schema(parameters=[
        OpenApiParameter("language", str, enum=target_languages()),
        OpenApiParameter("state", str, enum=TranslationState.values),
        OpenApiParameter("kind", str, enum=DocumentKind.values)]),
)
class TranslationViewSet(AnyActionViewSet):
    """Translations: edit (translate action), approve (proofread action), comments, history,
    suggestions from the translation memory, and XLIFF 2.0 / .xlsx exchange."""

    queryset = Translation.objects.select_related(  # scoped-ok: restricted in get_queryset
        "template").order_by("template_id", "language")
    serializer_class = TranslationSerializer
    read_actions = (Action.VIEW, Action.TRANSLATE)
    write_actions = (Action.TRANSLATE,)
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_queryset(self):
        qs = super().get_queryset()
        params = self.request.query_params
        for name, field in (("language", "language"), ("state", "state"),
                            ("kind", "template__kind")):
            if params.get(name):
                qs = qs.filter(**{field: params[name]})
        return qs

    @extend_schema(exclude=True)  # not an operation: it always answers 405
    def create(self, request, *args, **kwargs):
        return Response({"detail": "translations are created with their template"},
                        status=status.HTTP_405_METHOD_NOT_ALLOWED)

    def perform_update(self, serializer):
        translation = serializer.instance
        data = serializer.validated_data
        serializer.instance = services.translation_save(
            actor=self.request.user, translation=translation,
            title=data.get("title", translation.title),
            segments=data.get("segments", list(translation.segments)),
            ready=data.get("ready", True))

    @extend_schema(request=None, responses={200: TranslationSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve as the standard translation (proofreaders; no check may fail)."""
        translation = services.translation_approve(actor=request.user,
                                                   translation=self._readable())
        return Response(TranslationSerializer(translation).data)

    def _readable(self) -> Translation:
        qs = selectors.translation_readable(actor=self.request.user).select_related("template")
        # DRF's lookup: an id that is not a number is 404 too, not a server error.
        return get_object_or_404(qs, pk=self.kwargs["pk"])

    @extend_schema(methods=["get"], responses={200: CommentSerializer(many=True)})
    @extend_schema(methods=["post"], request=CommentSerializer,
                   responses={201: CommentSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def comments(self, request, pk=None):
        """Comments on the translation (segment −1 is the title, none the whole text)."""
        translation = self._readable()
        if request.method == "POST":
            serializer = CommentSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            comment = services.translation_comment_add(
                actor=request.user, translation=translation,
                text=serializer.validated_data["text"],
                segment=serializer.validated_data.get("segment"))
            return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
        return Response(CommentSerializer(translation.comments.select_related("author"),
                                          many=True).data)

    @extend_schema(responses={200: RevisionSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def revisions(self, request, pk=None):
        """Every version of the translation, newest first."""
        translation = self._readable()
        return Response(RevisionSerializer(
            translation.revisions.select_related("author").order_by("-number"), many=True).data)

    @extend_schema(responses={200: SuggestionSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def suggestions(self, request, pk=None):
        """Suggestions from approved segments (translation memory), exact and fuzzy."""
        translation = self._readable()
        template = translation.template
        texts = [template.title] + [s.text for s in template.segments]
        found = selectors.memory_suggestions(actor=request.user, language=translation.language,
                                             texts=texts)
        rows = [{"segment": i - 1, "score": s.score, "source": s.source, "target": s.target}
                for i, suggestions in enumerate(found) for s in suggestions]
        return Response(SuggestionSerializer(rows, many=True).data)

    @extend_schema(parameters=[
        OpenApiParameter("language", str, enum=target_languages(), required=True),
        OpenApiParameter("file_format", str, enum=["xliff", "xlsx"])],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"])
    def export(self, request):
        """Every template of your scope in one language, as XLIFF 2.0 or .xlsx."""
        content, filename = services.translations_export(
            actor=request.user, language=request.query_params.get("language", ""),
            fmt=request.query_params.get("file_format", "xliff"))
        response = HttpResponse(content, content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @extend_schema(request={"multipart/form-data": ImportSerializer},
                   responses={200: ImportReportSerializer})
    @action(detail=False, methods=["post"], url_path="import",
            parser_classes=[MultiPartParser])
    def import_file(self, request):
        """Import a translated XLIFF 2.0 or .xlsx file (at most 2 MB; hostile files refused)."""
        serializer = ImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        from frontline.documents.exchange import MAX_EXCHANGE_BYTES

        report = services.translations_import(
            actor=request.user, data=upload.read(MAX_EXCHANGE_BYTES + 1),
            fmt=serializer.validated_data["file_format"], filename=upload.name or "")
        return Response(ImportReportSerializer(report.as_dict()).data)


# -- glossary --------------------------------------------------------------------------------

class EquivalentsField(serializers.DictField):
    """A term's approved (or forbidden) equivalents by language: {"en": ["…"], …}."""

    def __init__(self, *, forbidden: bool, **kwargs):
        self.forbidden = forbidden
        super().__init__(child=serializers.ListField(child=serializers.CharField(max_length=200)),
                         source="*", required=False, **kwargs)

    def to_representation(self, term):
        out: dict[str, list[str]] = {}
        for eq in term.equivalents.all():
            if eq.is_forbidden == self.forbidden:
                out.setdefault(eq.language, []).append(eq.text)
        return out

    def to_internal_value(self, data):
        return {self.field_name: super().to_internal_value(data)}


class GlossaryTermSerializer(serializers.ModelSerializer):
    office = serializers.SlugRelatedField(
        source="jurisdiction", slug_field="code",
        queryset=Jurisdiction.objects.none(),  # scoped-ok: replaced in __init__
        help_text="Division code of the office.")
    equivalents = EquivalentsField(forbidden=False,
                                   help_text="Approved equivalents by language code.")
    forbidden = EquivalentsField(forbidden=True,
                                 help_text="Forbidden translations by language code.")

    class Meta:
        model = GlossaryTerm
        fields = ["id", "office", "source", "note", "do_not_translate", "equivalents",
                  "forbidden", "updated_at"]
        read_only_fields = ["id", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["office"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
                request.user, Action.PROOFREAD) | Jurisdiction.objects.restrict(  # scoped-ok
                request.user, Action.CONFIGURE)
        if self.instance is not None and not isinstance(self.instance, list):
            self.fields["office"].read_only = True


class GlossaryTermViewSet(AnyActionViewSet):
    """The glossary: Chinese terms, approved and forbidden equivalents per language."""

    queryset = GlossaryTerm.objects.prefetch_related(  # scoped-ok: restricted in get_queryset
        "equivalents").order_by("jurisdiction_code", "source")
    serializer_class = GlossaryTermSerializer
    read_actions = (Action.VIEW, Action.TRANSLATE, Action.CONFIGURE)
    write_actions = (Action.PROOFREAD, Action.CONFIGURE)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.glossary_term_save(
            actor=self.request.user, jurisdiction=data["jurisdiction"], source=data["source"],
            note=data.get("note", ""), do_not_translate=data.get("do_not_translate", False),
            equivalents=data.get("equivalents", {}), forbidden=data.get("forbidden", {}))

    def perform_update(self, serializer):
        term = serializer.instance
        current = GlossaryTermSerializer(term).data
        data = serializer.validated_data
        serializer.instance = services.glossary_term_save(
            actor=self.request.user, term=term, source=data.get("source", term.source),
            note=data.get("note", term.note),
            do_not_translate=data.get("do_not_translate", term.do_not_translate),
            equivalents=data.get("equivalents", current["equivalents"]),
            forbidden=data.get("forbidden", current["forbidden"]))

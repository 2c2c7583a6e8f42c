"""REST endpoints of the front-line knowledge: country notes and their versions, policies
(in force on a date, the feed of changes), FAQ, search, booklets and training sessions.

Notes, policies, FAQ and booklets are not personal data: every signed-in staff member reads
them (unscoped, with the reason said). Training sessions belong to a team and are scoped."""

from __future__ import annotations

import datetime

from django.http import FileResponse, Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from frontline.areas.models import Jurisdiction, Place
from frontline.core.api import ScopedReadOnlyViewSet
from frontline.core.models import get_in_scope
from frontline.core.permissions import Action
from frontline.knowledge import selectors, services
from frontline.knowledge.models import (
    NOTE_SECTIONS,
    Booklet,
    CountryNote,
    CountryNoteText,
    CountryNoteVersion,
    EntryKind,
    FaqEntry,
    FaqText,
    Language,
    Policy,
    PolicyText,
    TrainingSession,
)
from frontline.knowledge.rendering_jobs import booklet_path

NOT_PERSONAL = "not personal data: every staff member reads the front-line knowledge"


LANGUAGE_HELP = "zh-hans or en"
STATE_HELP = "draft (written by the team), review (waiting for review), approved"


class KnowledgeNoteTextSerializer(serializers.ModelSerializer):
    language = serializers.CharField(read_only=True, help_text=LANGUAGE_HELP)

    class Meta:
        model = CountryNoteText
        fields = ["language"] + [key for key, _label in NOTE_SECTIONS]


class KnowledgeNoteVersionSerializer(serializers.ModelSerializer):
    texts = KnowledgeNoteTextSerializer(many=True, read_only=True)
    country = serializers.CharField(source="note.country.code", read_only=True)
    state = serializers.CharField(read_only=True, help_text=STATE_HELP)

    class Meta:
        model = CountryNoteVersion
        fields = ["id", "note", "country", "number", "state", "embassy_phone",
                  "embassy_website", "change_summary", "created_at", "reviewed_at", "texts"]


class KnowledgeNoteSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code")
    current = serializers.SerializerMethodField()

    class Meta:
        model = CountryNote
        fields = ["id", "country", "name_zh", "name_en", "current"]

    def get_current(self, note) -> dict:
        version = selectors.note_current(note)
        return KnowledgeNoteVersionSerializer(version).data if version else {}


class KnowledgeNoteWriteSerializer(serializers.Serializer):
    country = serializers.CharField(max_length=2)
    name_zh = serializers.CharField(required=False, allow_blank=True, default="")
    name_en = serializers.CharField(required=False, allow_blank=True, default="")
    embassy_phone = serializers.CharField(required=False, allow_blank=True, default="")
    embassy_website = serializers.URLField(required=False, allow_blank=True, default="")
    change_summary = serializers.CharField(required=False, allow_blank=True, default="")
    submit = serializers.BooleanField(required=False, default=True)
    texts = serializers.DictField(child=serializers.DictField(child=serializers.CharField(
        allow_blank=True)), help_text="{language: {section: text}}; languages zh-hans, en; "
                                      "sections " + ", ".join(k for k, _l in NOTE_SECTIONS))


class NoteViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Country notes, each with the version readers see (the latest approved one, else the
    latest, marked as waiting for review). POST writes a new version."""

    unscoped_reason = NOT_PERSONAL
    serializer_class = KnowledgeNoteSerializer

    def get_queryset(self):
        return selectors.note_list()

    @extend_schema(request=KnowledgeNoteWriteSerializer, responses={201: KnowledgeNoteVersionSerializer})
    def create(self, request, *args, **kwargs):
        body = KnowledgeNoteWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = services.note_save(actor=request.user, **body.validated_data)
        return Response(KnowledgeNoteVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class NoteVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """Every version of every note, with its review state; reviewers approve here."""

    unscoped_reason = NOT_PERSONAL
    serializer_class = KnowledgeNoteVersionSerializer

    def get_queryset(self):
        qs = CountryNoteVersion.objects.select_related("note").prefetch_related("texts")  # scoped-ok: public
        state = self.request.query_params.get("state")
        return qs.filter(state=state) if state else qs

    @extend_schema(request=None, responses={200: KnowledgeNoteVersionSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        version = services.note_version_approve(actor=request.user, version=self.get_object())
        return Response(KnowledgeNoteVersionSerializer(version).data)

    @extend_schema(request=None, responses={200: KnowledgeNoteVersionSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        version = services.note_version_submit(actor=request.user, version=self.get_object())
        return Response(KnowledgeNoteVersionSerializer(version).data)


class KnowledgePolicyTextSerializer(serializers.ModelSerializer):
    language = serializers.CharField(read_only=True, help_text=LANGUAGE_HELP)

    class Meta:
        model = PolicyText
        fields = ["language", "title", "summary", "full_text"]


class KnowledgePolicySerializer(serializers.ModelSerializer):
    texts = KnowledgePolicyTextSerializer(many=True, read_only=True)
    state = serializers.CharField(read_only=True, help_text=STATE_HELP)

    class Meta:
        model = Policy
        fields = ["id", "code", "source", "source_url", "effective_from", "superseded_on",
                  "superseded_by", "state", "created_at", "reviewed_at", "texts"]


class KnowledgePolicyWriteSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=60)
    source = serializers.CharField(max_length=200)
    source_url = serializers.URLField(required=False, allow_blank=True, default="")
    effective_from = serializers.DateField()
    supersedes = serializers.PrimaryKeyRelatedField(
        queryset=Policy.objects.all(), required=False,  # scoped-ok: public
                                                    allow_null=True, default=None)
    submit = serializers.BooleanField(required=False, default=True)
    texts = serializers.DictField(child=serializers.DictField(child=serializers.CharField(
        allow_blank=True)), help_text="{language: {title, summary, full_text}}")


class KnowledgeFeedItemSerializer(serializers.Serializer):
    date = serializers.DateField()
    event = serializers.CharField(help_text="in_force, superseded or note_approved")
    title = serializers.CharField()
    url = serializers.CharField()
    object_id = serializers.IntegerField()


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("in_force_on", datetime.date,
                     description="Only the policies in force on this date (YYYY-MM-DD)")]))
class PolicyViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Policies with the dates they came into force and were superseded."""

    unscoped_reason = NOT_PERSONAL
    serializer_class = KnowledgePolicySerializer

    def get_queryset(self):
        day = self.request.query_params.get("in_force_on")
        if day and self.action == "list":
            try:
                return selectors.policies_in_force(on=datetime.date.fromisoformat(day))
            except ValueError:
                raise serializers.ValidationError({"in_force_on": ["Use YYYY-MM-DD."]}) from None
        return selectors.policy_list()

    @extend_schema(request=KnowledgePolicyWriteSerializer, responses={201: KnowledgePolicySerializer})
    def create(self, request, *args, **kwargs):
        body = KnowledgePolicyWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        policy = services.policy_create(actor=request.user, **body.validated_data)
        return Response(KnowledgePolicySerializer(policy).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: KnowledgePolicySerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        policy = services.policy_approve(actor=request.user, policy=self.get_object())
        return Response(KnowledgePolicySerializer(policy).data)

    @extend_schema(parameters=[OpenApiParameter("lang", str, enum=[c for c, _n in Language.choices])],
                   responses={200: KnowledgeFeedItemSerializer(many=True)})
    @action(detail=False, methods=["get"], pagination_class=None)
    def feed(self, request):
        language = request.query_params.get("lang") or Language.ZH
        if language not in Language.values:
            language = Language.ZH
        items = selectors.change_feed(language=language)
        return Response(KnowledgeFeedItemSerializer([i.__dict__ for i in items], many=True).data)


class KnowledgeFaqTextSerializer(serializers.ModelSerializer):
    language = serializers.CharField(read_only=True, help_text=LANGUAGE_HELP)

    class Meta:
        model = FaqText
        fields = ["language", "question", "answer"]


class KnowledgeFaqSerializer(serializers.ModelSerializer):
    texts = KnowledgeFaqTextSerializer(many=True, read_only=True)
    state = serializers.CharField(read_only=True, help_text="draft, review or published")
    translation_states = serializers.SerializerMethodField(
        help_text="{language: state} of the entry's translations in the document workflow "
                  "(empty, needs_editing, translated, approved); a proofreader approves them "
                  "in the translation queue before the entry can be published.")

    class Meta:
        model = FaqEntry
        fields = ["id", "state", "source_question_id", "created_at", "published_at", "texts",
                  "translation_states"]

    def get_translation_states(self, entry: FaqEntry) -> dict[str, str]:
        return {code: t.state for code, t in services.faq_translation_state(entry).items()}


class KnowledgeFaqWriteSerializer(serializers.Serializer):
    texts = serializers.DictField(child=serializers.DictField(child=serializers.CharField(
        allow_blank=True)), help_text="{language: {question, answer}}")


class KnowledgeSearchHitSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="note, policy or faq")
    id = serializers.IntegerField()
    language = serializers.CharField()
    title = serializers.CharField(help_text="HTML: the text escaped, matches in <mark>")
    snippet = serializers.CharField(help_text="HTML: the text escaped, matches in <mark>")
    score = serializers.IntegerField()
    state = serializers.CharField()
    url = serializers.CharField()


class FaqViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """FAQ entries: published ones for everyone; drafts and those under review for the team."""

    unscoped_reason = NOT_PERSONAL
    serializer_class = KnowledgeFaqSerializer

    def get_queryset(self):
        return selectors.faq_list(actor=self.request.user,
                                  state=self.request.query_params.get("state", "")
                                  if self.action == "list" else "")

    @extend_schema(request=KnowledgeFaqWriteSerializer, responses={201: KnowledgeFaqSerializer})
    def create(self, request, *args, **kwargs):
        body = KnowledgeFaqWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.faq_create(actor=request.user, texts=body.validated_data["texts"])
        return Response(KnowledgeFaqSerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: KnowledgeFaqSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return Response(KnowledgeFaqSerializer(services.faq_submit(actor=request.user,
                                                          entry=self.get_object())).data)

    @extend_schema(request=None, responses={200: KnowledgeFaqSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return Response(KnowledgeFaqSerializer(services.faq_publish(actor=request.user,
                                                           entry=self.get_object())).data)

    @extend_schema(parameters=[OpenApiParameter("text", str, required=True)],
                   responses={200: KnowledgeSearchHitSerializer(many=True)})
    @action(detail=False, methods=["get"], pagination_class=None)
    def suggest(self, request):
        hits = selectors.faq_suggest(text=request.query_params.get("text", "")[:500])
        return Response(KnowledgeSearchHitSerializer([h.as_dict() for h in hits], many=True).data)


class SearchViewSet(viewsets.GenericViewSet):
    """Search notes, policies and published FAQ in Chinese and English, best first."""

    unscoped_reason = NOT_PERSONAL
    serializer_class = KnowledgeSearchHitSerializer
    pagination_class = None

    @extend_schema(parameters=[
        OpenApiParameter("q", str, required=True),
        OpenApiParameter("lang", str, enum=[c for c, _n in Language.choices]),
        OpenApiParameter("kind", str, enum=[c for c, _n in EntryKind.choices])],
        responses={200: KnowledgeSearchHitSerializer(many=True)})
    def list(self, request):
        p = request.query_params
        language = p.get("lang") if p.get("lang") in Language.values else ""
        kinds = [p["kind"]] if p.get("kind") in EntryKind.values else None
        hits = selectors.search(query=p.get("q", ""), language=language, kinds=kinds)
        return Response(KnowledgeSearchHitSerializer([h.as_dict() for h in hits], many=True).data)


class KnowledgeBookletSerializer(serializers.ModelSerializer):
    language = serializers.CharField(required=False, default="zh-hans", help_text=LANGUAGE_HELP)
    status = serializers.CharField(read_only=True, help_text="queued, rendering, done, failed")
    notes = serializers.PrimaryKeyRelatedField(
        many=True, queryset=CountryNote.objects.all(),  # scoped-ok: public
                                               required=False)
    policies = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Policy.objects.all(),  # scoped-ok: public
                                                  required=False)

    class Meta:
        model = Booklet
        fields = ["id", "title", "language", "notes", "policies", "status", "progress", "pages",
                  "error", "created_at", "finished_at"]
        read_only_fields = ["id", "status", "progress", "pages", "error", "created_at",
                            "finished_at"]


class BookletViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Booklets of chosen countries and policies, rendered to PDF in the background."""

    unscoped_reason = NOT_PERSONAL
    serializer_class = KnowledgeBookletSerializer

    def get_queryset(self):
        return selectors.booklet_list()

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.booklet_request(
            actor=self.request.user, title=data.get("title", ""),
            language=data.get("language", Language.ZH), notes=data.get("notes", []),
            policies=data.get("policies", []))

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        booklet = self.get_object()
        path = booklet_path(booklet)
        if not booklet.file_path or not path.exists():
            raise Http404
        return FileResponse(path.open("rb"), content_type="application/pdf",
                            filename=f"booklet-{booklet.pk}.pdf")


class KnowledgeTrainingSessionSerializer(serializers.ModelSerializer):
    place = serializers.PrimaryKeyRelatedField(
        queryset=Place.objects.none(), required=False, allow_null=True)  # scoped-ok: __init__
    jurisdiction = serializers.SlugRelatedField(
        slug_field="code", queryset=Jurisdiction.objects.none(),  # scoped-ok: __init__
        required=False, allow_null=True)
    attendees = serializers.SerializerMethodField()

    class Meta:
        model = TrainingSession
        fields = ["id", "title", "starts_at", "location", "audience", "place", "jurisdiction",
                  "jurisdiction_code", "trainer", "notes", "policies", "booklets", "attendees"]
        read_only_fields = ["id", "jurisdiction_code", "attendees"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["place"].queryset = Place.objects.restrict(  # scoped-ok
                request.user, Action.CHANGE)
            self.fields["jurisdiction"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
                request.user, Action.CHANGE)

    def get_attendees(self, session) -> list[int]:
        return sorted(a.user_id for a in session.attendances.all())


class KnowledgeAttendanceSerializer(serializers.Serializer):
    users = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)


class KnowledgeUserBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()


class TrainingSessionViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Training sessions of the teams in your scope, their attendance and who is untrained."""

    queryset = TrainingSession.objects.all()  # scoped-ok: restricted in get_queryset
    serializer_class = KnowledgeTrainingSessionSerializer

    def get_queryset(self):
        return super().get_queryset().select_related("place", "jurisdiction").prefetch_related(
            "attendances", "notes", "policies", "booklets")

    def get_action(self):
        return Action.CHANGE if self.action in ("create", "attendance") else Action.VIEW

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.training_session_create(
            actor=self.request.user, title=data["title"], starts_at=data["starts_at"],
            location=data.get("location", ""), audience=data["audience"],
            trainer=data["trainer"], place=data.get("place"),
            jurisdiction=data.get("jurisdiction"), notes=data.get("notes", []),
            policies=data.get("policies", []), booklets=data.get("booklets", []))

    @extend_schema(request=KnowledgeAttendanceSerializer, responses={200: KnowledgeTrainingSessionSerializer})
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        session = self.get_object()
        body = KnowledgeAttendanceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        members = {u.pk: u for u in selectors.team_members(session=session)}
        unknown = [pk for pk in body.validated_data["users"] if pk not in members]
        if unknown:
            raise serializers.ValidationError({"users": [f"not in the team: {unknown}"]})
        services.attendance_record(actor=request.user, session=session,
                                   users=[members[pk] for pk in body.validated_data["users"]])
        session = get_in_scope(TrainingSession, request.user, Action.VIEW, pk=session.pk)
        return Response(KnowledgeTrainingSessionSerializer(session, context={"request": request}).data)

    @extend_schema(responses={200: KnowledgeUserBriefSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def untrained(self, request, pk=None):
        users = selectors.untrained_members(session=self.get_object())
        return Response(KnowledgeUserBriefSerializer(users, many=True).data)


ROUTES = [
    ("knowledge/notes", NoteViewSet, "countrynote"),
    ("knowledge/note-versions", NoteVersionViewSet, "countrynoteversion"),
    ("knowledge/policies", PolicyViewSet, "policy"),
    ("knowledge/faq", FaqViewSet, "faq"),
    ("knowledge/search", SearchViewSet, "knowledgesearch"),
    ("knowledge/booklets", BookletViewSet, "booklet"),
    ("knowledge/training-sessions", TrainingSessionViewSet, "trainingsession"),
]

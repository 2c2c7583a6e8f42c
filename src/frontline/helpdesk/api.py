"""REST endpoints of the question desk: questions (asked from your place or area, scoped),
their thread and attachments, closing, figures, and the office's duty roster."""

from __future__ import annotations

from django.http import FileResponse, Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from frontline.api.parsers import JSONParser
from frontline.areas.models import Jurisdiction, Place
from frontline.core.api import ScopedReadOnlyViewSet
from frontline.core.permissions import Action
from frontline.helpdesk import selectors, services
from frontline.helpdesk.attachments import MAX_BYTES
from frontline.helpdesk.models import (
    Attachment,
    DutySlot,
    Question,
    QuestionStatus,
    Reply,
    Urgency,
)
from frontline.people.models import Person


class HelpdeskReplySerializer(serializers.ModelSerializer):
    author = serializers.StringRelatedField()
    kind = serializers.CharField(read_only=True, help_text="answer, clarification or event")

    class Meta:
        model = Reply
        fields = ["id", "kind", "author", "text", "created_at"]


class HelpdeskAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "uploaded_at"]


class HelpdeskQuestionSerializer(serializers.ModelSerializer):
    place = serializers.PrimaryKeyRelatedField(
        queryset=Place.objects.none(), required=False, allow_null=True,  # scoped-ok: __init__
        help_text="Ask from this place (a hotel, the transfer point) ...")
    jurisdiction = serializers.SlugRelatedField(
        slug_field="code", queryset=Jurisdiction.objects.none(),  # scoped-ok: __init__
        required=False, allow_null=True, write_only=True,
        help_text="... or from this street or community (division code).")
    person = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.none(), required=False, allow_null=True)  # scoped-ok: __init__
    asked_by = serializers.StringRelatedField()
    assignee = serializers.StringRelatedField()
    replies = HelpdeskReplySerializer(many=True, read_only=True)
    attachments = HelpdeskAttachmentSerializer(many=True, read_only=True)
    status = serializers.CharField(read_only=True, help_text="open, answered or closed")

    class Meta:
        model = Question
        fields = ["id", "text", "urgency", "status", "place", "jurisdiction", "jurisdiction_code",
                  "office_code", "person", "asked_by", "assignee", "level", "due_at", "breaches",
                  "first_answered_at", "closed_at", "created_at", "replies", "attachments"]
        read_only_fields = ["id", "status", "jurisdiction_code", "office_code", "asked_by",
                            "assignee", "level", "due_at", "breaches", "first_answered_at",
                            "closed_at", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            user = request.user
            self.fields["place"].queryset = Place.objects.restrict(user, Action.VIEW)  # scoped-ok
            self.fields["jurisdiction"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
                user, Action.VIEW)
            # Any person id is accepted here; the service answers 404 for one out of scope.
            self.fields["person"].queryset = Person.objects.all()  # scoped-ok: checked by service


class HelpdeskReplyWriteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class HelpdeskUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=f"An image or PDF of at most {MAX_BYTES} bytes.")


class HelpdeskFiguresSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    per_day = inline_serializer("HelpdeskQuestionsPerDay", fields={
        "day": serializers.DateField(), "count": serializers.IntegerField()}, many=True)
    asked = serializers.IntegerField()
    median_first_answer_minutes = serializers.FloatField(allow_null=True)
    breached = serializers.IntegerField()
    open = serializers.IntegerField()


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("status", str, enum=QuestionStatus.values),
    OpenApiParameter("mine", bool, description="Only questions you asked or are assigned")]))
class QuestionViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Questions from the front line in your scope; asking routes to whoever is on duty."""

    queryset = Question.objects.all()  # scoped-ok: restricted in get_queryset
    serializer_class = HelpdeskQuestionSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        qs = super().get_queryset()
        p = self.request.query_params
        if self.action == "list":
            qs = selectors.question_list(actor=self.request.user,
                                         status=p.get("status", "") if p.get("status") in
                                         QuestionStatus.values else "",
                                         mine=p.get("mine") in ("1", "true"))
        return qs.select_related("asked_by", "assignee").prefetch_related(
            "replies__author", "attachments")

    def get_action(self):
        return Action.VIEW

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.question_ask(
            actor=self.request.user, text=data["text"], urgency=data.get("urgency", Urgency.NORMAL),
            place=data.get("place"), jurisdiction=data.get("jurisdiction"),
            person=data.get("person"))

    @extend_schema(request=HelpdeskReplyWriteSerializer, responses={201: HelpdeskReplySerializer})
    @action(detail=True, methods=["post"])
    def replies(self, request, pk=None):
        question = self.get_object()  # out of scope is 404 before the body is judged
        body = HelpdeskReplyWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reply = services.question_reply(actor=request.user, question=question,
                                        text=body.validated_data["text"])
        return Response(HelpdeskReplySerializer(reply).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: HelpdeskQuestionSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        question = services.question_close(actor=request.user, question=self.get_object())
        return Response(HelpdeskQuestionSerializer(question, context={"request": request}).data)

    @extend_schema(request={"multipart/form-data": HelpdeskUploadSerializer},
                   responses={201: HelpdeskAttachmentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attachments(self, request, pk=None):
        question = self.get_object()
        body = HelpdeskUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        if upload.size > MAX_BYTES:
            raise serializers.ValidationError({"file": ["larger than 10 MB"]})
        attachment = services.attachment_add(actor=request.user, question=question,
                                             name=upload.name, content=upload.read())
        return Response(HelpdeskAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>\d+)")
    def attachment(self, request, pk=None, attachment_id=None):
        question = self.get_object()
        item = question.attachments.filter(pk=attachment_id).first()
        if item is None:
            raise Http404
        return FileResponse(item.file.open("rb"), content_type=item.content_type,
                            as_attachment=True, filename=item.name)

    @extend_schema(parameters=[OpenApiParameter("days", int)],
                   responses={200: HelpdeskFiguresSerializer})
    @action(detail=False, methods=["get"], pagination_class=None)
    def figures(self, request):
        try:
            days = min(max(int(request.query_params.get("days", 7)), 1), 366)
        except ValueError:
            days = 7
        return Response(HelpdeskFiguresSerializer(selectors.figures(actor=request.user, days=days)).data)


class HelpdeskDutySlotSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.SlugRelatedField(
        slug_field="code", queryset=Jurisdiction.objects.none())  # scoped-ok: __init__
    user_name = serializers.StringRelatedField(source="user", read_only=True)

    class Meta:
        model = DutySlot
        fields = ["id", "jurisdiction", "jurisdiction_code", "user", "user_name", "position",
                  "starts_at", "ends_at"]
        read_only_fields = ["id", "jurisdiction_code"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["jurisdiction"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
                request.user, Action.CONFIGURE)
            from frontline.accounts.models import User

            self.fields["user"].queryset = User.objects.restrict(  # scoped-ok: restricted
                request.user, Action.VIEW)


class DutySlotViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, ScopedReadOnlyViewSet):
    """The office's 24-hour duty roster: who answers, and who is next."""

    queryset = DutySlot.objects.all()  # scoped-ok: restricted in get_queryset
    serializer_class = HelpdeskDutySlotSerializer
    write_action = Action.CONFIGURE

    def get_queryset(self):
        return super().get_queryset().select_related("user", "jurisdiction")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.duty_slot_create(
            actor=self.request.user, jurisdiction=data["jurisdiction"], user=data["user"],
            position=data["position"], starts_at=data["starts_at"], ends_at=data["ends_at"])

    def perform_destroy(self, instance):
        services.duty_slot_delete(actor=self.request.user, slot=instance)


ROUTES = [
    ("helpdesk/questions", QuestionViewSet, "question"),
    ("helpdesk/duty", DutySlotViewSet, "dutyslot"),
]

"""REST endpoints of daily figures: runs, submissions (save, submit, approve, unlock), the late
board, bulletins, meetings and action items."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from frontline.areas.models import Jurisdiction
from frontline.core.api import ScopedReadOnlyViewSet, as_drf_error
from frontline.core.permissions import Action
from frontline.reports import bulletin as bulletins
from frontline.reports import selectors, services
from frontline.reports.models import ActionItem, Bulletin, Meeting, ReportRun, Submission


def _call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except (ValidationError, PermissionDenied) as exc:
        raise as_drf_error(exc) from exc


class RunSerializer(serializers.ModelSerializer):
    definition = serializers.CharField(source="definition.name", read_only=True)

    class Meta:
        model = ReportRun
        fields = ["id", "definition", "jurisdiction_code", "period_date", "cutoff_at",
                  "deadline_at", "computed_at", "compute_seconds", "by_country"]
        read_only_fields = fields


BoardSerializer = inline_serializer("LateBoard", {
    "expected": serializers.IntegerField(), "submitted": serializers.IntegerField(),
    "on_time": serializers.IntegerField(), "submitted_rate": serializers.FloatField(),
    "on_time_rate": serializers.FloatField(), "seconds_left": serializers.IntegerField(),
    "pending": serializers.ListField(child=serializers.CharField()),
})


class RunViewSet(ScopedReadOnlyViewSet):
    """Report periods you take part in (your offices' and the offices' above you)."""

    queryset = ReportRun.objects.all()  # scoped-ok: replaced in get_queryset
    serializer_class = RunSerializer

    def get_queryset(self):
        super().get_queryset()
        return selectors.runs(actor=self.request.user)

    @extend_schema(responses={200: BoardSerializer})
    @action(detail=True, methods=["get"])
    def board(self, request, pk=None):
        board = selectors.late_board(actor=request.user, run=self.get_object())
        return Response({k: board[k] for k in ("expected", "submitted", "on_time",
                                               "submitted_rate", "on_time_rate", "seconds_left")}
                        | {"pending": [s.jurisdiction_code for s in board["pending"]]})


class SubmissionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Submission
        fields = ["id", "run", "jurisdiction_code", "level", "computed", "values", "comments",
                  "status", "submitted_at", "on_time", "approved_at", "unlocked_at",
                  "unlock_reason", "version"]
        read_only_fields = fields


class SaveSerializer(serializers.Serializer):
    values = serializers.DictField(child=serializers.CharField(allow_blank=True))
    comments = serializers.DictField(child=serializers.CharField(allow_blank=True),
                                     required=False)
    submit = serializers.BooleanField(default=False)
    version = serializers.IntegerField(required=False)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class SubmissionViewSet(ScopedReadOnlyViewSet):
    """Units' figures: save or submit (`save`), approve, unlock (the district office)."""

    queryset = Submission.objects.select_related("run")  # scoped-ok: get_queryset
    serializer_class = SubmissionSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        run = self.request.query_params.get("run", "")
        return qs.filter(run_id=int(run)) if run.isdigit() else qs

    def get_action(self):
        if self.action in ("save", "approve"):
            return Action.CHANGE
        if self.action == "unlock":
            return Action.CONFIGURE
        return super().get_action()

    @extend_schema(request=SaveSerializer, responses={200: SubmissionSerializer})
    @action(detail=True, methods=["post"])
    def save(self, request, pk=None):
        sub = self.get_object()  # out of scope is 404 before the body is judged
        body = SaveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        sub = _call(services.submission_save, actor=request.user, submission=sub,
                    values=d["values"], comments=d.get("comments", {}), submit=d["submit"],
                    expected_version=d.get("version"))
        return Response(SubmissionSerializer(sub).data)

    @extend_schema(request=None, responses={200: SubmissionSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        sub = _call(services.submission_approve, actor=request.user, submission=self.get_object())
        return Response(SubmissionSerializer(sub).data)

    @extend_schema(request=ReasonSerializer, responses={200: SubmissionSerializer})
    @action(detail=True, methods=["post"])
    def unlock(self, request, pk=None):
        sub = self.get_object()  # out of scope is 404 before the body is judged
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        sub = _call(services.submission_unlock, actor=request.user, submission=sub,
                    reason=body.validated_data["reason"])
        return Response(SubmissionSerializer(sub).data)


class BulletinSerializer(serializers.ModelSerializer):
    class Meta:
        model = Bulletin
        fields = ["id", "run", "english", "status", "created_at", "sent_to", "sent_at",
                  "pdf_path", "xlsx_path"]
        read_only_fields = ["id", "status", "created_at", "sent_to", "sent_at", "pdf_path",
                            "xlsx_path"]


class BulletinViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Daily bulletins: produce one for a run (a background task) and follow its status."""

    queryset = Bulletin.objects.all()  # scoped-ok: restricted in get_queryset
    serializer_class = BulletinSerializer
    write_action = Action.EXPORT

    def perform_create(self, serializer):
        run = selectors.runs(actor=self.request.user).filter(
            pk=serializer.validated_data["run"].pk).first()
        if run is None:
            raise serializers.ValidationError({"run": [_("No such report period.")]})
        serializer.instance = _call(bulletins.bulletin_request, actor=self.request.user, run=run,
                                    english=serializer.validated_data.get("english", False))


class ActionItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActionItem
        fields = ["id", "meeting", "text", "owner", "due_at", "done_at", "done_note"]
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.SlugRelatedField(
        slug_field="code", queryset=Jurisdiction.objects.none())  # scoped-ok: see __init__
    items = ActionItemSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "jurisdiction", "kind", "held_at", "title", "notes", "decisions",
                  "items"]
        read_only_fields = ["id", "items"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["jurisdiction"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
                request.user, Action.CHANGE)


class MeetingViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Coordination meetings (daily dispatch and consultation) with their action items."""

    queryset = Meeting.objects.prefetch_related("items")  # scoped-ok: get_queryset
    serializer_class = MeetingSerializer

    def perform_create(self, serializer):
        serializer.instance = _call(services.meeting_create, actor=self.request.user,
                                    **serializer.validated_data)


class DoneSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ActionItemViewSet(ScopedReadOnlyViewSet):
    """Action items; mark one done."""

    queryset = ActionItem.objects.all()  # scoped-ok: restricted in get_queryset
    serializer_class = ActionItemSerializer

    def get_action(self):
        return Action.CHANGE if self.action == "done" else super().get_action()

    @extend_schema(request=DoneSerializer, responses={200: ActionItemSerializer})
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        item = self.get_object()  # out of scope is 404 before the body is judged
        body = DoneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = _call(services.action_item_done, actor=request.user, item=item,
                     note=body.validated_data.get("note", ""))
        return Response(ActionItemSerializer(item).data)


ROUTES = [
    ("report-runs", RunViewSet, "reportrun"),
    ("submissions", SubmissionViewSet, "submission"),
    ("bulletins", BulletinViewSet, "bulletin"),
    ("meetings", MeetingViewSet, "meeting"),
    ("action-items", ActionItemViewSet, "actionitem"),
]

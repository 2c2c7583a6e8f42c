"""REST endpoints of incident handling: incidents (open, note, link a person, close), their
steps, information reports (draft, approve, send), public opinion, plans and the directory."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from frontline.areas.models import Jurisdiction, Place
from frontline.core.api import ScopedModelViewSet, ScopedReadOnlyViewSet, as_drf_error
from frontline.core.models import get_in_scope
from frontline.core.permissions import Action
from frontline.incidents import selectors, services
from frontline.incidents.models import (
    Contact,
    ContingencyPlan,
    Incident,
    IncidentReport,
    IncidentStep,
    OpinionEntry,
    ReportKind,
    StepStatus,
    TimelineEntry,
)


def _call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except (ValidationError, PermissionDenied) as exc:
        raise as_drf_error(exc) from exc


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentStep
        fields = ["id", "incident", "order", "title", "responsible_role", "required", "due_at",
                  "status", "done_at", "note", "escalated_at"]
        read_only_fields = fields


class TimelineSerializer(serializers.ModelSerializer):
    class Meta:
        model = TimelineEntry
        fields = ["at", "actor_label", "kind", "text"]
        read_only_fields = fields


class IncidentSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.SlugRelatedField(
        slug_field="code", queryset=Jurisdiction.objects.none())  # scoped-ok: see __init__
    place = serializers.PrimaryKeyRelatedField(
        queryset=Place.objects.none(), required=False, allow_null=True)  # scoped-ok: __init__
    steps = StepSerializer(many=True, read_only=True)
    timeline = TimelineSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = ["id", "incident_type", "severity", "title", "description", "jurisdiction",
                  "jurisdiction_code", "place", "plan", "source", "status", "opened_at",
                  "closed_at", "close_reason", "steps", "timeline"]
        read_only_fields = ["id", "jurisdiction_code", "plan", "status", "opened_at",
                            "closed_at", "close_reason", "steps", "timeline"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["jurisdiction"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
                request.user)
            self.fields["place"].queryset = Place.objects.restrict(request.user)  # scoped-ok


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)


class CloseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class PersonLinkSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    role = serializers.CharField(max_length=100, required=False, allow_blank=True)


class ReportDraftSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)


class ReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentReport
        fields = ["id", "incident", "kind", "number", "text", "status", "recipients",
                  "created_at", "approved_at", "sent_at"]
        read_only_fields = ["id", "incident", "kind", "number", "status", "recipients",
                            "created_at", "approved_at", "sent_at"]


class IncidentViewSet(ScopedModelViewSet):
    """Foreign-related incidents in your scope."""

    queryset = Incident.objects.prefetch_related("steps", "timeline")  # scoped-ok: restricted
    serializer_class = IncidentSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_action(self):
        if self.action in ("note", "close", "link_person", "report"):
            return Action.CHANGE
        return super().get_action()

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = _call(
            services.incident_open, actor=self.request.user, incident_type=d["incident_type"],
            severity=d["severity"], title=d["title"], description=d["description"],
            jurisdiction=d["jurisdiction"], place=d.get("place"), source=d.get("source", ""))

    def _done(self, incident):
        incident = selectors.incident_detail(actor=self.request.user, pk=incident.pk)
        return Response(IncidentSerializer(incident, context={"request": self.request}).data)

    @extend_schema(request=TextSerializer, responses={200: IncidentSerializer})
    @action(detail=True, methods=["post"])
    def note(self, request, pk=None):
        incident = self.get_object()  # out of scope is 404 before the body is judged
        body = TextSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        _call(services.note_add, actor=request.user, incident=incident,
              text=body.validated_data["text"])
        return self._done(incident)

    @extend_schema(request=PersonLinkSerializer, responses={200: IncidentSerializer})
    @action(detail=True, methods=["post"], url_path="people")
    def link_person(self, request, pk=None):
        from frontline.people.models import Person

        incident = self.get_object()  # out of scope is 404 before the body is judged
        body = PersonLinkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        person = get_in_scope(Person, request.user, Action.VIEW, pk=body.validated_data["person"])
        _call(services.person_link, actor=request.user, incident=incident, person=person,
              role=body.validated_data.get("role", ""))
        return self._done(incident)

    @extend_schema(request=CloseSerializer, responses={200: IncidentSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        incident = self.get_object()  # out of scope is 404 before the body is judged
        body = CloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        incident = _call(services.incident_close, actor=request.user,
                         incident=incident, reason=body.validated_data.get("reason", ""))
        return self._done(incident)

    @extend_schema(request=ReportDraftSerializer, responses={201: ReportSerializer})
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        incident = self.get_object()  # out of scope is 404 before the body is judged
        body = ReportDraftSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = _call(services.report_draft, actor=request.user, incident=incident,
                       kind=body.validated_data["kind"])
        return Response(ReportSerializer(report).data, status=201)


class StepDoneSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[StepStatus.DONE, StepStatus.SKIPPED],
                                     default=StepStatus.DONE)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class StepViewSet(ScopedReadOnlyViewSet):
    """Checklist steps of incidents; complete one with `done` or `skipped` (with a note)."""

    queryset = IncidentStep.objects.all()  # scoped-ok: restricted in get_queryset
    serializer_class = StepSerializer

    def get_action(self):
        return Action.CHANGE if self.action == "complete" else super().get_action()

    @extend_schema(request=StepDoneSerializer, responses={200: StepSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        step = self.get_object()  # out of scope is 404 before the body is judged
        body = StepDoneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        step = _call(services.step_complete, actor=request.user, step=step,
                     **body.validated_data)
        return Response(StepSerializer(step).data)


class SendSerializer(serializers.Serializer):
    recipients = serializers.CharField(max_length=300)


class ReportViewSet(mixins.UpdateModelMixin, ScopedReadOnlyViewSet):
    """Information reports: edit the draft's text, approve, send."""

    queryset = IncidentReport.objects.all()  # scoped-ok: restricted in get_queryset
    serializer_class = ReportSerializer
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_action(self):
        if self.action in ("approve", "send", "partial_update"):
            return Action.CHANGE
        return super().get_action()

    def perform_update(self, serializer):
        serializer.instance = _call(services.report_edit, actor=self.request.user,
                                    report=serializer.instance,
                                    text=serializer.validated_data.get("text", ""))

    @extend_schema(request=None, responses={200: ReportSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        report = _call(services.report_approve, actor=request.user, report=self.get_object())
        return Response(ReportSerializer(report).data)

    @extend_schema(request=SendSerializer, responses={200: ReportSerializer})
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        report = self.get_object()  # out of scope is 404 before the body is judged
        body = SendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = _call(services.report_send, actor=request.user, report=report,
                       recipients=body.validated_data["recipients"])
        return Response(ReportSerializer(report).data)


class OpinionSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.SlugRelatedField(
        slug_field="code", queryset=Jurisdiction.objects.none(),  # scoped-ok: see __init__
        write_only=True)

    class Meta:
        model = OpinionEntry
        fields = ["id", "jurisdiction", "jurisdiction_code", "source", "link", "summary",
                  "sentiment", "incident", "follow_up", "status", "created_at"]
        read_only_fields = ["id", "jurisdiction_code", "follow_up", "status", "created_at",
                            "incident"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["jurisdiction"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
                request.user, Action.CHANGE)


class OpinionViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Public-opinion entries."""

    queryset = OpinionEntry.objects.all()  # scoped-ok: restricted in get_queryset
    serializer_class = OpinionSerializer

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = _call(
            services.opinion_record, actor=self.request.user, jurisdiction=d["jurisdiction"],
            source=d["source"], summary=d["summary"], sentiment=d["sentiment"],
            link=d.get("link", ""))


class PlanSerializer(serializers.ModelSerializer):
    steps = serializers.SerializerMethodField()

    class Meta:
        model = ContingencyPlan
        fields = ["id", "incident_type", "jurisdiction_code", "title", "summary", "version",
                  "is_current", "steps"]
        read_only_fields = fields

    def get_steps(self, plan) -> list[dict]:
        return [{"order": s.order, "title": s.title, "responsible_role": s.responsible_role,
                 "minutes": s.minutes, "required": s.required} for s in plan.steps.all()]


class PlanViewSet(ScopedReadOnlyViewSet):
    """Contingency plans of your offices and the offices above them, every version."""

    queryset = ContingencyPlan.objects.prefetch_related("steps")  # scoped-ok: get_queryset
    serializer_class = PlanSerializer

    def get_queryset(self):
        super().get_queryset()
        return selectors.plan_list(actor=self.request.user, current_only=False
                                   ).prefetch_related("steps")


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "kind", "country", "name", "address", "phone", "duty_phone", "email",
                  "duty_contact", "notes", "verified"]
        read_only_fields = fields


class ContactViewSet(viewsets.ReadOnlyModelViewSet):
    """The liaison directory of embassies, consulates and partner offices."""

    unscoped_reason = ("public directory of embassies and partner offices, the same for every "
                       "staff member; no personal data")
    queryset = Contact.objects.all()  # scoped-ok: public
    serializer_class = ContactSerializer


ROUTES = [
    ("incidents", IncidentViewSet, "incident"),
    ("incident-steps", StepViewSet, "incidentstep"),
    ("incident-reports", ReportViewSet, "incidentreport"),
    ("public-opinion", OpinionViewSet, "opinionentry"),
    ("contingency-plans", PlanViewSet, "contingencyplan"),
    ("liaison-contacts", ContactViewSet, "contact"),
]

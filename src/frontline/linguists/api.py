"""REST endpoints of the language talent pool: members, posts, needs (with ranked candidates,
offers and direct assignment), offers, shifts, requests from the front line, phone
interpreting, dashboard figures, and a member's own offers."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from frontline.areas.models import Jurisdiction, Place
from frontline.core.api import ScopedModelViewSet, ScopedReadOnlyViewSet, as_drf_error
from frontline.core.models import OutOfScope
from frontline.core.permissions import Action
from frontline.linguists import selectors, services
from frontline.linguists.models import (
    LEVEL_MAX,
    LEVEL_MIN,
    CallLog,
    Language,
    Linguist,
    LinguistLanguage,
    Need,
    Offer,
    Post,
    RemoteAssignment,
    Shift,
    SpeakerRequest,
)


@extend_schema_field({
    "type": "string", "pattern": "^(" + "|".join(Language.values) + ")$",
    "description": "A language code of the pool: " + ", ".join(Language.values) + ".",
})
class LanguageField(serializers.ChoiceField):
    """The pool's language codes, described by a pattern: an enum would be named "language",
    a name other apps' enums share."""

    def __init__(self, **kwargs):
        super().__init__(choices=Language.choices, **kwargs)


def _call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except ValidationError as exc:
        raise as_drf_error(exc) from exc


class MemberLanguageSerializer(serializers.ModelSerializer):
    language = LanguageField()
    # Levels are checked by the service, so a level outside the scale gets its clear message.
    listening = serializers.IntegerField(help_text=f"{LEVEL_MIN} to {LEVEL_MAX}")
    speaking = serializers.IntegerField(help_text=f"{LEVEL_MIN} to {LEVEL_MAX}")
    reading = serializers.IntegerField(help_text=f"{LEVEL_MIN} to {LEVEL_MAX}")
    writing = serializers.IntegerField(help_text=f"{LEVEL_MIN} to {LEVEL_MAX}")

    class Meta:
        model = LinguistLanguage
        fields = ["language", "listening", "speaking", "reading", "writing", "in_reserve_pool"]


class LinguistSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(
        slug_field="code", queryset=Jurisdiction.objects.none(),  # scoped-ok: see __init__
        help_text="Division code of the member's district or street.")
    languages = MemberLanguageSerializer(many=True, required=False)

    class Meta:
        model = Linguist
        fields = ["id", "name", "kind", "unit", "jurisdiction_code", "department", "phone",
                  "email", "status", "interpreting", "translating", "proofreading", "notes",
                  "languages", "created_at", "updated_at"]
        read_only_fields = ["id", "jurisdiction_code", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["unit"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
                request.user, Action.CHANGE)


MEMBER_WRITE = services.MEMBER_FIELDS - {"user"}


class LinguistViewSet(ScopedModelViewSet):
    """Members of the pool in your scope, with their languages and levels per skill."""

    queryset = Linguist.objects.all()  # scoped-ok: restricted in get_queryset
    serializer_class = LinguistSerializer

    def get_queryset(self):
        super().get_queryset()
        p = self.request.query_params
        return selectors.linguist_list(actor=self.request.user, action=self.get_action(),
                                       language=p.get("language", ""),
                                       status=p.get("status", ""))

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        languages = data.pop("languages", [])
        serializer.instance = _call(services.linguist_create, actor=self.request.user,
                                    languages=languages,
                                    **{k: v for k, v in data.items() if k in MEMBER_WRITE})

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        languages = data.pop("languages", None)
        member = _call(services.linguist_update, actor=self.request.user,
                       linguist=serializer.instance,
                       **{k: v for k, v in data.items() if k in MEMBER_WRITE})
        for entry in languages or []:
            _call(services.language_set, actor=self.request.user, linguist=member, **entry)
        serializer.instance = self.get_queryset().get(pk=member.pk)


class PostSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.SlugRelatedField(
        slug_field="code", queryset=Jurisdiction.objects.none())  # scoped-ok: see __init__
    place = serializers.PrimaryKeyRelatedField(
        queryset=Place.objects.none(), required=False, allow_null=True)  # scoped-ok: __init__

    class Meta:
        model = Post
        fields = ["id", "name", "kind", "jurisdiction", "jurisdiction_code", "place",
                  "essential", "is_active"]
        read_only_fields = ["id", "jurisdiction_code"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["jurisdiction"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
                request.user, Action.CONFIGURE)
            self.fields["place"].queryset = Place.objects.restrict(  # scoped-ok
                request.user, Action.CONFIGURE)


class PostViewSet(ScopedModelViewSet):
    """Posts of duty: street desks, the transfer point, observation hotels, the hotline."""

    queryset = Post.objects.select_related("jurisdiction")  # scoped-ok: get_queryset
    serializer_class = PostSerializer
    write_action = Action.CONFIGURE

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = _call(services.post_create, actor=self.request.user,
                                    name=data["name"], kind=data["kind"],
                                    jurisdiction=data["jurisdiction"], place=data.get("place"),
                                    essential=data.get("essential", False))

    def perform_update(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items()
                if k in ("name", "essential", "is_active")}
        serializer.instance = _call(services.post_update, actor=self.request.user,
                                    post=serializer.instance, **data)


class NeedSerializer(serializers.ModelSerializer):
    language = LanguageField()
    post = serializers.PrimaryKeyRelatedField(
        queryset=Post.objects.none())  # scoped-ok: see __init__
    min_listening = serializers.IntegerField(required=False, default=0)
    min_speaking = serializers.IntegerField(required=False, default=0)
    min_reading = serializers.IntegerField(required=False, default=0)
    min_writing = serializers.IntegerField(required=False, default=0)

    class Meta:
        model = Need
        fields = ["id", "post", "jurisdiction_code", "language", "min_listening", "min_speaking",
                  "min_reading", "min_writing", "starts_at", "ends_at", "people", "essential",
                  "status", "escalate_after", "escalated_at", "notes", "created_at"]
        read_only_fields = ["id", "jurisdiction_code", "status", "escalated_at", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["post"].queryset = Post.objects.restrict(  # scoped-ok
                request.user, Action.CHANGE)


class CandidateSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    linguist_id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()
    score = serializers.FloatField()
    levels = serializers.DictField(child=serializers.IntegerField())
    reserve = serializers.BooleanField()
    hours_14d = serializers.FloatField()
    load = serializers.IntegerField()
    coverage = serializers.FloatField(allow_null=True,
                                      help_text="Share of the shift covered; null: no weekly "
                                                "availability given.")
    distance = serializers.IntegerField()
    certificates = serializers.IntegerField()
    offer_status = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())


class ExcludedSerializer(serializers.Serializer):
    linguist_id = serializers.IntegerField()
    name = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())


class RankingSerializer(serializers.Serializer):
    candidates = CandidateSerializer(
        many=True, help_text="The best candidates, at most `limit` of them.")
    excluded = ExcludedSerializer(
        many=True, help_text="The first excluded members by name, at most `excluded_limit`.")
    candidates_total = serializers.IntegerField(
        min_value=0, help_text="How many candidates there are in all.")
    excluded_total = serializers.IntegerField(
        min_value=0, help_text="How many members are excluded in all.")


# The staff page shows the best 100 candidates and the first 200 excluded; the API sends as
# many by default, and at most RANKING_LIMIT_MAX of each.
CANDIDATES_LIMIT = 100
EXCLUDED_LIMIT = 200
RANKING_LIMIT_MAX = 1000


class _WholeNumberField(serializers.IntegerField):
    """An integer written as digits, with an optional minus sign: DRF's own field would also
    take "5.0" or " 5"."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not re.fullmatch(r"-?[0-9]+", data):
            self.fail("invalid")
        return super().to_internal_value(data)


class RankingQuerySerializer(serializers.Serializer):
    """The query parameters of a ranking. Errors carry DRF's own messages, which DRF
    translates (Simplified Chinese included)."""

    limit = _WholeNumberField(min_value=0, max_value=RANKING_LIMIT_MAX,
                              default=CANDIDATES_LIMIT)
    excluded_limit = _WholeNumberField(min_value=0, max_value=RANKING_LIMIT_MAX,
                                       default=EXCLUDED_LIMIT)


def _limit_parameter(name: str, default: int, what: str, total: str) -> OpenApiParameter:
    return OpenApiParameter(
        name, {"type": "integer", "minimum": 0, "maximum": RANKING_LIMIT_MAX},
        default=default,
        description=f"At most this many {what} are sent, a whole number from 0 to "
                    f"{RANKING_LIMIT_MAX}; `{total}` says how many there are in all. "
                    "Any other value answers 400.")


class OfferRequestSerializer(serializers.Serializer):
    linguists = serializers.ListField(child=serializers.IntegerField(), min_length=1,
                                      max_length=200)


class AssignRequestSerializer(serializers.Serializer):
    linguist = serializers.IntegerField()


class ShiftSerializer(serializers.ModelSerializer):
    linguist_name = serializers.CharField(source="linguist.name", read_only=True)
    hours_served = serializers.FloatField(read_only=True)

    class Meta:
        model = Shift
        fields = ["id", "need", "linguist", "linguist_name", "starts_at", "ends_at", "status",
                  "checked_in_at", "checked_out_at", "hours_served", "offer"]
        read_only_fields = fields


class OfferSerializer(serializers.ModelSerializer):
    linguist_name = serializers.CharField(source="linguist.name", read_only=True)

    class Meta:
        model = Offer
        fields = ["id", "need", "linguist", "linguist_name", "status", "from_reserve",
                  "sent_at", "expires_at", "answered_at"]
        read_only_fields = fields


class NeedViewSet(ScopedModelViewSet):
    """Needs (post × language × minimum levels × window × people), their ranked candidates,
    offers to several members at once, and direct assignment."""

    queryset = Need.objects.select_related("post")  # scoped-ok: restricted in get_queryset
    serializer_class = NeedSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_action(self):
        if self.action == "candidates":
            return Action.CHANGE
        return super().get_action()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = _call(services.need_create, actor=self.request.user, **data)

    @extend_schema(parameters=[
        _limit_parameter("limit", CANDIDATES_LIMIT, "candidates (best first)",
                         "candidates_total"),
        _limit_parameter("excluded_limit", EXCLUDED_LIMIT, "excluded members (by name)",
                         "excluded_total"),
    ], responses={200: RankingSerializer})
    @action(detail=True, methods=["get"])
    def candidates(self, request, pk=None):
        """Eligible members best first, each with the reasons of its rank; the others with
        why they are excluded. Only the first `limit` candidates and `excluded_limit`
        excluded are sent; the totals say how many there are."""
        need = self.get_object()  # out of scope is 404 before the parameters are judged
        # A plain dict, not the QueryDict: DRF would take an empty `?limit=` as absent.
        query = RankingQuerySerializer(data={
            name: request.query_params[name] for name in ("limit", "excluded_limit")
            if name in request.query_params})
        query.is_valid(raise_exception=True)
        limits = query.validated_data
        ranking = selectors.rank_candidates(actor=request.user, need=need)
        # The ranking builds its rows when read: slicing builds only the rows sent.
        return Response(RankingSerializer({
            "candidates": ranking.candidates[:limits["limit"]],
            "excluded": ranking.excluded[:limits["excluded_limit"]],
            "candidates_total": len(ranking.candidates),
            "excluded_total": len(ranking.excluded),
        }).data)

    @extend_schema(request=OfferRequestSerializer, responses={200: OfferSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def offer(self, request, pk=None):
        """Offer the need to several members at once; the first to accept is assigned."""
        need = self.get_object()
        body = OfferRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        members = list(selectors.linguist_list(actor=request.user).filter(
            pk__in=body.validated_data["linguists"]))
        if len(members) != len(set(body.validated_data["linguists"])):
            raise OutOfScope()
        offers = _call(services.offer_send, actor=request.user, need=need, linguists=members)
        return Response(OfferSerializer(offers, many=True).data)

    @extend_schema(request=AssignRequestSerializer, responses={201: ShiftSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Assign one member directly, without an offer."""
        need = self.get_object()
        body = AssignRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        member = selectors.linguist_list(actor=request.user).filter(
            pk=body.validated_data["linguist"]).first()
        if member is None:
            raise OutOfScope()
        shift = _call(services.shift_assign, actor=request.user, need=need, linguist=member)
        return Response(ShiftSerializer(shift).data, status=201)

    @extend_schema(request=None, responses={200: NeedSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        need = _call(services.need_cancel, actor=request.user, need=self.get_object())
        return Response(NeedSerializer(need, context={"request": request}).data)


class OfferViewSet(ScopedReadOnlyViewSet):
    """Offers in your scope; the office can record an answer a member gave by phone."""

    queryset = Offer.objects.select_related("linguist")  # scoped-ok: get_queryset
    serializer_class = OfferSerializer

    @extend_schema(request=None, responses={201: ShiftSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        shift = _call(services.offer_accept, actor=request.user, offer=self.get_object())
        return Response(ShiftSerializer(shift).data, status=201)

    @extend_schema(request=None, responses={200: OfferSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        offer = _call(services.offer_decline, actor=request.user, offer=self.get_object())
        return Response(OfferSerializer(offer).data)


class ShiftViewSet(ScopedReadOnlyViewSet):
    """Duty shifts in your scope: check in, check out, no-show."""

    queryset = Shift.objects.select_related("linguist")  # scoped-ok: get_queryset
    serializer_class = ShiftSerializer

    def _step(self, service):
        shift = _call(service, actor=self.request.user, shift=self.get_object())
        return Response(ShiftSerializer(shift).data)

    @extend_schema(request=None, responses={200: ShiftSerializer})
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        return self._step(services.shift_check_in)

    @extend_schema(request=None, responses={200: ShiftSerializer})
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request, pk=None):
        return self._step(services.shift_check_out)

    @extend_schema(request=None, responses={200: ShiftSerializer})
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, pk=None):
        return self._step(services.shift_no_show)


class SpeakerRequestSerializer(serializers.ModelSerializer):
    language = LanguageField()
    post = serializers.PrimaryKeyRelatedField(
        queryset=Post.objects.none())  # scoped-ok: see __init__

    class Meta:
        model = SpeakerRequest
        fields = ["id", "post", "jurisdiction_code", "language", "starts_at", "ends_at",
                  "people", "note", "status", "need", "created_at"]
        read_only_fields = ["id", "jurisdiction_code", "status", "need", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["post"].queryset = Post.objects.restrict(  # scoped-ok
                request.user, Action.VIEW)


class DispatchSerializer(serializers.Serializer):
    min_speaking = serializers.IntegerField(default=0)
    min_listening = serializers.IntegerField(default=0)
    min_reading = serializers.IntegerField(default=0)
    min_writing = serializers.IntegerField(default=0)


class SpeakerRequestViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Requests for a speaker from a hotel or a street; the office dispatches them."""

    queryset = SpeakerRequest.objects.select_related("post")  # scoped-ok: get_queryset
    serializer_class = SpeakerRequestSerializer

    def perform_create(self, serializer):
        serializer.instance = _call(services.request_create, actor=self.request.user,
                                    **serializer.validated_data)

    @extend_schema(request=DispatchSerializer, responses={201: NeedSerializer})
    @action(detail=True, methods=["post"], url_path="dispatch")
    def dispatch_request(self, request, pk=None):
        speaker_request = self.get_object()  # out of scope is 404 before the body is judged
        body = DispatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        need = _call(services.request_dispatch, actor=request.user,
                     request=speaker_request, **body.validated_data)
        return Response(NeedSerializer(need, context={"request": request}).data, status=201)

    @extend_schema(request=None, responses={200: SpeakerRequestSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        speaker_request = _call(services.request_cancel, actor=request.user,
                                request=self.get_object())
        return Response(SpeakerRequestSerializer(speaker_request,
                                                 context={"request": request}).data)


class CallSerializer(serializers.ModelSerializer):
    class Meta:
        model = CallLog
        fields = ["id", "started_at", "minutes", "topic", "created_at"]
        read_only_fields = ["id", "created_at"]


class RemoteAssignmentSerializer(serializers.ModelSerializer):
    language = LanguageField()
    calls = CallSerializer(many=True, read_only=True)

    class Meta:
        model = RemoteAssignment
        fields = ["id", "linguist", "person", "jurisdiction_code", "language", "is_active",
                  "calls", "created_at"]
        read_only_fields = ["id", "jurisdiction_code", "is_active", "calls", "created_at"]

    def __init__(self, *args, **kwargs):
        from frontline.people.models import Person

        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "linguist" in self.fields and not isinstance(
                self.instance, RemoteAssignment):
            self.fields["linguist"].queryset = Linguist.objects.restrict(  # scoped-ok
                request.user, Action.VIEW)
            self.fields["person"].queryset = Person.objects.restrict(  # scoped-ok
                request.user, Action.CHANGE)


class RemoteAssignmentViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Members assigned to a person for phone interpreting, with the call log."""

    queryset = RemoteAssignment.objects.prefetch_related("calls")  # scoped-ok: get_queryset
    serializer_class = RemoteAssignmentSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = _call(services.remote_assign, actor=self.request.user,
                                    linguist=data["linguist"], person=data["person"],
                                    language=data["language"])

    @extend_schema(request=CallSerializer, responses={201: CallSerializer})
    @action(detail=True, methods=["post"])
    def calls(self, request, pk=None):
        assignment = self.get_object()  # out of scope is 404 before the body is judged
        body = CallSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        call = _call(services.call_log_add, actor=request.user, assignment=assignment,
                     **body.validated_data)
        return Response(CallSerializer(call).data, status=201)


class MyOfferViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your own offers as a pool member; accept or decline them. Nobody sees another's."""

    unscoped_reason = "own rows: filtered by the requesting user"
    serializer_class = OfferSerializer
    queryset = Offer.objects.none()  # scoped-ok: own rows, see get_queryset

    def get_queryset(self):
        return Offer.objects.filter(  # scoped-ok: own offers
            linguist__user=self.request.user).select_related("linguist").order_by("-sent_at")

    @extend_schema(request=None, responses={201: ShiftSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        shift = _call(services.offer_accept, actor=request.user, offer=self.get_object())
        return Response(ShiftSerializer(shift).data, status=201)

    @extend_schema(request=None, responses={200: OfferSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        offer = _call(services.offer_decline, actor=request.user, offer=self.get_object())
        return Response(OfferSerializer(offer).data)


@extend_schema_serializer(many=False)  # the `list` below answers one object, not a list
class LinguistFiguresSerializer(serializers.Serializer):
    deployed = serializers.IntegerField()
    unmet = serializers.IntegerField()
    deployed_per_language = serializers.DictField(child=serializers.IntegerField())
    deployed_per_post = serializers.DictField(child=serializers.IntegerField())
    unmet_per_language = serializers.DictField(child=serializers.IntegerField())


class FiguresViewSet(viewsets.ViewSet):
    """Dashboard figures of the pool in your scope: deployed now per language and per post,
    unmet needs per language."""

    unscoped_reason = "reads no rows itself: the figures are computed through restrict()"

    @extend_schema(responses={200: LinguistFiguresSerializer})
    def list(self, request):
        return Response(selectors.figures(actor=request.user))


ROUTES = [
    ("linguists/members", LinguistViewSet, "linguist"),
    ("linguists/posts", PostViewSet, "linguistpost"),
    ("linguists/needs", NeedViewSet, "need"),
    ("linguists/offers", OfferViewSet, "offer"),
    ("linguists/shifts", ShiftViewSet, "shift"),
    ("linguists/requests", SpeakerRequestViewSet, "speakerrequest"),
    ("linguists/remote", RemoteAssignmentViewSet, "remoteassignment"),
    ("linguists/my-offers", MyOfferViewSet, "myoffer"),
    ("linguists/figures", FiguresViewSet, "linguistfigures"),
]

"""REST endpoints of the registry: people, identity documents (masked; reveal with a reason),
stays, travel, risk countries, duplicates and an MRZ reader for the desk."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from frontline.areas.models import CODE_RE, Jurisdiction, Place
from frontline.core.api import ScopedModelViewSet, ScopedReadOnlyViewSet, as_drf_error
from frontline.core.permissions import Action
from frontline.people import selectors, services
from frontline.people.models import (
    Category,
    DuplicateCandidate,
    IdentityDocument,
    LodgingStay,
    Person,
    RiskCountry,
    Travel,
)
from frontline.people.mrz import parse_mrz


class DocumentSerializer(serializers.ModelSerializer):
    number = serializers.CharField(write_only=True, help_text="The full number (write only).")
    number_masked = serializers.CharField(read_only=True)
    person = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.none())  # scoped-ok: replaced by restrict() in __init__

    class Meta:
        model = IdentityDocument
        fields = ["id", "person", "doc_type", "number", "number_masked", "issuing_country",
                  "expiry_date", "verified_by_mrz", "created_at"]
        read_only_fields = ["id", "number_masked", "verified_by_mrz", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["person"].queryset = Person.objects.restrict(  # scoped-ok
                request.user, Action.CHANGE)


class PersonSerializer(serializers.ModelSerializer):
    categories = serializers.ListField(child=serializers.ChoiceField(choices=Category.choices),
                                       required=False)
    residence = serializers.SlugRelatedField(
        slug_field="code", queryset=Jurisdiction.objects.none(),  # scoped-ok: see __init__
        help_text="Division code of the community (or street) of residence.")
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Place.objects.none(), required=False, allow_null=True)  # scoped-ok: see __init__
    documents = serializers.SerializerMethodField()
    arrived_recently = serializers.BooleanField(read_only=True, default=None, allow_null=True)
    from_risk_country = serializers.BooleanField(read_only=True, default=None)
    version = serializers.IntegerField(required=False,
                                       help_text="Send the version you read to refuse an edit "
                                                 "based on an outdated copy.")

    class Meta:
        model = Person
        fields = ["id", "family_name", "given_names", "name_native", "name_zh", "sex",
                  "birth_date", "nationality", "categories", "phone", "phone_alt", "email",
                  "preferred_language", "residence", "jurisdiction_code", "address",
                  "organisation", "arrived_on", "notes", "documents", "arrived_recently",
                  "from_risk_country", "merged_into", "version", "created_at", "updated_at"]
        read_only_fields = ["id", "jurisdiction_code", "merged_into", "created_at",
                            "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["residence"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
                request.user, Action.CHANGE)
            self.fields["organisation"].queryset = Place.objects.restrict(  # scoped-ok
                request.user, Action.VIEW)

    def get_documents(self, person) -> list[dict]:
        return [{"id": d.id, "doc_type": d.doc_type, "number_masked": d.number_masked,
                 "issuing_country": str(d.issuing_country)} for d in person.documents.all()]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["categories"] = instance.categories
        return data


PERSON_WRITE_FIELDS = services.PERSON_FIELDS


class PersonRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="The request being answered "
                                   "(who asked, when, how); it is logged.")


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("q", str, description="Name (any script, partial), document number "
                                           "(exact) or phone"),
    OpenApiParameter("category", str, enum=Category.values),
    OpenApiParameter("nationality", str, description="ISO 3166 alpha-2"),
    OpenApiParameter("code", str, description="Division code prefix"),
    OpenApiParameter("arrived_recently", bool),
    OpenApiParameter("from_risk_country", bool),
]))
class PersonViewSet(ScopedModelViewSet):
    """People in your scope, with computed flags; writes go through the registry's services.
    `data-copy` and `erase` answer the person's own requests (PIPL art. 45, 47)."""

    queryset = Person.objects.all()  # scoped-ok: restricted in get_queryset
    serializer_class = PersonSerializer

    def get_queryset(self):
        super().get_queryset()
        p = self.request.query_params
        return selectors.person_list(
            actor=self.request.user, action=self.get_action(), query=p.get("q", ""),
            category=p.get("category", ""), nationality=p.get("nationality", ""),
            code=p.get("code", "") if CODE_RE.match(p.get("code", "")) else "",
            arrived_recently=p.get("arrived_recently") in ("1", "true"),
            from_risk_country=p.get("from_risk_country") in ("1", "true"),
            include_merged=self.action != "list")

    def _fields(self, data):
        return {k: v for k, v in data.items() if k in PERSON_WRITE_FIELDS}

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = services.person_create(
                actor=self.request.user, categories=data.get("categories"), **self._fields(data))
        except ValidationError as exc:
            raise as_drf_error(exc) from exc

    def perform_update(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = services.person_update(
                actor=self.request.user, person=serializer.instance,
                expected_version=data.get("version"), categories=data.get("categories"),
                **self._fields(data))
        except ValidationError as exc:
            raise as_drf_error(exc) from exc
        serializer.instance = selectors.person_detail(actor=self.request.user,
                                                      pk=serializer.instance.pk)

    def _person_request(self, request, service):
        """Answer a request of the person concerned with `service`, given the reason."""
        person = self.get_object()  # out of scope is 404 before the body is judged
        body = PersonRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            return service(actor=request.user, person=person,
                           reason=body.validated_data["reason"])
        except ValidationError as exc:
            raise as_drf_error(exc) from exc

    @extend_schema(request=PersonRequestSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="data-copy")
    def data_copy(self, request, pk=None):
        """Everything held about the person (document numbers in full), for their request to
        see or copy it; needs the right to reveal personal data; logged."""
        copy = self._person_request(request, services.person_data_copy)
        return Response(json.loads(json.dumps(copy, cls=DjangoJSONEncoder)))

    @extend_schema(request=PersonRequestSerializer, responses={200: PersonSerializer})
    @action(detail=True, methods=["post"])
    def erase(self, request, pk=None):
        """Delete the person's personal data on their request (refused during an
        observation); needs the right to reveal personal data; logged."""
        person = self._person_request(request, services.person_erase)
        return Response(PersonSerializer(selectors.person_detail(
            actor=request.user, pk=person.pk)).data)


class RevealSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class DocumentViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Identity documents, masked. The full number needs the reveal action and a reason."""

    queryset = IdentityDocument.objects.select_related("person")  # scoped-ok: get_queryset
    serializer_class = DocumentSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = services.document_add(
                actor=self.request.user, person=data["person"], doc_type=data["doc_type"],
                number=data["number"], issuing_country=str(data["issuing_country"]),
                expiry_date=data.get("expiry_date"))
        except ValidationError as exc:
            raise as_drf_error(exc) from exc

    @extend_schema(request=RevealSerializer, responses={200: inline_serializer(
        "RevealedNumber", {"id": serializers.IntegerField(), "number": serializers.CharField()})})
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        document = self.get_object()
        body = RevealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            number = services.document_reveal(actor=request.user, document=document,
                                              reason=body.validated_data["reason"])
        except Exception as exc:
            raise as_drf_error(exc) from exc
        return Response({"id": document.pk, "number": number})

    def get_action(self):
        # Revealing reads the row with `view` and checks `reveal` in the service.
        return Action.VIEW if self.action == "reveal" else super().get_action()


class StaySerializer(serializers.ModelSerializer):
    class Meta:
        model = LodgingStay
        fields = ["id", "person", "place", "room", "check_in", "check_out", "source"]
        read_only_fields = ["id", "check_out", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and not isinstance(self.instance, LodgingStay):
            self.fields["person"].queryset = Person.objects.restrict(  # scoped-ok
                request.user, Action.VIEW)
            self.fields["place"].queryset = Place.objects.restrict(  # scoped-ok
                request.user, Action.CHANGE)


class StayViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Hotel stays; hotel duty staff see and record their own hotel's."""

    queryset = LodgingStay.objects.select_related("person", "place")  # scoped-ok: get_queryset
    serializer_class = StaySerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = services.stay_check_in(
                actor=self.request.user, person=data["person"], place=data["place"],
                check_in=data["check_in"], room=data.get("room", ""))
        except ValidationError as exc:
            raise as_drf_error(exc) from exc

    @extend_schema(request=None, responses={200: StaySerializer})
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request, pk=None):
        stay = self.get_object()
        try:
            stay = services.stay_check_out(actor=request.user, stay=stay, check_out=timezone.now())
        except ValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response(StaySerializer(stay, context={"request": request}).data)

    def get_action(self):
        return Action.CHANGE if self.action == "check_out" else super().get_action()


class TravelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Travel
        fields = ["id", "person", "country", "from_date", "to_date"]
        read_only_fields = ["id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["person"].queryset = Person.objects.restrict(  # scoped-ok
                request.user, Action.CHANGE)


class TravelViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Travel history: countries visited, with dates."""

    queryset = Travel.objects.all()  # scoped-ok: restricted in get_queryset
    serializer_class = TravelSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = services.travel_add(
                actor=self.request.user, person=data["person"], country=str(data["country"]),
                from_date=data["from_date"], to_date=data["to_date"])
        except ValidationError as exc:
            raise as_drf_error(exc) from exc


class RiskCountrySerializer(serializers.ModelSerializer):
    jurisdiction = serializers.SlugRelatedField(
        slug_field="code", queryset=Jurisdiction.objects.none())  # scoped-ok: see __init__

    class Meta:
        model = RiskCountry
        fields = ["id", "country", "jurisdiction", "effective_from", "effective_to", "note"]
        read_only_fields = ["id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["jurisdiction"].queryset = Jurisdiction.objects.restrict(  # scoped-ok
                request.user, Action.CONFIGURE)


class RiskCountryViewSet(ScopedModelViewSet):
    """The office's risk-country list, with effective dates."""

    queryset = RiskCountry.objects.select_related("jurisdiction")  # scoped-ok: get_queryset
    serializer_class = RiskCountrySerializer
    write_action = Action.CONFIGURE

    def _save(self, serializer, risk=None):
        data = serializer.validated_data
        merged = {"country": str(data.get("country", getattr(risk, "country", ""))),
                  "jurisdiction": data.get("jurisdiction", getattr(risk, "jurisdiction", None)),
                  "effective_from": data.get("effective_from",
                                             getattr(risk, "effective_from", None)),
                  "effective_to": data.get("effective_to", getattr(risk, "effective_to", None)),
                  "note": data.get("note", getattr(risk, "note", ""))}
        try:
            serializer.instance = services.risk_country_set(actor=self.request.user, risk=risk,
                                                            **merged)
        except ValidationError as exc:
            raise as_drf_error(exc) from exc

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)


class DuplicateSerializer(serializers.ModelSerializer):
    class Meta:
        model = DuplicateCandidate
        fields = ["id", "first", "second", "reason", "status", "found_at", "decided_at"]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    same_person = serializers.BooleanField()
    keep = serializers.IntegerField(required=False, help_text="Id of the record to keep.")


class DuplicateViewSet(ScopedReadOnlyViewSet):
    """Possible duplicates to review; deciding merges or dismisses the pair."""

    queryset = DuplicateCandidate.objects.all()  # scoped-ok: restricted in get_queryset
    serializer_class = DuplicateSerializer
    read_action = Action.CHANGE

    @extend_schema(request=DecisionSerializer, responses={200: DuplicateSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        candidate = self.get_object()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        keep_id = body.validated_data.get("keep")
        keep = None
        if keep_id is not None:
            keep = {candidate.first_id: candidate.first,
                    candidate.second_id: candidate.second}.get(keep_id)
            if keep is None:
                raise serializers.ValidationError({"keep": [_("Keep one of the two records.")]})
        try:
            candidate = services.duplicate_decide(
                actor=request.user, candidate=candidate,
                same_person=body.validated_data["same_person"], keep=keep)
        except ValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response(DuplicateSerializer(candidate).data)


class MrzSerializer(serializers.Serializer):
    mrz = serializers.CharField(max_length=200, help_text="Two lines (TD3/TD2) or three (TD1).")


class MrzResultSerializer(serializers.Serializer):
    format = serializers.CharField()
    doc_code = serializers.CharField()
    family_name = serializers.CharField()
    given_names = serializers.CharField()
    document_number = serializers.CharField()
    issuing_country = serializers.CharField()
    nationality = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)
    expiry_date = serializers.DateField(allow_null=True)
    sex = serializers.CharField()


class MrzViewSet(viewsets.GenericViewSet):
    """Read and verify a machine-readable zone; errors name the failing field."""

    unscoped_reason = "reads no stored rows: it checks the text it is sent"
    serializer_class = MrzSerializer

    @extend_schema(request=MrzSerializer, responses={200: MrzResultSerializer})
    @action(detail=False, methods=["post"])
    def parse(self, request):
        body = MrzSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if not request.user.can(Action.CHANGE):
            return Response(status=status.HTTP_403_FORBIDDEN)
        try:
            result = parse_mrz(body.validated_data["mrz"])
        except ValidationError as exc:
            return Response({"mrz": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response(MrzResultSerializer(result.__dict__).data)


ROUTES = [
    ("people", PersonViewSet, "person"),
    ("identity-documents", DocumentViewSet, "identitydocument"),
    ("stays", StayViewSet, "stay"),
    ("travels", TravelViewSet, "travel"),
    ("risk-countries", RiskCountryViewSet, "riskcountry"),
    ("duplicates", DuplicateViewSet, "duplicate"),
    ("mrz", MrzViewSet, "mrz"),
]

try:  # the import and export endpoints live in their own module
    from frontline.people.import_api import IMPORT_ROUTES
except ImportError:  # pragma: no cover - while that module is being written
    IMPORT_ROUTES = []
ROUTES += IMPORT_ROUTES

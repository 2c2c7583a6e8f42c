"""REST endpoints for the users in your scope (read, resetting a lost authenticator and
revoking all their API tokens), your own API tokens, password and signed-in sessions."""

from __future__ import annotations

from django.contrib.auth import update_session_auth_hash
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.response import Response

from frontline.accounts import selectors, services
from frontline.accounts.models import ApiToken, RoleAssignment, User
from frontline.core.api import ScopedReadOnlyViewSet
from frontline.core.permissions import Action


class RoleAssignmentSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.CharField(source="jurisdiction.code", default=None,
                                         allow_null=True)
    place = serializers.IntegerField(source="place_id", default=None, allow_null=True)

    class Meta:
        model = RoleAssignment
        fields = ["id", "role", "jurisdiction", "place", "granted_at"]
        read_only_fields = fields


class UserSerializer(serializers.ModelSerializer):
    roles = RoleAssignmentSerializer(source="prefetched_roles", many=True, read_only=True)
    initial_password_expired = serializers.BooleanField(
        read_only=True, help_text="The password someone else set expired unused "
                                  "(INITIAL_PASSWORD_HOURS): sign-in is refused until a "
                                  "manager sets a new one.")

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "email", "is_active",
                  "password_change_required", "initial_password_expired", "last_login",
                  "roles"]
        read_only_fields = fields


class AuthenticatorResetSerializer(serializers.Serializer):
    password = serializers.CharField(
        trim_whitespace=False, write_only=True, required=False, allow_blank=True,
        style={"input_type": "password"},
        help_text="The new initial password, handed over in person; the user must change it "
                  "at the next sign-in. Leave it out (or empty) to have one generated: it is "
                  "then in the response, once.")
    reason = serializers.CharField(
        max_length=services.MANAGER_REASON_MAX_LENGTH,
        help_text="How the person's identity was checked in person (at least "
                  f"{services.MANAGER_REASON_MIN_LENGTH} characters); recorded in "
                  "the audit log.")
    revoke_tokens = serializers.BooleanField(
        default=False,
        help_text="Also revoke all the user's API tokens (a lost phone may hold one); the "
                  "number revoked is recorded in the same audit entry.")


class GeneratedPasswordSerializer(serializers.Serializer):
    password = serializers.CharField(
        help_text="The generated initial password (16 characters from 31 unambiguous ones, "
                  "in groups of four). Shown only in this response: hand it over in person.")


class TokensRevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=services.MANAGER_REASON_MAX_LENGTH,
        help_text=f"Why the tokens are revoked (at least {services.MANAGER_REASON_MIN_LENGTH} "
                  "characters); recorded in the audit log.")


class SessionsEndSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=services.MANAGER_REASON_MAX_LENGTH,
        help_text="Why the user is signed out (at least "
                  f"{services.MANAGER_REASON_MIN_LENGTH} characters); recorded in the audit "
                  "log.")


class SessionsEndedSerializer(serializers.Serializer):
    sessions_ended = serializers.IntegerField(
        min_value=0, help_text="How many sessions were ended (0 if none was left).")


class TokensRevokedSerializer(serializers.Serializer):
    tokens_revoked = serializers.IntegerField(
        min_value=0, help_text="How many tokens were revoked (0 if none was left).")


class EveryoneSignOutSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=services.MANAGER_REASON_MAX_LENGTH,
        help_text="Why everyone is signed out (at least "
                  f"{services.MANAGER_REASON_MIN_LENGTH} characters); recorded in the audit "
                  "log of every user signed out.")
    revoke_tokens = serializers.BooleanField(
        default=False, help_text="Also revoke every API token of the users signed out.")


class EveryoneSignedOutSerializer(serializers.Serializer):
    users = serializers.IntegerField(min_value=0, help_text="How many users were signed out.")
    sessions_ended = serializers.IntegerField(min_value=0,
                                              help_text="How many browser sessions ended.")
    tokens_revoked = serializers.IntegerField(
        min_value=0, help_text="How many API tokens were revoked (0 without revoke_tokens).")
    skipped = serializers.IntegerField(
        min_value=0, help_text="Users left alone because they also hold roles you may not "
                               "grant (their other office decides).")


class UserViewSet(ScopedReadOnlyViewSet):
    """Users holding a role inside your scope (needs the manage-users action)."""

    queryset = User.objects.all()  # scoped-ok: restricted in get_queryset
    serializer_class = UserSerializer
    read_action = Action.MANAGE_USERS
    write_action = Action.MANAGE_USERS

    def get_queryset(self):
        super().get_queryset()  # fail-closed check
        return selectors.user_list(actor=self.request.user,
                                   query=self.request.query_params.get("q", ""))

    @extend_schema(
        request=AuthenticatorResetSerializer,
        responses={200: OpenApiResponse(GeneratedPasswordSerializer,
                                        description="The authenticator was reset and a "
                                                    "generated password set (no password "
                                                    "was given); not cached."),
                   204: OpenApiResponse(description="The authenticator was reset and the "
                                                    "password given set."),
                   400: OpenApiResponse(description="Field errors: password (refused by the "
                                                    "password rules) or reason (too short or "
                                                    "too long); non_field_errors: your own "
                                                    "account."),
                   403: OpenApiResponse(description="The user also holds roles outside your "
                                                    "jurisdiction."),
                   404: OpenApiResponse(description="No such user in your scope.")},
        description="For a user who lost their authenticator (after checking their identity "
                    "in person): remove all their TOTP devices and set a new initial password, "
                    "which they must change at the next sign-in, after enrolling a new "
                    "authenticator. Their browser sessions end; their API tokens keep "
                    "working unless revoke_tokens is true. Audited as "
                    "user.authenticator_reset with the reason (and the number of tokens "
                    "revoked), never the password.",
    )
    @action(detail=True, methods=["post"], url_path="reset-authenticator")
    def reset_authenticator(self, request, pk=None):
        user = self.get_object()
        body = AuthenticatorResetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        generated = not data.get("password")
        if generated:
            data["password"] = services.initial_password_generate()
        services.user_reset_authenticator(actor=request.user, user=user, **data)
        if not generated:
            return Response(status=status.HTTP_204_NO_CONTENT)
        response = Response({"password": data["password"]}, status=status.HTTP_200_OK)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        request=TokensRevokeSerializer,
        responses={200: TokensRevokedSerializer,
                   400: OpenApiResponse(description="Field errors: reason (too short or too "
                                                    "long); non_field_errors: your own "
                                                    "account (revoke your own tokens under "
                                                    "/api/v1/tokens/)."),
                   403: OpenApiResponse(description="The user also holds roles outside your "
                                                    "jurisdiction."),
                   404: OpenApiResponse(description="No such user in your scope.")},
        description="Revoke every API token of a user you manage (for example when the "
                    "account may be compromised): requests with those tokens get 401 from "
                    "then on. Their password, authenticator and browser sessions are left "
                    "alone. Audited as user.tokens_revoked with the reason and the number "
                    "revoked, never a key.",
    )
    @action(detail=True, methods=["post"], url_path="revoke-tokens")
    def revoke_tokens(self, request, pk=None):
        user = self.get_object()
        body = TokensRevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        revoked = services.user_tokens_revoke(actor=request.user, user=user,
                                              **body.validated_data)
        return Response(TokensRevokedSerializer({"tokens_revoked": revoked}).data,
                        status=status.HTTP_200_OK)

    @extend_schema(
        request=SessionsEndSerializer,
        responses={200: SessionsEndedSerializer,
                   400: OpenApiResponse(description="Field errors: reason (too short or too "
                                                    "long); non_field_errors: your own "
                                                    "account (end your own other sessions "
                                                    "under /api/v1/accounts/me/sessions/)."),
                   403: OpenApiResponse(description="The user also holds roles outside your "
                                                    "jurisdiction."),
                   404: OpenApiResponse(description="No such user in your scope.")},
        description="Sign a user you manage out of every browser (a computer left signed "
                    "in, an account that may be compromised): each of their browser sessions "
                    "goes to the sign-in page at its next request. Their password, "
                    "authenticator and API tokens are left alone. Audited as "
                    "user.sessions_ended_by_manager with the reason and the number ended.",
    )
    @action(detail=True, methods=["post"], url_path="end-sessions")
    def end_sessions(self, request, pk=None):
        user = self.get_object()
        body = SessionsEndSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ended = services.user_sessions_end(actor=request.user, user=user,
                                           **body.validated_data)
        return Response(SessionsEndedSerializer({"sessions_ended": ended}).data,
                        status=status.HTTP_200_OK)


    @extend_schema(
        operation_id="users_end_sessions_everyone",
        request=EveryoneSignOutSerializer,
        responses={200: EveryoneSignedOutSerializer,
                   400: OpenApiResponse(description="Field errors: reason (too short or too "
                                                    "long)."),
                   403: OpenApiResponse(description="You do not manage users.")},
        description="Sign every user you manage out of every browser at once (a suspected "
                    "break-in, a leaked password list): every user holding a role in your "
                    "scope whose every role you may grant, but yourself. With revoke_tokens "
                    "their API tokens are revoked too. Passwords and authenticators are left "
                    "alone. Audited as user.sessions_ended_by_manager on each user and "
                    "users.sessions_ended on you, with the reason and the numbers.",
    )
    @action(detail=False, methods=["post"], url_path="end-sessions")
    def end_sessions_everyone(self, request):
        body = EveryoneSignOutSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        counts = services.users_sessions_end_all(actor=request.user, **body.validated_data)
        return Response(EveryoneSignedOutSerializer(counts).data, status=status.HTTP_200_OK)


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at",
                  "revoked_at"]
        read_only_fields = fields


class ApiTokenViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your own API tokens. New tokens are created on your profile page (shown once)."""

    unscoped_reason = "own rows: filtered by the requesting user"
    serializer_class = ApiTokenSerializer
    queryset = ApiToken.objects.none()  # scoped-ok: own tokens (schema only)

    def get_queryset(self):
        return ApiToken.objects.filter(user=self.request.user)  # scoped-ok: own tokens

    @extend_schema(request=None, responses={200: ApiTokenSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = self.get_object()
        token = services.token_revoke(actor=request.user, token=token)
        return Response(ApiTokenSerializer(token).data, status=status.HTTP_200_OK)


class PasswordChangeSerializer(serializers.Serializer):
    current_password = serializers.CharField(trim_whitespace=False, write_only=True,
                                             style={"input_type": "password"})
    new_password = serializers.CharField(trim_whitespace=False, write_only=True,
                                         style={"input_type": "password"})


class UserSessionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True, help_text="When it signed in.")
    last_seen_at = serializers.DateTimeField(
        read_only=True, help_text="When it was last used (updated at most every 30 seconds).")
    user_agent = serializers.CharField(read_only=True,
                                       help_text="The browser's User-Agent (shortened).")
    ip_masked = serializers.CharField(
        read_only=True, help_text="The address with its host part hidden (IPv4 with the last "
                                  "octet as x, IPv6 as its /48 network).")
    current = serializers.BooleanField(read_only=True,
                                       help_text="The session this request was made with.")


def _current_session_key(request) -> str | None:
    """The browser session this request was made in, if it is the requesting user's; a
    request with an API token alone has none."""
    django_request = request._request
    session = getattr(django_request, "session", None)
    user = getattr(django_request, "user", None)
    if session is None or user is None or not user.is_authenticated \
            or user.pk != request.user.pk:
        return None
    return session.session_key


class MeViewSet(viewsets.GenericViewSet):
    """Your own account."""

    unscoped_reason = "own rows: acts only on the requesting user's own account"
    serializer_class = PasswordChangeSerializer
    queryset = User.objects.none()  # scoped-ok: schema only; acts on request.user

    @extend_schema(
        request=PasswordChangeSerializer,
        responses={204: OpenApiResponse(description="The password was changed."),
                   400: OpenApiResponse(description="Field errors: current_password (not "
                                                    "correct) or new_password (refused by "
                                                    "the password rules).")},
        description="Change your own password. Your API tokens keep working; browser "
                    "sessions signed in with the old password end (except this one, when "
                    "called from a signed-in browser). A password someone else set (a new "
                    "account, a manager's reset) must be changed first: until then a "
                    "browser session gets 403 from every other endpoint.",
    )
    @action(detail=False, methods=["post"])
    def password(self, request):
        body = PasswordChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = services.password_change(actor=request.user, **body.validated_data)
        if isinstance(request.successful_authenticator, SessionAuthentication):
            update_session_auth_hash(request._request, user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={200: UserSessionSerializer(many=True)},
        description="Your signed-in browser sessions that still work, most recently used "
                    "first; `current` marks the one this request was made with (none for a "
                    "request with an API token). Session keys are never shown.",
    )
    @action(detail=False, methods=["get"], pagination_class=None)  # a handful, never paged
    def sessions(self, request):
        current = _current_session_key(request)
        rows = [{"id": s.pk, "created_at": s.created_at, "last_seen_at": s.last_seen_at,
                 "user_agent": s.user_agent, "ip_masked": s.ip_masked,
                 "current": bool(current) and s.session_key == current}
                for s in selectors.session_list(user=request.user)]
        return Response(UserSessionSerializer(rows, many=True).data)

    @extend_schema(
        request=None,
        responses={200: SessionsEndedSerializer},
        description="Sign out everywhere else: end every signed-in browser session of yours "
                    "but the one this request was made with; with an API token (no current "
                    "session) every browser session ends. Their next request goes to the "
                    "sign-in page. API tokens keep working. Audited as user.sessions_ended "
                    "with the number ended.",
    )
    @action(detail=False, methods=["post"], url_path="sessions/end-others")
    def sessions_end_others(self, request):
        ended = services.session_end_others(actor=request.user,
                                            current_session_key=_current_session_key(request))
        return Response(SessionsEndedSerializer({"sessions_ended": ended}).data,
                        status=status.HTTP_200_OK)


ROUTES = [
    ("users", UserViewSet, "user"),
    ("tokens", ApiTokenViewSet, "token"),
    ("accounts/me", MeViewSet, "me"),
]

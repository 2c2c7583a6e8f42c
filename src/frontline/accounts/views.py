"""Login, two factors, one's own profile and tokens, and managing the users of one's scope."""

from __future__ import annotations

import time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from frontline.accounts import selectors, services
from frontline.accounts.forms import (
    AuthenticatorResetForm,
    EveryoneSignOutForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    RoleScopeForm,
    SessionsEndForm,
    TokenForm,
    TokensRevokeForm,
    TwoFactorForm,
    UserCreateForm,
)
from frontline.accounts.middleware import LAST_SEEN, LOGIN_AT, two_factor_required
from frontline.accounts.models import RoleAssignment, User, UserSession
from frontline.accounts.roles import Role
from frontline.core.models import get_in_scope
from frontline.core.permissions import Action
from frontline.core.views import ScopedListView, apply_validation_error


def lockout_response(request, credentials, *args, **kwargs):
    """Shown by django-axes after too many failures; says nothing about the account."""
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    return render(request, "accounts/locked.html", {"minutes": minutes}, status=429)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        now = int(time.time())
        self.request.session[LOGIN_AT] = now
        self.request.session[LAST_SEEN] = now
        return response


def _safe_next(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return default


@login_required
def two_factor(request):
    """Verify a TOTP code, or enrol the first authenticator device."""
    user = request.user
    if not two_factor_required(user) or user.is_verified():
        return redirect(_safe_next(request))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()  # scoped-ok: own device
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()  # scoped-ok: own device
        if device is None:
            device = TOTPDevice.objects.create(  # scoped-ok: the user's own device
                user=user, name="authenticator", confirmed=False)
    form = TwoFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error("token", _("The code is not correct or has expired."))
    context = {"form": form, "enrolling": enrolling, "next": _safe_next(request, "")}
    if enrolling:
        context["qr_svg"] = segno.make(device.config_url, error="m").svg_data_uri(scale=4)
        context["secret"] = _b32_secret(device)
    return render(request, "accounts/two_factor.html", context)


def _b32_secret(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode().rstrip("=")


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, initial={
        "display_name": request.user.display_name, "email": request.user.email,
        "phone": request.user.phone})
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Your details were saved."))
            return redirect("accounts:profile")
    tokens = request.user.api_tokens.all()
    sessions = selectors.session_list(user=request.user)
    current = request.session.session_key
    return render(request, "accounts/profile.html", {
        "form": form, "tokens": tokens, "token_form": TokenForm(),
        "roles": request.user.active_roles(),
        "sessions": sessions, "current_session_key": current,
        "has_other_sessions": any(s.session_key != current for s in sessions),
    })


@login_required
@require_POST
def session_end(request):
    """End one of one's own other signed-in sessions, named by its row's id in the form
    (`session`), never by its key; another user's session is 404."""
    try:
        pk = int(request.POST.get("session", ""))
    except ValueError:
        raise Http404 from None
    row = get_object_or_404(UserSession, user=request.user, pk=pk)  # scoped-ok: own session
    if row.session_key == request.session.session_key:
        messages.error(request, _("This is the session you are using: sign out instead."))
        return redirect("accounts:profile")
    services.session_end(actor=request.user, session_key=row.session_key)
    messages.success(request, _("The session was ended."))
    return redirect("accounts:profile")


@login_required
@require_POST
def session_end_others(request):
    """Sign out everywhere else: every signed-in session of the user but this one."""
    ended = services.session_end_others(actor=request.user,
                                        current_session_key=request.session.session_key)
    messages.success(request, ngettext(
        "%(count)d other session was ended.", "%(count)d other sessions were ended.",
        ended) % {"count": ended})
    return redirect("accounts:profile")


@login_required
def password_change(request):
    """The signed-in user changes their own password; this session stays signed in.

    A user sent here because someone else set their password (`next` is the page they asked
    for) goes on to that page afterwards, if it is on this site.
    """
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.password_change(
                actor=request.user, current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            # Other sessions end: their auth hash no longer matches the new password.
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password was changed."))
            return redirect(_safe_next(request, "accounts:profile"))
    return render(request, "accounts/password_change.html", {
        "form": form, "required": request.user.password_change_required,
        "next": _safe_next(request, ""),
    })


@login_required
@require_POST
def token_create(request):
    form = TokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The token was not created: give it a name."))
        return redirect("accounts:profile")
    try:
        token, key = services.token_create(actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("accounts:profile")
    return render(request, "accounts/token_created.html", {"token": token, "key": key})


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(request.user.api_tokens, pk=pk)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:profile")


class UserListView(ScopedListView):
    model = User
    action = Action.MANAGE_USERS
    template_name = "accounts/user_list.html"
    paginate_by = 50

    def get_queryset(self):
        super().get_queryset()  # fail-closed check of the base class
        return selectors.user_list(actor=self.request.user, query=self.request.GET.get("q", ""),
                                   role=self.request.GET.get("role", ""))

    def get_context_data(self, **kwargs):
        return super().get_context_data(q=self.request.GET.get("q", ""),
                                        role=self.request.GET.get("role", ""),
                                        roles=Role.choices, **kwargs)


@login_required
def user_create(request):
    if not request.user.can(Action.MANAGE_USERS):
        raise PermissionDenied
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        password = data["password"] or services.initial_password_generate()
        try:
            user = services.user_create(
                actor=request.user, username=data["username"], password=password,
                display_name=data["display_name"], email=data["email"], phone=data["phone"],
                role=data["role"], jurisdiction=data["jurisdiction"], place=data["place"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The account %(username)s was created.")
                             % {"username": user.username})
            if not data["password"]:
                return _initial_password_page(request, user, password)
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


@login_required
def user_detail(request, pk: int):
    user = get_in_scope(User, request.user, Action.MANAGE_USERS, pk=pk)
    grant_form = RoleScopeForm(request.POST or None, actor=request.user)
    if request.method == "POST" and grant_form.is_valid():
        try:
            services.role_grant(actor=request.user, user=user, role=grant_form.cleaned_data["role"],
                                jurisdiction=grant_form.cleaned_data["jurisdiction"],
                                place=grant_form.cleaned_data["place"])
        except ValidationError as exc:
            apply_validation_error(grant_form, exc)
        except PermissionDenied as exc:
            grant_form.add_error(None, str(exc))
        else:
            messages.success(request, _("The role was granted."))
            return redirect("accounts:user_detail", pk=user.pk)
    return _user_detail_page(request, user, grant_form=grant_form)


def _user_detail_page(request, user: User, *, grant_form: RoleScopeForm | None = None,
                      authenticator_form: AuthenticatorResetForm | None = None,
                      tokens_form: TokensRevokeForm | None = None,
                      sessions_form: SessionsEndForm | None = None):
    roles = user.roles.select_related("jurisdiction", "place", "granted_by").order_by(
        "revoked_at", "-granted_at")
    # The tokens that would still authenticate (not revoked, not expired); never their keys.
    tokens = list(user.api_tokens.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()), revoked_at__isnull=True,
    ).only("name", "created_at", "last_used_at"))
    return render(request, "accounts/user_detail.html", {
        "subject": user, "roles": roles,
        "grant_form": grant_form or RoleScopeForm(actor=request.user),
        "password_form": PasswordResetForm(),
        "authenticator_form": authenticator_form or AuthenticatorResetForm(),
        "tokens": tokens,
        "tokens_form": tokens_form or TokensRevokeForm(),
        "sessions": selectors.session_list(user=user),
        "sessions_form": sessions_form or SessionsEndForm(),
        # The user's own devices, for the status line (the user is in scope, checked above).
        "has_authenticator": TOTPDevice.objects.filter(  # scoped-ok: the shown user's devices
            user=user, confirmed=True).exists(),
        "can_grant": {a.pk: services.can_grant(request.user, a.role, a.scope_code)
                      for a in roles},
    })


@login_required
@require_POST
def role_revoke(request, pk: int):
    assignment = get_in_scope(RoleAssignment, request.user, Action.MANAGE_USERS, pk=pk)
    try:
        services.role_revoke(actor=request.user, assignment=assignment)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The role was revoked."))
    return redirect("accounts:user_detail", pk=assignment.user_id)


@login_required
@require_POST
def user_set_active(request, pk: int):
    user = get_in_scope(User, request.user, Action.MANAGE_USERS, pk=pk)
    try:
        services.user_set_active(actor=request.user, user=user,
                                 active=request.POST.get("active") == "1")
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The account was updated."))
    return redirect("accounts:user_detail", pk=user.pk)


@login_required
@require_POST
def user_reset_password(request, pk: int):
    user = get_in_scope(User, request.user, Action.MANAGE_USERS, pk=pk)
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        password = form.cleaned_data["password"] or services.initial_password_generate()
        try:
            user = services.user_reset_password(
                actor=request.user, user=user, password=password,
                revoke_tokens=form.cleaned_data["revoke_tokens"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            revoked = form.cleaned_data["revoke_tokens"]
            if user.password_change_required and revoked:
                messages.success(request, _(
                    "The password was set and all API tokens of the user were revoked. The "
                    "user must choose their own password at the next sign-in."))
            elif user.password_change_required:
                messages.success(request, _("The password was set. The user must choose their "
                                            "own password at the next sign-in."))
            elif revoked:
                messages.success(request, _(
                    "The password was changed and all API tokens of the user were revoked."))
            else:
                messages.success(request, _("The password was changed."))
            if not form.cleaned_data["password"]:
                return _initial_password_page(request, user, password)
    return redirect("accounts:user_detail", pk=user.pk)


@login_required
@require_POST
def user_reset_authenticator(request, pk: int):
    """A manager removes the lost authenticator of a user and sets a new initial password;
    an invalid form is shown again on the user's page."""
    user = get_in_scope(User, request.user, Action.MANAGE_USERS, pk=pk)
    form = AuthenticatorResetForm(request.POST)
    if form.is_valid():
        password = form.cleaned_data["password"] or services.initial_password_generate()
        try:
            services.user_reset_authenticator(
                actor=request.user, user=user, password=password,
                reason=form.cleaned_data["reason"],
                revoke_tokens=form.cleaned_data["revoke_tokens"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect("accounts:user_detail", pk=user.pk)
        else:
            if form.cleaned_data["revoke_tokens"]:
                messages.success(request, _(
                    "The authenticator was reset, the new password set and all API tokens of "
                    "the user revoked. Hand the password over in person: at the next sign-in "
                    "the user sets up a new authenticator and then chooses their own "
                    "password."))
            else:
                messages.success(request, _(
                    "The authenticator was reset and the new password set. Hand the password "
                    "over in person: at the next sign-in the user sets up a new authenticator "
                    "and then chooses their own password."))
            if not form.cleaned_data["password"]:
                return _initial_password_page(request, user, password)
            return redirect("accounts:user_detail", pk=user.pk)
    return _user_detail_page(request, user, authenticator_form=form)


def _initial_password_page(request, user: User, password: str):
    """The password Frontline made for `user`, shown this once to the manager who set it (not
    stored in a message or a cookie, and not kept by the browser's cache)."""
    response = render(request, "accounts/initial_password.html", {
        "subject": user, "password": password,
        "hours": settings.INITIAL_PASSWORD_VALID_HOURS})
    response["Cache-Control"] = "no-store"
    return response


def _manager_act(request, pk: int, form_class, form_name: str, act, done):
    """A manager's act with a reason on a user's page: `act(actor=, user=, reason=)` answers
    a number, `done(number)` the message saying so; a refusal is shown on the user's page."""
    user = get_in_scope(User, request.user, Action.MANAGE_USERS, pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            number = act(actor=request.user, user=user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect("accounts:user_detail", pk=user.pk)
        else:
            messages.success(request, done(number))
            return redirect("accounts:user_detail", pk=user.pk)
    return _user_detail_page(request, user, **{form_name: form})


@login_required
@require_POST
def user_tokens_revoke(request, pk: int):
    """A manager revokes every API token of a user."""
    return _manager_act(request, pk, TokensRevokeForm, "tokens_form",
                        services.user_tokens_revoke, lambda revoked: ngettext(
                            "%(count)d API token was revoked.",
                            "%(count)d API tokens were revoked.", revoked) % {"count": revoked})


@login_required
@require_POST
def user_sessions_end(request, pk: int):
    """A manager signs a user out of every browser."""
    return _manager_act(request, pk, SessionsEndForm, "sessions_form",
                        services.user_sessions_end, lambda ended: ngettext(
                            "%(count)d session was ended.", "%(count)d sessions were ended.",
                            ended) % {"count": ended})



@login_required
def users_sessions_end_all(request):
    """A manager signs everyone they manage out of every browser: what it would do, computed
    from the data now, then the form with a reason and a confirmation."""
    if not request.user.can(Action.MANAGE_USERS):
        raise PermissionDenied
    form = EveryoneSignOutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            counts = services.users_sessions_end_all(
                actor=request.user, reason=form.cleaned_data["reason"],
                revoke_tokens=form.cleaned_data["revoke_tokens"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            message = ngettext(
                "%(users)d user was signed out (browser sessions ended: %(sessions)d).",
                "%(users)d users were signed out (browser sessions ended: %(sessions)d).",
                counts["users"]) % {"users": counts["users"],
                                    "sessions": counts["sessions_ended"]}
            if form.cleaned_data["revoke_tokens"]:
                message += " " + ngettext(
                    "%(count)d API token was revoked.", "%(count)d API tokens were revoked.",
                    counts["tokens_revoked"]) % {"count": counts["tokens_revoked"]}
            messages.success(request, message)
            return redirect("accounts:user_list")
    return render(request, "accounts/users_sign_out.html", {
        "form": form, "preview": selectors.everyone_sign_out_preview(actor=request.user)})

@login_required
def home(request):
    """Each role's start page, with real counts from the data in the user's scope."""
    return render(request, "accounts/home.html", selectors.home_figures(actor=request.user))

"""Every write to users, roles and API tokens. Nobody grants more than they hold."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from datetime import datetime
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from frontline.accounts import selectors
from frontline.accounts.models import ApiToken, RoleAssignment, User, UserSession
from frontline.accounts.roles import Role, role_spec
from frontline.areas.models import Jurisdiction, Place
from frontline.audit.models import ChangeAction
from frontline.audit.services import change_record, change_records_together, snapshot
from frontline.core.models import OutOfScope, ensure_in_scope, get_in_scope, scope_for
from frontline.core.permissions import Action

TOKEN_PREFIX_LENGTH = 8


def _grant_scope_code(role: str, jurisdiction: Jurisdiction | None, place: Place | None) -> str:
    """Validate where a role is held and return the code it is scoped by."""
    spec = role_spec(role)
    if (jurisdiction is None) == (place is None):
        raise ValidationError(_("A role is held either at a jurisdiction or at a place."))
    if jurisdiction is not None:
        if jurisdiction.level not in spec.levels:
            raise ValidationError(
                _("The role “%(role)s” is held at a %(levels)s, not at a %(level)s.")
                % {"role": Role(role).label,
                   "levels": " / ".join(str(_l) for _l in _level_labels(spec.levels)) or "-",
                   "level": jurisdiction.get_level_display()}
            )
        return jurisdiction.code
    assert place is not None  # noqa: S101
    if place.kind not in spec.place_kinds:
        raise ValidationError(
            _("The role “%(role)s” cannot be held at a place of kind “%(kind)s”.")
            % {"role": Role(role).label, "kind": place.get_kind_display()}
        )
    return place.jurisdiction_code


def _level_labels(levels: tuple[str, ...]) -> list[str]:
    from frontline.areas.models import Level

    return [Level(level).label for level in levels]


def can_grant(actor: Any, role: str, scope_code: str) -> bool:
    """The actor holds, at a jurisdiction containing scope_code, a role that may grant `role`."""
    if actor.is_superuser:
        return True
    if not scope_for(actor, Action.MANAGE_USERS).covers_code(scope_code):
        return False
    for held in actor.active_roles():
        spec = role_spec(held.role)
        if (Action.MANAGE_USERS in spec.actions and role in spec.may_grant
                and not held.place_id and scope_code.startswith(held.scope_code)):
            return True
    return False


def grantable_roles(actor: Any) -> list[str]:
    if actor.is_superuser:
        return list(Role.values)
    roles: set[str] = set()
    for held in actor.active_roles():
        spec = role_spec(held.role)
        if Action.MANAGE_USERS in spec.actions:
            roles |= set(spec.may_grant)
    return [r for r in Role.values if r in roles]


def role_grant(
    *, actor: User, user: User, role: str, jurisdiction: Jurisdiction | None = None,
    place: Place | None = None,
) -> RoleAssignment:
    """Give `user` a role at a jurisdiction or place; refused if wider than the actor holds."""
    Role(role)  # unknown role names raise
    scope_code = _grant_scope_code(role, jurisdiction, place)
    if not can_grant(actor, role, scope_code):
        raise PermissionDenied(_("You cannot grant this role at this place or jurisdiction."))
    if user.pk == actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("You cannot grant roles to yourself."))
    with transaction.atomic():
        try:
            with transaction.atomic():
                assignment = RoleAssignment.objects.create(
                    user=user, role=role, jurisdiction=jurisdiction, place=place,
                    scope_code=scope_code, granted_by=actor,
                )
        except IntegrityError:
            raise ValidationError(_("This user already holds this role there.")) from None
        ensure_in_scope(actor, Action.MANAGE_USERS, assignment)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=assignment,
                      after=snapshot(assignment), event="role.grant")
    user.forget_roles()
    return assignment


def role_revoke(*, actor: User, assignment: RoleAssignment) -> RoleAssignment:
    """End a role assignment; the actor must be able to grant that role there."""
    with transaction.atomic():
        assignment = get_in_scope(RoleAssignment, actor, Action.MANAGE_USERS, for_update=True,
                                  pk=assignment.pk)
        if not can_grant(actor, assignment.role, assignment.scope_code):
            raise PermissionDenied(_("You cannot revoke this role."))
        if assignment.revoked_at is not None:
            return assignment
        before = snapshot(assignment)
        assignment.revoked_at = timezone.now()
        assignment.revoked_by = actor
        assignment.save(update_fields=["revoked_at", "revoked_by"])
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=assignment, before=before,
                      after=snapshot(assignment), event="role.revoke")
    assignment.user.forget_roles()
    return assignment


def user_create(
    *, actor: User, username: str, password: str, display_name: str = "", email: str = "",
    phone: str = "", role: str, jurisdiction: Jurisdiction | None = None,
    place: Place | None = None,
) -> User:
    """Create a staff account together with its first role, all or nothing.

    The manager chose the password, so the new user must choose their own at the first
    sign-in (`password_change_required`, shown in the audit record of the creation).
    """
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": _("This username is taken.")})
        user = User(username=username, display_name=display_name, email=email, phone=phone,
                    password_change_required=True, password_set_at=timezone.now())
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        role_grant(actor=actor, user=user, role=role, jurisdiction=jurisdiction, place=place)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=user, after=snapshot(user),
                      jurisdiction_code=user.roles.get().scope_code)
    return user


def manages_all_roles_of(actor: User, user: User) -> bool:
    """Whether the actor may grant every active role of `user` (and so act on their account)."""
    return all(can_grant(actor, a.role, a.scope_code) for a in user.active_roles())


def user_set_active(*, actor: User, user: User, active: bool) -> User:
    """Deactivate or reactivate an account; only someone who manages all its roles may."""
    with transaction.atomic():
        user = get_in_scope(User, actor, Action.MANAGE_USERS, pk=user.pk)
        if user.pk == actor.pk:
            raise PermissionDenied(_("You cannot deactivate your own account."))
        if not manages_all_roles_of(actor, user):
            raise PermissionDenied(_("This user also holds roles outside your jurisdiction."))
        before = snapshot(user)
        user.is_active = active
        user.save(update_fields=["is_active"])
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=user, before=before,
                      after=snapshot(user), event="user.activate" if active else "user.deactivate",
                      jurisdiction_code=_primary_code(user))
    return user


def user_reset_password(*, actor: User, user: User, password: str,
                        revoke_tokens: bool = False) -> User:
    """Set a new password for a user one manages (for example after a lockout).

    A password set for someone else must be changed by its owner at the next sign-in. With
    `revoke_tokens` every API token of the user is revoked in the same transaction, and the
    number revoked is in the same audit record (`tokens_revoked`); otherwise the tokens keep
    working.
    """
    with transaction.atomic():
        user = get_in_scope(User, actor, Action.MANAGE_USERS, for_update=True, pk=user.pk)
        if not manages_all_roles_of(actor, user):
            raise PermissionDenied(_("This user also holds roles outside your jurisdiction."))
        details = {"tokens_revoked": _tokens_revoke_all(user)} if revoke_tokens else None
        _password_set(actor=actor, user=user, password=password, field="password",
                      event="user.password_reset", change_required=user.pk != actor.pk,
                      details=details)
    return user


# The shortest and longest reason a manager must give for resetting someone's authenticator
# or revoking their API tokens (recorded in the audit log).
# Initial passwords Frontline makes: four groups of four from letters and digits that cannot be
# mistaken for one another when read aloud or copied by hand (no 0/O, 1/l/I), about 79 bits.
UNAMBIGUOUS_CHARACTERS = "23456789abcdefghjkmnpqrstuvwxyz"


def initial_password_generate() -> str:
    """A random initial password for a manager to hand over (`secrets`, not `random`)."""
    return "-".join("".join(secrets.choice(UNAMBIGUOUS_CHARACTERS) for _char in range(4))
                    for _group in range(4))


MANAGER_REASON_MIN_LENGTH = 8
MANAGER_REASON_MAX_LENGTH = 500


def _managed_other_user(actor: User, user: User, *, own: str) -> User:
    """`user` again, locked in the caller's transaction, for a manager's act on someone
    else's account: in the actor's scope for managing users (else OutOfScope, a 404), every
    role of theirs grantable by the actor (else PermissionDenied), and not the actor (else a
    ValidationError saying `own`, where one does it for oneself)."""
    user = get_in_scope(User, actor, Action.MANAGE_USERS, for_update=True, pk=user.pk)
    if not manages_all_roles_of(actor, user):
        raise PermissionDenied(_("This user also holds roles outside your jurisdiction."))
    if user.pk == actor.pk:
        raise ValidationError(own)
    return user


def _manager_reason(reason: str | None, too_short: str) -> str:
    """The stripped reason, or a ValidationError on "reason": `too_short` (a translated
    message with a %(count)d placeholder) below the minimum, a fixed one above the maximum."""
    reason = (reason or "").strip()
    if len(reason) < MANAGER_REASON_MIN_LENGTH:
        raise ValidationError({"reason": too_short % {"count": MANAGER_REASON_MIN_LENGTH}})
    if len(reason) > MANAGER_REASON_MAX_LENGTH:
        raise ValidationError({"reason": _(
            "Keep the reason to %(count)d characters or fewer.")
            % {"count": MANAGER_REASON_MAX_LENGTH}})
    return reason


def user_reset_authenticator(*, actor: User, user: User, password: str, reason: str,
                             revoke_tokens: bool = False) -> User:
    """Remove every authenticator (TOTP device) of a user one manages, who lost their phone,
    and set a new initial password the user must change at the next sign-in.

    The manager checks the person's identity in person first and hands the password over in
    person: whoever signs in with it enrols the next authenticator. Every session signed in
    with the old password ends (Django's session auth hash is derived from the password
    hash). With `revoke_tokens` every API token of the user is revoked too (a lost phone may
    hold one); otherwise the tokens keep working. Audited as one `user.authenticator_reset`
    event with the reason, the number of devices removed and, with `revoke_tokens`, the
    number of tokens revoked; never the password, a seed or a token.
    """
    with transaction.atomic():
        user = _managed_other_user(actor, user, own=_(
            "You cannot reset your own authenticator: ask the person who manages your "
            "account."))
        reason = _manager_reason(reason, _(
            "Say how you checked the person's identity (at least %(count)d characters)."))
        _total, per_model = TOTPDevice.objects.filter(user=user).delete()
        removed = per_model.get(TOTPDevice._meta.label, 0)
        details: dict[str, Any] = {"password_reset": True, "totp_devices_removed": removed,
                                   "reason": reason}
        if revoke_tokens:
            details["tokens_revoked"] = _tokens_revoke_all(user)
        _password_set(actor=actor, user=user, password=password, field="password",
                      event="user.authenticator_reset", change_required=True,
                      details=details)
    return user


def user_tokens_revoke(*, actor: User, user: User, reason: str) -> int:
    """Revoke every API token of a user one manages (for example when the account may be
    compromised); returns how many were revoked, possibly 0.

    The same checks as an authenticator reset: the user in the actor's scope for managing
    users, every role of the user grantable by the actor, a reason, and not oneself (the
    owner revokes their own tokens on their profile). Audited as one `user.tokens_revoked`
    event with the reason and the number revoked, never a key or its hash.
    """
    with transaction.atomic():
        user = _managed_other_user(actor, user, own=_(
            "Revoke your own API tokens on your profile page."))
        reason = _manager_reason(reason, _(
            "Say why the tokens are revoked (at least %(count)d characters)."))
        revoked = _tokens_revoke_all(user)
        change_record(actor=actor, action=ChangeAction.EVENT, obj=user,
                      event="user.tokens_revoked",
                      after={"tokens_revoked": revoked, "reason": reason},
                      jurisdiction_code=_primary_code(user))
    return revoked


def user_sessions_end(*, actor: User, user: User, reason: str) -> int:
    """Sign a user one manages out of every browser (a laptop left signed in, a shared
    computer, an account that may be compromised); returns how many sessions ended, possibly
    0. Their next request in any of those browsers goes to the sign-in page. The password,
    the authenticator and the API tokens are left alone (revoke the tokens separately).

    The same checks as revoking the user's tokens: the user in the actor's scope for
    managing users, every role of the user grantable by the actor, a reason, and not oneself
    (one ends one's own other sessions on one's profile). Audited as one
    `user.sessions_ended_by_manager` event with the reason and the number (ASVS 7.4.5)."""
    with transaction.atomic():
        user = _managed_other_user(actor, user, own=_(
            "End your own other sessions on your profile page."))
        reason = _manager_reason(reason, _(
            "Say why the user is signed out (at least %(count)d characters)."))
        ended = _sessions_end(list(UserSession.objects.select_for_update().filter(user=user)))
        change_record(actor=actor, action=ChangeAction.EVENT, obj=user,
                      event="user.sessions_ended_by_manager",
                      after={"sessions_ended": ended, "reason": reason},
                      jurisdiction_code=_primary_code(user))
    return ended


def users_sessions_end_all(*, actor: User, reason: str, revoke_tokens: bool = False
                           ) -> dict[str, int]:
    """Sign every user one manages out of every browser at once (a suspected break-in, a
    leaked password list, the end of an exercise), with `revoke_tokens` their API tokens too;
    the rest of ASVS 7.4.5 after `user_sessions_end` for one user.

    "Every user one manages" is every user holding a role in the actor's scope for managing
    users whose every role the actor may grant, but the actor (who keeps their own sessions
    and ends the others on their profile). Users who also hold roles elsewhere are left alone
    and counted as `skipped`: their other office decides for them. Passwords and
    authenticators are left alone.

    Answers the counts: `users` signed out, `sessions_ended`, `tokens_revoked`, `skipped`.
    Audited as one `user.sessions_ended_by_manager` record per user (with the reason, the
    numbers and `everyone`, so each user's history shows it) and one `users.sessions_ended`
    record on the actor with the totals; all or nothing."""
    if not actor.can(Action.MANAGE_USERS):
        raise PermissionDenied(_("You do not manage users."))
    reason = _manager_reason(reason, _(
        "Say why everyone is signed out (at least %(count)d characters)."))
    with transaction.atomic(), change_records_together():
        managed, elsewhere = selectors.users_managed_everywhere(actor=actor)
        ids = [u.pk for u in managed]
        # Locked in the order of their keys, as every service locking a user's rows does.
        list(User.objects.select_for_update().filter(pk__in=ids).order_by("pk")  # scoped-ok:
             .values_list("pk", flat=True))  # the users just chosen in scope above
        rows = list(UserSession.objects.select_for_update().filter(user_id__in=ids)
                    .order_by("pk"))
        per_user: dict[int, int] = {}
        for row in rows:
            per_user[row.user_id] = per_user.get(row.user_id, 0) + 1
        ended = _sessions_end(rows)
        revoked_per_user: dict[int, int] = {}
        if revoke_tokens:
            now = timezone.now()
            live = ApiToken.objects.filter(user_id__in=ids, revoked_at__isnull=True)
            for user_id in live.values_list("user_id", flat=True):
                revoked_per_user[user_id] = revoked_per_user.get(user_id, 0) + 1
            live.update(revoked_at=now)
        for user in managed:
            after = {"sessions_ended": per_user.get(user.pk, 0), "reason": reason,
                     "everyone": True}
            if revoke_tokens:
                after["tokens_revoked"] = revoked_per_user.get(user.pk, 0)
            change_record(actor=actor, action=ChangeAction.EVENT, obj=user,
                          event="user.sessions_ended_by_manager", after=after,
                          jurisdiction_code=_primary_code(user))
        counts = {"users": len(managed), "sessions_ended": ended,
                  "tokens_revoked": sum(revoked_per_user.values()),
                  "skipped": len(elsewhere)}
        change_record(actor=actor, action=ChangeAction.EVENT, obj=actor,
                      event="users.sessions_ended", after={**counts, "reason": reason,
                                                           "revoke_tokens": revoke_tokens},
                      jurisdiction_code=_primary_code(actor))
    return counts


def _tokens_revoke_all(user: User) -> int:
    """Mark every not yet revoked API token of `user` revoked now (as `token_revoke` does one,
    expired ones included) and return how many; inside the caller's transaction, which
    audits the number."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now())


def _password_set(*, actor: User, user: User, password: str, field: str, event: str,
                  change_required: bool, details: dict[str, Any] | None = None) -> None:
    """Check a new password with the configured validators (errors on `field`), set it,
    set whether the user must change it at the next sign-in (`change_required`) and audit
    `event` with that flag's change but without the password; inside the caller's
    transaction. `details` (no secrets) are added to the record's "after" side, so that a
    caller doing more than setting the password writes a single record."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    before = snapshot(user)
    user.set_password(password)
    user.password_change_required = change_required
    user.password_set_at = timezone.now()
    user.save(update_fields=["password", "password_change_required", "password_set_at"])
    change_record(actor=actor, action=ChangeAction.EVENT, obj=user, event=event,
                  before=before, after={**snapshot(user), **(details or {})},
                  jurisdiction_code=_primary_code(user))


# Wrong current passwords allowed in the password-change form per window (seconds).
PASSWORD_CHANGE_ATTEMPTS = 5
PASSWORD_CHANGE_WINDOW = 15 * 60


def password_change(*, actor: User, current_password: str, new_password: str) -> User:
    """A user changes their own password, proving the current one first. This ends the
    requirement to change a password someone else set (`password_change_required`).

    Other sessions end by themselves: Django's session auth hash is derived from the
    password hash, so sessions signed in with the old password are no longer valid. The view
    keeps the current session with update_session_auth_hash. API tokens stay valid.
    """
    key = f"accounts:password-change-failures:{actor.pk}"
    if (cache.get(key) or 0) >= PASSWORD_CHANGE_ATTEMPTS:
        # Whoever holds a session or a token must not guess the current password at the API's
        # rate: a few wrong tries, then a pause (the sign-in's lockout does not see this form).
        raise ValidationError({"current_password": _(
            "Too many wrong attempts. Try again in %(minutes)s minutes.")
            % {"minutes": PASSWORD_CHANGE_WINDOW // 60}})
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)  # scoped-ok: oneself
        if not current_password or not user.check_password(current_password):
            if not cache.add(key, 1, PASSWORD_CHANGE_WINDOW):
                cache.incr(key)
            raise ValidationError(
                {"current_password": _("Your current password is not correct.")})
        if new_password == current_password:
            raise ValidationError(
                {"new_password": _("The new password must differ from the current one.")})
        _password_set(actor=user, user=user, password=new_password, field="new_password",
                      event="user.password_change", change_required=False)
    cache.delete(key)
    actor.password = user.password
    actor.password_change_required = False
    return actor


def _primary_code(user: User) -> str:
    codes = sorted((a.scope_code for a in user.active_roles()), key=len)
    return codes[0] if codes else ""


def profile_update(*, actor: User, display_name: str, email: str, phone: str) -> User:
    """A user changes their own contact details."""
    with transaction.atomic():
        before = snapshot(actor)
        actor.display_name, actor.email, actor.phone = display_name, email, phone
        actor.full_clean(exclude=["password", "username"])
        actor.save(update_fields=["display_name", "email", "phone"])
        change_record(actor=actor, action=ChangeAction.UPDATE, obj=actor, before=before,
                      after=snapshot(actor), jurisdiction_code=_primary_code(actor))
    return actor


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, actor: User, name: str, expires_at: datetime | None = None
                 ) -> tuple[ApiToken, str]:
    """Create an API token for oneself; returns the token and the key, shown only once."""
    if not name.strip():
        raise ValidationError({"name": _("Give the token a name.")})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    key = "fl_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        # The user's row, locked: a manager's reset or token revocation running now finishes
        # first, and a request whose sign-in that reset ended (the password or the account
        # changed since the request began) makes no token that would outlive it.
        current = User.objects.select_for_update().filter(pk=actor.pk).values_list(
            "password", "is_active").first()
        if current is None or not current[1] or current[0] != actor.password:
            raise PermissionDenied(_("Your sign-in is no longer valid; sign in again."))
        token = ApiToken.objects.create(
            user=actor, name=name.strip()[:100], prefix=key[:TOKEN_PREFIX_LENGTH + 3],
            key_hash=hash_token(key), expires_at=expires_at,
        )
        change_record(actor=actor, action=ChangeAction.CREATE, obj=token, after=snapshot(token),
                      event="token.create", jurisdiction_code=_primary_code(actor))
    return token, key


def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke one of one's own tokens (a user manager revokes all of a user's tokens with
    `user_tokens_revoke`)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(user=actor, pk=token.pk).first()
        if token is None:
            raise OutOfScope()
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            change_record(actor=actor, action=ChangeAction.UPDATE, obj=token,
                          event="token.revoke", jurisdiction_code=_primary_code(actor))
    return token


def role_grant_from_console(
    *, user: User, role: str, jurisdiction: Jurisdiction | None = None,
    place: Place | None = None,
) -> RoleAssignment:
    """Grant a role from the server's command line (first accounts, demo data).

    Whoever can run manage.py owns the database, so no granter is checked; the grant is
    audited with the actor "system".
    """
    Role(role)
    scope_code = _grant_scope_code(role, jurisdiction, place)
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.get_or_create(
            user=user, role=role, jurisdiction=jurisdiction, place=place, revoked_at=None,
            defaults={"scope_code": scope_code},
        )
        if created:
            change_record(actor=None, action=ChangeAction.CREATE, obj=assignment,
                          after=snapshot(assignment), event="role.grant")
    user.forget_roles()
    return assignment


# -- Signed-in sessions (ASVS 7.5.2) ---------------------------------------------------------

USER_AGENT_MAX_LENGTH = 200


def mask_ip(address: str | None) -> str:
    """A client address with its host part hidden, for showing a user where they are signed
    in: IPv4 without the last octet ("192.0.2.x"), IPv6 as its /48 network
    ("2001:db8:1::/48"); "" for anything that is not an address. The full address is never
    stored here."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        return ".".join(str(ip).split(".")[:3] + ["x"])
    return str(ipaddress.ip_network(f"{ip}/48", strict=False))


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def session_start(*, user: User, session_key: str, user_agent: str = "",
                  ip: str = "", started_at: datetime | None = None) -> UserSession:
    """Describe a session that has just signed in (or, with `started_at`, one that signed in
    before it was described). Rows of the user whose Django session is gone are removed here,
    so that abandoned sessions do not pile up. Bookkeeping of a sign-in, not audited."""
    now = timezone.now()
    with transaction.atomic():
        _sessions_prune(user)
        row, _created = UserSession.objects.update_or_create(
            session_key=session_key,
            defaults={"user": user, "created_at": started_at or now, "last_seen_at": now,
                      "user_agent": (user_agent or "")[:USER_AGENT_MAX_LENGTH],
                      "ip_masked": mask_ip(ip)})
    return row


def session_seen(*, user: User, session_key: str, user_agent: str = "", ip: str = "",
                 started_at: datetime | None = None) -> None:
    """Note that a session was used (called at most every 30 s per session, where
    `SessionTimeoutMiddleware` writes its last-seen time). A session that signed in before
    sessions were described gets its row now."""
    updated = UserSession.objects.filter(session_key=session_key, user=user).update(
        last_seen_at=timezone.now())
    if not updated:
        session_start(user=user, session_key=session_key, user_agent=user_agent, ip=ip,
                      started_at=started_at)


def session_rekey(*, old_key: str, new_key: str) -> None:
    """The session got a new key (kept signed in after a password change): follow it."""
    UserSession.objects.filter(session_key=old_key).update(session_key=new_key)


def session_forget(*, session_key: str) -> None:
    """The session signed out or timed out: its row goes (the session itself is flushed by
    Django)."""
    UserSession.objects.filter(session_key=session_key).delete()


def _live_session_keys(keys: list[str]) -> set[str]:
    from django.contrib.sessions.models import Session

    return set(Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
               .values_list("session_key", flat=True))


def _sessions_prune(user: User) -> None:
    rows = dict(UserSession.objects.filter(user=user).values_list("session_key", "pk"))
    dead = set(rows) - _live_session_keys(list(rows))
    if dead:
        UserSession.objects.filter(pk__in=[rows[k] for k in dead]).delete()


def _sessions_end(rows: list[UserSession]) -> int:
    """Delete the Django sessions of `rows` and the rows themselves; the number of rows."""
    store = _session_store()
    for row in rows:
        store().delete(row.session_key)
    UserSession.objects.filter(pk__in=[r.pk for r in rows]).delete()
    return len(rows)


def session_end_others(*, actor: User, current_session_key: str | None) -> int:
    """End every signed-in session of the actor except `current_session_key` (None, from an
    API token: every browser session); returns how many ended, possibly 0. Their next request
    goes to the sign-in page. Audited as `user.sessions_ended` with the number."""
    with transaction.atomic():
        rows = list(UserSession.objects.select_for_update().filter(user=actor)
                    .exclude(session_key=current_session_key or ""))
        ended = _sessions_end(rows)
        change_record(actor=actor, action=ChangeAction.EVENT, obj=actor,
                      event="user.sessions_ended",
                      after={"sessions_ended": ended,
                             "current_kept": bool(current_session_key)},
                      jurisdiction_code=_primary_code(actor))
    return ended


def session_end(*, actor: User, session_key: str) -> None:
    """End one of the actor's own signed-in sessions. Another user's session (or a key that
    names none) is OutOfScope, a 404, and nothing changes. Audited as `user.session_ended`."""
    with transaction.atomic():
        row = UserSession.objects.select_for_update().filter(
            user=actor, session_key=session_key).first()
        if row is None or not session_key:
            raise OutOfScope()
        _sessions_end([row])
        change_record(actor=actor, action=ChangeAction.EVENT, obj=actor,
                      event="user.session_ended",
                      after={"sessions_ended": 1, "session": row.pk},
                      jurisdiction_code=_primary_code(actor))

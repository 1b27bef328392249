"""Writes for staff accounts and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import IntegrityError, transaction
from django.utils import timezone

from rota.accounts import roles
from rota.accounts.models import ApiToken
from rota.accounts.scopes import SCOPES, unknown_scopes
from rota.audit.actors import Actor
from rota.audit.services import audit_record
from rota.core.errors import Conflict, FieldError, InvalidInput

TOKEN_PREFIX = "rota_"


def token_digest(secret: str) -> str:
    """Return the stored digest of a token secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(
    *, name: str, scopes: list[str], actor: Actor, created_by_id: int | None = None
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never stored."""
    name = name.strip()
    errors = []
    if not name:
        errors.append(FieldError("name", "must not be empty"))
    elif len(name) > 100:
        errors.append(FieldError("name", "must be at most 100 characters"))
    if not scopes:
        errors.append(FieldError("scopes", "give at least one scope"))
    unknown = unknown_scopes(scopes)
    if unknown:
        errors.append(
            FieldError(
                "scopes",
                f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(sorted(SCOPES))}",
            )
        )
    if errors:
        raise InvalidInput(detail="The token cannot be created.", errors=errors)
    if ApiToken.objects.filter(name=name).exists():
        raise InvalidInput.single("name", f"a token named {name!r} already exists")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                name=name,
                prefix=secret[:12],
                digest=token_digest(secret),
                scopes=sorted(set(scopes)),
                created_at=timezone.now(),
                created_by_id=created_by_id,
            )
    except IntegrityError as exc:
        raise InvalidInput.single("name", f"a token named {name!r} already exists") from exc
    audit_record(actor=actor, action="token.create", obj=token, changes={"scopes": token.scopes})
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    """Revoke a token; it stops authenticating at once."""
    now = timezone.now()
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now) != 1:
        raise Conflict(detail=f"Token {token.name!r} is already revoked.")
    token.revoked_at = now
    audit_record(actor=actor, action="token.revoke", obj=token)
    return token


def token_touch(*, token: ApiToken) -> None:
    """Remember when a token was last used (not audited: it is access, not a change)."""
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())


@transaction.atomic
def admin_ensure(*, username: str, password: str | None, actor: Actor) -> tuple[bool, str | None]:
    """Create the first administrator if there is none.

    Return whether one was created and the generated password to show once (None when the
    password was given).
    """
    user_model = get_user_model()
    if user_model.objects.filter(is_superuser=True).exists():
        return False, None
    shown = password or secrets.token_urlsafe(12)
    user: AbstractBaseUser = user_model.objects.create_superuser(
        username=username, email="", password=shown
    )
    user.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))  # type: ignore[attr-defined]
    audit_record(actor=actor, action="user.create", obj=user, changes={"role": roles.ADMINISTRATOR})
    return True, None if password else shown


def staff_user_record(
    *, user: AbstractBaseUser, created: bool, changed: list[str], actor: Actor
) -> None:
    """Record a change made to a staff account in the back office (inside its transaction)."""
    roles_now = sorted(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
    changes: dict[str, object] = {"fields": sorted(f for f in changed if "password" not in f)}
    if any("password" in f for f in changed):
        changes["password"] = "changed"
    changes["roles"] = roles_now
    action = "user.create" if created else "user.update"
    audit_record(actor=actor, action=action, obj=user, changes=changes)

"""Reads and access checks for staff and API tokens."""

from __future__ import annotations

from django.db.models import QuerySet

from rota.accounts.models import ApiToken
from rota.accounts.services import TOKEN_PREFIX, token_digest


def token_for_secret(secret: str) -> ApiToken | None:
    """Return the active token with this secret, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    return ApiToken.objects.filter(digest=token_digest(secret), revoked_at__isnull=True).first()


def token_list() -> QuerySet[ApiToken]:
    """Return every token, active and revoked."""
    return ApiToken.objects.order_by("name")

"""Authentication for the REST API: bearer tokens with scopes, or the staff session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from rota.accounts.models import ApiToken
from rota.accounts.scopes import SCOPES
from rota.accounts.selectors import token_for_secret
from rota.accounts.services import token_touch
from rota.audit.actors import Actor
from rota.core.errors import Forbidden


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; a valid token without the scope is refused with 403."""

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = token_for_secret(token)
        if api_token is None:
            return None
        if self.scope not in api_token.scopes:
            raise Forbidden(detail=f"This token lacks the scope {self.scope!r}.")
        token_touch(token=api_token)
        return api_token


class StaffSessionAuth(SessionAuth):
    """The back office's own calls: a logged-in active user with the scope's permission."""

    def __init__(self, scope: str) -> None:
        super().__init__(csrf=True)
        self.scope = scope

    def __call__(self, request: HttpRequest) -> Any:
        # Only a logged-in user gets the CSRF check; anyone else is simply not authenticated,
        # so a client without credentials gets 401, not a CSRF 403.
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if not user.has_perm(SCOPES[self.scope]):
            raise Forbidden(detail=f"Your role does not allow {self.scope!r}.")
        return user


def scoped(scope: str) -> list[Any]:
    """Return the authentication callbacks for an endpoint that needs `scope`."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope}")
    return [TokenAuth(scope), StaffSessionAuth(scope)]


def actor_of(request: HttpRequest) -> Actor:
    """Return the audit actor for an authenticated API request."""
    auth = request.auth  # type: ignore[attr-defined]
    if isinstance(auth, ApiToken):
        return Actor.for_token(auth)
    return Actor.for_user(auth)

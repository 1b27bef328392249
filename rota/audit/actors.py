"""Who performs an action: a staff user, an API token or the system itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """The author of a change, as recorded in the audit trail."""

    label: str
    user_id: int | None = None
    token_id: int | None = None

    @classmethod
    def for_user(cls, user: Any) -> Actor:
        """Return the actor for a logged-in staff user."""
        return cls(label=user.get_username(), user_id=user.pk)

    @classmethod
    def for_token(cls, token: Any) -> Actor:
        """Return the actor for an API token."""
        return cls(label=f"token:{token.name}", token_id=token.pk)

    @classmethod
    def system(cls, name: str) -> Actor:
        """Return the actor for a command run by the operator (demo loader, setup...)."""
        return cls(label=f"system:{name}")

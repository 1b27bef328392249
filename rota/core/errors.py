"""Domain errors raised by services and mapped once to RFC 9457 problem+json."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field."""

    field: str
    message: str


@dataclass
class DomainError(Exception):
    """Base of every error a service may raise on purpose."""

    detail: str = ""
    errors: list[FieldError] = field(default_factory=list)

    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __post_init__(self) -> None:
        super().__init__(self.detail)

    def as_problem(self, instance: str | None = None) -> dict[str, object]:
        """Return the problem+json body for this error."""
        body: dict[str, object] = {
            "type": f"https://rota.example/problems/{self.slug}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail or self.title,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        return body


class InvalidInput(DomainError):
    """The input breaks a rule; `errors` names each offending field."""

    status = 422
    title = "Invalid input"
    slug = "invalid-input"

    @classmethod
    def single(cls, field_name: str, message: str) -> InvalidInput:
        """Build the error for one field."""
        return cls(detail=f"{field_name}: {message}", errors=[FieldError(field_name, message)])


class NotFound(DomainError):
    """The object does not exist or is not visible to the caller."""

    status = 404
    title = "Not found"
    slug = "not-found"


class Unauthorized(DomainError):
    """The caller did not authenticate."""

    status = 401
    title = "Unauthorized"
    slug = "unauthorized"


class Forbidden(DomainError):
    """The caller is known but lacks the permission or scope."""

    status = 403
    title = "Forbidden"
    slug = "forbidden"


class Conflict(DomainError):
    """The object's state does not allow the action."""

    status = 409
    title = "Conflict"
    slug = "conflict"

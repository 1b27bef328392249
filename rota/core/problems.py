"""Render a DomainError as an RFC 9457 problem+json response."""

from __future__ import annotations

import json
from http import HTTPStatus

from django.http import HttpResponse
from ninja import Schema

from rota.core.errors import DomainError

CONTENT_TYPE = "application/problem+json"


def problem_response(
    error: DomainError, instance: str | None = None, *, status: int | None = None, title: str = ""
) -> HttpResponse:
    """Return the HTTP response for an error."""
    body = error.as_problem(instance)
    if status is not None:
        body["status"] = status
        body["title"] = title or HTTPStatus(status).phrase
        if not error.detail:
            body["detail"] = body["title"]
    return HttpResponse(
        json.dumps(body), status=int(str(body["status"])), content_type=CONTENT_TYPE
    )


class ProblemField(Schema):
    field: str
    message: str


class ProblemSchema(Schema):
    """RFC 9457 problem details, as every error response carries them."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemField] = []


# The error responses every endpoint may give, for the OpenAPI spec.
ERRORS: dict[int, type[ProblemSchema]] = {
    401: ProblemSchema,
    403: ProblemSchema,
    404: ProblemSchema,
    409: ProblemSchema,
    422: ProblemSchema,
}


def page(limit: int, offset: int, most: int = 500) -> slice:
    """Return the slice of a list page: `limit` clamped to 1..most, `offset` at least 0."""
    start = max(offset, 0)
    return slice(start, start + max(1, min(limit, most)))

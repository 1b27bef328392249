"""Render a DomainError as an RFC 9457 problem+json response."""

from __future__ import annotations

import json
from http import HTTPStatus

from django.http import HttpResponse
from ninja import Schema
from pydantic import Field

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
    400: ProblemSchema,
    401: ProblemSchema,
    403: ProblemSchema,
    404: ProblemSchema,
    409: ProblemSchema,
    422: ProblemSchema,
}


MAX_LIMIT = 500
MAX_OFFSET = 1_000_000_000


class PageQuery(Schema):
    """`?limit=&offset=` of every list endpoint."""

    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


def page(limit: int, offset: int) -> slice:
    """Return the slice of a list page (bounds are checked by PageQuery)."""
    return slice(offset, offset + limit)

"""The REST API: one NinjaAPI, one router per app, one mapping of errors to problem+json."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from rota.billing.api import router as billing_router
from rota.catalog.api import router as catalog_router
from rota.core.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthorized,
)
from rota.core.problems import CONTENT_TYPE as PROBLEM_JSON
from rota.core.problems import problem_response
from rota.customers.api import router as customers_router
from rota.integrations.api import router as public_router
from rota.kpis.api import router as kpis_router
from rota.planning.api import router as planning_router
from rota.subscriptions.api import router as subscriptions_router
from rota.support.api import router as support_router


class RotaAPI(NinjaAPI):
    """The API whose document says what it sends: errors as application/problem+json."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        response["content"] = {PROBLEM_JSON: content["application/json"]}
        return schema


api = RotaAPI(
    title="Rota API",
    version="1",
    description=(
        "Back-office API of an internet service provider. Authenticate with "
        "`Authorization: Bearer <token>`; money is a decimal string plus `currency`; "
        "errors are RFC 9457 problem+json."
    ),
    urls_namespace="api",
)
api.add_router("/", catalog_router)
api.add_router("/", customers_router)
api.add_router("/", subscriptions_router)
api.add_router("/", billing_router)
api.add_router("/", support_router)
api.add_router("/", kpis_router)
api.add_router("/", planning_router)
api.add_router("/", public_router)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return problem_response(exc, request.path)


def _field_path(loc: list[str | int]) -> str:
    parts = [p for p in loc if p not in ("body", "payload", "query", "path", "header")]
    if len(parts) > 1 and parts[0] in ("data", "filters"):
        parts = parts[1:]
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        FieldError(_field_path(list(error.get("loc", []))), str(error.get("msg", "is invalid")))
        for error in exc.errors
    ]
    return problem_response(
        InvalidInput(detail="The request has invalid fields.", errors=errors), request.path
    )


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem_response(
        Unauthorized(detail="Send a valid API token as 'Authorization: Bearer <token>'."),
        request.path,
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(NotFound(detail=str(exc) or "Not found."), request.path)


HTTP_ERRORS: dict[int, type[DomainError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: InvalidInput,
}


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    error_class = HTTP_ERRORS.get(exc.status_code)
    if error_class is None:
        return problem_response(DomainError(detail=str(exc)), request.path, status=exc.status_code)
    return problem_response(error_class(detail=str(exc)), request.path)


def unknown_endpoint(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Answer a path under /api/ that no endpoint serves with problem+json, not HTML."""
    error = NotFound(detail=f"There is no API endpoint at {request.path}.")
    return problem_response(error, request.path)

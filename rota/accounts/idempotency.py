"""Idempotency-Key for API writes: a retried request gets the first response again.

The first request with a key stores a placeholder row (unique per caller and key), runs,
and stores its response. A retry with the same key and the same request replays that
response; the same key with a different request is refused; a retry while the first is
still running gets 409. Server errors are not stored, so the client may try again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from rota.accounts.models import IdempotentRequest
from rota.accounts.selectors import token_for_secret
from rota.core.errors import Conflict, InvalidInput
from rota.core.problems import problem_response

HEADER = "Idempotency-Key"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
KEEP_FOR = timedelta(hours=24)


def _digest(value: bytes) -> str:
    return hashlib.sha256(value).hexdigest()


def _authenticated(request: HttpRequest) -> bool:
    """Tell whether the credentials that own a stored response are still valid."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return token_for_secret(header.removeprefix("Bearer ").strip()) is not None
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def _owner(request: HttpRequest) -> str | None:
    credentials = request.headers.get("Authorization") or request.COOKIES.get("sessionid")
    return _digest(credentials.encode()) if credentials else None


class IdempotencyMiddleware:
    """Replay the stored response of an API write retried with the same Idempotency-Key."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        owner = _owner(request)
        if (
            key is None
            or owner is None
            or request.method not in WRITES
            or not request.path.startswith(("/api/", "/tmf-api/"))
            or not _authenticated(request)
        ):
            # Without valid credentials the request runs normally and is refused (401).
            return self.get_response(request)
        if not 1 <= len(key) <= 200:
            error = InvalidInput.single(HEADER, "must be 1 to 200 characters")
            return problem_response(error, request.path)
        body_digest = _digest(request.body)
        now = timezone.now()
        IdempotentRequest.objects.filter(
            owner=owner, key=key, created_at__lt=now - KEEP_FOR
        ).delete()
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.create(
                    owner=owner,
                    key=key,
                    method=request.method or "",
                    path=request.path,
                    body_digest=body_digest,
                    created_at=now,
                )
        except IntegrityError:
            return self._replay(request, owner, key, body_digest)
        response = self.get_response(request)
        if response.status_code >= 500 or response.status_code == 401:
            record.delete()
            return response
        IdempotentRequest.objects.filter(pk=record.pk).update(
            status=response.status_code,
            content_type=response.get("Content-Type", ""),
            body=response.content,
        )
        return response

    def _replay(self, request: HttpRequest, owner: str, key: str, digest: str) -> HttpResponse:
        stored = IdempotentRequest.objects.get(owner=owner, key=key)
        if (stored.method, stored.path, stored.body_digest) != (
            request.method,
            request.path,
            digest,
        ):
            error = InvalidInput.single(HEADER, "was already used for a different request")
            return problem_response(error, request.path)
        if stored.status is None:
            conflict = Conflict(
                detail="The first request with this Idempotency-Key is still running."
            )
            return problem_response(conflict, request.path)
        response = HttpResponse(
            bytes(stored.body), status=stored.status, content_type=stored.content_type
        )
        response["Idempotent-Replayed"] = "true"
        return response

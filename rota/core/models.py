"""Shared-kernel tables that belong to no business area."""

from __future__ import annotations

from django.db import models


class IdempotentRequest(models.Model):
    """A write sent with an Idempotency-Key, and the response to replay if it is retried."""

    owner = models.CharField(max_length=64, help_text="Digest of the caller's credentials")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    body_digest = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty while the first request is being processed"
    )
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotent_request_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"

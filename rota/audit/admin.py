"""The audit trail, read-only for everyone."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from rota.audit.models import AuditEvent
from rota.core.admin import ReadOnlyAdmin


class AuditHistoryMixin:
    """Make an object's "History" button open its audit trail instead of Django's log."""

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        opts = self.model._meta  # type: ignore[attr-defined]
        query = urlencode({"object_type": opts.label_lower, "object_id": object_id})
        return HttpResponseRedirect(f"{reverse('admin:audit_auditevent_changelist')}?{query}")


class AuditedAdminMixin(AuditHistoryMixin):
    """For admins whose writes go through services: the audit trail is the only log.

    Django's own admin log (LogEntry) is skipped, and History opens the audit trail.
    """

    def log_addition(self, *args: Any, **kwargs: Any) -> None:
        """Skip Django's admin log: the service recorded the audit event."""

    def log_change(self, *args: Any, **kwargs: Any) -> None:
        """Skip Django's admin log: the service recorded the audit event."""

    def log_deletion(self, *args: Any, **kwargs: Any) -> None:
        """Skip Django's admin log: the service recorded the audit event."""


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_repr", "object_id", "action"]
    date_hierarchy = "at"

"""The audit trail, read-only for everyone."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from unfold.admin import ModelAdmin

from rota.audit.models import AuditEvent


class AuditHistoryMixin:
    """Make an object's "History" button open its audit trail instead of Django's log."""

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        opts = self.model._meta  # type: ignore[attr-defined]
        query = urlencode({"object_type": opts.label_lower, "object_id": object_id})
        return HttpResponseRedirect(f"{reverse('admin:audit_auditevent_changelist')}?{query}")


@admin.register(AuditEvent)
class AuditEventAdmin(ModelAdmin):
    list_display = ["at", "actor_label", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_repr", "object_id", "action"]
    date_hierarchy = "at"
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

"""Installation settings page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from unfold.admin import ModelAdmin

from rota.audit.actors import Actor
from rota.audit.admin import AuditedAdminMixin
from rota.installation.models import Installation
from rota.installation.services import FIELDS, installation_errors, installation_update


class InstallationForm(forms.ModelForm):
    class Meta:
        model = Installation
        fields = list(FIELDS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            for error in installation_errors(cleaned):
                self.add_error(error.field, error.message)
        return cleaned


@admin.register(Installation)
class InstallationAdmin(AuditedAdminMixin, ModelAdmin):
    form = InstallationForm
    fields = list(FIELDS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:installation_installation_change", args=[1]))

    def save_model(self, request: HttpRequest, obj: Installation, form: Any, change: bool) -> None:
        installation_update(
            changes={name: form.cleaned_data[name] for name in FIELDS},
            actor=Actor.for_user(request.user),
        )

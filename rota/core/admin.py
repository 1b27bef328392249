"""Admin building blocks shared by the apps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from unfold.admin import ModelAdmin

from rota.core.errors import DomainError, InvalidInput
from rota.core.forms import add_field_errors

T = TypeVar("T")


class ReadOnlyAdmin(ModelAdmin):
    """A list and detail pages that nobody can add to, change or delete from."""

    actions = None

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def form_call(
    form: forms.Form, request: HttpRequest, call: Callable[[dict[str, Any]], T]
) -> T | None:
    """Call a service with a posted, valid form's data; on refusal put its errors on the form.

    Return what the service returned, or None when nothing was done (not posted, invalid,
    or refused).
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return call(form.cleaned_data)
    except InvalidInput as exc:
        add_field_errors(form, exc.errors)
    except DomainError as exc:
        form.add_error(None, exc.detail)
    return None


def action_form_page(
    model_admin: ModelAdmin,
    request: HttpRequest,
    form: forms.Form,
    *,
    title: str,
    submit: str,
    back: str,
) -> HttpResponse:
    """Render the page of a one-form action (credit note, reversal, reply...) in the admin."""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
        "form": form,
        "submit": submit,
        "cancel_url": back,
    }
    return TemplateResponse(request, "subscriptions/action_form.html", context)

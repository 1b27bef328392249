"""Show service errors on back-office forms."""

from __future__ import annotations

from django import forms

from rota.core.errors import FieldError


def add_field_errors(form: forms.BaseForm, errors: list[FieldError]) -> None:
    """Attach service errors to the form fields they name (or to the form itself)."""
    for error in errors:
        name = error.field.split("[")[0].split(".")[0]
        if name in form.fields:
            form.add_error(name, error.message)
        else:
            form.add_error(None, f"{error.field}: {error.message}")

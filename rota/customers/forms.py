"""Back-office form for customers: parse input, let the service decide."""

from __future__ import annotations

from typing import Any

from django import forms
from unfold.widgets import UnfoldAdminTextInputWidget

from rota.core.forms import add_field_errors
from rota.customers.models import Customer
from rota.customers.services import CustomerData, customer_errors

FIELDS = [
    "kind",
    "first_name",
    "last_name",
    "company_name",
    "segment",
    "email",
    "phone",
    "tax_id",
    "regon",
    "street",
    "building",
    "apartment",
    "postal_code",
    "city",
    "tags",
    "notes",
    "marketing_consent",
]


class CustomerForm(forms.ModelForm):
    """A person or a company; identity numbers are checked for the installation's country."""

    tags = forms.CharField(
        required=False,
        help_text="Comma-separated, e.g. vip, fibre-2025",
        widget=UnfoldAdminTextInputWidget,
    )

    class Meta:
        model = Customer
        fields = [f for f in FIELDS if f != "tags"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "segment" in self.fields:  # absent on the read-only view
            self.fields["segment"].required = False
            self.fields[
                "segment"
            ].help_text = "Empty: household for a person, business for a company"
        if self.instance.pk:
            self.initial["tags"] = ", ".join(self.instance.tags)
            if "kind" in self.fields:
                self.fields["kind"].disabled = True

    def customer_data(self) -> CustomerData:
        """Return the form's values as service input."""
        values: dict[str, Any] = {name: self.cleaned_data.get(name) or "" for name in FIELDS}
        values["marketing_consent"] = bool(self.cleaned_data.get("marketing_consent"))
        values["tags"] = tuple(t.strip() for t in str(values["tags"]).split(",") if t.strip())
        if self.instance.pk:
            values["kind"] = self.instance.kind
            values["country"] = self.instance.country
        return CustomerData(**values)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            add_field_errors(self, customer_errors(self.customer_data()))
        return cleaned

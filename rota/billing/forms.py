"""The billing run form: parse the period and issue date; the service decides."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSingleDateWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanSwitchWidget,
)

from rota.billing.models import Payment
from rota.billing.payments import payment_errors
from rota.catalog.models import Segment
from rota.core.forms import add_field_errors
from rota.core.money import parse_amount
from rota.installation.selectors import installation_today


class RunForm(forms.Form):
    period = forms.CharField(
        max_length=7, help_text="The month to bill, YYYY-MM", widget=UnfoldAdminTextInputWidget
    )
    issue_date = forms.DateField(
        required=False, help_text="Empty: today", widget=UnfoldAdminSingleDateWidget
    )
    dry_run = forms.BooleanField(
        label="Preview only (write nothing)",
        required=False,
        initial=True,
        widget=UnfoldBooleanSwitchWidget,
    )


class PaymentForm(forms.ModelForm):
    """Money received: the amount as a decimal; allocation is the service's job."""

    amount = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"),
        widget=UnfoldAdminDecimalFieldWidget,
    )  # fmt: skip

    class Meta:
        model = Payment
        fields = ["customer", "received_on", "method", "reference"]
        widgets = {"method": UnfoldAdminSelectWidget}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            errors = payment_errors(
                parse_amount(cleaned["amount"], field="amount"),
                cleaned["received_on"],
                cleaned["method"],
                cleaned.get("reference", ""),
                installation_today(),
            )
            add_field_errors(self, errors)
        return cleaned


class CreditNoteForm(forms.Form):
    reason = forms.CharField(max_length=200, widget=UnfoldAdminTextInputWidget)
    issue_date = forms.DateField(
        required=False, help_text="Empty: today", widget=UnfoldAdminSingleDateWidget
    )


class ReversalForm(forms.Form):
    reason = forms.CharField(
        max_length=200,
        help_text="e.g. Direct debit returned by the bank",
        widget=UnfoldAdminTextInputWidget,
    )


class ArrearsForm(forms.Form):
    """Filters of the arrears list."""

    segment = forms.ChoiceField(
        required=False,
        choices=[("", "All segments"), *Segment.choices],
        widget=UnfoldAdminSelectWidget,
    )
    min_days = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=36500,
        label="Overdue for at least (days)",
        widget=UnfoldAdminTextInputWidget,
    )

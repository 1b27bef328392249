"""Forms of the planning pages: check-ins, the business case, key results from it, my work.

They parse what people type (amounts in major units, percentages, comma-separated adds)
into what the services take; the services decide what is allowed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSingleDateWidget,
    UnfoldAdminTextInputWidget,
)

from rota.catalog.models import Offer
from rota.core.errors import FieldError
from rota.core.money import format_amount, parse_amount
from rota.planning.models import ActionStatus, BusinessCase, Objective
from rota.planning.services import CaseOfferInput

HUNDRED = Decimal(100)
MONEY_FIELDS = ("acquisition_cost", "variable_cost", "launch_cost", "fixed_cost")


class CheckInForm(forms.Form):
    """A manual key result's value measured on a day."""

    on = forms.DateField(label="Date", widget=UnfoldAdminSingleDateWidget)
    value = forms.DecimalField(
        max_digits=18, decimal_places=4, widget=UnfoldAdminDecimalFieldWidget
    )
    note = forms.CharField(required=False, max_length=300, widget=UnfoldAdminTextInputWidget)


def _money(label: str, help_text: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal(0),
        initial=Decimal("0.00"),
        help_text=help_text,
        widget=UnfoldAdminDecimalFieldWidget,
    )


class BusinessCaseForm(forms.Form):
    """The case's horizon, costs (major units) and discount rate (% a year)."""

    horizon = forms.IntegerField(
        initial=24, help_text="Months projected", widget=UnfoldAdminIntegerFieldWidget
    )
    acquisition_cost = _money(
        "Acquisition cost", "Per new subscriber: installation, equipment, marketing"
    )
    variable_cost = _money("Variable cost", "Per subscriber per month")
    launch_cost = _money("Launch cost", "Once, in month 0")
    fixed_cost = _money("Fixed cost", "Per month")
    discount_rate = forms.DecimalField(
        label="Discount rate (%)",
        max_digits=5,
        decimal_places=2,
        initial=Decimal("10.00"),
        help_text="A year, for the NPV",
        widget=UnfoldAdminDecimalFieldWidget,
    )

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in MONEY_FIELDS:
            self.fields[name].label = f"{self.fields[name].label} ({currency})"

    @staticmethod
    def initial_of(case: BusinessCase | None) -> dict[str, Any]:
        """Return the form's initial values for a stored case (or the defaults)."""
        if case is None:
            return {}
        return {
            "horizon": case.horizon,
            "acquisition_cost": format_amount(case.acquisition_cost_minor),
            "variable_cost": format_amount(case.variable_cost_minor),
            "launch_cost": format_amount(case.launch_cost_minor),
            "fixed_cost": format_amount(case.fixed_cost_minor),
            "discount_rate": percent(case.discount_rate),
        }

    def values(self) -> dict[str, Any]:
        """Return the service's keyword arguments (minor units, a fraction) of a valid form."""
        data = self.cleaned_data
        out: dict[str, Any] = {
            f"{name}_minor": parse_amount(data[name], field=name) for name in MONEY_FIELDS
        }
        out["horizon"] = data["horizon"]
        out["discount_rate"] = data["discount_rate"] / HUNDRED
        return out


def percent(fraction: Decimal) -> str:
    """Return a fraction as a percentage without trailing zeros: 0.0150 -> "1.5"."""
    value = (Decimal(fraction) * HUNDRED).normalize()
    return f"{value:f}"


def launch_offers() -> QuerySet[Offer]:
    """Return the offers a business case may launch: those with a draft or active version."""
    return (
        Offer.objects.filter(versions__status__in=["draft", "active"]).distinct().order_by("code")
    )


class CaseOfferForm(forms.Form):
    """One offer of the case; a row without an offer is left out."""

    offer = forms.ModelChoiceField(
        queryset=Offer.objects.none(), required=False, widget=UnfoldAdminSelectWidget
    )
    gross_adds = forms.CharField(
        label="Gross adds per month",
        required=False,
        help_text="Comma-separated, from month 1; the last value repeats",
        widget=UnfoldAdminTextInputWidget,
    )
    churn = forms.DecimalField(
        label="Monthly churn (%)",
        required=False,
        max_digits=6,
        decimal_places=2,
        widget=UnfoldAdminDecimalFieldWidget,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["offer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = launch_offers()

    def clean_gross_adds(self) -> tuple[int, ...]:
        text = self.cleaned_data.get("gross_adds") or ""
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if not all(part.isdigit() for part in parts):
            raise forms.ValidationError("Give whole numbers separated by commas, e.g. 40, 60, 80.")
        return tuple(int(part) for part in parts)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("offer") is None:
            return cleaned
        if not cleaned.get("gross_adds") and "gross_adds" not in self.errors:
            self.add_error("gross_adds", "Give the adds of at least one month.")
        if cleaned.get("churn") is None and "churn" not in self.errors:
            self.add_error("churn", "Give the monthly churn, e.g. 1.5.")
        return cleaned

    def row(self) -> CaseOfferInput | None:
        """Return the service's row for a valid form, or None for an empty row."""
        data = self.cleaned_data
        if data.get("offer") is None:
            return None
        return CaseOfferInput(
            offer=data["offer"], gross_adds=data["gross_adds"], churn=data["churn"] / HUNDRED
        )


CaseOfferFormSet = forms.formset_factory(CaseOfferForm, extra=2)


def case_offer_initial(case: BusinessCase | None) -> list[dict[str, Any]]:
    """Return the offer rows of a stored case as the formset's initial data."""
    if case is None:
        return []
    return [
        {
            "offer": row.offer,
            "gross_adds": ", ".join(str(n) for n in row.gross_adds),
            "churn": percent(row.churn),
        }
        for row in case.offers.select_related("offer").order_by("id")
    ]


def case_offer_rows(formset: Any) -> list[tuple[int, CaseOfferInput]]:
    """Return (form index, row) for every filled-in row of a valid formset."""
    rows = []
    for index, form in enumerate(formset.forms):
        row = form.row()
        if row is not None:
            rows.append((index, row))
    return rows


def add_case_errors(
    form: BusinessCaseForm,
    formset: Any,
    errors: list[FieldError],
    positions: list[int],
) -> None:
    """Put the service's errors on the case form or on the offer row they name.

    `positions[i]` is the formset index of the service's `offers[i]`.
    """
    for error in errors:
        name = error.field
        if name.startswith("offers[") and "]" in name:
            number, _, rest = name[len("offers[") :].partition("]")
            field = rest.lstrip(".")
            row = formset.forms[positions[int(number)]]
            row.add_error(field if field in row.fields else "offer", error.message)
            continue
        base = name.removesuffix("_minor")
        if base in form.fields:
            form.add_error(base, error.message)
        else:
            form.add_error(None, f"{name}: {error.message}")


class ObjectiveChoiceField(forms.ModelChoiceField):
    """An objective of the plan, by area and title."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_area_display()}: {obj.title}"


class KeyResultsFromCaseForm(forms.Form):
    """Choose the objective that receives the business case's key results."""

    objective = ObjectiveChoiceField(
        queryset=Objective.objects.none(), widget=UnfoldAdminSelectWidget
    )

    def __init__(self, *args: Any, plan_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["objective"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Objective.objects.filter(plan_id=plan_id).order_by("area", "id")


class ActionStatusForm(forms.Form):
    """Move one action to another status."""

    action = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=ActionStatus.choices, widget=UnfoldAdminSelectWidget)


class PersonForm(forms.Form):
    """Whose work to show (planners only)."""

    user = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True, is_staff=True).order_by("username"),
        to_field_name="username",
        required=False,
        label="Person",
        widget=UnfoldAdminSelectWidget,
    )

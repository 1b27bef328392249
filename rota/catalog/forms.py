"""Back-office forms of the catalog: they parse input; the services decide and write."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from unfold.widgets import (
    UnfoldAdminCheckboxSelectMultipleWidget,
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextInputWidget,
)

from rota.billing.pricing import Phase, schedule_errors
from rota.catalog.models import AddOn, Feature, OfferVersion, PricePhase, Segment
from rota.catalog.services import (
    SCALAR_FIELDS,
    Term,
    VersionData,
    offer_code_errors,
    version_errors,
)
from rota.core.forms import add_field_errors
from rota.core.money import format_amount, parse_amount, to_decimal
from rota.installation.selectors import installation_get


def money_field(**kwargs: Any) -> forms.DecimalField:
    """Return a form field for a non-negative amount with two decimals."""
    return forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal(0),
        widget=UnfoldAdminDecimalFieldWidget,
        **kwargs,
    )


class OfferVersionForm(forms.ModelForm):
    """The offer editor: an offer's descriptive fields, tax, fee rule and add-ons."""

    code = forms.SlugField(
        max_length=40,
        help_text="Stable identifier used by the API and the website",
        widget=UnfoldAdminTextInputWidget,
    )
    segment = forms.ChoiceField(choices=Segment.choices, widget=UnfoldAdminSelectWidget)
    features = forms.MultipleChoiceField(
        choices=Feature.choices,
        required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
    )
    early_termination_amount = money_field(
        label="Early-termination fee", required=False, initial=Decimal("0.00")
    )
    addons = forms.ModelMultipleChoiceField(
        queryset=AddOn.objects.filter(is_active=True),
        required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
        label="Allowed add-ons",
    )

    class Meta:
        model = OfferVersion
        fields = [*SCALAR_FIELDS, "features", "addons"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.initial.setdefault("tax_rate", installation_get().default_tax_rate)
        if self.instance.pk:
            for name in ("code", "segment"):
                if name in self.fields:
                    self.fields[name].required = False
                    self.fields[name].disabled = True
            self.initial["code"] = self.instance.offer.code
            self.initial["segment"] = self.instance.offer.segment
            self.initial["early_termination_amount"] = to_decimal(
                self.instance.early_termination_amount_minor
            )

    @property
    def segment_value(self) -> str:
        """Return the segment of the offer being edited."""
        if self.instance.pk:
            return str(self.instance.offer.segment)
        return str(self.cleaned_data.get("segment", ""))

    def version_data(self, terms: tuple[Term, ...]) -> VersionData:
        """Return the form's values as service input."""
        data = self.cleaned_data
        amount = data.get("early_termination_amount") or Decimal(0)
        return VersionData(
            name=data["name"],
            technology=data["technology"],
            download_mbps=data["download_mbps"],
            upload_mbps=data["upload_mbps"],
            symmetric=data["symmetric"],
            data_cap_gb=data["data_cap_gb"],
            tagline=data["tagline"],
            description=data["description"],
            features=tuple(data["features"]),
            prices_include_tax=data["prices_include_tax"],
            tax_rate=data["tax_rate"],
            early_termination_rule=data["early_termination_rule"],
            early_termination_amount_minor=parse_amount(amount, field="early_termination_amount"),
            addons=tuple(sorted(a.code for a in data["addons"])),
            terms=terms,
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.instance.pk and "code" in cleaned:
            add_field_errors(self, offer_code_errors(cleaned["code"]))
        if not self.errors and self.segment_value:
            errors = version_errors(self.version_data(()), segment=self.segment_value)
            add_field_errors(self, errors)
        return cleaned


class PricePhaseForm(forms.ModelForm):
    """One row of a price schedule: term, first month, monthly price."""

    monthly_price = money_field()

    class Meta:
        model = PricePhase
        fields = ["term_months", "from_month"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["monthly_price"] = format_amount(self.instance.monthly_price_minor)


class PricePhaseFormSet(forms.BaseInlineFormSet):
    """The price schedules of all contract terms, checked term by term."""

    def terms(self) -> tuple[Term, ...]:
        """Return the schedules the rows describe, grouped by term."""
        grouped: dict[int, list[Phase]] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("term_months") is None:
                continue
            grouped.setdefault(data["term_months"], []).append(
                Phase(
                    data["from_month"], parse_amount(data["monthly_price"], field="monthly_price")
                )
            )
        return tuple(
            Term(months, tuple(sorted(phases))) for months, phases in sorted(grouped.items())
        )

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        for term in self.terms():
            for message in schedule_errors(term.phases):
                raise ValidationError(f"{term.months}-month term: {message}.")


class AddOnForm(forms.ModelForm):
    """An add-on with its monthly price as a decimal."""

    monthly_price = money_field()

    class Meta:
        model = AddOn
        fields = ["code", "name", "description", "for_household", "for_business", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True
            self.initial["monthly_price"] = to_decimal(self.instance.monthly_price_minor)

    def service_values(self) -> dict[str, Any]:
        """Return the values the add-on services take."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "description": data["description"],
            "monthly_price_minor": parse_amount(data["monthly_price"], field="monthly_price"),
            "for_household": data["for_household"],
            "for_business": data["for_business"],
            "is_active": data["is_active"],
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not (cleaned.get("for_household") or cleaned.get("for_business")):
            raise ValidationError("Choose at least one segment the add-on is sold to.")
        return cleaned

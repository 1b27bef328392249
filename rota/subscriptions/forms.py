"""Back-office forms for selling and changing subscriptions (parse only; services decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from unfold.widgets import (
    UnfoldAdminCheckboxSelectMultipleWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSingleDateWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanSwitchWidget,
)

from rota.catalog.models import AddOn, OfferVersion, VersionStatus
from rota.subscriptions.models import Area, CancelReason


def _date(label: str, **kwargs: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=UnfoldAdminSingleDateWidget, **kwargs)


def _text(label: str, *, required: bool = True, max_length: int = 200) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=max_length, widget=UnfoldAdminTextInputWidget
    )


def _active_versions() -> Any:
    return (
        OfferVersion.objects.filter(status=VersionStatus.ACTIVE)
        .select_related("offer")
        .prefetch_related("phases")
        .order_by("offer__segment", "offer__code")
    )


class VersionChoiceField(forms.ModelChoiceField):
    """An offer on sale, labelled with its segment and the terms it is sold with."""

    def label_from_instance(self, obj: Any) -> str:
        terms = sorted({p.term_months for p in obj.phases.all()})
        sold = "/".join(str(t) for t in terms)
        segment = obj.offer.get_segment_display().lower()
        return f"{obj.name} ({obj.offer.code}, {segment}; terms {sold} months)"


class SellForm(forms.Form):
    """Sell an offer on sale to a customer, at a service address."""

    customer = forms.IntegerField(widget=forms.HiddenInput)
    version = VersionChoiceField(
        label="Offer", queryset=_active_versions(), widget=UnfoldAdminSelectWidget
    )
    term_months = forms.IntegerField(
        label="Contract term (months)",
        min_value=0,
        initial=0,
        widget=UnfoldAdminIntegerFieldWidget,
        help_text="0 = no commitment; the offer says which terms it is sold with",
    )
    start_date = _date("First day of service")
    addons = forms.ModelMultipleChoiceField(
        label="Add-ons",
        queryset=AddOn.objects.filter(is_active=True),
        required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
    )
    street = _text("Street")
    building = _text("Building number", max_length=20)
    apartment = _text("Apartment", required=False, max_length=20)
    postal_code = _text("Postal code", max_length=12)
    city = _text("City", max_length=100)
    municipality_code = _text("Municipality code (TERYT / IBGE)", required=False, max_length=20)
    area = forms.ChoiceField(choices=Area.choices, widget=UnfoldAdminSelectWidget)


class CancelForm(forms.Form):
    requested_on = _date("Requested on")
    last_day = _date("Last day of service")
    reason = forms.ChoiceField(choices=CancelReason.choices, widget=UnfoldAdminSelectWidget)
    note = forms.CharField(required=False, widget=UnfoldAdminTextareaWidget)


class SuspendForm(forms.Form):
    start_date = _date("First suspended day")
    end_date = _date("Last suspended day", required=False, help_text="Empty: until resumed")
    reason = _text("Reason", required=False)


class ResumeForm(forms.Form):
    on = _date("First day of service again")


class ChangeOfferForm(forms.Form):
    version = VersionChoiceField(
        label="New offer", queryset=_active_versions(), widget=UnfoldAdminSelectWidget
    )
    on = _date("First day on the new offer")
    new_contract = forms.BooleanField(
        label="Start a new contract", required=False, widget=UnfoldBooleanSwitchWidget
    )
    term_months = forms.IntegerField(
        label="New contract term (months)",
        min_value=0,
        required=False,
        widget=UnfoldAdminIntegerFieldWidget,
    )


class AttachAddOnForm(forms.Form):
    addon = forms.ModelChoiceField(
        queryset=AddOn.objects.filter(is_active=True), widget=UnfoldAdminSelectWidget
    )
    on = _date("From")


class DetachAddOnForm(forms.Form):
    addon = forms.ModelChoiceField(queryset=AddOn.objects.all(), widget=UnfoldAdminSelectWidget)
    last_day = _date("Last day")

"""Back-office forms for tickets and incidents (parse only; services decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from unfold.widgets import (
    UnfoldAdminCheckboxSelectMultipleWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSplitDateTimeWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanSwitchWidget,
)

from rota.catalog.models import Offer, Technology
from rota.subscriptions.models import Subscription
from rota.support.models import Category, Cause, Channel, Incident, Priority, Status


def _staff() -> Any:
    return User.objects.filter(is_active=True, is_staff=True).order_by("username")


class StaffChoiceField(forms.ModelChoiceField):
    """A staff member, by name and login."""

    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


class IncidentChoiceField(forms.ModelChoiceField):
    """An incident, by number, title and start, latest first."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Incident.objects.none(), required=False, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.number} {obj.title} ({obj.started_at:%Y-%m-%d %H:%M})"


def _select(choices: Any, label: str | None = None, **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(choices=choices, label=label, widget=UnfoldAdminSelectWidget, **kwargs)


class TicketForm(forms.Form):
    """Open a ticket for a customer."""

    customer = forms.IntegerField(widget=forms.HiddenInput)
    subscription = forms.ModelChoiceField(
        queryset=Subscription.objects.none(),
        required=False,
        widget=UnfoldAdminSelectWidget,
        help_text="Leave empty for a question about the customer's account",
    )
    category = _select(Category.choices)
    priority = _select(Priority.choices, initial=Priority.NORMAL)
    channel = _select(Channel.choices)
    subject = forms.CharField(max_length=200, widget=UnfoldAdminTextInputWidget)
    description = forms.CharField(required=False, widget=UnfoldAdminTextareaWidget)
    assignee = StaffChoiceField(
        queryset=_staff(),
        required=False,
        widget=UnfoldAdminSelectWidget,
        help_text="With an assignee the ticket is open at once",
    )
    incident = IncidentChoiceField(
        widget=UnfoldAdminSelectWidget, help_text="The outage this ticket is about, if any"
    )

    def __init__(self, *args: Any, customer_id: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["subscription"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Subscription.objects.filter(customer_id=customer_id).order_by(
            "-start_date"
        )
        incidents = self.fields["incident"]
        assert isinstance(incidents, forms.ModelChoiceField)
        incidents.queryset = Incident.objects.order_by("-started_at", "-id")


class MessageForm(forms.Form):
    body = forms.CharField(widget=UnfoldAdminTextareaWidget)


class TransitionForm(forms.Form):
    to = _select(Status.choices, label="New status")


class TicketUpdateForm(forms.Form):
    """Assign, re-prioritise, re-categorise or link to an incident."""

    assignee = StaffChoiceField(queryset=_staff(), required=False, widget=UnfoldAdminSelectWidget)
    priority = _select(Priority.choices)
    category = _select(Category.choices)
    incident = IncidentChoiceField(widget=UnfoldAdminSelectWidget)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        incidents = self.fields["incident"]
        assert isinstance(incidents, forms.ModelChoiceField)
        incidents.queryset = Incident.objects.order_by("-started_at", "-id")


def _words(text: str) -> tuple[str, ...]:
    return tuple(sorted({w for w in text.replace(",", " ").split() if w}))


class IncidentForm(forms.Form):
    """Record an incident and the scope it hit."""

    title = forms.CharField(max_length=200, widget=UnfoldAdminTextInputWidget)
    cause = _select(Cause.choices)
    description = forms.CharField(required=False, widget=UnfoldAdminTextareaWidget)
    planned = forms.BooleanField(required=False, widget=UnfoldBooleanSwitchWidget)
    started_at = forms.SplitDateTimeField(widget=UnfoldAdminSplitDateTimeWidget)
    resolved_at = forms.SplitDateTimeField(
        required=False,
        widget=UnfoldAdminSplitDateTimeWidget,
        help_text="Empty while the outage goes on",
    )
    municipalities = forms.CharField(
        required=False,
        widget=UnfoldAdminTextInputWidget,
        help_text="Municipality codes (TERYT / IBGE), separated by spaces or commas",
    )
    technologies = forms.MultipleChoiceField(
        choices=Technology.choices,
        required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
    )
    offers = forms.ModelMultipleChoiceField(
        queryset=Offer.objects.order_by("segment", "code"),
        to_field_name="code",
        required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
    )
    subscriptions = forms.CharField(
        required=False,
        widget=UnfoldAdminTextInputWidget,
        help_text="Or exactly these subscriptions: numbers such as S-000123 or ids",
    )

    def clean_municipalities(self) -> tuple[str, ...]:
        return _words(self.cleaned_data["municipalities"])

    def clean_subscriptions(self) -> tuple[int, ...]:
        ids = []
        for word in _words(self.cleaned_data["subscriptions"]):
            digits = word.upper().removeprefix("S-")
            if not digits.isdigit():
                raise forms.ValidationError(f"{word} is not a subscription number")
            ids.append(int(digits))
        return tuple(ids)


class ResolveForm(forms.Form):
    resolved_at = forms.SplitDateTimeField(
        label="Service back at", widget=UnfoldAdminSplitDateTimeWidget
    )

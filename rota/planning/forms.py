"""Back-office forms for plans and their seven steps (parse only; the services decide)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from unfold.widgets import (
    UnfoldAdminCheckboxSelectMultipleWidget,
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSingleDateWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from rota.catalog.models import Offer, Segment, Technology
from rota.kpis.definitions import KPIS
from rota.planning.models import (
    Action,
    ActionStatus,
    Area,
    DirectionChoice,
    KeyResultMode,
    Kind,
    Milestone,
    MilestoneKind,
    Objective,
    Plan,
    SwotKind,
)
from rota.planning.selectors import Measure
from rota.planning.status import LABELS

KPI_CHOICES = [(k.code, f"{k.name} ({k.code})") for k in KPIS]
DECISION_ROWS = 3


def staff() -> QuerySet[User]:
    """Return the people who may own or review plan items."""
    return User.objects.filter(is_active=True, is_staff=True).order_by("username")


class PersonField(forms.ModelChoiceField):
    """A staff member, by name and login."""

    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


class PeopleField(forms.ModelMultipleChoiceField):
    """Several staff members, by name and login."""

    def label_from_instance(self, obj: Any) -> str:
        return PersonField.label_from_instance(self, obj)  # type: ignore[arg-type]


def _select(choices: Any, **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(choices=choices, widget=UnfoldAdminSelectWidget, **kwargs)


def _person(**kwargs: Any) -> PersonField:
    return PersonField(queryset=staff(), widget=UnfoldAdminSelectWidget, **kwargs)


def _text(**kwargs: Any) -> forms.CharField:
    return forms.CharField(widget=UnfoldAdminTextInputWidget, **kwargs)


def _area(**kwargs: Any) -> forms.CharField:
    return forms.CharField(widget=UnfoldAdminTextareaWidget, **kwargs)


def _day(**kwargs: Any) -> forms.DateField:
    return forms.DateField(widget=UnfoldAdminSingleDateWidget, **kwargs)


def _number(**kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        max_digits=18, decimal_places=4, widget=UnfoldAdminDecimalFieldWidget, **kwargs
    )


def _kpi(**kwargs: Any) -> forms.ChoiceField:
    return _select([("", "—"), *KPI_CHOICES], required=False, **kwargs)


class MonthField(forms.CharField):
    """A month written YYYY-MM (a full date YYYY-MM-DD is taken as its month)."""

    def __init__(self, **kwargs: Any) -> None:
        attrs = {"placeholder": "YYYY-MM"}
        super().__init__(max_length=10, widget=UnfoldAdminTextInputWidget(attrs=attrs), **kwargs)

    def clean(self, value: Any) -> date | None:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        try:
            if len(text) == 7:
                return date.fromisoformat(f"{text}-01")
            return date.fromisoformat(text)
        except ValueError:
            raise ValidationError("Write the month as YYYY-MM, e.g. 2027-01.") from None


class PlanForm(forms.Form):
    """Create a plan: its name, kind, first month, owner, offers and target segments."""

    name = _text(max_length=120)
    kind = _select(Kind.choices, initial=Kind.YEARLY)
    starts_on = MonthField(label="Start month", help_text="The plan's first month, YYYY-MM")
    owner = _person(required=False)
    summary = _area(required=False, help_text="Why this plan, in a few lines")
    offers = forms.ModelMultipleChoiceField(
        queryset=Offer.objects.none(),
        to_field_name="code",
        required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
        help_text="Offers the plan launches or pushes (draft or on sale)",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offers = self.fields["offers"]
        assert isinstance(offers, forms.ModelMultipleChoiceField)
        offers.queryset = (
            Offer.objects.filter(versions__status__in=["draft", "active"])
            .distinct()
            .order_by("segment", "code")
        )
        for segment, label in Segment.choices:
            self.fields[f"needs_{segment}"] = _area(
                required=False,
                label=f"{label} customers need",
                help_text=f"Leave empty if the plan does not target {label.lower()} customers",
            )

    def segments(self) -> dict[str, str]:
        """Return the targeted segments and their needs."""
        data = self.cleaned_data
        return {s: data[f"needs_{s}"] for s in Segment.values if data[f"needs_{s}"].strip()}


class PlanUpdateForm(forms.Form):
    name = _text(max_length=120)
    owner = _person(required=False)
    summary = _area(required=False)


class FindingForm(forms.Form):
    text = _area()
    kpi_code = _kpi(label="Cites the KPI")


class SwotForm(forms.Form):
    kind = _select(SwotKind.choices)
    text = _text(max_length=300)
    kpi_code = _kpi(label="Cites the KPI")


class SegmentForm(forms.Form):
    segment = _select(Segment.choices)
    needs = _area(help_text="What these customers ask for")


class ObjectiveForm(forms.Form):
    area = _select(Area.choices)
    title = _text(max_length=200)
    description = _area(required=False)
    owner = _person(required=False)
    reviewer = _person(required=False, help_text="Checks the owner's work: not the owner")


class _PlanItemsForm(forms.Form):
    """A form whose choices are the objectives (and actions) of one plan."""

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "objective" in self.fields:
            field = self.fields["objective"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Objective.objects.filter(plan=plan).order_by("area", "id")
        for name in ("plan_b_of", "action"):
            if name in self.fields:
                field = self.fields[name]
                assert isinstance(field, forms.ModelChoiceField)
                field.queryset = Action.objects.filter(objective__plan=plan).order_by(
                    "objective__area", "objective_id", "due_on", "id"
                )


class KeyResultForm(_PlanItemsForm):
    """A key result on a KPI (optionally a slice of it) or a manual metric."""

    objective = forms.ModelChoiceField(
        queryset=Objective.objects.none(), widget=UnfoldAdminSelectWidget
    )
    title = _text(max_length=200)
    kpi_code = _kpi(label="KPI", help_text="Empty: a manual metric, checked in by hand")
    segment = _select([("", "All segments"), *Segment.choices], required=False)
    offer = forms.CharField(
        required=False, widget=UnfoldAdminTextInputWidget, help_text="An offer code"
    )
    technology = _select([("", "All technologies"), *Technology.choices], required=False)
    municipality = forms.CharField(
        required=False, widget=UnfoldAdminTextInputWidget, help_text="A municipality code"
    )
    unit = forms.CharField(
        required=False, widget=UnfoldAdminTextInputWidget, help_text="The manual metric's unit"
    )
    mode = _select(KeyResultMode.choices, initial=KeyResultMode.TARGET)
    direction = _select(
        [("", "As the KPI reads (higher or lower is better)"), *DirectionChoice.choices],
        required=False,
    )
    baseline = _number(
        required=False, help_text="Empty for a KPI: its value in the diagnosis's last month"
    )
    target_3 = _number(required=False, label="Target at 3 months")
    target_6 = _number(required=False, label="Target at 6 months")
    target_12 = _number(required=False, label="Target at 12 months")
    bound = _number(required=False, help_text="For stay below / stay above")

    FILTERS = ("segment", "offer", "technology", "municipality")

    def filters(self) -> dict[str, str]:
        """Return the filters that are set."""
        return {n: self.cleaned_data[n].strip() for n in self.FILTERS if self.cleaned_data[n]}


class ActionForm(_PlanItemsForm):
    objective = forms.ModelChoiceField(
        queryset=Objective.objects.none(), widget=UnfoldAdminSelectWidget
    )
    title = _text(max_length=200)
    description = _area(required=False)
    owner = _person(required=False)
    starts_on = _day(required=False, help_text="Empty: the plan's start")
    due_on = _day(required=False)
    plan_b_of = forms.ModelChoiceField(
        queryset=Action.objects.none(),
        required=False,
        widget=UnfoldAdminSelectWidget,
        label="Plan B of",
        help_text="Waits on standby until a review switches to it",
    )


class ActionStatusForm(forms.Form):
    status = _select(ActionStatus.choices)
    on = _day(required=False, label="Done on", help_text="For done: empty is today")


class MilestoneForm(forms.Form):
    kind = _select(MilestoneKind.choices)
    title = _text(max_length=200)
    planned_on = _day(required=False)
    owner = _person(required=False)


class MilestoneUpdateForm(forms.Form):
    replanned_on = _day(required=False, label="Re-planned for")
    actual_on = _day(required=False, label="Reached on")
    owner = _person(required=False)

    @classmethod
    def initial_of(cls, milestone: Milestone) -> dict[str, Any]:
        return {
            "replanned_on": milestone.replanned_on,
            "actual_on": milestone.actual_on,
            "owner": milestone.owner_id,
        }


class ReviewForm(forms.Form):
    """A review: date, attendees, each key result's status and note, and decisions.

    The status of each key result starts as the one measured from live data; up to
    DECISION_ROWS decisions, each of which may switch to a plan-B action on standby.
    """

    held_on = _day(label="Held on")
    attendees = PeopleField(queryset=staff(), widget=UnfoldAdminCheckboxSelectMultipleWidget)
    summary = _area(required=False)

    def __init__(
        self, *args: Any, measures: list[Measure], standby: list[Action], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.measures = measures
        statuses = [(s.value, label) for s, label in LABELS.items()]
        for m in measures:
            kr = m.key_result
            self.fields[f"kr_{kr.pk}_status"] = _select(
                statuses, label=f"{kr.title}: status", initial=m.status.value
            )
            self.fields[f"kr_{kr.pk}_note"] = _text(
                required=False, max_length=2000, label=f"{kr.title}: note"
            )
        choices = [("", "—"), *((a.pk, f"{a.title} (plan B of {a.plan_b_of})") for a in standby)]
        self.standby = {a.pk: a for a in standby}
        for i in range(DECISION_ROWS):
            self.fields[f"decision_{i}_text"] = _area(
                required=False, label=f"Decision {i + 1}", max_length=2000
            )
            self.fields[f"decision_{i}_activates"] = _select(
                choices,
                required=False,
                label=f"Decision {i + 1}: switch to the plan B",
                help_text="The action it backs is dropped",
            )

    def entries(self) -> list[tuple[int, str, str]]:
        """Return (key result id, status, note) for each key result."""
        data = self.cleaned_data
        return [
            (
                m.key_result.pk,
                data[f"kr_{m.key_result.pk}_status"],
                data[f"kr_{m.key_result.pk}_note"],
            )
            for m in self.measures
        ]

    def decisions(self) -> list[tuple[int, str, Action | None]]:
        """Return (row, text, plan B to activate) for each decision written down."""
        out = []
        for i in range(DECISION_ROWS):
            text = self.cleaned_data[f"decision_{i}_text"]
            raw = self.cleaned_data[f"decision_{i}_activates"]
            activates = self.standby.get(int(raw)) if raw else None
            if text.strip() or activates is not None:
                out.append((i, text, activates))
        return out

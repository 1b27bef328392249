"""Strategic plans: the seven steps of design/planning.md, bound to the live KPIs.

A plan starts on the first day of a month (t0). At creation Rota freezes every KPI of the
twelve months before t0 (the diagnosis) and the customers lost in them; objectives carry
key results measured against a KPI (or checked in by hand), actions with owners and
plan-B alternatives, milestones with planned, re-planned and actual dates, and reviews
that record each key result's status and the decisions taken. An offer-launch plan has a
business case: the assumptions of seed 002's financial analysis.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from rota.catalog.models import Offer, Segment


class Kind(models.TextChoices):
    YEARLY = "yearly", "Yearly plan"
    OFFER_LAUNCH = "offer_launch", "Offer launch"


class Area(models.TextChoices):
    SALES = "sales", "Sales"
    MARKETING = "marketing", "Marketing"
    FINANCE = "finance", "Finance"
    NETWORK = "network", "Network"
    SUPPORT = "support", "Support"
    PRODUCT = "product", "Product"


class SwotKind(models.TextChoices):
    STRENGTH = "S", "Strength"
    WEAKNESS = "W", "Weakness"
    OPPORTUNITY = "O", "Opportunity"
    THREAT = "T", "Threat"


class KeyResultMode(models.TextChoices):
    TARGET = "target", "Reach targets at 3, 6 and 12 months"
    STAY_BELOW = "stay_below", "Stay below a bound"
    STAY_ABOVE = "stay_above", "Stay above a bound"


class DirectionChoice(models.TextChoices):
    UP = "up", "Higher is better"
    DOWN = "down", "Lower is better"


class ActionStatus(models.TextChoices):
    TODO = "todo", "To do"
    DOING = "doing", "Doing"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


class MilestoneKind(models.TextChoices):
    TEST_START = "test_start", "Test start"
    PILOT = "pilot", "Pilot"
    FULL_LAUNCH = "full_launch", "Full launch"
    CUSTOM = "custom", "Custom"


class Plan(models.Model):
    """A plan: a name, its start month and its owner; the diagnosis is frozen at creation."""

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.YEARLY)
    starts_on = models.DateField(help_text="t0: the first day of the plan's first month")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    summary = models.TextField(blank=True, help_text="Why this plan, in a few lines")
    offers = models.ManyToManyField(Offer, blank=True, related_name="+")
    lost_customers = models.JSONField(
        default=dict,
        blank=True,
        help_text="Frozen at creation: subscriptions lost in the diagnosis months by reason, "
        "segment, offer and area",
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__day=1), name="planning_plan_starts_on_first_day"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DiagnosisMonth(models.Model):
    """Every KPI of one of the twelve months before the plan's start, frozen at creation."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="diagnosis")
    month = models.CharField(max_length=7, help_text="YYYY-MM")
    values = models.JSONField(default=dict)
    churn_reasons = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["plan", "month"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "month"], name="planning_diagnosis_once"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} diagnosis {self.month}"


class PlanSegment(models.Model):
    """A customer segment the plan targets, with what those customers need."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="segments")
    segment = models.CharField(max_length=16, choices=Segment.choices)
    needs = models.TextField(help_text="What these customers ask for")

    class Meta:
        ordering = ["plan", "segment"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "segment"], name="planning_segment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.get_segment_display()}"


class Finding(models.Model):
    """A finding of the diagnosis, optionally citing a KPI."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="findings")
    text = models.TextField()
    kpi_code = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["plan", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class SwotItem(models.Model):
    """A strength, weakness, opportunity or threat, optionally citing a KPI."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="swot")
    kind = models.CharField(max_length=1, choices=SwotKind.choices)
    text = models.CharField(max_length=300)
    kpi_code = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["plan", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SwotKind.values), name="planning_swot_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.text[:60]}"


class Objective(models.Model):
    """An objective of one area; its reviewer is never its owner."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="objectives")
    area = models.CharField(max_length=16, choices=Area.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["plan", "area", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reviewer=F("owner")), name="planning_objective_reviewer_not_owner"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class KeyResult(models.Model):
    """A measurable result: a KPI with filters, or a manual metric checked in by hand.

    A "target" key result runs from `baseline` through `target_3`, `target_6` and
    `target_12`; a "stay below/above" one holds `bound`.
    """

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    title = models.CharField(max_length=200)
    kpi_code = models.CharField(max_length=40, blank=True, help_text="Empty: a manual metric")
    filters = models.JSONField(default=dict, blank=True)
    unit = models.CharField(max_length=20, blank=True, help_text="The manual metric's unit")
    mode = models.CharField(
        max_length=16, choices=KeyResultMode.choices, default=KeyResultMode.TARGET
    )
    direction = models.CharField(max_length=4, choices=DirectionChoice.choices)
    baseline = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    target_3 = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    target_6 = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    target_12 = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    bound = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ["objective", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(mode="target")
                | (
                    Q(baseline__isnull=False)
                    & Q(target_3__isnull=False)
                    & Q(target_6__isnull=False)
                    & Q(target_12__isnull=False)
                ),
                name="planning_kr_target_complete",
            ),
            models.CheckConstraint(
                condition=Q(mode="target") | Q(bound__isnull=False),
                name="planning_kr_bound_set",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=DirectionChoice.values),
                name="planning_kr_direction_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_manual(self) -> bool:
        return not self.kpi_code


class CheckIn(models.Model):
    """A measured value of a manual key result on a day."""

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="check_ins")
    on = models.DateField()
    value = models.DecimalField(max_digits=18, decimal_places=4)
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["key_result", "-on", "-id"]

    def __str__(self) -> str:
        return f"{self.key_result} {self.on}: {self.value}"


class Action(models.Model):
    """Work that serves an objective; a plan-B action waits until a review activates it."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField()
    due_on = models.DateField()
    status = models.CharField(max_length=8, choices=ActionStatus.choices, default="todo")
    done_on = models.DateField(null=True, blank=True)
    plan_b_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="plan_b"
    )
    activated_on = models.DateField(
        null=True, blank=True, help_text="When a review switched to this plan B"
    )

    class Meta:
        ordering = ["objective", "due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=F("starts_on")), name="planning_action_due_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ActionStatus.values), name="planning_action_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="done", done_on__isnull=False)
                | (~Q(status="done") & Q(done_on__isnull=True)),
                name="planning_action_done_on_when_done",
            ),
            models.CheckConstraint(
                condition=~Q(plan_b_of=F("id")), name="planning_action_not_own_plan_b"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_standby(self) -> bool:
        """Tell whether this is a plan B nobody has switched to yet."""
        return self.plan_b_of_id is not None and self.activated_on is None


class Milestone(models.Model):
    """A dated step of the schedule; re-planning keeps the original date for the drift."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(max_length=16, choices=MilestoneKind.choices)
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    planned_on = models.DateField()
    replanned_on = models.DateField(null=True, blank=True)
    actual_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "planned_on", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def due_on(self) -> date:
        """Return the date the milestone is now expected on."""
        return self.replanned_on or self.planned_on


class Review(models.Model):
    """A review meeting: who came, each key result's status and note, and the decisions."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reviews")
    held_on = models.DateField()
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    summary = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["plan", "-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.plan} review {self.held_on}"


class ReviewEntry(models.Model):
    """One key result as the review saw it: actual, expected, status and a note."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="entries")
    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="+")
    actual = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    expected = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    status = models.CharField(max_length=12)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["review", "key_result"]
        constraints = [
            models.UniqueConstraint(fields=["review", "key_result"], name="planning_entry_once"),
        ]

    def __str__(self) -> str:
        return f"{self.review}: {self.key_result_id} {self.status}"


class Decision(models.Model):
    """A decision of a review; it may switch to a plan-B action (dropping the one it backs)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField()
    activates = models.ForeignKey(
        Action, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["review", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class BusinessCase(models.Model):
    """The assumptions of an offer launch's financial analysis (money in minor units)."""

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="business_case")
    horizon = models.PositiveSmallIntegerField(default=24)
    acquisition_cost_minor = models.BigIntegerField(default=0)
    variable_cost_minor = models.BigIntegerField(default=0)
    launch_cost_minor = models.BigIntegerField(default=0)
    fixed_cost_minor = models.BigIntegerField(default=0)
    discount_rate = models.DecimalField(max_digits=6, decimal_places=4, default="0.1000")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(horizon__gte=1, horizon__lte=120), name="planning_case_horizon"
            ),
            models.CheckConstraint(
                condition=Q(acquisition_cost_minor__gte=0)
                & Q(variable_cost_minor__gte=0)
                & Q(launch_cost_minor__gte=0)
                & Q(fixed_cost_minor__gte=0),
                name="planning_case_costs_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(discount_rate__gte=0, discount_rate__lte=1),
                name="planning_case_discount_rate",
            ),
        ]

    def __str__(self) -> str:
        return f"Business case of {self.plan}"


class CaseOffer(models.Model):
    """One offer in a business case: expected gross adds per month and monthly churn."""

    case = models.ForeignKey(BusinessCase, on_delete=models.CASCADE, related_name="offers")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="+")
    gross_adds = models.JSONField(help_text="Adds per month from month 1; one value: every month")
    churn = models.DecimalField(
        max_digits=6, decimal_places=4, help_text="Monthly churn, a fraction (0.0150 = 1.5%)"
    )

    class Meta:
        ordering = ["case", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "offer"], name="planning_case_offer_once"),
            models.CheckConstraint(
                condition=Q(churn__gte=0, churn__lt=1), name="planning_case_churn_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.offer}"

"""Subscriptions: what a customer bought, where, from when to when, at which prices.

Dates are business dates. `start_date` is the first day of service and `end_date` the last
(inclusive), as people say them; code converts them to half-open ranges at the edge.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q

from rota.catalog.models import AddOn, EarlyTerminationRule, Offer, OfferVersion
from rota.customers.models import Customer


class Area(models.TextChoices):
    URBAN = "urban", "Urban"
    RURAL = "rural", "Rural"


class CancelReason(models.TextChoices):
    PRICE = "price", "Price"
    COMPETITOR = "competitor", "Competitor"
    QUALITY = "quality", "Service quality"
    SUPPORT = "support", "Customer support"
    MOVING = "moving", "Moving"
    NO_LONGER_NEEDED = "no_longer_needed", "No longer needed"
    NON_PAYMENT = "non_payment", "Non-payment"
    OTHER = "other", "Other"


class Subscription(models.Model):
    """One contract for internet service at one service address."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="subscriptions")
    offer = models.ForeignKey(
        Offer,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Offer of the latest plan (a planned change included)",
    )
    start_date = models.DateField(help_text="First day of service")
    end_date = models.DateField(null=True, blank=True, help_text="Last day of service")
    bill_from = models.DateField(help_text="First day Rota bills (the start date unless imported)")
    # Service address: the fields regulators ask for.
    street = models.CharField(max_length=200)
    building = models.CharField(max_length=20)
    apartment = models.CharField(max_length=20, blank=True)
    postal_code = models.CharField(max_length=12)
    city = models.CharField(max_length=100)
    municipality_code = models.CharField(
        max_length=20, blank=True, help_text="TERYT in Poland, IBGE in Brazil"
    )
    area = models.CharField(max_length=8, choices=Area.choices, default=Area.URBAN)
    # Cancellation.
    cancel_requested_on = models.DateField(null=True, blank=True)
    cancel_reason = models.CharField(
        max_length=20, choices=CancelReason.choices, blank=True, default=""
    )
    cancel_note = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["customer"], name="subscription_customer_idx"),
            models.Index(fields=["end_date"], name="subscription_end_idx"),
            models.Index(fields=["municipality_code"], name="subscription_municipality_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="subscription_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(bill_from__gte=F("start_date")),
                name="subscription_bill_from_after_start",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True, cancel_reason="")
                | Q(end_date__isnull=False, cancel_requested_on__isnull=False)
                & ~Q(cancel_reason=""),
                name="subscription_cancellation_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"S-{self.pk:06d}" if self.pk else "new subscription"

    @property
    def number(self) -> str:
        """Return the subscription number shown to staff and customers."""
        return str(self)

    @property
    def address_line(self) -> str:
        """Return the service address on one line."""
        number = self.building + (f"/{self.apartment}" if self.apartment else "")
        return f"{self.street} {number}, {self.postal_code} {self.city}"


class Plan(models.Model):
    """The offer version, contract and price schedule in force from `valid_from` on.

    A subscription has one plan from its start; an offer change on date D adds a plan valid
    from D. The plan keeps its own copy of prices, tax and fee rule, so catalog changes
    never alter what the customer signed.
    """

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="plans")
    valid_from = models.DateField()
    offer_version = models.ForeignKey(OfferVersion, on_delete=models.PROTECT, related_name="+")
    term_months = models.PositiveSmallIntegerField()
    contract_start = models.DateField()
    prices_include_tax = models.BooleanField()
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0.2300"))
    early_termination_rule = models.CharField(
        max_length=24, choices=EarlyTerminationRule.choices, default=EarlyTerminationRule.NONE
    )
    early_termination_amount_minor = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["subscription", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "valid_from"], name="plan_one_per_start_day"
            ),
            models.CheckConstraint(
                condition=Q(contract_start__lte=F("valid_from")), name="plan_contract_started"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscription} from {self.valid_from}"


class PlanPhase(models.Model):
    """One price phase of a plan: from contract month `from_month`, this monthly price."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="phases")
    from_month = models.PositiveSmallIntegerField()
    monthly_price_minor = models.BigIntegerField()

    class Meta:
        ordering = ["plan", "from_month"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "from_month"], name="plan_phase_unique"),
            models.CheckConstraint(
                condition=Q(monthly_price_minor__gte=0), name="plan_phase_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: month {self.from_month}"


class Suspension(models.Model):
    """Days without service and without charge (inclusive range; open while end_date is empty)."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="suspensions"
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["subscription", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="suspension_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["subscription", "start_date"], name="suspension_one_per_start_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscription} suspended {self.start_date}–{self.end_date or '…'}"


class SubscriptionAddOn(models.Model):
    """An add-on on a subscription for an inclusive date range, at the price it was sold at."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="addons")
    addon = models.ForeignKey(AddOn, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    monthly_price_minor = models.BigIntegerField()

    class Meta:
        ordering = ["subscription", "start_date"]
        verbose_name = "subscription add-on"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="subscription_addon_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(monthly_price_minor__gte=0), name="subscription_addon_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscription} + {self.addon.code}"


class Cancellation(Subscription):
    """Cancelled subscriptions, listed with their reasons (a view of Subscription)."""

    class Meta:
        proxy = True
        ordering = ["-end_date", "-id"]

"""Billing runs, invoices and their lines. Issued invoices are never edited."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from rota.customers.models import Customer
from rota.subscriptions.models import Subscription, SubscriptionAddOn


class BillingRun(models.Model):
    """One run of billing for a calendar month."""

    period = models.CharField(max_length=7, help_text="YYYY-MM")
    issue_date = models.DateField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    actor_label = models.CharField(max_length=200)
    invoices = models.PositiveIntegerField(default=0)
    lines = models.PositiveIntegerField(default=0)
    net_minor = models.BigIntegerField(default=0)
    tax_minor = models.BigIntegerField(default=0)
    gross_minor = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Billing run {self.period} ({self.started_at:%Y-%m-%d %H:%M})"


class BillingJob(models.Model):
    """A billing run started from the back office and carried out by the background worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"

    period = models.CharField(max_length=7, help_text="YYYY-MM")
    issue_date = models.DateField()
    actor_label = models.CharField(max_length=200)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    invoices = models.PositiveIntegerField(default=0)
    gross_minor = models.BigIntegerField(default=0)
    first_number = models.CharField(max_length=40, blank=True)
    last_number = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "finished", "failed"]),
                name="billing_job_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Billing {self.period} ({self.get_status_display()})"


class InvoiceSequence(models.Model):
    """The last invoice number used in a calendar year: numbering is gapless per year."""

    year = models.PositiveSmallIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Invoice(models.Model):
    """One customer's regular invoice for one period, or a credit note correcting one."""

    class Kind(models.TextChoices):
        REGULAR = "regular", "Invoice"
        CREDIT_NOTE = "credit_note", "Credit note"

    number = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.REGULAR)
    # Empty on every regular invoice: indexed only where set (invoice_corrects, below).
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        db_index=False,
    )
    reason = models.CharField(max_length=200, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    period = models.CharField(max_length=7)
    run = models.ForeignKey(BillingRun, on_delete=models.PROTECT, related_name="+")
    issue_date = models.DateField()
    due_date = models.DateField()
    currency = models.CharField(max_length=3)
    net_minor = models.BigIntegerField()
    tax_minor = models.BigIntegerField()
    gross_minor = models.BigIntegerField()

    class Meta:
        ordering = ["-issue_date", "-number"]
        indexes = [
            models.Index(
                fields=["corrects"], condition=Q(corrects__isnull=False), name="invoice_corrects"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "period"],
                condition=Q(kind="regular"),
                name="invoice_one_per_customer_period",
            ),
            models.UniqueConstraint(
                fields=["corrects"],
                condition=Q(kind="credit_note"),
                name="invoice_one_credit_note",
            ),
            models.CheckConstraint(
                condition=Q(kind="regular", corrects__isnull=True)
                | Q(kind="credit_note", corrects__isnull=False),
                name="invoice_credit_note_corrects",
            ),
            models.CheckConstraint(
                condition=Q(gross_minor=models.F("net_minor") + models.F("tax_minor")),
                name="invoice_totals_add_up",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class InvoiceLine(models.Model):
    """A charge, credit or fee. Charge lines record the days they cover (inclusive)."""

    class Kind(models.TextChoices):
        SERVICE = "service", "Service"
        ADDON = "addon", "Add-on"
        CREDIT = "credit", "Credit"
        FEE = "fee", "Early-termination fee"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    # Indexed by line_subscription_kind, which starts with it: a second index on the
    # column alone would only slow down the billing run's writes.
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="invoice_lines", db_index=False
    )
    # Empty on most lines: indexed only where set (line_addon, below), so the billing run
    # writes no index entry for the others.
    addon = models.ForeignKey(
        SubscriptionAddOn,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    description = models.CharField(max_length=200)
    service_start = models.DateField(null=True, blank=True)
    service_end = models.DateField(null=True, blank=True, help_text="Last day covered")
    days = models.PositiveSmallIntegerField(default=0)
    monthly_price_minor = models.BigIntegerField(default=0)
    amount_minor = models.BigIntegerField()
    net_minor = models.BigIntegerField()
    tax_minor = models.BigIntegerField()
    gross_minor = models.BigIntegerField()
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4)
    credits_line = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credits",
        db_index=False,
    )

    class Meta:
        ordering = ["invoice", "id"]
        indexes = [
            models.Index(fields=["subscription", "kind"], name="line_subscription_kind"),
            # Every lookup by these columns compares them with a value (col = x, col IN
            # (...)), which implies IS NOT NULL: SQLite and PostgreSQL both use the index.
            models.Index(fields=["addon"], condition=Q(addon__isnull=False), name="line_addon"),
            models.Index(
                fields=["credits_line"],
                condition=Q(credits_line__isnull=False),
                name="line_credits_line",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(gross_minor=models.F("net_minor") + models.F("tax_minor")),
                name="line_totals_add_up",
            ),
            models.CheckConstraint(
                condition=Q(kind="fee") | Q(service_start__isnull=False, service_end__isnull=False),
                name="line_charge_has_days",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice}: {self.description}"


class Payment(models.Model):
    """Money received from a customer, allocated to their open invoices oldest first."""

    class Method(models.TextChoices):
        TRANSFER = "transfer", "Bank transfer"
        CARD = "card", "Card"
        CASH = "cash", "Cash"
        DIRECT_DEBIT = "direct_debit", "Direct debit"
        OTHER = "other", "Other"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments")
    amount_minor = models.BigIntegerField()
    received_on = models.DateField()
    method = models.CharField(max_length=16, choices=Method.choices, default=Method.TRANSFER)
    reference = models.CharField(max_length=140, blank=True)
    created_at = models.DateTimeField()
    reversed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the payment was reversed (bounced or recorded by mistake)",
    )
    reversal_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="payment_positive"),
            models.CheckConstraint(
                condition=Q(reversed_at__isnull=True, reversal_reason="")
                | (Q(reversed_at__isnull=False) & ~Q(reversal_reason="")),
                name="payment_reversal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Payment {self.pk} from {self.customer} on {self.received_on}"

    @property
    def is_reversed(self) -> bool:
        """Tell whether the payment was reversed."""
        return self.reversed_at is not None


class Allocation(models.Model):
    """The part of a payment that settles one invoice."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount_minor = models.BigIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="allocation_positive"),
            models.UniqueConstraint(fields=["payment", "invoice"], name="allocation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.payment} → {self.invoice}"

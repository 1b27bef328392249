"""Offers, their immutable published versions, price phases and add-ons."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q


class Segment(models.TextChoices):
    HOUSEHOLD = "household", "Household"
    BUSINESS = "business", "Business"


class Technology(models.TextChoices):
    FTTH = "ftth", "FTTH"
    GPON = "gpon", "GPON"
    DOCSIS = "docsis", "DOCSIS"
    RADIO = "radio", "Radio / FWA"
    LTE = "lte", "LTE"
    FIVE_G = "5g", "5G"
    OTHER = "other", "Other"


class Feature(models.TextChoices):
    GAMING_PRIORITY = "gaming_priority", "Gaming priority"
    LOW_PING = "low_ping", "Low ping"
    STREAMING_4K = "streaming_4k", "4K streaming"
    SLA = "sla", "Guaranteed SLA"
    DEDICATED_SUPPORT = "dedicated_support", "Dedicated technical support"
    MONITORING_24_7 = "monitoring_24_7", "24/7 monitoring"
    LTE_BACKUP = "lte_backup", "LTE backup"
    MOBILE = "mobile", "Mobile use"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    SUPERSEDED = "superseded", "Superseded"
    RETIRED = "retired", "Retired"


class EarlyTerminationRule(models.TextChoices):
    NONE = "none", "None"
    FIXED = "fixed", "Fixed amount"
    PER_REMAINING_MONTH = "per_remaining_month", "Per remaining started month"


class AddOn(models.Model):
    """An extra service with a flat monthly price, sold on top of an offer."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    monthly_price_minor = models.BigIntegerField(help_text="Monthly price in minor units")
    for_household = models.BooleanField(default=True)
    for_business = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "add-on"
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_price_minor__gte=0), name="addon_price_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(for_household=True) | Q(for_business=True),
                name="addon_has_a_segment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def segments(self) -> list[str]:
        """Return the segments the add-on may be sold to."""
        return [
            segment
            for segment, allowed in (
                (Segment.HOUSEHOLD, self.for_household),
                (Segment.BUSINESS, self.for_business),
            )
            if allowed
        ]


class Offer(models.Model):
    """The stable identity of an offer; everything that is sold lives on its versions."""

    code = models.SlugField(max_length=40, unique=True)
    segment = models.CharField(max_length=16, choices=Segment.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["segment", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(segment__in=Segment.values), name="offer_segment_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class OfferVersion(models.Model):
    """One version of an offer. Drafts are edited; published versions never change."""

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    name = models.CharField(max_length=120)
    technology = models.CharField(max_length=16, choices=Technology.choices)
    download_mbps = models.PositiveIntegerField("download speed (Mb/s)")
    upload_mbps = models.PositiveIntegerField("upload speed (Mb/s)")
    symmetric = models.BooleanField(default=False)
    data_cap_gb = models.PositiveIntegerField(
        "data cap (GB)",
        null=True,
        blank=True,
        help_text="Monthly data allowance in GB; empty means unlimited",
    )
    tagline = models.CharField("slogan", max_length=200, blank=True)
    description = models.TextField(blank=True)
    features = models.JSONField(default=list, blank=True)
    prices_include_tax = models.BooleanField(default=True)
    tax_rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.2300"),
        help_text="0.23 means 23%; new offers start with the installation's default rate",
    )
    early_termination_rule = models.CharField(
        max_length=24, choices=EarlyTerminationRule.choices, default=EarlyTerminationRule.NONE
    )
    early_termination_amount_minor = models.BigIntegerField(default=0)
    addons = models.ManyToManyField(AddOn, blank=True, related_name="offer_versions")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text="When the version was superseded or retired"
    )

    class Meta:
        ordering = ["offer__segment", "offer__code", "-number"]
        verbose_name = "offer"
        constraints = [
            models.UniqueConstraint(fields=["offer", "number"], name="offer_version_number_unique"),
            models.UniqueConstraint(
                fields=["offer"],
                condition=Q(status="draft"),
                name="offer_single_draft",
            ),
            models.UniqueConstraint(
                fields=["offer"],
                condition=Q(status="active"),
                name="offer_single_active_version",
            ),
            models.CheckConstraint(
                condition=Q(status__in=VersionStatus.values), name="offer_version_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lt=1), name="offer_version_tax_rate_range"
            ),
            models.CheckConstraint(
                condition=Q(early_termination_amount_minor__gte=0),
                name="offer_version_etf_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(download_mbps__gt=0, upload_mbps__gt=0),
                name="offer_version_speeds_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    @property
    def is_editable(self) -> bool:
        """Return whether the version is still a draft."""
        return self.status == VersionStatus.DRAFT


class PricePhase(models.Model):
    """From contract month `from_month` on, the offer costs `monthly_price_minor`."""

    version = models.ForeignKey(OfferVersion, on_delete=models.CASCADE, related_name="phases")
    term_months = models.PositiveSmallIntegerField(
        help_text="Contract term this phase belongs to: 0 = no commitment, 12, 24..."
    )
    from_month = models.PositiveSmallIntegerField(
        help_text="Contract month the price starts in (0 = the first month)"
    )
    monthly_price_minor = models.BigIntegerField()

    class Meta:
        ordering = ["version", "term_months", "from_month"]
        verbose_name = "price phase"
        constraints = [
            models.UniqueConstraint(
                fields=["version", "term_months", "from_month"], name="price_phase_unique"
            ),
            models.CheckConstraint(
                condition=Q(monthly_price_minor__gte=0), name="price_phase_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term_months} months, from month {self.from_month}"

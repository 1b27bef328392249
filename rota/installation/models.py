"""The installation's own settings: one row, edited by the administrator."""

from __future__ import annotations

from decimal import Decimal

from django.db import models


class Country(models.TextChoices):
    POLAND = "PL", "Poland"
    BRAZIL = "BR", "Brazil"
    OTHER = "XX", "Other"


LOCALES = {Country.POLAND: "pl_PL", Country.BRAZIL: "pt_BR", Country.OTHER: "en_US"}


class Installation(models.Model):
    """Country, currency and invoicing defaults of this ISP. Exactly one row (pk=1)."""

    company_name = models.CharField(max_length=200, default="My ISP")
    seller_address = models.TextField(
        blank=True, help_text="The seller's address as printed on invoices (several lines)"
    )
    seller_tax_id = models.CharField(
        max_length=32, blank=True, help_text="The seller's tax id on invoices, e.g. NIP or CNPJ"
    )
    bank_account = models.CharField(
        max_length=64, blank=True, help_text="Account number printed on invoices for transfers"
    )
    country = models.CharField(max_length=2, choices=Country.choices, default=Country.POLAND)
    currency = models.CharField(max_length=3, default="PLN", help_text="ISO 4217 code, e.g. PLN")
    default_tax_rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.2300"),
        help_text="Used for new offers, e.g. 0.23 for 23% VAT",
    )
    time_zone = models.CharField(max_length=64, default="Europe/Warsaw")
    invoice_prefix = models.CharField(max_length=20, default="FV")
    payment_terms_days = models.PositiveSmallIntegerField(default=14)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "installation settings"
        verbose_name_plural = "installation settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="installation_single_row"),
            models.CheckConstraint(
                condition=models.Q(default_tax_rate__gte=0, default_tax_rate__lt=1),
                name="installation_tax_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.country}, {self.currency})"

    @property
    def locale(self) -> str:
        """Return the babel locale used to format money and dates."""
        return LOCALES.get(Country(self.country), "en_US")

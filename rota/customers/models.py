"""People and companies who buy internet service from the ISP."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from rota.catalog.models import Segment


class CustomerKind(models.TextChoices):
    PERSON = "person", "Person"
    COMPANY = "company", "Company"


class Customer(models.Model):
    """A person or a company with a billing address; its contracts are subscriptions."""

    kind = models.CharField(max_length=8, choices=CustomerKind.choices)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    company_name = models.CharField(max_length=200, blank=True)
    segment = models.CharField(max_length=16, choices=Segment.choices)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +48501234567")
    tax_id = models.CharField(
        max_length=40, blank=True, help_text="PESEL or NIP in Poland, CPF or CNPJ in Brazil"
    )
    regon = models.CharField("REGON", max_length=14, blank=True)
    street = models.CharField(max_length=200)
    building = models.CharField(max_length=20)
    apartment = models.CharField(max_length=20, blank=True)
    postal_code = models.CharField(max_length=12)
    city = models.CharField(max_length=100)
    country = models.CharField(max_length=2, default="PL")
    tags = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)
    marketing_consent = models.BooleanField(default=False)
    marketing_consent_changed_on = models.DateField(
        null=True, blank=True, help_text="When consent was last given or withdrawn"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="customer_name_idx"),
            models.Index(fields=["company_name"], name="customer_company_idx"),
            models.Index(fields=["email"], name="customer_email_idx"),
            models.Index(fields=["phone"], name="customer_phone_idx"),
            models.Index(fields=["tax_id"], name="customer_tax_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="person", last_name__gt="")
                | Q(kind="company", company_name__gt=""),
                name="customer_has_a_name",
            ),
            models.CheckConstraint(
                condition=Q(segment__in=Segment.values), name="customer_segment_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """Return the name as it appears on invoices."""
        if self.kind == CustomerKind.COMPANY:
            return self.company_name
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def address_line(self) -> str:
        """Return the billing address on one line."""
        number = self.building + (f"/{self.apartment}" if self.apartment else "")
        return f"{self.street} {number}, {self.postal_code} {self.city}"

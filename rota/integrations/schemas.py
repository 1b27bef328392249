"""Shapes of the website's public offer feed. Money is a decimal string plus `currency`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from rota.catalog.models import OfferVersion, Segment, Technology
from rota.catalog.schemas import _rate
from rota.catalog.selectors import describe_schedule, terms_of
from rota.core.money import format_amount


class FeedPhase(Schema):
    from_month: int = Field(description="Contract month the price starts in; 0 = first")
    to_month: int | None = Field(
        description="Month the next price starts in (exclusive); null: to the end"
    )
    monthly_price: str = Field(examples=["94.99"])


class FeedTerm(Schema):
    months: int = Field(description="Contract term in months; 0 = no commitment")
    label: str = Field(examples=["24 months"])
    summary: str = Field(
        description="The prices in words, in the ISP's money format",
        examples=["105,00 zł for 3 months, then 94,99 zł"],
    )
    phases: list[FeedPhase]


class FeedAddOn(Schema):
    code: str
    name: str
    description: str
    monthly_price: str


class FeedOffer(Schema):
    code: str
    name: str
    segment: Segment
    technology: Technology
    download_mbps: int
    upload_mbps: int
    symmetric: bool
    data_cap_gb: int | None = Field(description="null: unlimited")
    tagline: str
    description: str
    features: list[str]
    currency: str
    prices_include_tax: bool
    tax_rate: str = Field(examples=["0.23"])
    contract_terms: list[FeedTerm]
    addons: list[FeedAddOn]
    version: int
    updated_at: datetime = Field(description="When this version went on sale")

    @staticmethod
    def build(version: OfferVersion, currency: str, money: Callable[[int], str]) -> dict[str, Any]:
        """Return the feed entry of a version on sale (phases and add-ons prefetched)."""
        terms = []
        for months, phases in terms_of(version).items():
            ends = [p.from_month for p in phases[1:]] + [None]
            terms.append(
                {
                    "months": months,
                    "label": f"{months} months" if months else "no commitment",
                    "summary": describe_schedule(phases, money),
                    "phases": [
                        {
                            "from_month": p.from_month,
                            "to_month": end,
                            "monthly_price": format_amount(p.monthly_price_minor),
                        }
                        for p, end in zip(phases, ends, strict=True)
                    ],
                }
            )
        return {
            "code": version.offer.code,
            "name": version.name,
            "segment": version.offer.segment,
            "technology": version.technology,
            "download_mbps": version.download_mbps,
            "upload_mbps": version.upload_mbps,
            "symmetric": version.symmetric,
            "data_cap_gb": version.data_cap_gb,
            "tagline": version.tagline,
            "description": version.description,
            "features": version.features,
            "currency": currency,
            "prices_include_tax": version.prices_include_tax,
            "tax_rate": _rate(version.tax_rate),
            "contract_terms": terms,
            "addons": [
                {
                    "code": a.code,
                    "name": a.name,
                    "description": a.description,
                    "monthly_price": format_amount(a.monthly_price_minor),
                }
                for a in version.addons.all()
            ],
            "version": version.number,
            "updated_at": version.published_at,
        }


class FeedList(Schema):
    items: list[FeedOffer]
    count: int

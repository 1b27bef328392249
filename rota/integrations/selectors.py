"""Reads for the integrations: the catalog as TMF620 entries and the website's feed."""

from __future__ import annotations

from django.db.models import CharField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast

from rota.audit.models import AuditEvent
from rota.catalog.models import OfferVersion
from rota.catalog.selectors import active_versions, offer_current_versions, terms_of
from rota.integrations.tmf620 import CatalogEntry


def _with_last_change(versions: QuerySet[OfferVersion]) -> QuerySet[OfferVersion]:
    """Annotate when each version last changed: drafts are edited in place, so ask the audit."""
    last = AuditEvent.objects.filter(
        object_type=OfferVersion._meta.label_lower,
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
    ).order_by("-at")
    return versions.annotate(last_change=Subquery(last.values("at")[:1]))


def entry_of(version: OfferVersion) -> CatalogEntry:
    """Return a version (phases prefetched, `last_change` annotated) as plain values."""
    moments = [
        m
        for m in (
            getattr(version, "last_change", None),
            version.created_at,
            version.published_at,
            version.ended_at,
        )
        if m is not None
    ]
    return CatalogEntry(
        code=version.offer.code,
        segment=version.offer.segment,
        number=version.number,
        status=version.status,
        name=version.name,
        technology=version.technology,
        download_mbps=version.download_mbps,
        upload_mbps=version.upload_mbps,
        symmetric=version.symmetric,
        data_cap_gb=version.data_cap_gb,
        description=version.description,
        features=tuple(version.features),
        prices_include_tax=version.prices_include_tax,
        tax_rate=version.tax_rate,
        terms=tuple((months, tuple(phases)) for months, phases in terms_of(version).items()),
        published_at=version.published_at,
        ended_at=version.ended_at,
        last_update=max(moments),
    )


def catalog_entries(*, code: str | None = None) -> list[CatalogEntry]:
    """Return every offer (or the one with `code`) at its current version, by segment and code."""
    versions = offer_current_versions()
    if code is not None:
        versions = versions.filter(offer__code=code)
    return [entry_of(v) for v in _with_last_change(versions)]


def feed_versions(*, segment: str | None = None) -> QuerySet[OfferVersion]:
    """Return the versions on sale, with phases and add-ons, for the public feed and page."""
    versions = active_versions()
    return versions.filter(offer__segment=segment) if segment else versions

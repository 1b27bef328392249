"""Catalog reads shared by the back office, the API and the price list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db.models import Case, OuterRef, Prefetch, QuerySet, Subquery, Value, When

from rota.billing.pricing import Phase
from rota.catalog.models import AddOn, Offer, OfferVersion, PricePhase, VersionStatus
from rota.core.errors import InvalidInput, NotFound


def _with_details(queryset: QuerySet[OfferVersion]) -> QuerySet[OfferVersion]:
    return queryset.select_related("offer").prefetch_related(
        Prefetch("phases", queryset=PricePhase.objects.order_by("term_months", "from_month")),
        Prefetch("addons", queryset=AddOn.objects.order_by("code")),
    )


def _current_first() -> tuple[Case, str]:
    """Order an offer's versions so the one on sale comes first, then the newest."""
    on_sale = Case(When(status=VersionStatus.ACTIVE, then=Value(0)), default=Value(1))
    return on_sale, "-number"


def offer_current_versions(
    *, status: str | None = None, segment: str | None = None, technology: str | None = None
) -> QuerySet[OfferVersion]:
    """Return each offer's current version: the one on sale, or else the newest.

    With `status`, return the versions in that status instead (a draft being prepared
    does not hide the version on sale from `status=active`).
    """
    if status:
        queryset = OfferVersion.objects.filter(status=status)
    else:
        current = OfferVersion.objects.filter(offer=OuterRef("offer")).order_by(*_current_first())
        queryset = OfferVersion.objects.filter(pk=Subquery(current.values("pk")[:1]))
    if segment:
        queryset = queryset.filter(offer__segment=segment)
    if technology:
        queryset = queryset.filter(technology=technology)
    return _with_details(queryset).order_by("offer__segment", "offer__code", "-number")


def offer_get(code: str) -> Offer:
    """Return the offer with this code or raise NotFound."""
    offer = Offer.objects.filter(code=code).first()
    if offer is None:
        raise NotFound(detail=f"There is no offer with code {code!r}.")
    return offer


def offer_version_get(
    code: str, number: int | None = None, *, newest: bool = False
) -> OfferVersion:
    """Return one version of an offer: by number, the newest, or else the current one."""
    queryset = _with_details(OfferVersion.objects.filter(offer__code=code))
    if number is not None:
        version = queryset.filter(number=number).first()
    elif newest:
        version = queryset.order_by("-number").first()
    else:
        version = queryset.order_by(*_current_first()).first()
    if version is None:
        offer_get(code)
        raise NotFound(detail=f"Offer {code!r} has no version {number}.")
    return version


def draft_numbers(offer_ids: list[int]) -> dict[int, int]:
    """Return `{offer id: number of its draft}` for the offers that have one."""
    drafts = OfferVersion.objects.filter(offer_id__in=offer_ids, status=VersionStatus.DRAFT)
    return dict(drafts.values_list("offer_id", "number"))


def offer_versions(code: str) -> QuerySet[OfferVersion]:
    """Return every version of an offer, newest first."""
    offer_get(code)
    return _with_details(OfferVersion.objects.filter(offer__code=code)).order_by("-number")


def active_versions() -> QuerySet[OfferVersion]:
    """Return the versions on sale now."""
    return _with_details(OfferVersion.objects.filter(status=VersionStatus.ACTIVE)).order_by(
        "offer__segment", "offer__code"
    )


def addon_list(*, active: bool | None = None) -> QuerySet[AddOn]:
    """Return add-ons ordered by code."""
    queryset = AddOn.objects.order_by("code")
    return queryset if active is None else queryset.filter(is_active=active)


def addon_get(code: str) -> AddOn:
    """Return the add-on with this code or raise NotFound."""
    addon = AddOn.objects.filter(code=code).first()
    if addon is None:
        raise NotFound(detail=f"There is no add-on with code {code!r}.")
    return addon


def terms_of(version: OfferVersion) -> dict[int, list[Phase]]:
    """Return `{term_months: [phases]}` from a version's (prefetched) phases."""
    terms: dict[int, list[Phase]] = {}
    for phase in version.phases.all():
        terms.setdefault(phase.term_months, []).append(
            Phase(phase.from_month, phase.monthly_price_minor)
        )
    return dict(sorted(terms.items()))


def describe_schedule(phases: Sequence[Phase], money: Callable[[int], str]) -> str:
    """Say a price schedule the way a salesperson would: "105,00 zł for 3 months, then 94,99 zł"."""
    parts = []
    for i, phase in enumerate(phases):
        price = money(phase.monthly_price_minor)
        if i + 1 < len(phases):
            months = phases[i + 1].from_month - phase.from_month
            span = f"{months} month" + ("s" if months != 1 else "")
            parts.append(f"{price} for {span}" if i == 0 else f"then {price} for {span}")
        else:
            parts.append(price if i == 0 else f"then {price}")
    return ", ".join(parts)


@dataclass(frozen=True)
class PriceListTerm:
    """One contract term of an offer on the price list."""

    months: int
    schedule: str


@dataclass(frozen=True)
class PriceListRow:
    """One active offer on the price list."""

    version: OfferVersion
    terms: list[PriceListTerm]
    addons: list[str]


def price_list(money: Callable[[int], str]) -> list[PriceListRow]:
    """Return every active offer with its prices over time."""
    return [
        PriceListRow(
            version=version,
            terms=[
                PriceListTerm(months, describe_schedule(phases, money))
                for months, phases in terms_of(version).items()
            ],
            addons=[f"{a.name} ({money(a.monthly_price_minor)})" for a in version.addons.all()],
        )
        for version in active_versions()
    ]


def offer_active_version(code: str) -> OfferVersion:
    """Return the version of an offer on sale now, or raise NotFound."""
    version = (
        OfferVersion.objects.select_related("offer")
        .filter(offer__code=code, status=VersionStatus.ACTIVE)
        .first()
    )
    if version is None:
        offer_get(code)
        raise InvalidInput.single("offer", f"{code} is not on sale (no active version)")
    return version

"""Subscription writes: sell, cancel, suspend, resume, change offer, add-ons.

Every action takes the date it is effective on and `today`; an effective date before
today is allowed (billing corrects what was already invoiced) and recorded as back-dated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rota.audit.actors import Actor
from rota.audit.services import audit_record
from rota.billing.pricing import commitment_end
from rota.catalog.models import AddOn, OfferVersion, VersionStatus
from rota.core.errors import Conflict, FieldError, InvalidInput
from rota.core.money import format_amount
from rota.core.periods import EARLIEST, LATEST
from rota.customers.models import Customer
from rota.customers.validation import validate_municipality_code
from rota.installation.selectors import installation_today
from rota.integrations.webhooks import event_record
from rota.subscriptions.models import (
    Area,
    CancelReason,
    Plan,
    PlanPhase,
    Subscription,
    SubscriptionAddOn,
    Suspension,
)
from rota.subscriptions.selectors import cancellation_fee, plan_on

ADDRESS_FIELDS = ("street", "building", "apartment", "postal_code", "city", "municipality_code")


def _date_errors(**dates: date | None) -> list[FieldError]:
    """Return an error for each date outside the years Rota accepts."""
    return [
        FieldError(name, f"must be between {EARLIEST} and {LATEST}")
        for name, value in dates.items()
        if value is not None and not EARLIEST <= value <= LATEST
    ]


def _refuse_dates(detail: str, **dates: date | None) -> None:
    errors = _date_errors(**dates)
    if errors:
        raise InvalidInput(detail=detail, errors=errors)


@dataclass(frozen=True)
class ServiceAddress:
    """Where the service is installed, with the fields regulators ask for."""

    street: str
    building: str
    postal_code: str
    city: str
    apartment: str = ""
    municipality_code: str = ""
    area: str = Area.URBAN


def _today(today: date | None) -> date:
    return today or installation_today()


def _dated(on: date, today: date) -> dict[str, Any]:
    """Return the audit fields that say when a change takes effect."""
    return {"effective": on.isoformat(), "backdated": on < today}


def _locked(subscription: Subscription) -> Subscription:
    return (
        Subscription.objects.select_for_update().select_related("customer").get(pk=subscription.pk)
    )


def _fail(detail: str, *errors: FieldError) -> InvalidInput:
    return InvalidInput(detail=detail, errors=list(errors))


def _sellable(version: OfferVersion, term_months: int, field: str = "offer") -> list[FieldError]:
    if version.status != VersionStatus.ACTIVE:
        return [
            FieldError(
                field,
                f"{version.offer.code} version {version.number} is {version.status}; "
                "only the active version of an offer can be sold",
            )
        ]
    terms = sorted(set(version.phases.values_list("term_months", flat=True)))
    if term_months not in terms:
        offered = ", ".join(str(t) for t in terms)
        return [FieldError("term_months", f"{version.offer.code} is sold with {offered} months")]
    return []


def _addon_errors(version: OfferVersion, codes: list[str]) -> list[FieldError]:
    allowed = set(version.addons.values_list("code", flat=True))
    known = {a.code: a for a in AddOn.objects.filter(code__in=codes)}
    errors = []
    for code in codes:
        addon = known.get(code)
        if addon is None:
            errors.append(FieldError("addons", f"unknown add-on {code}"))
        elif code not in allowed:
            errors.append(FieldError("addons", f"{code} is not sold with {version.offer.code}"))
        elif not addon.is_active:
            errors.append(FieldError("addons", f"{code} is no longer sold"))
        elif version.offer.segment not in addon.segments:
            errors.append(
                FieldError("addons", f"{code} is not sold to {version.offer.segment} customers")
            )
    return errors


def _create_plan(
    subscription: Subscription,
    *,
    valid_from: date,
    version: OfferVersion,
    term_months: int,
    contract_start: date,
) -> Plan:
    plan = Plan.objects.create(
        subscription=subscription,
        valid_from=valid_from,
        offer_version=version,
        term_months=term_months,
        contract_start=contract_start,
        prices_include_tax=version.prices_include_tax,
        tax_rate=version.tax_rate,
        early_termination_rule=version.early_termination_rule,
        early_termination_amount_minor=version.early_termination_amount_minor,
    )
    PlanPhase.objects.bulk_create(
        PlanPhase(plan=plan, from_month=p.from_month, monthly_price_minor=p.monthly_price_minor)
        for p in version.phases.filter(term_months=term_months).order_by("from_month")
    )
    return plan


def _schedule(plan: Plan) -> list[list[Any]]:
    return [[p.from_month, format_amount(p.monthly_price_minor)] for p in plan.phases.all()]


@transaction.atomic
def subscription_sell(
    *,
    customer: Customer,
    version: OfferVersion,
    term_months: int,
    start_date: date,
    address: ServiceAddress,
    addons: list[str] | None = None,
    bill_from: date | None = None,
    actor: Actor,
    today: date | None = None,
) -> Subscription:
    """Sell the active version of an offer to a customer, copying its price schedule."""
    today = _today(today)
    _refuse_dates("The subscription cannot be sold.", start_date=start_date, bill_from=bill_from)
    addons = addons or []
    errors = _sellable(version, term_months) + _addon_errors(version, addons)
    if version.offer.segment != customer.segment:
        errors.append(
            FieldError(
                "offer",
                f"{version.offer.code} is a {version.offer.segment} offer and the customer is "
                f"in the {customer.segment} segment; change the customer's segment first",
            )
        )
    if len(set(addons)) != len(addons):
        errors.append(FieldError("addons", "an add-on is listed twice"))
    for name in ("street", "building", "postal_code", "city"):
        if not getattr(address, name).strip():
            errors.append(FieldError(f"service_address.{name}", "is required"))
    if address.area not in Area.values:
        errors.append(FieldError("service_address.area", "must be urban or rural"))
    try:
        municipality = validate_municipality_code(
            address.municipality_code,
            country=customer.country,
            field="service_address.municipality_code",
        )
    except InvalidInput as exc:
        errors.extend(exc.errors)
        municipality = ""
    if bill_from is not None and bill_from < start_date:
        errors.append(FieldError("bill_from", "must not be before the start date"))
    if errors:
        raise InvalidInput(detail="The subscription cannot be sold.", errors=errors)
    subscription = Subscription.objects.create(
        customer=customer,
        offer=version.offer,
        start_date=start_date,
        bill_from=bill_from or start_date,
        street=address.street.strip(),
        building=address.building.strip(),
        apartment=address.apartment.strip(),
        postal_code=address.postal_code.strip(),
        city=address.city.strip(),
        municipality_code=municipality,
        area=address.area,
        created_at=timezone.now(),
    )
    plan = _create_plan(
        subscription,
        valid_from=start_date,
        version=version,
        term_months=term_months,
        contract_start=start_date,
    )
    prices = {a.code: a.monthly_price_minor for a in AddOn.objects.filter(code__in=addons)}
    SubscriptionAddOn.objects.bulk_create(
        SubscriptionAddOn(
            subscription=subscription,
            addon=AddOn.objects.get(code=code),
            start_date=start_date,
            monthly_price_minor=prices[code],
        )
        for code in addons
    )
    end = commitment_end(start_date, term_months)
    event_record(type="subscription.created", obj=subscription)
    audit_record(
        actor=actor,
        action="subscription.sell",
        obj=subscription,
        changes={
            "customer": customer.pk,
            "offer": version.offer.code,
            "version": version.number,
            "term_months": term_months,
            "schedule": _schedule(plan),
            "commitment_end": end.isoformat() if end else None,
            "addons": sorted(addons),
            **_dated(start_date, today),
        },
    )
    return subscription


@dataclass(frozen=True)
class CancellationResult:
    """A cancelled subscription and the early-termination fee billing will add."""

    subscription: Subscription
    fee_minor: int


@transaction.atomic
def subscription_cancel(
    *,
    subscription: Subscription,
    requested_on: date,
    last_day: date,
    reason: str,
    note: str = "",
    actor: Actor,
    today: date | None = None,
) -> CancellationResult:
    """End service after `last_day`; later add-ons and suspensions are cut to that day."""
    today = _today(today)
    _refuse_dates(
        "The subscription cannot be cancelled.", requested_on=requested_on, last_day=last_day
    )
    subscription = _locked(subscription)
    if subscription.end_date is not None:
        raise Conflict(
            detail=f"{subscription} is already cancelled (last day {subscription.end_date})."
        )
    errors = []
    if reason not in CancelReason.values:
        errors.append(FieldError("reason", f"must be one of {', '.join(CancelReason.values)}"))
    if last_day < subscription.start_date:
        errors.append(
            FieldError("last_day", f"must not be before the start date {subscription.start_date}")
        )
    if requested_on > today:
        errors.append(FieldError("requested_on", "must not be in the future"))
    if reason == CancelReason.OTHER and not note.strip():
        errors.append(FieldError("note", "say why when the reason is 'other'"))
    if errors:
        raise InvalidInput(detail="The subscription cannot be cancelled.", errors=errors)
    fee = cancellation_fee(subscription, last_day)
    updated = Subscription.objects.filter(pk=subscription.pk, end_date__isnull=True).update(
        end_date=last_day,
        cancel_requested_on=requested_on,
        cancel_reason=reason,
        cancel_note=note.strip(),
    )
    if updated != 1:
        raise Conflict(detail=f"{subscription} is already cancelled.")
    # Offer changes planned after the last day will never happen: withdraw them.
    withdrawn = list(
        subscription.plans.filter(valid_from__gt=last_day)
        .exclude(valid_from=subscription.start_date)
        .values_list("valid_from", flat=True)
    )
    subscription.plans.filter(valid_from__in=withdrawn).delete()
    latest = subscription.plans.order_by("-valid_from").select_related("offer_version").first()
    if latest is not None:
        Subscription.objects.filter(pk=subscription.pk).update(offer=latest.offer_version.offer)
    subscription.suspensions.filter(start_date__gt=last_day).delete()
    subscription.suspensions.filter(Q(end_date__isnull=True) | Q(end_date__gt=last_day)).update(
        end_date=last_day
    )
    subscription.addons.filter(start_date__gt=last_day).delete()
    subscription.addons.filter(Q(end_date__isnull=True) | Q(end_date__gt=last_day)).update(
        end_date=last_day
    )
    subscription.refresh_from_db()
    event_record(type="subscription.cancelled", obj=subscription)
    audit_record(
        actor=actor,
        action="subscription.cancel",
        obj=subscription,
        changes={
            "requested_on": requested_on.isoformat(),
            "last_day": last_day.isoformat(),
            "reason": reason,
            "early_termination_fee": format_amount(fee),
            "withdrawn_offer_changes": [d.isoformat() for d in withdrawn],
            **_dated(last_day, today),
        },
        note=note,
    )
    return CancellationResult(subscription, fee)


def _service_errors(subscription: Subscription, first: date, last: date | None) -> list[str]:
    problems = []
    if first < subscription.start_date:
        problems.append(f"must not be before the start date {subscription.start_date}")
    end = subscription.end_date
    if end and (first > end or last is None or last > end):
        problems.append(f"service ends on {end}")
    return problems


@transaction.atomic
def subscription_suspend(
    *,
    subscription: Subscription,
    start_date: date,
    end_date: date | None = None,
    reason: str = "",
    actor: Actor,
    today: date | None = None,
) -> Suspension:
    """Stop service (and charges) from `start_date` to `end_date` inclusive, or until resumed."""
    today = _today(today)
    _refuse_dates("The subscription cannot be suspended.", start_date=start_date, end_date=end_date)
    subscription = _locked(subscription)
    errors = [
        FieldError("start_date", m) for m in _service_errors(subscription, start_date, end_date)
    ]
    if end_date is not None and end_date < start_date:
        errors.append(FieldError("end_date", "must not be before the start date"))
    if errors:
        raise InvalidInput(detail="The subscription cannot be suspended.", errors=errors)
    overlapping = subscription.suspensions.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start_date)
    )
    if end_date is not None:
        overlapping = overlapping.filter(start_date__lte=end_date)
    clash = overlapping.first()
    if clash is not None:
        raise _fail(
            "The suspension overlaps another one.",
            FieldError(
                "start_date",
                f"overlaps the suspension from {clash.start_date} to {clash.end_date or 'resume'}",
            ),
        )
    suspension = Suspension.objects.create(
        subscription=subscription, start_date=start_date, end_date=end_date, reason=reason.strip()
    )
    event_record(type="subscription.changed", obj=subscription)
    audit_record(
        actor=actor,
        action="subscription.suspend",
        obj=subscription,
        changes={
            "from": start_date.isoformat(),
            "to": end_date.isoformat() if end_date else None,
            "reason": reason.strip(),
            **_dated(start_date, today),
        },
    )
    return suspension


@transaction.atomic
def subscription_resume(
    *, subscription: Subscription, on: date, actor: Actor, today: date | None = None
) -> Suspension | None:
    """Give service back from `on`: the suspension covering that day ends the day before."""
    today = _today(today)
    _refuse_dates("The subscription cannot be resumed.", on=on)
    subscription = _locked(subscription)
    suspension = (
        subscription.suspensions.filter(start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .first()
    )
    if suspension is None:
        raise _fail(
            "The subscription is not suspended then.",
            FieldError("on", f"{subscription} is not suspended on {on}"),
        )
    changes = {"suspended_from": suspension.start_date.isoformat(), **_dated(on, today)}
    if suspension.start_date == on:
        suspension.delete()
        result = None
    else:
        suspension.end_date = on - timedelta(days=1)
        suspension.save(update_fields=["end_date"])
        result = suspension
    event_record(type="subscription.changed", obj=subscription)
    audit_record(actor=actor, action="subscription.resume", obj=subscription, changes=changes)
    return result


@transaction.atomic
def subscription_change_offer(
    *,
    subscription: Subscription,
    version: OfferVersion,
    on: date,
    new_contract: bool,
    term_months: int | None = None,
    actor: Actor,
    today: date | None = None,
) -> Plan:
    """Move the subscription to another offer from `on`, keeping or restarting the contract."""
    today = _today(today)
    _refuse_dates("The offer cannot be changed.", on=on)
    subscription = _locked(subscription)
    current = plan_on(subscription, on)
    term = term_months if new_contract and term_months is not None else current.term_months
    errors = _sellable(version, term)
    if on <= current.valid_from:
        errors.append(
            FieldError("on", f"must be after {current.valid_from}, the current plan's start")
        )
    elif subscription.plans.filter(valid_from__gt=on).exists():
        errors.append(FieldError("on", "another offer change is already planned after this date"))
    if subscription.end_date is not None and on > subscription.end_date:
        errors.append(FieldError("on", f"service ends on {subscription.end_date}"))
    if version.offer.segment != subscription.customer.segment:
        errors.append(
            FieldError(
                "offer",
                f"{version.offer.code} is a {version.offer.segment} offer and the customer is "
                f"in the {subscription.customer.segment} segment",
            )
        )
    if version.offer_id == current.offer_version.offer_id and not new_contract:
        errors.append(FieldError("offer", "is the offer the subscription already has"))
    active_addons = subscription.addons.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on)
    ).values_list("addon__code", flat=True)
    allowed = set(version.addons.values_list("code", flat=True))
    for code in active_addons:
        if code not in allowed:
            errors.append(
                FieldError(
                    "addons", f"{code} is not sold with {version.offer.code}; detach it first"
                )
            )
    if errors:
        raise InvalidInput(detail="The offer cannot be changed.", errors=errors)
    plan = _create_plan(
        subscription,
        valid_from=on,
        version=version,
        term_months=term,
        contract_start=on if new_contract else current.contract_start,
    )
    Subscription.objects.filter(pk=subscription.pk).update(offer=version.offer)
    event_record(type="subscription.changed", obj=subscription)
    audit_record(
        actor=actor,
        action="subscription.change_offer",
        obj=subscription,
        changes={
            "offer": [current.offer_version.offer.code, version.offer.code],
            "version": version.number,
            "new_contract": new_contract,
            "term_months": term,
            "schedule": _schedule(plan),
            **_dated(on, today),
        },
    )
    return plan


@transaction.atomic
def subscription_attach_addon(
    *,
    subscription: Subscription,
    code: str,
    on: date,
    actor: Actor,
    today: date | None = None,
) -> SubscriptionAddOn:
    """Add an add-on from `on`, at its current price."""
    today = _today(today)
    _refuse_dates("The add-on cannot be attached.", on=on)
    subscription = _locked(subscription)
    plan = plan_on(subscription, on)
    errors = _addon_errors(plan.offer_version, [code])
    for later in subscription.plans.filter(valid_from__gt=on).select_related(
        "offer_version__offer"
    ):
        if not later.offer_version.addons.filter(code=code).exists():
            errors.append(
                FieldError(
                    "addons",
                    f"{code} is not sold with {later.offer_version.offer.code}, "
                    f"the offer from {later.valid_from}",
                )
            )
    errors += [
        FieldError("on", m) for m in _service_errors(subscription, on, subscription.end_date)
    ]
    running = subscription.addons.filter(addon__code=code).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on)
    )
    if running.exists():
        errors.append(FieldError("addons", f"{code} is already on the subscription then"))
    if errors:
        raise InvalidInput(detail="The add-on cannot be attached.", errors=errors)
    addon = AddOn.objects.get(code=code)
    attached = SubscriptionAddOn.objects.create(
        subscription=subscription,
        addon=addon,
        start_date=on,
        end_date=subscription.end_date,
        monthly_price_minor=addon.monthly_price_minor,
    )
    event_record(type="subscription.changed", obj=subscription)
    audit_record(
        actor=actor,
        action="subscription.attach_addon",
        obj=subscription,
        changes={
            "addon": code,
            "monthly_price": format_amount(addon.monthly_price_minor),
            **_dated(on, today),
        },
    )
    return attached


@transaction.atomic
def subscription_detach_addon(
    *,
    subscription: Subscription,
    code: str,
    last_day: date,
    actor: Actor,
    today: date | None = None,
) -> SubscriptionAddOn | None:
    """End an add-on after `last_day`; one detached before it started is removed."""
    today = _today(today)
    _refuse_dates("The add-on cannot be detached.", last_day=last_day)
    subscription = _locked(subscription)
    attached = (
        subscription.addons.filter(addon__code=code)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=last_day))
        .order_by("start_date")
        .first()
    )
    if attached is None:
        raise _fail(
            "The add-on cannot be detached.",
            FieldError("addons", f"{code} is not on the subscription after {last_day}"),
        )
    changes = {"addon": code, "last_day": last_day.isoformat(), **_dated(last_day, today)}
    event_record(type="subscription.changed", obj=subscription)
    audit_record(actor=actor, action="subscription.detach_addon", obj=subscription, changes=changes)
    if last_day < attached.start_date:
        attached.delete()
        return None
    attached.end_date = last_day
    attached.save(update_fields=["end_date"])
    return attached

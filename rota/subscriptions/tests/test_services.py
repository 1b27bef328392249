"""Subscription services: selling, dated changes, and refusals that change nothing."""

from __future__ import annotations

from datetime import date

import pytest

from rota.audit.actors import Actor
from rota.audit.models import AuditEvent
from rota.catalog.models import OfferVersion
from rota.catalog.services import offer_new_draft, offer_retire, offer_update
from rota.core.errors import Conflict, InvalidInput
from rota.customers.models import Customer
from rota.subscriptions import services
from rota.subscriptions.models import Plan, Subscription, SubscriptionAddOn, Suspension
from rota.subscriptions.selectors import State, subscription_get, subscription_list

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 10)
ADDRESS = services.ServiceAddress(
    street="ul. Rynek", building="1", postal_code="26-600", city="Radom",
    municipality_code="1463011", area="urban",
)  # fmt: skip


def version(code: str) -> OfferVersion:
    return OfferVersion.objects.get(offer__code=code, status="active")


def sell(customer: Customer, actor: Actor, **kwargs: object) -> Subscription:
    values: dict[str, object] = {
        "version": version("4business"),
        "term_months": 24,
        "start_date": date(2026, 1, 15),
        "address": ADDRESS,
        "addons": ["static-ip"],
    }
    values.update(kwargs)
    return services.subscription_sell(
        customer=customer,
        actor=actor,
        today=TODAY,
        **values,  # type: ignore[arg-type]
    )


def counts() -> tuple[int, ...]:
    return (
        Subscription.objects.count(),
        Plan.objects.count(),
        Suspension.objects.count(),
        SubscriptionAddOn.objects.count(),
        AuditEvent.objects.count(),
    )


def errors_of(exc: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str]]:
    return [(e.field, e.message) for e in exc.value.errors]


def test_sell_copies_the_schedule_and_shows_the_commitment(firma: Customer, actor: Actor) -> None:
    sub = sell(firma, actor)
    plan = sub.plans.get()
    assert (plan.valid_from, plan.contract_start, plan.term_months) == (
        date(2026, 1, 15),
        date(2026, 1, 15),
        24,
    )
    assert list(plan.phases.values_list("from_month", "monthly_price_minor")) == [
        (0, 10500),
        (3, 9499),
    ]
    assert (plan.prices_include_tax, str(plan.tax_rate)) == (False, "0.2300")
    assert list(sub.addons.values_list("addon__code", "monthly_price_minor", "start_date")) == [
        ("static-ip", 1500, date(2026, 1, 15))
    ]
    event = AuditEvent.objects.get(action="subscription.sell")
    assert event.changes == {
        "customer": firma.pk,
        "offer": "4business",
        "version": 1,
        "term_months": 24,
        "schedule": [[0, "105.00"], [3, "94.99"]],
        "commitment_end": "2028-01-14",
        "addons": ["static-ip"],
        "effective": "2026-01-15",
        "backdated": True,
    }


def test_catalog_price_changes_never_touch_a_sold_subscription(
    firma: Customer, actor: Actor
) -> None:
    from rota.billing.pricing import Phase
    from rota.catalog.services import Term

    sub = sell(firma, actor)
    offer_update(
        offer=version("4business").offer,
        changes={"terms": (Term(24, (Phase(0, 12000),)), Term(12, (Phase(0, 12500),)))},
        actor=actor,
    )
    assert list(sub.plans.get().phases.values_list("monthly_price_minor", flat=True)) == [
        10500,
        9499,
    ]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"term_months": 6}, [("term_months", "4business is sold with 12, 24 months")]),
        ({"addons": ["lte-backup"]}, [("addons", "lte-backup is not sold with 4business")]),
        ({"addons": ["warp"]}, [("addons", "unknown add-on warp")]),
        (
            {"address": services.ServiceAddress("", "1", "26-600", "Radom")},
            [("service_address.street", "is required")],
        ),
        (
            {"address": services.ServiceAddress("ul. A", "1", "26-600", "Radom", municipality_code="12")},
            [("service_address.municipality_code", "is not a valid TERYT municipality code (7 digits, e.g. 1465011)")],
        ),
        ({"bill_from": date(2026, 1, 1)}, [("bill_from", "must not be before the start date")]),
    ],
)  # fmt: skip
def test_sell_refusals_change_nothing(
    firma: Customer, actor: Actor, kwargs: dict[str, object], expected: list[tuple[str, str]]
) -> None:
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        sell(firma, actor, **kwargs)
    assert errors_of(exc) == expected
    assert counts() == before


def test_drafts_and_retired_versions_cannot_be_sold(firma: Customer, actor: Actor) -> None:
    draft = offer_new_draft(offer=version("gameon").offer, actor=actor)
    retired = offer_retire(offer=version("speedster").offer, actor=actor)
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        sell(firma, actor, version=draft, term_months=0, addons=[])
    assert errors_of(exc) == [
        ("offer", "gameon version 2 is draft; only the active version of an offer can be sold"),
        (
            "offer",
            "gameon is a household offer and the customer is in the business segment; "
            "change the customer's segment first",
        ),
    ]
    with pytest.raises(InvalidInput):
        sell(firma, actor, version=retired, term_months=0, addons=[])
    assert counts() == before


def test_cancel_inside_the_commitment_reports_the_fee(firma: Customer, actor: Actor) -> None:
    OfferVersion.objects.filter(offer__code="4business").update(
        early_termination_rule="per_remaining_month", early_termination_amount_minor=5000
    )
    sub = sell(firma, actor)
    services.subscription_suspend(
        subscription=sub, start_date=date(2026, 6, 1), actor=actor, today=TODAY
    )
    result = services.subscription_cancel(
        subscription=sub,
        requested_on=date(2026, 5, 10),
        last_day=date(2026, 4, 19),
        reason="competitor",
        note="Moved to a cheaper fibre offer",
        actor=actor,
        today=TODAY,
    )
    # 19 Apr lies in contract month 3; months 3..23 of the 24 remain: 21 x 50.00.
    assert result.fee_minor == 105000
    sub.refresh_from_db()
    assert (sub.end_date, sub.cancel_reason) == (date(2026, 4, 19), "competitor")
    assert sub.suspensions.count() == 0
    assert list(sub.addons.values_list("end_date", flat=True)) == [date(2026, 4, 19)]
    event = AuditEvent.objects.get(action="subscription.cancel")
    assert (event.changes["early_termination_fee"], event.changes["backdated"]) == (
        "1050.00",
        True,
    )
    before = counts()
    with pytest.raises(Conflict) as conflict:
        services.subscription_cancel(
            subscription=sub,
            requested_on=TODAY,
            last_day=date(2026, 6, 30),
            reason="price",
            actor=actor,
            today=TODAY,
        )
    assert conflict.value.detail == f"{sub} is already cancelled (last day 2026-04-19)."
    assert counts() == before


def test_cancel_refusals(firma: Customer, actor: Actor) -> None:
    sub = sell(firma, actor)
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.subscription_cancel(
            subscription=sub,
            requested_on=TODAY,
            last_day=date(2026, 1, 1),
            reason="other",
            actor=actor,
            today=TODAY,
        )
    assert errors_of(exc) == [
        ("last_day", "must not be before the start date 2026-01-15"),
        ("note", "say why when the reason is 'other'"),
    ]
    assert counts() == before
    assert Subscription.objects.get(pk=sub.pk).end_date is None


def test_suspend_resume_and_overlaps(firma: Customer, actor: Actor) -> None:
    sub = sell(firma, actor)
    services.subscription_suspend(
        subscription=sub,
        start_date=date(2026, 3, 1),
        end_date=date(2026, 3, 31),
        reason="renovation",
        actor=actor,
        today=TODAY,
    )
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.subscription_suspend(
            subscription=sub, start_date=date(2026, 3, 20), actor=actor, today=TODAY
        )
    assert errors_of(exc) == [
        ("start_date", "overlaps the suspension from 2026-03-01 to 2026-03-31")
    ]
    with pytest.raises(InvalidInput) as exc:
        services.subscription_suspend(
            subscription=sub,
            start_date=date(2026, 4, 10),
            end_date=date(2026, 4, 1),
            actor=actor,
            today=TODAY,
        )
    assert errors_of(exc) == [("end_date", "must not be before the start date")]
    assert counts() == before

    services.subscription_suspend(
        subscription=sub, start_date=date(2026, 5, 1), actor=actor, today=TODAY
    )
    assert subscription_get(sub.pk, TODAY).state == State.SUSPENDED  # type: ignore[attr-defined]
    services.subscription_resume(subscription=sub, on=date(2026, 5, 12), actor=actor, today=TODAY)
    assert list(sub.suspensions.values_list("start_date", "end_date")) == [
        (date(2026, 3, 1), date(2026, 3, 31)),
        (date(2026, 5, 1), date(2026, 5, 11)),
    ]
    with pytest.raises(InvalidInput) as exc:
        services.subscription_resume(
            subscription=sub, on=date(2026, 5, 20), actor=actor, today=TODAY
        )
    assert errors_of(exc) == [("on", f"{sub} is not suspended on 2026-05-20")]


def test_change_offer_keeping_or_restarting_the_contract(firma: Customer, actor: Actor) -> None:
    sub = sell(firma, actor, addons=["static-ip", "vpn"])
    plan = services.subscription_change_offer(
        subscription=sub,
        version=version("4business-ultra"),
        on=date(2026, 6, 1),
        new_contract=False,
        actor=actor,
        today=TODAY,
    )
    assert (plan.contract_start, plan.term_months) == (date(2026, 1, 15), 24)
    assert list(plan.phases.values_list("from_month", "monthly_price_minor")) == [
        (0, 11999),
        (6, 10000),
    ]
    sub.refresh_from_db()
    assert sub.offer.code == "4business-ultra"
    later = services.subscription_change_offer(
        subscription=sub,
        version=version("4business"),
        on=date(2026, 9, 1),
        new_contract=True,
        term_months=12,
        actor=actor,
        today=TODAY,
    )
    assert (later.contract_start, later.term_months) == (date(2026, 9, 1), 12)
    assert [p.valid_from for p in sub.plans.order_by("valid_from")] == [
        date(2026, 1, 15),
        date(2026, 6, 1),
        date(2026, 9, 1),
    ]


def test_change_offer_refusals(firma: Customer, actor: Actor) -> None:
    sub = sell(firma, actor, version=version("4business-ultra"), addons=["lte-backup"])
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.subscription_change_offer(
            subscription=sub,
            version=version("4business"),
            on=date(2026, 1, 10),
            new_contract=False,
            actor=actor,
            today=TODAY,
        )
    assert errors_of(exc) == [
        ("on", "must be after 2026-01-15, the current plan's start"),
        ("addons", "lte-backup is not sold with 4business; detach it first"),
    ]
    with pytest.raises(InvalidInput) as exc:
        services.subscription_change_offer(
            subscription=sub,
            version=version("speedster"),
            on=date(2026, 6, 1),
            new_contract=False,
            actor=actor,
            today=TODAY,
        )
    assert errors_of(exc)[0] == ("term_months", "speedster is sold with 0 months")
    assert counts() == before


def test_add_ons_attach_and_detach(firma: Customer, actor: Actor) -> None:
    sub = sell(firma, actor, addons=[])
    services.subscription_attach_addon(
        subscription=sub, code="vpn", on=date(2026, 2, 10), actor=actor, today=TODAY
    )
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.subscription_attach_addon(
            subscription=sub, code="vpn", on=date(2026, 3, 1), actor=actor, today=TODAY
        )
    assert errors_of(exc) == [("addons", "vpn is already on the subscription then")]
    with pytest.raises(InvalidInput) as exc:
        services.subscription_attach_addon(
            subscription=sub, code="firewall", on=date(2026, 3, 1), actor=actor, today=TODAY
        )
    assert errors_of(exc) == [("addons", "firewall is not sold with 4business")]
    assert counts() == before
    detached = services.subscription_detach_addon(
        subscription=sub, code="vpn", last_day=date(2026, 4, 30), actor=actor, today=TODAY
    )
    assert detached is not None
    assert (detached.start_date, detached.end_date, detached.monthly_price_minor) == (
        date(2026, 2, 10),
        date(2026, 4, 30),
        2500,
    )


def test_states_and_filters(firma: Customer, actor: Actor) -> None:
    running = sell(firma, actor)
    pending = sell(firma, actor, start_date=date(2026, 6, 1))
    ended = sell(firma, actor)
    services.subscription_cancel(
        subscription=ended,
        requested_on=date(2026, 3, 1),
        last_day=date(2026, 3, 31),
        reason="price",
        actor=actor,
        today=TODAY,
    )
    states = {s.pk: s.state for s in subscription_list(day=TODAY)}  # type: ignore[attr-defined]
    assert states == {running.pk: "active", pending.pk: "pending", ended.pk: "ended"}
    assert [s.pk for s in subscription_list(day=TODAY, cancel_reason="price")] == [ended.pk]
    assert [s.pk for s in subscription_list(day=TODAY, technology="ftth", state="active")] == [
        running.pk
    ]
    assert subscription_list(day=TODAY, municipality_code="1463011").count() == 3
    assert subscription_list(day=TODAY, segment="household").count() == 0


def test_a_planned_offer_change_shows_from_its_date(firma: Customer, actor: Actor) -> None:
    sub = sell(firma, actor)
    services.subscription_change_offer(
        subscription=sub,
        version=version("4business-ultra"),
        on=date(2026, 6, 1),
        new_contract=False,
        actor=actor,
        today=TODAY,
    )
    assert [s.pk for s in subscription_list(day=TODAY, offer="4business")] == [sub.pk]
    assert [s.pk for s in subscription_list(day=date(2026, 6, 1), offer="4business-ultra")] == [
        sub.pk
    ]


def test_cancelling_before_a_planned_change_withdraws_it(firma: Customer, actor: Actor) -> None:
    sub = sell(firma, actor)
    services.subscription_change_offer(
        subscription=sub,
        version=version("4business-ultra"),
        on=date(2026, 9, 1),
        new_contract=False,
        actor=actor,
        today=TODAY,
    )
    services.subscription_cancel(
        subscription=sub,
        requested_on=TODAY,
        last_day=date(2026, 6, 30),
        reason="moving",
        actor=actor,
        today=TODAY,
    )
    sub.refresh_from_db()
    assert (sub.offer.code, sub.plans.count()) == ("4business", 1)
    event = AuditEvent.objects.get(action="subscription.cancel")
    assert event.changes["withdrawn_offer_changes"] == ["2026-09-01"]


def test_an_add_on_must_be_allowed_by_later_plans_too(firma: Customer, actor: Actor) -> None:
    sub = sell(firma, actor, version=version("4business-ultra"), addons=[])
    services.subscription_change_offer(
        subscription=sub,
        version=version("4business"),
        on=date(2026, 9, 1),
        new_contract=False,
        actor=actor,
        today=TODAY,
    )
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.subscription_attach_addon(
            subscription=sub, code="lte-backup", on=date(2026, 6, 1), actor=actor, today=TODAY
        )
    assert errors_of(exc) == [
        ("addons", "lte-backup is not sold with 4business, the offer from 2026-09-01")
    ]
    assert counts() == before


def test_a_household_offer_is_not_sold_to_a_business(firma: Customer, actor: Actor) -> None:
    with pytest.raises(InvalidInput) as exc:
        sell(firma, actor, version=version("speedster"), term_months=0, addons=[])
    assert errors_of(exc) == [
        (
            "offer",
            "speedster is a household offer and the customer is in the business segment; "
            "change the customer's segment first",
        )
    ]


def test_a_cancellation_cannot_be_requested_in_the_future(firma: Customer, actor: Actor) -> None:
    sub = sell(firma, actor)
    with pytest.raises(InvalidInput) as exc:
        services.subscription_cancel(
            subscription=sub,
            requested_on=date(2026, 5, 11),
            last_day=date(2026, 6, 30),
            reason="price",
            actor=actor,
            today=TODAY,
        )
    assert errors_of(exc) == [("requested_on", "must not be in the future")]


def test_an_add_on_no_longer_sold_is_refused(firma: Customer, actor: Actor) -> None:
    from rota.catalog.models import AddOn

    AddOn.objects.filter(code="vpn").update(is_active=False)
    with pytest.raises(InvalidInput) as exc:
        sell(firma, actor, addons=["vpn"])
    assert errors_of(exc) == [("addons", "vpn is no longer sold")]

"""The demo ISP's history: deterministic, realistic, and faithful to the services' rules."""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from datetime import date, timedelta
from typing import Any

import phonenumbers
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from stdnum.pl import pesel

from rota.audit.actors import Actor
from rota.audit.models import AuditEvent
from rota.catalog.models import OfferVersion, PricePhase
from rota.core.periods import add_months
from rota.customers.models import Customer
from rota.customers.services import CustomerData, customer_create
from rota.customers.validation import (
    normalize_email,
    normalize_phone,
    normalize_regon,
    normalize_tax_id,
    validate_municipality_code,
)
from rota.demo.catalog import ADDONS, OFFERS
from rota.demo.history import (
    COLUMNS,
    AddOnInfo,
    CatalogSnapshot,
    Chunk,
    FirstIds,
    HistorySummary,
    VersionInfo,
    ascii_fold,
    catalog_snapshot,
    demo_history_load,
    generate,
)
from rota.demo.names import BR, PL
from rota.installation.models import Installation
from rota.subscriptions.models import Plan, Subscription, SubscriptionAddOn, Suspension
from rota.subscriptions.selectors import timeline

TODAY = date(2026, 11, 21)
WINDOW_START = date(2024, 11, 1)
FAR = date(9999, 12, 31)
ACTOR = Actor.system("demo")
# What 300 customers with seed 7 up to TODAY come to; a change here is a change of the demo.
PINNED = {
    "customers": 300,
    "subscriptions": 369,
    "cancellations": 77,
    "suspensions": 30,
    "resumed": 11,
    "offer changes": 21,
    "add-ons": 100,
    "attached later": 19,
    "rows": 2526,
}


def demo_snapshot() -> CatalogSnapshot:
    """Return the demo catalog as the generator sees it, without a database."""
    addons = {
        str(spec["code"]): AddOnInfo(
            id=i + 1,
            monthly_price_minor=int(str(spec["price"])),
            household="h" in str(spec["segments"]),
            business="b" in str(spec["segments"]),
        )
        for i, spec in enumerate(ADDONS)
    }
    versions = {
        code: VersionInfo(
            id=i + 1,
            number=1,
            offer_id=i + 1,
            offer=code,
            segment=segment,
            terms={
                t.months: tuple((p.from_month, p.monthly_price_minor) for p in t.phases)
                for t in data.terms
            },
            addons=frozenset(data.addons),
            prices_include_tax=data.prices_include_tax,
            tax_rate=data.tax_rate,
            early_termination_rule=data.early_termination_rule,
            early_termination_amount_minor=data.early_termination_amount_minor,
        )
        for i, (code, segment, data) in enumerate(OFFERS)
    }
    return CatalogSnapshot(versions=versions, addons=addons)


def rows_of(chunks: list[Chunk], table: str) -> list[tuple[Any, ...]]:
    return [row for chunk in chunks for row in chunk.rows[table]]


def run(customers: int, *, seed: int = 1, country: str = "PL") -> list[Chunk]:
    return list(
        generate(
            demo_snapshot(),
            country=country,
            customers=customers,
            months=24,
            seed=seed,
            today=TODAY,
            chunk_size=1000,
        )
    )


def digest(chunks: list[Chunk]) -> str:
    text = repr([sorted(chunk.rows.items()) for chunk in chunks])
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(scope="module")
def big() -> list[Chunk]:
    """A larger pure run, for the shape of the population."""
    return run(5000)


@pytest.fixture
def loaded(demo_catalog: None) -> HistorySummary:
    summary = demo_history_load(customers=300, months=24, seed=7, today=TODAY, actor=ACTOR)
    assert summary is not None
    return summary


# The pure generator -------------------------------------------------------------------------


def test_generator_is_deterministic() -> None:
    assert digest(run(400)) == digest(run(400))
    assert digest(run(400)) != digest(run(400, seed=2))


def test_customers_are_numbered_in_order_of_acquisition(big: list[Chunk]) -> None:
    customers = rows_of(big, "customers")
    assert [c[0] for c in customers] == list(range(1, 5001))
    created = [c[-1] for c in customers]
    assert created == sorted(created)


def test_population_grows_and_mixes_segments(big: list[Chunk]) -> None:
    customers = rows_of(big, "customers")
    households = sum(1 for c in customers if c[5] == "household")
    assert 0.75 <= households / len(customers) <= 0.85
    signed = [c[-1].date() for c in customers]
    second_year = add_months(WINDOW_START, 12)
    first = sum(1 for day in signed if WINDOW_START <= day < second_year)
    second = sum(1 for day in signed if second_year <= day < add_months(second_year, 12))
    assert second > first * 1.3  # growth
    assert sum(1 for day in signed if day < WINDOW_START) == 3000  # the base, 60%


def test_cancellation_reasons_follow_the_segments(big: list[Chunk]) -> None:
    segment = {c[0]: c[5] for c in rows_of(big, "customers")}
    reasons: dict[str, Counter[str]] = {"household": Counter(), "business": Counter()}
    for s in rows_of(big, "subscriptions"):
        if s[14]:
            reasons[segment[s[1]]][s[14]] += 1
            assert (s[14] == "other") == bool(s[15])
    household, business = reasons["household"], reasons["business"]
    assert household["price"] + household["competitor"] > 3 * household["quality"]
    assert household.most_common(1)[0][0] == "price"
    assert business.most_common(1)[0][0] == "quality"
    assert household["non_payment"] > 0
    assert business["non_payment"] > 0
    assert set(household) | set(business) == {
        "price", "competitor", "quality", "support", "moving", "no_longer_needed",
        "non_payment", "other",
    }  # fmt: skip


def test_polish_people_and_companies_are_valid(big: list[Chunk]) -> None:
    females = set(PL.female_first)
    for (
        _, kind, first, last, company, _, email, phone, tax_id, regon, _, _, _, postal, _,
        country, *_,
    ) in rows_of(big, "customers"):  # fmt: skip
        assert country == "PL"
        assert normalize_tax_id(tax_id, country="PL", kind=kind) == tax_id
        assert normalize_regon(regon) == regon
        assert normalize_email(email) == email
        assert email == "" or email.isascii()
        assert phone == "" or normalize_phone(phone, country="PL") == phone
        assert phone == "" or phonenumbers.number_type(phonenumbers.parse(phone)) == (
            phonenumbers.PhoneNumberType.MOBILE
        )
        assert len(postal) == 6 and postal[2] == "-"
        if kind == "person":
            assert not company
            born = pesel.get_birth_date(tax_id)
            assert date(1950, 1, 1) <= born <= date(2004, 12, 31)
            female = first in females
            assert pesel.get_gender(tax_id) == ("F" if female else "M")
            if female:
                assert not last.endswith("ki")
        else:
            assert company and not first and not last
    tax_ids = [c[8] for c in rows_of(big, "customers")]
    assert len(set(tax_ids)) == len(tax_ids)


def test_female_surnames_take_the_female_form(big: list[Chunk]) -> None:
    people = [c for c in rows_of(big, "customers") if c[1] == "person"]
    women = {c[3] for c in people if c[2] in PL.female_first}
    men = {c[3] for c in people if c[2] in PL.male_first}
    assert "Kowalska" in women and "Kowalski" not in women
    assert "Kowalski" in men and "Kowalska" not in men
    assert "Nowak" in women and "Nowak" in men


def test_brazilian_installation_gets_brazilian_customers() -> None:
    chunks = run(600, country="BR")
    names = set(BR.male_first) | set(BR.female_first)
    for c in rows_of(chunks, "customers"):
        kind, first, tax_id, phone, email = c[1], c[2], c[8], c[7], c[6]
        assert c[15] == "BR" and c[9] == ""
        assert normalize_tax_id(tax_id, country="BR", kind=kind) == tax_id
        assert len(tax_id) == (11 if kind == "person" else 14)
        assert phone == "" or normalize_phone(phone, country="BR") == phone
        assert phone == "" or phone.startswith("+55")
        assert normalize_email(email) == email
        if kind == "person":
            assert first in names
    for s in rows_of(chunks, "subscriptions"):
        assert validate_municipality_code(s[11], country="BR") == s[11]


def test_ascii_fold() -> None:
    assert ascii_fold("Łukasz Żółć-Wiśniewska") == "lukaszzolcwisniewska"
    assert ascii_fold("João Antônio") == "joaoantonio"


# Written to the database -------------------------------------------------------------------


def test_history_counts_are_pinned(loaded: HistorySummary) -> None:
    assert loaded.customers == PINNED["customers"]
    assert loaded.subscriptions == PINNED["subscriptions"]
    assert loaded.cancellations == PINNED["cancellations"]
    assert loaded.suspensions == PINNED["suspensions"]
    assert loaded.offer_changes == PINNED["offer changes"]
    assert loaded.addons == PINNED["add-ons"]
    assert loaded.rows == PINNED["rows"]
    assert Customer.objects.count() == PINNED["customers"]
    assert Subscription.objects.count() == PINNED["subscriptions"]
    assert Subscription.objects.filter(end_date__isnull=False).count() == PINNED["cancellations"]
    assert Suspension.objects.count() == PINNED["suspensions"]
    assert Plan.objects.count() == PINNED["subscriptions"] + PINNED["offer changes"]
    assert SubscriptionAddOn.objects.count() == PINNED["add-ons"]
    events = Counter(
        AuditEvent.objects.filter(actor_label="system:demo")
        .exclude(object_type__startswith="catalog")
        .values_list("action", flat=True)
    )
    assert events == {
        "customer.create": PINNED["customers"],
        "subscription.sell": PINNED["subscriptions"],
        "subscription.cancel": PINNED["cancellations"],
        "subscription.suspend": PINNED["suspensions"],
        "subscription.resume": PINNED["resumed"],
        "subscription.change_offer": PINNED["offer changes"],
        "subscription.attach_addon": PINNED["attached later"],
    }


def test_database_holds_exactly_the_generated_rows(loaded: HistorySummary) -> None:
    first = Customer.objects.order_by("id").first()
    assert first is not None
    subscription = Subscription.objects.order_by("id").first()
    plan = Plan.objects.order_by("id").first()
    assert subscription is not None and plan is not None
    chunks = list(
        generate(
            catalog_snapshot(),
            country="PL",
            customers=300,
            months=24,
            seed=7,
            today=TODAY,
            first_ids=FirstIds(first.pk, subscription.pk, plan.pk),
        )
    )
    for table, model in (("customers", Customer), ("subscriptions", Subscription)):
        stored = list(model.objects.order_by("id").values_list(*COLUMNS[table]))
        assert stored == rows_of(chunks, table)
    stored_plans = [
        (*row[:7], float(row[7]), *row[8:])
        for row in Plan.objects.order_by("id").values_list(*COLUMNS["plans"])
    ]
    assert stored_plans == [(*r[:7], float(r[7]), *r[8:]) for r in rows_of(chunks, "plans")]


def test_rows_keep_every_constraint(loaded: HistorySummary) -> None:
    connection.check_constraints()  # foreign keys are only checked at commit otherwise


def test_people_companies_and_addresses_are_valid(loaded: HistorySummary) -> None:
    for c in Customer.objects.all():
        assert normalize_tax_id(c.tax_id, country="PL", kind=c.kind) == c.tax_id
        assert normalize_phone(c.phone, country="PL") == c.phone
        assert normalize_email(c.email) == c.email
        assert normalize_regon(c.regon) == c.regon
        assert c.segment == ("household" if c.kind == "person" else "business")
    for s in Subscription.objects.all():
        assert validate_municipality_code(s.municipality_code, country="PL")
        assert s.area in ("urban", "rural")
    households = Customer.objects.filter(segment="household").count()
    assert 0.75 <= households / 300 <= 0.85


def test_subscriptions_match_their_segment_and_plans(loaded: HistorySummary) -> None:
    phases: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for version_id, term, from_month, price in PricePhase.objects.order_by(
        "version", "term_months", "from_month"
    ).values_list("version", "term_months", "from_month", "monthly_price_minor"):
        phases.setdefault((version_id, term), []).append((from_month, price))
    versions = {v.pk: v for v in OfferVersion.objects.select_related("offer")}
    for s in Subscription.objects.select_related("customer").prefetch_related("plans__phases"):
        plans = list(s.plans.all())
        assert plans[0].valid_from == plans[0].contract_start == s.start_date
        # Contracts older than the 24-month window are billed from its first day, 2024-11-01.
        assert s.bill_from == max(s.start_date, date(2024, 11, 1))
        assert s.offer_id == versions[plans[-1].offer_version_id].offer_id
        for plan in plans:
            version = versions[plan.offer_version_id]
            assert version.offer.segment == s.customer.segment
            assert plan.term_months in ((0,) if s.customer.segment == "household" else (12, 24))
            got = [(p.from_month, p.monthly_price_minor) for p in plan.phases.all()]
            assert got == phases[(version.pk, plan.term_months)]
            assert plan.prices_include_tax == version.prices_include_tax
            assert plan.tax_rate == version.tax_rate
            assert plan.contract_start <= plan.valid_from
            assert s.end_date is None or plan.valid_from <= s.end_date
        if len(plans) == 2:
            before, after = (versions[p.offer_version_id].offer.code for p in plans)
            assert (before, after) in {
                ("domowy-komfort", "speedster"),
                ("domowy-komfort", "gameon"),
                ("4business", "4business-ultra"),
            }
        assert len(plans) <= 2


def test_cancellations_are_complete(loaded: HistorySummary) -> None:
    cancelled = Subscription.objects.filter(end_date__isnull=False)
    for s in cancelled:
        assert s.cancel_requested_on is not None and s.end_date is not None
        assert s.start_date <= s.cancel_requested_on <= TODAY
        assert s.cancel_requested_on <= s.end_date <= s.cancel_requested_on + timedelta(days=31)
        assert s.end_date >= WINDOW_START
        event = AuditEvent.objects.get(
            action="subscription.cancel", object_id=str(s.pk), object_type=s._meta.label_lower
        )
        assert event.at.date() == s.cancel_requested_on
        assert event.changes["reason"] == s.cancel_reason
        assert event.changes["last_day"] == s.end_date.isoformat()
        assert event.changes["early_termination_fee"] == "0.00"
        assert event.note == s.cancel_note
    assert not Subscription.objects.filter(end_date__isnull=True).exclude(cancel_reason="").exists()


def test_monthly_churn_is_between_half_and_three_percent(loaded: HistorySummary) -> None:
    active = cancelled = 0
    for m in range(24):
        first, after = add_months(WINDOW_START, m), add_months(WINDOW_START, m + 1)
        active += (
            Subscription.objects.filter(start_date__lt=first)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
            .count()
        )
        cancelled += Subscription.objects.filter(end_date__gte=first, end_date__lt=after).count()
    assert 0.005 <= cancelled / active <= 0.03


def test_suspensions_never_overlap_and_stay_in_service(loaded: HistorySummary) -> None:
    other = Suspension.objects.filter(subscription=OuterRef("subscription")).exclude(
        pk=OuterRef("pk")
    )
    overlapping = Suspension.objects.annotate(
        clash=Exists(
            other.filter(
                start_date__lte=Coalesce(OuterRef("end_date"), FAR),
            ).filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("start_date")))
        )
    ).filter(clash=True)
    assert not overlapping.exists()
    assert Suspension.objects.count() == PINNED["suspensions"]
    for suspension in Suspension.objects.select_related("subscription"):
        s = suspension.subscription
        assert suspension.start_date > s.start_date
        if s.end_date is not None:
            assert suspension.end_date is not None and suspension.end_date <= s.end_date
    assert Suspension.objects.filter(end_date__isnull=True).exists()  # a few stay open
    assert Suspension.objects.filter(reason="Zaległe płatności").count() == (
        Subscription.objects.filter(cancel_reason="non_payment").count()
    )


def test_addons_are_allowed_by_every_plan_they_run_under(loaded: HistorySummary) -> None:
    allowed = {v.pk: {a.code for a in v.addons.all()} for v in OfferVersion.objects.all()}
    attached = SubscriptionAddOn.objects.select_related("addon", "subscription")
    assert attached.count() == PINNED["add-ons"]
    for addon in attached:
        s = addon.subscription
        assert s.start_date <= addon.start_date
        assert addon.end_date == s.end_date
        assert addon.monthly_price_minor == addon.addon.monthly_price_minor
        plans = list(s.plans.order_by("valid_from"))
        for i, plan in enumerate(plans):
            until = plans[i + 1].valid_from if i + 1 < len(plans) else FAR
            if plan.valid_from < until and addon.start_date < until:
                assert addon.addon.code in allowed[plan.offer_version_id]
    codes = Counter(attached.values_list("subscription", "addon"))
    assert max(codes.values()) == 1


def test_every_change_has_its_audit_event(loaded: HistorySummary) -> None:
    subscription_type = Subscription._meta.label_lower
    sold = AuditEvent.objects.filter(action="subscription.sell", object_type=subscription_type)
    assert sorted(int(i) for i in sold.values_list("object_id", flat=True)) == sorted(
        Subscription.objects.values_list("pk", flat=True)
    )
    created = AuditEvent.objects.filter(action="customer.create", object_type="customers.customer")
    assert created.count() == 300
    for s in Subscription.objects.select_related("customer", "offer")[:50]:
        event = sold.get(object_id=str(s.pk))
        assert event.object_repr == f"S-{s.pk:06d}"
        assert event.actor_label == "system:demo"
        assert event.changes["customer"] == s.customer_id
        assert event.changes["effective"] == s.start_date.isoformat()
        assert event.changes["backdated"] is False
        assert event.at.date() == s.start_date
        assert 7 <= event.at.hour < 16
        story = list(timeline(s.customer))
        assert story[-1].action == "customer.create"
        assert event in story
    customer = Customer.objects.get(pk=created.order_by("id").first().object_id)  # type: ignore[union-attr]
    event = created.get(object_id=str(customer.pk))
    assert event.object_repr == customer.display_name
    assert event.at == customer.created_at
    assert event.changes == {
        "kind": customer.kind,
        "street": customer.street,
        "building": customer.building,
        "postal_code": customer.postal_code,
        "city": customer.city,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "company_name": customer.company_name,
        "segment": customer.segment,
        "email": customer.email,
        "phone": customer.phone,
        "tax_id": customer.tax_id,
        "regon": customer.regon,
        "apartment": customer.apartment,
        "tags": customer.tags,
        "notes": "",
        "marketing_consent": customer.marketing_consent,
        "country": "PL",
    }
    changes = AuditEvent.objects.filter(action="subscription.change_offer")
    assert changes.count() == Plan.objects.count() - Subscription.objects.count()
    for event in changes:
        plan = Plan.objects.get(
            subscription_id=int(event.object_id), valid_from=event.changes["effective"]
        )
        assert event.changes["term_months"] == plan.term_months
        assert event.changes["new_contract"] == (plan.contract_start == plan.valid_from)


def test_new_customers_get_fresh_keys_after_the_history(loaded: HistorySummary) -> None:
    data = CustomerData(
        kind="person",
        first_name="Ewa",
        last_name="Nowak",
        street="ul. Polna",
        building="1",
        postal_code="00-001",
        city="Warszawa",
    )
    customer = customer_create(data=data, actor=ACTOR, today=TODAY)
    assert customer.pk == 301


def test_a_second_load_adds_nothing(loaded: HistorySummary) -> None:
    again = demo_history_load(customers=300, months=24, seed=7, today=TODAY, actor=ACTOR)
    assert again is None
    assert Customer.objects.count() == 300


def test_progress_is_reported_per_batch(demo_catalog: None) -> None:
    done: list[int] = []
    demo_history_load(
        customers=120, months=12, seed=3, today=TODAY, actor=ACTOR, progress=done.append
    )
    assert sum(done) == 120


def test_brazilian_installation(demo_catalog: None) -> None:
    Installation.objects.filter(pk=1).update(country="BR", currency="BRL")
    summary = demo_history_load(customers=50, months=24, seed=1, today=TODAY, actor=ACTOR)
    assert summary is not None and summary.customers == 50
    for c in Customer.objects.all():
        assert c.country == "BR"
        assert normalize_tax_id(c.tax_id, country="BR", kind=c.kind) == c.tax_id
    for s in Subscription.objects.all():
        assert validate_municipality_code(s.municipality_code, country="BR")


# The command --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_command_generates_once() -> None:
    out = io.StringIO()
    args = ["--customers", "300", "--seed", "7", "--today", "2026-11-21", "--no-billing"]
    call_command("demo", *args, stdout=out)
    first, second, planning = out.getvalue().splitlines()
    assert first == "Demo catalog: 6 offers and 7 add-ons created."
    assert planning.startswith("Demo planning: Plan 2026 and Plan 2027 with ")
    assert second.startswith(
        f"Demo history: 300 customers, {PINNED['subscriptions']} subscriptions, "
        f"{PINNED['cancellations']} cancellations, {PINNED['suspensions']} suspensions, "
        f"{PINNED['offer changes']} offer changes, {PINNED['add-ons']} add-ons in "
    )
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    assert out.getvalue().splitlines() == [
        "Demo catalog: 0 offers and 0 add-ons created.",
        "Demo history: the database already has customers; none generated.",
        "Demo planning: the plans exist already; none created.",
    ]
    assert Customer.objects.count() == 300
    assert Subscription.objects.count() == PINNED["subscriptions"]


@pytest.mark.django_db
def test_demo_command_with_no_customers_loads_only_the_catalog() -> None:
    out = io.StringIO()
    call_command("demo", "--customers", "0", stdout=out)
    assert out.getvalue().splitlines() == ["Demo catalog: 6 offers and 7 add-ons created."]
    assert not Customer.objects.exists()

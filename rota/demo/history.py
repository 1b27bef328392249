"""The demo ISP's history: customers, their subscriptions and what happened to them.

`generate` is pure: from a catalog snapshot and a few numbers it yields rows (plain tuples
in the column order of `COLUMNS`) and never touches the database, so the same inputs give
the same rows. `demo_history_load` snapshots the catalog, then writes those rows in one
transaction, a batch of customers at a time (one prepared INSERT run over the whole batch,
COPY on PostgreSQL), with primary keys assigned up front, so children reference their
parents without reading anything back.

Every row obeys the rules of the subscription services: plans copy the version's phases
for their term, an offer change adds a plan from its day, suspensions never overlap,
add-ons are those the plan's version allows, a cancellation has its request day and reason.
Each change also gets the audit event the service would have recorded, on the day it took
effect (a cancellation on the day it was requested), at an office hour.
"""

from __future__ import annotations

import math
import random
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from time import perf_counter as time_counter
from typing import Any, TypeVar

from django.db import connection, models, transaction
from stdnum.br import cnpj
from stdnum.pl import pesel, regon

from rota.audit.actors import Actor
from rota.audit.models import AuditEvent
from rota.billing.pricing import commitment_end, early_termination_fee
from rota.catalog.models import AddOn, OfferVersion, Segment, VersionStatus
from rota.core.bulk import BulkTable, next_id, reset_sequences
from rota.core.money import format_amount
from rota.core.periods import add_months
from rota.customers.models import Customer
from rota.demo.names import Country, Town, feminine_surname, names_of
from rota.installation.selectors import installation_get
from rota.subscriptions.models import Plan, PlanPhase, Subscription, SubscriptionAddOn, Suspension

Row = tuple[Any, ...]
T = TypeVar("T")

# Shares and monthly rates of the demo population.
BUSINESS_SHARE = 0.2
BASE_SHARE = 0.6  # customers already signed when the history starts
BASE_YEARS = 3  # ...over the years before it
GROWTH = 1.5  # the last month brings (1 + GROWTH) times the first month's new customers
CHURN: dict[str, float] = {Segment.HOUSEHOLD: 0.016, Segment.BUSINESS: 0.010}
SUSPEND: dict[str, float] = {Segment.HOUSEHOLD: 0.005, Segment.BUSINESS: 0.003}
UPGRADE = 0.01
ADDON_AT_SALE: dict[str, float] = {Segment.HOUSEHOLD: 0.08, Segment.BUSINESS: 0.35}
ADDON_LATER: dict[str, float] = {Segment.HOUSEHOLD: 0.04, Segment.BUSINESS: 0.12}
REASONS: dict[str, dict[str, int]] = {
    Segment.HOUSEHOLD: {
        "price": 30,
        "competitor": 25,
        "moving": 15,
        "quality": 10,
        "no_longer_needed": 8,
        "support": 5,
        "non_payment": 5,
        "other": 2,
    },
    Segment.BUSINESS: {
        "quality": 30,
        "support": 15,
        "competitor": 15,
        "price": 15,
        "moving": 10,
        "non_payment": 8,
        "no_longer_needed": 5,
        "other": 2,
    },
}
# How often each demo offer is sold; offers added to the catalog later get DEFAULT_WEIGHT.
OFFER_WEIGHTS = {
    "domowy-komfort": 35,
    "speedster": 30,
    "gameon": 15,
    "wszedzie-ty": 20,
    "4business": 65,
    "4business-ultra": 35,
}
RURAL_OFFER_WEIGHTS = {"wszedzie-ty": 45}
SECOND_HOUSEHOLD_OFFER_WEIGHTS = {"wszedzie-ty": 60}
DEFAULT_WEIGHT = 10
TERM_WEIGHTS: dict[str, dict[int, int]] = {
    Segment.HOUSEHOLD: {0: 90},
    Segment.BUSINESS: {24: 60, 12: 40},
}
UPGRADES: dict[str, dict[str, int]] = {
    "domowy-komfort": {"speedster": 60, "gameon": 40},
    "4business": {"4business-ultra": 100},
}
SUBSCRIPTIONS_PER_CUSTOMER: dict[str, dict[int, int]] = {
    Segment.HOUSEHOLD: {1: 90, 2: 10},
    Segment.BUSINESS: {1: 55, 2: 25, 3: 12, 4: 5, 5: 3},
}
PL_MOBILE_PREFIXES = ("50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88")
NIP_OFFICES = (
    "521", "522", "524", "525", "526", "527", "534", "536", "583", "584", "586", "587",
    "601", "646", "676", "677", "679", "712", "713", "749", "754", "774", "778", "779",
    "781", "782", "783", "792", "812", "813", "851", "852", "894", "895", "897", "898",
    "951", "952", "954", "955", "957", "958", "959", "967", "968", "971",
)  # fmt: skip
NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
OFFICE_SECONDS = 9 * 3600  # events happen between 07:00 and 16:00 UTC

CUSTOMER_TYPE = "customers.customer"
SUBSCRIPTION_TYPE = "subscriptions.subscription"

COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": (
        "id", "kind", "first_name", "last_name", "company_name", "segment", "email", "phone",
        "tax_id", "regon", "street", "building", "apartment", "postal_code", "city", "country",
        "tags", "notes", "marketing_consent", "marketing_consent_changed_on", "created_at",
    ),
    "subscriptions": (
        "id", "customer_id", "offer_id", "start_date", "end_date", "bill_from", "street",
        "building", "apartment", "postal_code", "city", "municipality_code", "area",
        "cancel_requested_on", "cancel_reason", "cancel_note", "created_at",
    ),
    "plans": (
        "id", "subscription_id", "valid_from", "offer_version_id", "term_months",
        "contract_start", "prices_include_tax", "tax_rate", "early_termination_rule",
        "early_termination_amount_minor",
    ),
    "phases": ("plan_id", "from_month", "monthly_price_minor"),
    "suspensions": ("subscription_id", "start_date", "end_date", "reason"),
    "addons": ("subscription_id", "addon_id", "start_date", "end_date", "monthly_price_minor"),
    "events": (
        "at", "actor_label", "action", "object_type", "object_id", "object_repr", "changes",
        "note",
    ),
}  # fmt: skip
MODELS: dict[str, type[models.Model]] = {
    "customers": Customer,
    "subscriptions": Subscription,
    "plans": Plan,
    "phases": PlanPhase,
    "suspensions": Suspension,
    "addons": SubscriptionAddOn,
    "events": AuditEvent,
}


@dataclass(frozen=True)
class VersionInfo:
    """What the generator needs to know about the version of an offer on sale."""

    id: int
    number: int
    offer_id: int
    offer: str
    segment: str
    terms: Mapping[int, tuple[tuple[int, int], ...]]
    addons: frozenset[str]
    prices_include_tax: bool
    tax_rate: Decimal
    early_termination_rule: str
    early_termination_amount_minor: int


@dataclass(frozen=True)
class AddOnInfo:
    """An add-on's id, current price and the segments it is sold to."""

    id: int
    monthly_price_minor: int
    household: bool
    business: bool


@dataclass(frozen=True)
class CatalogSnapshot:
    """The versions on sale, by offer code, and every add-on, by code."""

    versions: Mapping[str, VersionInfo]
    addons: Mapping[str, AddOnInfo]


@dataclass(frozen=True)
class FirstIds:
    """The first primary key to give to each table whose rows are referenced."""

    customer: int = 1
    subscription: int = 1
    plan: int = 1


@dataclass
class Chunk:
    """The rows of a run of customers, table by table, and the changes they hold."""

    rows: dict[str, list[Row]] = field(default_factory=lambda: {name: [] for name in COLUMNS})
    customers: int = 0
    cancellations: int = 0
    offer_changes: int = 0


@dataclass
class HistorySummary:
    """How much history was written, and how long it took."""

    customers: int = 0
    subscriptions: int = 0
    cancellations: int = 0
    suspensions: int = 0
    offer_changes: int = 0
    addons: int = 0
    rows: int = 0
    seconds: float = 0.0

    def add(self, chunk: Chunk) -> None:
        """Count a chunk's rows in."""
        self.customers += chunk.customers
        self.subscriptions += len(chunk.rows["subscriptions"])
        self.cancellations += chunk.cancellations
        self.suspensions += len(chunk.rows["suspensions"])
        self.offer_changes += chunk.offer_changes
        self.addons += len(chunk.rows["addons"])
        self.rows += sum(len(rows) for rows in chunk.rows.values())

    def line(self) -> str:
        """Return the summary line the demo command prints."""
        return (
            f"Demo history: {self.customers} customers, {self.subscriptions} subscriptions, "
            f"{self.cancellations} cancellations, {self.suspensions} suspensions, "
            f"{self.offer_changes} offer changes, {self.addons} add-ons in {self.seconds:.1f} s."
        )


def ascii_fold(text: str) -> str:
    """Return `text` in lower-case ASCII letters and digits: "Łódź 2" -> "lodz2"."""
    text = text.replace("ł", "l").replace("Ł", "L")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum()).lower()


def _weighted(weights: Mapping[Any, int]) -> tuple[list[Any], list[int]]:
    """Return the choices and cumulative weights for `random.choices`."""
    total = 0
    cumulative = []
    for weight in weights.values():
        total += weight
        cumulative.append(total)
    return list(weights), cumulative


def _at(day: date, seconds: int) -> datetime:
    return datetime.combine(day, time(7), UTC) + timedelta(seconds=seconds)


def _dated(on: date) -> dict[str, Any]:
    # Every demo change is recorded on the day it takes effect, so none is back-dated.
    return {"effective": on.isoformat(), "backdated": False}


class _Random(random.Random):
    """A seeded stream with draws of one float each, several times faster than randrange."""

    def below(self, n: int) -> int:
        """Return an int in [0, n)."""
        return int(self.random() * n)

    def between(self, low: int, high: int) -> int:
        """Return an int in [low, high]."""
        return low + int(self.random() * (high - low + 1))

    def pick(self, items: Sequence[T]) -> T:
        """Return one of the items."""
        return items[int(self.random() * len(items))]


class _Plan:
    """A plan being generated: enough to write its row and compute a fee on it."""

    __slots__ = ("contract_start", "id", "term", "valid_from", "version")

    def __init__(
        self, id: int, version: VersionInfo, valid_from: date, term: int, contract_start: date
    ) -> None:
        self.id = id
        self.version = version
        self.valid_from = valid_from
        self.term = term
        self.contract_start = contract_start


class _Generator:
    """Draws customers one after another from a single seeded random stream."""

    def __init__(
        self,
        catalog: CatalogSnapshot,
        *,
        country: str,
        months: int,
        seed: int,
        today: date,
        first_ids: FirstIds,
        actor_label: str,
    ) -> None:
        self.catalog = catalog
        self.country = country
        self.names: Country = names_of(country)
        self.rng = _Random(seed)
        self.today = today
        self.actor = actor_label
        self.next_customer = first_ids.customer
        self.next_subscription = first_ids.subscription
        self.next_plan = first_ids.plan
        self.used_ids: set[str] = set()
        # Month 0 is the first month of the history; month `months` is today's month.
        self.window_start = add_months(today.replace(day=1), -months)
        self.months = months
        self.month_starts = [add_months(self.window_start, i) for i in range(months + 2)]
        self.month_days = [
            (self.month_starts[i + 1] - self.month_starts[i]).days for i in range(months + 1)
        ]
        self.month_days[months] = today.day  # today's month ends today
        self.folded: dict[str, str] = {}
        self.terms: dict[tuple[str, str], tuple[list[Any], list[int]]] = {}
        self._prepare_catalog()
        self._prepare_places()

    # Catalog -----------------------------------------------------------------------------

    def _prepare_catalog(self) -> None:
        versions = self.catalog.versions
        self.offers: dict[str, tuple[list[str], list[int]]] = {}
        for key, segment, extra in (
            ("household", Segment.HOUSEHOLD, {}),
            ("rural", Segment.HOUSEHOLD, RURAL_OFFER_WEIGHTS),
            ("second", Segment.HOUSEHOLD, SECOND_HOUSEHOLD_OFFER_WEIGHTS),
            ("business", Segment.BUSINESS, {}),
        ):
            weights = {
                code: extra.get(code, OFFER_WEIGHTS.get(code, DEFAULT_WEIGHT))
                for code, v in sorted(versions.items())
                if v.segment == segment and v.terms
            }
            self.offers[key] = _weighted(weights) if weights else ([], [])
        self.schedules = {
            (v.offer, term): [[m, format_amount(p)] for m, p in phases]
            for v in versions.values()
            for term, phases in v.terms.items()
        }

    def _pick(self, table: tuple[list[Any], list[int]]) -> Any:
        keys, cumulative = table
        return keys[bisect_right(cumulative, self.rng.random() * cumulative[-1])]

    def _term(self, version: VersionInfo, segment: str) -> int:
        table = self.terms.get((version.offer, segment))
        if table is None:
            weights = TERM_WEIGHTS[segment]
            terms = sorted(version.terms)
            table = _weighted({t: weights.get(t, DEFAULT_WEIGHT) for t in terms})
            self.terms[(version.offer, segment)] = table
        if len(table[0]) == 1:
            return int(table[0][0])
        return int(self._pick(table))

    def _addon_choices(self, codes: frozenset[str], segment: str) -> list[str]:
        addons = self.catalog.addons
        household = segment == Segment.HOUSEHOLD
        return sorted(
            code
            for code in codes
            if code in addons and (addons[code].household if household else addons[code].business)
        )

    # People and places -------------------------------------------------------------------

    def _prepare_places(self) -> None:
        towns = self.names.towns
        self.towns = _weighted({i: t.weight for i, t in enumerate(towns)})
        self.business_towns = _weighted({i: t.weight for i, t in enumerate(towns) if not t.rural})
        self.reasons = {segment: _weighted(REASONS[segment]) for segment in REASONS}
        self.subscription_counts = {
            segment: _weighted(counts) for segment, counts in SUBSCRIPTIONS_PER_CUSTOMER.items()
        }

    def _fold(self, text: str) -> str:
        folded = self.folded.get(text)
        if folded is None:
            folded = self.folded[text] = ascii_fold(text)
        return folded

    def _address(self, business: bool) -> tuple[str, str, str, str, Town]:
        """Return street, building, apartment, postal code and town."""
        rng = self.rng
        town: Town = self.names.towns[self._pick(self.business_towns if business else self.towns)]
        street = rng.pick(self.names.streets)
        if self.country == "BR":
            building = str(rng.between(10, 2999))
            apartment = ""
            if rng.random() < 0.4:
                apartment = str(rng.between(1, 25) * 10 + rng.between(1, 4))
            postal = f"{rng.between(*town.postal):05d}-{rng.below(1000):03d}"
            return street, building, apartment, postal, town
        building = str(rng.between(1, 150))
        if rng.random() < 0.08:
            building += rng.pick("ABC")
        apartment = ""
        if not town.rural and not business and rng.random() < 0.6:
            apartment = str(rng.between(1, 90))
        code = rng.between(*town.postal)
        return street, building, apartment, f"{code // 1000:02d}-{code % 1000:03d}", town

    def _phone(self, town: Town) -> str:
        rng = self.rng
        if self.country == "BR":
            return f"+55{town.phone_area or '11'}9{rng.between(10000000, 99999999)}"
        return f"+48{rng.pick(PL_MOBILE_PREFIXES)}{rng.below(10_000_000):07d}"

    def _unique(self, make: Callable[[], str | None]) -> str:
        while True:
            number = make()
            if number is not None and number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def _pesel(self, born: date, female: bool) -> str:
        rng = self.rng
        month = born.month + (20 if born.year >= 2000 else 0)
        head = f"{born.year % 100:02d}{month:02d}{born.day:02d}"

        def make() -> str:
            sex = 2 * rng.below(5) + (0 if female else 1)  # even for women
            body = f"{head}{rng.below(1000):03d}{sex}"
            return body + pesel.calc_check_digit(body)

        return self._unique(make)

    def _nip(self) -> str:
        rng = self.rng

        def make() -> str | None:
            body = rng.pick(NIP_OFFICES) + f"{rng.below(1_000_000):06d}"
            check = sum(w * int(d) for w, d in zip(NIP_WEIGHTS, body, strict=True)) % 11
            return None if check == 10 else body + str(check)

        return self._unique(make)

    def _regon(self) -> str:
        body = f"{1 + self.rng.below(99):02d}{self.rng.below(1_000_000):06d}"
        return body + regon.calc_check_digit(body)

    def _cpf(self) -> str:
        rng = self.rng

        def make() -> str | None:
            body = f"{1 + rng.below(999_999_999):09d}"
            if len(set(body)) == 1:
                return None
            digits = [int(d) for d in body]
            d1 = (11 - sum((10 - i) * d for i, d in enumerate(digits))) % 11 % 10
            d2 = (11 - sum((11 - i) * d for i, d in enumerate(digits)) - 2 * d1) % 11 % 10
            return f"{body}{d1}{d2}"

        return self._unique(make)

    def _cnpj(self) -> str:
        rng = self.rng

        def make() -> str:
            body = f"{1 + rng.below(99_999_999):08d}0001"
            return body + cnpj.calc_check_digits(body)

        return self._unique(make)

    def _company_name(self) -> str:
        names, rng = self.names, self.rng
        pattern = rng.pick(names.company_patterns)
        surname = rng.pick(names.surnames)
        surname2 = rng.pick(names.surnames)
        while surname2 == surname:
            surname2 = rng.pick(names.surnames)
        first = rng.pick(names.male_first)
        if rng.random() < 0.45:
            first = rng.pick(names.female_first)
            surname = feminine_surname(surname)
        return pattern.format(
            word=rng.pick(names.company_words),
            word2=rng.pick(names.company_words).lower(),
            surname=surname,
            surname2=surname2,
            first=first,
            trade=rng.pick(names.trades),
        )

    # Customers ---------------------------------------------------------------------------

    def acquisitions(self, n: int) -> list[tuple[int, int, bool]]:
        """Return (day ordinal, second, is business) of each customer's signing, oldest first."""
        rng = self.rng
        start = self.window_start.toordinal()
        base_from = add_months(self.window_start, -12 * BASE_YEARS).toordinal()
        base = round(n * BASE_SHARE)
        months = self.months
        weights = {
            i: round(1000 * (1 + GROWTH * i / max(months, 1)) * self.month_days[i])
            for i in range(months + 1)
        }
        table = _weighted(weights)
        days = []
        for i in range(n):
            business = rng.random() < BUSINESS_SHARE
            if i < base:
                day = base_from + rng.below(start - base_from)
            else:
                month = self._pick(table)
                day = self.month_starts[month].toordinal() + rng.below(self.month_days[month])
            days.append((day, rng.below(OFFICE_SECONDS - 1800), business))
        days.sort(key=lambda item: (item[0], item[1]))
        return days

    def customer(self, chunk: Chunk, acquired: date, second: int, business: bool) -> None:
        """Add one customer with their subscriptions and everything that happened to them."""
        rng, names, country = self.rng, self.names, self.country
        cid = self.next_customer
        self.next_customer += 1
        segment = Segment.BUSINESS if business else Segment.HOUSEHOLD
        street, building, apartment, postal, town = self._address(business)
        first = last = company = regon_number = ""
        if business:
            kind = "company"
            company = self._company_name()
            tax_id = self._cnpj() if country == "BR" else self._nip()
            if country != "BR" and rng.random() < 0.7:
                regon_number = self._regon()
            slug = self._fold(company.split(" sp.")[0])[:24]
            email = f"{rng.pick(names.company_mailbox)}@{slug}.{names.company_domain}"
        else:
            kind = "person"
            female = rng.random() < 0.52
            first = rng.pick(names.female_first if female else names.male_first)
            born = date.fromordinal(rng.between(_BORN_FROM, _BORN_TO))
            if country == "BR":
                last = f"{rng.pick(names.surnames)} {rng.pick(names.surnames)}"
                tax_id = self._cpf()
            else:
                surname = rng.pick(names.surnames)
                last = feminine_surname(surname) if female else surname
                tax_id = self._pesel(born, female)
            email = ""
            if rng.random() < 0.92:
                f, la = self._fold(first), self._fold(last.split(" ")[-1])
                local = rng.pick(
                    (f"{f}.{la}", f"{f}{la}", f"{f[0]}{la}", f"{f}.{la}{born.year % 100:02d}")
                )
                email = f"{local}@{rng.pick(names.mail_domains)}"
        phone = self._phone(town) if rng.random() < 0.97 else ""
        consent = rng.random() < (0.5 if business else 0.35)
        tags = ["vip"] if business and rng.random() < 0.05 else []
        created = _at(acquired, second)
        chunk.rows["customers"].append(
            (
                cid, kind, first, last, company, segment, email, phone, tax_id, regon_number,
                street, building, apartment, postal, town.name, country, tags, "", consent,
                acquired if consent else None, created,
            )
        )  # fmt: skip
        values = {
            "kind": kind,
            "street": street,
            "building": building,
            "postal_code": postal,
            "city": town.name,
            "first_name": first,
            "last_name": last,
            "company_name": company,
            "segment": segment,
            "email": email,
            "phone": phone,
            "tax_id": tax_id,
            "regon": regon_number,
            "apartment": apartment,
            "tags": tags,
            "notes": "",
            "marketing_consent": consent,
            "country": country,
        }
        name = company or f"{first} {last}"
        chunk.rows["events"].append(
            (created, self.actor, "customer.create", CUSTOMER_TYPE, str(cid), name, values, "")
        )
        chunk.customers += 1
        address = (street, building, apartment, postal, town)
        self.subscription(chunk, cid, segment, acquired, address, created, first=True)
        count = self._pick(self.subscription_counts[segment])
        span = (self.today - acquired).days
        for _ in range(count - 1):
            if span <= 30:
                break
            start = acquired + timedelta(days=rng.between(30, span))
            if business:
                street, building, apartment, postal, town = self._address(business)
                address = (street, building, apartment, postal, town)
            self.subscription(chunk, cid, segment, start, address, None, first=False)

    # Subscriptions -----------------------------------------------------------------------

    def _month_of(self, day: date) -> int:
        start = self.window_start
        return (day.year - start.year) * 12 + day.month - start.month

    def _day_in(self, month: int, *, future: bool = False) -> date:
        """Return a day of the month up to today, or up to its end with `future`."""
        days = self.month_days[month]
        if future:
            days = (self.month_starts[month + 1] - self.month_starts[month]).days
        return self.month_starts[month] + timedelta(days=self.rng.below(days))

    def _month_hit(self, first_month: int, rate: float) -> int | None:
        """Return the month an event with this monthly rate first happens in, if by today."""
        first_month = max(first_month, 0)
        if first_month > self.months:
            return None
        month = first_month + int(math.log(1.0 - self.rng.random()) / math.log(1.0 - rate))
        return month if month <= self.months else None

    def _event(
        self,
        chunk: Chunk,
        day: date,
        action: str,
        sid: int,
        changes: dict[str, Any],
        note: str = "",
        at: datetime | None = None,
    ) -> datetime:
        at = at or _at(day, self.rng.below(OFFICE_SECONDS))
        chunk.rows["events"].append(
            (at, self.actor, action, SUBSCRIPTION_TYPE, str(sid), f"S-{sid:06d}", changes, note)
        )
        return at

    def _plan(self, chunk: Chunk, sid: int, plan: _Plan) -> None:
        v = plan.version
        chunk.rows["plans"].append(
            (
                plan.id, sid, plan.valid_from, v.id, plan.term, plan.contract_start,
                v.prices_include_tax, v.tax_rate, v.early_termination_rule,
                v.early_termination_amount_minor,
            )
        )  # fmt: skip
        phases = chunk.rows["phases"]
        for from_month, price in v.terms[plan.term]:
            phases.append((plan.id, from_month, price))

    def _new_plan(self, version: VersionInfo, valid_from: date, term: int, start: date) -> _Plan:
        plan = _Plan(self.next_plan, version, valid_from, term, start)
        self.next_plan += 1
        return plan

    def subscription(
        self,
        chunk: Chunk,
        cid: int,
        segment: str,
        start: date,
        address: tuple[str, str, str, str, Town],
        customer_created: datetime | None,
        *,
        first: bool,
    ) -> None:
        """Add one subscription sold on `start`, with its plans, changes and events."""
        rng, names, today = self.rng, self.names, self.today
        household = segment == Segment.HOUSEHOLD
        street, building, apartment, postal, town = address
        if household:
            key = "rural" if town.rural else "household" if first else "second"
        else:
            key = "business"
        if not self.offers[key][0]:
            return
        version: VersionInfo = self.catalog.versions[self._pick(self.offers[key])]
        sid = self.next_subscription
        self.next_subscription += 1
        term = self._term(version, segment)
        plan = self._new_plan(version, start, term, start)
        plans = [plan]
        start_month = self._month_of(start)

        # Cancellation: decided first, everything else happens before it is requested.
        last_day = requested = np_start = None
        reason = note = ""
        month = self._month_hit(start_month + 1, CHURN[segment])
        if month is not None:
            last_day = self._day_in(month, future=True)  # this month's may still be ahead
            reason = self._pick(self.reasons[segment])
            if reason == "non_payment" and (last_day - start).days < 90:
                reason = "price" if household else "quality"
            if reason == "non_payment":
                np_start = last_day - timedelta(days=rng.between(30, 60))
                requested = last_day - timedelta(days=rng.between(3, 20))
            else:
                requested = max(start, last_day - timedelta(days=rng.between(3, 30)))
            if requested > today:
                last_day = requested = np_start = None
                reason = ""
            elif reason == "other":
                note = rng.pick(names.other_notes if household else names.business_other_notes)
        busy_until = np_start or requested  # changes happen before this day
        last_change = today if busy_until is None else min(today, busy_until - timedelta(days=1))

        # Add-ons sold with the subscription.
        sold: list[str] = []
        if rng.random() < ADDON_AT_SALE[segment]:
            choices = self._addon_choices(version.addons, segment)
            if choices:
                sold = rng.sample(choices, 2 if len(choices) > 1 and rng.random() < 0.3 else 1)
                sold.sort()

        # Upgrade to a bigger offer: a new plan from the day it takes effect.
        upgrade: _Plan | None = None
        new_contract = False
        targets = UPGRADES.get(version.offer)
        if targets:
            month = self._month_hit(start_month + 1, UPGRADE)
            if month is not None:
                on = self._day_in(month)
                allowed = {
                    code: weight
                    for code, weight in targets.items()
                    if code in self.catalog.versions
                    and set(sold) <= self.catalog.versions[code].addons
                }
                if allowed and start < on <= last_change:
                    target = self.catalog.versions[self._pick(_weighted(allowed))]
                    new_contract = not household and rng.random() < 0.5
                    new_term = term
                    if term not in target.terms:
                        new_contract = True
                    if new_contract:
                        new_term = self._term(target, segment)
                    upgrade = self._new_plan(
                        target, on, new_term, on if new_contract else plan.contract_start
                    )
                    plans.append(upgrade)

        # An add-on attached later, allowed by the plan then and by any plan after it.
        later: tuple[str, date] | None = None
        if rng.random() < ADDON_LATER[segment]:
            earliest = max(start + timedelta(days=30), self.window_start)
            if earliest <= last_change:
                on = earliest + timedelta(days=rng.below((last_change - earliest).days + 1))
                if upgrade is not None and on >= upgrade.valid_from:
                    allowed_codes = upgrade.version.addons
                elif upgrade is not None:
                    allowed_codes = version.addons & upgrade.version.addons
                else:
                    allowed_codes = version.addons
                choices = [c for c in self._addon_choices(allowed_codes, segment) if c not in sold]
                if choices:
                    later = (rng.pick(choices), on)

        # Suspensions: none overlap; the last before a cancellation ends before its request.
        suspensions: list[tuple[date, date | None, str, bool]] = []  # from, to, reason, resumed
        reasons = names.suspension_reasons if household else names.business_suspension_reasons
        month = self._month_hit(start_month + 1, SUSPEND[segment])
        while month is not None:
            begin = self._day_in(month)
            if begin > today or begin <= start:
                break
            end = add_months(begin, rng.pick((1, 1, 2, 2, 3))) - timedelta(days=1)
            if busy_until is not None and end + timedelta(days=1) >= busy_until:
                break
            why = rng.pick(reasons)
            if rng.random() < 0.55:
                suspensions.append((begin, end, why, False))
            elif end + timedelta(days=1) <= today:
                suspensions.append((begin, end, why, True))
            else:
                suspensions.append((begin, None, why, False))
                break
            month = self._month_hit(self._month_of(end) + 2, SUSPEND[segment])

        # Rows, and events that carry the time each change was recorded.
        end_date = last_day
        current = upgrade or plan
        # The first sale is recorded a few minutes after the customer.
        sell_at = self._event(
            chunk,
            start,
            "subscription.sell",
            sid,
            {
                "customer": cid,
                "offer": version.offer,
                "version": version.number,
                "term_months": term,
                "schedule": self.schedules[(version.offer, term)],
                "commitment_end": _iso(commitment_end(start, term)),
                "addons": sold,
                **_dated(start),
            },
            at=customer_created and customer_created + timedelta(seconds=rng.between(60, 900)),
        )
        # Contracts older than the window came from the ISP's previous system: Rota bills
        # them from the window's first day, as an import would (billing-rules: bill_from).
        bill_from = max(start, self.window_start)
        chunk.rows["subscriptions"].append(
            (
                sid, cid, current.version.offer_id, start, end_date, bill_from, street, building,
                apartment, postal, town.name, town.municipality_code,
                "rural" if town.rural else "urban", requested, reason, note, sell_at,
            )
        )  # fmt: skip
        for p in plans:
            self._plan(chunk, sid, p)
        addon_rows = chunk.rows["addons"]
        for code in sold:
            info = self.catalog.addons[code]
            addon_rows.append((sid, info.id, start, end_date, info.monthly_price_minor))
        suspension_rows = chunk.rows["suspensions"]
        for begin, until, why, resumed in suspensions:
            suspension_rows.append((sid, begin, until, why))
            asked = None if resumed else _iso(until)  # resumed later: asked open-ended
            self._event(
                chunk,
                begin,
                "subscription.suspend",
                sid,
                {"from": begin.isoformat(), "to": asked, "reason": why, **_dated(begin)},
            )
            if resumed and until is not None:
                back = until + timedelta(days=1)
                self._event(
                    chunk,
                    back,
                    "subscription.resume",
                    sid,
                    {"suspended_from": begin.isoformat(), **_dated(back)},
                )
        if upgrade is not None:
            chunk.offer_changes += 1
            self._event(
                chunk,
                upgrade.valid_from,
                "subscription.change_offer",
                sid,
                {
                    "offer": [version.offer, upgrade.version.offer],
                    "version": upgrade.version.number,
                    "new_contract": new_contract,
                    "term_months": upgrade.term,
                    "schedule": self.schedules[(upgrade.version.offer, upgrade.term)],
                    **_dated(upgrade.valid_from),
                },
            )
        if later is not None:
            code, on = later
            info = self.catalog.addons[code]
            addon_rows.append((sid, info.id, on, end_date, info.monthly_price_minor))
            self._event(
                chunk,
                on,
                "subscription.attach_addon",
                sid,
                {
                    "addon": code,
                    "monthly_price": format_amount(info.monthly_price_minor),
                    **_dated(on),
                },
            )
        if last_day is not None and requested is not None:
            if np_start is not None:
                # Suspended until paid; the cancellation ends the suspension on the last day.
                suspension_rows.append((sid, np_start, last_day, names.non_payment_reason))
                self._event(
                    chunk,
                    np_start,
                    "subscription.suspend",
                    sid,
                    {
                        "from": np_start.isoformat(),
                        "to": None,
                        "reason": names.non_payment_reason,
                        **_dated(np_start),
                    },
                )
            chunk.cancellations += 1
            fee = early_termination_fee(
                rule=current.version.early_termination_rule,
                amount_minor=current.version.early_termination_amount_minor,
                contract_start=current.contract_start,
                term_months=current.term,
                last_day=last_day,
            )
            self._event(
                chunk,
                requested,
                "subscription.cancel",
                sid,
                {
                    "requested_on": requested.isoformat(),
                    "last_day": last_day.isoformat(),
                    "reason": reason,
                    "early_termination_fee": format_amount(fee),
                    "effective": last_day.isoformat(),
                    "backdated": last_day < requested,
                },
                note,
            )


_BORN_FROM = date(1950, 1, 1).toordinal()
_BORN_TO = date(2004, 12, 31).toordinal()


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def generate(
    catalog: CatalogSnapshot,
    *,
    country: str,
    customers: int,
    months: int,
    seed: int,
    today: date,
    first_ids: FirstIds | None = None,
    actor_label: str = "system:demo",
    chunk_size: int = 5000,
) -> Iterator[Chunk]:
    """Yield the history of `customers` customers over the `months` months before `today`.

    Pure and deterministic: the same arguments give the same rows. Customers are numbered
    in the order they were acquired, from `first_ids`.
    """
    generator = _Generator(
        catalog,
        country=country,
        months=months,
        seed=seed,
        today=today,
        first_ids=first_ids or FirstIds(),
        actor_label=actor_label,
    )
    chunk = Chunk()
    for day, second, business in generator.acquisitions(customers):
        generator.customer(chunk, date.fromordinal(day), second, business)
        if chunk.customers >= chunk_size:
            yield chunk
            chunk = Chunk()
    if chunk.customers:
        yield chunk


# Writing ---------------------------------------------------------------------------------


def catalog_snapshot() -> CatalogSnapshot:
    """Read the active version of every offer and every add-on."""
    versions = {}
    queryset = (
        OfferVersion.objects.filter(status=VersionStatus.ACTIVE)
        .select_related("offer")
        .prefetch_related("phases", "addons")
        .order_by("offer__code")
    )
    for v in queryset:
        terms: dict[int, list[tuple[int, int]]] = {}
        for phase in sorted(v.phases.all(), key=lambda p: (p.term_months, p.from_month)):
            terms.setdefault(phase.term_months, []).append(
                (phase.from_month, phase.monthly_price_minor)
            )
        versions[v.offer.code] = VersionInfo(
            id=v.pk,
            number=v.number,
            offer_id=v.offer_id,
            offer=v.offer.code,
            segment=v.offer.segment,
            terms={term: tuple(phases) for term, phases in terms.items()},
            addons=frozenset(a.code for a in v.addons.all()),
            prices_include_tax=v.prices_include_tax,
            tax_rate=v.tax_rate,
            early_termination_rule=v.early_termination_rule,
            early_termination_amount_minor=v.early_termination_amount_minor,
        )
    addons = {
        a.code: AddOnInfo(a.pk, a.monthly_price_minor, a.for_household, a.for_business)
        for a in AddOn.objects.filter(is_active=True)
    }
    return CatalogSnapshot(versions=versions, addons=addons)


@transaction.atomic
def demo_history_load(
    *,
    customers: int,
    months: int,
    seed: int,
    today: date,
    actor: Actor,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 5000,
) -> HistorySummary | None:
    """Generate the demo history and insert it; do nothing if there are customers already.

    Return what was written, or None when the database already had customers.
    """
    if Customer.objects.exists():
        return None
    started = time_counter()
    catalog = catalog_snapshot()
    first_ids = FirstIds(next_id(Customer), next_id(Subscription), next_id(Plan))
    tables = {name: BulkTable(MODELS[name], COLUMNS[name]) for name in COLUMNS}
    chunks = generate(
        catalog,
        country=installation_get().country,
        customers=customers,
        months=months,
        seed=seed,
        today=today,
        first_ids=first_ids,
        actor_label=actor.label,
        chunk_size=batch_size,
    )
    summary = HistorySummary()
    with connection.cursor() as cursor:
        for chunk in chunks:
            for name, table in tables.items():
                rows = chunk.rows[name]
                if rows:
                    table.insert(cursor, rows)
            summary.add(chunk)
            if progress is not None:
                progress(chunk.customers)
        reset_sequences(cursor, [Customer, Subscription, Plan])
    summary.seconds = time_counter() - started
    return summary

"""Every KPI of the hand-built ISP (see conftest.py), worked out by hand, for each slice."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rota.core.periods import Month
from rota.kpis.definitions import CODES
from rota.kpis.filters import Filters
from rota.kpis.selectors import figures_compute
from rota.kpis.tests.conftest import WARSZAWA, Isp

AUG, SEP, OCT = Month(2026, 8), Month(2026, 9), Month(2026, 10)

# In the order of CODES: active, opening, gross adds, churned, voluntary, involuntary,
# net adds, churn rate, MRR, ARPU, revenue invoiced, collection rate, overdue, tickets
# opened, per 100, handling hours, first response hours, SLA compliance, link failure
# rate, availability, MTTR hours.
EXPECTED: dict[str, dict[Month, tuple[object, ...]]] = {
    "all": {
        # Opening 8 (S1 S2 S3 S6 S7 S8 S9 S12); S4 comes and goes; S12 leaves on 31 Aug.
        # MRR 65.04 + 97.56 + 48.78 + 48.78 + 56.91 + 120.00 (105 + 15 static IP) + 100.00.
        # Collection: I1 80.00 paid in time, I2 147.60 paid 5 Sep: 80 / 227.60.
        # Incident A: 60 min x 4 lines / (44,640 min x 7); failure rate 4 / 7.
        AUG: (7, 8, 1, 2, 2, 0, -1, "25.0000", "537.07", "76.72", "185.04", "35.1494",
              "147.60", 1, "14.2857", "24.0000", "2.0000", "100.0000", "57.1429", "99.9232",
              "0.0000"),
        # S2 suspended on 30 Sep (out of MRR, still active); S5 with telephony 99.99 gross
        # (81.29 net); S3's last day is 30 Sep. I4 is cancelled by its credit note.
        # Tickets T2 (1 Sep local), T3, T4. A and B resolved: (2 h + 5 min) / 2.
        SEP: (7, 7, 1, 1, 1, 0, 0, "14.2857", "472.02", "67.43", "241.95", "20.0000",
              "120.00", 3, "42.8571", "14.0000", "2.0000", "0.0000", "0.0000", "99.9190",
              "1.0417"),
        # S6 now on speedster; S8 in contract month 3 (94.99 + 15); S9 suspended on 31 Oct;
        # S10 105.00; S11 from 31 Oct. Revenue 65.04 + 105.00 - 120.00 (credit note).
        # P5 bounced: I6 unpaid. C: 360 min x 3, D: 60 min x 1, over 44,700 min x 8.
        OCT: (8, 7, 2, 1, 0, 1, 1, "14.2857", "580.83", "72.60", "50.04", "0.0000",
              "120.00", 1, "12.5000", "144.0000", "0.5000", "50.0000", "50.0000", "99.6812",
              "6.0000"),
    },
    "household": {
        AUG: (5, 6, 1, 2, 2, 0, -1, "33.3333", "317.07", "63.41", "65.04", "100.0000",
              "0.00", 1, "20.0000", "24.0000", "2.0000", "100.0000", "60.0000", "99.9194",
              "0.0000"),
        SEP: (5, 5, 1, 1, 1, 0, 0, "20.0000", "252.02", "50.40", "121.95", "20.0000",
              "120.00", 1, "20.0000", "0.0000", "0.0000", "0.0000", "0.0000", "99.9144",
              "1.0417"),
        OCT: (5, 5, 1, 1, 0, 1, 0, "20.0000", "365.84", "73.17", "65.04", "0.0000",
              "120.00", 1, "20.0000", "24.0000", "0.5000", "100.0000", "20.0000", "99.9732",
              "0.0000"),
    },
    "business": {
        AUG: (2, 2, 0, 0, 0, 0, 0, "0.0000", "220.00", "110.00", "120.00", "0.0000",
              "147.60", 0, "0.0000", "0.0000", "0.0000", "0.0000", "50.0000", "99.9328",
              "0.0000"),
        # T4 has no subscription: it counts by its customer's segment.
        SEP: (2, 2, 0, 0, 0, 0, 0, "0.0000", "220.00", "110.00", "120.00", "0.0000",
              "0.00", 2, "100.0000", "14.0000", "2.0000", "0.0000", "0.0000", "99.9306",
              "2.0000"),
        OCT: (3, 2, 1, 0, 0, 0, 1, "0.0000", "214.99", "71.66", "-15.00", "0.0000",
              "0.00", 0, "0.0000", "264.0000", "0.0000", "0.0000", "100.0000", "99.1946",
              "6.0000"),
    },
    "speedster": {
        # S6 moves to speedster on 1 Oct: in October's opening, not a gross add.
        AUG: (1, 2, 0, 1, 1, 0, -1, "50.0000", "65.04", "65.04", "65.04", "100.0000",
              "0.00", 1, "100.0000", "24.0000", "2.0000", "100.0000", "100.0000", "99.8656",
              "0.0000"),
        SEP: (2, 1, 1, 0, 0, 0, 1, "0.0000", "146.33", "73.17", "65.04", "0.0000",
              "80.00", 0, "0.0000", "0.0000", "0.0000", "0.0000", "0.0000", "99.9306",
              "2.0000"),
        OCT: (3, 3, 0, 0, 0, 0, 0, "0.0000", "211.37", "70.46", "65.04", "0.0000",
              "80.00", 1, "33.3333", "24.0000", "0.5000", "100.0000", "0.0000", "100.0000",
              "0.0000"),
    },
    "5g": {
        AUG: (1, 1, 0, 0, 0, 0, 0, "0.0000", "97.56", "97.56", "0.00", "0.0000",
              "0.00", 0, "0.0000", "0.0000", "0.0000", "0.0000", "0.0000", "100.0000",
              "0.0000"),
        SEP: (1, 1, 0, 0, 0, 0, 0, "0.0000", "0.00", "0.00", "0.00", "0.0000",
              "0.00", 1, "100.0000", "0.0000", "0.0000", "0.0000", "0.0000", "99.9884",
              "0.0833"),
        OCT: (1, 1, 0, 0, 0, 0, 0, "0.0000", "97.56", "97.56", "0.00", "0.0000",
              "0.00", 0, "0.0000", "0.0000", "0.0000", "0.0000", "0.0000", "100.0000",
              "0.0000"),
    },
    "warszawa": {
        AUG: (3, 4, 1, 2, 2, 0, -1, "50.0000", "246.34", "82.11", "0.00", "0.0000",
              "0.00", 0, "0.0000", "0.0000", "0.0000", "0.0000", "0.0000", "100.0000",
              "0.0000"),
        SEP: (2, 3, 0, 1, 1, 0, -1, "33.3333", "100.00", "50.00", "0.00", "0.0000",
              "0.00", 1, "50.0000", "0.0000", "0.0000", "0.0000", "0.0000", "99.9942",
              "0.0833"),
        OCT: (3, 2, 1, 0, 0, 0, 1, "0.0000", "202.56", "67.52", "105.00", "0.0000",
              "0.00", 0, "0.0000", "0.0000", "0.0000", "0.0000", "66.6667", "99.4631",
              "6.0000"),
    },
}  # fmt: skip

SLICES = {
    "all": Filters(),
    "household": Filters(segment="household"),
    "business": Filters(segment="business"),
    "speedster": Filters(offer="speedster"),
    "5g": Filters(technology="5g"),
    "warszawa": Filters(municipality=WARSZAWA),
}


def expected(name: str, month: Month) -> dict[str, Decimal | int]:
    row = EXPECTED[name][month]
    return {
        code: value if isinstance(value, int) else Decimal(str(value))
        for code, value in zip(CODES, row, strict=True)
    }


@pytest.mark.parametrize("name", list(SLICES))
def test_every_kpi_of_every_month(isp: Isp, name: str) -> None:
    figures = figures_compute(AUG, OCT, SLICES[name])
    for month in (AUG, SEP, OCT):
        got = figures[month].values
        want = expected(name, month)
        assert {c: (got[c], str(got[c])) for c in CODES} == {
            c: (want[c], str(want[c])) for c in CODES
        }, month


def test_one_month_alone_equals_the_same_month_in_a_range(isp: Isp) -> None:
    for name, filters in SLICES.items():
        for month in (AUG, SEP, OCT):
            alone = figures_compute(month, month, filters)[month].values
            assert alone == expected(name, month), (name, month)


def test_churn_by_reason(isp: Isp) -> None:
    figures = figures_compute(AUG, OCT, Filters())
    assert figures[AUG].churn_reasons == {"moving": 1, "competitor": 1}
    assert figures[SEP].churn_reasons == {"price": 1}
    assert figures[OCT].churn_reasons == {"non_payment": 1}


def test_an_empty_month_is_all_zeros(isp: Isp) -> None:
    month = Month(2020, 1)
    values = figures_compute(month, month, Filters())[month].values
    assert values == {
        code: 0
        if isinstance(values[code], int)
        else Decimal(values[code]).quantize(
            Decimal("0.01")
            if code in {"mrr", "arpu", "revenue_invoiced", "overdue_amount"}
            else Decimal("0.0001")
        )
        for code in CODES
    }
    assert all(not value for value in values.values())


def test_an_empty_database(db: None) -> None:
    values = figures_compute(OCT, OCT, Filters())[OCT].values
    assert set(values) == set(CODES)
    assert all(not value for value in values.values())

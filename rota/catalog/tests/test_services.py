"""Catalog services: lifecycle, versions, refusals that change nothing."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from rota.audit.actors import Actor
from rota.audit.models import AuditEvent
from rota.billing.pricing import Phase
from rota.catalog import services
from rota.catalog.models import AddOn, Offer, OfferVersion, PricePhase, VersionStatus
from rota.catalog.services import Term, VersionData
from rota.core.errors import Conflict, InvalidInput

pytestmark = pytest.mark.django_db

FIBER = VersionData(
    name="Fiber 500",
    technology="ftth",
    download_mbps=500,
    upload_mbps=100,
    tagline="Fast and calm",
    tax_rate=Decimal("0.23"),
    terms=(Term(24, (Phase(0, 7999), Phase(6, 8999))), Term(0, (Phase(0, 9900),))),
)


def counts() -> tuple[int, int, int, int]:
    return (
        Offer.objects.count(),
        OfferVersion.objects.count(),
        PricePhase.objects.count(),
        AuditEvent.objects.count(),
    )


def phases(version: OfferVersion) -> list[tuple[int, int, int]]:
    return list(
        version.phases.order_by("term_months", "from_month").values_list(
            "term_months", "from_month", "monthly_price_minor"
        )
    )


def errors_of(exc: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str]]:
    return [(e.field, e.message) for e in exc.value.errors]


def test_create_makes_a_draft_with_its_schedule_and_audit_event(actor: Actor) -> None:
    version = services.offer_create(code="fiber-500", segment="household", data=FIBER, actor=actor)

    assert (version.number, version.status, version.offer.code) == (1, "draft", "fiber-500")
    assert phases(version) == [(0, 0, 9900), (24, 0, 7999), (24, 6, 8999)]
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_label, event.object_id) == (
        "offer.create",
        "system:test",
        str(version.pk),
    )
    assert event.changes["terms"] == [
        {"months": 0, "phases": [[0, "99.00"]]},
        {"months": 24, "phases": [[0, "79.99"], [6, "89.99"]]},
    ]


def test_publish_then_price_change_creates_version_two_and_keeps_version_one(
    actor: Actor,
) -> None:
    draft = services.offer_create(code="fiber-500", segment="household", data=FIBER, actor=actor)
    v1 = services.offer_publish(version=draft, actor=actor)
    assert v1.status == VersionStatus.ACTIVE and v1.published_at is not None

    new_terms = (Term(24, (Phase(0, 7499), Phase(6, 8499))),)
    v2 = services.offer_update(offer=v1.offer, changes={"terms": new_terms}, actor=actor)

    v1.refresh_from_db()
    assert (v1.status, v2.status, v2.number) == ("superseded", "active", 2)
    assert phases(v1) == [(0, 0, 9900), (24, 0, 7999), (24, 6, 8999)]
    assert phases(v2) == [(24, 0, 7499), (24, 6, 8499)]
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "offer.create",
        "offer.publish",
        "offer.new_version",
        "offer.update",
        "offer.publish",
    ]


def test_update_without_changes_keeps_the_active_version(actor: Actor) -> None:
    v1 = services.offer_publish(
        version=services.offer_create(code="f", segment="household", data=FIBER, actor=actor),
        actor=actor,
    )
    before = counts()
    assert services.offer_update(offer=v1.offer, changes={"name": "Fiber 500"}, actor=actor) == v1
    assert counts() == before


def test_draft_edit_in_place(actor: Actor) -> None:
    draft = services.offer_create(code="f", segment="household", data=FIBER, actor=actor)
    edited = services.offer_draft_update(
        version=draft, data=replace(FIBER, name="Fiber 600", download_mbps=600), actor=actor
    )
    assert (edited.pk, edited.number, edited.name, edited.download_mbps) == (
        draft.pk,
        1,
        "Fiber 600",
        600,
    )
    event = AuditEvent.objects.filter(action="offer.update").get()
    assert event.changes == {"name": ["Fiber 500", "Fiber 600"], "download_mbps": [500, 600]}


def test_publishing_an_incomplete_offer_is_refused_and_changes_nothing(actor: Actor) -> None:
    draft = services.offer_create(
        code="f", segment="household", data=replace(FIBER, terms=()), actor=actor
    )
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.offer_publish(version=draft, actor=actor)
    assert errors_of(exc) == [("contract_terms", "add at least one contract term with its prices")]
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert counts() == before


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        (
            (Term(12, (Phase(1, 5000),)),),
            [("contract_terms[0].phases", "the first phase must start at month 0")],
        ),
        (
            (Term(12, (Phase(0, 5000), Phase(6, 4000), Phase(3, 4500))),),
            [
                (
                    "contract_terms[0].phases",
                    "phases must be in increasing order of from_month without duplicates",
                )
            ],
        ),
        (
            (Term(12, (Phase(0, -100),)),),
            [("contract_terms[0].phases", "monthly price must not be negative")],
        ),
        ((Term(12, ()),), [("contract_terms[0].phases", "needs at least one price phase")]),
        (
            (Term(12, (Phase(0, 100),)), Term(12, (Phase(0, 200),))),
            [("contract_terms[1].months", "the 12-month term is given twice")],
        ),
    ],
)
def test_bad_schedules_are_refused_naming_the_field(
    actor: Actor, terms: tuple[Term, ...], expected: list[tuple[str, str]]
) -> None:
    with pytest.raises(InvalidInput) as exc:
        services.offer_create(
            code="f", segment="household", data=replace(FIBER, terms=terms), actor=actor
        )
    assert errors_of(exc) == expected
    assert counts() == (0, 0, 0, 0)


def test_unknown_and_wrong_segment_addons_are_refused(actor: Actor, demo_catalog: None) -> None:
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.offer_create(
            code="f",
            segment="household",
            data=replace(FIBER, addons=("vpn", "teleport")),
            actor=actor,
        )
    assert errors_of(exc) == [
        ("addons", "unknown add-on code(s): teleport"),
        ("addons", "add-on vpn is not sold to household offers"),
    ]
    assert counts() == before


def test_duplicate_code_is_refused(actor: Actor) -> None:
    services.offer_create(code="f", segment="household", data=FIBER, actor=actor)
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.offer_create(code="f", segment="business", data=FIBER, actor=actor)
    assert errors_of(exc) == [("code", "an offer with code 'f' already exists")]
    assert counts() == before


def test_field_rules(actor: Actor) -> None:
    bad = replace(
        FIBER,
        name=" ",
        symmetric=True,
        data_cap_gb=0,
        features=("warp",),
        tax_rate=Decimal("1.5"),
        early_termination_rule="fixed",
    )
    with pytest.raises(InvalidInput) as exc:
        services.offer_create(code="bad code!", segment="shop", data=bad, actor=actor)
    assert errors_of(exc) == [
        ("code", "must be 1-40 letters, digits, '-' or '_' (e.g. 4business-pro)"),
        ("segment", "must be one of household, business"),
    ]
    with pytest.raises(InvalidInput) as exc:
        services.offer_create(code="ok", segment="household", data=bad, actor=actor)
    assert errors_of(exc) == [
        ("name", "must not be empty"),
        ("upload_mbps", "must equal download_mbps for a symmetric offer"),
        ("data_cap_gb", "must be 1 to 1000000 GB, or empty for unlimited"),
        ("features", "unknown feature(s): warp"),
        ("tax_rate", "must be at least 0 and below 1 (0.23 means 23%)"),
        ("early_termination_amount", "must be positive for this early-termination rule"),
    ]
    assert counts() == (0, 0, 0, 0)


def test_retire_and_then_edits_are_refused(actor: Actor) -> None:
    v1 = services.offer_publish(
        version=services.offer_create(code="f", segment="household", data=FIBER, actor=actor),
        actor=actor,
    )
    retired = services.offer_retire(offer=v1.offer, actor=actor)
    assert (retired.pk, retired.status) == (v1.pk, "retired")
    assert retired.ended_at is not None
    before = counts()
    with pytest.raises(Conflict) as exc:
        services.offer_update(offer=v1.offer, changes={"name": "New"}, actor=actor)
    assert exc.value.detail == "Offer f is retired and cannot be changed."
    with pytest.raises(Conflict):
        services.offer_retire(offer=v1.offer, actor=actor)
    with pytest.raises(Conflict):
        services.offer_new_draft(offer=v1.offer, actor=actor)
    assert counts() == before
    assert OfferVersion.objects.get(pk=v1.pk).name == "Fiber 500"


def test_published_version_cannot_be_edited_in_place(actor: Actor) -> None:
    v1 = services.offer_publish(
        version=services.offer_create(code="f", segment="household", data=FIBER, actor=actor),
        actor=actor,
    )
    before = counts()
    with pytest.raises(Conflict):
        services.offer_draft_update(version=v1, data=replace(FIBER, name="X"), actor=actor)
    with pytest.raises(Conflict):
        services.offer_publish(version=v1, actor=actor)
    assert counts() == before


def test_new_draft_copies_the_active_version_and_only_one_draft_at_a_time(actor: Actor) -> None:
    v1 = services.offer_publish(
        version=services.offer_create(code="f", segment="household", data=FIBER, actor=actor),
        actor=actor,
    )
    draft = services.offer_new_draft(offer=v1.offer, actor=actor)
    assert (draft.number, draft.status) == (2, "draft")
    assert VersionData.of(draft) == VersionData.of(v1)
    with pytest.raises(Conflict):
        services.offer_new_draft(offer=v1.offer, actor=actor)
    with pytest.raises(Conflict) as exc:
        services.offer_retire(offer=v1.offer, actor=actor)
    assert "unpublished draft (version 2)" in exc.value.detail
    services.offer_draft_delete(version=draft, actor=actor)
    assert list(v1.offer.versions.values_list("number", "status")) == [(1, "active")]


def test_deleting_the_only_draft_removes_the_offer(actor: Actor) -> None:
    draft = services.offer_create(code="f", segment="household", data=FIBER, actor=actor)
    services.offer_draft_delete(version=draft, actor=actor)
    assert (Offer.objects.count(), OfferVersion.objects.count(), PricePhase.objects.count()) == (
        0,
        0,
        0,
    )
    assert AuditEvent.objects.filter(action="offer.delete_draft").count() == 1


def test_addon_create_update_and_refusals(actor: Actor) -> None:
    addon = services.addon_create(
        code="static-ip",
        values={
            "name": "Static IP",
            "monthly_price_minor": 1500,
            "for_household": True,
            "for_business": True,
        },
        actor=actor,
    )
    services.addon_update(
        addon=addon, changes={"monthly_price_minor": 1900, "for_household": False}, actor=actor
    )
    addon.refresh_from_db()
    assert (addon.monthly_price_minor, addon.segments) == (1900, ["business"])
    event = AuditEvent.objects.filter(action="addon.update").get()
    assert event.changes == {"monthly_price": ["15.00", "19.00"], "for_household": [True, False]}

    with pytest.raises(InvalidInput) as exc:
        services.addon_update(
            addon=addon,
            changes={"monthly_price_minor": -1, "for_business": False},
            actor=actor,
        )
    assert errors_of(exc) == [
        ("monthly_price", "must not be negative"),
        ("segments", "choose at least one segment"),
    ]
    with pytest.raises(InvalidInput) as exc:
        services.addon_create(code="static-ip", values={"name": "Again"}, actor=actor)
    assert errors_of(exc)[0] == ("code", "an add-on with code 'static-ip' already exists")
    addon.refresh_from_db()
    assert (addon.monthly_price_minor, AddOn.objects.count()) == (1900, 1)

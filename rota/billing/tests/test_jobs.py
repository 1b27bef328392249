"""Billing runs started from the back office are queued, run by the worker, and followed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from rota.audit.actors import Actor
from rota.audit.models import AuditEvent
from rota.billing.jobs import bill_month, billing_job_start, job_progress
from rota.billing.models import BillingJob, BillingRun, Invoice
from rota.core.errors import Conflict, InvalidInput
from rota.customers.models import Customer

pytestmark = pytest.mark.django_db

TODAY = date(2026, 4, 20)


def test_a_queued_job_runs_the_month_and_reports_progress(
    billed: Customer, actor: Actor, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    job = billing_job_start(
        period="2026-04", issue_date=date(2026, 4, 28), actor=actor, today=TODAY
    )
    assert (job.status, job.period, job.issue_date) == ("queued", "2026-04", date(2026, 4, 28))
    assert job_progress(job) == (0, 0)
    assert AuditEvent.objects.filter(action="billing.queued").count() == 1
    with pytest.raises(Conflict):
        billing_job_start(period="2026-04", issue_date=None, actor=actor, today=TODAY)

    seen: list[tuple[int, int]] = []
    original = cache.set

    def spy(key: str, value: Any, timeout: Any = None) -> None:
        seen.append(value)
        original(key, value, timeout)

    monkeypatch.setattr(cache, "set", spy)
    bill_month.call(job.pk)
    monkeypatch.undo()

    job.refresh_from_db()
    assert (job.status, job.invoices, job.gross_minor) == ("finished", 1, 12258)
    assert (job.first_number, job.last_number) == ("FV/2026/000004", "FV/2026/000004")
    assert seen == [(1, 1)]
    assert job_progress(job) == (1, 1)
    assert BillingRun.objects.filter(period="2026-04").count() == 1
    bill_month.call(job.pk)  # a second delivery of the same task does nothing
    assert Invoice.objects.filter(period="2026-04").count() == 1


def test_bad_months_are_refused_before_anything_is_queued(actor: Actor) -> None:
    with pytest.raises(InvalidInput) as exc:
        billing_job_start(period="2026-13", issue_date=None, actor=actor, today=TODAY)
    assert [e.field for e in exc.value.errors] == ["period"]
    with pytest.raises(InvalidInput) as exc:
        billing_job_start(period="2026-06", issue_date=None, actor=actor, today=TODAY)
    assert exc.value.errors[0].message == "must not be later than next month"
    assert BillingJob.objects.count() == 0


def test_a_failing_run_marks_the_job_failed(
    billed: Customer, actor: Actor, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    job = billing_job_start(period="2026-04", issue_date=None, actor=actor, today=TODAY)
    monkeypatch.setattr(
        "rota.billing.jobs.billing_run",
        lambda **kwargs: (_ for _ in ()).throw(Conflict(detail="The invoice sequence is locked.")),
    )
    bill_month.call(job.pk)
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "The invoice sequence is locked.")
    assert Invoice.objects.filter(period="2026-04").count() == 0


def test_back_office_run_goes_through_a_job(
    billed: Customer,
    finance_user: User,
    login: Callable[[User], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    finance = login(finance_user)
    with django_capture_on_commit_callbacks(execute=True):
        started = finance.post(
            "/admin/billing/billingrun/run/",
            {"period": "2026-04", "issue_date": "2026-04-28"},
        )
    job = BillingJob.objects.get()
    assert started.status_code == 302
    assert started["Location"] == f"/admin/billing/billingrun/jobs/{job.pk}/"
    assert job.status == "finished"
    page = finance.get(started["Location"]).content.decode()
    assert 'data-status="finished"' in page
    assert "FV/2026/000004" in page
    partial = finance.get(started["Location"], headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="job-status"')
    nobody = User.objects.create_user(username="intern", password="intern-pass-123", is_staff=True)
    assert login(nobody).get(started["Location"]).status_code == 403


def test_a_job_stalled_for_hours_gives_way_to_a_new_one(
    billed: Customer, actor: Actor, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with time_machine.travel(datetime(2026, 4, 20, 8, tzinfo=UTC), tick=False):
        stalled = billing_job_start(period="2026-04", issue_date=None, actor=actor, today=TODAY)
        BillingJob.objects.filter(pk=stalled.pk).update(status="running")
    with (
        time_machine.travel(datetime(2026, 4, 20, 9, 59, tzinfo=UTC), tick=False),
        pytest.raises(Conflict),
    ):
        billing_job_start(period="2026-04", issue_date=None, actor=actor, today=TODAY)
    with time_machine.travel(datetime(2026, 4, 20, 10, 1, tzinfo=UTC), tick=False):
        fresh = billing_job_start(period="2026-04", issue_date=None, actor=actor, today=TODAY)
    stalled.refresh_from_db()
    assert (stalled.status, stalled.error) == (
        "failed",
        "The worker stopped before the run finished; nothing was written.",
    )
    assert fresh.status == "queued"

"""Billing runs started from the back office: queued, run by the worker, with progress.

The run itself is `services.billing_run`, one transaction; its progress cannot be read from
the database until it commits, so the worker publishes it in the cache (shared by the web
process and the worker), and the job row says queued / running / finished / failed.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from rota.audit.actors import Actor
from rota.audit.services import audit_record
from rota.billing.models import BillingJob
from rota.billing.services import billing_run, billing_run_check
from rota.core.errors import Conflict, DomainError
from rota.installation.selectors import installation_today

logger = logging.getLogger(__name__)
ACTIVE = (BillingJob.Status.QUEUED, BillingJob.Status.RUNNING)
STALLED_AFTER = timedelta(hours=2)


def _progress_key(job_id: int) -> str:
    return f"rota:billing-job:{job_id}:progress"


def job_progress(job: BillingJob) -> tuple[int, int]:
    """Return (chunks done, chunks in all) of a running job; (0, 0) before it starts."""
    if job.status == BillingJob.Status.FINISHED:
        return (1, 1)
    value = cache.get(_progress_key(job.pk))
    return (int(value[0]), int(value[1])) if value else (0, 0)


@transaction.atomic
def billing_job_start(
    *, period: str, issue_date: date | None, actor: Actor, today: date | None = None
) -> BillingJob:
    """Check the month and queue its billing run for the worker; one job per month at a time."""
    today = today or installation_today()
    month, issue = billing_run_check(period=period, issue_date=issue_date, today=today)
    now = timezone.now()
    active = BillingJob.objects.select_for_update().filter(period=str(month), status__in=ACTIVE)
    # A job that has not finished in hours lost its worker (killed mid-run: nothing of the
    # run was written, it is one transaction); close it so the month can be run again.
    active.filter(created_at__lt=now - STALLED_AFTER).update(
        status=BillingJob.Status.FAILED,
        finished_at=now,
        error="The worker stopped before the run finished; nothing was written.",
    )
    if active.exists():
        raise Conflict(detail=f"Billing {month} is already queued or running.")
    job = BillingJob.objects.create(
        period=str(month),
        issue_date=issue,
        actor_label=actor.label,
        actor_user_id=actor.user_id,
        created_at=now,
    )
    audit_record(
        actor=actor,
        action="billing.queued",
        obj=job,
        changes={"period": str(month), "issue_date": issue.isoformat()},
    )
    transaction.on_commit(lambda: bill_month.enqueue(job.pk))
    return job


@task()
def bill_month(job_id: int) -> None:
    """Carry out a queued billing job (run by the worker)."""
    claimed = BillingJob.objects.filter(pk=job_id, status=BillingJob.Status.QUEUED).update(
        status=BillingJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    job = BillingJob.objects.get(pk=job_id)
    actor = Actor(label=job.actor_label, user_id=job.actor_user_id)
    key = _progress_key(job_id)

    def publish(done: int, total: int) -> None:
        cache.set(key, (done, total), timeout=24 * 3600)

    try:
        summary = billing_run(
            period=job.period, issue_date=job.issue_date, actor=actor, progress=publish
        )
    except DomainError as exc:
        _finish(job_id, BillingJob.Status.FAILED, error=exc.detail)
        return
    except Exception:
        logger.exception("Billing job %s failed", job_id)
        _finish(job_id, BillingJob.Status.FAILED, error="Unexpected error; see the server log.")
        raise
    _finish(
        job_id,
        BillingJob.Status.FINISHED,
        invoices=summary.invoices,
        gross_minor=summary.gross_minor,
        first_number=summary.first_number or "",
        last_number=summary.last_number or "",
    )


def _finish(job_id: int, status: str, **values: object) -> None:
    BillingJob.objects.filter(pk=job_id).update(status=status, finished_at=timezone.now(), **values)
    cache.delete(_progress_key(job_id))

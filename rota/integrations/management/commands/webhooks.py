"""`rota webhooks deliver|replay|prune`: send the webhook outbox, retry failed, clean up."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from rota.audit.actors import Actor
from rota.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from rota.integrations.webhooks import deliver_due, delivery_replay


class Command(BaseCommand):
    help = "Deliver webhook events that are due, replay failed deliveries, prune the log."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        deliver = actions.add_parser("deliver", help="send every delivery that is due")
        deliver.add_argument(
            "--loop", action="store_true", help="keep running, checking every --interval seconds"
        )
        deliver.add_argument("--interval", type=float, default=10.0)
        deliver.add_argument("--timeout", type=float, default=None, help="seconds per request")
        replay = actions.add_parser("replay", help="send failed deliveries again")
        replay.add_argument("--endpoint", type=int, default=None, help="only this endpoint's")
        prune = actions.add_parser("prune", help="delete finished deliveries and their events")
        prune.add_argument("--days", type=int, default=90, help="older than this (default 90)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "deliver":
            self._deliver(options)
        elif action == "replay":
            self._replay(options["endpoint"])
        else:
            self._prune(options["days"])

    def _deliver(self, options: dict[str, Any]) -> None:
        while True:
            summary = deliver_due(timeout=options["timeout"])
            if summary.attempted or not options["loop"]:
                nxt = summary.next_due.isoformat() if summary.next_due else "nothing waiting"
                self.stdout.write(
                    f"{summary.attempted} attempted: {summary.delivered} delivered, "
                    f"{summary.retrying} to retry, {summary.failed} failed; next due: {nxt}"
                )
            if not options["loop"]:
                return
            time.sleep(max(options["interval"], 0.5))

    def _replay(self, endpoint_id: int | None) -> None:
        failed = WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).order_by("id")
        if endpoint_id is not None:
            failed = failed.filter(endpoint_id=endpoint_id)
        actor = Actor.system("webhooks replay")
        count = 0
        for delivery in failed:
            delivery_replay(delivery=delivery, actor=actor)
            count += 1
        self.stdout.write(f"{count} failed deliveries queued again; `rota webhooks deliver`.")

    def _prune(self, days: int) -> None:
        if days < 1:
            raise CommandError("--days must be at least 1")
        cutoff = timezone.now() - timedelta(days=days)
        old = WebhookDelivery.objects.filter(created_at__lt=cutoff).exclude(
            status=DeliveryStatus.PENDING
        )
        deleted, _ = old.delete()
        orphans = WebhookEvent.objects.filter(occurred_at__lt=cutoff, deliveries__isnull=True)
        events, _ = orphans.delete()
        self.stdout.write(f"Deleted {deleted} log rows and {events} events older than {days} days.")

"""Webhooks: endpoints, the outbox and the worker that delivers it.

Recording (inside the transaction of the change): `event_record` writes one event and one
delivery per active endpoint subscribed to its type; `invoice_events_record` does the same
set-based for a billing run's invoices. Nothing is written, and no payload is built, when no
endpoint wants the type: the subscriptions are read once per transaction.

Delivering (outside any request): `deliver_due` sends what is due, signed (see `sign`),
in order per object and endpoint, retrying failures with exponential backoff until
`max_attempts`, then marking the delivery failed. Run it with `rota webhooks deliver` or the
`deliver_webhooks` task, which every transaction that recorded events queues on commit.

The scheme (docs/integration.md, "Webhooks"):
    Rota-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>
with a second v1 while a rotated-out secret is still honoured.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import Exists, Min, OuterRef, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django_tasks import task

from rota.audit.actors import Actor
from rota.audit.services import audit_record, diff
from rota.core.errors import Conflict, FieldError, InvalidInput
from rota.integrations import payloads
from rota.integrations.models import (
    DeliveryStatus,
    EventType,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Rota-Signature"
SECRET_PREFIX = "whsec_"
USER_AGENT = "Rota-Webhooks/1"
BODY_KEPT = 2000  # characters of a receiver's answer kept in the log
BODY_READ = 64 * 1024  # bytes of a receiver's answer read at most
LEASE = timedelta(minutes=5)  # a claimed delivery is left alone this long by other workers
PREVIOUS_SECRET_GRACE = timedelta(hours=24)
MAX_URL = 500


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def timeout_seconds() -> float:
    """How long a receiver has to answer (connect, then each read)."""
    return float(_setting("WEBHOOK_TIMEOUT_SECONDS", 5.0))


def max_attempts() -> int:
    """Attempts before a delivery is marked failed."""
    return int(_setting("WEBHOOK_MAX_ATTEMPTS", 12))


def backoff(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failed attempt: 1, 2, 4, 8... minutes, at most 6 hours."""
    base = float(_setting("WEBHOOK_BACKOFF_BASE_SECONDS", 60))
    cap = float(_setting("WEBHOOK_BACKOFF_MAX_SECONDS", 6 * 3600))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


# Signing ----------------------------------------------------------------------------------


def secret_new() -> str:
    """Return a new signing secret."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Return the hex HMAC-SHA256 of `f"{timestamp}.{body}"` under the secret."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(endpoint: WebhookEndpoint, timestamp: int, body: bytes, now: datetime) -> str:
    """Return the Rota-Signature value; during a rotation it carries both secrets' v1."""
    parts = [f"t={timestamp}", f"v1={sign(endpoint.secret, timestamp, body)}"]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_until
        and now < endpoint.previous_secret_until
    ):
        parts.append(f"v1={sign(endpoint.previous_secret, timestamp, body)}")
    return ",".join(parts)


def signature_verify(
    *, secret: str, header: str, body: bytes, now: float | None = None, tolerance: int = 300
) -> bool:
    """Check a Rota-Signature header as a receiver does (used by the tests and the docs)."""
    items = [item.split("=", 1) for item in header.split(",") if "=" in item]
    timestamps = [value for key, value in items if key.strip() == "t"]
    if len(timestamps) != 1 or not timestamps[0].isdigit():
        return False
    timestamp = int(timestamps[0])
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, value) for key, value in items if key.strip() == "v1")


# Endpoints --------------------------------------------------------------------------------

# Bumped by every change to an endpoint, so a transaction that changes endpoints reads the
# subscriptions again (see _subscriptions).
_generation = [0]


def _endpoints_changed() -> None:
    _generation[0] += 1


def url_errors(url: str) -> list[FieldError]:
    """Return what is wrong with a receiver's URL: it must be an absolute http(s) URL."""
    url = url.strip()
    if not url:
        return [FieldError("url", "is required")]
    if len(url) > MAX_URL:
        return [FieldError("url", f"must be at most {MAX_URL} characters")]
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return [FieldError("url", "is not a valid URL")]
    if parts.scheme.lower() not in ("http", "https"):
        shown = f"{parts.scheme}://" if parts.scheme else "no scheme"
        return [FieldError("url", f"must start with http:// or https:// (got {shown})")]
    if not parts.hostname:
        return [FieldError("url", "must name a host, e.g. https://crm.example.net/hooks/rota")]
    if parts.username or parts.password:
        return [FieldError("url", "must not contain a user name or password")]
    if port == 0:
        return [FieldError("url", "has an invalid port")]
    if any(ch.isspace() for ch in url):
        return [FieldError("url", "must not contain spaces")]
    return []


def event_type_errors(event_types: Iterable[str]) -> list[FieldError]:
    """Return what is wrong with the list of event types an endpoint subscribes to."""
    chosen = list(event_types)
    unknown = sorted({t for t in chosen if t not in EventType.values})
    if unknown:
        return [FieldError("event_types", f"unknown event type(s): {', '.join(unknown)}")]
    if not chosen:
        return [FieldError("event_types", "choose at least one event type")]
    return []


def _refuse(detail: str, errors: list[FieldError]) -> None:
    if errors:
        raise InvalidInput(detail=detail, errors=errors)


def _ordered(event_types: Iterable[str]) -> list[str]:
    chosen = set(event_types)
    return [t for t in EventType.values if t in chosen]


@transaction.atomic
def endpoint_create(
    *,
    url: str,
    event_types: Iterable[str],
    actor: Actor,
    description: str = "",
    is_active: bool = True,
    created_by_id: int | None = None,
) -> tuple[WebhookEndpoint, str]:
    """Register a receiver; return it and its signing secret (shown to the user once)."""
    types = list(event_types)
    _refuse("The webhook endpoint cannot be saved.", url_errors(url) + event_type_errors(types))
    now = timezone.now()
    secret = secret_new()
    endpoint = WebhookEndpoint.objects.create(
        url=url.strip(),
        description=description.strip(),
        event_types=_ordered(types),
        is_active=is_active,
        secret=secret,
        created_at=now,
        updated_at=now,
        created_by_id=created_by_id,
    )
    audit_record(
        actor=actor,
        action="webhook.create",
        obj=endpoint,
        changes={
            "url": endpoint.url,
            "event_types": endpoint.event_types,
            "is_active": is_active,
            "description": endpoint.description,
        },
    )
    _endpoints_changed()
    return endpoint, secret


@transaction.atomic
def endpoint_update(
    *, endpoint: WebhookEndpoint, changes: dict[str, Any], actor: Actor
) -> WebhookEndpoint:
    """Change an endpoint's URL, event types, description or whether it is active."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    fields = ("url", "event_types", "description", "is_active")
    before = {name: getattr(endpoint, name) for name in fields}
    after = {**before, **{k: v for k, v in changes.items() if k in fields}}
    after["url"] = str(after["url"]).strip()
    after["description"] = str(after["description"]).strip()
    _refuse(
        "The webhook endpoint cannot be saved.",
        url_errors(after["url"]) + event_type_errors(after["event_types"]),
    )
    after["event_types"] = _ordered(after["event_types"])
    changed = diff(before, after)
    if not changed:
        return endpoint
    for name, value in after.items():
        setattr(endpoint, name, value)
    endpoint.updated_at = timezone.now()
    endpoint.save()
    audit_record(actor=actor, action="webhook.update", obj=endpoint, changes=changed)
    _endpoints_changed()
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(
    *, endpoint: WebhookEndpoint, actor: Actor, keep_previous: timedelta = PREVIOUS_SECRET_GRACE
) -> str:
    """Give the endpoint a new secret and return it; the old one still signs for a while.

    During `keep_previous` every delivery carries a signature under each secret, so the
    receiver can switch without losing events; pass timedelta(0) if the old one leaked.
    """
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    now = timezone.now()
    secret = secret_new()
    keep = keep_previous > timedelta(0)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        secret=secret,
        previous_secret=endpoint.secret if keep else "",
        previous_secret_until=now + keep_previous if keep else None,
        updated_at=now,
    )
    audit_record(
        actor=actor,
        action="webhook.rotate_secret",
        obj=endpoint,
        changes={
            "previous_secret_valid_until": (now + keep_previous).isoformat() if keep else None
        },
    )
    return secret


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint, actor: Actor) -> None:
    """Remove an endpoint with its delivery log."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    audit_record(
        actor=actor,
        action="webhook.delete",
        obj=endpoint,
        changes={"url": endpoint.url, "event_types": endpoint.event_types},
    )
    endpoint.delete()
    _endpoints_changed()


@transaction.atomic
def delivery_replay(*, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
    """Send a failed delivery again, with a fresh set of attempts."""
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status != DeliveryStatus.FAILED:
        raise Conflict(detail=f"Delivery {delivery.pk} is {delivery.status}; only failed ones.")
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, locked_until=None
    )
    delivery.refresh_from_db()
    audit_record(
        actor=actor,
        action="webhook.replay",
        obj=delivery,
        changes={"event": f"evt_{delivery.event_id}", "endpoint": delivery.endpoint_id},
    )
    _kick_on_commit()
    return delivery


# Recording --------------------------------------------------------------------------------


class _OnCommit:
    """A no-op (or small) on-commit callback that also marks the current transaction.

    Django keeps the callbacks of the transaction in progress, drops those of a savepoint
    rolled back and empties the list at commit or rollback: finding ours there means "this
    transaction already did it".
    """

    __qualname__ = "rota.integrations.webhooks._OnCommit"

    def __call__(self) -> None:
        """Nothing to do at commit."""


class _Subscriptions(_OnCommit):
    def __init__(self, generation: int, by_type: dict[str, list[int]]) -> None:
        self.generation = generation
        self.by_type = by_type


class _Kick(_OnCommit):
    def __call__(self) -> None:
        """Queue the delivery worker once the events are visible to it."""
        deliver_webhooks.enqueue()


def _pending_callbacks() -> Iterable[Any]:
    return (entry[1] for entry in transaction.get_connection().run_on_commit)


def _subscriptions() -> dict[str, list[int]]:
    """Return `{event type: [endpoint id, ...]}`, read at most once per transaction."""
    for callback in _pending_callbacks():
        if isinstance(callback, _Subscriptions) and callback.generation == _generation[0]:
            return callback.by_type
    by_type: dict[str, list[int]] = {}
    rows = WebhookEndpoint.objects.filter(is_active=True).values_list("pk", "event_types")
    for pk, event_types in rows.order_by("pk"):
        for event_type in event_types:
            by_type.setdefault(event_type, []).append(pk)
    transaction.on_commit(_Subscriptions(_generation[0], by_type))
    return by_type


def subscribed(event_type: str) -> list[int]:
    """Return the ids of the active endpoints that want this event type."""
    return _subscriptions().get(event_type, [])


def _kick_on_commit() -> None:
    if not any(isinstance(callback, _Kick) for callback in _pending_callbacks()):
        transaction.on_commit(_Kick(), robust=True)


def _require_transaction(name: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{name} must run inside the service's transaction")


def event_record(
    *,
    type: str,
    obj: models.Model,
    data: Callable[[], dict[str, Any]] | None = None,
    ordered_by: models.Model | None = None,
) -> WebhookEvent | None:
    """Put an event about `obj` in the outbox, in the caller's transaction.

    `data` returns the payload; by default the object as the API shows it (payloads.py).
    Events go out in order per `ordered_by` (default `obj`) and endpoint: the versions of
    an offer, for instance, are ordered by their offer. Nothing is built or written when no
    active endpoint subscribes to `type`.
    """
    _require_transaction("event_record")
    if type not in EventType.values:
        raise ValueError(f"Unknown webhook event type {type!r}")
    endpoint_ids = subscribed(type)
    if not endpoint_ids:
        return None
    object_type, object_id = obj._meta.label_lower, str(obj.pk)
    key = ordered_by or obj
    object_key = f"{key._meta.label_lower}:{key.pk}"
    payload = data() if data is not None else payloads.render(object_type, object_id)
    now = timezone.now()
    event = WebhookEvent.objects.create(
        type=type, object_type=object_type, object_id=object_id, occurred_at=now, data=payload
    )
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            event=event,
            endpoint_id=endpoint_id,
            object_key=object_key,
            event_type=type,
            next_attempt_at=now,
            created_at=now,
        )
        for endpoint_id in endpoint_ids
    )
    _kick_on_commit()
    return event


def invoice_events_record(*, run_id: int) -> int:
    """Put an invoice.issued event for every invoice of a billing run in the outbox, set-based.

    Two INSERT ... SELECT statements in the run's transaction, and none when no endpoint
    subscribes. Payloads are left empty and rendered on the first delivery attempt (an
    issued invoice does not change; its balance is as of that moment). Return the number of
    events written.
    """
    _require_transaction("invoice_events_record")
    endpoint_ids = subscribed(EventType.INVOICE_ISSUED)
    if not endpoint_ids:
        return 0
    from rota.billing.models import Invoice

    invoice_table = Invoice._meta.db_table
    event_table = WebhookEvent._meta.db_table
    delivery_table = WebhookDelivery._meta.db_table
    object_type = Invoice._meta.label_lower
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {event_table}")  # noqa: S608
        before = cursor.fetchone()[0] or 0
        cursor.execute(
            f"INSERT INTO {event_table} (type, object_type, object_id, occurred_at, data) "  # noqa: S608
            f"SELECT %s, %s, CAST(id AS VARCHAR(64)), %s, NULL FROM {invoice_table} "
            "WHERE run_id = %s ORDER BY id",
            [EventType.INVOICE_ISSUED, object_type, now, run_id],
        )
        written = cursor.rowcount
        # Set-based events are the only ones written without data, and billing runs take
        # turns (they lock the installation), so these are exactly the rows just written.
        marks = ", ".join(["%s"] * len(endpoint_ids))
        cursor.execute(
            f"INSERT INTO {delivery_table} (event_id, endpoint_id, object_key, event_type, "  # noqa: S608
            "status, attempts, next_attempt_at, last_error, created_at) "
            f"SELECT e.id, ep.id, e.object_type || ':' || e.object_id, e.type, %s, 0, %s, '', %s "
            f"FROM {event_table} e CROSS JOIN {WebhookEndpoint._meta.db_table} ep "
            f"WHERE e.id > %s AND e.type = %s AND e.data IS NULL AND ep.id IN ({marks}) "
            "ORDER BY e.id, ep.id",
            [DeliveryStatus.PENDING, now, now, before, EventType.INVOICE_ISSUED, *endpoint_ids],
        )
    if written:
        _kick_on_commit()
    return max(written, 0)


# Delivering -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one HTTP attempt gave."""

    status_code: int | None
    body: str
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass
class DeliverySummary:
    """What a pass of the worker did."""

    attempted: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    next_due: datetime | None = field(default=None)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """POST the body; never raises. Redirects are not followed (a 3xx is a failure)."""
    parts = urlsplit(url)
    connection_class = (
        http.client.HTTPSConnection
        if parts.scheme.lower() == "https"
        else http.client.HTTPConnection
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    status: int | None = None
    text, error = "", ""
    conn = connection_class(parts.hostname or "", parts.port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        status = response.status
        text = response.read(BODY_READ).decode("utf-8", errors="replace")[:BODY_KEPT]
    except TimeoutError:
        error = f"No answer within {timeout:g} s (timed out)"
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__
    finally:
        conn.close()
    duration = int((time.monotonic() - started) * 1000)
    if status is not None and not 200 <= status < 300 and not error:
        error = f"HTTP {status}"
    return Outcome(status, text, error, duration)


def envelope(event: WebhookEvent) -> dict[str, Any]:
    """Return the JSON document sent for an event."""
    # As the API writes moments: UTC, milliseconds, "Z".
    occurred = DjangoJSONEncoder().default(event.occurred_at.astimezone(UTC))
    return {"id": event.public_id, "type": event.type, "occurred_at": occurred, "data": event.data}


def body_of(event: WebhookEvent) -> bytes:
    """Return the exact bytes sent (and signed) for an event."""
    return json.dumps(envelope(event), separators=(",", ":"), ensure_ascii=False).encode()


def _heads() -> models.QuerySet[WebhookDelivery]:
    """Waiting deliveries of active endpoints that no earlier one of their object holds up."""
    earlier = WebhookDelivery.objects.filter(
        endpoint_id=OuterRef("endpoint_id"),
        object_key=OuterRef("object_key"),
        status=DeliveryStatus.PENDING,
        id__lt=OuterRef("id"),
    )
    return WebhookDelivery.objects.filter(
        status=DeliveryStatus.PENDING, endpoint__is_active=True
    ).exclude(Exists(earlier))


def _due(now: datetime) -> models.QuerySet[WebhookDelivery]:
    """Deliveries to try now: the oldest waiting one of each object and endpoint."""
    return (
        _heads()
        .filter(next_attempt_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .order_by("id")
    )


def _claim(pk: int, now: datetime) -> bool:
    """Take a delivery for this worker; False if another worker has it."""
    return bool(
        WebhookDelivery.objects.filter(pk=pk, status=DeliveryStatus.PENDING)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(locked_until=now + LEASE)
    )


def _render(event: WebhookEvent) -> None:
    """Fill in the payload of a set-based event, once for all its endpoints."""
    if event.data is not None:
        return
    data = payloads.render(event.object_type, event.object_id)
    WebhookEvent.objects.filter(pk=event.pk, data__isnull=True).update(data=data)
    event.refresh_from_db(fields=["data"])


def _request(delivery: WebhookDelivery, now: datetime) -> tuple[str, bytes, dict[str, str]]:
    event = delivery.event
    _render(event)
    body = body_of(event)
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Rota-Event-Id": event.public_id,
        "Rota-Event-Type": event.type,
        "Rota-Delivery-Id": str(delivery.pk),
        "Rota-Delivery-Attempt": str(delivery.attempts + 1),
        SIGNATURE_HEADER: signature_header(delivery.endpoint, timestamp, body, now),
    }
    return delivery.endpoint.url, body, headers


@transaction.atomic
def _record(delivery: WebhookDelivery, outcome: Outcome, now: datetime) -> str:
    """Log the attempt and move the delivery on; return its new status."""
    number = WebhookAttempt.objects.filter(delivery=delivery).count() + 1
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=number,
        at=now,
        duration_ms=outcome.duration_ms,
        status_code=outcome.status_code,
        response_body=outcome.body,
        error=outcome.error[:500],
    )
    attempts = delivery.attempts + 1
    values: dict[str, Any] = {
        "attempts": attempts,
        "locked_until": None,
        "last_attempt_at": now,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error[:500],
    }
    if outcome.ok:
        values.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
    elif attempts >= max_attempts():
        values.update(status=DeliveryStatus.FAILED)
    else:
        values.update(next_attempt_at=now + backoff(attempts))
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**values)
    return str(values.get("status", DeliveryStatus.PENDING))


def _job(delivery: WebhookDelivery, now: datetime, timeout: float) -> Callable[[], Outcome]:
    """Build the request (in this thread: it may read the database); return its sending."""
    try:
        url, body, headers = _request(delivery, now)
    except Exception as exc:  # the object is gone, or its payload cannot be built
        logger.exception("Webhook delivery %s cannot be built", delivery.pk)
        failure = Outcome(None, "", f"The payload could not be built: {exc}"[:500], 0)
        return lambda: failure
    return lambda: post(url, body, headers, timeout)


def deliver_due(
    *,
    now: datetime | None = None,
    batch: int = 50,
    workers: int = 8,
    max_batches: int | None = None,
    max_seconds: float | None = None,
    timeout: float | None = None,
) -> DeliverySummary:
    """Send every delivery that is due, in batches, until none is due; return what happened.

    A batch holds at most one delivery per object and endpoint (the oldest waiting one), so
    its requests go out in parallel; the next one of the same object comes in a later batch,
    once the earlier one was delivered or given up.
    """
    clock_given = now is not None
    timeout = timeout_seconds() if timeout is None else timeout
    summary = DeliverySummary()
    batches = 0
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    while max_batches is None or batches < max_batches:
        if deadline is not None and time.monotonic() > deadline:
            break
        moment = now if clock_given and now is not None else timezone.now()
        ids = list(_due(moment).values_list("pk", flat=True)[:batch])
        claimed = [pk for pk in ids if _claim(pk, moment)]
        if not claimed:
            break
        batches += 1
        deliveries = list(
            WebhookDelivery.objects.filter(pk__in=claimed)
            .select_related("event", "endpoint")
            .order_by("id")
        )
        jobs: list[Callable[[], Outcome]] = [
            _job(delivery, moment, timeout) for delivery in deliveries
        ]
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(jobs)))) as pool:
            outcomes = list(pool.map(lambda job: job(), jobs))
        for delivery, outcome in zip(deliveries, outcomes, strict=True):
            status = _record(delivery, outcome, moment)
            summary.attempted += 1
            if status == DeliveryStatus.DELIVERED:
                summary.delivered += 1
            elif status == DeliveryStatus.FAILED:
                summary.failed += 1
            else:
                summary.retrying += 1
    summary.next_due = next_due()
    return summary


def next_due() -> datetime | None:
    """When the next delivery can be tried: due, not held up, its lease (if any) expired."""
    moment = Greatest("next_attempt_at", Coalesce("locked_until", "next_attempt_at"))
    return _heads().aggregate(at=Min(moment))["at"]


_SCHEDULED_KEY = "rota:webhooks:next-run"
TASK_SECONDS = 60.0  # a task's share of the worker before it hands over to a new one


@task()
def deliver_webhooks() -> int:
    """Deliver what is due (queued on commit by every change that recorded events).

    While deliveries wait for a retry, the task queues itself again for when the next one
    is due (once: the cache remembers that a later run is already queued).
    """
    summary = deliver_due(max_seconds=TASK_SECONDS)
    at = summary.next_due
    if at is None:
        return summary.attempted
    now = timezone.now()
    if at <= now:
        # Time is up with more to send: go on in a new task, so that other tasks (a billing
        # run) get the worker in between.
        deliver_webhooks.enqueue()
        return summary.attempted
    if deliver_webhooks.get_backend().supports_defer:
        queued = cache.get(_SCHEDULED_KEY)
        # One follow-up run is enough, unless this one is due sooner than the queued one.
        if queued is None or at < datetime.fromisoformat(queued):
            wait = int((at - now).total_seconds()) + 60
            cache.set(_SCHEDULED_KEY, at.isoformat(), timeout=wait)
            deliver_webhooks.using(run_after=at).enqueue()
    return summary.attempted

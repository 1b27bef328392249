"""Webhooks: the outbox in the change's transaction, delivery to a real HTTP server on
127.0.0.1, signatures, retries with backoff, order per object, failures and replays."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rota.audit.actors import Actor
from rota.audit.models import AuditEvent
from rota.catalog import services as catalog
from rota.catalog.models import Offer, OfferVersion
from rota.core.errors import InvalidInput
from rota.customers.models import Customer
from rota.customers.services import CustomerData, customer_create, customer_update
from rota.integrations import webhooks
from rota.integrations.models import (
    DeliveryStatus,
    EventType,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from rota.integrations.webhooks import (
    deliver_due,
    endpoint_create,
    endpoint_rotate_secret,
    endpoint_update,
    event_record,
    signature_verify,
)
from rota.subscriptions import services as subs

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

KOWALSKI = {
    "kind": "person",
    "first_name": "Jan",
    "last_name": "Kowalski",
    "street": "ul. Długa",
    "building": "5",
    "postal_code": "26-600",
    "city": "Radom",
}


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    """Changes happen a minute before T0; the worker is then run at explicit moments."""
    with time_machine.travel(T0 - timedelta(minutes=1), tick=True):
        yield


# A receiver: a real HTTP server on 127.0.0.1 ---------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    base: str
    requests: list[Received] = field(default_factory=list)
    # path -> statuses to answer, in turn (the last one repeats); "slow" sleeps past timeouts
    script: dict[str, list[int | str]] = field(default_factory=dict)

    def url(self, path: str = "/hook") -> str:
        return f"{self.base}{path}"

    def answer(self, path: str) -> int | str:
        plan = self.script.get(path, [200])
        return plan.pop(0) if len(plan) > 1 else plan[0]

    def types(self) -> list[str]:
        return [r.json["type"] for r in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(base="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                state.requests.append(Received(self.path, dict(self.headers.items()), body))
                answer = state.answer(self.path)
            if answer == "slow":
                time.sleep(1.0)
                answer = 200
            assert isinstance(answer, int)
            text = b"ok" if answer < 300 else b"Internal error: database is down " + b"x" * 5000
            try:
                self.send_response(answer)
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)
            except OSError:
                pass  # the client gave up (timeout)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def hook(db: None, actor: Actor, receiver: Receiver) -> Callable[..., tuple[WebhookEndpoint, str]]:
    """Register an endpoint on the receiver for some event types; return it and its secret."""

    def make(*types: str, path: str = "/hook") -> tuple[WebhookEndpoint, str]:
        return endpoint_create(
            url=receiver.url(path), event_types=types or EventType.values, actor=actor
        )

    return make


def person(actor: Actor, **changes: Any) -> Customer:
    return customer_create(data=CustomerData(**{**KOWALSKI, **changes}), actor=actor)


# Recording -------------------------------------------------------------------------------


def test_no_endpoint_no_event_and_one_cheap_query_per_transaction(
    db: None, actor: Actor, hook: Callable[..., Any]
) -> None:
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        customer = person(actor)
        customer_update(customer=customer, changes={"city": "Kielce"}, actor=actor)
        customer_update(customer=customer, changes={"city": "Radom"}, actor=actor)
    asked = [q["sql"] for q in queries if "integrations_" in q["sql"]]
    assert len(asked) == 1 and "integrations_webhookendpoint" in asked[0]
    assert not WebhookEvent.objects.exists()

    hook(EventType.TICKET_CREATED)  # subscribed to something else
    person(actor, last_name="Nowak")
    assert not WebhookEvent.objects.exists()


def test_an_event_per_change_with_a_delivery_per_subscribed_endpoint(
    db: None, actor: Actor, hook: Callable[..., Any]
) -> None:
    crm, _ = hook(EventType.CUSTOMER_CREATED, EventType.CUSTOMER_UPDATED)
    website, _ = hook(EventType.CUSTOMER_UPDATED, path="/website")
    endpoint_update(endpoint=website, changes={"is_active": True}, actor=actor)
    paused, _ = hook(EventType.CUSTOMER_CREATED, path="/paused")
    endpoint_update(endpoint=paused, changes={"is_active": False}, actor=actor)

    customer = person(actor)
    customer_update(customer=customer, changes={"email": "jan@example.pl"}, actor=actor)
    customer_update(customer=customer, changes={"email": "jan@example.pl"}, actor=actor)  # no-op

    events = list(WebhookEvent.objects.order_by("id"))
    assert [e.type for e in events] == ["customer.created", "customer.updated"]
    assert (events[1].data or {})["email"] == "jan@example.pl"
    deliveries = WebhookDelivery.objects.order_by("id")
    assert [(d.event.type, d.endpoint_id) for d in deliveries] == [
        ("customer.created", crm.pk),
        ("customer.updated", crm.pk),
        ("customer.updated", website.pk),
    ]
    assert {d.object_key for d in deliveries} == {f"customers.customer:{customer.pk}"}


def test_a_rolled_back_change_leaves_no_event(
    db: None, actor: Actor, hook: Callable[..., Any]
) -> None:
    hook(EventType.CUSTOMER_CREATED)
    with pytest.raises(RuntimeError), transaction.atomic():
        person(actor)
        raise RuntimeError("the caller's transaction fails after the service")
    assert not Customer.objects.exists()
    assert not WebhookEvent.objects.exists() and not WebhookDelivery.objects.exists()

    # A service that refuses its input records nothing either.
    with pytest.raises(InvalidInput):
        person(actor, city="")
    assert not WebhookEvent.objects.exists()


def test_no_change_without_its_event(
    db: None, actor: Actor, hook: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    hook(EventType.CUSTOMER_CREATED)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(WebhookDelivery.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        person(actor)
    assert not Customer.objects.exists()


def test_event_record_needs_the_services_transaction(db: None, actor: Actor) -> None:
    customer = person(actor)
    wrapper = transaction.get_connection()
    wrapper.in_atomic_block = False  # as outside any transaction
    try:
        with pytest.raises(RuntimeError, match="inside the service's transaction"):
            event_record(type="customer.updated", obj=customer)
    finally:
        wrapper.in_atomic_block = True


def test_every_hooked_service_writes_its_event(
    firma: Customer, actor: Actor, hook: Callable[..., Any]
) -> None:
    hook()  # every type
    version = OfferVersion.objects.get(offer__code="4business", status="active")
    subscription = subs.subscription_sell(
        customer=firma,
        version=version,
        term_months=24,
        start_date=date(2026, 1, 15),
        address=subs.ServiceAddress("ul. Rynek", "1", "26-600", "Radom"),
        actor=actor,
        today=date(2026, 1, 10),
    )
    subs.subscription_suspend(
        subscription=subscription,
        start_date=date(2026, 2, 1),
        end_date=date(2026, 2, 10),
        actor=actor,
        today=date(2026, 1, 20),
    )
    subs.subscription_cancel(
        subscription=subscription,
        requested_on=date(2026, 1, 20),
        last_day=date(2026, 6, 30),
        reason="moving",
        actor=actor,
        today=date(2026, 1, 20),
    )
    offer = Offer.objects.get(code="4business")
    draft = catalog.offer_new_draft(offer=offer, actor=actor)
    catalog.offer_publish(version=draft, actor=actor)
    catalog.offer_retire(offer=offer, actor=actor)
    from rota.billing.payments import payment_record

    payment_record(customer=firma, amount_minor=5000, received_on=date(2026, 1, 20), actor=actor)

    events = list(WebhookEvent.objects.order_by("id"))
    assert [e.type for e in events] == [
        "subscription.created",
        "subscription.changed",
        "subscription.cancelled",
        "offer.version_created",
        "offer.published",
        "offer.retired",
        "payment.received",
    ]
    data = [e.data or {} for e in events]
    assert data[2]["cancellation"]["reason"] == "moving"
    assert data[4]["status"] == "active" and data[5]["status"] == "retired"
    assert data[6]["amount"] == "50.00"
    # The versions of an offer go out in order of their offer.
    assert {d.object_key for d in WebhookDelivery.objects.filter(event__in=events[3:6])} == {
        f"catalog.offer:{offer.pk}"
    }


# Delivering ------------------------------------------------------------------------------


def test_delivered_signed_with_the_api_representation(
    db: None,
    actor: Actor,
    hook: Callable[..., Any],
    receiver: Receiver,
    make_token: Callable[..., str],
) -> None:
    _, secret = hook(EventType.CUSTOMER_CREATED)
    customer = person(actor)
    summary = deliver_due(now=T0)
    assert (summary.attempted, summary.delivered) == (1, 1)

    [request] = receiver.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["content-type"] == "application/json"
    signature = headers["rota-signature"]
    assert signature.startswith(f"t={int(T0.timestamp())},v1=")
    assert signature_verify(secret=secret, header=signature, body=request.body, now=T0.timestamp())
    assert not signature_verify(
        secret=secret, header=signature, body=request.body + b" ", now=T0.timestamp()
    )
    assert not signature_verify(
        secret="whsec_other", header=signature, body=request.body, now=T0.timestamp()
    )
    # A replayed old request is refused by its timestamp.
    assert not signature_verify(
        secret=secret, header=signature, body=request.body, now=T0.timestamp() + 600
    )

    envelope = request.json
    event = WebhookEvent.objects.get()
    assert envelope["id"] == headers["rota-event-id"] == f"evt_{event.pk}"
    assert envelope["type"] == headers["rota-event-type"] == "customer.created"
    assert re.fullmatch(r"2026-03-02T08:59:0\d\.\d{3}Z", envelope["occurred_at"])
    api = Client(headers={"Authorization": f"Bearer {make_token('customers:read')}"})
    assert envelope["data"] == api.get(f"/api/v1/customers/{customer.pk}").json()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.delivered_at) == ("delivered", 1, T0)
    [attempt] = delivery.tries.all()
    assert (attempt.status_code, attempt.response_body, attempt.error) == (200, "ok", "")
    assert deliver_due(now=T0 + timedelta(hours=1)).attempted == 0  # at least once, not again


def test_retried_with_exponential_backoff_then_delivered(
    db: None, actor: Actor, hook: Callable[..., Any], receiver: Receiver
) -> None:
    receiver.script["/hook"] = [500, 500, 200]
    hook(EventType.CUSTOMER_CREATED)
    person(actor)
    delivery = WebhookDelivery.objects.get()

    assert deliver_due(now=T0).retrying == 1
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.next_attempt_at) == (1, T0 + timedelta(minutes=1))
    assert deliver_due(now=T0 + timedelta(seconds=59)).attempted == 0  # not yet due

    assert deliver_due(now=T0 + timedelta(minutes=1)).retrying == 1
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == T0 + timedelta(minutes=1 + 2)
    assert deliver_due(now=T0 + timedelta(minutes=3)).delivered == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    log = list(delivery.tries.order_by("number"))
    assert [(a.number, a.status_code) for a in log] == [(1, 500), (2, 500), (3, 200)]
    assert log[0].error == "HTTP 500" and log[0].response_body.startswith("Internal error")
    assert len(log[0].response_body) == webhooks.BODY_KEPT  # truncated
    assert len(receiver.requests) == 3
    # Same event, same body on every attempt; the attempt number is in a header.
    assert len({r.body for r in receiver.requests}) == 1
    assert [r.headers["Rota-Delivery-Attempt"] for r in receiver.requests] == ["1", "2", "3"]


def test_backoff_doubles_up_to_a_cap() -> None:
    minutes = [webhooks.backoff(n).total_seconds() / 60 for n in range(1, 12)]
    assert minutes == [1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360]


def test_a_receiver_that_times_out_or_fails_is_given_up_then_replayed(
    db: None,
    actor: Actor,
    hook: Callable[..., Any],
    receiver: Receiver,
    settings: Any,
    login: Callable[..., Client],
    admin_user: Any,
) -> None:
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.script["/slow"] = ["slow"]
    receiver.script["/down"] = [500]
    hook(EventType.CUSTOMER_CREATED, path="/slow")
    hook(EventType.CUSTOMER_CREATED, path="/down")
    started = time.monotonic()
    person(actor)  # the change is not held up by the receivers
    assert time.monotonic() - started < 0.5

    moment = T0
    for _ in range(3):
        deliver_due(now=moment, timeout=0.2)
        moment += timedelta(hours=1)
    slow, down = WebhookDelivery.objects.order_by("id")
    assert (slow.status, slow.attempts, down.status, down.attempts) == (
        "failed",
        3,
        "failed",
        3,
    )
    assert "timed out" in slow.last_error and slow.last_status_code is None
    assert down.last_status_code == 500
    assert deliver_due(now=moment + timedelta(days=1)).attempted == 0  # given up

    # Replayed from the delivery log, it goes out again with fresh attempts.
    receiver.script["/down"] = [200]
    client = login(admin_user)
    url = f"/admin/integrations/webhookdelivery/{down.pk}/replay/"
    assert "Yes, replay" in client.get(url).content.decode()
    client.post(url)
    down.refresh_from_db()
    assert (down.status, down.attempts) == ("pending", 0)
    assert deliver_due(now=moment).delivered == 1
    down.refresh_from_db()
    assert down.status == "delivered"
    assert [a.status_code for a in down.tries.order_by("number")] == [500, 500, 500, 200]
    assert AuditEvent.objects.filter(action="webhook.replay").count() == 1


def test_in_order_per_object_and_other_objects_are_not_held_up(
    db: None, actor: Actor, hook: Callable[..., Any], receiver: Receiver
) -> None:
    hook(EventType.CUSTOMER_CREATED, EventType.CUSTOMER_UPDATED)
    receiver.script["/hook"] = [500, 200]
    jan = person(actor)  # its first delivery meets the 500
    customer_update(customer=jan, changes={"city": "Kielce"}, actor=actor)
    customer_update(customer=jan, changes={"city": "Lublin"}, actor=actor)
    anna = person(actor, first_name="Anna")

    first = deliver_due(now=T0, workers=1)  # one at a time: Jan's creation meets the 500
    # Jan's creation failed, so his updates wait; Anna's creation goes out.
    assert (first.attempted, first.delivered, first.retrying) == (2, 1, 1)
    assert [r.json["data"]["id"] for r in receiver.requests] == [jan.pk, anna.pk]
    assert deliver_due(now=T0 + timedelta(seconds=30)).attempted == 0

    second = deliver_due(now=T0 + timedelta(minutes=1))
    assert second.delivered == 3
    jan_sent = [r.json for r in receiver.requests if r.json["data"]["id"] == jan.pk]
    assert [(e["type"], e["data"]["city"]) for e in jan_sent] == [
        ("customer.created", "Radom"),
        ("customer.created", "Radom"),
        ("customer.updated", "Kielce"),
        ("customer.updated", "Lublin"),
    ]


def test_a_given_up_event_no_longer_holds_back_the_next(
    db: None, actor: Actor, hook: Callable[..., Any], receiver: Receiver, settings: Any
) -> None:
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    hook(EventType.CUSTOMER_CREATED, EventType.CUSTOMER_UPDATED)
    receiver.script["/hook"] = [500, 200]
    jan = person(actor)
    customer_update(customer=jan, changes={"city": "Kielce"}, actor=actor)
    summary = deliver_due(now=T0)
    assert (summary.failed, summary.delivered) == (1, 1)
    assert receiver.types() == ["customer.created", "customer.updated"]


def test_an_inactive_endpoint_gets_nothing_new_and_its_waiting_deliveries_are_held(
    db: None, actor: Actor, hook: Callable[..., Any], receiver: Receiver
) -> None:
    endpoint, _ = hook(EventType.CUSTOMER_CREATED)
    person(actor)
    endpoint_update(endpoint=endpoint, changes={"is_active": False}, actor=actor)
    person(actor, first_name="Anna")
    assert WebhookDelivery.objects.count() == 1
    assert deliver_due(now=T0).attempted == 0
    endpoint_update(endpoint=endpoint, changes={"is_active": True}, actor=actor)
    assert deliver_due(now=T0).delivered == 1


def test_a_rotated_secret_signs_beside_the_old_one_for_a_day(
    db: None, actor: Actor, hook: Callable[..., Any], receiver: Receiver
) -> None:
    endpoint, old = hook(EventType.CUSTOMER_CREATED)
    new = endpoint_rotate_secret(endpoint=endpoint, actor=actor)
    assert new != old and new.startswith("whsec_")
    person(actor)
    deliver_due()
    request = receiver.requests[-1]
    header = request.headers["Rota-Signature"]
    assert header.count("v1=") == 2
    assert signature_verify(secret=new, header=header, body=request.body)
    assert signature_verify(secret=old, header=header, body=request.body)

    endpoint_rotate_secret(endpoint=endpoint, actor=actor, keep_previous=timedelta(0))
    endpoint.refresh_from_db()
    person(actor, first_name="Anna")
    deliver_due()
    header = receiver.requests[-1].headers["Rota-Signature"]
    assert header.count("v1=") == 1
    assert not signature_verify(secret=new, header=header, body=receiver.requests[-1].body)
    assert signature_verify(secret=endpoint.secret, header=header, body=receiver.requests[-1].body)


def test_delivered_by_the_task_queued_when_the_change_commits(
    db: None,
    actor: Actor,
    hook: Callable[..., Any],
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    hook(EventType.CUSTOMER_CREATED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        person(actor)
    assert receiver.requests == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()  # the commit: the immediate task backend delivers at once
    assert receiver.types() == ["customer.created"]
    assert WebhookDelivery.objects.get().status == "delivered"


def test_the_task_queues_itself_for_the_next_retry_once(
    db: None, actor: Actor, hook: Callable[..., Any], receiver: Receiver, settings: Any
) -> None:
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()  # type: ignore[attr-defined]
    receiver.script["/hook"] = [500]
    hook(EventType.CUSTOMER_CREATED, EventType.CUSTOMER_UPDATED)
    jan = person(actor)
    customer_update(customer=jan, changes={"city": "Kielce"}, actor=actor)  # held up behind
    assert webhooks.deliver_webhooks.call() == 1
    [queued] = default_task_backend.results  # type: ignore[attr-defined]
    first = WebhookDelivery.objects.order_by("id").first()
    assert first is not None and queued.task.run_after == first.next_attempt_at
    # The update waiting behind the failed creation does not make it due any sooner.
    assert webhooks.next_due() == first.next_attempt_at
    assert webhooks.deliver_webhooks.call() == 0  # nothing due; a follow-up is already queued
    assert len(default_task_backend.results) == 1  # type: ignore[attr-defined]


def test_deliver_command(
    db: None, actor: Actor, hook: Callable[..., Any], receiver: Receiver
) -> None:
    from io import StringIO

    hook(EventType.CUSTOMER_CREATED)
    person(actor)
    out = StringIO()
    call_command("webhooks", "deliver", stdout=out)
    assert "1 attempted: 1 delivered" in out.getvalue()
    assert receiver.types() == ["customer.created"]


def test_replay_command_and_prune(
    db: None, actor: Actor, hook: Callable[..., Any], receiver: Receiver, settings: Any
) -> None:
    from io import StringIO

    settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver.script["/hook"] = [500, 200]
    hook(EventType.CUSTOMER_CREATED)
    person(actor)
    deliver_due()
    out = StringIO()
    call_command("webhooks", "replay", stdout=out)
    assert "1 failed deliveries queued again" in out.getvalue()
    assert deliver_due().delivered == 1
    WebhookDelivery.objects.update(created_at=T0 - timedelta(days=100))
    WebhookEvent.objects.update(occurred_at=T0 - timedelta(days=100))
    call_command("webhooks", "prune", "--days", "30", stdout=out)
    assert not WebhookDelivery.objects.exists() and not WebhookEvent.objects.exists()
    assert not WebhookAttempt.objects.exists()


def test_the_receiver_example_in_the_docs_verifies_a_real_delivery(
    db: None, actor: Actor, hook: Callable[..., Any], receiver: Receiver, settings: Any
) -> None:
    text = (settings.BASE_DIR / "docs" / "webhooks.md").read_text(encoding="utf-8")
    code = text.split("## Verifying the signature", 1)[1].split("```python", 1)[1]
    namespace: dict[str, Any] = {}
    exec(code.split("```", 1)[0], namespace)
    verify = namespace["verify"]
    _, secret = hook(EventType.CUSTOMER_CREATED)
    person(actor)
    deliver_due()
    request = receiver.requests[0]
    assert verify(secret, request.headers["Rota-Signature"], request.body)
    assert not verify(secret, request.headers["Rota-Signature"], request.body[:-1] + b" ")
    assert not verify("whsec_wrong", request.headers["Rota-Signature"], request.body)


# Bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://crm.example.net/hook", "must start with http:// or https://"),
        ("javascript:alert(1)", "must start with http:// or https://"),
        ("crm.example.net/hook", "must start with http:// or https://"),
        ("https:///hook", "must name a host"),
        ("https://user:pw@crm.example.net/", "must not contain a user name"),
        ("https://crm.example.net:99999/", "not a valid URL"),
        ("", "is required"),
    ],
)
def test_endpoint_urls_must_be_http_or_https(
    db: None, actor: Actor, url: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        endpoint_create(url=url, event_types=["customer.created"], actor=actor)
    assert caught.value.errors[0].field == "url"
    assert message in caught.value.errors[0].message
    assert not WebhookEndpoint.objects.exists()


def test_event_types_must_be_known_and_not_empty(db: None, actor: Actor) -> None:
    for types, message in (([], "at least one"), (["customer.deleted"], "unknown")):
        with pytest.raises(InvalidInput) as caught:
            endpoint_create(url="https://crm.example.net/", event_types=types, actor=actor)
        assert message in caught.value.errors[0].message


def test_an_unreachable_receiver_is_an_error_in_the_log(
    db: None, actor: Actor, receiver: Receiver
) -> None:
    endpoint_create(url="http://127.0.0.1:9/closed", event_types=["customer.created"], actor=actor)
    person(actor)
    assert deliver_due(now=T0, timeout=0.5).retrying == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_status_code is None
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error.lower()


# Back office -----------------------------------------------------------------------------


def test_admin_registers_an_endpoint_and_sees_the_secret_once(
    db: None, login: Callable[..., Client], admin_user: Any, receiver: Receiver
) -> None:
    client = login(admin_user)
    add = "/admin/integrations/webhookendpoint/add/"
    page = client.get(add).content.decode()
    assert "offer.published" in page and "incident.resolved" in page

    refused = client.post(add, {"url": "ftp://x.example/", "event_types": ["customer.created"]})
    assert "must start with http:// or https://" in refused.content.decode()
    assert not WebhookEndpoint.objects.exists()

    response = client.post(
        add,
        {
            "url": receiver.url(),
            "description": "CRM",
            "event_types": ["customer.created", "invoice.issued"],
            "is_active": "on",
        },
        follow=True,
    )
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["customer.created", "invoice.issued"]
    assert endpoint.created_by == admin_user
    page = response.content.decode()
    assert endpoint.secret in page and "shown only once" in page
    again = client.get(f"/admin/integrations/webhookendpoint/{endpoint.pk}/change/")
    assert endpoint.secret not in again.content.decode()
    assert endpoint.secret[:12] in again.content.decode()

    rotate = f"/admin/integrations/webhookendpoint/{endpoint.pk}/rotate/"
    assert "keep the old one" in client.get(rotate).content.decode()
    page = client.post(rotate, {"keep": "no"}, follow=True).content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret in page and endpoint.previous_secret == ""
    assert AuditEvent.objects.filter(action__startswith="webhook.").count() == 2

    client.post(
        f"/admin/integrations/webhookendpoint/{endpoint.pk}/change/",
        {"url": receiver.url("/v2"), "description": "CRM", "event_types": ["ticket.created"]},
    )
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.event_types, endpoint.is_active) == (
        receiver.url("/v2"),
        ["ticket.created"],
        False,
    )


def test_admin_deletes_an_endpoint_with_its_log(
    db: None,
    actor: Actor,
    hook: Callable[..., Any],
    login: Callable[..., Client],
    admin_user: Any,
) -> None:
    endpoint, _ = hook(EventType.CUSTOMER_CREATED)
    person(actor)
    deliver_due(now=T0)
    client = login(admin_user)
    url = f"/admin/integrations/webhookendpoint/{endpoint.pk}/delete/"
    assert "1 delivery in its log" in client.get(url).content.decode()
    client.post(url, {"post": "yes"})
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()
    assert AuditEvent.objects.filter(action="webhook.delete").count() == 1


def test_delivery_log_filters_attempts_and_bulk_replay(
    db: None,
    actor: Actor,
    hook: Callable[..., Any],
    receiver: Receiver,
    login: Callable[..., Client],
    admin_user: Any,
    settings: Any,
) -> None:
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver.script["/down"] = [500]
    up, _ = hook(EventType.CUSTOMER_CREATED)
    down, _ = hook(EventType.CUSTOMER_CREATED, path="/down")
    person(actor)
    deliver_due(now=T0)
    client = login(admin_user)
    log = "/admin/integrations/webhookdelivery/"
    assert client.get(log).status_code == 200
    failed = client.get(log, {"status__exact": "failed"}).content.decode()
    assert receiver.url("/down") in failed and "HTTP 500" in failed
    page = client.get(log, {"endpoint__id__exact": up.pk, "event_type__exact": "customer.created"})
    assert "HTTP 500" not in page.content.decode()

    delivery = WebhookDelivery.objects.get(endpoint=down)
    detail = client.get(f"{log}{delivery.pk}/change/").content.decode()
    assert "Internal error" in detail and "&quot;customer.created&quot;" in detail

    endpoints = client.get("/admin/integrations/webhookendpoint/").content.decode()
    assert "status__exact=failed" in endpoints

    ids = list(WebhookDelivery.objects.values_list("pk", flat=True))
    response = client.post(log, {"action": "replay_selected", "_selected_action": ids}, follow=True)
    assert "1 failed deliveries queued again. 1 not failed" in response.content.decode()
    assert WebhookDelivery.objects.get(endpoint=down).status == DeliveryStatus.PENDING


def test_only_administrators_manage_webhooks(
    db: None, login: Callable[..., Client], sales_user: Any, auditor_user: Any, admin_user: Any
) -> None:
    for user in (sales_user, auditor_user):
        client = login(user)
        assert client.get("/admin/integrations/webhookendpoint/").status_code == 403
        assert client.get("/admin/integrations/webhookdelivery/").status_code == 403
    page = login(admin_user).get("/admin/").content.decode()
    assert "Webhook endpoints" in page and "Webhook deliveries" in page


# Billing runs and support -----------------------------------------------------------------


def _sell(customer: Customer, actor: Actor) -> Any:
    return subs.subscription_sell(
        customer=customer,
        version=OfferVersion.objects.get(offer__code="4business", status="active"),
        term_months=24,
        start_date=date(2026, 1, 15),
        address=subs.ServiceAddress("ul. Rynek", "1", "26-600", "Radom"),
        actor=actor,
        today=date(2026, 1, 10),
    )


def test_a_billing_run_writes_invoice_events_set_based_only_when_subscribed(
    firma: Customer,
    actor: Actor,
    hook: Callable[..., Any],
    receiver: Receiver,
    make_token: Callable[..., str],
) -> None:
    from rota.billing.models import Invoice
    from rota.billing.services import billing_run

    _sell(firma, actor)
    hook(EventType.CUSTOMER_UPDATED)  # nobody wants invoices yet
    billing_run(period="2026-01", actor=actor, issue_date=date(2026, 1, 31), today=date(2026, 2, 1))
    assert not WebhookEvent.objects.exists()

    erp, _ = hook(EventType.INVOICE_ISSUED, path="/erp")
    crm, _ = hook(EventType.INVOICE_ISSUED, EventType.CUSTOMER_CREATED, path="/crm")
    with CaptureQueriesContext(connection) as queries:
        billing_run(
            period="2026-02", actor=actor, issue_date=date(2026, 2, 28), today=date(2026, 3, 1)
        )
    asked = [q["sql"] for q in queries if "integrations_" in q["sql"]]
    assert len(asked) == 4  # subscriptions, MAX(id), INSERT ... SELECT events, deliveries
    invoice = Invoice.objects.get(period="2026-02")
    event = WebhookEvent.objects.get()
    assert (event.type, event.object_id, event.data) == ("invoice.issued", str(invoice.pk), None)
    assert sorted(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == sorted(
        [erp.pk, crm.pk]
    )

    assert deliver_due(now=T0).delivered == 2
    api = Client(headers={"Authorization": f"Bearer {make_token('billing:read')}"})
    expected = api.get(f"/api/v1/invoices/{invoice.pk}").json()
    bodies = {r.path: r.json for r in receiver.requests}
    assert bodies["/erp"]["data"] == bodies["/crm"]["data"] == expected
    assert bodies["/erp"]["id"] == bodies["/crm"]["id"] == f"evt_{event.pk}"
    event.refresh_from_db()
    assert event.data == expected  # rendered once, kept for retries and replays


def test_a_credit_note_is_an_invoice_issued(
    firma: Customer, actor: Actor, hook: Callable[..., Any]
) -> None:
    from rota.billing.models import Invoice
    from rota.billing.services import billing_run, credit_note_issue

    _sell(firma, actor)
    billing_run(period="2026-01", actor=actor, issue_date=date(2026, 1, 31), today=date(2026, 2, 1))
    hook(EventType.INVOICE_ISSUED)
    invoice = Invoice.objects.get()
    note = credit_note_issue(invoice=invoice, reason="wrong address", actor=actor)
    event = WebhookEvent.objects.get()
    assert (event.type, event.object_id) == ("invoice.issued", str(note.pk))
    assert (event.data or {})["kind"] == "credit_note"


def test_tickets_and_incidents_write_their_events(
    firma: Customer, actor: Actor, hook: Callable[..., Any]
) -> None:
    from rota.support.selectors import Scope
    from rota.support.services import (
        incident_create,
        incident_resolve,
        ticket_open,
        ticket_transition,
    )

    subscription = _sell(firma, actor)
    hook()
    WebhookEvent.objects.all().delete()
    at = T0 - timedelta(hours=3)
    ticket = ticket_open(
        customer=firma,
        category="no_connection",
        channel="phone",
        subject="No internet since morning",
        subscription=subscription,
        at=at,
        actor=actor,
    )
    ticket_transition(ticket=ticket, to="open", at=at + timedelta(minutes=5), actor=actor)
    ticket_transition(ticket=ticket, to="resolved", at=at + timedelta(hours=1), actor=actor)
    incident = incident_create(
        title="Fibre cut in Radom",
        cause="fibre_cut",
        started_at=at,
        scope=Scope(subscriptions=(subscription.pk,)),
        actor=actor,
    )
    incident_resolve(incident=incident, at=at + timedelta(hours=2), actor=actor)
    incident_create(
        title="Power cut, recorded afterwards",
        cause="power",
        started_at=at - timedelta(days=1),
        resolved_at=at - timedelta(hours=20),
        scope=Scope(subscriptions=(subscription.pk,)),
        actor=actor,
    )
    events = list(WebhookEvent.objects.order_by("id"))
    assert [e.type for e in events] == [
        "ticket.created",
        "ticket.resolved",
        "incident.opened",
        "incident.resolved",
        "incident.opened",
        "incident.resolved",
    ]
    data = [e.data or {} for e in events]
    assert data[0]["status"] == "new" and data[1]["status"] == "resolved"
    assert data[1]["subject"] == "No internet since morning" and "messages" in data[1]
    assert data[2]["resolved_at"] is None and data[3]["duration_minutes"] == 120
    assert data[2]["affected_subscriptions"] == 1

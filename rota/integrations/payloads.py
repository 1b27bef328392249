"""The `data` of a webhook event: the object as the API's GET shows it, as plain JSON.

Each builder reads the object again (inside the transaction that changed it, so it sees the
change) and passes it through the API's own output schema. Imports are local: the services
that record events import this app, and the schemas import those services.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from ninja import Schema
from ninja.responses import NinjaJSONEncoder

Builder = Callable[[str], dict[str, Any]]


def _as_api(schema: type[Schema], data: dict[str, Any]) -> dict[str, Any]:
    """Validate through the output schema and encode exactly as the API's responses are."""
    dumped = schema.model_validate(data).model_dump()
    result: dict[str, Any] = json.loads(json.dumps(dumped, cls=NinjaJSONEncoder))
    return result


def _offer_version(pk: str) -> dict[str, Any]:
    from rota.catalog.models import OfferVersion
    from rota.catalog.schemas import OfferOut
    from rota.catalog.selectors import draft_numbers, offer_version_get
    from rota.installation.selectors import installation_get

    found = OfferVersion.objects.select_related("offer").get(pk=int(pk))
    version = offer_version_get(found.offer.code, found.number)
    data = OfferOut.build(version, installation_get().currency, draft_numbers([found.offer_id]))
    return _as_api(OfferOut, data)


def _customer(pk: str) -> dict[str, Any]:
    from rota.customers.models import Customer
    from rota.customers.schemas import CustomerOut

    data = CustomerOut.build(Customer.objects.get(pk=int(pk)))
    return _as_api(CustomerOut, data)


def _subscription(pk: str) -> dict[str, Any]:
    from rota.installation.selectors import installation_get, installation_today
    from rota.subscriptions.schemas import SubscriptionOut
    from rota.subscriptions.selectors import subscription_get

    subscription = subscription_get(int(pk), installation_today())
    data = SubscriptionOut.build(subscription, installation_get().currency)
    return _as_api(SubscriptionOut, data)


def _invoice(pk: str) -> dict[str, Any]:
    from rota.billing.models import Invoice
    from rota.billing.payments import with_balance
    from rota.billing.schemas import InvoiceOut
    from rota.installation.selectors import installation_today

    invoices = Invoice.objects.select_related("corrects").prefetch_related("lines")
    invoice = with_balance(invoices).get(pk=int(pk))
    data = InvoiceOut.build(invoice, installation_today())
    return _as_api(InvoiceOut, data)


def _payment(pk: str) -> dict[str, Any]:
    from rota.billing.models import Payment
    from rota.billing.schemas import PaymentOut

    payment = Payment.objects.prefetch_related("allocations__invoice").get(pk=int(pk))
    return _as_api(PaymentOut, PaymentOut.build(payment))


def _ticket(pk: str) -> dict[str, Any]:
    from rota.support.schemas import TicketDetail
    from rota.support.selectors import ticket_get

    data = TicketDetail.build(ticket_get(int(pk), timezone.now()))
    return _as_api(TicketDetail, data)


def _incident(pk: str) -> dict[str, Any]:
    # The incident with its counts, as the incident list shows it: the list of everyone it
    # hit (GET /incidents/{id}) can run to thousands of rows and is one request away.
    from rota.support.schemas import IncidentOut
    from rota.support.selectors import incident_get

    data = IncidentOut.build(incident_get(int(pk)))
    return _as_api(IncidentOut, data)


BUILDERS: dict[str, Builder] = {
    "catalog.offerversion": _offer_version,
    "customers.customer": _customer,
    "subscriptions.subscription": _subscription,
    "billing.invoice": _invoice,
    "billing.payment": _payment,
    "support.ticket": _ticket,
    "support.incident": _incident,
}


def render(object_type: str, object_id: str) -> dict[str, Any]:
    """Return the API representation of the object, as JSON-ready values."""
    try:
        builder = BUILDERS[object_type]
    except KeyError:
        raise LookupError(f"No webhook payload for {object_type} objects") from None
    return builder(object_id)

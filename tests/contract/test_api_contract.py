"""The whole /api/v1 against its own OpenAPI document, with generated requests.

Every operation is called with a token holding every scope, on a database with the demo
catalog, a customer with a subscription and a billed month. Any 5xx, any status the
document does not list, and any body or content type that does not match it fail the test.
Run with `make test-contract` (`pytest -m contract`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from rota.accounts.scopes import SCOPES
from rota.api import api
from rota.audit.actors import Actor
from rota.billing.services import billing_run
from rota.catalog.models import OfferVersion
from rota.customers.models import Customer
from rota.subscriptions import services as subs
from rota.wsgi import application

pytestmark = [pytest.mark.contract, pytest.mark.django_db]

# The document /api/v1/openapi.json serves, built without a request (no database yet).
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
schema.app = application
schema.location = "/api/v1/openapi.json"
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)


@pytest.fixture
def bearer(
    demo_catalog: None, firma: Customer, actor: Actor, make_token: Callable[..., str]
) -> str:
    """A token with every scope, on an installation with data behind the endpoints."""
    subs.subscription_sell(
        customer=firma,
        version=OfferVersion.objects.get(offer__code="4business", status="active"),
        term_months=24,
        start_date=date(2026, 1, 15),
        address=subs.ServiceAddress("ul. Rynek", "1", "26-600", "Radom"),
        actor=actor,
        today=date(2026, 1, 10),
    )
    billing_run(period="2026-01", actor=actor, issue_date=date(2026, 2, 1), today=date(2026, 2, 1))
    return make_token(*sorted(SCOPES), name="contract")


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_keeps_its_contract(case: Any, bearer: str) -> None:
    response = case.call(headers={"Authorization": f"Bearer {bearer}"})
    case.validate_response(response, checks=CHECKS)

"""Fixtures of the integration tests: the demo catalog at a known moment, the TMF620 schema."""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client
from jsonschema import Draft4Validator

from rota.audit.actors import Actor
from rota.demo.services import demo_catalog_load

LOADED_AT = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
LOADED = "2026-03-02T08:30:00.000Z"
TMF = "/tmf-api/productCatalogManagement/v4/"
HREF = f"http://testserver{TMF}"

# An unmodified copy of the official spec (Apache 2.0, see tmf/README.md).
SPEC = Path(
    os.environ.get(
        "ROTA_TMF620_SPEC",
        Path(__file__).resolve().parent / "tmf" / "TMF620-ProductCatalog-v4.0.0.swagger.json",
    )
)
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def demo_catalog(db: None, actor: Actor) -> None:
    """The demo catalog, loaded (and so last updated) at LOADED_AT."""
    with time_machine.travel(LOADED_AT, tick=False):
        demo_catalog_load(actor=actor)


@pytest.fixture(scope="session")
def swagger() -> dict[str, Any]:
    if not SPEC.exists():
        pytest.fail(f"The TMF620 v4.0.0 swagger file is missing at {SPEC}")
    spec: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))
    return spec


def _strict(definitions: dict[str, Any]) -> dict[str, Any]:
    """Return the definitions with no room for attributes the spec does not define."""
    strict = copy.deepcopy(definitions)
    for name, definition in strict.items():
        if definition.get("properties") and name != "Error":
            definition["additionalProperties"] = False
    return strict


def _timestamps(body: Any) -> list[str]:
    if isinstance(body, list):
        return [t for item in body for t in _timestamps(item)]
    if not isinstance(body, dict):
        return []
    found = [
        value
        for key, value in body.items()
        if key in ("lastUpdate", "startDateTime", "endDateTime")
    ]
    return found + [t for value in body.values() for t in _timestamps(value)]


@pytest.fixture(scope="session")
def tmf_valid(swagger: dict[str, Any]) -> Callable[[Any, str], None]:
    """Return a check that a body is a valid instance of a definition of the official spec.

    Resources are checked strictly (no attribute outside the definition); timestamps must
    be UTC ending in "Z".
    """
    definitions = _strict(swagger["definitions"])

    def check(body: Any, definition: str) -> None:
        schema: dict[str, Any] = {"definitions": definitions}
        if definition.endswith("[]"):
            schema |= {"type": "array", "items": {"$ref": f"#/definitions/{definition[:-2]}"}}
        else:
            schema["$ref"] = f"#/definitions/{definition}"
        errors = sorted(Draft4Validator(schema).iter_errors(body), key=str)
        assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
        assert all(TIMESTAMP.match(t) for t in _timestamps(body)), _timestamps(body)

    return check


@pytest.fixture
def reader(make_token: Callable[..., str]) -> Client:
    """A client whose token may read the catalog."""
    return Client(headers={"Authorization": f"Bearer {make_token('catalog:read', name='crm')}"})


@pytest.fixture
def writer(make_token: Callable[..., str]) -> Client:
    """A client whose token may read and write the catalog."""
    secret = make_token("catalog:read", "catalog:write", name="sales-system")
    return Client(headers={"Authorization": f"Bearer {secret}"})

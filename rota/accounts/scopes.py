"""API scopes and the Django permission each one stands for when a staff user calls the API."""

from __future__ import annotations

# scope -> permission a logged-in user needs for the same access through the session.
SCOPES: dict[str, str] = {
    "catalog:read": "catalog.view_offerversion",
    "catalog:write": "catalog.change_offerversion",
    "customers:read": "customers.view_customer",
    "customers:write": "customers.change_customer",
    "billing:read": "billing.view_invoice",
    "billing:write": "billing.add_billingrun",
    "support:read": "support.view_ticket",
    "support:write": "support.change_ticket",
    "kpis:read": "kpis.view_kpisnapshot",
    "planning:read": "planning.view_plan",
    "planning:write": "planning.change_plan",
}


def unknown_scopes(scopes: list[str]) -> list[str]:
    """Return the scopes that Rota does not define."""
    return [scope for scope in scopes if scope not in SCOPES]

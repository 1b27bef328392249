"""The back office's sidebar: what each role sees is filtered by permission."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse_lazy


def _perm(name: str) -> Any:
    return lambda request: request.user.has_perm(name)


def sidebar(request: HttpRequest) -> list[dict[str, Any]]:
    """Return the sidebar groups."""
    return [
        {
            "title": "Catalog",
            "items": [
                {
                    "title": "Offers",
                    "icon": "sell",
                    "link": reverse_lazy("admin:catalog_offerversion_changelist"),
                    "permission": _perm("catalog.view_offerversion"),
                },
                {
                    "title": "Price list",
                    "icon": "receipt_long",
                    "link": reverse_lazy("admin:catalog_price_list"),
                    "permission": _perm("catalog.view_offerversion"),
                },
                {
                    "title": "Add-ons",
                    "icon": "extension",
                    "link": reverse_lazy("admin:catalog_addon_changelist"),
                    "permission": _perm("catalog.view_addon"),
                },
            ],
        },
        {
            "title": "Customers",
            "items": [
                {
                    "title": "Customers",
                    "icon": "group",
                    "link": reverse_lazy("admin:customers_customer_changelist"),
                    "permission": _perm("customers.view_customer"),
                },
                {
                    "title": "Subscriptions",
                    "icon": "router",
                    "link": reverse_lazy("admin:subscriptions_subscription_changelist"),
                    "permission": _perm("subscriptions.view_subscription"),
                },
                {
                    "title": "Cancellations",
                    "icon": "person_remove",
                    "link": reverse_lazy("admin:subscriptions_cancellation_changelist"),
                    "permission": _perm("subscriptions.view_subscription"),
                },
            ],
        },
        {
            "title": "Billing",
            "items": [
                {
                    "title": "Billing runs",
                    "icon": "receipt",
                    "link": reverse_lazy("admin:billing_billingrun_changelist"),
                    "permission": _perm("billing.view_billingrun"),
                },
                {
                    "title": "Invoices",
                    "icon": "description",
                    "link": reverse_lazy("admin:billing_invoice_changelist"),
                    "permission": _perm("billing.view_invoice"),
                },
                {
                    "title": "Payments",
                    "icon": "payments",
                    "link": reverse_lazy("admin:billing_payment_changelist"),
                    "permission": _perm("billing.view_payment"),
                },
                {
                    "title": "Arrears",
                    "icon": "warning",
                    "link": reverse_lazy("admin:billing_arrears"),
                    "permission": _perm("billing.view_invoice"),
                },
            ],
        },
        {
            "title": "Support",
            "items": [
                {
                    "title": "Tickets",
                    "icon": "support_agent",
                    "link": reverse_lazy("admin:support_ticket_changelist"),
                    "permission": _perm("support.view_ticket"),
                },
                {
                    "title": "Network incidents",
                    "icon": "crisis_alert",
                    "link": reverse_lazy("admin:support_incident_changelist"),
                    "permission": _perm("support.view_incident"),
                },
                {
                    "title": "SLA policies",
                    "icon": "timer",
                    "link": reverse_lazy("admin:support_slapolicy_changelist"),
                    "permission": _perm("support.view_slapolicy"),
                },
            ],
        },
        {
            "title": "Planning",
            "items": [
                {
                    "title": "Plans",
                    "icon": "flag",
                    "link": reverse_lazy("admin:planning_plan_changelist"),
                    "permission": _perm("planning.view_plan"),
                },
                {
                    "title": "My work",
                    "icon": "checklist",
                    "link": reverse_lazy("planning:my_work"),
                    "permission": _perm("planning.view_plan"),
                },
            ],
        },
        {
            "title": "Integrations",
            "items": [
                {
                    "title": "Webhook endpoints",
                    "icon": "webhook",
                    "link": reverse_lazy("admin:integrations_webhookendpoint_changelist"),
                    "permission": _perm("integrations.view_webhookendpoint"),
                },
                {
                    "title": "Webhook deliveries",
                    "icon": "outbox",
                    "link": reverse_lazy("admin:integrations_webhookdelivery_changelist"),
                    "permission": _perm("integrations.view_webhookdelivery"),
                },
            ],
        },
        {
            "title": "Administration",
            "items": [
                {
                    "title": "Installation settings",
                    "icon": "settings",
                    "link": reverse_lazy("admin:installation_installation_change", args=[1]),
                    "permission": _perm("installation.view_installation"),
                },
                {
                    "title": "Staff users",
                    "icon": "person",
                    "link": reverse_lazy("admin:auth_user_changelist"),
                    "permission": _perm("auth.view_user"),
                },
                {
                    "title": "API tokens",
                    "icon": "key",
                    "link": reverse_lazy("admin:accounts_apitoken_changelist"),
                    "permission": _perm("accounts.view_apitoken"),
                },
                {
                    "title": "Audit trail",
                    "icon": "history",
                    "link": reverse_lazy("admin:audit_auditevent_changelist"),
                    "permission": _perm("audit.view_auditevent"),
                },
            ],
        },
    ]


def show_history(request: HttpRequest) -> bool:
    """Show the History button (it opens the audit trail) to those allowed to read it."""
    return bool(request.user.has_perm("audit.view_auditevent"))

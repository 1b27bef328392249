"""Staff roles: Django groups and the permissions each one holds."""

from __future__ import annotations

from typing import Any

ADMINISTRATOR = "administrator"
SALES = "sales"
FINANCE = "finance"
SUPPORT = "support"
PLANNER = "planner"
AUDITOR = "auditor"

ROLES = [ADMINISTRATOR, SALES, FINANCE, SUPPORT, PLANNER, AUDITOR]

CATALOG_READ = [
    "catalog.view_offer",
    "catalog.view_offerversion",
    "catalog.view_pricephase",
    "catalog.view_addon",
    "installation.view_installation",
]
CATALOG_WRITE = [
    "catalog.add_offerversion",
    "catalog.change_offerversion",
    "catalog.add_addon",
    "catalog.change_addon",
]
CUSTOMERS_READ = [
    "customers.view_customer",
    "subscriptions.view_subscription",
    "subscriptions.view_plan",
    "subscriptions.view_planphase",
    "subscriptions.view_suspension",
    "subscriptions.view_subscriptionaddon",
]
CUSTOMERS_WRITE = [
    "customers.add_customer",
    "customers.change_customer",
    "subscriptions.add_subscription",
    "subscriptions.change_subscription",
]
BILLING_READ = [
    "billing.view_invoice",
    "billing.view_invoiceline",
    "billing.view_billingrun",
    "billing.view_payment",
]
BILLING_WRITE = ["billing.add_billingrun", "billing.add_payment"]
SUPPORT_READ = [
    "support.view_ticket",
    "support.view_ticketmessage",
    "support.view_slapolicy",
    "support.view_incident",
    "support.view_incidentimpact",
]
SUPPORT_WRITE = [
    "support.add_ticket",
    "support.change_ticket",
    "support.add_ticketmessage",
    "support.add_incident",
    "support.change_incident",
]
KPIS_READ = ["kpis.view_kpisnapshot"]
PLANNING_READ = ["planning.view_plan"]
PLANNING_WRITE = ["planning.add_plan", "planning.change_plan"]
SLA_WRITE = ["support.add_slapolicy", "support.change_slapolicy", "support.delete_slapolicy"]
ADMINISTRATION = [
    "installation.change_installation",
    "accounts.view_apitoken",
    "accounts.add_apitoken",
    "accounts.change_apitoken",
    "auth.view_user",
    "auth.add_user",
    "auth.change_user",
    "auth.view_group",
    "audit.view_auditevent",
    "integrations.view_webhookendpoint",
    "integrations.add_webhookendpoint",
    "integrations.change_webhookendpoint",
    "integrations.delete_webhookendpoint",
    "integrations.view_webhookdelivery",
    "integrations.change_webhookdelivery",
    "integrations.view_webhookattempt",
]
AUDIT_READ = ["audit.view_auditevent", "accounts.view_apitoken", "auth.view_user"]

# Each later capability adds its permissions here and a data migration that re-syncs them.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    ADMINISTRATOR: CATALOG_READ
    + CATALOG_WRITE
    + CUSTOMERS_READ
    + CUSTOMERS_WRITE
    + BILLING_READ
    + BILLING_WRITE
    + SUPPORT_READ
    + SUPPORT_WRITE
    + SLA_WRITE
    + ADMINISTRATION
    + KPIS_READ
    + PLANNING_READ
    + PLANNING_WRITE,
    SALES: CATALOG_READ
    + CUSTOMERS_READ
    + CUSTOMERS_WRITE
    + BILLING_READ
    + SUPPORT_READ
    + KPIS_READ
    + PLANNING_READ,
    FINANCE: CATALOG_READ
    + CUSTOMERS_READ
    + BILLING_READ
    + BILLING_WRITE
    + SUPPORT_READ
    + KPIS_READ
    + PLANNING_READ,
    SUPPORT: CATALOG_READ
    + CUSTOMERS_READ
    + BILLING_READ
    + SUPPORT_READ
    + SUPPORT_WRITE
    + KPIS_READ
    + PLANNING_READ,
    PLANNER: CATALOG_READ
    + CUSTOMERS_READ
    + BILLING_READ
    + SUPPORT_READ
    + KPIS_READ
    + PLANNING_READ
    + PLANNING_WRITE,
    AUDITOR: CATALOG_READ
    + CUSTOMERS_READ
    + BILLING_READ
    + SUPPORT_READ
    + AUDIT_READ
    + KPIS_READ
    + PLANNING_READ,
}


def sync_roles(apps: Any) -> None:
    """Create the role groups and give each exactly its permissions (for data migrations)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    # A migration may run before a later app's tables exist: its permissions are skipped
    # here and granted by that app's own role migration.
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            permission = permission_model.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                wanted.append(permission)
        group.permissions.set(wanted)

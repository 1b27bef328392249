from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "rota.billing"
    label = "billing"
    verbose_name = "Billing"

from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "rota.customers"
    label = "customers"
    verbose_name = "Customers"

from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "rota.subscriptions"
    label = "subscriptions"
    verbose_name = "Subscriptions"

from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "rota.support"
    label = "support"
    verbose_name = "Support"

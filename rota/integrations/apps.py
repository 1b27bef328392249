from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "rota.integrations"
    label = "integrations"
    verbose_name = "Integrations"

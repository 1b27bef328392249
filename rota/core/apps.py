from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rota.core"
    label = "core"
    verbose_name = "Core"

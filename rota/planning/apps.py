from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "rota.planning"
    label = "planning"
    verbose_name = "Planning"

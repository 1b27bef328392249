from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "rota.incidents"
    label = "incidents"
    verbose_name = "Network incidents"

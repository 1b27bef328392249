from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "rota.kpis"
    label = "kpis"
    verbose_name = "KPIs"

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "rota.demo"
    label = "demo"
    verbose_name = "Demo data"

from django.apps import AppConfig


class InstallationConfig(AppConfig):
    name = "rota.installation"
    label = "installation"
    verbose_name = "Installation"

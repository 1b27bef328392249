from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rota.accounts"
    label = "accounts"
    verbose_name = "Staff and API access"

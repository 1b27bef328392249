from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "rota.catalog"
    label = "catalog"
    verbose_name = "Catalog"

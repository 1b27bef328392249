from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "rota.audit"
    label = "audit"
    verbose_name = "Audit trail"

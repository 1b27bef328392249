from django.db import migrations

from rota.accounts.roles import sync_roles


def update_roles(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_billing_roles"),
        ("billing", "0002_payments"),
    ]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]

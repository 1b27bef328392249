"""`rota ensure_admin`: create the first administrator if there is none."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rota.accounts.services import admin_ensure
from rota.audit.actors import Actor


class Command(BaseCommand):
    help = (
        "Create the administrator account if no administrator exists. The password comes "
        "from ROTA_ADMIN_PASSWORD or is generated and printed once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default=os.environ.get("ROTA_ADMIN_USER", "admin"))

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        given = os.environ.get("ROTA_ADMIN_PASSWORD") or None
        created, shown = admin_ensure(
            username=username, password=given, actor=Actor.system("setup")
        )
        if not created:
            note = " ROTA_ADMIN_PASSWORD was not applied." if given else ""
            self.stdout.write(f"An administrator already exists.{note}")
        elif shown:
            self.stdout.write(
                self.style.WARNING(
                    f"Administrator created: user {username!r}, password {shown!r} "
                    "(shown only this once; change it after logging in)."
                )
            )
        else:
            self.stdout.write(
                f"Administrator created: user {username!r}, password from ROTA_ADMIN_PASSWORD."
            )

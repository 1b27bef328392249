"""The `rota` command: Django's management commands under one name (`rota demo`, `rota bill`...)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command, making sure the data directory exists first."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rota.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    execute_from_command_line(["rota", *(sys.argv[1:] if argv is None else argv)])

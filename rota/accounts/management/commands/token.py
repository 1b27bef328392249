"""`rota token create|list|revoke`: API tokens for integrations."""

from __future__ import annotations

import io
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.table import Table

from rota.accounts.models import ApiToken
from rota.accounts.scopes import SCOPES
from rota.accounts.selectors import token_list
from rota.accounts.services import token_create, token_revoke
from rota.audit.actors import Actor
from rota.core.errors import DomainError


class Command(BaseCommand):
    help = "Create, list and revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print it once")
        create.add_argument("--name", required=True)
        create.add_argument(
            "--scope",
            action="append",
            required=True,
            dest="scopes",
            help=f"repeatable; one of: {', '.join(SCOPES)}",
        )
        sub.add_parser("list", help="list tokens")
        revoke = sub.add_parser("revoke", help="revoke a token by name")
        revoke.add_argument("--name", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system("cli")
        try:
            if options["action"] == "create":
                token, secret = token_create(
                    name=options["name"], scopes=options["scopes"], actor=actor
                )
                self.stderr.write(
                    f"Token {token.name!r} created with scopes {', '.join(token.scopes)}. "
                    "It is shown only once:"
                )
                self.stdout.write(secret)
            elif options["action"] == "revoke":
                found = ApiToken.objects.filter(name=options["name"]).first()
                if found is None:
                    raise CommandError(f"There is no token named {options['name']!r}.")
                token_revoke(token=found, actor=actor)
                self.stdout.write(f"Token {found.name!r} revoked.")
            else:
                self._list()
        except DomainError as exc:
            details = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
            raise CommandError(details or exc.detail) from exc

    def _list(self) -> None:
        table = Table("name", "prefix", "scopes", "created", "last used", "state")
        for token in token_list():
            table.add_row(
                token.name,
                token.prefix,
                " ".join(token.scopes),
                f"{token.created_at:%Y-%m-%d %H:%M}",
                f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "-",
                "active" if token.is_active else "revoked",
            )
        console = Console(file=io.StringIO(), width=120)
        console.print(table)
        self.stdout.write(console.file.getvalue())  # type: ignore[attr-defined]

"""`rota import_payments FILE [--skip-bad]`: record the payments of a bank statement CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rota.audit.actors import Actor
from rota.billing.bank import read_statement, statement_import
from rota.core.errors import InvalidInput
from rota.core.money import format_amount


class Command(BaseCommand):
    help = (
        "Import a bank statement CSV (date, amount, reference[, customer]). A file with bad "
        "rows imports nothing unless --skip-bad is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--skip-bad", action="store_true", help="import the good rows only")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            text = options["file"].read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc}") from exc
        rows, errors = read_statement(text)
        for error in errors:
            self.stderr.write(f"line {error.line}: {error.message}")
        if errors and errors[0].line == 1 and not rows:
            raise CommandError("The file's header is wrong; nothing imported.")
        if errors and not options["skip_bad"]:
            raise CommandError(
                f"{len(errors)} bad row(s); nothing imported. Fix them or use --skip-bad."
            )
        try:
            results = statement_import(rows=rows, actor=Actor.system("import"))
        except InvalidInput as exc:
            details = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
            raise CommandError(f"Nothing imported: {details}") from exc
        total = sum(r.payment.amount_minor for r in results)
        credit = sum(r.credit_minor for r in results)
        self.stdout.write(
            f"Imported {len(results)} payment(s), {format_amount(total)} in total; "
            f"{format_amount(credit)} left as customer credit; {len(errors)} row(s) skipped."
        )

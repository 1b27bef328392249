"""Write many rows fast: plain tuples with one prepared INSERT (SQLite) or COPY (PostgreSQL).

For set-based bulk work (the demo history, the billing run) where building model
instances for `bulk_create` costs more than the database's own work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

Row = tuple[Any, ...]


class BulkTable:
    """A batched INSERT of rows given in `columns` order (model field names) into a table."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        fields = [model._meta.get_field(column) for column in columns]
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        names = ", ".join(quote(f.column) for f in fields if isinstance(f, models.Field))
        # Only identifiers from the models' metadata go into the SQL; values are parameters.
        values = ", ".join(["%s"] * len(fields))
        self.sql = f"INSERT INTO {table} ({names}) VALUES ({values})"  # noqa: S608
        self.copy = f"COPY {table} ({names}) FROM STDIN"
        self.adapt: list[tuple[int, Callable[[Any], Any]]] = []
        ops = connection.ops
        for i, f in enumerate(fields):
            if isinstance(f, models.JSONField):
                self.adapt.append((i, _json_adapter(ops, f.encoder)))
            elif isinstance(f, models.DateTimeField) and connection.vendor == "sqlite":
                self.adapt.append((i, _sqlite_datetime))

    def insert(self, cursor: Any, rows: Sequence[Row]) -> None:
        """Insert the rows: with COPY on PostgreSQL, else one prepared INSERT for all."""
        if not rows:
            return
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(self.copy) as copy:
                for row in self.rows(rows):
                    copy.write_row(row)
        else:
            cursor.executemany(self.sql, self.rows(rows))

    def rows(self, rows: Sequence[Row]) -> Sequence[Row]:
        """Return the rows with the values the database driver cannot take as they are."""
        if not self.adapt:
            return rows
        out = []
        adapt = self.adapt
        for row in rows:
            values = list(row)
            for i, convert in adapt:
                values[i] = convert(values[i])
            out.append(tuple(values))
        return out


def _json_adapter(ops: Any, encoder: Any) -> Callable[[Any], Any]:
    return lambda value: ops.adapt_json_value(value, encoder)


def _sqlite_datetime(value: datetime | None) -> str | None:
    """Return an aware datetime as Django stores it in SQLite: naive UTC text (or NULL)."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def next_id(model: type[models.Model]) -> int:
    """Return the first free primary key (call it under the lock that serialises writers)."""
    return (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1


def reset_sequences(cursor: Any, models_with_ids: Sequence[type[models.Model]]) -> None:
    """Move PostgreSQL's id sequences past rows inserted with their own keys."""
    for sql in connection.ops.sequence_reset_sql(no_style(), list(models_with_ids)):
        cursor.execute(sql)

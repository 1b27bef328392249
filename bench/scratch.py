"""A scratch database for a benchmark: a new SQLite file, or a new database next to a URL."""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def add_database_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the mutually exclusive --db and --database-url options."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", help="scratch SQLite file to create (default: a temporary file)")
    where.add_argument(
        "--database-url", help="a PostgreSQL URL; the bench works in a scratch copy next to it"
    )


def _maintenance(url: str) -> str:
    """Return the URL of the server's `postgres` database, to create and drop others."""
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


@contextmanager
def scratch_database(label: str, db: str | None, database_url: str | None) -> Iterator[Path]:
    """Point Rota at a new empty database (and data folder) and remove both afterwards.

    Must run before Django is set up: it sets ROTA_VAR_DIR and DATABASE_URL.
    """
    import psycopg

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rota.settings")
    scratch = Path(tempfile.mkdtemp(prefix=f"rota-bench-{label}-"))
    os.environ["ROTA_VAR_DIR"] = str(scratch)
    created: str | None = None
    try:
        if database_url:
            parts = urlsplit(database_url)
            created = f"{parts.path.lstrip('/') or 'rota'}_bench_{os.getpid()}"
            with psycopg.connect(_maintenance(database_url), autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{created}"')
            os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{created}"))
        else:
            path = Path(db) if db else scratch / "bench.sqlite3"
            if path.exists():
                raise SystemExit(f"{path} exists; give a path for a new scratch file")
            os.environ["DATABASE_URL"] = f"sqlite:///{path.resolve()}"
        yield scratch
    finally:
        if created is not None and database_url:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(_maintenance(database_url), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{created}"')
        shutil.rmtree(scratch, ignore_errors=True)

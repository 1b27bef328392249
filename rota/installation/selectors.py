"""Read the installation settings (once per request: every money cell on a page needs them)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from rota.core.money import format_money
from rota.installation.models import Installation

# Set for the duration of a request by the middleware; commands read the database each time.
_REQUEST_CACHE: ContextVar[dict[str, Installation] | None] = ContextVar(
    "rota_installation", default=None
)


def installation_get() -> Installation:
    """Return the settings row (created by the installation app's first migration)."""
    cache = _REQUEST_CACHE.get()
    if cache is None:
        return Installation.objects.get(pk=1)
    if "row" not in cache:
        cache["row"] = Installation.objects.get(pk=1)
    return cache["row"]


def installation_zone() -> ZoneInfo:
    """Return the installation's time zone (UTC if the stored name is unknown to this host)."""
    try:
        return ZoneInfo(installation_get().time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def installation_today() -> date:
    """Return today's date where the ISP is: due dates and "today's state" follow it."""
    return timezone.localdate(timezone=installation_zone())


def installation_forget() -> None:
    """Drop the request's copy after the settings changed."""
    cache = _REQUEST_CACHE.get()
    if cache is not None:
        cache.clear()


@contextmanager
def request_scope() -> Iterator[None]:
    """Keep the settings read for the duration of one request."""
    token = _REQUEST_CACHE.set({})
    try:
        yield
    finally:
        _REQUEST_CACHE.reset(token)


def money_formatter(installation: Installation | None = None) -> Callable[[int], str]:
    """Return a function that formats minor units in the installation's currency and locale."""
    inst = installation or installation_get()
    return lambda minor: format_money(minor, inst.currency, inst.locale)

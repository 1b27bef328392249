"""Read the installation settings."""

from __future__ import annotations

from collections.abc import Callable

from rota.core.money import format_money
from rota.installation.models import Installation


def installation_get() -> Installation:
    """Return the settings row (created by the installation app's first migration)."""
    return Installation.objects.get(pk=1)


def money_formatter(installation: Installation | None = None) -> Callable[[int], str]:
    """Return a function that formats minor units in the installation's currency and locale."""
    inst = installation or installation_get()
    return lambda minor: format_money(minor, inst.currency, inst.locale)

"""Read the installation settings at most once per request and show times in its zone."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from rota.installation.selectors import installation_zone, request_scope


class InstallationPerRequest:
    """Middleware: every money cell on a page needs the settings; read them once.

    Times on pages are shown in the installation's time zone; they are stored in UTC.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_scope():
            timezone.activate(installation_zone())
            try:
                return self.get_response(request)
            finally:
                timezone.deactivate()

"""The embeddable offers page: the offers on sale as a plain, responsive HTML page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from rota.catalog.models import Segment
from rota.catalog.selectors import describe_schedule, terms_of
from rota.installation.selectors import installation_get, money_formatter
from rota.integrations.selectors import feed_versions


@require_safe
@xframe_options_exempt
@cache_control(public=True, max_age=300)
def offers_page(request: HttpRequest) -> HttpResponse:
    """Show the offers on sale, optionally of one segment; any site may link or frame it."""
    segment = request.GET.get("segment")
    if segment not in Segment.values:
        segment = None
    money = money_formatter()
    offers = [
        {
            "version": version,
            "terms": [
                {
                    "months": months,
                    "schedule": describe_schedule(phases, money),
                }
                for months, phases in terms_of(version).items()
            ],
            "addons": [(a.name, money(a.monthly_price_minor)) for a in version.addons.all()],
        }
        for version in feed_versions(segment=segment)
    ]
    return render(
        request,
        "integrations/offers.html",
        {
            "offers": offers,
            "segment": segment,
            "segments": Segment.choices,
            "company": installation_get().company_name,
        },
    )

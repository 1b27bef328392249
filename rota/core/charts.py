"""Chart.js options shared by the back office's charts (the KPI dashboard, the planning pages)."""

from __future__ import annotations

import json
from typing import Any


def chart_options(left: str, right: str = "", *, stacked: bool = False) -> str:
    """The options of a chart with a left axis titled `left` and, if given, a right one.

    Returns them as JSON for unfold's chart component: no animation, the legend at the
    bottom, the x and left axes stacked when `stacked`.
    """
    scales: dict[str, Any] = {
        "x": {"stacked": stacked, "grid": {"display": False}},
        "y": {"stacked": stacked, "title": {"display": True, "text": left}},
    }
    if right:
        scales["y1"] = {
            "position": "right",
            "title": {"display": True, "text": right},
            "grid": {"display": False},
        }
    return json.dumps(
        {
            "animation": False,
            "responsive": True,
            "maintainAspectRatio": False,
            "plugins": {"legend": {"display": True, "position": "bottom"}},
            "scales": scales,
        }
    )

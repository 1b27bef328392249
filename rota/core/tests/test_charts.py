from __future__ import annotations

import json

from rota.core.charts import chart_options


def test_one_axis() -> None:
    assert json.loads(chart_options("value")) == {
        "animation": False,
        "responsive": True,
        "maintainAspectRatio": False,
        "plugins": {"legend": {"display": True, "position": "bottom"}},
        "scales": {
            "x": {"stacked": False, "grid": {"display": False}},
            "y": {"stacked": False, "title": {"display": True, "text": "value"}},
        },
    }


def test_two_axes_stacked() -> None:
    scales = json.loads(chart_options("churned by reason", "%", stacked=True))["scales"]
    assert scales == {
        "x": {"stacked": True, "grid": {"display": False}},
        "y": {"stacked": True, "title": {"display": True, "text": "churned by reason"}},
        "y1": {
            "position": "right",
            "title": {"display": True, "text": "%"},
            "grid": {"display": False},
        },
    }

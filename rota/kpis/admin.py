"""The back office's home page is the KPI dashboard (see views.py)."""

from __future__ import annotations

from django.contrib import admin

admin.site.index_template = "kpis/dashboard.html"

"""Snapshots of closed months' KPIs, so history stays fast and stable."""

from __future__ import annotations

from django.db import models


class KpiSnapshot(models.Model):
    """Every KPI of one closed month for one slice, as computed at `computed_at`.

    `data_version` is the newest audit event the values account for; a recorded change
    that reaches back into the month makes the snapshot stale, and the next read (or
    `rota kpi refresh`) computes it again.
    """

    month = models.CharField(max_length=7, help_text="YYYY-MM")
    filters_key = models.CharField(max_length=32, help_text="Hash of the filters")
    filters = models.JSONField(default=dict, blank=True)
    values = models.JSONField(default=dict)
    breakdown = models.JSONField(default=dict, blank=True, help_text="Churned by reason")
    computed_at = models.DateTimeField()
    data_version = models.BigIntegerField(default=0)
    stale = models.BooleanField(default=False)

    class Meta:
        ordering = ["-month", "filters_key"]
        verbose_name = "KPI snapshot"
        constraints = [
            models.UniqueConstraint(fields=["month", "filters_key"], name="kpi_snapshot_once"),
        ]
        indexes = [models.Index(fields=["stale", "month"], name="kpi_snapshot_stale_idx")]

    def __str__(self) -> str:
        return f"KPIs {self.month} {self.filters or 'all'}"

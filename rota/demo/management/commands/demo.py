"""`rota demo`: load the demo ISP (its catalog of six offers and their add-ons)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rota.audit.actors import Actor
from rota.demo.services import demo_catalog_load


class Command(BaseCommand):
    help = "Load the demo ISP's catalog. Safe to run again: existing codes are left alone."

    def handle(self, *args: Any, **options: Any) -> None:
        addons, offers = demo_catalog_load(actor=Actor.system("demo"))
        self.stdout.write(f"Demo catalog: {offers} offers and {addons} add-ons created.")

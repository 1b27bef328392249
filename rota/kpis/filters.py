"""The slice a KPI is computed for: segment, offer, technology and municipality."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

FILTER_FIELDS = ("segment", "offer", "technology", "municipality")


@dataclass(frozen=True)
class Filters:
    """Empty strings mean "all"; `offer` is an offer code, `municipality` a municipality code."""

    segment: str = ""
    offer: str = ""
    technology: str = ""
    municipality: str = ""

    def as_dict(self) -> dict[str, str]:
        """Return the filters that are set."""
        return {k: v for k, v in asdict(self).items() if v}

    @property
    def key(self) -> str:
        """Return a stable hash of the filters (the snapshot key)."""
        text = json.dumps(self.as_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    @property
    def by_plan(self) -> bool:
        """Tell whether a filter needs the plan in force (segment, offer or technology)."""
        return bool(self.segment or self.offer or self.technology)

    @property
    def is_empty(self) -> bool:
        return not self.as_dict()

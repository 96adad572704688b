"""Inputs of the results pipeline (forms, score ingestion, ranking), independent of the campaign model.

The campaign loader adapts its own tiers and units to these records, so the results code does not depend on
how the campaign YAML is modelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from letters.indicators.sets import IndicatorSet, slugify


@dataclass(frozen=True)
class TierRef:
    """One tier of assessed units (cấp sở, cấp huyện, cấp xã) and the indicator set it is scored on."""

    id: str
    name: str
    indicator_set: IndicatorSet
    form: str = ""  # "Biểu số 01"
    annex: str = ""  # "Phụ lục 1"
    deadline: date | None = None  # last day (inclusive) for the tier's submissions to reach the Sở


@dataclass(frozen=True)
class Unit:
    """An assessed unit. `parent` is the id of the unit that appraises it (a commune's district), if any."""

    id: str
    name: str
    tier: str
    parent: str | None = None


def make_unit(name: str, tier: str, *, id: str | None = None, parent: str | None = None) -> Unit:
    """A unit whose id defaults to the slug of its name ("Sở Tư pháp" -> "so-tu-phap")."""
    return Unit(id or slugify(name), name.strip(), tier, parent)


__all__ = ["TierRef", "Unit", "make_unit", "slugify"]

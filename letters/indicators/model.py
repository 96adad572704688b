"""Inputs of the results pipeline (forms, score ingestion, ranking), independent of the campaign model.

The campaign loader adapts its own tiers and units to these records, so the results code does not depend on
how the campaign YAML is modelled.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from letters.core.vn import slugify
from letters.indicators.sets import IndicatorSet


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


def normalise_name(text: str) -> str:
    """A unit name as people type it: case, spacing and an "UBND" prefix do not matter."""
    text = unicodedata.normalize("NFC", str(text)).casefold()
    text = re.sub(r"\s+", " ", text).strip()
    for prefix in ("ủy ban nhân dân ", "uỷ ban nhân dân ", "ubnd "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text


class UnitIndex:
    """Finds a unit by id or by name, ignoring case, spacing and an "UBND" prefix."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self.by_id: dict[str, Unit] = {}
        self._keys: dict[str, Unit] = {}
        for unit in units:
            self.by_id[unit.id] = unit
            for key in (normalise_name(unit.id), normalise_name(unit.name), slugify(unit.name)):
                self._keys.setdefault(key, unit)

    def find(self, text: str) -> Unit | None:
        text = str(text or "").strip()
        if not text:
            return None
        return self._keys.get(normalise_name(text)) or self._keys.get(slugify(text))

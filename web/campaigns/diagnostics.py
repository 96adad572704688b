"""The check's findings placed on the page: each beside the field its path names (`phases[2].end` → the end date
of the second phase), the rest at the top of the page or of the campaign, with their line."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from web.campaigns.schema import Loc

_PART = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def parse_field(path: str | None) -> Loc | None:
    """'phases[2].end' → ('phases', 1, 'end'): positions in paths count from 1, in a Loc from 0."""
    if not path:
        return None
    loc: list[str | int] = []
    for m in _PART.finditer(path):
        if m.group(1) is not None:
            loc.append(int(m.group(1)) - 1)
        else:
            loc.append(m.group(2))
    return tuple(loc)


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" or "warning"
    message: str
    line: int | None
    field: str | None
    file: str | None
    loc: Loc | None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def label(self) -> str:
        return "Lỗi" if self.is_error else "Cảnh báo"

    @property
    def where(self) -> str:
        """'dòng 12' or 'tệp cap-so-mau.yaml, dòng 4', as the summary names the place."""
        parts = []
        if self.file:
            parts.append(f"tệp {self.file}")
        if self.line:
            parts.append(f"dòng {self.line}")
        return ", ".join(parts)


def findings(rows: Iterable[dict[str, Any]]) -> list[Finding]:
    out = []
    for r in rows:
        field = r.get("field")
        # A finding about another file (an indicator set) names a field of that file, not of this one.
        loc = None if r.get("file") else parse_field(field)
        out.append(
            Finding(
                r.get("severity", "error"), r.get("message", ""), r.get("line"), field, r.get("file"), loc
            )
        )
    return out


def under(loc: Loc | None, prefix: Loc) -> bool:
    return loc is not None and loc[: len(prefix)] == prefix


class Board:
    """Findings handed out to the places a page shows: each goes to the deepest place whose path starts its own."""

    def __init__(self, items: list[Finding], page: Loc) -> None:
        self.page = page
        self.items = [f for f in items if under(f.loc, page)]
        self._anchors: set[Loc] = {page}
        self._assigned: dict[Loc, list[Finding]] | None = None

    def anchor(self, loc: Loc) -> Loc:
        self._anchors.add(loc)
        self._assigned = None
        return loc

    def _assign(self) -> dict[Loc, list[Finding]]:
        if self._assigned is None:
            assigned: dict[Loc, list[Finding]] = {}
            for f in self.items:
                assert f.loc is not None
                best = max((a for a in self._anchors if under(f.loc, a)), key=len)
                assigned.setdefault(best, []).append(f)
            for found in assigned.values():
                found.sort(key=lambda f: (not f.is_error, f.line or 0))
            self._assigned = assigned
        return self._assigned

    def at(self, loc: Loc) -> list[Finding]:
        return self._assign().get(loc, [])

    def within(self, loc: Loc) -> list[Finding]:
        """Every finding under `loc`, wherever it was placed (a link counts what its page will show)."""
        return [f for f in self.items if under(f.loc, loc)]

    @property
    def top(self) -> list[Finding]:
        return self.at(self.page)

"""Each tier's own submission deadline, as the online forms enforce it.

A tier's ranking deadline (`OnlinePlan` tier `deadline`) is the day its results reach the issuing Sở. In a
three-tier campaign the communes' results reach the Sở through their district: the commune sends its
self-assessment to the district by an earlier day (a deadline with `to`), and the district forwards them by a
later one (a deadline with `aggregates`). A commune's form must lock at the earlier day, so the window needs
the chain the ranking does not.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class TierDeadlines:
    tier: str
    submit_by: date | None  # last day (inclusive) the tier's units send their self-assessment
    submit_to: str | None  # the tier that receives it (a district for its communes); None: the issuing Sở
    forwards: dict[str, date] = field(default_factory=dict)  # tier aggregated -> last day it is forwarded


_lock = threading.Lock()
_cache: dict[tuple[str, int, int], dict[str, TierDeadlines]] = {}


def tier_deadlines(campaign_file: Path) -> dict[str, TierDeadlines]:
    """Per tier id, its own deadline chain (tiers without a results deadline are absent).

    Read from the file's sections alone and kept while the file is unchanged: every page computes windows."""
    path = Path(campaign_file)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    found = _read(path)
    with _lock:
        for old in [k for k in _cache if k[0] == key[0]]:
            del _cache[old]
        _cache[key] = found
    return found


def _read(path: Path) -> dict[str, TierDeadlines]:
    from letters.campaign.load import load_sections

    sections = load_sections(path).sections
    own: dict[str, tuple[date, str | None]] = {}
    forwards: dict[str, dict[str, date]] = {}
    for d in sections.get("deadlines") or []:
        if not d.is_results:
            continue
        if d.aggregates:
            for tier in d.tiers:
                forwards.setdefault(str(tier), {})[str(d.aggregates)] = d.date
            continue
        for tier in d.tiers:
            current = own.get(str(tier))
            # A deadline to another tier is the unit's own; it wins over a direct one written for the same tier.
            if current is None or (d.to and current[1] is None):
                own[str(tier)] = (d.date, str(d.to) if d.to else None)
    tiers = set(own) | set(forwards)
    return {
        t: TierDeadlines(
            t,
            own[t][0] if t in own else None,
            own[t][1] if t in own else None,
            forwards.get(t, {}),
        )
        for t in tiers
    }

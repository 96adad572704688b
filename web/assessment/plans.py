"""A campaign's online plan (tiers, units, indicators, phases), read from its campaign file through the use
case and kept per process for as long as the campaign's version does not change."""

from __future__ import annotations

import hashlib
import threading

from letters.usecases.online import OnlinePlan, online_plan
from web.campaigns.models import Campaign

_lock = threading.Lock()
_cache: dict[tuple[int, int, str], OnlinePlan] = {}


def plan_for(campaign: Campaign) -> OnlinePlan:
    """DiagnosticsError (located, in Vietnamese) when the campaign file has errors: the caller shows them."""
    # The source's hash too: a test database reuses primary keys after a rollback.
    key = (campaign.pk, campaign.version, hashlib.sha1(campaign.source.encode("utf-8")).hexdigest())
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    if not campaign.yaml_path.is_file() or campaign.yaml_path.read_text(encoding="utf-8") != campaign.source:
        campaign.write_yaml()
    plan = online_plan(campaign.yaml_path)
    with _lock:
        for old in [k for k in _cache if k[0] == campaign.pk]:
            del _cache[old]
        _cache[key] = plan
    return plan

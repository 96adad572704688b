"""The campaign's tiers with their indicator sets, deadlines and units, as the forms and results code take
them: units with parents resolved, each tier's deadline, and the late rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from letters.core.errors import VanbanError
from letters.core.vn import DateFormatError, parse_date
from letters.indicators.forms_xlsx import write_tier_forms
from letters.indicators.model import TierRef, Unit, UnitIndex, make_unit
from letters.indicators.sets import load_indicator_set


@dataclass(frozen=True)
class ResultsCampaign:
    """What the results commands need from a campaign file."""

    path: Path
    year: int
    tiers: list[TierRef]
    units: list[Unit]
    late_rule: str = "exclude"


def _date(value: Any, where: str, path: Path) -> date | None:
    if value in (None, ""):
        return None
    try:
        return parse_date(value)
    except DateFormatError as exc:
        raise VanbanError(f"{path}: {where}: {exc.message}.") from None


def _tier_deadlines(raw: dict[str, Any], path: Path) -> dict[str, date]:
    """Last day (inclusive) on which each tier's results may reach the issuing Sở.

    A deadline sent to another tier (communes to their district) is not the Sở's; a deadline that
    "aggregates" a tier (the district forwarding its communes) is.
    """
    direct: dict[str, date] = {}
    via: dict[str, date] = {}
    for i, d in enumerate(raw.get("deadlines") or [], 1):
        if not isinstance(d, dict):
            continue
        when = _date(d.get("date"), f"hạn nộp thứ {i}", path)
        if when is None:
            continue
        if d.get("aggregates"):
            # The district forwarding its communes: the communes' deadline, not the district's own.
            via[str(d["aggregates"])] = when
        elif not d.get("to"):
            for tier_id in d.get("tiers") or []:
                direct[str(tier_id)] = when
    return {**direct, **via}


def _resolve_units(pending: list[tuple[str, str, str | None, str | None]], path: Path) -> list[Unit]:
    """Units with ids (slug of the name when missing) and their parent resolved to a unit id."""
    plain = [make_unit(name, tier, id=uid) for name, tier, uid, _ in pending]
    index = UnitIndex(plain)
    units: list[Unit] = []
    seen: dict[str, str] = {}
    for unit, (_, _, _, parent) in zip(plain, pending, strict=True):
        if unit.id in seen:
            raise VanbanError(
                f"{path}: mã đơn vị «{unit.id}» dùng cho cả «{seen[unit.id]}» và «{unit.name}».",
                hint="Ghi «id» riêng cho một trong hai đơn vị.",
            )
        seen[unit.id] = unit.name
        parent_id = None
        if parent:
            found = index.find(str(parent))
            if found is None:
                raise VanbanError(
                    f"{path}: đơn vị cấp trên «{parent}» của «{unit.name}» không có trong danh sách."
                )
            parent_id = found.id
        units.append(Unit(unit.id, unit.name, unit.tier, parent_id))
    return units


def from_campaign_model(campaign: Any) -> ResultsCampaign:
    """Adapt the full campaign model (letters.campaign.Campaign, duck-typed) to the results inputs."""
    source = Path(campaign.source) if getattr(campaign, "source", None) else Path("campaign.yaml")
    raw_deadlines = [
        {"date": d.date, "tiers": list(d.tiers), "to": d.to, "aggregates": d.aggregates}
        for d in campaign.deadlines
        if getattr(d, "is_results", True)  # a deadline for naming a focal point is not the results' deadline
    ]
    deadlines = _tier_deadlines({"deadlines": raw_deadlines}, source)
    tiers = []
    pending: list[tuple[str, str, str | None, str | None]] = []
    for t in campaign.tiers:
        if not t.indicators:
            raise VanbanError(f"{source}: nhóm «{t.id}» chưa chỉ ra bộ chỉ số («indicators»).")
        ind = load_indicator_set(t.indicators, base_dir=source.parent)
        form, annex = campaign.form_label(t), campaign.annex_label(t)
        tiers.append(TierRef(t.id, t.name, ind, form, annex, deadlines.get(t.id)))
        pending += [(u.name, t.id, u.id, u.parent) for u in t.units]
    units = _resolve_units(pending, source)
    return ResultsCampaign(source, campaign.campaign.year, tiers, units, str(campaign.campaign.late_policy))


def write_forms(campaign: ResultsCampaign, out_dir: Path, *, force: bool = False) -> list[Path]:
    """One blank self-assessment workbook per tier."""
    return write_tier_forms(campaign.tiers, out_dir, year=campaign.year, force=force)


def load_for_results(path: Path) -> tuple[Any, ResultsCampaign]:
    """The validated campaign (errors reported by line) and its results inputs."""
    from letters.campaign.load import load_campaign

    full = load_campaign(Path(path))
    return full, from_campaign_model(full)

"""What the online campaign needs from a campaign file: its tiers and units, each tier's indicators as the rows
of the self-assessment form, who appraises whom, the phases that open and close the forms, and the late rule.

The web service reads the campaign through this plan only, so a campaign the CLI renders and one the web runs
online are the same data (three tiers before 07/2025, two since: nothing here assumes either).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

# Phase ids the online system acts on (the wording of the Kế hoạch uses the same ids).
SELF_ASSESSMENT = "tu_danh_gia"
APPRAISAL_1 = "tham_dinh_1"
EXPLANATIONS = "giai_trinh"
APPRAISAL_2 = "tham_dinh_2"
PUBLICATION = "cong_bo"


@dataclass(frozen=True)
class IndicatorRow:
    """One scored component of a tier's indicator set, as the unit's form shows it."""

    code: str
    name: str
    max_points: Decimal
    method: str
    evidence: str
    index_code: str
    index_name: str
    group: str | None = None


@dataclass(frozen=True)
class IndexRow:
    """A main index (chỉ số chính) heading the components below it on the form."""

    code: str
    name: str
    max_points: Decimal
    group: str | None = None


@dataclass(frozen=True)
class PlanUnit:
    key: str  # the unit's id in the campaign, or the slug of its name
    name: str
    tier: str
    parent: str | None = None  # the key of the unit that appraises it (a district for its communes)


@dataclass(frozen=True)
class PlanTier:
    id: str
    name: str
    short: str
    appraised_by: str | None  # the tier whose units appraise this tier's units; None: the Sở
    deadline: date | None  # last day (inclusive) of the self-assessment for this tier
    indicator_set: str  # the set's name and version, as the form prints it
    indices: tuple[IndexRow, ...]
    rows: tuple[IndicatorRow, ...]
    max_points: Decimal

    def row(self, code: str) -> IndicatorRow:
        for r in self.rows:
            if r.code == code:
                return r
        raise KeyError(code)


@dataclass(frozen=True)
class PlanPhase:
    id: str
    name: str
    start: date | None
    end: date
    tiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanAppraiser:
    """A department that appraises the indicators of its field (from the campaign's `appraisers`)."""

    name: str
    scope: str
    tiers: tuple[str, ...]


@dataclass(frozen=True)
class OnlinePlan:
    path: Path
    slug_year: int
    title: str
    issuer: str
    issuer_abbreviation: str
    late_rule: str  # "exclude" | "last"
    tiers: tuple[PlanTier, ...]
    units: tuple[PlanUnit, ...]
    phases: dict[str, PlanPhase] = field(default_factory=dict)
    appraisers: tuple[PlanAppraiser, ...] = ()
    system_name: str = ""
    system_url: str = ""

    def tier(self, tier_id: str) -> PlanTier:
        for t in self.tiers:
            if t.id == tier_id:
                return t
        raise KeyError(tier_id)

    def unit(self, key: str) -> PlanUnit:
        for u in self.units:
            if u.key == key:
                return u
        raise KeyError(key)

    def phase(self, phase_id: str) -> PlanPhase | None:
        return self.phases.get(phase_id)


def online_plan(campaign_file: Path) -> OnlinePlan:
    """The campaign's online plan; DiagnosticsError (every error located) when the file or a set is wrong."""
    from letters.core.errors import DiagnosticsError, VanbanError
    from letters.indicators.tiers import from_campaign_model
    from letters.usecases.documents import load_checked_campaign

    check = load_checked_campaign(Path(campaign_file), build_letters=False)
    full = check.campaign
    assert full is not None  # load_checked_campaign raised otherwise
    try:
        results = from_campaign_model(full)
    except DiagnosticsError:
        raise
    except VanbanError:
        raise
    tiers: list[PlanTier] = []
    for ref in results.tiers:
        spec = full.tier(ref.id)
        ind = ref.indicator_set
        groups = {g.code: g.name for g in ind.groups}
        indices: list[IndexRow] = []
        rows: list[IndicatorRow] = []
        for index in ind.indices:
            if not index.scored:
                continue
            group = groups.get(index.group or "") if index.group else None
            indices.append(IndexRow(index.code, index.name, index.max_points, group))
            for comp in index.components:
                if not comp.scored:
                    continue
                rows.append(
                    IndicatorRow(
                        comp.code,
                        comp.name,
                        comp.max_points,
                        comp.method,
                        comp.evidence,
                        index.code,
                        index.name,
                        group,
                    )
                )
        tiers.append(
            PlanTier(
                ref.id,
                ref.name,
                spec.short or ref.name,
                spec.appraised_by,
                ref.deadline,
                ind.edition or ind.name,
                tuple(indices),
                tuple(rows),
                ind.max_points,
            )
        )
    units = tuple(PlanUnit(u.id, u.name, u.tier, u.parent) for u in results.units)
    phases = {
        p.id: PlanPhase(p.id, p.name, p.start, p.end, tuple(p.tiers))
        for p in full.phases
        if p.end is not None
    }
    info = full.campaign
    return OnlinePlan(
        path=Path(campaign_file),
        slug_year=info.year,
        title=info.name,
        issuer=full.issuer.name,
        issuer_abbreviation=full.issuer.abbreviation,
        late_rule=info.late_policy,
        tiers=tuple(tiers),
        units=units,
        phases=phases,
        appraisers=tuple(PlanAppraiser(a.name, a.scope, tuple(a.tiers)) for a in full.appraisers),
        system_name=info.system_title,
        system_url=info.system_url or "",
    )

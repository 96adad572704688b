"""`vanban results`: scores in → ranking → Tờ trình, Quyết định and notices, from one campaign file."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from letters.campaign import Campaign
from letters.ranking import (
    Band,
    CchcRule,
    RankingRules,
    Results,
    compute_results,
    write_ranking_csv,
    write_ranking_xlsx,
)
from letters.results_docs import render_results_documents

RANKING_XLSX = "xep-hang.xlsx"
RANKING_CSV = "xep-hang.csv"


def ranking_rules(campaign: Campaign) -> RankingRules:
    """The campaign file's ranking settings in the form the ranking code takes."""
    settings = campaign.results
    cchc = (CchcRule(multiplier=Decimal(str(settings.cchc_multiplier)), divisor=Decimal(str(settings.cchc_divisor)))
            if settings.cchc_multiplier is not None else None)
    bands = tuple(Band(b.name, Decimal(str(b.min_percent)) / 100) for b in settings.bands)
    return RankingRules(bands=bands, late_policy=campaign.campaign.late_rule,
                        require_district_appraisal=settings.require_district_appraisal, cchc=cchc,
                        rank_by=settings.rank_by, weakest_count=settings.weakest_count)


@dataclass
class ResultsRun:
    results: Results
    files: list[Path] = field(default_factory=list)


def compute_campaign_results(campaign: Campaign, scores: Path) -> Results:
    from letters.cli_results import from_campaign_model

    inputs = from_campaign_model(campaign)
    return compute_results(inputs.units, inputs.tiers, Path(scores), ranking_rules(campaign))


def run_results(campaign: Campaign, scores: Path, out_dir: Path, *, force: bool = False, charts: bool = True,
                workers: int | None = None) -> ResultsRun:
    """Rank, then write the ranking (XLSX, CSV) and every document into `out_dir`."""
    from letters.results_chart import unit_chart_png

    results = compute_campaign_results(campaign, scores)
    out_dir = Path(out_dir)
    files = [write_ranking_xlsx(results, out_dir / RANKING_XLSX, year=campaign.campaign.year, force=force),
             write_ranking_csv(results, out_dir / RANKING_CSV, force=force)]
    files += render_results_documents(campaign, results, out_dir, chart=unit_chart_png if charts else None,
                                      force=force, workers=workers)
    return ResultsRun(results, files)

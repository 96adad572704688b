"""`vanban results`: scores in → ranking → Tờ trình, Quyết định and notices, from one campaign file."""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from letters.campaign.model import Campaign
from letters.core.errors import portable_errors
from letters.core.progress import Progress
from letters.core.properties import DocumentProperties
from letters.results.documents import ResultsDocuments, render_results_documents
from letters.results.ranking import (
    Band,
    CchcRule,
    RankingRules,
    Results,
    compute_results,
    write_ranking_csv,
    write_ranking_xlsx,
)

RANKING_XLSX = "xep_hang.xlsx"
RANKING_CSV = "xep_hang.csv"
CHARTS_DIR = "bieu_do"


def ranking_rules(campaign: Campaign) -> RankingRules:
    """The campaign file's ranking settings in the form the ranking code takes."""
    settings = campaign.results
    cchc = (
        CchcRule(
            multiplier=Decimal(str(settings.cchc_multiplier)), divisor=Decimal(str(settings.cchc_divisor))
        )
        if settings.cchc_multiplier is not None
        else None
    )
    bands = tuple(Band(b.name, Decimal(str(b.min_percent)) / 100) for b in settings.bands)
    return RankingRules(
        bands=bands,
        late_policy=campaign.campaign.late_policy,
        require_district_appraisal=settings.require_district_appraisal,
        cchc=cchc,
        rank_by=settings.rank_by,
        weakest_count=settings.weakest_count,
    )


def ranking_properties(campaign: Campaign) -> DocumentProperties:
    """The ranking workbook's title and author: the campaign's, and the Sở that ranks."""
    from letters.documents.builders import campaign_topic, issuing_body

    info = campaign.campaign
    return DocumentProperties(
        title=f"Kết quả đánh giá, xếp hạng {info.index_name} năm {info.year}",
        author=issuing_body(campaign.issuer.parent, campaign.issuer.name),
        subject=campaign_topic(campaign),
        category="Kết quả xếp hạng",
    )


@dataclass
class ResultsFiles:
    """Every file a results run wrote, by what it is (no caller relies on the order of a list)."""

    ranking_xlsx: Path
    ranking_csv: Path
    documents: ResultsDocuments
    charts: list[Path] = field(default_factory=list)

    @property
    def all(self) -> list[Path]:
        return [self.ranking_xlsx, self.ranking_csv, *self.charts, *self.documents.files]


@dataclass
class ResultsRun:
    results: Results
    outputs: ResultsFiles

    @property
    def files(self) -> list[Path]:
        return self.outputs.all


def compute_campaign_results(campaign: Campaign, scores: Path, rules: RankingRules | None = None) -> Results:
    from letters.indicators.tiers import from_campaign_model

    inputs = from_campaign_model(campaign)
    return compute_results(inputs.units, inputs.tiers, Path(scores), rules or ranking_rules(campaign))


def write_outputs(
    campaign: Campaign,
    results: Results,
    out_dir: Path,
    *,
    force: bool = False,
    chart_files: bool = False,
    workers: int | None = None,
    progress: Progress | None = None,
) -> ResultsFiles:
    """The ranking (XLSX, CSV), optionally one chart PNG per unit, and every document.

    `progress` is told (notices written, notices to write) as the notices are written.
    """
    from letters.results.chart import unit_chart_png, write_unit_charts

    out_dir = Path(out_dir)
    # The ranking workbook is a second or two of openpyxl for a province: it is written by a process of its
    # own while this one renders the Tờ trình and the Quyết định and the workers the notices.
    xlsx = _Background(
        write_ranking_xlsx,
        results,
        out_dir / RANKING_XLSX,
        year=campaign.campaign.year,
        force=force,
        properties=ranking_properties(campaign),
        index_name=campaign.campaign.index_name,
        value_label="Chỉ số DTI" if campaign.campaign.kind.value == "DTI" else "Chỉ số",
    )
    try:
        ranking_csv = write_ranking_csv(results, out_dir / RANKING_CSV, force=force)
        charts = (
            write_unit_charts(results, out_dir / CHARTS_DIR, workers=workers or 2, force=force)
            if chart_files
            else []
        )
        documents = render_results_documents(
            campaign, results, out_dir, chart=unit_chart_png, force=force, workers=workers, progress=progress
        )
    except BaseException:
        with contextlib.suppress(BaseException):  # the first failure is the one to report
            xlsx.result()  # and the other process is never left writing behind it
        raise
    return ResultsFiles(xlsx.result(), ranking_csv, documents, list(charts))


class _Background:
    """`fn(*args, **kwargs)` in a forked process; `result()`, called once, waits and returns its value or raises
    its error.

    Without fork it simply runs here, when `result()` is called."""

    def __init__(self, fn: Callable[..., Path], *args: object, **kwargs: object) -> None:
        self._call = (fn, args, kwargs)
        self._process: Any = None
        self._pipe: Any = None
        if "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")
            self._pipe, child_end = ctx.Pipe(duplex=False)
            self._process = ctx.Process(target=self._run, args=(child_end,), daemon=True)
            self._process.start()
            child_end.close()

    def _run(self, pipe: Any) -> None:
        fn, args, kwargs = self._call
        try:
            with portable_errors():
                pipe.send(("ok", fn(*args, **kwargs)))
        except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
            pipe.send(("error", exc))
        finally:
            pipe.close()

    def result(self) -> Path:
        if self._process is None:
            fn, args, kwargs = self._call
            return fn(*args, **kwargs)
        try:
            kind, value = self._pipe.recv()
        except EOFError:
            kind, value = "error", RuntimeError("background writer stopped without an answer")
        finally:
            self._process.join()
            self._pipe.close()
        if kind == "error":
            raise value
        return Path(value)


def run_results(
    campaign: Campaign, scores: Path, out_dir: Path, *, force: bool = False, workers: int | None = None
) -> ResultsRun:
    """Rank, then write the ranking (XLSX, CSV) and every document into `out_dir`."""
    results = compute_campaign_results(campaign, scores)
    return ResultsRun(results, write_outputs(campaign, results, out_dir, force=force, workers=workers))

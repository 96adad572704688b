"""Benchmark of the results pipeline: 250 units x 100 indicators.

Stages: example data (CSV + 250 filled XLSX forms), ingestion (CSV, then the XLSX folder), ranking, ranking
XLSX/CSV output, 250 charts on all cores. Each stage is a function in STAGES taking and returning the shared
context dict, so later stages (e.g. DOCX notices) can be appended without touching the others.

Run: .venv/bin/python bench/bench_results.py [--units 250] [--indicators 100] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from letters.indicators.model import TierRef, Unit, make_unit  # noqa: E402
from letters.indicators.sets import IndicatorSet, build_indicator_set  # noqa: E402
from letters.results.chart import write_unit_charts  # noqa: E402
from letters.results.example import FORMS_DIR, make_example_scores  # noqa: E402
from letters.results.ranking import (  # noqa: E402
    Results,
    compute_results,
    rank_scores,
    write_ranking_csv,
    write_ranking_xlsx,
)
from letters.results.scores import read_scores  # noqa: E402

Context = dict[str, Any]

INDEX_NAMES = (
    "Nhận thức số",
    "Thể chế số",
    "Hạ tầng số",
    "Nhân lực số",
    "An toàn thông tin mạng",
    "Hoạt động chính quyền số",
    "Hoạt động kinh tế số",
    "Hoạt động xã hội số",
)
INDEX_POINTS = (100, 100, 100, 100, 100, 250, 125, 125)


def synthetic_set(n_components: int, version: str = "bench.1") -> IndicatorSet:
    """An 8-index, 1000-point set with `n_components` components spread over the indices."""
    per = [
        n_components // len(INDEX_NAMES) + (1 if i < n_components % len(INDEX_NAMES) else 0)
        for i in range(len(INDEX_NAMES))
    ]
    indices = []
    for i, (name, points, n) in enumerate(zip(INDEX_NAMES, INDEX_POINTS, per, strict=True), 1):
        share = (Decimal(points) / n).quantize(Decimal("0.01"))
        maxima = [share] * (n - 1) + [Decimal(points) - share * (n - 1)]
        indices.append(
            {
                "code": str(i),
                "name": name,
                "max_points": points,
                "components": [
                    {
                        "code": f"{i}.{k}",
                        "name": f"Tỷ lệ thủ tục hành chính số {k} được xử lý trực tuyến",
                        "max_points": str(m),
                        "method": "Điểm = (a/b) × Điểm tối đa",
                        "evidence": "Báo cáo",
                    }
                    for k, m in enumerate(maxima, 1)
                ],
            }
        )
    return build_indicator_set(
        {
            "id": "bench",
            "version": version,
            "name": "Bộ chỉ số đo hiệu năng",
            "max_points": 1000,
            "indices": indices,
        }
    )


def synthetic_units(n_units: int) -> list[Unit]:
    n_so, n_huyen = max(4, n_units // 8), max(2, n_units // 25)
    units = [make_unit(f"Sở số {i:03d}", "so") for i in range(n_so)]
    units += [make_unit(f"Huyện số {i:02d}", "huyen") for i in range(n_huyen)]
    units += [
        make_unit(f"Xã số {i:03d}", "xa", parent=units[n_so + i % n_huyen].id)
        for i in range(n_units - n_so - n_huyen)
    ]
    return units


@dataclass
class Stage:
    name: str
    run: Callable[[Context], None]
    per_unit: bool = True


def stage_generate(ctx: Context) -> None:
    ctx["csv"] = make_example_scores(ctx["units"], ctx["tiers"], ctx["dir"] / "data", seed=1, year=2024)
    ctx["forms_dir"] = ctx["csv"].parent / FORMS_DIR


def stage_ingest_csv(ctx: Context) -> None:
    ctx["book_csv"] = read_scores(ctx["csv"], ctx["units"], ctx["tiers"])
    assert not ctx["book_csv"].errors, ctx["book_csv"].errors[:3]


def stage_ingest_xlsx(ctx: Context) -> None:
    ctx["book_xlsx"] = read_scores(ctx["forms_dir"], ctx["units"], ctx["tiers"])
    assert not ctx["book_xlsx"].errors, ctx["book_xlsx"].errors[:3]


def stage_rank(ctx: Context) -> None:
    ctx["results"] = rank_scores(ctx["units"], ctx["tiers"], ctx["book_csv"])
    check = rank_scores(ctx["units"], ctx["tiers"], ctx["book_xlsx"])
    assert [(u.unit.id, u.points, u.rank) for u in check.all_units()] == [
        (u.unit.id, u.points, u.rank) for u in ctx["results"].all_units()
    ]


def stage_write(ctx: Context) -> None:
    out = ctx["dir"] / "out"
    write_ranking_xlsx(ctx["results"], out / "xep_hang.xlsx", year=2024)
    write_ranking_csv(ctx["results"], out / "xep_hang.csv")


def stage_charts(ctx: Context) -> None:
    ctx["charts"] = write_unit_charts(ctx["results"], ctx["dir"] / "charts", workers=ctx["workers"])


def stage_compute_results(ctx: Context) -> None:
    """The library entry point the lead calls: ingestion + ranking in one."""
    compute_results(ctx["units"], ctx["tiers"], ctx["csv"])


STAGES: list[Stage] = [
    Stage("dữ liệu mẫu (CSV + biểu mẫu XLSX đã điền)", stage_generate),
    Stage("đọc điểm từ CSV", stage_ingest_csv),
    Stage("đọc điểm từ thư mục XLSX", stage_ingest_xlsx),
    Stage("xếp hạng (hai lần: CSV và XLSX)", stage_rank),
    Stage("compute_results (CSV)", stage_compute_results),
    Stage("ghi bảng xếp hạng XLSX + CSV", stage_write),
    Stage("vẽ biểu đồ từng đơn vị", stage_charts),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=250)
    parser.add_argument("--indicators", type=int, default=100)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    ind = synthetic_set(args.indicators)
    deadline = date(2024, 11, 5)
    tiers = [
        TierRef("so", "Các sở, ban, ngành", ind, "Biểu số 01", deadline=deadline),
        TierRef("huyen", "UBND các huyện", ind, "Biểu số 02", deadline=deadline),
        TierRef("xa", "UBND các xã", ind, "Biểu số 03", deadline=deadline),
    ]
    units = synthetic_units(args.units)
    print(
        f"{len(units)} đơn vị × {sum(1 for _ in ind.components())} chỉ số, {args.workers} tiến trình vẽ biểu đồ, "
        f"{os.cpu_count()} lõi CPU"
    )
    with tempfile.TemporaryDirectory(prefix="bench_results_") as tmp:
        ctx: Context = {"units": units, "tiers": tiers, "dir": Path(tmp), "workers": args.workers}
        timings: list[tuple[str, float]] = []
        wall0 = time.perf_counter()
        for stage in STAGES:
            t0 = time.perf_counter()
            stage.run(ctx)
            timings.append((stage.name, time.perf_counter() - t0))
        wall = time.perf_counter() - wall0
        n = len(units)
        width = max(len(name) for name, _ in timings)
        print(f"{'giai đoạn':<{width}}  {'giây':>8}  {'ms/đơn vị':>10}")
        for name, secs in timings:
            print(f"{name:<{width}}  {secs:8.2f}  {secs * 1000 / n:10.1f}")
        pipeline = sum(s for name, s in timings if not name.startswith(("dữ liệu mẫu", "compute_results")))
        print(f"{'tổng thời gian thực':<{width}}  {wall:8.2f}  {wall * 1000 / n:10.1f}")
        print(
            f"{'quy trình (đọc XLSX+CSV, xếp hạng, ghi, biểu đồ)':<{width}}  {pipeline:8.2f}  "
            f"{pipeline * 1000 / n:10.1f}"
        )
        # Speed-up from using every core, measured back to back on the same sample so that load from
        # other processes on the machine affects both runs alike.
        sample = _sample(ctx["results"], 48)
        per_chart = {}
        for workers in (1, args.workers):
            t0 = time.perf_counter()
            drawn = write_unit_charts(sample, Path(tmp) / f"charts-{workers}", workers=workers)
            per_chart[workers] = (time.perf_counter() - t0) / len(drawn)
        print(
            f"biểu đồ (mẫu {len(drawn)} đơn vị): {per_chart[1] * 1000:.0f} ms/biểu đồ với 1 tiến trình, "
            f"{per_chart[args.workers] * 1000:.0f} ms/biểu đồ với {args.workers} tiến trình "
            f"(tăng tốc ×{per_chart[1] / per_chart[args.workers]:.2f}); tải hệ thống: {os.getloadavg()[0]:.1f}"
        )


def _sample(results: Results, n: int) -> Results:
    each = max(1, n // len(results.tiers))
    tiers = [replace(tr, units=tr.units[:each]) for tr in results.tiers]
    return Results(tiers, [], results.rules)


if __name__ == "__main__":
    main()

"""Benchmark: a province-scale results run as DOCX.

250 units × 100 indicators → ranking → Quyết định (with ranking appendices), Tờ trình and 250
Thông báo kết quả, each with its chart. Prints wall time, per-document cost, and the speed-up of
using every core against one process.

Run: .venv/bin/python bench/bench_documents.py [--units 250] [--indicators 100]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_results import synthetic_set, synthetic_units  # noqa: E402
from letters.campaign.load import load_campaign  # noqa: E402
from letters.indicators.model import TierRef  # noqa: E402
from letters.results.chart import unit_chart_png  # noqa: E402
from letters.results.documents import render_results_documents  # noqa: E402
from letters.results.example import make_example_scores  # noqa: E402
from letters.results.pipeline import ranking_rules  # noqa: E402
from letters.results.ranking import compute_results  # noqa: E402

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "bacgiang-2023.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=250)
    parser.add_argument("--indicators", type=int, default=100)
    args = parser.parse_args()
    campaign = load_campaign(EXAMPLE)
    ind = synthetic_set(args.indicators)
    units = synthetic_units(args.units)
    tier_ids = sorted({u.tier for u in units})
    tiers = [
        TierRef(
            t, {"so": "Các sở, ban, ngành", "huyen": "UBND các huyện", "xa": "UBND các xã"}.get(t, t), ind
        )
        for t in tier_ids
    ]
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        scores = make_example_scores(
            units, tiers, base / "scores", seed=7, year=campaign.campaign.year, forms=False
        )
        t0 = time.perf_counter()
        results = compute_results(units, tiers, scores, ranking_rules(campaign))
        t_rank = time.perf_counter() - t0
        timings = {}
        for workers in (1, cores):
            t0 = time.perf_counter()
            files = render_results_documents(
                campaign, results, base / f"out-{workers}", chart=unit_chart_png, workers=workers
            ).files
            timings[workers] = time.perf_counter() - t0
        n_docs = len(files)
        print(
            f"{len(units)} đơn vị × {args.indicators} chỉ số; {n_docs} văn bản DOCX "
            f"(Quyết định + Tờ trình + {n_docs - 2} thông báo kèm biểu đồ)"
        )
        print(f"  xếp hạng:                       {t_rank:6.2f} s")
        print(
            f"  văn bản, 1 tiến trình:          {timings[1]:6.2f} s  ({timings[1] / n_docs * 1000:.1f} ms/văn bản)"
        )
        print(
            f"  văn bản, {cores} tiến trình:          {timings[cores]:6.2f} s  ({timings[cores] / n_docs * 1000:.1f} ms/văn bản)"
        )
        print(f"  tổng (xếp hạng + văn bản):      {t_rank + timings[cores]:6.2f} s  (mục tiêu < 10 s)")
        print(
            f"  tăng tốc khi dùng {cores} lõi:        ×{timings[1] / timings[cores]:.2f}; "
            f"tải hệ thống lúc đo: {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()

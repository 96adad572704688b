"""Per-unit bar chart (points per main index vs the tier average) for the results notice."""

from __future__ import annotations

import io
import multiprocessing
import textwrap
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: no display on servers, and no GUI toolkit import cost

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from letters.ranking import Results, UnitResult  # noqa: E402

_FONT_CANDIDATES = ("Liberation Serif", "DejaVu Serif", "DejaVu Sans")


def _font_family() -> str:
    # DejaVu ships with matplotlib, so there is always a font that has the Vietnamese glyphs.
    available = {f.name for f in font_manager.fontManager.ttflist}
    for name in _FONT_CANDIDATES:
        if name in available:
            return name
    return "DejaVu Sans"


def unit_chart_png(unit_result: UnitResult, tier_average: Mapping[str, Decimal], *, dpi: int = 150,
                   title: str | None = None) -> bytes:
    """PNG bytes: the unit's points per scored main index, the tier average beside it, the maximum as outline."""
    family = _font_family()
    indices = [i for i in unit_result.indices if i.max_points > 0]
    labels = ["\n".join(textwrap.wrap(f"{i.code}. {i.name}", 16)) for i in indices]
    unit_vals = [float(i.points) for i in indices]
    avg_vals = [float(tier_average.get(i.code, Decimal(0))) for i in indices]
    max_vals = [float(i.max_points) for i in indices]
    with plt.rc_context({"font.family": family, "font.size": 9}):
        fig, ax = plt.subplots(figsize=(7.2, 3.6), dpi=dpi)
        try:
            x = range(len(indices))
            width = 0.38
            ax.bar([p - width / 2 for p in x], max_vals, width, fill=False, edgecolor="#9e9e9e",
                   linestyle="--", linewidth=0.8, label="Điểm tối đa")
            ax.bar([p + width / 2 for p in x], max_vals, width, fill=False, edgecolor="#9e9e9e",
                   linestyle="--", linewidth=0.8)
            bars = ax.bar([p - width / 2 for p in x], unit_vals, width, color="#1f5fa8", label="Điểm của đơn vị")
            ax.bar([p + width / 2 for p in x], avg_vals, width, color="#f0a030", label="Bình quân của cấp")
            for bar, val in zip(bars, unit_vals, strict=True):
                ax.annotate(f"{val:.2f}".replace(".", ","), (bar.get_x() + bar.get_width() / 2, val),
                            ha="center", va="bottom", fontsize=7, xytext=(0, 1), textcoords="offset points")
            ax.set_xticks(list(x))
            ax.set_xticklabels(labels, fontsize=7.5)
            ax.set_ylabel("Điểm")
            ax.set_title(title or f"{unit_result.unit.name}: điểm theo chỉ số chính so với bình quân",
                         fontsize=10, pad=22)
            ax.spines[["top", "right"]].set_visible(False)
            ax.legend(fontsize=7.5, frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3)
            ax.set_ylim(0, max(max_vals + [1.0]) * 1.08)
            # Fixed margins instead of tight_layout(): same look for every unit, and a third less drawing time.
            fig.subplots_adjust(left=0.085, right=0.985, top=0.83, bottom=0.17)
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
            return buf.getvalue()
        finally:
            plt.close(fig)


def _chart_job(job: tuple[UnitResult, dict[str, Decimal], str, bool]) -> str:
    unit_result, average, path, force = job
    from letters.fsutil import atomic_write_bytes

    return str(atomic_write_bytes(Path(path), unit_chart_png(unit_result, average), force=force))


def write_unit_charts(results: Results, out_dir: Path, *, workers: int = 2, force: bool = False) -> list[Path]:
    """One PNG per scored unit (`<unit id>.png`), drawn by `workers` processes (matplotlib is single-threaded)."""
    jobs = [(u, tr.average, str(Path(out_dir) / f"{u.unit.id}.png"), force)
            for tr in results.tiers for u in tr.units if not u.excluded and u.submitted]
    if workers <= 1 or len(jobs) < 4:
        return [Path(_chart_job(j)) for j in jobs]
    methods = multiprocessing.get_all_start_methods()
    # fork reuses the already-imported matplotlib; the other methods pay its import again in each worker.
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        return [Path(p) for p in pool.map(_chart_job, jobs, chunksize=max(1, len(jobs) // (workers * 4)))]

"""Per-unit bar chart (points per main index vs the tier average) for the results notice.

Drawn with Pillow rather than matplotlib: a province's run draws hundreds of these, and building
and rasterising a matplotlib figure costs ~90 ms each where these few rectangles and labels cost
a few milliseconds, with the same look (value labels, dashed maximum outline, legend, gridded axis).
"""

from __future__ import annotations

import io
import math
import multiprocessing
import textwrap
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from letters.core.vn import number
from letters.documents.textmetrics import font_file
from letters.results.ranking import Results, UnitResult

UNIT_COLOUR = (31, 95, 168)
AVERAGE_COLOUR = (240, 160, 48)
MAX_COLOUR = (158, 158, 158)
INK = (34, 34, 34)
WIDTH, HEIGHT = 1080, 540  # 7.2 × 3.6 in at 150 dpi


@lru_cache(maxsize=16)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = font_file(bold=bold)
    if path is None:  # DejaVu ships with most systems; Pillow's bitmap font has no Vietnamese letters
        dejavu = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
        return ImageFont.truetype(str(dejavu), size) if dejavu.is_file() else ImageFont.load_default()
    return ImageFont.truetype(str(path), size)


def _nice_step(top: float, ticks: int = 6) -> float:
    raw = top / ticks
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for mult in (1, 2, 2.5, 5, 10):
        if raw <= mult * magnitude:
            return mult * magnitude
    return 10 * magnitude


def _dashed_rect(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], dash: int = 6) -> None:
    x0, y0, x1, y1 = box
    for ax, ay, bx, by in ((x0, y0, x1, y0), (x1, y0, x1, y1), (x0, y1, x1, y1), (x0, y0, x0, y1)):
        length = math.hypot(bx - ax, by - ay)
        steps = max(1, int(length // dash))
        for s in range(0, steps, 2):
            t0, t1 = s / steps, min(1.0, (s + 1) / steps)
            draw.line(
                (ax + (bx - ax) * t0, ay + (by - ay) * t0, ax + (bx - ax) * t1, ay + (by - ay) * t1),
                fill=MAX_COLOUR,
                width=2,
            )


def unit_chart_png(
    unit_result: UnitResult, tier_average: Mapping[str, Decimal], *, dpi: int = 150, title: str | None = None
) -> bytes:
    """PNG bytes: the unit's points per scored main index, the tier average beside it, the maximum as outline."""
    indices = [i for i in unit_result.indices if i.max_points > 0]
    unit_vals = [float(i.points) for i in indices]
    avg_vals = [float(tier_average.get(i.code, Decimal(0))) for i in indices]
    max_vals = [float(i.max_points) for i in indices]
    img = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(img)
    f_title, f_label, f_small = _font(21), _font(16), _font(14)
    heading = title or f"{unit_result.unit.name}: điểm theo chỉ số chính so với bình quân"
    draw.text((WIDTH / 2, 14), heading, font=f_title, fill=INK, anchor="mt")
    # Legend, centred under the title.
    entries = [("Điểm tối đa", None), ("Điểm của đơn vị", UNIT_COLOUR), ("Bình quân của cấp", AVERAGE_COLOUR)]
    widths = [34 + draw.textlength(text, font=f_small) + 26 for text, _ in entries]
    x = (WIDTH - sum(widths)) / 2
    for (text, colour), w in zip(entries, widths, strict=True):
        box = (x, 52, x + 26, 64)
        if colour is None:
            _dashed_rect(draw, box, dash=4)
        else:
            draw.rectangle(box, fill=colour)
        draw.text((x + 34, 58), text, font=f_small, fill=INK, anchor="lm")
        x += w
    left, right, top, bottom = 92, WIDTH - 16, 86, HEIGHT - 92
    y_max = max(max_vals + [1.0]) * 1.08
    step = _nice_step(y_max)

    def y_of(v: float) -> float:
        return bottom - (bottom - top) * v / y_max

    tick = 0.0
    while tick <= y_max + 1e-9:
        y = y_of(tick)
        draw.line((left - 6, y, left, y), fill=INK, width=2)
        draw.text((left - 10, y), number(round(tick, 6)), font=f_label, fill=INK, anchor="rm")
        tick += step
    draw.line((left, top, left, bottom), fill=INK, width=2)
    draw.line((left, bottom, right, bottom), fill=INK, width=2)
    axis = Image.new("RGB", (60, 24), "white")
    ImageDraw.Draw(axis).text((30, 12), "Điểm", font=f_label, fill=INK, anchor="mm")
    img.paste(axis.rotate(90, expand=True), (8, int((top + bottom) / 2 - 30)))
    n = max(1, len(indices))
    group = (right - left) / n
    bar = group * 0.38
    for k, idx in enumerate(indices):
        centre = left + group * (k + 0.5)
        for offset, value, colour in ((-bar, unit_vals[k], UNIT_COLOUR), (0.0, avg_vals[k], AVERAGE_COLOUR)):
            x0 = centre + offset
            _dashed_rect(draw, (x0, y_of(max_vals[k]), x0 + bar, bottom))
            if value > 0:
                draw.rectangle((x0, y_of(value), x0 + bar, bottom), fill=colour)
        draw.text(
            (centre - bar / 2, y_of(unit_vals[k]) - 3),
            number(unit_vals[k], 2),
            font=f_small,
            fill=INK,
            anchor="md",
        )
        label = "\n".join(textwrap.wrap(f"{idx.code}. {idx.name}", 16))
        draw.multiline_text(
            (centre, bottom + 10), label, font=f_small, fill=INK, anchor="ma", align="center", spacing=2
        )
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=1, dpi=(dpi, dpi))
    return buf.getvalue()


def _chart_job(job: tuple[UnitResult, dict[str, Decimal], str, bool]) -> str:
    unit_result, average, path, force = job
    from letters.core.errors import portable_errors
    from letters.core.files import atomic_write_bytes

    with portable_errors():  # the parent re-raises the same error, not BrokenProcessPool
        return str(atomic_write_bytes(Path(path), unit_chart_png(unit_result, average), force=force))


def write_unit_charts(
    results: Results, out_dir: Path, *, workers: int = 2, force: bool = False
) -> list[Path]:
    """One PNG per scored unit (`<unit id>.png`), drawn by `workers` processes ."""
    jobs = [
        (u, tr.average, str(Path(out_dir) / f"{u.unit.id}.png"), force)
        for tr in results.tiers
        for u in tr.units
        if not u.excluded and u.submitted
    ]
    if workers <= 1 or len(jobs) < 4:
        return [Path(_chart_job(j)) for j in jobs]
    methods = multiprocessing.get_all_start_methods()
    # fork reuses the loaded fonts; the other start methods pay the imports again in each worker.
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        return [Path(p) for p in pool.map(_chart_job, jobs, chunksize=max(1, len(jobs) // (workers * 4)))]

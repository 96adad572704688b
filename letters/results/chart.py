"""Per-unit bar chart for the results notice: each main index's points as a share of its maximum, the unit's
bar beside the tier average, in the words of the notice's table ("Điểm đạt", "Bình quân của nhóm").

One scale for every index: a percentage of its maximum, so a 100-point index is not a sliver beside a
500-point one. Bars run across, one line per index, so an index's name is written out on the left rather
than squeezed under a bar, and every label has room of its own: the figure is drawn for the width it is
placed at in the notice (letters.documents.layout.FIGURE_WIDTH_MM) with lettering of 9 pt at that size.

Drawn with Pillow rather than matplotlib: a province's run draws hundreds of these, and building and
rasterising a matplotlib figure costs ~90 ms each where these few rectangles and labels cost a few ms.
"""

from __future__ import annotations

import io
import multiprocessing
import textwrap
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from letters.core.vn import number, points_text
from letters.documents.layout import FIGURE_WIDTH_MM
from letters.documents.textmetrics import font_file
from letters.results.ranking import Results, UnitResult

UNIT_COLOUR = (31, 95, 168)
AVERAGE_COLOUR = (240, 160, 48)
GRID_COLOUR = (205, 205, 205)
INK = (34, 34, 34)
DPI = 200
LETTER_PT = 9  # every label, at the size the figure is printed
TITLE_PT = 10
UNIT_LABEL = "Điểm đạt"  # the notice table's column heads
AVERAGE_LABEL = "Bình quân của nhóm"
AXIS_LABEL = "Tỷ lệ so với điểm tối đa của chỉ số (%)"
MIN_HEIGHT_MM = 60


def _px(points: float, dpi: int) -> int:
    return round(points / 72 * dpi)


@lru_cache(maxsize=16)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = font_file(bold=bold)
    if path is None:  # DejaVu ships with most systems; Pillow's bitmap font has no Vietnamese letters
        dejavu = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
        return ImageFont.truetype(str(dejavu), size) if dejavu.is_file() else ImageFont.load_default()
    return ImageFont.truetype(str(path), size)


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float
) -> list[str]:
    """`text` in lines no wider than `width` pixels, broken at spaces."""
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _label(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
) -> None:
    """Text on a white ground, so no grid line runs through it."""
    box = draw.textbbox(xy, text, font=font, anchor="lm")
    draw.rectangle((box[0] - 2, box[1] - 1, box[2] + 2, box[3] + 1), fill="white")
    draw.text(xy, text, font=font, fill=INK, anchor="lm")


@dataclass(frozen=True)
class _Frame:
    """Everything of a chart that does not depend on the unit: drawn once per tier (same indices, same
    maxima), then copied for each unit, which only adds its bars and their labels."""

    image: Image.Image
    left: float
    right: float
    bar_h: int
    pad: int
    centres: tuple[float, ...]


@lru_cache(maxsize=32)
def _frame(indices: tuple[tuple[str, Decimal], ...], dpi: int, title: str | None) -> _Frame:
    width = _px(FIGURE_WIDTH_MM / 25.4 * 72, dpi)
    f_label, f_title = _font(_px(LETTER_PT, dpi)), _font(_px(TITLE_PT, dpi), bold=True)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    line_h = _px(LETTER_PT * 1.12, dpi)
    bar_h = _px(LETTER_PT * 0.9, dpi)
    pad = _px(3, dpi)
    # Left: the index names, wrapped to a third of the width; right: room for a label past a full bar.
    names_w = width * 0.3
    names = [
        [*_wrap(probe, name, f_label, names_w - pad), f"(tối đa {points_text(max_points)} điểm)"]
        for name, max_points in indices
    ]
    value_room = probe.textlength("1.000,00", font=f_label) + 2 * pad
    left, right = names_w + pad, width - value_room
    top = pad + (line_h + pad if title else 0) + line_h + 2 * pad  # title, legend
    blocks = [max(2 * bar_h + pad, len(n) * line_h) + 1.5 * pad for n in names]
    bottom = top + sum(blocks)
    height = max(round(bottom + 2 * line_h + 3 * pad), _px(MIN_HEIGHT_MM / 25.4 * 72, dpi))
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    y: float = pad
    if title:
        for line in textwrap.wrap(title, 200)[:1]:
            draw.text((width / 2, y), line, font=f_title, fill=INK, anchor="mt")
        y += line_h + pad
    # Legend, centred above the plot.
    entries = [(UNIT_LABEL, UNIT_COLOUR), (AVERAGE_LABEL, AVERAGE_COLOUR)]
    swatch = bar_h
    widths = [swatch + pad + probe.textlength(text, font=f_label) + 4 * pad for text, _ in entries]
    x = (width - sum(widths)) / 2
    for (text, colour), w in zip(entries, widths, strict=True):
        draw.rectangle((x, y, x + swatch, y + swatch * 0.8), fill=colour)
        draw.text((x + swatch + pad, y + swatch * 0.4), text, font=f_label, fill=INK, anchor="lm")
        x += w
    # Grid first, so the bars and their labels lie over it.
    for pct in range(0, 101, 20):
        gx = left + (right - left) * pct / 100
        draw.line((gx, top, gx, bottom), fill=GRID_COLOUR if pct else INK, width=max(1, _px(0.5, dpi)))
        draw.text((gx, bottom + pad), number(pct), font=f_label, fill=INK, anchor="mt")
    draw.text(((left + right) / 2, bottom + pad + line_h), AXIS_LABEL, font=f_label, fill=INK, anchor="mt")
    centres = []
    y = top
    for lines, block in zip(names, blocks, strict=True):
        centre = y + block / 2
        centres.append(centre)
        text_top = centre - len(lines) * line_h / 2
        for k, line in enumerate(lines):
            draw.text((names_w, text_top + (k + 0.5) * line_h), line, font=f_label, fill=INK, anchor="rm")
        y += block
    draw.line((left, bottom, right, bottom), fill=INK, width=max(1, _px(0.5, dpi)))
    return _Frame(img, left, right, bar_h, pad, tuple(centres))


def _bar(
    draw: ImageDraw.ImageDraw,
    frame: _Frame,
    value: Decimal,
    max_points: Decimal,
    top: float,
    colour: tuple[int, int, int],
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
) -> None:
    """One bar from the axis to `value`'s share of the maximum, its points written past its end."""
    share = max(0.0, min(float(value / max_points), 1.0))
    end = frame.left + (frame.right - frame.left) * share
    if end > frame.left:
        draw.rectangle((frame.left, top, end, top + frame.bar_h), fill=colour)
    _label(draw, (end + frame.pad, top + frame.bar_h / 2), number(value, 2), font)


@lru_cache(maxsize=32)
def _tier_frame(
    indices: tuple[tuple[str, Decimal], ...], averages: tuple[Decimal, ...], dpi: int, title: str | None
) -> _Frame:
    """The frame with the tier's average bars, which every unit of the tier shares (they lie below the unit's
    bars, never across them)."""
    frame = _frame(indices, dpi, title)
    img = frame.image.copy()
    draw = ImageDraw.Draw(img)
    font = _font(_px(LETTER_PT, dpi))
    for (_, max_points), average, centre in zip(indices, averages, frame.centres, strict=True):
        _bar(draw, frame, average, max_points, centre + frame.pad / 4, AVERAGE_COLOUR, font)
    return _Frame(img, frame.left, frame.right, frame.bar_h, frame.pad, frame.centres)


def unit_chart_png(
    unit_result: UnitResult, tier_average: Mapping[str, Decimal], *, dpi: int = DPI, title: str | None = None
) -> bytes:
    """PNG bytes: for each scored main index, the unit's points and the tier average as a share of the
    index's maximum, each bar labelled with its points as the notice's table gives them."""
    indices = [i for i in unit_result.indices if i.max_points > 0]
    averages = tuple(tier_average.get(i.code, Decimal(0)) for i in indices)
    frame = _tier_frame(tuple((i.name, i.max_points) for i in indices), averages, dpi, title)
    img = frame.image.copy()
    draw = ImageDraw.Draw(img)
    font = _font(_px(LETTER_PT, dpi))
    for idx, centre in zip(indices, frame.centres, strict=True):
        _bar(draw, frame, idx.points, idx.max_points, centre - frame.bar_h - frame.pad / 4, UNIT_COLOUR, font)
    buf = io.BytesIO()
    # A few colours and their anti-aliasing: a palette of those colours looks the same, and encoding a third
    # of the bytes is most of the time a chart takes (and keeps each notice's DOCX small). The palette is
    # fixed, not searched for in every chart: an adaptive one (FASTOCTREE) cost more than it saved.
    img.quantize(palette=_palette(), dither=Image.Dither.NONE).save(
        buf, format="PNG", compress_level=1, dpi=(dpi, dpi)
    )
    return buf.getvalue()


@lru_cache(maxsize=1)
def _palette() -> Image.Image:
    """White, and each colour of the chart blended into white in twelve steps (the edges of text and bars).

    Tints within a few levels of white are left out: Pillow maps colours at reduced precision and would
    otherwise paint the white ground in one of them."""
    colours: list[tuple[int, int, int]] = [(255, 255, 255)]
    for base in (INK, GRID_COLOUR, UNIT_COLOUR, AVERAGE_COLOUR):
        for step in range(1, 13):
            share = step / 12
            tint = (
                round(255 * (1 - share) + base[0] * share),
                round(255 * (1 - share) + base[1] * share),
                round(255 * (1 - share) + base[2] * share),
            )
            if min(tint) < 240 and tint not in colours:
                colours.append(tint)
    flat = [channel for colour in colours for channel in colour]
    palette = Image.new("P", (1, 1))
    palette.putpalette(flat + [255] * (768 - len(flat)))
    return palette


def _chart_job(job: tuple[UnitResult, dict[str, Decimal], str, bool]) -> str:
    unit_result, average, path, force = job
    from letters.core.errors import portable_errors
    from letters.core.files import atomic_write_bytes

    with portable_errors():  # the parent re-raises the same error, not BrokenProcessPool
        title = f"{unit_result.unit.name}: điểm theo chỉ số chính so với bình quân của nhóm"
        png = unit_chart_png(unit_result, average, title=title)
        return str(atomic_write_bytes(Path(path), png, force=force))


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

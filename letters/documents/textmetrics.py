"""Width of text set in Times New Roman, measured on Liberation Serif (identical metrics).

NĐ 30 sizes its rules by the text above them: the Tiêu ngữ rule as long as the line, the
issuer's rule a third to a half of it. Word draws borders by indent, so we need the width.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/truetype/msttcorefonts"),
)
_FILES = {
    (False, False): ("LiberationSerif-Regular.ttf", "Times_New_Roman.ttf"),
    (True, False): ("LiberationSerif-Bold.ttf", "Times_New_Roman_Bold.ttf"),
    (False, True): ("LiberationSerif-Italic.ttf", "Times_New_Roman_Italic.ttf"),
    (True, True): ("LiberationSerif-BoldItalic.ttf", "Times_New_Roman_Bold_Italic.ttf"),
}
# Average advance of Times New Roman in em units, used only when no font file is installed.
_FALLBACK_EM = 0.5


def font_file(bold: bool = False, italic: bool = False) -> Path | None:
    for directory in _FONT_DIRS:
        for name in _FILES[(bold, italic)]:
            if (directory / name).is_file():
                return directory / name
    return None


@lru_cache(maxsize=8)
def _advances(bold: bool, italic: bool) -> tuple[dict[int, int], int] | None:
    path = font_file(bold, italic)
    if path is None:
        return None
    font = TTFont(str(path), lazy=True)
    cmap = font.getBestCmap()
    hmtx = font["hmtx"]
    units = font["head"].unitsPerEm
    widths = {cp: hmtx[glyph][0] for cp, glyph in cmap.items()}
    return widths, units


def text_width_pt(text: str, size_pt: float, *, bold: bool = False, italic: bool = False) -> float:
    """Advance width of `text` in points (no kerning, as Word sets body text)."""
    text = unicodedata.normalize("NFC", text)
    table = _advances(bold, italic)
    if table is None:
        return len(text) * size_pt * _FALLBACK_EM
    widths, units = table
    default = widths.get(ord("n"), units // 2)
    return sum(widths.get(ord(ch), default) for ch in text) * size_pt / units


def wrap_widths(text: str, size_pt: float, max_width_pt: float, *, bold: bool = False) -> list[float]:
    """Widths of the lines `text` breaks into within `max_width_pt`, breaking at spaces as Word does."""
    lines: list[float] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}" if current else word
        if current and text_width_pt(trial, size_pt, bold=bold) > max_width_pt:
            lines.append(text_width_pt(current, size_pt, bold=bold))
            current = word
        else:
            current = trial
    if current:
        lines.append(text_width_pt(current, size_pt, bold=bold))
    return lines


def balanced_break(text: str, size_pt: float, max_width_pt: float, *, bold: bool = False) -> str:
    """Break a heading that does not fit into the fewest, most even lines ('\n'-separated).

    Agency names in the header run onto two lines when long; an even break ('SỞ THÔNG TIN' /
    'VÀ TRUYỀN THÔNG') reads as the printed documents do, a greedy one leaves a lone word.
    """
    words = text.split()
    if not words or text_width_pt(text, size_pt, bold=bold) <= max_width_pt:
        return text
    best: tuple[float, list[str]] | None = None
    for lines_wanted in (2, 3):
        for cuts in _cut_points(len(words), lines_wanted):
            lines = [" ".join(words[a:b]) for a, b in zip((0, *cuts), (*cuts, len(words)), strict=True)]
            widest = max(text_width_pt(line, size_pt, bold=bold) for line in lines)
            if widest <= max_width_pt and (best is None or widest < best[0]):
                best = (widest, lines)
        if best:
            return "\n".join(best[1])
    return text


def _cut_points(n: int, parts: int) -> list[tuple[int, ...]]:
    if parts == 2:
        return [(i,) for i in range(1, n)]
    return [(i, j) for i in range(1, n - 1) for j in range(i + 1, n)]

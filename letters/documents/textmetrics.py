"""Width of text set in Times New Roman, measured on Liberation Serif (identical metrics).

NĐ 30 sizes its rules by the text above them: the Tiêu ngữ rule as long as the line, the
issuer's rule a third to a half of it. Word draws borders by indent, so we need the width.
"""

from __future__ import annotations

import re
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
    return _text_width(text, size_pt, bold, italic)


# A mail merge measures the same words in every notice (headings, table labels, names): measured once each.
@lru_cache(maxsize=1 << 16)
def _text_width(text: str, size_pt: float, bold: bool, italic: bool) -> float:
    text = unicodedata.normalize("NFC", text)
    table = _advances(bold, italic)
    if table is None:
        return len(text) * size_pt * _FALLBACK_EM
    widths, units = table
    default = widths.get(ord("n"), units // 2)
    return sum(widths.get(ord(ch), default) for ch in text) * size_pt / units


def wrap_widths(
    text: str, size_pt: float, max_width_pt: float, *, bold: bool = False, italic: bool = False
) -> list[float]:
    """Widths of the lines `text` breaks into within `max_width_pt`, breaking at spaces as Word does.

    Runs of spaces count at their full width: a draft's date ('ngày      tháng      năm 2024') is wider than
    its words.
    """
    tokens = re.findall(r"\S+|\s+", text.strip())
    lines: list[float] = []
    current, gap = "", ""
    for token in tokens:
        if token.isspace():
            gap = token
            continue
        trial = f"{current}{gap}{token}" if current else token
        if current and text_width_pt(trial, size_pt, bold=bold, italic=italic) > max_width_pt:
            lines.append(text_width_pt(current, size_pt, bold=bold, italic=italic))
            current = token
        else:
            current = trial
    if current:
        lines.append(text_width_pt(current, size_pt, bold=bold, italic=italic))
    return lines


# Words after which a name of a place begins: a break between them and the name, or inside the name,
# splits what a reader takes as one unit ("BÀ / RỊA - VŨNG TÀU").
_PLACE_LEVELS = ("tỉnh", "thành phố", "huyện", "quận", "thị xã", "thị trấn", "xã", "phường")
# Breaking after one of these leaves a line hanging on a word that belongs to the next.
_HANGING = frozenset({"và", "của", "các", "với", "về", "cho", "tại", "trên", "theo", "đối", "năm", "số", "-"})
# A phrase starts at these words: a break before one of them (or after a comma) falls between phrases.
# Elsewhere a break may split a word of two syllables ("PHÁT / TRIỂN"), which a reader cannot tell apart.
_PHRASE_START = _HANGING | {"tỉnh", "thành", "huyện", "quận", "thị", "xã", "phường", "trong", "thuộc", "áp"}
# Two-syllable words of these documents: a break between the syllables splits the word.
_WORDS = """an toàn|ban hành|bình quân|bưu chính|cải cách|chấm điểm|chỉ đạo|chỉ số|chính phủ|chính quyền|chủ tịch|
    chuyển đổi|chức năng|cơ quan|công bố|công nghệ|công văn|cung cấp|dân tộc|dịch vụ|du lịch|đánh giá|
    đào tạo|đầu tư|địa bàn|địa phương|điện tử|đô thị|đơn vị|giải trình|giáo dục|hạ tầng|hành chính|hoạt động|
    hướng dẫn|kế hoạch|kết quả|kiểm chứng|kinh tế|khoa học|lao động|môi trường|mức độ|nhà nước|nhân dân|
    nhân lực|nhận thức|nội vụ|nông nghiệp|nông thôn|phát triển|phụ lục|quyết định|số liệu|tài chính|tài liệu|
    tài nguyên|thành lập|thành phố|thẩm định|thể chế|thể thao|thị trấn|thị xã|thông báo|thông tin|thời hạn|
    thủ tục|thực hiện|thương binh|tiêu chí|tổ chức|tổng điểm|tờ trình|trực tuyến|truyền thông|tư pháp|
    văn bản|văn hóa|văn phòng|viễn thông|xã hội|xây dựng|xếp hạng|xếp loại|ủy ban|y tế"""
_TWO_SYLLABLES = frozenset(w.strip() for w in _WORDS.split("|"))
_PENALTY_IN_NAME = 60.0  # points: how much wider a line may grow to keep a place name whole
_PENALTY_AFTER_LEVEL = 20.0
_PENALTY_HANGING = 50.0
_PENALTY_MID_PHRASE = 40.0
_PENALTY_IN_WORD = 80.0
_PENALTY_IN_BLANK = 200.0  # the spaces left to fill in a number or a date by hand


def _place_name(words: list[str]) -> tuple[int, int] | None:
    """Where the last place name of an agency name starts: (index of its level word, index of the name).

    'UBND TỈNH BÀ RỊA - VŨNG TÀU' → (1, 2); 'UBND THÀNH PHỐ HỒ CHÍ MINH' → (1, 3).
    """
    lowered = [w.lower() for w in words]
    for i in range(len(words) - 1, -1, -1):
        for level in _PLACE_LEVELS:
            parts = level.split()
            if lowered[i : i + len(parts)] == parts and i + len(parts) < len(words):
                return i, i + len(parts)
    return None


def _break_penalty(words: list[str], gaps: list[str], cut: int, place: tuple[int, int] | None) -> float:
    """The cost of a line break before words[cut] (gaps[cut - 1] is the space it replaces)."""
    if words[cut - 1] in ("-", "–") or words[cut] in ("-", "–"):
        return float("inf")  # never start or end a line on the dash inside a name
    between_phrases = words[cut - 1][-1] in ",;:" or words[cut].lower() in _PHRASE_START
    if f"{words[cut - 1]} {words[cut]}".lower() in _TWO_SYLLABLES:
        penalty = _PENALTY_IN_WORD
    else:
        penalty = 0.0 if between_phrases else _PENALTY_MID_PHRASE
    if len(gaps[cut - 1]) > 1:
        penalty += _PENALTY_IN_BLANK
    if place is not None and (place[0] < cut < place[1] or cut > place[1]):
        penalty += _PENALTY_IN_NAME
    elif place is not None and cut == place[1]:
        penalty += _PENALTY_AFTER_LEVEL
    if words[cut - 1].lower() in _HANGING:
        penalty += _PENALTY_HANGING
    return penalty


def balanced_lines(
    text: str, size_pt: float, max_width_pt: float, *, bold: bool = False, italic: bool = False
) -> list[str]:
    """`text` broken into the fewest lines that fit, as even as possible, between phrases rather than inside
    a word of two syllables, never inside a place name or on a dangling 'và' when a nearly as even break
    avoids it. Runs of spaces (blanks left to fill in by hand) are kept.

    A greedy break (what a word processor does) leaves a lone word on the last line of a title, or splits
    'BÀ RỊA - VŨNG TÀU'; printed documents break titles and agency names by meaning and balance.
    """
    tokens = re.findall(r"\S+|\s+", text.strip())
    words = tokens[0::2]
    gaps = tokens[1::2]
    if not words:
        return []
    widths: dict[tuple[int, int], float] = {}

    def line(a: int, b: int) -> str:
        return "".join(x for k in range(a, b) for x in (words[k], gaps[k] if k < b - 1 else ""))

    def width(a: int, b: int) -> float:
        if (a, b) not in widths:
            widths[a, b] = text_width_pt(line(a, b), size_pt, bold=bold, italic=italic)
        return widths[a, b]

    n = len(words)
    if width(0, n) <= max_width_pt:
        return [line(0, n)]
    needed = max(1, len(wrap_widths(text, size_pt, max_width_pt, bold=bold, italic=italic)))
    place = _place_name(words)
    # best[k][j]: the least cost of setting words[:j] on k lines, where a cost is the widest line plus
    # the penalties of its breaks; back[k][j] the start of the last of those lines.
    inf = float("inf")
    for lines_wanted in range(needed, min(n, needed + 1) + 1):
        best = [[inf] * (n + 1) for _ in range(lines_wanted + 1)]
        back = [[0] * (n + 1) for _ in range(lines_wanted + 1)]
        best[0][0] = 0.0
        for k in range(1, lines_wanted + 1):
            for j in range(k, n + 1):
                for i in range(k - 1, j):
                    if best[k - 1][i] == inf:
                        continue
                    w_line = width(i, j)
                    if w_line > max_width_pt:
                        continue
                    penalty = _break_penalty(words, gaps, i, place) if i else 0.0
                    cost = max(best[k - 1][i], w_line) + penalty
                    if cost < best[k][j]:
                        best[k][j] = cost
                        back[k][j] = i
        if best[lines_wanted][n] < inf:
            cuts, j = [], n
            for k in range(lines_wanted, 0, -1):
                i = back[k][j]
                cuts.append((i, j))
                j = i
            return [line(a, b) for a, b in reversed(cuts)]
    return [line(0, n)]  # a single word wider than the line: nothing to balance


def balanced_break(text: str, size_pt: float, max_width_pt: float, *, bold: bool = False) -> str:
    """`balanced_lines` joined with '\n': a heading that does not fit, in the fewest and most even lines."""
    return "\n".join(balanced_lines(text, size_pt, max_width_pt, bold=bold)) or text

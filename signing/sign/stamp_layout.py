"""Find where things go on the page from the document's own text, never from typed coordinates.

NĐ 30 fixes the layout: the signature block (quyền hạn/chức vụ, then empty lines, then the
signer's name) sits bottom right of the last page; "Số:      /KH-STTTT" and
"<Địa danh>, ngày      tháng      năm 2023" sit in the header of page 1 with blank runs
where the văn thư writes the number and date at issuance.
"""

from __future__ import annotations

import ctypes
import re
import threading
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from letters.core.errors import VanbanError

BLANK_CHARS = " \u00a0.…_"


@dataclass(frozen=True)
class Box:
    """A rectangle in PDF user space (points, origin bottom left)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)

    def intersection_area(self, other: Box) -> float:
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        return max(w, 0.0) * max(h, 0.0)


@dataclass(frozen=True)
class TextLine:
    text: str
    box: Box
    chars: tuple[tuple[str, Box, str, float], ...]  # (text, box, fontname, size) per glyph
    baseline: float

    @property
    def font_size(self) -> float:
        sizes = [c[3] for c in self.chars if c[0].strip()]
        return round(max(sizes), 1) if sizes else round(self.box.height, 1)

    @property
    def italic(self) -> bool:
        names = [c[2].lower() for c in self.chars if c[0].strip()]
        return bool(names) and all("italic" in n or "oblique" in n for n in names)

    @property
    def bold(self) -> bool:
        names = [c[2].lower() for c in self.chars if c[0].strip()]
        return bool(names) and all("bold" in n for n in names)


@dataclass(frozen=True)
class SignatureBlock:
    """The signature block found on `page` (0-based): the lowest title line and the name line."""

    page: int
    title: TextLine
    name: TextLine

    @property
    def centre_x(self) -> float:
        return (self.title.box.cx + self.name.box.cx) / 2

    @property
    def gap(self) -> Box:
        """The empty space between the title and the name, as wide as the wider of the two lines."""
        x0 = min(self.title.box.x0, self.name.box.x0)
        x1 = max(self.title.box.x1, self.name.box.x1)
        return Box(x0, self.name.box.y1, x1, self.title.box.y0)


@dataclass(frozen=True)
class Blank:
    """A blank run to be filled at issuance, with the typography of the line it sits in."""

    box: Box
    font_size: float
    italic: bool
    baseline: float


@dataclass(frozen=True)
class HeaderBlanks:
    page: int
    number: Blank | None
    symbol: str | None  # "KH-STTTT" as printed after the slash
    day: Blank | None
    month: Blank | None
    year: Blank | None
    printed_year: int | None
    place: str | None  # "Bắc Giang"


# PDFium is not thread-safe; a batch signer or the demo may run documents in threads.
_PDFIUM_LOCK = threading.RLock()


def _open(data: bytes, source: str) -> pdfium.PdfDocument:
    try:
        with _PDFIUM_LOCK:
            return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise VanbanError(f"Tệp PDF {source} được mã hoá, không đọc được nội dung.") from exc
        raise VanbanError(f"Tệp PDF {source} bị hỏng, không đọc được nội dung.") from exc


class PdfText:
    """The text of a PDF with glyph positions, read with PDFium once per page when first asked for.

    PDFium (C++) does this about ten times faster than a pure-Python layout analysis, which
    matters when a batch of documents is signed.
    """

    def __init__(self, data: bytes, source: str = "PDF") -> None:
        self.source = source
        self._doc = _open(data, source)
        self._lines: dict[int, list[TextLine]] = {}

    def __len__(self) -> int:
        with _PDFIUM_LOCK:
            return len(self._doc)

    def lines(self, index: int) -> list[TextLine]:
        if index not in self._lines:
            with _PDFIUM_LOCK:
                self._lines[index] = self._read(index)
        return self._lines[index]

    def _read(self, index: int) -> list[TextLine]:
        page = self._doc[index]
        try:
            textpage = page.get_textpage()
            try:
                return _lines_of(textpage)
            finally:
                textpage.close()
        finally:
            page.close()

    def __del__(self) -> None:
        # Documents are closed under the lock, not whenever the garbage collector's thread gets to it.
        doc = getattr(self, "_doc", None)  # absent when opening failed
        if doc is not None:
            with _PDFIUM_LOCK:
                doc.close()


def _text(doc: bytes | PdfText, source: str) -> PdfText:
    return doc if isinstance(doc, PdfText) else PdfText(doc, source)


def page_lines(data: bytes, page_index: int, source: str = "PDF") -> list[TextLine]:
    """Text lines of one page with glyph boxes, top to bottom."""
    return PdfText(data, source).lines(page_index)


_FONT_NAME = ctypes.create_string_buffer(256)


def _font_name(textpage: pdfium.PdfTextPage, index: int) -> str:
    flags = ctypes.c_int()
    size = pdfium_c.FPDFText_GetFontInfo(textpage, index, _FONT_NAME, len(_FONT_NAME), ctypes.byref(flags))
    name = _FONT_NAME.raw[: max(size - 1, 0)].decode("latin-1", "replace")
    if flags.value & 64 and "italic" not in name.lower():  # FontDescriptor flag: Italic
        name += "-Italic"
    return name


def _lines_of(textpage: pdfium.PdfTextPage) -> list[TextLine]:
    """Group glyphs into lines: a new line at PDFium's line breaks, a baseline change, or a column gap.

    Kept to the fewest PDFium calls per glyph: this runs on every page searched while signing.
    """
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count) if count else ""
    rect = pdfium_c.FS_RECTF()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    fonts: dict[int, tuple[str, float]] = {}  # per text object: its glyphs share font and size
    get_object, get_box = pdfium_c.FPDFText_GetTextObject, pdfium_c.FPDFText_GetLooseCharBox
    lines: list[list[tuple[str, Box, str, float, int]]] = [[]]
    for i in range(min(count, len(text))):
        ch = text[i]
        generated = ch in " \r\n" and pdfium_c.FPDFText_IsGenerated(textpage, i) == 1
        if ch in "\r\n" or (generated and ch != " "):
            if lines[-1]:
                lines.append([])
            continue
        get_box(textpage, i, rect)
        x0, y0, x1, y1 = rect.left, rect.bottom, rect.right, rect.top
        obj = ctypes.cast(get_object(textpage, i), ctypes.c_void_p).value or -i
        if obj not in fonts:
            fonts[obj] = (_font_name(textpage, i), round(pdfium_c.FPDFText_GetFontSize(textpage, i), 2))
        font, size = fonts[obj]
        if generated:  # a space PDFium inferred from a gap: no extent of its own
            x1 = x0
        current = lines[-1]
        if current:
            prev = current[-1][1]
            if abs(prev.y0 - y0) > 0.5 * size or x0 - prev.x1 > 3 * size:
                lines.append(current := [])
        current.append((ch, Box(x0, y0, x1, y1), font, size, i))
    out = []
    for glyphs in lines:
        visible = [g for g in glyphs if g[0].strip()]
        if not visible:
            continue
        box = Box(
            min(g[1].x0 for g in visible),
            min(g[1].y0 for g in visible),
            max(g[1].x1 for g in visible),
            max(g[1].y1 for g in visible),
        )
        pdfium_c.FPDFText_GetCharOrigin(textpage, visible[0][4], ctypes.byref(ox), ctypes.byref(oy))
        chars = tuple((g[0], g[1], g[2], g[3]) for g in glyphs)
        out.append(
            TextLine(text="".join(g[0] for g in glyphs).strip(), box=box, chars=chars, baseline=oy.value)
        )
    out.sort(key=lambda ln: (-ln.box.y1, ln.box.x0))
    return out


def _is_title(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 3 and all(ch.isupper() for ch in letters)


def _is_name(text: str) -> bool:
    words = text.split()
    return (
        1 <= len(words) <= 6
        and all(w[0].isupper() for w in words if w[0].isalpha())
        and not _is_title(text)
        and not text.endswith((";", ":", "."))
    )


def _overlaps_horizontally(a: Box, b: Box) -> bool:
    return min(a.x1, b.x1) - max(a.x0, b.x0) > 0.3 * min(a.width, b.width)


def find_signature_block(
    doc: bytes | PdfText, source: str = "PDF", signer_name: str | None = None
) -> SignatureBlock:
    """Locate the chức vụ line and the signer's name on the last page that has a signature block."""
    text = _text(doc, source)
    for index in range(len(text) - 1, -1, -1):
        lines = text.lines(index)
        found = _block_in(lines, index, signer_name)
        if found:
            return found
    who = f" «{signer_name}»" if signer_name else ""
    raise VanbanError(
        f"Không tìm thấy khối chữ ký{who} trong {source}.",
        hint="Văn bản phải có dòng chức vụ (chữ in hoa, ví dụ «GIÁM ĐỐC»), các dòng trống để ký, "
        "rồi dòng họ tên người ký, theo Nghị định 30/2020/NĐ-CP.",
    )


def _block_in(lines: list[TextLine], page: int, signer_name: str | None) -> SignatureBlock | None:
    best: SignatureBlock | None = None
    for i, name in enumerate(lines):
        if signer_name is not None and name.text != signer_name.strip():
            continue
        if signer_name is None and not _is_name(name.text):
            continue
        # The nearest line above the name in the same column must be an upper-case title,
        # separated by room for a signature (at least two empty lines).
        above = [
            ln for ln in lines[:i] if ln.box.y0 > name.box.y1 and _overlaps_horizontally(ln.box, name.box)
        ]
        if not above:
            continue
        title = min(above, key=lambda ln: ln.box.y0 - name.box.y1)
        if not _is_title(title.text):
            continue
        if title.box.y0 - name.box.y1 < 1.8 * name.box.height:
            continue
        candidate = SignatureBlock(page=page, title=title, name=name)
        if best is None or name.box.y0 < best.name.box.y0:
            best = candidate  # the block lowest on the page is the signature block
    return best


_NUMBER_RE = re.compile(r"Số\s*:([" + re.escape(BLANK_CHARS) + r"]*)/\s*([^\s]+)")
_DATE_RE = re.compile(
    r"(?:(?P<place>[^,]+),\s*)?ngày(?P<d>[" + re.escape(BLANK_CHARS) + r"\d]*)tháng"
    r"(?P<m>[" + re.escape(BLANK_CHARS) + r"\d]*)năm(?P<y>[" + re.escape(BLANK_CHARS) + r"\d]*)$"
)


def _span_box(line: TextLine, start: int, end: int) -> Box | None:
    """Box covering characters [start, end) of the line text, including the glyphs' neighbours."""
    glyphs = line.chars
    text = "".join(c[0] for c in glyphs)
    # line.text is stripped; map offsets back to the unstripped glyph string
    shift = len(text) - len(text.lstrip())
    start += shift
    end += shift
    if start <= 0 or end >= len(glyphs):
        return None
    left = glyphs[start - 1][1].x1
    right = glyphs[end][1].x0
    return Box(left, line.box.y0, right, line.box.y1)


def find_header_blanks(doc: bytes | PdfText, source: str = "PDF") -> HeaderBlanks:
    """Find the blank number and date on page 1. Missing pieces are None (already filled or absent)."""
    text = _text(doc, source)
    if not len(text):
        raise VanbanError(f"Tệp PDF {source} không có trang nào.")
    lines = text.lines(0)
    number = symbol = None
    for line in lines:
        m = _NUMBER_RE.search(line.text)
        if m:
            symbol = m.group(2).rstrip(".,;")
            if m.group(1).strip(BLANK_CHARS) == "" and (box := _span_box(line, m.start(1), m.end(1))):
                number = Blank(box, line.font_size, line.italic, line.baseline)
            break
    day = month = year = None
    printed_year = None
    place = None
    for line in lines:
        m = _DATE_RE.search(line.text)
        if not m:
            continue
        place = (m.group("place") or "").strip() or None
        for key in ("d", "m"):
            if m.group(key).strip(BLANK_CHARS) == "" and (box := _span_box(line, m.start(key), m.end(key))):
                blank = Blank(box, line.font_size, line.italic, line.baseline)
                if key == "d":
                    day = blank
                else:
                    month = blank
        y_text = m.group("y").strip(BLANK_CHARS)
        if y_text.isdigit():
            printed_year = int(y_text)
        else:
            glyph_text = "".join(c[0] for c in line.chars)
            shift = len(glyph_text) - len(glyph_text.lstrip())
            x0 = line.chars[shift + m.start("y") - 1][1].x1 + 0.25 * line.font_size
            year = Blank(
                Box(x0, line.box.y0, x0 + 2.4 * line.font_size, line.box.y1),
                line.font_size,
                line.italic,
                line.baseline,
            )
        break
    return HeaderBlanks(
        page=0,
        number=number,
        symbol=symbol,
        day=day,
        month=month,
        year=year,
        printed_year=printed_year,
        place=place,
    )

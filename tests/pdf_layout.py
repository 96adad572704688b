"""Reading the layout of a PDF LibreOffice made: words with their positions, and the rules of bordered tables.

Used by the layout tests to check what a reader sees on each page (where the signature block fell, whether a
page holds a table's header and a single row, whether a header line wrapped), not what the DOCX asked for.
"""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

from letters.documents import layout as L

PT_PER_MM = 72 / 25.4
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


@dataclass(frozen=True)
class Word:
    x0: float
    y0: float  # from the top of the page, as pdftotext gives it
    x1: float
    y1: float
    text: str


@dataclass(frozen=True)
class Line:
    y0: float
    x0: float
    x1: float
    text: str


def pdf_words(pdf: Path) -> list[list[Word]]:
    """The words of each page, from `pdftotext -bbox`."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True)
    pages: list[list[Word]] = []
    for chunk in out.stdout.split("<page ")[1:]:
        pages.append(
            [
                Word(float(a), float(b), float(c), float(d), html.unescape(t))
                for a, b, c, d, t in _WORD.findall(chunk)
            ]
        )
    return pages


def lines_of(words: list[Word], x_range: tuple[float, float] | None = None) -> list[Line]:
    """Words grouped into lines by their top (within 2 pt), left to right; only those whose centre lies in
    `x_range` when given (one column of a two-column header)."""
    chosen = [w for w in words if x_range is None or x_range[0] <= (w.x0 + w.x1) / 2 < x_range[1]]
    chosen.sort(key=lambda w: (round(w.y0), w.x0))
    lines: list[list[Word]] = []
    for word in chosen:
        if lines and abs(lines[-1][0].y0 - word.y0) < 2:
            lines[-1].append(word)
        else:
            lines.append([word])
    out = []
    for group in lines:
        group.sort(key=lambda w: w.x0)
        out.append(Line(group[0].y0, group[0].x0, group[-1].x1, " ".join(w.text for w in group)))
    return out


def header_columns() -> tuple[tuple[float, float], tuple[float, float]]:
    """The x ranges (points) of the header's left column (issuer) and right column (Quốc hiệu, date)."""
    left = L.MARGIN_LEFT_MM * PT_PER_MM
    split = (L.MARGIN_LEFT_MM + L.HEADER_LEFT_MM) * PT_PER_MM
    return (left - 5, split), (split, (L.PAGE_WIDTH_MM - L.MARGIN_RIGHT_MM) * PT_PER_MM + 5)


def table_rules(pdf: Path) -> list[list[float]]:
    """Per page, the heights (points from the top) of the horizontal rules that span most of the text width:
    the borders between the rows of a bordered table. Short rules (under the issuer's name, the Tiêu ngữ, the
    trích yếu) are left out."""
    doc = pdfium.PdfDocument(str(pdf))
    try:
        pages = []
        for page in doc:
            width, height = page.get_size()
            text_width = width - (L.MARGIN_LEFT_MM + L.MARGIN_RIGHT_MM) * PT_PER_MM
            ys: list[float] = []
            for obj in page.get_objects():
                if obj.type != pdfium.raw.FPDF_PAGEOBJ_PATH:
                    continue
                left, bottom, right, top = obj.get_bounds()
                if top - bottom < 2 and right - left > 0.9 * text_width:
                    y = height - (top + bottom) / 2
                    if not any(abs(y - seen) < 1.5 for seen in ys):
                        ys.append(y)
            pages.append(sorted(ys))
        return pages
    finally:
        doc.close()


def normalised(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- what the layout tests check

TITLE_STYLES = (L.ST_TYPE, L.ST_SUBJECT, L.ST_APPENDIX, L.ST_APPENDIX_TITLE, L.ST_APPENDIX_NOTE)


def _paragraph_lines(paragraph: object) -> list[str]:
    text = paragraph.text  # type: ignore[attr-defined]
    return [normalised(x) for x in text.split("\n") if x.strip()]


def _signature_marks(doc: object) -> tuple[str, list[str]] | None:
    """The signer's name (or a form's signing box title) and the first lines of the signature block's row."""
    for table in doc.tables:  # type: ignore[attr-defined]
        for row in table.rows:
            paras = [p for c in row.cells for p in c.paragraphs if p.text.strip()]
            names = [p for p in paras if p.style.name in (L.ST_SIGN_NAME, L.ST_FORM_SIGN)]
            if names:
                firsts = [normalised(p.text) for c in row.cells for p in c.paragraphs[:1] if p.text.strip()]
                return normalised(names[-1].text), firsts
    return None


def layout_problems(docx: Path, pdf: Path) -> list[str]:
    """What a reader would send back, page by page: a signature block without body text on its page, a page
    holding a table's header and a single row, a header line or a title line the word processor wrapped."""
    from docx import Document

    doc = Document(str(docx))
    pages = pdf_words(pdf)
    rules = table_rules(pdf)
    problems: list[str] = []
    name = pdf.name

    # The signature block keeps body text on its page.
    marks = _signature_marks(doc)
    if marks is not None:
        signer, block_firsts = marks
        hit = None
        for n in range(len(pages) - 1, -1, -1):
            lines = lines_of(pages[n])
            if any(signer in normalised(line.text) for line in lines):
                hit = n
                break
        if hit is None:
            problems.append(f"{name}: không thấy «{signer}» trong PDF")
        else:
            lines = lines_of(pages[hit])
            top = min(
                (line.y0 for line in lines if any(normalised(line.text).startswith(f) for f in block_firsts)),
                default=None,
            )
            header_band = (rules[hit][0] - 3, rules[hit][1]) if len(rules[hit]) >= 2 else None
            body = [
                line
                for line in lines
                if top is not None
                and line.y0 < top - 1
                and not line.text.strip().isdigit()
                and not (header_band and header_band[0] <= line.y0 <= header_band[1])
            ]
            if not body:
                problems.append(f"{name}: trang {hit + 1} chỉ có khối chữ ký, không có nội dung văn bản")

    # No page holds a table's repeated header and a single row.
    for n, ys in enumerate(rules):
        neighbours = (n > 0 and rules[n - 1]) or (n + 1 < len(rules) and rules[n + 1])
        if len(ys) == 3 and neighbours:
            problems.append(f"{name}: trang {n + 1} chỉ có dòng tiêu đề bảng và một dòng")

    # No header line wraps: every line of the issuer's and the date's paragraphs is one line on page 1.
    is_header = bool(doc.tables) and any(
        p.style.name == L.ST_NATIONAL for c in doc.tables[0].rows[0].cells for p in c.paragraphs
    )
    if is_header and pages:
        left, right = header_columns()
        header = doc.tables[0]
        for cell, span in zip(header.rows[0].cells, (left, right), strict=False):
            _expect_lines(problems, name, [p for p in cell.paragraphs if p.text.strip()], pages[:1], span)
        for row in header.rows[1:]:
            for cell, span in zip(row.cells, (left, right), strict=False):
                _expect_lines(problems, name, [p for p in cell.paragraphs if p.text.strip()], pages[:1], span)

    # Titles and phụ lục headings: set as their explicit lines, never a lone word on the last one.
    titles = [p for p in doc.paragraphs if p.style.name in TITLE_STYLES and p.text.strip()]
    for p in titles:
        expected = _paragraph_lines(p)
        if len(expected) > 1 and len(expected[-1].split()) == 1:
            problems.append(f"{name}: dòng cuối của «{normalised(p.text)}» chỉ có một từ")
    _expect_lines(problems, name, titles, pages, None)
    return problems


def _expect_lines(
    problems: list[str],
    name: str,
    paragraphs: list[object],
    pages: list[list[Word]],
    span: tuple[float, float] | None,
) -> None:
    found = {normalised(line.text) for words in pages for line in lines_of(words, span)}
    for p in paragraphs:
        for line in _paragraph_lines(p):
            if line not in found:
                problems.append(f"{name}: dòng «{line}» bị ngắt thêm khi dàn trang")

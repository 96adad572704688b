"""Finishing touches docxtpl cannot make, done on the rendered XML: rules sized to the text above
them, tables from the wording markup, and real Word footnotes."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape

from lxml import etree

from letters.core.properties import (
    APP_PART,
    CORE_PART,
    DocumentProperties,
    app_xml,
    core_xml,
    without_thumbnail,
)
from letters.documents import layout as L
from letters.documents.engine import RenderedPackage
from letters.documents.textmetrics import balanced_lines, text_width_pt, wrap_widths

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NSMAP = {"w": W_NS}
TWIPS_PER_PT = 20
_FN = re.compile("\u27e6fn:([^\u27e7]+)\u27e7")
_TABLE = re.compile("^\u27e6table:(\\d+)\u27e7$")
_IMAGE = re.compile("^\u27e6image:(\\d+)\u27e7$")
EMU_PER_MM = 36000
IMAGE_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
RULE_STYLES = {
    L.ST_RULE_SHORT: L.ISSUER_RULE_FRACTION,
    L.ST_RULE_SUBJECT: L.SUBJECT_RULE_FRACTION,
    L.ST_RULE_FULL: 1.0,
}


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


@dataclass(frozen=True)
class StyleInfo:
    id: str
    name: str
    size: float
    bold: bool
    italic: bool = False


@lru_cache(maxsize=32)
def style_map(styles_xml: bytes) -> dict[str, StyleInfo]:
    """Paragraph styles by id, with size and boldness resolved through basedOn."""
    root = etree.fromstring(styles_xml)
    raw: dict[str, tuple[str, str | None, float | None, bool | None, bool | None]] = {}
    for st in root.iter(w("style")):
        sid = st.get(w("styleId"))
        if sid is None:  # nothing can refer to a style without an id
            continue
        name_el = st.find(w("name"))
        based = st.find(w("basedOn"))
        rpr = st.find(w("rPr"))
        size = bold = italic = None
        if rpr is not None:
            sz = rpr.find(w("sz"))
            size = int(sz.attrib[w("val")]) / 2 if sz is not None else None
            bold, italic = _toggle(rpr, "b"), _toggle(rpr, "i")
        raw[sid] = (
            name_el.get(w("val"), sid) if name_el is not None else sid,
            based.get(w("val")) if based is not None else None,
            size,
            bold,
            italic,
        )
    out = {}
    for sid, (name, *_) in raw.items():
        size, bold, italic, cur, seen = None, None, None, sid, set()
        while cur in raw and cur not in seen:
            seen.add(cur)
            _, parent, s, bd, it = raw[cur]
            size = s if size is None else size
            bold = bd if bold is None else bold
            italic = it if italic is None else italic
            if parent is None:
                break
            cur = parent
        out[sid] = StyleInfo(sid, name, size or L.SIZE_BODY, bool(bold), bool(italic))
    return out


def _toggle(rpr: etree._Element, tag: str) -> bool | None:
    """A run property such as <w:b/> or <w:i w:val="0"/>: True, False, or None when not set."""
    el = rpr.find(w(tag))
    return None if el is None else el.get(w("val"), "true") not in ("0", "false")


def _detach(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is not None:
        parent.remove(el)


_PPR, _PSTYLE, _VAL = w("pPr"), w("pStyle"), w("val")


def _style_id(p: etree._Element) -> str | None:
    # Asked hundreds of times per document: two child look-ups instead of a namespaced path search.
    ppr = p.find(_PPR)
    ps = ppr.find(_PSTYLE) if ppr is not None else None
    return ps.get(_VAL) if ps is not None else None


def paragraph_text(p: etree._Element) -> str:
    parts = []
    for el in p.iter(w("t"), w("br")):
        parts.append("\n" if el.tag == w("br") else (el.text or ""))
    return "".join(parts)


def _previous_text(p: etree._Element) -> etree._Element | None:
    el = p.getprevious()
    while el is not None:
        if el.tag == w("p") and paragraph_text(el).strip():
            return el
        el = el.getprevious()
    return None


def _container_width_pt(p: etree._Element, body_pt: float | None = None) -> float:
    """The width a paragraph's lines have: its table cell's, less the cell margins, or the text width."""
    tc = p.getparent()
    if tc is not None and tc.tag == w("tc"):
        tcw = tc.find("w:tcPr/w:tcW", NSMAP)
        if tcw is not None:
            margins = 2 * L.CELL_MARGIN_MM / L.MM_PER_PT
            tbl = next((a for a in tc.iterancestors(w("tbl"))), None)
            mar = tbl.find("w:tblPr/w:tblCellMar", NSMAP) if tbl is not None else None
            if mar is not None:
                sides = [mar.find(w(side)) for side in ("left", "right")]
                margins = sum(int(x.get(w("w"), "0")) for x in sides if x is not None) / TWIPS_PER_PT
            return int(tcw.attrib[w("w")]) / TWIPS_PER_PT - margins
    return body_pt if body_pt is not None else L.TEXT_WIDTH_MM / L.MM_PER_PT


def _ppr(p: etree._Element) -> etree._Element:
    ppr = p.find(w("pPr"))
    if ppr is None:
        ppr = etree.SubElement(p, w("pPr"))
        p.remove(ppr)
        p.insert(0, ppr)
    return ppr


def _set_indent(p: etree._Element, side_pt: float) -> None:
    ppr = _ppr(p)
    ind = ppr.find(w("ind"))
    if ind is None:
        ind = etree.SubElement(ppr, w("ind"))
    twips = str(int(round(side_pt * TWIPS_PER_PT)))
    for attr in ("left", "right", "start", "end"):
        ind.attrib.pop(w(attr), None)
    ind.set(w("left"), twips)
    ind.set(w("right"), twips)
    ind.set(w("firstLine"), "0")
    # Schema order inside pPr puts ind after spacing; keep jc/rPr after it.
    for later in ("jc", "rPr"):
        el = ppr.find(w(later))
        if el is not None:
            ppr.remove(el)
            ppr.append(el)


def size_rules(root: etree._Element, styles: dict[str, StyleInfo]) -> None:
    """Set each rule paragraph's indents so its border is as long as NĐ 30 wants."""
    for p in list(root.iter(w("p"))):
        info = styles.get(_style_id(p) or "")
        if info is None or info.name not in RULE_STYLES:
            continue
        above = _previous_text(p)
        if above is None:
            continue
        above_style = styles.get(_style_id(above) or "")
        size = above_style.size if above_style else L.SIZE_BODY
        bold = above_style.bold if above_style else False
        text = paragraph_text(above).strip()
        container = _container_width_pt(p)
        fraction = RULE_STYLES[info.name]
        if fraction == 1.0:
            width = max(text_width_pt(line, size, bold=bold) for line in text.splitlines())
        else:
            lines = [x for line in text.splitlines() for x in wrap_widths(line, size, container, bold=bold)]
            width = max(lines or [0.0]) * fraction
        _set_indent(p, max(0.0, (container - width) / 2))


def drop_orphan_rules(root: etree._Element, styles: dict[str, StyleInfo]) -> None:
    """A rule whose text above was left empty (no trích yếu) would float alone: remove it."""
    for p in list(root.iter(w("p"))):
        info = styles.get(_style_id(p) or "")
        if info is None or info.name not in (L.ST_RULE_SHORT, L.ST_RULE_SUBJECT):
            continue
        above = p.getprevious()
        if above is not None and above.tag == w("p") and not paragraph_text(above).strip():
            _detach(p)


def _ids_by_name(styles: dict[str, StyleInfo]) -> dict[str, str]:
    return {s.name: s.id for s in styles.values()}


def _cell(
    text: str, style_id: str, width: int, *, centre: bool, bold: bool = False, keep: bool = False
) -> str:
    keep_next = "<w:keepNext/>" if keep else ""
    jc = '<w:jc w:val="center"/>' if centre else ""
    rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
        f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/>{keep_next}{jc}</w:pPr>'
        f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p></w:tc>'
    )


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[\d.,%]+", text.strip()))


TABLE_CELL_MARGIN_TWIPS = 57
_CELL_PAD_TWIPS = 2 * TABLE_CELL_MARGIN_TWIPS + 40  # cell margins plus a little air
_AUTOFIT_ROWS = 150  # rows looked at when fitting columns: the longest ones, which are what wraps


def _line_count(word_widths: list[float], space: float, width: float) -> int:
    """Lines a cell's words take at `width` (twips of text), breaking at spaces as the word processor does."""
    lines, current = 1, -1.0
    for x in word_widths:
        if current < 0:
            current = x
        elif current + space + x <= width:
            current += space + x
        else:
            lines, current = lines + 1, x
    return lines


class _ColumnFit:
    """The cells of a table as word widths, and the cost of a choice of column widths: the sum over rows of
    the squared row height in lines (a row is as tall as its tallest cell)."""

    def __init__(self, rows: list[list[str]], ncols: int, size_pt: float) -> None:
        self.space = text_width_pt(" ", size_pt) * TWIPS_PER_PT
        if len(rows) > _AUTOFIT_ROWS:  # the header, then the rows with the most text: those are what wraps
            body = sorted(rows[1:], key=lambda r: -sum(len(x) for x in r))
            rows = [rows[0], *body[: _AUTOFIT_ROWS - 1]]
        self.nrows, self.ncols = len(rows), ncols
        self.words = [
            [
                [
                    text_width_pt(word, size_pt, bold=r == 0) * TWIPS_PER_PT
                    for word in (row[c] if c < len(row) else "").split()
                ]
                for r, row in enumerate(rows)
            ]
            for c in range(ncols)
        ]
        self.min_w = [
            max((max(cell, default=0.0) for cell in col), default=0.0) + _CELL_PAD_TWIPS for col in self.words
        ]
        self.natural = [
            max(
                self.min_w[c],
                max((sum(cell) + self.space * max(0, len(cell) - 1) for cell in self.words[c]), default=0.0)
                + _CELL_PAD_TWIPS,
            )
            for c in range(ncols)
        ]

    def lines(self, c: int, width: float) -> list[int]:
        return [_line_count(cell, self.space, width - _CELL_PAD_TWIPS) for cell in self.words[c]]

    def others(self, table: list[list[int]]) -> list[list[int]]:
        """For each column, each row's height without that column."""
        out = []
        for c in range(self.ncols):
            rest = [table[k] for k in range(self.ncols) if k != c]
            out.append([max((col[r] for col in rest), default=1) for r in range(self.nrows)])
        return out

    @staticmethod
    def cost(column: list[int], others: list[int]) -> int:
        return sum(max(a, b) ** 2 for a, b in zip(column, others, strict=True))

    def total_cost(self, widths: list[float]) -> int:
        table = [self.lines(c, widths[c]) for c in range(self.ncols)]
        return sum(max(col[r] for col in table) ** 2 for r in range(self.nrows))

    def grow(self, total: float) -> list[float]:
        """From every column at its longest word, give width where it saves the most per twip."""
        widths = list(self.min_w)
        table = [self.lines(c, widths[c]) for c in range(self.ncols)]
        spare = total - sum(widths)
        step = max(20.0, spare / 60)
        while spare >= step:
            best: tuple[float, int, float, list[int]] | None = None  # saved per twip, column, extra, lines
            others = self.others(table)
            for c in range(self.ncols):
                if all(n == 1 for n in table[c]):
                    continue
                now = self.cost(table[c], others[c])
                # The smallest of step, 2 step, 4 step… (and all that is left) that saves in this column.
                for extra in [step * 2**k for k in range(12) if step * 2**k < spare] + [spare]:
                    trial = self.lines(c, widths[c] + extra)
                    saved = now - self.cost(trial, others[c])
                    if saved > 0:
                        if best is None or saved / extra > best[0]:
                            best = (saved / extra, c, extra, trial)
                        break
            if best is None:
                break
            _, c, extra, table[c] = best
            widths[c] += extra
            spare -= extra
        return widths

    def shrink(self, total: float) -> list[float]:
        """From every column at its longest line, take width where it costs the least per twip."""
        widths = list(self.natural)
        table = [[1] * self.nrows for _ in range(self.ncols)]
        excess = sum(widths) - total
        step = max(20.0, excess / 60)
        while excess > 0:
            best: tuple[float, float, int, float, list[int]] | None = None  # cost per twip, -width, column…
            others = self.others(table)
            for c in range(self.ncols):
                cut = min(step, excess, widths[c] - self.min_w[c])
                if cut <= 0:
                    continue
                trial = self.lines(c, widths[c] - cut)
                rate = (self.cost(trial, others[c]) - self.cost(table[c], others[c])) / cut
                if best is None or (rate, -widths[c]) < best[:2]:
                    best = (rate, -widths[c], c, cut, trial)
            if best is None:
                break
            _, _, c, cut, table[c] = best
            widths[c] -= cut
            excess -= cut
        return widths


def autofit_widths(rows: list[list[str]], ncols: int, total_twips: int, size_pt: float = 12) -> list[int]:
    """Column widths that make the table short and even: the least sum of squared row heights (in lines).

    Every column gets at least its longest word (a word is never broken across lines, which is what makes a
    narrow numbers column unreadable). Two searches share out the rest: one widens, from the longest words,
    the column where width saves the most; the other narrows, from the longest lines, the column where it
    costs the least; the better wins. So a column of unit names is wider than a remarks column empty but for
    one long remark, and that remark still does not become a ribbon of one word a line (squares make one
    row of twelve lines cost more than six rows of two). Width nobody needs goes to the columns that wrap.
    """
    fit = _ColumnFit(rows, ncols, size_pt)
    if sum(fit.min_w) >= total_twips:
        return [int(total_twips * m / sum(fit.min_w)) for m in fit.min_w]
    if sum(fit.natural) <= total_twips:
        widths = list(fit.natural)
    else:
        widths = min((fit.grow(total_twips), fit.shrink(total_twips)), key=fit.total_cost)
    spare = total_twips - sum(widths)
    wrapping = [c for c in range(ncols) if any(n > 1 for n in fit.lines(c, widths[c]))]
    for c in wrapping or range(ncols):
        widths[c] += spare / len(wrapping or range(ncols))
    return [int(x) for x in widths]


def _section_text_width_twips(root: etree._Element) -> int:
    """The text width of the (last) section: landscape biểu mẫu are wider than portrait letters."""
    sect = root.find(".//w:body/w:sectPr", NSMAP)
    if sect is not None:
        pg, mar = sect.find(w("pgSz")), sect.find(w("pgMar"))
        if pg is not None and mar is not None:
            return int(pg.attrib[w("w")]) - int(mar.attrib[w("left")]) - int(mar.attrib[w("right")])
    return int(L.TEXT_WIDTH_MM / L.MM_PER_PT * TWIPS_PER_PT)


def table_xml(
    rows: list[list[str]],
    styles: dict[str, StyleInfo],
    width_twips: int | None = None,
    bold_rows: set[int] | frozenset[int] = frozenset(),
    weights: list[float] | None = None,
) -> str:
    """A bordered table: header row bold, centred and repeated on each page; figures centred.

    Rows never split across pages, and a page never holds the repeated header with a single row: the first
    data row keeps with the second, the last but one with the last, and a bold group row (a main index in a
    form) with the first row of its group.
    """
    ids = _ids_by_name(styles)
    ncols = max(len(r) for r in rows)
    total = width_twips or int(L.TEXT_WIDTH_MM / L.MM_PER_PT * TWIPS_PER_PT)
    size = styles[ids[L.ST_TABLE]].size if L.ST_TABLE in ids else L.SIZE_TABLE
    # Forms to be filled in have empty columns that auto-fit would shrink to nothing: they carry weights.
    widths = (
        [int(total * x / sum(weights)) for x in weights]
        if weights
        else autofit_widths(rows, ncols, total, size)
    )
    last = len(rows) - 1
    keep_rows = {1, last - 1} | {r for r in bold_rows if 0 < r < last}
    border = "".join(
        f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for s in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    out = [
        f'<w:tbl xmlns:w="{W_NS}"><w:tblPr><w:tblW w:w="{total}" w:type="dxa"/><w:jc w:val="center"/>'
        f'<w:tblBorders>{border}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:left w:w="{TABLE_CELL_MARGIN_TWIPS}" w:type="dxa"/>'
        f'<w:right w:w="{TABLE_CELL_MARGIN_TWIPS}" w:type="dxa"/></w:tblCellMar></w:tblPr>'
        "<w:tblGrid>" + "".join(f'<w:gridCol w:w="{x}"/>' for x in widths) + "</w:tblGrid>"
    ]
    for r, row in enumerate(rows):
        tr_pr = (
            "<w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>" if r == 0 else "<w:trPr><w:cantSplit/></w:trPr>"
        )
        cells = []
        for c in range(ncols):
            text = row[c] if c < len(row) else ""
            style = ids[L.ST_TABLE_HEAD] if r == 0 else ids[L.ST_TABLE]
            cells.append(
                _cell(
                    text,
                    style,
                    widths[c],
                    centre=r > 0 and _numeric(text),
                    bold=r in bold_rows,
                    keep=r in keep_rows and r < last,
                )
            )
        out.append(f"<w:tr>{tr_pr}{''.join(cells)}</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def insert_tables(
    root: etree._Element,
    tables: list[list[list[str]]],
    styles: dict[str, StyleInfo],
    bold_rows: dict[int, set[int]],
    weights: dict[int, list[float]] | None = None,
) -> None:
    width = _section_text_width_twips(root)
    for p in list(root.iter(w("p"))):
        m = _TABLE.match(paragraph_text(p).strip())
        if not m:
            continue
        n = int(m.group(1))
        table = etree.fromstring(
            table_xml(tables[n], styles, width, bold_rows.get(n, set()), (weights or {}).get(n))
        )
        p.addprevious(table)
        _detach(p)


def _png_size(data: bytes) -> tuple[int, int]:
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG image")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def insert_images(
    root: etree._Element,
    package: RenderedPackage,
    images: list[bytes],
    styles: dict[str, StyleInfo],
    width_mm: float = L.FIGURE_WIDTH_MM,
) -> None:
    """Replace each image marker paragraph with the picture, centred, `width_mm` wide."""
    ids = _ids_by_name(styles)
    rels = (
        package.xml.get("word/_rels/document.xml.rels")
        or package.members["word/_rels/document.xml.rels"].decode()
    )
    used = False
    for p in list(root.iter(w("p"))):
        m = _IMAGE.match(paragraph_text(p).strip())
        if not m:
            continue
        n = int(m.group(1))
        data = images[n]
        px_w, px_h = _png_size(data)
        cx = int(width_mm * EMU_PER_MM)
        cy = int(cx * px_h / px_w)
        rid = f"rIdVbImg{n}"
        package.members[f"word/media/vb_image{n}.png"] = data
        rels = rels.replace(
            "</Relationships>",
            f'<Relationship Id="{rid}" Type="{IMAGE_RT}" Target="media/vb_image{n}.png"/></Relationships>',
        )
        pic = (
            f'<w:p xmlns:w="{W_NS}"><w:pPr><w:pStyle w:val="{ids[L.ST_FIGURE]}"/></w:pPr><w:r><w:drawing>'
            f'<wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" distT="0" distB="0" distL="0" distR="0">'
            f'<wp:extent cx="{cx}" cy="{cy}"/><wp:docPr id="{1000 + n}" name="Biểu đồ {n + 1}"/>'
            f'<wp:cNvGraphicFramePr><a:graphicFrameLocks xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" noChangeAspect="1"/></wp:cNvGraphicFramePr>'
            f'<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            f'<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:nvPicPr><pic:cNvPr id="{1000 + n}" name="vb_image{n}.png"/><pic:cNvPicPr/></pic:nvPicPr>'
            f'<pic:blipFill><a:blip xmlns:r="{R_NS}" r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
            f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>'
            f"</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"
        )
        p.addprevious(etree.fromstring(pic))
        _detach(p)
        used = True
    if used:
        package.xml["word/_rels/document.xml.rels"] = rels
        types = package.xml.get("[Content_Types].xml") or package.members["[Content_Types].xml"].decode()
        if 'Extension="png"' not in types:
            types = types.replace(
                "<Override", '<Default Extension="png" ContentType="image/png"/><Override', 1
            )
        package.xml["[Content_Types].xml"] = types


FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
FOOTNOTES_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"


def add_footnotes(root: etree._Element, package: RenderedPackage, notes: dict[str, str]) -> None:
    """Turn footnote markers into Word footnotes (numbered by Word, shown at the page foot)."""
    if not notes:
        return
    ids: dict[str, int] = {}
    for t in list(root.iter(w("t"))):
        m = _FN.fullmatch(t.text or "")
        if not m:
            continue
        run = t.getparent()
        assert run is not None  # a w:t always sits in a w:r
        key = m.group(1)
        ids.setdefault(key, len(ids) + 1)
        run.remove(t)
        rpr = run.find(w("rPr"))
        if rpr is None:
            rpr = etree.SubElement(run, w("rPr"))
            run.remove(rpr)
            run.insert(0, rpr)
        etree.SubElement(rpr, w("vertAlign")).set(w("val"), "superscript")
        etree.SubElement(run, w("footnoteReference")).set(w("id"), str(ids[key]))
    fonts = '<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman" w:eastAsia="Times New Roman"/>'
    size = f'<w:sz w:val="{L.SIZE_FOOTNOTE * 2}"/>'
    sep = (
        '<w:p><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:{0}/></w:r></w:p>'
    )
    body = [
        f'<w:footnote w:type="separator" w:id="-1">{sep.format("separator")}</w:footnote>',
        f'<w:footnote w:type="continuationSeparator" w:id="0">{sep.format("continuationSeparator")}</w:footnote>',
    ]
    for key, nid in ids.items():
        body.append(
            f'<w:footnote w:id="{nid}"><w:p><w:pPr><w:jc w:val="both"/></w:pPr>'
            f'<w:r><w:rPr>{fonts}{size}<w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r>'
            f'<w:r><w:rPr>{fonts}{size}</w:rPr><w:t xml:space="preserve"> {escape(notes[key])}</w:t></w:r></w:p></w:footnote>'
        )
    package.xml["word/footnotes.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:footnotes xmlns:w="{W_NS}" xmlns:r="{R_NS}">' + "".join(body) + "</w:footnotes>"
    )
    types = package.xml.get("[Content_Types].xml") or package.members["[Content_Types].xml"].decode("utf-8")
    if "/word/footnotes.xml" not in types:
        types = types.replace(
            "</Types>", f'<Override PartName="/word/footnotes.xml" ContentType="{FOOTNOTES_CT}"/></Types>'
        )
        package.xml["[Content_Types].xml"] = types
    rels = (
        package.xml.get("word/_rels/document.xml.rels")
        or package.members["word/_rels/document.xml.rels"].decode()
    )
    if FOOTNOTES_RT not in rels:
        rels = rels.replace(
            "</Relationships>",
            f'<Relationship Id="rIdVbFootnotes" Type="{FOOTNOTES_RT}" Target="footnotes.xml"/></Relationships>',
        )
        package.xml["word/_rels/document.xml.rels"] = rels
    settings = package.members["word/settings.xml"].decode("utf-8")
    if "w:footnotePr" not in settings:
        settings = re.sub(
            r"(<w:settings[^>]*>)",
            r'\1<w:footnotePr><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>',
            settings,
            count=1,
        )
        package.xml["word/settings.xml"] = settings


def drop_empty_runs(root: etree._Element) -> None:
    """docxtpl leaves an empty run on each side of a rich-text tag; Word users then trip over them."""
    for r in list(root.iter(w("r"))):
        kids = [k for k in r if k.tag != w("rPr")]
        if len(kids) == 1 and kids[0].tag == w("t") and not kids[0].text:
            _detach(r)


# Child order of w:pPr in the WordprocessingML schema; Word refuses a file whose pPr children are out of order.
_PPR_ORDER = (
    "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs "
    "suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
    "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
    "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange"
).split()


def _ppr_child(p: etree._Element, tag: str) -> etree._Element:
    """The pPr child `tag` of paragraph `p`, created in its schema place when missing."""
    ppr = _ppr(p)
    found = ppr.find(w(tag))
    if found is not None:
        return found
    el = etree.Element(w(tag))
    rank = _PPR_ORDER.index(tag)
    for child in ppr:
        name = etree.QName(child).localname
        if name in _PPR_ORDER and _PPR_ORDER.index(name) > rank:
            child.addprevious(el)
            return el
    ppr.append(el)
    return el


def _keep_with_next(p: etree._Element) -> None:
    _ppr_child(p, "keepNext")


# Headings and titles that are broken into even lines rather than left to the word processor's greedy wrap.
BALANCED_STYLES = frozenset(
    {
        L.ST_TYPE,
        L.ST_SUBJECT,
        L.ST_VV,
        L.ST_DATE,
        L.ST_CENTER,
        L.ST_APPENDIX,
        L.ST_APPENDIX_TITLE,
        L.ST_APPENDIX_NOTE,
        L.ST_TABLE_HEAD,
        L.ST_FORM_SIGN,
        L.ST_FORM_SIGN_NOTE,
    }
)
# What the line breaker measures is the font's advance widths; the word processor adds nothing, but a little
# room keeps a line that fits by a hair from wrapping after all.
_FIT = 0.98


def balance_lines(root: etree._Element, styles: dict[str, StyleInfo]) -> None:
    """Break titles, the V/v line, the date line, phụ lục headings and table headers into even lines.

    Only a paragraph that would wrap is touched, and only when its text is a single run (a title mixing bold
    and plain words is left as it is): its lines become one run with explicit line breaks, so no word
    processor leaves a lone word on the last line or splits 'ngày … tháng … năm' from its year.
    """
    body_pt = _section_text_width_twips(root) / TWIPS_PER_PT
    for p in list(root.iter(w("p"))):
        info = styles.get(_style_id(p) or "")
        if info is None or info.name not in BALANCED_STYLES:
            continue
        runs = p.findall(w("r"))
        if not runs or any(k.tag not in (w("rPr"), w("t"), w("br")) for r in runs for k in r):
            continue
        if len({_rpr_bytes(r) for r in runs}) > 1:
            continue
        rpr = runs[0].find(w("rPr"))
        bold, italic = _run_flag(rpr, "b", info.bold), _run_flag(rpr, "i", info.italic)
        sz = rpr.find(w("sz")) if rpr is not None else None
        size = int(sz.attrib[w("val")]) / 2 if sz is not None else info.size
        ind = _ppr(p).find(w("ind"))
        indents = (
            sum(int(ind.get(w(a), "0")) for a in ("left", "right")) / TWIPS_PER_PT if ind is not None else 0
        )
        width = (_container_width_pt(p, body_pt) - indents) * _FIT
        text = paragraph_text(p)
        lines = text.split("\n")
        if all(len(wrap_widths(x, size, width, bold=bold, italic=italic)) <= 1 for x in lines):
            continue
        broken = [part for x in lines for part in balanced_lines(x, size, width, bold=bold, italic=italic)]
        for r in runs:
            p.remove(r)
        run = etree.SubElement(p, w("r"))
        if rpr is not None:
            run.append(rpr)
        for i, part in enumerate(broken):
            if i:
                etree.SubElement(run, w("br"))
            t = etree.SubElement(run, w("t"))
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            t.text = part


def _rpr_bytes(run: etree._Element) -> bytes:
    rpr = run.find(w("rPr"))
    return etree.tostring(rpr) if rpr is not None else b""


def _run_flag(rpr: etree._Element | None, tag: str, default: bool) -> bool:
    """Bold or italic of a run: its own setting, else its paragraph style's."""
    value = _toggle(rpr, tag) if rpr is not None else None
    return default if value is None else value


def _is_spacer(el: etree._Element) -> bool:
    return el.tag == w("p") and not paragraph_text(el).strip() and el.find(f".//{w('drawing')}") is None


def keep_signature_with_body(root: etree._Element, styles: dict[str, StyleInfo]) -> None:
    """The signature block never stands alone on a page: it keeps with the body's last paragraph(s).

    The block is a one-row table that never splits; the spacers above it and the body's last paragraphs
    keep with it (two lines of text at least, so a closing 'Trân trọng./.' does not go over alone), and when
    the body ends with a table (a form, a score table), its last row goes over with the block.
    """
    ids = _ids_by_name(styles)
    marks = {ids[name] for name in (L.ST_SIGN_NAME, L.ST_FORM_SIGN) if name in ids}
    body = root.find(w("body"))
    if body is None or not marks:
        return
    body_pt = _section_text_width_twips(root) / TWIPS_PER_PT
    for tbl in body.findall(w("tbl")):
        if not any(_style_id(p) in marks for p in tbl.iter(w("p"))):
            continue
        for tr in tbl.findall(w("tr")):
            tr_pr = tr.find(w("trPr"))
            if tr_pr is None:
                tr_pr = etree.Element(w("trPr"))
                tr.insert(0, tr_pr)
            if tr_pr.find(w("cantSplit")) is None:
                etree.SubElement(tr_pr, w("cantSplit"))
        held = 0
        prev = tbl.getprevious()
        while prev is not None and held < 2:
            if prev.tag == w("tbl"):
                rows = prev.findall(w("tr"))
                for p in rows[-1].iter(w("p")) if rows else ():
                    _keep_with_next(p)
                if any(_style_id(p) == ids.get(L.ST_FORM_SIGN) for p in tbl.iter(w("p"))):
                    _merge_signing_row(prev, tbl)
                break
            if prev.tag == w("p"):
                _keep_with_next(prev)
                if not _is_spacer(prev):
                    info = styles.get(_style_id(prev) or "")
                    size = info.size if info else L.SIZE_BODY
                    held += max(1, len(wrap_widths(paragraph_text(prev), size, body_pt)))
            prev = prev.getprevious()


def keep_lead_ins_with_lists(root: etree._Element) -> None:
    """A paragraph that ends with ":" introduces what follows ("* Lưu ý:", "Kính đề nghị:"); a page must not
    end on it with its items on the next page."""
    body = root.find(w("body"))
    if body is None:
        return
    for p in body.findall(w("p")):
        nxt = p.getnext()
        if nxt is not None and nxt.tag == w("p") and paragraph_text(p).rstrip().endswith(":"):
            _keep_with_next(p)


def _merge_signing_row(table: etree._Element, signing: etree._Element) -> None:
    """Move a form's signing boxes into a last, borderless row of the table above them.

    LibreOffice does not keep a table's last row with what follows the table, so a form's signing boxes
    went over to a page of their own; as a row of the table they go with the rows before them (which keep
    with their next row). The boxes split the table's columns in two halves, as near as the grid allows.
    """
    grid = [int(c.get(w("w"), "0")) for c in table.findall("w:tblGrid/w:gridCol", NSMAP)]
    cells = signing.findall("w:tr/w:tc", NSMAP)
    if len(grid) < 2 or len(cells) != 2:
        return
    cut = min(range(1, len(grid)), key=lambda k: abs(sum(grid[:k]) - sum(grid) / 2))
    row = etree.SubElement(table, w("tr"))
    etree.SubElement(etree.SubElement(row, w("trPr")), w("cantSplit"))
    for cell, span in zip(cells, (grid[:cut], grid[cut:]), strict=True):
        tc = etree.SubElement(row, w("tc"))
        tc_pr = etree.SubElement(tc, w("tcPr"))
        tc_w = etree.SubElement(tc_pr, w("tcW"))
        tc_w.set(w("w"), str(sum(span)))
        tc_w.set(w("type"), "dxa")
        if len(span) > 1:
            etree.SubElement(tc_pr, w("gridSpan")).set(w("val"), str(len(span)))
        borders = etree.SubElement(tc_pr, w("tcBorders"))
        for side in ("left", "bottom", "right", "insideV"):
            etree.SubElement(borders, w(side)).set(w("val"), "nil")
        for p in cell.findall(w("p")):
            tc.append(p)
    spacer = signing.getprevious()
    while spacer is not None and _is_spacer(spacer):
        above = spacer.getprevious()
        _detach(spacer)
        spacer = above
    _detach(signing)


def _page_number_restart(sect: etree._Element) -> None:
    """Number the section's pages from 1 again (w:pgNumType sits after w:pgMar in a sectPr)."""
    num = sect.find(w("pgNumType"))
    if num is None:
        num = etree.Element(w("pgNumType"))
        anchor = next(
            (
                sect.find(w(t))
                for t in ("lnNumType", "pgBorders", "paperSrc", "pgMar")
                if sect.find(w(t)) is not None
            ),
            None,
        )
        if anchor is not None:
            anchor.addnext(num)
        else:
            sect.append(num)
    num.set(w("start"), "1")


def appendix_sections(root: etree._Element, styles: dict[str, StyleInfo]) -> None:
    """Each phụ lục in the same file starts a section of its own, with its pages numbered from 1 again.

    NĐ 30 numbers each phụ lục on its own. The page-break paragraph before a phụ lục heading becomes the end
    of the section before it (a section break, so it no longer breaks the page itself); every section has
    the page setup and headers of the document, so page 1 of each phụ lục shows no number either.
    """
    ids = _ids_by_name(styles)
    if L.ST_PAGE_BREAK not in ids or L.ST_APPENDIX not in ids:
        return
    body = root.find(w("body"))
    final = body.find(w("sectPr")) if body is not None else None
    if body is None or final is None:
        return
    breaks = [
        p
        for p in body.findall(w("p"))
        if _style_id(p) == ids[L.ST_PAGE_BREAK]
        and (nxt := p.getnext()) is not None
        and _style_id(nxt) == ids[L.ST_APPENDIX]
    ]
    for i, p in enumerate(breaks):
        sect = copy.deepcopy(final)
        for num in sect.findall(w("pgNumType")):
            sect.remove(num)
        if i:  # the section this paragraph ends is itself a phụ lục
            _page_number_restart(sect)
        _ppr_child(p, "pageBreakBefore").set(w("val"), "0")
        _ppr(p).append(sect)  # sectPr is the last child of pPr
    if breaks:
        _page_number_restart(final)


def finish(
    package: RenderedPackage,
    *,
    tables: list[list[list[str]]] | None = None,
    footnotes: dict[str, str] | None = None,
    images: list[bytes] | None = None,
    bold_rows: dict[int, set[int]] | None = None,
    weights: dict[int, list[float]] | None = None,
    properties: DocumentProperties | None = None,
) -> bytes:
    styles = style_map(package.members["word/styles.xml"])
    root = etree.fromstring(
        package.xml.get("word/document.xml", package.members["word/document.xml"].decode()).encode("utf-8")
    )
    drop_orphan_rules(root, styles)
    drop_empty_runs(root)
    if tables:
        insert_tables(root, tables, styles, bold_rows or {}, weights)
    if images:
        insert_images(root, package, images, styles)
    balance_lines(root, styles)
    keep_lead_ins_with_lists(root)
    keep_signature_with_body(root, styles)
    appendix_sections(root, styles)
    size_rules(root, styles)
    add_footnotes(root, package, footnotes or {})
    package.xml["word/document.xml"] = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", standalone=True
    ).decode("utf-8")
    if properties is not None:
        set_properties(package, properties)
    return package.write()


def set_properties(package: RenderedPackage, properties: DocumentProperties) -> None:
    """The document's own title, author and dates instead of the template's, and no thumbnail."""
    package.xml[CORE_PART] = core_xml(properties)
    package.xml[APP_PART] = app_xml(properties)
    for name in [n for n in package.members if n.startswith("docProps/thumbnail")]:
        del package.members[name]
        package.order.remove(name)
    rels = package.xml.get("_rels/.rels") or package.members["_rels/.rels"].decode("utf-8")
    package.xml["_rels/.rels"] = without_thumbnail(rels)

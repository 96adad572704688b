"""Finishing touches docxtpl cannot make, done on the rendered XML: rules sized to the text above
them, tables from the wording markup, and real Word footnotes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape

from lxml import etree

from letters.documents import layout as L
from letters.documents.engine import RenderedPackage
from letters.documents.textmetrics import text_width_pt, wrap_widths

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


@lru_cache(maxsize=32)
def style_map(styles_xml: bytes) -> dict[str, StyleInfo]:
    """Paragraph styles by id, with size and boldness resolved through basedOn."""
    root = etree.fromstring(styles_xml)
    raw: dict[str, tuple[str, str | None, float | None, bool | None]] = {}
    for st in root.iter(w("style")):
        sid = st.get(w("styleId"))
        if sid is None:  # nothing can refer to a style without an id
            continue
        name_el = st.find(w("name"))
        based = st.find(w("basedOn"))
        rpr = st.find(w("rPr"))
        size = bold = None
        if rpr is not None:
            sz = rpr.find(w("sz"))
            size = int(sz.attrib[w("val")]) / 2 if sz is not None else None
            b = rpr.find(w("b"))
            bold = (b.get(w("val"), "true") not in ("0", "false")) if b is not None else None
        raw[sid] = (
            name_el.get(w("val"), sid) if name_el is not None else sid,
            based.get(w("val")) if based is not None else None,
            size,
            bold,
        )
    out = {}
    for sid, (name, _, _, _) in raw.items():
        size, bold, cur, seen = None, None, sid, set()
        while cur in raw and cur not in seen:
            seen.add(cur)
            _, parent, s, bd = raw[cur]
            size = s if size is None else size
            bold = bd if bold is None else bold
            if parent is None:
                break
            cur = parent
        out[sid] = StyleInfo(sid, name, size or L.SIZE_BODY, bool(bold))
    return out


def _detach(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is not None:
        parent.remove(el)


def _style_id(p: etree._Element) -> str | None:
    ps = p.find("w:pPr/w:pStyle", NSMAP)
    return ps.get(w("val")) if ps is not None else None


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


def _container_width_pt(p: etree._Element) -> float:
    tc = p.getparent()
    if tc is not None and tc.tag == w("tc"):
        tcw = tc.find("w:tcPr/w:tcW", NSMAP)
        if tcw is not None:
            return int(tcw.attrib[w("w")]) / TWIPS_PER_PT - 2 * L.CELL_MARGIN_MM / L.MM_PER_PT
    return L.TEXT_WIDTH_MM / L.MM_PER_PT


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


def _cell(text: str, style_id: str, width: int, *, centre: bool, bold: bool = False) -> str:
    jc = '<w:jc w:val="center"/>' if centre else ""
    rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
        f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/>{jc}</w:pPr>'
        f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p></w:tc>'
    )


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[\d.,%]+", text.strip()))


def autofit_widths(rows: list[list[str]], ncols: int, total_twips: int, size_pt: float = 12) -> list[int]:
    """Column widths as a word processor's auto-fit would set them.

    Every column gets at least its longest word (no word is ever broken across lines, which is what
    makes a narrow numbers column unreadable); the rest of the width goes to the columns whose text
    would like more, in proportion to what they lack.
    """
    pad = 2 * 57 + 40  # cell margins plus a little air, in twips
    min_w, want_w = [], []
    for c in range(ncols):
        cells = [r[c] if c < len(r) else "" for r in rows]
        bold_head = [(text, r == 0) for r, text in enumerate(cells)]
        longest_word = max(
            (text_width_pt(word, size_pt, bold=b) for text, b in bold_head for word in text.split()),
            default=0,
        )
        longest_line = max((text_width_pt(text, size_pt, bold=b) for text, b in bold_head), default=0)
        min_w.append(longest_word * TWIPS_PER_PT + pad)
        # A long remark in one row must not starve the other columns: no column asks for more than 30 %.
        want_w.append(
            min(longest_line * TWIPS_PER_PT + pad, max(0.3 * total_twips, longest_word * TWIPS_PER_PT + pad))
        )
    if sum(min_w) >= total_twips:
        return [int(total_twips * m / sum(min_w)) for m in min_w]
    spare = total_twips - sum(min_w)
    lack = [max(0.0, want - m) for want, m in zip(want_w, min_w, strict=True)]
    if sum(lack) <= spare:
        extra = [x + (spare - sum(lack)) * (x / sum(lack)) if sum(lack) else spare / ncols for x in lack]
    else:
        extra = [spare * x / sum(lack) for x in lack]
    return [int(m + e) for m, e in zip(min_w, extra, strict=True)]


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
    """A bordered table: header row bold, centred and repeated on each page; figures centred."""
    ids = _ids_by_name(styles)
    ncols = max(len(r) for r in rows)
    total = width_twips or int(L.TEXT_WIDTH_MM / L.MM_PER_PT * TWIPS_PER_PT)
    # Forms to be filled in have empty columns that auto-fit would shrink to nothing: they carry weights.
    widths = (
        [int(total * x / sum(weights)) for x in weights] if weights else autofit_widths(rows, ncols, total)
    )
    border = "".join(
        f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for s in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    out = [
        f'<w:tbl xmlns:w="{W_NS}"><w:tblPr><w:tblW w:w="{total}" w:type="dxa"/><w:jc w:val="center"/>'
        f'<w:tblBorders>{border}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar></w:tblPr>'
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
            cells.append(_cell(text, style, widths[c], centre=r > 0 and _numeric(text), bold=r in bold_rows))
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
    width_mm: float = 150,
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


def finish(
    package: RenderedPackage,
    *,
    tables: list[list[list[str]]] | None = None,
    footnotes: dict[str, str] | None = None,
    images: list[bytes] | None = None,
    bold_rows: dict[int, set[int]] | None = None,
    weights: dict[int, list[float]] | None = None,
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
    size_rules(root, styles)
    add_footnotes(root, package, footnotes or {})
    package.xml["word/document.xml"] = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", standalone=True
    ).decode("utf-8")
    return package.write()

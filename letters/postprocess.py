"""Finishing touches docxtpl cannot make: rules sized to their text, tables, real footnotes."""

from __future__ import annotations

import re

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from letters import layout as L
from letters.textmetrics import text_width_pt, wrap_widths

TWIPS_PER_PT = 20
_FN = re.compile("\u27e6fn:([^\u27e7]+)\u27e7")
_TABLE = re.compile("^\u27e6table:(\\d+)\u27e7$")


def _style_font(paragraph: Paragraph) -> tuple[float, bool]:
    """Size and boldness the paragraph's text is set in (run overrides, else its style chain)."""
    size = None
    bold = None
    for run in paragraph.runs:
        if run.text.strip():
            size = run.font.size.pt if run.font.size else None
            bold = run.font.bold
            break
    style = paragraph.style
    while style is not None and (size is None or bold is None):
        if size is None and style.font.size is not None:
            size = style.font.size.pt
        if bold is None and style.font.bold is not None:
            bold = style.font.bold
        style = style.base_style
    return size or L.SIZE_BODY, bool(bold)


def _container_width_pt(paragraph: Paragraph) -> float:
    parent = paragraph._parent
    if isinstance(parent, _Cell):
        tcw = parent._tc.tcPr.find(qn("w:tcW")) if parent._tc.tcPr is not None else None
        if tcw is not None:
            return int(tcw.get(qn("w:w"))) / TWIPS_PER_PT - 2 * L.CELL_MARGIN_MM / L.MM_PER_PT
    return L.TEXT_WIDTH_MM / L.MM_PER_PT


def size_rules(doc: DxDocument) -> None:
    """Set each rule paragraph's indents so its border is as long as NĐ 30 wants."""
    for paragraph in _all_paragraphs(doc):
        name = paragraph.style.name if paragraph.style is not None else ""
        if name not in (L.ST_RULE_SHORT, L.ST_RULE_FULL, L.ST_RULE_SUBJECT):
            continue
        above = _previous_text_paragraph(paragraph)
        if above is None:
            continue
        size, bold = _style_font(above)
        container = _container_width_pt(paragraph)
        text = above.text.strip()
        if name == L.ST_RULE_FULL:
            width = max(text_width_pt(line, size, bold=bold) for line in text.splitlines())
        else:
            fraction = L.SUBJECT_RULE_FRACTION if name == L.ST_RULE_SUBJECT else L.ISSUER_RULE_FRACTION
            lines = [w for line in text.splitlines() for w in wrap_widths(line, size, container, bold=bold)]
            width = max(lines or [0.0]) * fraction
        side = max(0.0, (container - width) / 2)
        paragraph.paragraph_format.left_indent = Pt(side)
        paragraph.paragraph_format.right_indent = Pt(side)
        paragraph.paragraph_format.first_line_indent = Pt(0)


def _previous_text_paragraph(paragraph: Paragraph) -> Paragraph | None:
    element = paragraph._p.getprevious()
    while element is not None:
        if element.tag == qn("w:p"):
            p = Paragraph(element, paragraph._parent)
            if p.text.strip():
                return p
        element = element.getprevious()
    return None


def _all_paragraphs(doc: DxDocument) -> list[Paragraph]:
    out = list(doc.paragraphs)
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                out.extend(cell.paragraphs)
    return out


def insert_tables(doc: DxDocument, tables: list[list[list[str]]]) -> None:
    """Replace each table marker paragraph with a bordered table, header row bold and repeated."""
    for paragraph in list(doc.paragraphs):
        m = _TABLE.match(paragraph.text.strip())
        if not m:
            continue
        rows = tables[int(m.group(1))]
        ncols = max(len(r) for r in rows)
        table = doc.add_table(rows=len(rows), cols=ncols)
        table.style = None
        _grid_borders(table)
        for r, row in enumerate(rows):
            for c in range(ncols):
                cell = table.cell(r, c)
                cell_p = cell.paragraphs[0]
                cell_p.style = doc.styles[L.ST_TABLE_HEAD if r == 0 else L.ST_TABLE]
                text = row[c] if c < len(row) else ""
                cell_p.add_run(text)
                if r > 0 and _numeric(text):
                    cell_p.alignment = 1  # centre figures
        _repeat_header(table)
        paragraph._p.addnext(table._tbl)
        paragraph._p.getparent().remove(paragraph._p)


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[\d.,%]+", text.strip()))


def _grid_borders(table: Table) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), "4")
        edge.set(qn("w:color"), "000000")
        borders.append(edge)
    table._tbl.tblPr.append(borders)
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(int(L.TEXT_WIDTH_MM / L.MM_PER_PT * TWIPS_PER_PT)))
    width.set(qn("w:type"), "dxa")
    existing = table._tbl.tblPr.find(qn("w:tblW"))
    if existing is not None:
        table._tbl.tblPr.remove(existing)
    table._tbl.tblPr.append(width)


def _repeat_header(table: Table) -> None:
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    tr_pr.append(header)


FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


def add_footnotes(doc: DxDocument, notes: dict[str, str]) -> None:
    """Turn footnote markers into Word footnotes (numbered by Word, shown at the page foot)."""
    if not notes:
        return
    ids: dict[str, int] = {}
    for paragraph in _all_paragraphs(doc):
        for run in list(paragraph.runs):
            m = _FN.fullmatch(run.text)
            if not m:
                continue
            key = m.group(1)
            ids.setdefault(key, len(ids) + 1)
            run.text = ""
            rpr = run._r.get_or_add_rPr()
            va = OxmlElement("w:vertAlign")
            va.set(qn("w:val"), "superscript")
            rpr.append(va)
            ref = OxmlElement("w:footnoteReference")
            ref.set(qn("w:id"), str(ids[key]))
            run._r.append(ref)
    body = [
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
        '<w:r><w:separator/></w:r></w:p></w:footnote>',
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
        '<w:r><w:continuationSeparator/></w:r></w:p></w:footnote>',
    ]
    fonts = '<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman" w:eastAsia="Times New Roman"/>'
    size = f'<w:sz w:val="{L.SIZE_FOOTNOTE * 2}"/>'
    for key, nid in ids.items():
        text = _xml_escape(notes[key])
        body.append(
            f'<w:footnote w:id="{nid}"><w:p><w:pPr><w:jc w:val="both"/></w:pPr>'
            f'<w:r><w:rPr>{fonts}{size}<w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r>'
            f'<w:r><w:rPr>{fonts}{size}</w:rPr><w:t xml:space="preserve"> {text}</w:t></w:r></w:p></w:footnote>'
        )
    xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes {nsdecls("w", "r")}>' + "".join(body) + "</w:footnotes>"
    part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES_CT, xml.encode("utf-8"), doc.part.package)
    doc.part.relate_to(part, RT.FOOTNOTES)
    settings = doc.settings.element
    if settings.find(qn("w:footnotePr")) is None:
        pr = parse_xml(f'<w:footnotePr {nsdecls("w")}><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>')
        settings.append(pr)


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def drop_empty_rule_after_empty(doc: DxDocument) -> None:
    """A rule whose text above was left empty (no trích yếu) would float alone: remove it."""
    for paragraph in list(doc.paragraphs):
        if paragraph.style is not None and paragraph.style.name in (L.ST_RULE_SHORT, L.ST_RULE_SUBJECT):
            above = paragraph._p.getprevious()
            if above is not None and above.tag == qn("w:p") and not Paragraph(above, paragraph._parent).text.strip():
                paragraph._p.getparent().remove(paragraph._p)


DxDocument = DocxDocument

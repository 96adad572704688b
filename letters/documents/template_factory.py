"""Builds the DOCX templates in templates_vb/ (run `make templates`).

Every NĐ 30 format rule lives in a named paragraph style, so a user who opens a template in
Word changes the look in the Styles pane and the text with ordinary typing; the Jinja tags
(docxtpl) only say where campaign data goes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from letters.core.properties import DocumentProperties, stamp_package
from letters.documents import layout as L
from letters.documents.textmetrics import text_width_pt
from templates_vb import TEMPLATES_DIR

FONT = "Times New Roman"
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY
CENTER = WD_ALIGN_PARAGRAPH.CENTER
LEFT = WD_ALIGN_PARAGRAPH.LEFT


@dataclass(frozen=True)
class StyleSpec:
    name: str
    size: float
    bold: bool = False
    italic: bool = False
    align: int = LEFT
    first_indent_cm: float = 0.0
    left_indent_mm: float = 0.0
    before: float = 0
    after: float = 0
    line: float = 1.0
    keep_next: bool = False
    border_bottom: bool = False


def _style_specs() -> list[StyleSpec]:
    ind = L.FIRST_LINE_INDENT_CM
    gap = L.PARAGRAPH_SPACING_PT
    to_indent = 25.0
    return [
        StyleSpec(L.ST_BODY, L.SIZE_BODY, align=JUSTIFY, first_indent_cm=ind, after=gap, line=L.LINE_SPACING),
        StyleSpec(
            L.ST_H1,
            L.SIZE_BODY,
            bold=True,
            align=JUSTIFY,
            first_indent_cm=ind,
            after=gap,
            line=L.LINE_SPACING,
            keep_next=True,
        ),
        StyleSpec(
            L.ST_H2,
            L.SIZE_BODY,
            bold=True,
            align=JUSTIFY,
            first_indent_cm=ind,
            after=gap,
            line=L.LINE_SPACING,
            keep_next=True,
        ),
        StyleSpec(
            L.ST_H3,
            L.SIZE_BODY,
            italic=True,
            align=JUSTIFY,
            first_indent_cm=ind,
            after=gap,
            line=L.LINE_SPACING,
            keep_next=True,
        ),
        StyleSpec(
            L.ST_BASIS,
            L.SIZE_BODY,
            italic=True,
            align=JUSTIFY,
            first_indent_cm=ind,
            after=gap,
            line=L.LINE_SPACING,
        ),
        StyleSpec(
            L.ST_ANNEX_NOTE,
            L.SIZE_BODY,
            italic=True,
            align=JUSTIFY,
            first_indent_cm=ind,
            after=gap,
            line=L.LINE_SPACING,
        ),
        StyleSpec(L.ST_PARENT, L.SIZE_AGENCY, align=CENTER),
        StyleSpec(L.ST_ISSUER, L.SIZE_AGENCY, bold=True, align=CENTER),
        StyleSpec(L.ST_NATIONAL, L.SIZE_NATIONAL, bold=True, align=CENTER),
        StyleSpec(L.ST_MOTTO, L.SIZE_MOTTO, bold=True, align=CENTER),
        StyleSpec(L.ST_RULE_SHORT, 1, align=CENTER, before=2, after=6, border_bottom=True),
        StyleSpec(L.ST_RULE_FULL, 1, align=CENTER, before=2, after=6, border_bottom=True),
        StyleSpec(L.ST_RULE_SUBJECT, 1, align=CENTER, before=3, after=18, border_bottom=True),
        StyleSpec(L.ST_NUMBER, L.SIZE_NUMBER, align=CENTER, before=6),
        StyleSpec(L.ST_DATE, L.SIZE_DATE, italic=True, align=CENTER, before=6),
        StyleSpec(L.ST_VV, L.SIZE_VV, align=CENTER, before=6),
        StyleSpec(L.ST_TYPE, L.SIZE_TITLE, bold=True, align=CENTER, before=18, keep_next=True),
        StyleSpec(L.ST_SUBJECT, L.SIZE_TITLE, bold=True, align=CENTER, keep_next=True),
        StyleSpec(L.ST_TO_ONE, L.SIZE_BODY, align=CENTER, before=12, after=12),
        StyleSpec(L.ST_TO_HEAD, L.SIZE_BODY, left_indent_mm=to_indent, before=12),
        StyleSpec(
            L.ST_TO_ITEM,
            L.SIZE_BODY,
            left_indent_mm=to_indent + text_width_pt("Kính gửi: ", L.SIZE_BODY) * L.MM_PER_PT,
        ),
        StyleSpec(L.ST_CC_HEAD, L.SIZE_RECIPIENTS_HEAD, bold=True, italic=True),
        StyleSpec(L.ST_SPACER, 6),
        StyleSpec(L.ST_CC, L.SIZE_RECIPIENTS),
        StyleSpec(L.ST_SIGN_TITLE, L.SIZE_SIGNER, bold=True, align=CENTER, keep_next=True),
        StyleSpec(L.ST_SIGN_ROOM, L.SIZE_SIGNER, align=CENTER, keep_next=True),
        StyleSpec(L.ST_SIGN_NAME, L.SIZE_SIGNER, bold=True, align=CENTER),
        StyleSpec(L.ST_PAGE_NO, L.SIZE_PAGE_NUMBER, align=CENTER),
        StyleSpec(L.ST_TABLE, 12, align=LEFT, before=2, after=2),
        StyleSpec(L.ST_CENTER, L.SIZE_BODY, bold=True, align=CENTER, before=6, after=6, keep_next=True),
        StyleSpec(L.ST_FIGURE, L.SIZE_BODY, align=CENTER, before=6, after=6),
        StyleSpec(L.ST_APPENDIX, 14, bold=True, align=CENTER, keep_next=True),
        StyleSpec(L.ST_APPENDIX_TITLE, 14, bold=True, align=CENTER, keep_next=True),
        StyleSpec(L.ST_APPENDIX_NOTE, 14, italic=True, align=CENTER, after=12, keep_next=True),
        StyleSpec(L.ST_FORM_LINE, L.SIZE_BODY, after=6),
        StyleSpec(L.ST_FORM_SIGN, 13, bold=True, align=CENTER, before=12),
        StyleSpec(L.ST_FORM_SIGN_NOTE, 13, italic=True, align=CENTER),
        StyleSpec(L.ST_TABLE_HEAD, 12, bold=True, align=CENTER, before=2, after=2, keep_next=True),
    ]


def _set_fonts(rpr_parent: object) -> None:
    """Times New Roman for every script slot, so Word never swaps fonts for Vietnamese letters."""
    rpr = rpr_parent.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "vi-VN")


def _border(ppr: object, side: str) -> None:
    borders = OxmlElement("w:pBdr")
    edge = OxmlElement(f"w:{side}")
    edge.set(qn("w:val"), "single")
    edge.set(qn("w:sz"), "6")
    edge.set(qn("w:space"), "1")
    edge.set(qn("w:color"), "000000")
    borders.append(edge)
    ppr.append(borders)  # type: ignore[attr-defined]


def _define_styles(doc: DxDocument) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(L.SIZE_BODY)
    _set_fonts(normal.element)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    page_break = doc.styles.add_style(L.ST_PAGE_BREAK, WD_STYLE_TYPE.PARAGRAPH)
    page_break.base_style = normal
    page_break.paragraph_format.page_break_before = True
    page_break.font.size = Pt(2)
    page_break.font.name = FONT
    _set_fonts(page_break.element)
    for spec in _style_specs():
        style = doc.styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.quick_style = True
        font = style.font
        font.name = FONT
        font.size = Pt(spec.size)
        font.bold = spec.bold
        font.italic = spec.italic
        _set_fonts(style.element)
        pf = style.paragraph_format
        pf.alignment = spec.align
        pf.first_line_indent = Cm(spec.first_indent_cm) if spec.first_indent_cm else None
        pf.left_indent = Mm(spec.left_indent_mm) if spec.left_indent_mm else None
        pf.space_before = Pt(spec.before)
        pf.space_after = Pt(spec.after)
        pf.line_spacing = spec.line
        pf.keep_with_next = spec.keep_next
        pf.widow_control = True
        if spec.border_bottom:
            _border(style.element.get_or_add_pPr(), "bottom")


DxDocument = DocxDocument


def _page_setup(doc: DxDocument) -> None:
    section = doc.sections[0]
    section.page_width = Mm(L.PAGE_WIDTH_MM)
    section.page_height = Mm(L.PAGE_HEIGHT_MM)
    section.top_margin = Mm(L.MARGIN_TOP_MM)
    section.bottom_margin = Mm(L.MARGIN_BOTTOM_MM)
    section.left_margin = Mm(L.MARGIN_LEFT_MM)
    section.right_margin = Mm(L.MARGIN_RIGHT_MM)
    section.header_distance = Mm(L.HEADER_DISTANCE_MM)
    section.footer_distance = Mm(L.HEADER_DISTANCE_MM)
    # NĐ 30: page numbers centred in the top margin, none on page 1.
    section.different_first_page_header_footer = True
    header_p = section.header.paragraphs[0]
    header_p.style = doc.styles[L.ST_PAGE_NO]
    _page_field(header_p)
    section.first_page_header.paragraphs[0].style = doc.styles[L.ST_PAGE_NO]


def _page_field(paragraph: Paragraph) -> None:
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "2"), ("end", None)):
        if kind:
            etree.SubElement(run._r, qn("w:fldChar")).set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            instr = etree.SubElement(run._r, qn("w:instrText"))
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
        else:
            # SubElement's hint types the child as its parent (CT_R); it is a plain w:t.
            t: etree._Element = etree.SubElement(run._r, qn("w:t"))
            t.text = text


def _no_borders(table: Table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = etree.SubElement(tbl_pr, qn("w:tblBorders"))
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        etree.SubElement(borders, qn(f"w:{side}")).set(qn("w:val"), "nil")
    margins = etree.SubElement(tbl_pr, qn("w:tblCellMar"))
    for side in ("left", "right"):
        m = etree.SubElement(margins, qn(f"w:{side}"))
        m.set(qn("w:w"), str(int(L.CELL_MARGIN_MM / 25.4 * 1440)))
        m.set(qn("w:type"), "dxa")
    etree.SubElement(tbl_pr, qn("w:tblLayout")).set(qn("w:type"), "fixed")


def _grid(doc: DxDocument, rows: int, widths_mm: tuple[float, ...]) -> Table:
    table = doc.add_table(rows=rows, cols=len(widths_mm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _no_borders(table)
    for row in table.rows:
        for cell, w in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(w)
    for col, w in zip(table.columns, widths_mm, strict=True):
        col.width = Mm(w)
    return table


def _para(container: object, style: str, text: str = "", first: bool = False) -> Paragraph:
    """Add (or reuse the cell's first empty) paragraph with `style`; tags stay in a single run."""
    if first:
        p = container.paragraphs[0]  # type: ignore[attr-defined]
    else:
        p = container.add_paragraph()  # type: ignore[attr-defined]
    p.style = style
    if text:
        p.add_run(text)
    return p


def _header(doc: DxDocument, *, cong_van: bool) -> None:
    table = _grid(doc, 3 if cong_van else 2, (L.HEADER_LEFT_MM, L.HEADER_RIGHT_MM))
    left, right = table.rows[0].cells
    _para(left, L.ST_PARENT, "{%p if has_parent %}", first=True)
    _para(left, L.ST_PARENT, "{{r parent_body }}")
    _para(left, L.ST_PARENT, "{%p endif %}")
    _para(left, L.ST_ISSUER, "{{r issuing_body }}")
    _para(left, L.ST_RULE_SHORT)
    _para(right, L.ST_NATIONAL, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", first=True)
    _para(right, L.ST_MOTTO, "Độc lập - Tự do - Hạnh phúc")
    _para(right, L.ST_RULE_FULL)
    number, date = table.rows[1].cells
    _para(number, L.ST_NUMBER, "{{ number_line }}", first=True)
    _para(date, L.ST_DATE, "{{ place_date }}", first=True)
    if cong_van:
        vv, _ = table.rows[2].cells
        _para(vv, L.ST_VV, "{{ vv }}", first=True)


def _title(doc: DxDocument) -> None:
    _para(doc, L.ST_TYPE, "{{ doc_type_title }}")
    _para(doc, L.ST_SUBJECT, "{{ subject }}")
    _para(doc, L.ST_RULE_SUBJECT)


def _recipients(doc: DxDocument) -> None:
    _para(doc, L.ST_TO_ONE, "{%p if recipients|length == 1 %}")
    _para(doc, L.ST_TO_ONE, "Kính gửi: {{ recipients[0] }}")
    _para(doc, L.ST_TO_HEAD, "{%p elif recipients %}")
    _para(doc, L.ST_TO_HEAD, "Kính gửi:")
    _para(doc, L.ST_TO_ITEM, "{%p for recipient in recipients %}")
    _para(doc, L.ST_TO_ITEM, "- {{ recipient }}")
    _para(doc, L.ST_TO_ITEM, "{%p endfor %}")
    _para(doc, L.ST_TO_HEAD, "{%p endif %}")
    _para(doc, L.ST_SPACER)


BODY_STYLES = (
    ("h1", L.ST_H1),
    ("h2", L.ST_H2),
    ("h3", L.ST_H3),
    ("basis", L.ST_BASIS),
    ("annex", L.ST_ANNEX_NOTE),
    ("center", L.ST_CENTER),
    ("figure", L.ST_FIGURE),
)


def _body(doc: DxDocument) -> None:
    _para(doc, L.ST_BODY, "{%p for b in body %}")
    for i, (kind, style) in enumerate(BODY_STYLES):
        _para(doc, style, ("{%p if " if i == 0 else "{%p elif ") + f'b.kind == "{kind}" %}}')
        _para(doc, style, "{{r b.rich }}")
    _para(doc, L.ST_BODY, "{%p else %}")
    _para(doc, L.ST_BODY, "{{r b.rich }}")
    _para(doc, L.ST_BODY, "{%p endif %}")
    _para(doc, L.ST_BODY, "{%p endfor %}")


def _signature(doc: DxDocument) -> None:
    _para(doc, L.ST_SPACER)
    table = _grid(doc, 1, (L.FOOTER_LEFT_MM, L.FOOTER_RIGHT_MM))
    # The signature block never splits across pages: a name alone on a page is not signable.
    etree.SubElement(table.rows[0]._tr.get_or_add_trPr(), qn("w:cantSplit"))
    cc, sign = table.rows[0].cells
    _para(cc, L.ST_CC_HEAD, "Nơi nhận:", first=True)
    _para(cc, L.ST_CC, "{%p for n in copies_to %}")
    _para(cc, L.ST_CC, "{{ n }}")
    _para(cc, L.ST_CC, "{%p endfor %}")
    # The first line shares its row with "Nơi nhận:", as the decree's sơ đồ places them.
    _para(sign, L.ST_SIGN_TITLE, "{%p for line in signer_lines %}", first=True)
    _para(sign, L.ST_SIGN_TITLE, "{{ line }}")
    _para(sign, L.ST_SIGN_TITLE, "{%p endfor %}")
    for _ in range(L.SIGNATURE_ROOM_LINES):
        _para(sign, L.ST_SIGN_ROOM)
    _para(sign, L.ST_SIGN_NAME, "{{ signer_name }}")


def _new_document() -> DxDocument:
    """An empty A4 document with the NĐ 30 styles and page setup, and no paragraphs yet."""
    doc = Document()
    _define_styles(doc)
    _page_setup(doc)
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    return doc


def _appendices(doc: DxDocument) -> None:
    """Phụ lục in the same file: each on a new page, numbered heading, title, the 'kèm theo' line, a table."""
    _para(doc, L.ST_PAGE_BREAK, "{%p for a in appendices %}")
    _para(doc, L.ST_PAGE_BREAK)
    _para(doc, L.ST_APPENDIX, "{{ a.heading }}")
    _para(doc, L.ST_APPENDIX_TITLE, "{{ a.title }}")
    _para(doc, L.ST_APPENDIX_NOTE, "{{ a.note }}")
    _para(doc, L.ST_BODY, "{{ a.table }}")
    _para(doc, L.ST_PAGE_BREAK, "{%p endfor %}")


def _annex_page(doc: DxDocument, landscape: bool) -> None:
    section = doc.sections[0]
    if landscape:
        from docx.enum.section import WD_ORIENT

        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(L.PAGE_HEIGHT_MM), Mm(L.PAGE_WIDTH_MM)


def build_annex(landscape: bool) -> DxDocument:
    """A separate attachment (biểu mẫu, phụ lục): its own heading, the 'kèm theo' line, a table."""
    doc = _new_document()
    _annex_page(doc, landscape)
    _para(doc, L.ST_APPENDIX, "{{ heading }}")
    _para(doc, L.ST_APPENDIX_TITLE, "{{ title }}")
    _para(doc, L.ST_APPENDIX_NOTE, "{{ note }}")
    _para(doc, L.ST_FORM_LINE, "{%p for line in fill_lines %}")
    _para(doc, L.ST_FORM_LINE, "{{ line }}")
    _para(doc, L.ST_FORM_LINE, "{%p endfor %}")
    _body(doc)
    _para(doc, L.ST_BODY, "{%p if sign_boxes %}")
    # Two tables with nothing between them merge into one in Word and LibreOffice (losing the grid).
    _para(doc, L.ST_SPACER)
    table = _grid(doc, 1, (L.LANDSCAPE_TEXT_WIDTH_MM / 2,) * 2 if landscape else (L.TEXT_WIDTH_MM / 2,) * 2)
    for cell, i in zip(table.rows[0].cells, (0, 1), strict=True):
        _para(cell, L.ST_FORM_SIGN, f"{{{{ sign_boxes[{i}].title }}}}", first=True)
        _para(cell, L.ST_FORM_SIGN_NOTE, f"{{{{ sign_boxes[{i}].note }}}}")
    _para(doc, L.ST_BODY, "{%p endif %}")
    _neutral_properties(doc)
    return doc


def build_template(kind: str) -> DxDocument:
    """One template: 'typed' (tên loại + trích yếu: KH, QĐ, TTr, TB) or 'cong_van'."""
    doc = _new_document()
    _header(doc, cong_van=kind == "cong_van")
    if kind != "cong_van":
        _title(doc)
    _recipients(doc)
    _body(doc)
    _signature(doc)
    _appendices(doc)
    _neutral_properties(doc)
    return doc


def _neutral_properties(doc: DxDocument) -> None:
    """No generator's name, sample title or thumbnail in a template: each rendered document gets its own
    title, author and dates (letters.documents.postprocess), and a template edited in Word keeps the user's."""
    props = doc.core_properties
    for field in ("title", "subject", "author", "comments", "keywords", "category", "last_modified_by"):
        setattr(props, field, "")
    props.language = "vi-VN"
    props.revision = 1
    package = doc.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            package.rels.pop(rid)


TEMPLATES: dict[str, Callable[[], DxDocument]] = {
    "ke_hoach.docx": lambda: build_template("typed"),
    "cong_van.docx": lambda: build_template("cong_van"),
    "quyet_dinh.docx": lambda: build_template("typed"),
    "to_trinh.docx": lambda: build_template("typed"),
    "thong_bao.docx": lambda: build_template("typed"),
    "bieu_mau.docx": lambda: build_annex(landscape=True),
    "phu_luc.docx": lambda: build_annex(landscape=False),
}


def main(out_dir: Path = TEMPLATES_DIR) -> None:
    for name, factory in TEMPLATES.items():
        path = out_dir / name
        factory().save(str(path))
        # python-docx's package names Word for Mac and Normal.dotm in docProps/app.xml: replace both parts.
        path.write_bytes(stamp_package(path.read_bytes(), DocumentProperties(title="", author="")))
        print(f"Đã tạo mẫu {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATES_DIR)

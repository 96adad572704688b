"""NĐ 30/2020 Phụ lục I format assertions on a rendered DOCX, shared by every document's tests."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Length, Mm
from docx.text.paragraph import Paragraph

from letters.documents.textmetrics import text_width_pt, wrap_widths
from tests.docx_read import BODY_STYLES, effective, para_format

QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"
TNR = "Times New Roman"


def _mm(length: Length | None) -> float:
    return (length or 0) / Mm(1)


def _pt(length: Length | None) -> float:
    return (length or 0) / 12700


def _size(p: Paragraph) -> float:
    return effective(p, "size").pt  # type: ignore[union-attr]


def _texts(cell) -> list[Paragraph]:  # type: ignore[no-untyped-def]
    return [p for p in cell.paragraphs if p.text.strip()]


def _rule_width_pt(rule: Paragraph, container_pt: float) -> float:
    pf = rule.paragraph_format
    return container_pt - _pt(pf.left_indent) - _pt(pf.right_indent)


def _has_bottom_border(p: Paragraph) -> bool:
    style = p.style
    while style is not None:
        ppr = style.element.pPr
        if ppr is not None and ppr.find(qn("w:pBdr")) is not None:
            return True
        style = style.base_style
    return False


def _cell_width_pt(cell) -> float:  # type: ignore[no-untyped-def]
    return int(cell._tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) / 20 - 2 * 0.5 / (25.4 / 72)


def check_page(doc) -> None:  # type: ignore[no-untyped-def]
    for s in doc.sections:
        assert abs(_mm(s.page_width) - 210) < 0.5 and abs(_mm(s.page_height) - 297) < 0.5
        assert 20 <= round(_mm(s.top_margin)) <= 25
        assert 20 <= round(_mm(s.bottom_margin)) <= 25
        assert 30 <= round(_mm(s.left_margin)) <= 35
        assert 15 <= round(_mm(s.right_margin)) <= 20
        # Page numbers: centred in the top margin, from page 2 on.
        assert s.different_first_page_header_footer
        header_xml = s.header._element.xml
        assert (
            "PAGE" in header_xml
            and 'w:val="center"' in header_xml
            or s.header.paragraphs[0].style.paragraph_format.alignment == 1
        )
        assert "PAGE" not in s.first_page_header._element.xml
        number_size = (
            _size(s.header.paragraphs[0])
            if s.header.paragraphs[0].runs
            else s.header.paragraphs[0].style.font.size.pt
        )
        assert 13 <= number_size <= 14


def check_fonts(doc) -> None:  # type: ignore[no-untyped-def]
    normal = doc.styles["Normal"]
    assert normal.font.name == TNR
    rfonts = normal.element.rPr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        assert rfonts.get(qn(attr)) == TNR
    for style in doc.styles:
        if style.type == 1 and style.name.startswith("VB "):
            assert style.font.name == TNR, style.name
    # No run anywhere overrides the font or the colour.
    for p in _all_paragraphs(doc):
        for run in p.runs:
            assert run.font.name in (None, TNR)
            assert (
                run.font.color is None or run.font.color.rgb in (None,) or str(run.font.color.rgb) == "000000"
            )


def _all_paragraphs(doc) -> list[Paragraph]:  # type: ignore[no-untyped-def]
    out = list(doc.paragraphs)
    for t in doc.tables:
        for row in t.rows:
            for cell in row.cells:
                out.extend(cell.paragraphs)
    return out


def check_header(doc, *, parent: str | None, issuer: str, number_prefix: str, place_date: str) -> None:  # type: ignore[no-untyped-def]
    table = doc.tables[0]
    left, right = table.rows[0].cells
    lp = _texts(left)
    if parent is None:  # UBND tỉnh has no parent body above its name
        lp = [lp[0], *lp]
    else:
        assert lp[0].text.replace("\n", " ") == parent and parent == parent.upper()
        assert not effective(lp[0], "bold") and 12 <= _size(lp[0]) <= 13
    assert lp[1].text.replace("\n", " ") == issuer and issuer == issuer.upper()
    assert effective(lp[1], "bold") and 12 <= _size(lp[1]) <= 13
    rule = [p for p in left.paragraphs if _has_bottom_border(p)]
    assert len(rule) == 1
    issuer_width = max(
        max(wrap_widths(line, _size(lp[1]), _cell_width_pt(left), bold=True))
        for line in lp[1].text.split("\n")
    )
    ratio = _rule_width_pt(rule[0], _cell_width_pt(left)) / issuer_width
    assert 1 / 3 - 0.01 <= ratio <= 1 / 2 + 0.01, ratio
    rp = _texts(right)
    assert rp[0].text == QUOC_HIEU and effective(rp[0], "bold") and 12 <= _size(rp[0]) <= 13
    assert rp[1].text == TIEU_NGU and effective(rp[1], "bold") and 13 <= _size(rp[1]) <= 14
    motto_rule = [p for p in right.paragraphs if _has_bottom_border(p)]
    assert len(motto_rule) == 1
    motto_width = text_width_pt(TIEU_NGU, _size(rp[1]), bold=True)
    assert abs(_rule_width_pt(motto_rule[0], _cell_width_pt(right)) / motto_width - 1) < 0.03
    number, date = table.rows[1].cells
    n = _texts(number)[0]
    assert n.text.startswith("Số: ") or n.text.startswith("Số:")
    assert n.text.replace(" ", "").startswith(number_prefix.replace(" ", ""))
    assert _size(n) == 13 and not effective(n, "bold")
    d = _texts(date)[0]
    assert d.text == place_date
    assert effective(d, "italic") and 13 <= _size(d) <= 14
    # "Số" and the date share a row, so they sit on the same line.
    assert number._tc.getparent() is date._tc.getparent()


def check_body(doc) -> list[Paragraph]:  # type: ignore[no-untyped-def]
    body = [p for p in doc.paragraphs if p.style.name in BODY_STYLES and p.text.strip()]
    assert body
    for p in body:
        assert para_format(p, "alignment") == 3, p.text  # justified
        indent_cm = _mm(para_format(p, "first_line_indent")) / 10
        assert 1.0 <= indent_cm <= 1.27 + 1e-6, p.text
        assert (_pt(para_format(p, "space_after")) >= 6) or (_pt(para_format(p, "space_before")) >= 6)
        spacing = para_format(p, "line_spacing")
        assert isinstance(spacing, float) and 1.0 <= spacing <= 1.5
        assert 13 <= _size(p) <= 14
    return body


def signature_table(doc):  # type: ignore[no-untyped-def]
    return next(t for t in doc.tables if t.rows[0].cells[0].paragraphs[0].text == "Nơi nhận:")


def check_signature(doc, *, signer_lines: list[str], signer_name: str) -> None:  # type: ignore[no-untyped-def]
    table = signature_table(doc)
    cc, sign = table.rows[0].cells
    cp = _texts(cc)
    assert cp[0].text == "Nơi nhận:"
    assert effective(cp[0], "bold") and effective(cp[0], "italic") and _size(cp[0]) == 12
    for p in cp[1:]:
        assert p.text.startswith("- ") and _size(p) == 11 and not effective(p, "bold")
        assert p.text.endswith(";") or p is cp[-1]
    assert cp[-1].text.startswith("- Lưu: VT") and cp[-1].text.endswith(".")
    sp = _texts(sign)
    assert [p.text for p in sp[: len(signer_lines)]] == signer_lines
    for p in sp:
        assert effective(p, "bold") and 13 <= _size(p) <= 14 and para_format(p, "alignment") == 1
    assert sp[-1].text == signer_name
    # Room for the signature between the title and the name.
    all_p = [p._p for p in sign.paragraphs]
    gap = all_p.index(sp[-1]._p) - all_p.index(sp[-2]._p) - 1
    assert gap >= 3
    # "Nơi nhận:" starts level with the first authority line.
    assert cc.paragraphs[0].text == "Nơi nhận:" and sign.paragraphs[0].text == signer_lines[0]
    assert table.rows[0]._tr.trPr.find(qn("w:cantSplit")) is not None


def check_typed_title(doc, title: str, subject: str) -> None:  # type: ignore[no-untyped-def]
    paras = [p for p in doc.paragraphs if p.text.strip()]
    assert paras[0].text == title and effective(paras[0], "bold") and para_format(paras[0], "alignment") == 1
    assert 13 <= _size(paras[0]) <= 14
    # A trích yếu longer than a line is broken into even lines (explicit line breaks).
    lines = paras[1].text.split("\n")
    assert (
        " ".join(lines) == subject and effective(paras[1], "bold") and para_format(paras[1], "alignment") == 1
    )
    rule = paras[1]._p.getnext()
    assert rule is not None and _has_bottom_border(Paragraph(rule, paras[1]._parent))
    subject_width = max(
        w for line in lines for w in wrap_widths(line, _size(paras[1]), 165 / (25.4 / 72), bold=True)
    )
    ratio = _rule_width_pt(Paragraph(rule, paras[1]._parent), 165 / (25.4 / 72)) / subject_width
    assert 1 / 3 - 0.01 <= ratio <= 1 / 2 + 0.01


def check_all(
    path: Path,
    *,
    parent: str | None,
    issuer: str,
    number_prefix: str,
    place_date: str,
    signer_lines: list[str],
    signer_name: str,
) -> object:
    doc = Document(str(path))
    check_page(doc)
    check_fonts(doc)
    check_header(doc, parent=parent, issuer=issuer, number_prefix=number_prefix, place_date=place_date)
    check_body(doc)
    check_signature(doc, signer_lines=signer_lines, signer_name=signer_name)
    return doc

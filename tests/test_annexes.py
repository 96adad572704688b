"""Biểu số (DOCX landscape, XLSX) and Phụ lục per tier: NĐ 30 page and font rules, content from the set."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from docx.shared import Mm

from letters.campaign.load import load_campaign
from letters.forms.annexes import render_annexes
from letters.indicators.sets import form_rows
from letters.indicators.tiers import from_campaign_model
from tests.conftest import EXAMPLES
from tests.docx_read import effective
from tests.nd30_assert import check_fonts


@pytest.fixture(scope="module")
def annexes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    campaign = load_campaign(EXAMPLES / "brvt-2024.yaml")
    out = tmp_path_factory.mktemp("annexes")
    return {f.path.name: f.path for f in render_annexes(campaign, out)}


def test_one_form_and_one_guide_per_tier(annexes: dict[str, Path]) -> None:
    assert sorted(annexes) == [
        "2024-bieu-so-01-so.docx",
        "2024-bieu-so-02-huyen.docx",
        "2024-bieu-so-03-xa.docx",
        "2024-phu-luc-i-so.docx",
        "2024-phu-luc-ii-huyen.docx",
        "2024-phu-luc-iii-xa.docx",
        "bieu-so-01-so.xlsx",
        "bieu-so-02-huyen.xlsx",
        "bieu-so-03-xa.xlsx",
    ]


def test_form_is_landscape_a4_with_the_decree_margins(annexes: dict[str, Path]) -> None:
    doc = Document(str(annexes["2024-bieu-so-01-so.docx"]))
    s = doc.sections[0]
    assert abs(s.page_width - Mm(297)) < Mm(1) and abs(s.page_height - Mm(210)) < Mm(1)
    assert round(s.left_margin / Mm(1)) == 30 and round(s.right_margin / Mm(1)) == 15
    assert round(s.top_margin / Mm(1)) == 20 and round(s.bottom_margin / Mm(1)) == 20
    check_fonts(doc)
    paras = [p for p in doc.paragraphs if p.text.strip()]
    assert (
        paras[0].text == "Biểu số 01" and effective(paras[0], "bold") and effective(paras[0], "size").pt == 14
    )
    assert paras[1].text.startswith("BIỂU TỰ ĐÁNH GIÁ, CHẤM ĐIỂM CHỈ SỐ CHUYỂN ĐỔI SỐ NĂM 2024")
    assert paras[2].text.startswith("(Kèm theo Công văn số") and effective(paras[2], "italic")


def test_form_table_lists_every_indicator_with_columns_to_fill(annexes: dict[str, Path]) -> None:
    campaign = load_campaign(EXAMPLES / "brvt-2024.yaml")
    tier = from_campaign_model(campaign).tiers[0]
    doc = Document(str(annexes["2024-bieu-so-01-so.docx"]))
    table = doc.tables[0]
    header = [c.text.replace("\n", " ") for c in table.rows[0].cells]
    assert header == [
        "STT",
        "Chỉ số",
        "Điểm tối đa",
        "Cách xác định và tính điểm",
        "Điểm tự đánh giá",
        "Tài liệu kiểm chứng",
        "Giải trình (nếu không đạt điểm tối đa)",
    ]
    rows = form_rows(tier.indicator_set)
    # The header, the total, and the signing boxes as a last, borderless row that keeps with the total.
    assert len(table.rows) == len(rows) + 3
    first_index = table.rows[1].cells
    assert first_index[1].text == rows[0].name and first_index[1].paragraphs[0].runs[0].bold
    assert table.rows[-2].cells[1].text == "TỔNG ĐIỂM" and table.rows[-2].cells[2].text == "1.000"
    widths = [c.width for c in table.rows[0].cells]
    # Room to write a score, and more for the evidence and the explanation.
    assert widths[4] > Mm(20) and min(widths[5:]) > Mm(35)
    signs = [p.text for c in table.rows[-1].cells for p in c.paragraphs if p.text.strip()]
    assert "NGƯỜI LẬP BIỂU" in signs and "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ" in signs


def test_guide_is_portrait_with_evidence_for_each_indicator(annexes: dict[str, Path]) -> None:
    doc = Document(str(annexes["2024-phu-luc-i-so.docx"]))
    assert abs(doc.sections[0].page_width - Mm(210)) < Mm(1)
    check_fonts(doc)
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["STT", "Chỉ số", "Tài liệu kiểm chứng", "Nguồn dữ liệu"]
    evidence = [r.cells[2].text for r in table.rows[1:] if r.cells[2].text]
    assert evidence and all(len(e) > 5 for e in evidence)


def test_annexes_name_the_document_they_are_issued_with(example_copy: Path, tmp_path: Path) -> None:
    """'(Kèm theo <type> số …)' names the công văn by default, the Kế hoạch when the campaign says so (or has
    no công văn), with the number and the date left blank until it is issued."""
    campaign = load_campaign(EXAMPLES / "brvt-2024.yaml")
    doc = Document(str(render_annexes(campaign, tmp_path / "cv", xlsx=False, guides=False)[0].path))
    note = [p.text for p in doc.paragraphs if p.text.startswith("(Kèm theo")][0].replace("\n", " ")
    # The công văn has a date but no number yet: both stay blank, as the văn thư fills them in together.
    assert note == (
        "(Kèm theo Công văn số       /STTTT-CĐSBCVT ngày      tháng      năm 2024 "
        "của Sở Thông tin và Truyền thông)"
    )
    path = example_copy / "bacgiang-2023.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("  index_name: chỉ số DTI\n", "  index_name: chỉ số DTI\n  annexes_with: ke_hoach\n")
    )
    plan = load_campaign(path)
    for f in render_annexes(plan, tmp_path / "kh", xlsx=False):
        lines = [p.text.replace("\n", " ") for p in Document(str(f.path)).paragraphs]
        assert (
            "(Kèm theo Kế hoạch số       /KH-STTTT ngày      tháng      năm 2023 "
            "của Sở Thông tin và Truyền thông)" in lines
        ), lines[:4]


def test_unlabelled_annexes_are_numbered_as_the_decree_says(tmp_path: Path) -> None:
    """Gia Lai labels none of its three tiers' annexes: Biểu số 01–03 and Phụ lục I–III (Roman numerals
    for two or more phụ lục, NĐ 30); a single tier's are "Biểu mẫu" and "Phụ lục"."""
    campaign = load_campaign(EXAMPLES / "gialai-2023.yaml")
    assert [campaign.annex_label(t) for t in campaign.tiers] == ["Phụ lục I", "Phụ lục II", "Phụ lục III"]
    assert [campaign.form_label(t) for t in campaign.tiers] == ["Biểu số 01", "Biểu số 02", "Biểu số 03"]
    names = sorted(f.path.name for f in render_annexes(campaign, tmp_path, xlsx=False))
    assert names == [
        "2023-bieu-so-01-so.docx",
        "2023-bieu-so-02-huyen.docx",
        "2023-bieu-so-03-xa.docx",
        "2023-phu-luc-i-so.docx",
        "2023-phu-luc-ii-huyen.docx",
        "2023-phu-luc-iii-xa.docx",
    ]
    single = campaign.model_copy(update={"tiers": campaign.tiers[:1]})
    assert (single.form_label(single.tiers[0]), single.annex_label(single.tiers[0])) == (
        "Biểu mẫu",
        "Phụ lục",
    )


def test_check_warns_on_arabic_numbered_annexes(example_copy: Path) -> None:
    from letters.core.errors import Severity
    from letters.usecases.documents import CheckRequest, check_campaign

    path = example_copy / "brvt-2024.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("annex: Phụ lục II\n", "annex: Phụ lục 2\n"))
    warnings = {
        d.field: d.message
        for d in check_campaign(CheckRequest(path)).diagnostics
        if d.severity is Severity.WARNING
    }
    assert "chữ số La Mã" in warnings["tiers[2].annex"] and "«Phụ lục II»" in warnings["tiers[2].annex"]
    assert not any(f and f.startswith(("tiers[1].annex", "tiers[3].annex")) for f in warnings)


def test_decision_appendices_are_sections_numbered_from_one(tmp_path: Path) -> None:
    """Each phụ lục of the Quyết định is a section of its own whose pages restart at 1 (NĐ 30), with the
    document's page setup and a first page without a number."""
    from docx.oxml.ns import qn

    from letters.results.example import make_example_scores
    from letters.results.pipeline import run_results

    campaign = load_campaign(EXAMPLES / "bacgiang-2023.yaml")
    inputs = from_campaign_model(campaign)
    scores = make_example_scores(inputs.units, inputs.tiers, tmp_path / "diem", year=2023, forms=False)
    run = run_results(campaign, scores, tmp_path / "out", workers=1)
    doc = Document(str(run.outputs.documents.decision))
    sections = doc.sections
    assert len(sections) == 1 + len(campaign.tiers)
    starts = [s._sectPr.find(qn("w:pgNumType")) for s in sections]
    assert starts[0] is None
    assert all(x is not None and x.get(qn("w:start")) == "1" for x in starts[1:])
    for s in sections:
        assert s.different_first_page_header_footer
        assert abs(s.page_width - Mm(210)) < Mm(1) and round(s.left_margin / Mm(1)) == 30
    headings = [p.text for p in doc.paragraphs if p.text.startswith("Phụ lục")]
    assert headings == ["Phụ lục I", "Phụ lục II"]
    notes = [p.text.replace("\n", " ") for p in doc.paragraphs if p.text.startswith("(Kèm theo")]
    assert notes and all(n.startswith("(Kèm theo Quyết định số") for n in notes)

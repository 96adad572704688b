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
        "2024-phu-luc-1-so.docx",
        "2024-phu-luc-2-huyen.docx",
        "2024-phu-luc-3-xa.docx",
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
    header = [c.text for c in table.rows[0].cells]
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
    assert len(table.rows) == len(rows) + 2  # header and the total
    first_index = table.rows[1].cells
    assert first_index[1].text == rows[0].name and first_index[1].paragraphs[0].runs[0].bold
    assert table.rows[-1].cells[1].text == "TỔNG ĐIỂM" and table.rows[-1].cells[2].text == "1.000"
    widths = [c.width for c in table.rows[0].cells]
    # Room to write a score, and more for the evidence and the explanation.
    assert widths[4] > Mm(20) and min(widths[5:]) > Mm(35)
    signs = [p.text for t in doc.tables[1:] for c in t.rows[0].cells for p in c.paragraphs if p.text.strip()]
    assert "NGƯỜI LẬP BIỂU" in signs and "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ" in signs


def test_guide_is_portrait_with_evidence_for_each_indicator(annexes: dict[str, Path]) -> None:
    doc = Document(str(annexes["2024-phu-luc-1-so.docx"]))
    assert abs(doc.sections[0].page_width - Mm(210)) < Mm(1)
    check_fonts(doc)
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["STT", "Chỉ số", "Tài liệu kiểm chứng", "Nguồn dữ liệu"]
    evidence = [r.cells[2].text for r in table.rows[1:] if r.cells[2].text]
    assert evidence and all(len(e) > 5 for e in evidence)

"""Tờ trình, Quyết định công bố kết quả and per-unit notices: content from the ranking, NĐ 30 format."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from docx import Document

from letters.campaign.load import load_campaign
from letters.core.vn import number, points_text
from letters.indicators.tiers import from_campaign_model
from letters.results.example import make_example_scores
from letters.results.pipeline import ResultsRun, run_results
from tests.conftest import EXAMPLES
from tests.docx_read import body_text
from tests.nd30_assert import check_all, check_typed_title, signature_table


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[ResultsRun, Path]:
    campaign = load_campaign(EXAMPLES / "bacgiang-2023.yaml")
    inputs = from_campaign_model(campaign)
    base = tmp_path_factory.mktemp("results")
    scores = make_example_scores(inputs.units, inputs.tiers, base / "scores", seed=11, year=2023, forms=False)
    return run_results(campaign, scores, base / "out", workers=2), base / "out"


def test_decision_appendix_matches_the_ranking(run: tuple[ResultsRun, Path]) -> None:
    results, out = run[0].results, run[1]
    doc = Document(str(out / "2023-quyet-dinh-du-thao.docx"))
    appendix_tables = doc.tables[2:]  # header, signature, then one ranking table per tier
    assert len(appendix_tables) == len(results.tiers)
    for table, tier in zip(appendix_tables, results.tiers, strict=True):
        rows = [[c.text.replace("\n", " ") for c in r.cells] for r in table.rows]
        assert rows[0][:6] == ["STT", "Tên cơ quan, đơn vị", "Tổng điểm", "Chỉ số", "Xếp hạng", "Xếp loại"]
        assert len(rows) - 1 == len(tier.units)
        for row, unit in zip(rows[1:], tier.units, strict=True):
            assert row[1] == unit.unit.name
            if unit.rank is None:
                assert row[4] == "Không xếp hạng" and row[-1]
            else:
                assert row[2] == number(unit.points, 2) and row[3] == number(unit.dti, 4)
                assert row[4] == str(unit.rank) and row[5] == unit.band
                assert (row[-1] == "Đồng hạng") == unit.tied
    texts = [p.text for p in doc.paragraphs]
    assert "Phụ lục I" in texts and "Phụ lục II" in texts
    assert any(t.startswith("(Kèm theo Quyết định số") for t in texts)


def test_decision_format_and_wording(run: tuple[ResultsRun, Path]) -> None:
    path = run[1] / "2023-quyet-dinh-du-thao.docx"
    doc = check_all(
        path,
        parent=None,
        issuer="ỦY BAN NHÂN DÂN TỈNH BẮC GIANG",
        number_prefix="Số: /QĐ-UBND",
        place_date="Bắc Giang, ngày      tháng      năm 2023",
        signer_lines=["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
        signer_name="Mai Sơn",
    )
    check_typed_title(
        doc,
        "QUYẾT ĐỊNH",
        "Về việc công bố kết quả đánh giá, xếp hạng chỉ số DTI của các cơ quan "
        "nhà nước trên địa bàn tỉnh Bắc Giang năm 2023",
    )
    paras = [p for p in doc.paragraphs if p.text.strip()]
    texts = [p.text for p in paras]
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH BẮC GIANG" in texts and "QUYẾT ĐỊNH:" in texts
    bases = [p for p in paras if p.style.name == "VB Căn cứ"]
    assert bases and all(p.style.font.italic for p in bases)
    assert all(p.text.endswith(";") for p in bases[:-1]) and bases[-1].text.endswith(".")
    assert bases[-1].text.startswith("Theo đề nghị của Giám đốc Sở Thông tin và Truyền thông tại Tờ trình số")
    for n in (1, 2, 3):
        article = next(p for p in paras if p.text.startswith(f"Điều {n}."))
        assert article.runs[0].bold and article.runs[0].text.startswith(f"Điều {n}.")
    copies = [p.text for p in signature_table(doc).rows[0].cells[0].paragraphs if p.text.strip()]
    assert copies[1] == "- Như Điều 3;" and copies[-1] == "- Lưu: VT, KGVX."


def test_proposal_format(run: tuple[ResultsRun, Path]) -> None:
    path = run[1] / "2023-to-trinh-du-thao.docx"
    doc = check_all(
        path,
        parent="UBND TỈNH BẮC GIANG",
        issuer="SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        number_prefix="Số: /TTr-STTTT",
        place_date="Bắc Giang, ngày      tháng      năm 2023",
        signer_lines=["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"],
        signer_name="Nguyễn Gia Phong",
    )
    texts = [p.text for p in doc.paragraphs if p.text.strip()]
    assert "Kính gửi: Ủy ban nhân dân tỉnh Bắc Giang" in texts
    text = body_text(path)
    assert "từ ngày 10/10/2023 đến hết ngày 24/10/2023 (15 ngày)" in text  # same phase text as the plan
    assert "(dự thảo Quyết định kèm theo)" in text


def test_every_unit_gets_a_notice_with_its_chart(run: tuple[ResultsRun, Path]) -> None:
    results, out = run[0].results, run[1]
    notices = sorted((out / "thong-bao").glob("*.docx"))
    # Every unit but the issuing Sở itself, which is ranked but sends itself no notice.
    assert len(notices) == len(results.all_units()) - 1
    assert run[0].outputs.documents.without_notice == ["Sở Thông tin và Truyền thông"]
    assert not (out / "thong-bao" / "2023-thong-bao-ket-qua-so-thong-tin-va-truyen-thong.docx").exists()
    ranked = (
        next(u for u in results.all_units() if u.rank is not None and u.tied)
        if any(u.tied for u in results.all_units())
        else next(u for u in results.all_units() if u.rank is not None)
    )
    path = out / "thong-bao" / f"2023-thong-bao-ket-qua-{ranked.unit.id}.docx"
    doc = check_all(
        path,
        parent="UBND TỈNH BẮC GIANG",
        issuer="SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        number_prefix="Số: /TB-STTTT",
        place_date="Bắc Giang, ngày      tháng      năm 2023",
        signer_lines=["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"],
        signer_name="Nguyễn Gia Phong",
    )
    text = body_text(path)
    assert f"Tổng điểm đạt được: {points_text(ranked.points)}" in text
    assert f"Xếp hạng: {ranked.rank}" in text
    assert ("đồng hạng" in text) == ranked.tied
    table = doc.tables[1]
    assert [c.text for c in table.rows[0].cells] == [
        "STT",
        "Chỉ số chính",
        "Điểm tối đa",
        "Điểm đạt",
        "Bình quân của nhóm",
        "Chênh lệch",
    ]
    assert len(table.rows) == len(ranked.indices) + 2
    with zipfile.ZipFile(path) as z:
        png = z.read("word/media/vb_image0.png")
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert 'r:embed="rIdVbImg0"' in z.read("word/document.xml").decode()
    for w in ranked.weakest:
        assert w.name in text


def test_excluded_unit_notice_says_why(run: tuple[ResultsRun, Path]) -> None:
    results, out = run[0].results, run[1]
    excluded = [u for u in results.all_units() if u.rank is None]
    assert excluded, "the example scores include a late unit and an unappraised commune"
    path = out / "thong-bao" / f"2023-thong-bao-ket-qua-{excluded[0].unit.id}.docx"
    text = body_text(path)
    assert "không được chấm điểm, xếp hạng" in text
    assert excluded[0].causes[0] in text
    assert "Tổng điểm" not in text and "Kết quả theo từng chỉ số chính" not in text
    assert len(Document(str(path)).tables) == 2  # header and signature only: no score table

"""Document properties of every DOCX and XLSX vanban writes: the document's own title, the issuing body as
author, today's date in Vietnam's time; no generator's name, sample title, 2013 date or thumbnail; and no
sample label or foreign version on a real campaign's forms."""

from __future__ import annotations

import dataclasses
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook

from letters.campaign.load import load_campaign
from letters.core.properties import DocumentProperties, core_xml, made_at
from letters.core.vn import VN_TZ
from letters.forms.annexes import render_annexes
from letters.indicators.forms_xlsx import build_form_workbook
from letters.indicators.sets import load_indicator_set
from letters.indicators.tiers import from_campaign_model
from letters.results.example import make_example_scores
from letters.results.pipeline import run_results
from letters.usecases.documents import RenderRequest, render_campaign
from tests.conftest import EXAMPLES

NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}
ISSUER = "Sở Thông tin và Truyền thông tỉnh Bắc Giang"
TOPIC = (
    "Đánh giá, xếp loại mức độ chuyển đổi số của các cơ quan nhà nước trên địa bàn tỉnh Bắc Giang năm 2023"
)
GENERATORS = ("python-docx", "openpyxl", "Openpyxl", "Microsoft", "Normal.dotm", "2013-12-23", "Mẫu văn bản")


def properties(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert not [n for n in names if "thumbnail" in n], path.name
        assert "thumbnail" not in z.read("_rels/.rels").decode()
        parts = {n: z.read(n).decode("utf-8") for n in names if n.startswith("docProps/")}
    for text in parts.values():
        for name in GENERATORS:
            assert name not in text, (path.name, name)
    core = etree.fromstring(parts["docProps/core.xml"].encode())
    out = {}
    for tag in (
        "dc:title",
        "dc:subject",
        "dc:creator",
        "cp:lastModifiedBy",
        "cp:category",
        "cp:contentStatus",
    ):
        el = core.find(tag, NS)
        out[tag.split(":")[1]] = el.text if el is not None and el.text else ""
    for tag in ("dcterms:created", "dcterms:modified"):
        out[tag.split(":")[1]] = core.find(tag, NS).text  # type: ignore[union-attr]
    return out


def assert_made_now(props: dict[str, str]) -> None:
    for key in ("created", "modified"):
        assert props[key].endswith("+07:00"), props[key]  # Vietnam's time, said so
        moment = datetime.fromisoformat(props[key])
        assert abs(moment - datetime.now(VN_TZ)) < timedelta(minutes=10)


@pytest.fixture(scope="module")
def planning(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("planning")
    result = render_campaign(RenderRequest(EXAMPLES / "bacgiang-2023.yaml", out))
    return {f.path.name: f.path for f in result.documents}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("results")
    campaign = load_campaign(EXAMPLES / "bacgiang-2023.yaml")
    inputs = from_campaign_model(campaign)
    scores = make_example_scores(inputs.units, inputs.tiers, base / "diem", year=2023, forms=False)
    run_results(campaign, scores, base / "out", workers=1)
    return base / "out"


def test_plan_and_letter_name_themselves_and_their_issuer(planning: dict[str, Path]) -> None:
    plan = properties(planning["2023-ke-hoach-du-thao.docx"])
    assert plan["title"] == (
        "Kế hoạch thực hiện đánh giá, xếp loại mức độ chuyển đổi số của các cơ quan nhà nước "
        "trên địa bàn tỉnh Bắc Giang năm 2023"
    )
    assert plan["creator"] == plan["lastModifiedBy"] == ISSUER
    assert plan["subject"] == TOPIC and plan["category"] == "Kế hoạch" and plan["contentStatus"] == "Dự thảo"
    assert_made_now(plan)
    letter = properties(planning["2023-cong-van-huong-dan-du-thao.docx"])
    assert letter["title"] == "Công văn về việc triển khai đánh giá, xếp loại mức độ chuyển đổi số năm 2023"
    assert letter["creator"] == ISSUER


def test_forms_and_guides_docx_and_xlsx(planning: dict[str, Path]) -> None:
    form = properties(planning["2023-bieu-so-01-so.docx"])
    assert form["title"] == (
        "Biểu số 01: Biểu tự đánh giá, chấm điểm chỉ số DTI năm 2023 áp dụng đối với các sở, cơ quan "
        "thuộc UBND tỉnh"
    )
    assert form["creator"] == ISSUER and form["category"] == "Biểu mẫu"
    guide = properties(planning["2023-phu-luc-ii-huyen.docx"])
    assert guide["title"].startswith("Phụ lục II: Hướng dẫn cung cấp tài liệu kiểm chứng chỉ số DTI năm 2023")
    sheet = properties(planning["bieu-so-01-so.xlsx"])
    assert sheet["title"] == form["title"] and sheet["creator"] == ISSUER
    assert_made_now(sheet)
    for path in planning.values():
        props = properties(path)
        assert props["title"] and props["creator"] == ISSUER, path.name


def test_results_documents_and_ranking(results: Path) -> None:
    decision = properties(results / "2023-quyet-dinh-du-thao.docx")
    assert decision["title"].startswith("Quyết định về việc công bố kết quả đánh giá, xếp hạng chỉ số DTI")
    assert decision["creator"] == "Ủy ban nhân dân tỉnh Bắc Giang"
    proposal = properties(results / "2023-to-trinh-du-thao.docx")
    assert proposal["title"].startswith("Tờ trình về việc công bố kết quả") and proposal["creator"] == ISSUER
    notice = properties(results / "thong-bao" / "2023-thong-bao-ket-qua-so-y-te.docx")
    assert notice["title"] == "Thông báo kết quả đánh giá, xếp hạng chỉ số DTI năm 2023 (Sở Y tế)"
    ranking = properties(results / "xep_hang.xlsx")
    assert (
        ranking["title"] == "Kết quả đánh giá, xếp hạng chỉ số DTI năm 2023" and ranking["creator"] == ISSUER
    )
    assert_made_now(ranking)


def test_templates_carry_no_sample_title_or_generator() -> None:
    from templates_vb import TEMPLATES_DIR

    for template in TEMPLATES_DIR.glob("*.docx"):
        props = properties(template)
        assert props["title"] == "" and props["creator"] == "", template.name


def test_a_real_campaigns_form_prints_no_sample_label(tmp_path: Path) -> None:
    """The example sets say «mẫu ví dụ» and carry vanban's version: a campaign's form prints neither; a set
    the province issued (status official) is named with its own version."""
    campaign = load_campaign(EXAMPLES / "bacgiang-2023.yaml")
    files = render_annexes(campaign, tmp_path, guides=False)
    for f in (f for f in files if f.path.suffix == ".xlsx"):
        ws = load_workbook(f.path).worksheets[0]
        printed = " ".join(str(c.value) for row in ws.iter_rows(max_row=7) for c in row if c.value)
        assert "mẫu" not in printed.lower() and "phiên bản" not in printed, printed
    sample = load_indicator_set("cap-so-mau")
    own = dataclasses.replace(sample, status="official", name="Bộ chỉ số tỉnh Bắc Giang", version="2023.2")
    wb = build_form_workbook(own, tier_id="so", tier_name="Các sở", form_label="Biểu số 01", year=2023)
    assert wb.worksheets[0]["A3"].value == "(Áp dụng cho: Các sở; Bộ chỉ số tỉnh Bắc Giang, phiên bản 2023.2)"


def test_reproducible_builds_take_their_date_from_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert made_at().isoformat() == "2023-11-15T05:13:20+07:00"
    xml = core_xml(DocumentProperties(title="Kế hoạch <thử> & kiểm tra", author="Sở"))
    assert "<dc:title>Kế hoạch &lt;thử&gt; &amp; kiểm tra</dc:title>" in xml
    assert "2023-11-15T05:13:20+07:00" in xml

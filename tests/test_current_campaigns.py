"""Campaigns after the 2025 reorganisation: the 2026 two-tier example of a Sở Khoa học và Công nghệ, the
sets built on QĐ 405/QĐ-BKHCN, and the warnings for a district tier or a Sở Thông tin và Truyền thông in a
campaign that runs after they ceased to exist."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from letters.campaign.load import load_campaign
from letters.checking import check_campaign
from letters.core.errors import Diagnostic, Severity
from letters.indicators.sets import check_indicator_set, load_indicator_set
from letters.usecases.documents import RenderRequest, render_campaign
from letters.usecases.results import (
    ExampleScoresRequest,
    ResultsRequest,
    run_results,
    write_example_scores,
)
from tests.conftest import EXAMPLES

PHUTHO = EXAMPLES / "phutho-2026.yaml"
DISTRICT_WARNING = "không còn đơn vị hành chính cấp huyện"
STTTT_WARNING = "đã hợp nhất vào Sở Khoa học và Công nghệ"


def docx_text(path: Path) -> str:
    """Every run of text in the document body, tables included, joined by spaces."""
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    return " ".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))


def _reorganisation(diags: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diags if DISTRICT_WARNING in d.message or STTTT_WARNING in d.message]


# --------------------------------------------------------------------------- the example


def test_example_is_a_two_tier_campaign_of_the_new_sở() -> None:
    campaign = load_campaign(PHUTHO)
    assert campaign.issuer.name == "Sở Khoa học và Công nghệ" and campaign.issuer.abbreviation == "SKHCN"
    assert campaign.campaign.year == 2025 and campaign.campaign.document_year == 2026
    assert [t.id for t in campaign.tiers] == ["so", "xa"]
    # Both tiers send their results to the Sở, which appraises them: nobody in between.
    assert all(t.appraised_by is None and all(u.parent is None for u in t.units) for t in campaign.tiers)
    assert all(d.to is None and d.aggregates is None for d in campaign.deadlines)
    assert [t.indicators for t in campaign.tiers] == ["cap-so-2026-mau", "cap-xa-2026-mau"]
    assert len(campaign.tier("so").units) >= 15 and len(campaign.tier("xa").units) >= 25
    assert not any(spec.wording for spec in campaign.documents.values())


def test_example_checks_without_any_warning() -> None:
    assert check_campaign(PHUTHO) == []


def test_example_renders_every_document_with_no_district_in_it(tmp_path: Path) -> None:
    result = render_campaign(RenderRequest(PHUTHO, tmp_path))
    docx = sorted(f.path for f in result.documents if f.path.suffix == ".docx")
    names = [p.name for p in docx]
    assert any("ke-hoach" in n for n in names) and any("cong-van" in n for n in names)
    assert sum("bieu-so" in n for n in names) == 2 and sum("phu-luc" in n for n in names) == 2
    assert len([f for f in result.documents if f.path.suffix == ".xlsx"]) == 2
    texts = {p.name: docx_text(p) for p in docx}
    for name, text in texts.items():
        assert "huyện" not in text.lower(), name
        assert "Thông tin và Truyền thông" not in text, name
    plan = next(t for n, t in texts.items() if "ke-hoach" in n)
    letter = next(t for n, t in texts.items() if "cong-van" in n)
    for text in (plan, letter):
        # A draft dated in the year it is issued, about the year assessed.
        assert "Phú Thọ, ngày" in text and "năm 2026" in text and "năm 2025" in text
        assert "SKHCN" in text
    # The set's own decision is the one the plan says the set comes with, not the Bộ's framework.
    assert "ban hành kèm theo Quyết định số 2150/QĐ-UBND" in plan
    assert "phù hợp trong năm 2026" in plan
    assert "Trình Ủy ban nhân dân tỉnh Phú Thọ công bố" in plan
    assert "Biểu số 02" in letter and "Phụ lục II" in letter


def test_example_results_run_end_to_end(tmp_path: Path) -> None:
    scores = write_example_scores(ExampleScoresRequest(PHUTHO, tmp_path / "diem", seed=2026))
    outcome = run_results(ResultsRequest(PHUTHO, scores, tmp_path / "ket-qua"))
    results = outcome.results
    assert [t.tier.id for t in results.tiers] == ["so", "xa"]
    campaign = load_campaign(PHUTHO)
    assert sum(len(t.units) for t in results.tiers) == sum(len(t.units) for t in campaign.tiers)
    assert all(any(u.rank == 1 for u in t.units) for t in results.tiers)
    docs = outcome.files.documents
    decision, proposal = docx_text(docs.decision), docx_text(docs.proposal)
    assert "ỦY BAN NHÂN DÂN TỈNH PHÚ THỌ" in decision and "TM. ỦY BAN NHÂN DÂN" in decision
    assert "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;" in decision
    assert "Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015" not in decision
    assert "năm 2026" in decision and "Phụ lục II" in decision
    assert "/TTr-SKHCN" in proposal
    assert docs.notices
    for path in (docs.decision, docs.proposal, *docs.notices):
        text = docx_text(path)
        assert "huyện" not in text.lower(), path.name
        assert "năm 2026" in text, path.name


# --------------------------------------------------------------------------- indicator sets


def test_new_sets_pass_the_indicator_check() -> None:
    for set_id in ("cap-so-2026-mau", "cap-xa-2026-mau"):
        ind = load_indicator_set(set_id)
        assert ind.path is not None
        assert check_indicator_set(ind.path) == []
        assert [i.name for i in ind.indices] == [
            "Nhận thức số",
            "Thể chế số",
            "Hạ tầng số",
            "Nhân lực số",
            "An toàn thông tin mạng",
            "Hoạt động chính quyền số",
            "Hoạt động kinh tế số, xã hội số",
        ]
        assert "405/QĐ-BKHCN" in ind.legal_basis
        assert "huyện" not in ind.path.read_text(encoding="utf-8").split("\nid:")[1]


def test_qd405_framework_states_only_what_is_confirmed() -> None:
    ind = load_indicator_set("qd405-cap-tinh")
    assert ind.path is not None
    assert ind.status == "partial" and "405/QĐ-BKHCN" in ind.legal_basis
    assert [(g.code, int(g.max_points)) for g in ind.groups] == [("I", 500), ("II", 500)]
    assert len(ind.indices) == 8 and "Đô thị thông minh" not in [i.name for i in ind.indices]
    assert all(c.placeholder for c in ind.components())
    warnings = [d for d in check_indicator_set(ind.path) if d.severity is Severity.WARNING]
    assert len(warnings) == 1 and "giữ chỗ" in warnings[0].message
    assert "CHƯA XÁC NHẬN" in ind.path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- reorganisation warnings

CAMPAIGN = """\
campaign:
  year: {year}
  name: đánh giá mức độ chuyển đổi số năm {year}
issuer:
  parent: UBND tỉnh Gia Lai
  name: {issuer}
  abbreviation: {abbreviation}
  drafting_unit: CĐS
  place: Gia Lai
tiers:
  - id: so
    name: Các sở, ban, ngành
    units: [Sở Tư pháp, Sở Y tế]
{district}  - id: xa
    name: UBND các xã, phường
    units: [UBND phường Pleiku, UBND xã Biển Hồ]
phases:
  - id: cong_bo
    name: Trình UBND tỉnh công bố kết quả
    end: {end}
signer:
  title: Giám đốc
  name: Nguyễn Văn An
"""
DISTRICT = """\
  - id: {tier_id}
    name: {name}
    units: [UBND thành phố Pleiku]
"""


def _check(
    tmp_path: Path,
    *,
    year: int = 2025,
    end: str,
    issuer: str = "Sở Khoa học và Công nghệ",
    abbreviation: str = "SKHCN",
    district: str = "",
) -> list[Diagnostic]:
    path = tmp_path / "campaign.yaml"
    text = CAMPAIGN.format(year=year, end=end, issuer=issuer, abbreviation=abbreviation, district=district)
    path.write_text(text, encoding="utf-8")
    return _reorganisation(check_campaign(path, kinds=[]))


def test_district_tier_in_a_2026_campaign_warns_at_the_tier(tmp_path: Path) -> None:
    district = DISTRICT.format(tier_id="huyen", name="UBND các huyện, thị xã, thành phố")
    diags = _check(tmp_path, year=2025, end="13/03/2026", district=district)
    assert len(diags) == 1
    (d,) = diags
    assert d.severity is Severity.WARNING and d.field == "tiers[2].name"
    assert "01/7/2025" in d.message and "13/3/2026" in d.message and "appraised_by" in d.message


@pytest.mark.parametrize(
    "tier_id,name",
    [("cap_huyen", "Các đơn vị cấp dưới"), ("khu_vuc", "UBND các quận"), ("tx", "UBND thị xã")],
)
def test_district_tier_found_by_id_or_name(tmp_path: Path, tier_id: str, name: str) -> None:
    diags = _check(tmp_path, end="15/12/2025", district=DISTRICT.format(tier_id=tier_id, name=name))
    assert [d.field for d in diags] == ["tiers[2].name"]


def test_district_tier_before_july_2025_is_fine(tmp_path: Path) -> None:
    district = DISTRICT.format(tier_id="huyen", name="UBND các huyện")
    assert _check(tmp_path, year=2024, end="30/06/2025", district=district) == []


def test_stttt_issuing_a_2025_campaign_warns_at_the_issuer(tmp_path: Path) -> None:
    diags = _check(tmp_path, end="15/05/2025", issuer="Sở Thông tin và Truyền thông", abbreviation="STTTT")
    assert len(diags) == 1
    (d,) = diags
    assert d.field == "issuer.name" and "01/3/2025" in d.message and "SKHCN" in d.message


def test_stttt_before_march_2025_is_fine(tmp_path: Path) -> None:
    diags = _check(
        tmp_path, year=2024, end="28/02/2025", issuer="Sở Thông tin và Truyền thông", abbreviation="STTTT"
    )
    assert diags == []


def test_year_of_issue_implies_the_date_when_none_is_given(tmp_path: Path) -> None:
    path = tmp_path / "campaign.yaml"
    text = CAMPAIGN.format(
        year=2025,
        end="01/01/2026",
        issuer="Sở Thông tin và Truyền thông",
        abbreviation="STTTT",
        district=DISTRICT.format(tier_id="huyen", name="UBND các huyện"),
    )
    text = text.split("phases:")[0] + "signer:" + text.split("signer:")[1]
    text = text.replace("  year: 2025\n", "  year: 2025\n  issue_year: 2026\n")
    path.write_text(text, encoding="utf-8")
    diags = _reorganisation(check_campaign(path, kinds=[]))
    assert sorted(d.field or "" for d in diags) == ["issuer.name", "tiers[2].name"]
    assert all("văn bản ban hành năm 2026" in d.message for d in diags)


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_bundled_examples_do_not_warn(example: Path) -> None:
    assert _reorganisation(check_campaign(example, kinds=[])) == []


def test_issue_year_before_the_assessed_year_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "campaign.yaml"
    text = CAMPAIGN.format(
        year=2025, end="15/12/2025", issuer="Sở Khoa học và Công nghệ", abbreviation="SKHCN", district=""
    )
    path.write_text(text.replace("  year: 2025\n", "  year: 2025\n  issue_year: 2024\n"), encoding="utf-8")
    errors = [d for d in check_campaign(path, kinds=[]) if d.severity is Severity.ERROR]
    assert len(errors) == 1 and "issue_year: 2024" in errors[0].message

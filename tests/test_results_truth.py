"""Results documents say only what is true: units that sent nothing or whose forms were refused are "chưa nộp"
with their reason, equal zero scores are not a ranking, late units are told exactly why, and the issuing Sở
sends itself no notice. Asserted on the text read back from the DOCX, not only on the ranking objects."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from letters.cli.main import cli
from letters.core.vn import number, points_text
from letters.indicators.forms_xlsx import FilledRow, form_filename, write_form_xlsx
from letters.indicators.sets import IndicatorSet, load_indicator_set
from letters.usecases.results import ResultsOutcome, ResultsRequest, run_results
from tests.docx_read import body_text

CAMPAIGN = """\
campaign:
  year: 2024
  name: Đánh giá chuyển đổi số năm 2024
  late_rule: {late_rule}
issuer:
  parent: UBND tỉnh Bắc Giang
  name: Sở Thông tin và Truyền thông
  abbreviation: STTTT
  drafting_unit: CNTT
  place: Bắc Giang
signer: {{delegation: KT, authority: Giám đốc, title: Phó Giám đốc, name: Nguyễn Văn An}}
province:
  name: Ủy ban nhân dân tỉnh Bắc Giang
  place: Bắc Giang
  signer: {{delegation: KT, authority: Chủ tịch, title: Phó Chủ tịch, name: Trần Thị Bình}}
tiers:
  - id: so
    name: Các sở, ban, ngành
    agency: sở, ban, ngành
    form: Biểu số 01
    indicators: cap-so-mau
    units: [Sở Tư pháp, Sở Y tế, Sở Xây dựng, Sở Tài chính, Sở Nội vụ, Sở Thông tin và Truyền thông]
  - id: xa
    name: UBND các xã
    agency: UBND cấp xã
    form: Biểu số 03
    indicators: cap-xa-mau
    units: [Xã Tân Hưng, Xã Đồng Sơn, Xã An Hà]
phases:
  - {{id: tu_danh_gia, name: Tự đánh giá, start: 21/10/2024, end: 05/11/2024}}
deadlines:
  - {{id: tu_danh_gia, tiers: [so, xa], date: 05/11/2024}}
results:
  missing_rule: {missing_rule}
"""

SO = load_indicator_set("cap-so-mau")
XA = load_indicator_set("cap-xa-mau")
SET_OF = {"so": SO, "xa": XA}
UNITS = {
    "so": [
        "Sở Tư pháp",
        "Sở Y tế",
        "Sở Xây dựng",
        "Sở Tài chính",
        "Sở Nội vụ",
        "Sở Thông tin và Truyền thông",
    ],
    "xa": ["Xã Tân Hưng", "Xã Đồng Sơn", "Xã An Hà"],
}
Score = Callable[[Decimal], Decimal]


def full(m: Decimal) -> Decimal:
    return m


def half(m: Decimal) -> Decimal:
    return m / 2


def zero(m: Decimal) -> Decimal:
    return Decimal(0)


def _campaign(tmp_path: Path, late_rule: str = "exclude", missing_rule: str = "warn") -> Path:
    path = tmp_path / "campaign.yaml"
    path.write_text(CAMPAIGN.format(late_rule=late_rule, missing_rule=missing_rule), encoding="utf-8")
    return path


def _csv(
    tmp_path: Path, units: Mapping[str, tuple[Score, str]], version: dict[str, str] | None = None
) -> Path:
    """units: name -> (score of each component from its maximum, submission date)."""
    lines = ["don_vi;ma_chi_so;diem;giai_trinh;ngay_nop;phien_ban"]
    for name, (score, submitted) in units.items():
        tier = next(t for t, names in UNITS.items() if name in names)
        ind = SET_OF[tier]
        for comp in ind.scored_components:
            ver = (version or {}).get(name, ind.version)
            value = number(score(comp.max_points), grouping=False)
            lines.append(f"{name};{comp.code};{value};Chưa đạt tối đa;{submitted};{ver}")
    path = tmp_path / "diem.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(tmp_path: Path, scores: Path, **kwargs: object) -> ResultsOutcome:
    return run_results(
        ResultsRequest(
            _campaign(tmp_path, **kwargs),  # type: ignore[arg-type]
            scores,
            tmp_path / "kq",
            ignore_errors=True,
            workers=1,
        )
    )


def _appendix(out: Path) -> dict[str, dict[str, list[str]]]:
    """Decision appendix rows by tier heading order: {first unit column value: row} per table."""
    doc = Document(str(out / "2024-quyet-dinh-du-thao.docx"))
    tables = [t for t in doc.tables if t.rows and t.rows[0].cells[0].text == "STT"]
    result: dict[str, dict[str, list[str]]] = {}
    for table, tier in zip(tables, ("so", "xa"), strict=True):
        rows = [[c.text for c in r.cells] for r in table.rows]
        result[tier] = {r[1]: r for r in rows[1:]}
    return result


def _notice(out: Path, unit_id: str) -> tuple[str, int]:
    path = out / "thong-bao" / f"2024-thong-bao-ket-qua-{unit_id}.docx"
    return body_text(path), len(Document(str(path)).tables)


ON_TIME = "01/11/2024"


@pytest.fixture(scope="module")
def excluded_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[ResultsOutcome, Path]:
    """late_rule exclude: a late unit, a unit that sent nothing, one whose rows are of an old set version;
    every commune scored 0 but one that sent nothing."""
    tmp = tmp_path_factory.mktemp("excl")
    scores = _csv(
        tmp,
        {
            "Sở Tư pháp": (full, ON_TIME),
            "Sở Xây dựng": (half, "05/11/2024"),  # the deadline day itself is on time
            "Sở Tài chính": (full, "08/11/2024"),  # late: best score, but not scored
            "Sở Nội vụ": (half, ON_TIME),  # rows of an old version: refused
            "Sở Thông tin và Truyền thông": (half, ON_TIME),
            "Xã Tân Hưng": (zero, ON_TIME),
            "Xã Đồng Sơn": (zero, ON_TIME),
        },
        version={"Sở Nội vụ": "2023.1"},
    )  # Sở Y tế and Xã An Hà sent nothing
    return _run(tmp, scores), tmp / "kq"


def test_missing_and_refused_units_are_chua_nop_with_their_reason(
    excluded_run: tuple[ResultsOutcome, Path],
) -> None:
    outcome, out = excluded_run
    refused = "điểm chấm theo phiên bản «2023.1» của bộ chỉ số, không phải phiên bản hiện hành «2024.1»"
    assert [(m.unit, m.reason) for m in outcome.missing] == [
        ("Sở Nội vụ", f"chưa nộp kết quả hợp lệ: {refused}"),
        ("Sở Y tế", "chưa nộp kết quả tự đánh giá"),
        ("Xã An Hà", "chưa nộp kết quả tự đánh giá"),
    ]
    rows = _appendix(out)
    assert rows["so"]["Sở Y tế"][2:] == ["", "", "Không xếp hạng", "", "Chưa nộp kết quả tự đánh giá"]
    assert rows["so"]["Sở Nội vụ"][2:] == [
        "",
        "",
        "Không xếp hạng",
        "",
        f"Chưa nộp kết quả hợp lệ: {refused}",
    ]
    # Units that sent nothing come last, after those excluded by a rule.
    assert list(rows["so"]) == [
        "Sở Tư pháp",
        "Sở Thông tin và Truyền thông",
        "Sở Xây dựng",
        "Sở Tài chính",
        "Sở Nội vụ",
        "Sở Y tế",
    ]

    text, tables = _notice(out, "so-y-te")
    assert (
        "Sở Y tế chưa nộp kết quả tự đánh giá chỉ số DTI năm 2024 (hạn nộp chậm nhất ngày 05/11/2024). "
        "Vì vậy, đơn vị không được chấm điểm, xếp hạng." in text.splitlines()
    )
    assert tables == 2  # header and signature: no score table for a unit that was not scored
    assert "Tổng điểm" not in text and "Xếp hạng:" not in text and "cần cải thiện" not in text
    assert "sau thời hạn" not in text and "Kết quả gửi sau" not in text

    text, tables = _notice(out, "so-noi-vu")
    assert (
        f"Sở Nội vụ chưa nộp kết quả tự đánh giá hợp lệ: {refused}. Vì vậy, đơn vị không được chấm điểm, "
        "xếp hạng chỉ số DTI năm 2024." in text.splitlines()
    )
    assert tables == 2 and "không gửi" not in text.lower()

    proposal = body_text(out / "2024-to-trinh-du-thao.docx").splitlines()
    assert (
        f"- Chưa nộp kết quả tự đánh giá, không được xếp hạng (2 đơn vị): Sở Nội vụ ({refused}); Sở Y tế."
        in proposal
    )
    assert "- Chưa nộp kết quả tự đánh giá, không được xếp hạng (1 đơn vị): Xã An Hà." in proposal
    assert any(
        line.startswith(
            "Sở Thông tin và Truyền thông đã tổng hợp kết quả tự đánh giá của 6 cơ quan, đơn vị, "
            "địa phương (trong tổng số 9 cơ quan, đơn vị, địa phương được đánh giá)"
        )
        for line in proposal
    )


def test_late_unit_under_exclude_is_told_why_and_shows_no_scores(
    excluded_run: tuple[ResultsOutcome, Path],
) -> None:
    _, out = excluded_run
    why = "gửi kết quả ngày 08/11/2024, quá hạn nộp là chậm nhất ngày 05/11/2024"
    assert _appendix(out)["so"]["Sở Tài chính"][2:] == [
        "",
        "",
        "Không xếp hạng",
        "",
        f"G{why[1:]}; không được chấm điểm, xếp hạng",
    ]
    text, tables = _notice(out, "so-tai-chinh")
    assert f"Sở Tài chính không được chấm điểm, xếp hạng chỉ số DTI năm 2024, vì {why}." in text.splitlines()
    assert tables == 2 and "Tổng điểm" not in text and "cần cải thiện" not in text
    # The deadline day itself is on time.
    assert _appendix(out)["so"]["Sở Xây dựng"][4] == "2"  # tied with the Sở TT&TT
    proposal = body_text(out / "2024-to-trinh-du-thao.docx").splitlines()
    assert f"- Không được chấm điểm, xếp hạng (1 đơn vị): Sở Tài chính ({why})." in proposal


def test_all_zero_tier_is_not_a_ranking(excluded_run: tuple[ResultsOutcome, Path]) -> None:
    outcome, out = excluded_run
    xa = outcome.results.tier("xa")
    assert xa.undivided and [u.rank for u in xa.ranked] == [1, 1]
    rows = _appendix(out)["xa"]
    for name in ("Xã Tân Hưng", "Xã Đồng Sơn"):
        assert rows[name][2:] == [
            "0,00",
            "0,0000",
            "Đồng hạng",
            "Yếu",
            "Cả nhóm cùng đạt 0 điểm, không phân biệt được thứ hạng",
        ]
    text, _ = _notice(out, "xa-tan-hung")
    lines = text.splitlines()
    assert (
        "- Xếp hạng: cả 2 UBND cấp xã được chấm điểm cùng đạt 0 điểm, nên không phân biệt được thứ hạng; "
        "xếp loại Yếu." in lines
    )
    assert "đồng hạng" not in text and "Xếp hạng: 1" not in text
    proposal = body_text(out / "2024-to-trinh-du-thao.docx")
    assert (
        "- Thứ hạng: cả 2 đơn vị được chấm điểm cùng đạt 0 điểm, không phân biệt được thứ hạng." in proposal
    )
    assert "Đơn vị dẫn đầu: Xã" not in proposal


def test_ranked_unit_notice_counts_its_tier_in_plain_words(excluded_run: tuple[ResultsOutcome, Path]) -> None:
    _, out = excluded_run
    text, tables = _notice(out, "so-tu-phap")
    assert "- Xếp hạng: 1 trong số 3 sở, ban, ngành được xếp hạng; xếp loại Tốt." in text.splitlines()
    assert "trong số 3 các" not in text and tables == 3


def test_issuer_gets_no_notice(excluded_run: tuple[ResultsOutcome, Path]) -> None:
    outcome, out = excluded_run
    assert outcome.without_notice == ["Sở Thông tin và Truyền thông"]
    assert not (out / "thong-bao" / "2024-thong-bao-ket-qua-so-thong-tin-va-truyen-thong.docx").exists()
    assert len(list((out / "thong-bao").glob("*.docx"))) == 8
    # It is still ranked among the Sở: the decision lists it.
    assert _appendix(out)["so"]["Sở Thông tin và Truyền thông"][4] == "2"


def test_late_unit_under_last_is_ranked_last_and_told_why(tmp_path: Path) -> None:
    scores = _csv(
        tmp_path,
        {
            "Sở Tư pháp": (half, ON_TIME),
            "Sở Y tế": (half, ON_TIME),
            "Sở Xây dựng": (zero, ON_TIME),
            "Sở Tài chính": (full, "08/11/2024"),
            "Sở Nội vụ": (full, ON_TIME),
            "Xã Tân Hưng": (half, ON_TIME),
            "Xã Đồng Sơn": (full, ON_TIME),
            "Xã An Hà": (zero, ON_TIME),
        },
    )  # Sở Thông tin và Truyền thông sent nothing: "chưa nộp", not ranked last
    outcome = _run(tmp_path, scores, late_rule="last")
    out = tmp_path / "kq"
    rows = _appendix(out)["so"]
    why = "gửi kết quả ngày 08/11/2024, quá hạn nộp là chậm nhất ngày 05/11/2024"
    tc = rows["Sở Tài chính"]
    assert tc[4] == "5" and tc[2] == number(outcome.results.unit("so-tai-chinh").points, 2)
    assert tc[-1] == f"G{why[1:]}; xếp cuối nhóm"
    assert rows["Sở Tư pháp"][4] == "2" and rows["Sở Tư pháp"][-1] == "Đồng hạng"
    assert rows["Sở Xây dựng"][4] == "4" and rows["Sở Xây dựng"][-1] == ""  # 0 points, but not everyone's
    assert rows["Sở Thông tin và Truyền thông"][4] == "Không xếp hạng"
    assert rows["Sở Thông tin và Truyền thông"][-1] == "Chưa nộp kết quả tự đánh giá"
    text, tables = _notice(out, "so-tai-chinh")
    lines = text.splitlines()
    assert "- Xếp hạng: 5 trong số 5 sở, ban, ngành được xếp hạng; xếp loại Tốt." in lines
    assert f"- Đơn vị {why}, nên được xếp cuối nhóm theo quy định của đợt đánh giá." in lines
    assert tables == 3  # it was scored: its score table is there
    proposal = body_text(out / "2024-to-trinh-du-thao.docx").splitlines()
    assert f"- Gửi kết quả quá hạn, xếp cuối nhóm (1 đơn vị): Sở Tài chính ({why})." in proposal
    best = points_text(outcome.results.unit("so-noi-vu").points)
    assert f"- Đơn vị dẫn đầu: Sở Nội vụ ({best} điểm)." in proposal


def test_console_lists_missing_units_and_the_stop_rule_refuses(tmp_path: Path) -> None:
    scores = _csv(
        tmp_path,
        {n: (half, ON_TIME) for n in UNITS["so"] if n != "Sở Y tế"}
        | {n: (half, ON_TIME) for n in UNITS["xa"]},
    )
    runner = CliRunner()
    campaign = _campaign(tmp_path)
    res = runner.invoke(cli, ["results", str(campaign), str(scores), "--out", str(tmp_path / "kq")])
    assert res.exit_code == 0, res.output
    assert (
        "Các sở, ban, ngành: 5 đơn vị được xếp hạng, 1 đơn vị không xếp hạng (trong đó 1 đơn vị chưa nộp)"
        in (res.output)
    )
    assert "CẢNH BÁO: 1 đơn vị chưa nộp kết quả tự đánh giá hợp lệ" in res.output
    assert "  - Sở Y tế (Các sở, ban, ngành): chưa nộp kết quả tự đánh giá" in res.output
    assert "Không lập thông báo cho Sở Thông tin và Truyền thông" in res.output

    stop = _campaign(tmp_path, missing_rule="stop")
    res = runner.invoke(cli, ["results", str(stop), str(scores), "--out", str(tmp_path / "kq2")])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "Còn 1 đơn vị chưa nộp kết quả tự đánh giá hợp lệ" in res.output
    assert "  - Sở Y tế (Các sở, ban, ngành): chưa nộp kết quả tự đánh giá" in res.output
    assert not (tmp_path / "kq2").exists()


def test_forms_of_another_tier_or_an_old_version_are_refused_with_that_reason(tmp_path: Path) -> None:
    forms = tmp_path / "bieu-mau"

    def form(ind: IndicatorSet, tier: str, name: str, unit_id: str) -> None:
        filled = {c.code: FilledRow(c.max_points, "Kế hoạch số 1/KH", "") for c in ind.scored_components}
        write_form_xlsx(
            ind,
            forms / form_filename("Biểu số", tier, unit_id),
            tier_id=tier,
            tier_name=tier,
            form_label="Biểu số",
            year=2024,
            unit_name=name,
            filled=filled,
        )

    form(SO, "so", "Sở Tư pháp", "so-tu-phap")
    form(XA, "xa", "Sở Y tế", "so-y-te")  # the commune form, filled by a Sở
    form(dataclasses.replace(SO, version="2023.1"), "so", "Sở Xây dựng", "so-xay-dung")
    outcome = _run(tmp_path, forms)
    reasons = {m.unit: m.reason for m in outcome.missing}
    assert reasons["Sở Y tế"] == (
        "chưa nộp kết quả hợp lệ: biểu mẫu gửi về là biểu mẫu của bộ chỉ số «cap-xa-mau», không phải biểu mẫu "
        "của nhóm «Các sở, ban, ngành» (bộ chỉ số «cap-so-mau»)"
    )
    assert reasons["Sở Xây dựng"] == (
        "chưa nộp kết quả hợp lệ: biểu mẫu lập theo phiên bản «2023.1» của bộ chỉ số, không phải phiên bản "
        "hiện hành «2024.1»"
    )
    assert reasons["Sở Tài chính"] == "chưa nộp kết quả tự đánh giá"
    text, _ = _notice(tmp_path / "kq", "so-xay-dung")
    assert "chưa nộp kết quả tự đánh giá hợp lệ: biểu mẫu lập theo phiên bản «2023.1»" in text

"""Ranking: exact ties, Vietnamese order, campaign rules, bands, CCHC, outputs, chart, CLI end to end."""

from __future__ import annotations

import csv
import io
import struct
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from letters.cli.main import cli
from letters.core.errors import OutputExistsError, VanbanError
from letters.core.vn import vi_sorted
from letters.indicators.model import TierRef, make_unit
from letters.indicators.sets import build_indicator_set
from letters.results.chart import unit_chart_png, write_unit_charts
from letters.results.example import make_example_scores
from letters.results.ranking import (
    Band,
    CchcRule,
    RankingRules,
    compute_results,
    write_ranking_csv,
    write_ranking_xlsx,
)

SET = build_indicator_set(
    {
        "id": "thu",
        "version": "1",
        "name": "Bộ chỉ số thử",
        "max_points": 1000,
        "indices": [
            {
                "code": "1",
                "name": "Nhận thức số",
                "max_points": 600,
                "components": [
                    {"code": "1.1", "name": "Họp Ban Chỉ đạo", "max_points": 300},
                    {"code": "1.2", "name": "Kế hoạch", "max_points": 300},
                ],
            },
            {
                "code": "2",
                "name": "Hạ tầng số",
                "max_points": 400,
                "components": [
                    {"code": "2.1", "name": "Máy tính", "max_points": 250},
                    {"code": "2.2", "name": "Mạng LAN", "max_points": 150},
                ],
            },
        ],
    }
)
DEADLINE = date(2024, 11, 5)


def _tiers() -> list[TierRef]:
    return [
        TierRef("so", "Các sở, ban, ngành", SET, "Biểu số 01", deadline=DEADLINE),
        TierRef("xa", "UBND các xã", SET, "Biểu số 03", deadline=DEADLINE),
    ]


def _csv(tmp_path: Path, rows: list[tuple[str, list[str], str, str]]) -> Path:
    """rows: (unit id, the four scores, submission date, appraised)."""
    lines = ["don_vi;ma_chi_so;diem;giai_trinh;ngay_nop;da_tham_dinh"]
    for unit_id, scores, submitted, appraised in rows:
        for code, value in zip(("1.1", "1.2", "2.1", "2.2"), scores, strict=True):
            lines.append(f"{unit_id};{code};{value};Chưa đạt tối đa;{submitted};{appraised}")
    path = tmp_path / "diem.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_vietnamese_collation_not_code_point_order() -> None:
    names = [
        "Xã Ea Kar",
        "Xã Đông Hòa",
        "Xã Dương Minh Châu",
        "Ân Thi",
        "Ăn Mày",
        "An Lão",
        "Bắc Sơn",
        "Sở Y tế",
        "Sở Xây dựng",
        "Ô Môn",
        "Ơ Lang",
        "Ông Ích Khiêm",
    ]
    assert vi_sorted(names) == [
        "An Lão",
        "Ăn Mày",
        "Ân Thi",
        "Bắc Sơn",
        "Ô Môn",
        "Ông Ích Khiêm",
        "Ơ Lang",
        "Sở Xây dựng",
        "Sở Y tế",
        "Xã Dương Minh Châu",
        "Xã Đông Hòa",
        "Xã Ea Kar",
    ]
    assert sorted(names) != vi_sorted(names)  # code-point order puts Ă, Â, Đ after Z


def test_ties_share_a_rank_and_the_next_rank_skips(tmp_path: Path) -> None:
    units = [
        make_unit(n, "so") for n in ("Sở Y tế", "Sở Xây dựng", "Sở Đà Lạt", "Sở An toàn", "Sở Công Thương")
    ]
    path = _csv(
        tmp_path,
        [
            ("so-y-te", ["250", "250", "200", "100"], "01/11/2024", ""),  # 800
            ("so-xay-dung", ["250,5", "249,5", "200", "100"], "01/11/2024", ""),  # 800, different components
            ("so-da-lat", ["300", "300", "250", "50"], "01/11/2024", ""),  # 900
            ("so-an-toan", ["200", "200", "150", "50"], "01/11/2024", ""),  # 600
            ("so-cong-thuong", ["250", "250", "200", "100"], "01/11/2024", ""),  # 800
        ],
    )
    res = compute_results(units, _tiers(), path)
    order = [(u.rank, u.unit.name, u.tied) for u in res.tier("so").units]
    assert order == [
        (1, "Sở Đà Lạt", False),
        (2, "Sở Công Thương", True),
        (2, "Sở Xây dựng", True),
        (2, "Sở Y tế", True),
        (5, "Sở An toàn", False),
    ]
    assert res.unit("so-y-te").points == Decimal(800) and res.unit("so-y-te").dti == Decimal("0.8000")
    assert res.unit("so-y-te").note() == "Đồng hạng"


def test_dti_rounding_and_rank_by_dti(tmp_path: Path) -> None:
    units = [make_unit("Sở A", "so"), make_unit("Sở B", "so")]
    path = _csv(
        tmp_path,
        [
            ("so-a", ["300", "300", "150", "62,35"], "", ""),  # 812.35 -> 0.8124 (half up)
            ("so-b", ["300", "300", "150", "62,36"], "", ""),
        ],
    )  # 812.36 -> 0.8124
    by_points = compute_results(units, _tiers(), path)
    assert by_points.unit("so-a").dti == Decimal("0.8124") == by_points.unit("so-b").dti
    assert [u.rank for u in by_points.tier("so").units] == [1, 2]
    by_dti = compute_results(units, _tiers(), path, RankingRules(rank_by="dti"))
    assert [u.rank for u in by_dti.tier("so").units] == [1, 1]


def test_late_units_ranked_last_or_excluded(tmp_path: Path) -> None:
    units = [make_unit(n, "so") for n in ("Sở Tư pháp", "Sở Nội vụ", "Sở Y tế", "Sở Tài chính")]
    path = _csv(
        tmp_path,
        [
            ("so-tu-phap", ["300", "300", "250", "150"], "08/11/2024", ""),  # best score, but late
            (
                "so-noi-vu",
                ["100", "100", "100", "100"],
                "05/11/2024",
                "",
            ),  # the deadline day itself is on time
            ("so-y-te", ["200", "100", "100", "100"], "", ""),
        ],
    )  # Sở Tài chính sent nothing
    last = compute_results(units, _tiers(), path, RankingRules(late_policy="last"))
    tier = last.tier("so")
    assert [(u.rank, u.unit.name) for u in tier.units] == [
        (1, "Sở Y tế"),
        (2, "Sở Nội vụ"),
        (3, "Sở Tư pháp"),
        (None, "Sở Tài chính"),  # sent nothing: "chưa nộp" under either rule, never ranked
    ]
    tp = last.unit("so-tu-phap")
    assert tp.late and not tp.excluded and tp.status == "ranked_last" and not tp.tied
    assert tp.note() == "Gửi kết quả ngày 08/11/2024, quá hạn nộp là chậm nhất ngày 05/11/2024; xếp cuối nhóm"
    assert tp.points == 1000 and tp.band == "Tốt"
    tc = last.unit("so-tai-chinh")
    assert not tc.submitted and not tc.late and tc.status == "missing" and not tc.scored
    assert tc.note() == "Chưa nộp kết quả tự đánh giá" and tc.band is None and tc.cchc_points is None
    assert [u.unit.name for u in tier.missing] == ["Sở Tài chính"]

    excl = compute_results(units, _tiers(), path, RankingRules(late_policy="exclude"))
    assert [(u.rank, u.unit.name) for u in excl.tier("so").units] == [
        (1, "Sở Y tế"),
        (2, "Sở Nội vụ"),
        (None, "Sở Tư pháp"),  # excluded for lateness first, then units that sent nothing
        (None, "Sở Tài chính"),
    ]
    tp = excl.unit("so-tu-phap")
    assert tp.excluded and tp.band is None and tp.cchc_points is None and tp.status == "excluded"
    assert tp.note() == (
        "Gửi kết quả ngày 08/11/2024, quá hạn nộp là chậm nhất ngày 05/11/2024; không được chấm điểm, xếp hạng"
    )
    assert excl.unit("so-tai-chinh").status == "missing"
    # Averages only count units that were scored.
    assert excl.tier("so").average_points == Decimal("450.00")


def test_commune_not_appraised_by_its_district_is_excluded(tmp_path: Path) -> None:
    district = make_unit("Huyện Lạng Giang", "so")
    communes = [
        make_unit("Xã Tân Hưng", "xa", parent=district.id),
        make_unit("Xã An Hà", "xa", parent=district.id),
    ]
    path = _csv(
        tmp_path,
        [
            ("huyen-lang-giang", ["300", "300", "250", "150"], "01/11/2024", ""),
            ("xa-tan-hung", ["300", "300", "250", "150"], "01/11/2024", "không"),
            ("xa-an-ha", ["100", "100", "100", "100"], "01/11/2024", "có"),
        ],
    )
    res = compute_results([district, *communes], _tiers(), path)
    th = res.unit("xa-tan-hung")
    assert th.excluded and th.rank is None
    assert "Huyện Lạng Giang không thẩm định" in th.note()
    assert res.unit("xa-an-ha").rank == 1
    lenient = compute_results(
        [district, *communes], _tiers(), path, RankingRules(require_district_appraisal=False)
    )
    assert lenient.unit("xa-tan-hung").rank == 1


@pytest.mark.parametrize(
    "points,band",
    [
        ("900", "Tốt"),
        ("899,99", "Khá"),
        ("700", "Khá"),
        ("699,99", "Trung bình"),
        ("500", "Trung bình"),
        ("499,99", "Yếu"),
        ("0", "Yếu"),
    ],
)
def test_default_bands(tmp_path: Path, points: str, band: str) -> None:
    units = [make_unit("Sở A", "so")]
    value = Decimal(points.replace(",", "."))
    parts = [min(value, Decimal(300)), max(Decimal(0), min(value - 300, Decimal(300)))]
    parts += [max(Decimal(0), min(value - 600, Decimal(250))), max(Decimal(0), value - 850)]
    path = _csv(tmp_path, [("so-a", [str(p).replace(".", ",") for p in parts], "", "")])
    res = compute_results(units, _tiers(), path)
    assert res.unit("so-a").points == value
    assert res.unit("so-a").band == band


def test_custom_bands_cchc_and_weakest(tmp_path: Path) -> None:
    units = [make_unit("Sở A", "so"), make_unit("Sở B", "so")]
    path = _csv(
        tmp_path,
        [
            ("so-a", ["300", "200", "240", "110"], "", ""),  # 850
            ("so-b", ["300", "300", "250", "50"], "", ""),
        ],
    )  # 900
    rules = RankingRules(
        bands=(Band("Xuất sắc", Decimal("0.88")), Band("Đạt", Decimal("0"))),
        cchc=CchcRule(multiplier=Decimal(11), divisor=Decimal(100)),
        weakest_count=2,
    )
    res = compute_results(units, _tiers(), path, rules)
    a = res.unit("so-a")
    assert a.band == "Đạt" and res.unit("so-b").band == "Xuất sắc"
    assert a.cchc_points == Decimal("9.35")  # 85 % × 11 / 100 ... of the 11-point CCHC criterion
    assert [(w.code, w.shortfall) for w in a.weakest] == [("1.2", Decimal(100)), ("2.2", Decimal(40))]
    assert a.weakest[0].explanation == "Chưa đạt tối đa"
    assert [(i.code, i.points, i.value) for i in a.indices] == [
        ("1", Decimal(500), Decimal("0.8333")),
        ("2", Decimal(350), Decimal("0.8750")),
    ]
    assert res.tier("so").average == {"1": Decimal("550.00"), "2": Decimal("325.00")}
    with pytest.raises(VanbanError):
        RankingRules(bands=(Band("Đạt", Decimal("0.5")),))


def test_ranking_outputs_and_chart(tmp_path: Path) -> None:
    units = [make_unit("Sở Y tế", "so"), make_unit("Sở Xây dựng", "so"), make_unit("Xã Đông", "xa")]
    path = _csv(
        tmp_path,
        [
            ("so-y-te", ["250", "250", "200", "100"], "", ""),
            ("so-xay-dung", ["250", "250", "200", "100"], "", ""),
            ("xa-dong", ["300", "300", "250", "150"], "10/11/2024", ""),
        ],
    )
    res = compute_results(units, _tiers(), path, RankingRules(late_policy="exclude"))
    xlsx = write_ranking_xlsx(res, tmp_path / "out" / "xep_hang.xlsx", year=2024)
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["Các sở, ban, ngành", "UBND các xã"]
    ws = wb["Các sở, ban, ngành"]
    assert [c.value for c in ws[4]][:4] == [
        "Hạng",
        "Đơn vị",
        "1. Nhận thức số (600 điểm)",
        "2. Hạ tầng số (400 điểm)",
    ]
    assert [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in (5, 6)] == [
        (1, "Sở Xây dựng"),
        (1, "Sở Y tế"),
    ]
    assert ws.cell(5, 5).value == 800 and ws.cell(5, 6).value == 0.8
    assert ws.cell(7, 2).value == "Bình quân của cấp"
    xa = wb["UBND các xã"]
    assert xa.cell(5, 1).value == "Không xếp hạng" and xa.cell(5, 5).value is None
    assert "quá hạn nộp là chậm nhất ngày 05/11/2024" in xa.cell(5, xa.max_column).value
    out_csv = write_ranking_csv(res, tmp_path / "out" / "xep_hang.csv")
    raw = out_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [(r["don_vi"], r["hang"], r["dong_hang"], r["cs_1"]) for r in rows[:2]] == [
        ("Sở Xây dựng", "1", "x", "500"),
        ("Sở Y tế", "1", "x", "500"),
    ]
    assert rows[2]["trang_thai"] == "khong_xep_hang" and rows[2]["tong_diem"] == ""
    with pytest.raises(OutputExistsError):
        write_ranking_csv(res, out_csv)

    png = unit_chart_png(res.unit("so-y-te"), res.tier("so").average)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 800 and height > 400
    charts = write_unit_charts(res, tmp_path / "charts", workers=1)
    assert sorted(p.name for p in charts) == ["so-xay-dung.png", "so-y-te.png"]  # excluded units get none


CAMPAIGN = """\
campaign:
  year: 2024
  name: Đánh giá chuyển đổi số năm 2024
  late_rule: last
issuer:
  parent: UBND tỉnh Bắc Giang
  name: Sở Khoa học và Công nghệ
  abbreviation: SKHCN
  drafting_unit: CĐS
  place: Bắc Giang
signer: {delegation: KT, authority: Giám đốc, title: Phó Giám đốc, name: Nguyễn Văn An}
province:
  name: Ủy ban nhân dân tỉnh Bắc Giang
  place: Bắc Giang
  signer: {delegation: KT, authority: Chủ tịch, title: Phó Chủ tịch, name: Trần Thị Bình}
tiers:
  - id: so
    name: Các sở, ban, ngành
    form: Biểu số 01
    indicators: cap-so-mau
    units: [Sở Tư pháp, Sở Y tế, Sở Xây dựng, Sở Tài chính, Sở Nội vụ]
  - id: huyen
    name: UBND các huyện
    form: Biểu số 02
    indicators: cap-huyen-mau
    units: [Huyện Lạng Giang, Huyện Yên Thế]
  - id: xa
    name: UBND các xã
    form: Biểu số 03
    indicators: cap-xa-mau
    appraised_by: huyen
    units:
      - {name: Xã Tân Hưng, parent: Huyện Lạng Giang}
      - {name: Xã Đồng Sơn, parent: Huyện Yên Thế}
deadlines:
  - {id: so, tiers: [so, huyen], date: 05/11/2024}
  - {id: xa, tiers: [xa], date: 06/11/2024, to: huyen}
  - {id: huyen_xa, tiers: [huyen], date: 09/11/2024, aggregates: xa}
"""


def test_cli_end_to_end_with_example_scores(tmp_path: Path) -> None:
    from letters.indicators.tiers import load_for_results

    campaign = tmp_path / "campaign.yaml"
    campaign.write_text(CAMPAIGN, encoding="utf-8")
    _, camp = load_for_results(campaign)
    assert [t.deadline for t in camp.tiers] == [date(2024, 11, 5), date(2024, 11, 5), date(2024, 11, 9)]
    assert next(u for u in camp.units if u.name == "Xã Tân Hưng").parent == "huyen-lang-giang"
    csv_path = make_example_scores(camp.units, camp.tiers, tmp_path / "data", seed=7, year=2024)
    runner = CliRunner()
    for scores in (csv_path, csv_path.parent / "bieu_mau_da_dien"):
        out = tmp_path / f"out-{scores.suffix or 'dir'}"
        res = runner.invoke(cli, ["results", str(campaign), str(scores), "--out", str(out), "--charts"])
        assert res.exit_code == 0, res.output
        assert "Các sở, ban, ngành: 5 đơn vị được xếp hạng" in res.output
        rows = list(csv.DictReader(io.StringIO((out / "xep_hang.csv").read_text(encoding="utf-8-sig"))))
        so = [r for r in rows if r["cap_danh_gia"] == "so"]
        assert sum(1 for r in so if r["dong_hang"] == "x" and r["trang_thai"] == "xep_hang") == 2  # the tie
        assert so[-1]["trang_thai"] == "xep_hang_cuoi" and so[-1]["don_vi"] == "Sở Nội vụ"  # the late unit
        xa = {r["don_vi"]: r for r in rows if r["cap_danh_gia"] == "xa"}
        assert xa["Xã Tân Hưng"]["trang_thai"] == "khong_xep_hang"
        assert len(list((out / "bieu_do").glob("*.png"))) == 8
    # Both inputs give the same ranking.
    a = (tmp_path / "out-.csv" / "xep_hang.csv").read_bytes()
    assert a == (tmp_path / "out-dir" / "xep_hang.csv").read_bytes()

    bad = tmp_path / "bad.csv"
    bad.write_text("don_vi;ma_chi_so;diem\nSở Tư pháp;1.1;99\n", encoding="utf-8")
    res = runner.invoke(cli, ["results", str(campaign), str(bad), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert f"{bad}:2" in res.output and "vượt điểm tối đa 15" in res.output
    assert not (tmp_path / "o").exists()
    res = runner.invoke(
        cli, ["results", str(campaign), str(bad), "--out", str(tmp_path / "o"), "--ignore-errors"]
    )
    assert res.exit_code == 0, res.output
    rows = list(
        csv.DictReader(io.StringIO((tmp_path / "o" / "xep_hang.csv").read_text(encoding="utf-8-sig")))
    )
    tp = next(r for r in rows if r["don_vi"] == "Sở Tư pháp")
    assert tp["tong_diem"] == "0" and "Dữ liệu điểm có lỗi" in tp["ghi_chu"]


@pytest.mark.parametrize("name", ["bacgiang-2023", "brvt-2024", "gialai-2023"])
def test_campaign_model_adapter(name: str) -> None:
    from letters.campaign.load import load_campaign
    from letters.indicators.tiers import from_campaign_model

    path = Path(__file__).resolve().parent.parent / "examples" / f"{name}.yaml"
    campaign = load_campaign(path)
    full = from_campaign_model(campaign)
    assert [u.name for u in full.units] == [u.name for t in campaign.tiers for u in t.units]
    assert all(t.deadline is not None for t in full.tiers)
    communes = [u for u in full.units if u.tier == "xa"]
    assert all(u.parent in {d.id for d in full.units if d.tier == "huyen"} for u in communes)


def test_results_pipeline_in_one_call(tmp_path: Path) -> None:
    from letters.indicators.tiers import load_for_results
    from letters.results.pipeline import run_results

    campaign = tmp_path / "campaign.yaml"
    campaign.write_text(CAMPAIGN, encoding="utf-8")
    full, camp = load_for_results(campaign)
    scores = make_example_scores(camp.units, camp.tiers, tmp_path / "data", seed=7, year=2024, forms=False)
    run = run_results(full, scores, tmp_path / "demo")
    results = run.results
    assert results.errors == []
    names = {p.name for p in run.files}
    assert {
        "xep_hang.xlsx",
        "xep_hang.csv",
        "2024-to-trinh-du-thao.docx",
        "2024-quyet-dinh-du-thao.docx",
    } <= names
    assert sum(1 for n in names if n.startswith("2024-thong-bao-ket-qua-")) == len(camp.units)
    so = results.tier("so")
    assert any(u.tied for u in so.ranked) and so.units[-1].late
    assert results.unit("xa-tan-hung").excluded


def test_an_extended_unit_is_judged_by_its_own_deadline(tmp_path: Path) -> None:
    units = [make_unit(n, "so") for n in ("Sở Tư pháp", "Sở Nội vụ", "Sở Y tế", "Sở Tài chính")]
    lines = ["don_vi;ma_chi_so;diem;giai_trinh;ngay_nop;han_nop"]
    for unit_id, submitted, due in (
        ("so-tu-phap", "08/11/2024", "10/11/2024"),  # after the tier's 05/11, within its extension
        ("so-noi-vu", "12/11/2024", "10/11/2024"),  # after its extension too
        ("so-y-te", "08/11/2024", ""),  # late: no extension
    ):
        for code, value in zip(("1.1", "1.2", "2.1", "2.2"), ("300", "300", "250", "100"), strict=True):
            lines.append(f"{unit_id};{code};{value};Chưa đạt tối đa;{submitted};{due}")
    path = tmp_path / "diem.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    res = compute_results(units, _tiers(), path, RankingRules(late_policy="exclude"))
    tp = res.unit("so-tu-phap")
    assert tp.status == "ranked" and tp.rank == 1 and not tp.late and not tp.excluded
    assert tp.deadline == date(2024, 11, 10) and tp.extended and tp.note() == ""
    nv = res.unit("so-noi-vu")
    assert nv.status == "excluded" and nv.late and nv.rank is None
    assert nv.note() == (
        "Gửi kết quả ngày 12/11/2024, quá hạn nộp đã được gia hạn là chậm nhất ngày 10/11/2024; "
        "không được chấm điểm, xếp hạng"
    )
    yt = res.unit("so-y-te")
    assert yt.status == "excluded" and yt.deadline == DEADLINE and not yt.extended
    assert "quá hạn nộp là chậm nhất ngày 05/11/2024" in yt.note()
    assert res.unit("so-tai-chinh").status == "missing"
    assert [u.unit.name for u in res.tier("so").ranked] == ["Sở Tư pháp"]

    last = compute_results(units, _tiers(), path, RankingRules(late_policy="last"))
    assert [(u.rank, u.unit.name, u.late) for u in last.tier("so").ranked] == [
        (1, "Sở Tư pháp", False),
        (2, "Sở Nội vụ", True),
        (2, "Sở Y tế", True),
    ]


def test_a_register_of_arrivals_keeps_the_extension_read_from_the_scores(tmp_path: Path) -> None:
    from letters.results.scores import Receipt

    units = [make_unit("Sở Tư pháp", "so"), make_unit("Sở Tài chính", "so")]
    path = tmp_path / "diem.csv"
    rows = [f"so-tu-phap;{c};100;Chưa đạt;;10/11/2024" for c in ("1.1", "1.2", "2.1", "2.2")]
    path.write_text("don_vi;ma_chi_so;diem;giai_trinh;ngay_nop;han_nop\n" + "\n".join(rows) + "\n", "utf-8")
    register = {
        "so-tu-phap": Receipt(submitted_on=date(2024, 11, 9)),
        "so-tai-chinh": Receipt(due_on=date(2024, 11, 20)),  # extended, then sent nothing
    }
    res = compute_results(units, _tiers(), path, RankingRules(late_policy="exclude"), receipts=register)
    tp = res.unit("so-tu-phap")
    assert (
        tp.submitted_on == date(2024, 11, 9) and tp.status == "ranked" and tp.deadline == date(2024, 11, 10)
    )
    tc = res.unit("so-tai-chinh")
    assert tc.status == "missing" and tc.deadline == date(2024, 11, 20)  # its notice names its own deadline

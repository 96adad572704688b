"""Indicator sets: shipped data, arithmetic validation with YAML line numbers, rows for forms."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from letters.cli.main import cli
from letters.core.errors import DiagnosticsError, Severity
from letters.core.vn import slugify
from letters.indicators.sets import (
    builtin_set_ids,
    check_indicator_set,
    evidence_rows,
    form_rows,
    load_indicator_set,
)

GOOD = """\
id: thu
version: "1"
name: Bộ chỉ số thử
max_points: 100
indices:
  - code: "1"
    name: Nhận thức số
    max_points: 60
    components:
      - {code: "1.1", name: Họp Ban Chỉ đạo, max_points: 30, method: "Điểm = (a/b) × Điểm tối đa"}
      - {code: "1.2", name: Kế hoạch, max_points: 30}
  - code: "2"
    name: Hạ tầng số
    max_points: 40
    components:
      - {code: "2.1", name: Máy tính, max_points: 25, evidence: Báo cáo}
      - {code: "2.2", name: Mạng LAN, max_points: 15}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "set.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _errors(path: Path) -> list:
    return [d for d in check_indicator_set(path) if d.severity is Severity.ERROR]


def test_qd922_provincial_structure_is_exact() -> None:
    ind = load_indicator_set("qd922-cap-tinh")
    assert ind.max_points == 1000
    assert [(i.code, i.name, int(i.max_points), len(i.components)) for i in ind.indices] == [
        ("1", "Nhận thức số", 100, 10),
        ("2", "Thể chế số", 100, 11),
        ("3", "Hạ tầng số", 100, 7),
        ("4", "Nhân lực số", 100, 13),
        ("5", "An toàn thông tin mạng", 100, 12),
        ("6", "Đô thị thông minh", 0, 3),
        ("7", "Hoạt động chính quyền số", 200, 22),
        ("8", "Hoạt động kinh tế số", 150, 12),
        ("9", "Hoạt động xã hội số", 150, 8),
    ]
    assert [(g.code, int(g.max_points)) for g in ind.groups] == [("I", 500), ("II", 500)]
    assert sum(1 for _ in ind.components()) == 98
    assert not next(i for i in ind.indices if i.code == "6").scored
    assert all(c.placeholder for c in ind.components())
    warnings = [d for d in check_indicator_set(ind.path) if d.severity is Severity.WARNING]
    assert len(warnings) == 1 and "98 chỉ số thành phần đang để giữ chỗ" in warnings[0].message


@pytest.mark.parametrize(
    "set_id,n_indices",
    [
        ("cap-so-mau", 6),
        ("cap-huyen-mau", 8),
        ("cap-xa-mau", 8),
        ("cap-so-2026-mau", 7),
        ("cap-xa-2026-mau", 7),
    ],
)
def test_example_sets_are_complete_and_marked_as_examples(set_id: str, n_indices: int) -> None:
    ind = load_indicator_set(set_id)
    assert ind.status == "example" and "mẫu ví dụ" in ind.name
    assert ind.version
    assert len(ind.indices) == n_indices
    assert sum(i.max_points for i in ind.indices) == ind.max_points == 1000
    comps = list(ind.components())
    assert 40 <= len(comps) <= 50
    assert all(c.method and c.evidence and c.source for c in comps)
    assert check_indicator_set(ind.path) == []
    assert "MẪU VÍ DỤ" in ind.path.read_text(encoding="utf-8")


def test_all_builtin_sets_listed() -> None:
    assert builtin_set_ids() == [
        "cap-huyen-mau",
        "cap-so-2026-mau",
        "cap-so-mau",
        "cap-xa-2026-mau",
        "cap-xa-mau",
        "qd405-cap-tinh",
        "qd922-cap-tinh",
    ]


def test_components_not_adding_up_name_the_index_and_its_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        GOOD.replace(
            '{code: "2.2", name: Mạng LAN, max_points: 15}', '{code: "2.2", name: Mạng LAN, max_points: 16}'
        ),
    )
    errors = _errors(path)
    index_error = next(d for d in errors if "Chỉ số chính 2" in d.message)
    assert index_error.line == 12  # the "- code: "2"" line of the faulty main index
    assert "thừa 1 điểm" in index_error.message
    assert "2.2 (dòng 17) = 16" in index_error.message
    assert len(errors) == 1  # the main indices still add up to 100
    with pytest.raises(DiagnosticsError) as exc:
        load_indicator_set(path)
    assert "Chỉ số chính 2" in str(exc.value)


def test_total_different_from_declared_maximum(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("max_points: 100\n", "max_points: 1000\n", 1))
    errors = _errors(path)
    assert len(errors) == 1
    assert errors[0].field == "max_points"
    assert "thiếu 900 điểm" in errors[0].message


def test_duplicate_codes_and_bad_numbers_have_lines(tmp_path: Path) -> None:
    text = GOOD.replace('{code: "1.2", name: Kế hoạch', '{code: "1.1", name: Kế hoạch')
    errors = _errors(_write(tmp_path, text))
    dup = next(d for d in errors if "bị trùng" in d.message)
    assert dup.line == 11 and "dòng 10" in dup.message
    text = GOOD.replace("max_points: 25", "max_points: hai mươi lăm")
    errors = _errors(_write(tmp_path, text))
    assert len(errors) == 1 and errors[0].line == 16 and "hai mươi lăm" in errors[0].message


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    errors = _errors(_write(tmp_path, GOOD + "  - code: [\n"))
    assert errors and errors[0].line is not None and "cú pháp" in errors[0].message


def test_form_and_evidence_rows(tmp_path: Path) -> None:
    ind = load_indicator_set(_write(tmp_path, GOOD))
    rows = form_rows(ind)
    assert [(r.kind, r.code) for r in rows] == [
        ("index", "1"),
        ("component", "1.1"),
        ("component", "1.2"),
        ("index", "2"),
        ("component", "2.1"),
        ("component", "2.2"),
    ]
    assert rows[1].method == "Điểm = (a/b) × Điểm tối đa" and rows[1].max_points == Decimal(30)
    ev = evidence_rows(ind)
    assert [(e.code, e.index_name) for e in ev][2] == ("2.1", "Hạ tầng số")
    assert ev[2].evidence == "Báo cáo"
    # Not-scored indices (QĐ 922 "Đô thị thông minh") have no evidence row.
    assert not any(e.index_code == "6" for e in evidence_rows(load_indicator_set("qd922-cap-tinh")))


def test_slugify_vietnamese() -> None:
    assert slugify("Sở Tư pháp") == "so-tu-phap"
    assert slugify("Huyện Đắk Đoa") == "huyen-dak-doa"
    assert slugify("  UBND Thị xã Ba Đồn ") == "ubnd-thi-xa-ba-don"


def test_cli_indicators_reports_line(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["indicators", "cap-so-mau"])
    assert ok.exit_code == 0, ok.output
    assert "41 chỉ số thành phần" in ok.output
    bad = _write(tmp_path, GOOD.replace("max_points: 15}", "max_points: 14}"))
    res = runner.invoke(cli, ["indicators", str(bad)])
    assert res.exit_code == 1
    assert f"{bad}:12" in res.output and "thiếu 1 điểm" in res.output

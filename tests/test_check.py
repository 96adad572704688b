"""`vanban check`: every mistake reported with its line, warnings for the calendar, no tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from letters.checking import check_campaign
from letters.cli.main import cli
from letters.core.errors import Severity
from tests.conftest import EXAMPLES

TEN_MISTAKES = """\
campaign:
  year: hai nghìn hai mươi ba            # M1 not a number
  name: đánh giá mức độ chuyển đổi số năm 2023
issuer:
  parent: UBND tỉnh Bắc Giang
  name: Sở Thông tin và Truyền thông
  abbreviation: STTTT
  drafting_unit: CNTT
  plaec: Bắc Giang                       # M2 misspelt field
legal_bases:
  - number: 2937/QĐ-UBND
    date: 31/02/2022                     # M3 no such day
    issuer: Chủ tịch UBND tỉnh
    title: về Ban hành Bộ chỉ số
tiers:
  - id: huyen
    name: UBND các huyện
    units: [{id: yd, name: UBND huyện Yên Dũng}]
  - id: xa
    name: UBND các xã
    appraised_by: huyen
    units:
      - {name: UBND xã Tân Hưng, parent: lang-giang}   # M4 unknown district
phases:
  - id: tu_danh_gia
    name: Tự đánh giá
    start: 24/10/2023
    end: 10/10/2023                      # M5 ends before it starts
  - id: tham_dinh
    name: Thẩm định
    start: 15-10-2023                    # M6 not a date
    end: 30/10/2023
deadlines:
  - id: nop
    tiers: [so]                          # M7 unknown tier
    date: 25/10/2023
signer:                                  # M8 no name
  delegation: KT
  authority: Giám đốc
  title: Phó Giám đốc
contacts:
  - name: Vũ Thanh Hòa
    phone: 0254.3512226                  # M9 read as a number, digits lost
documents:
  ke_hoach:
    number: 83a                          # M10 not a number
"""


def _line(marker: str) -> int:
    return next(i for i, line in enumerate(TEN_MISTAKES.splitlines(), 1) if f"# {marker} " in line)


def test_ten_mistakes_reported_each_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "sai.yaml"
    path.write_text(TEN_MISTAKES, encoding="utf-8")
    errors = [d for d in check_campaign(path) if d.severity is Severity.ERROR]
    lines = {d.line for d in errors}
    for n in range(1, 11):
        assert _line(f"M{n}") in lines, f"M{n} missing from {[d.format() for d in errors]}"
    by_line = {d.line: d for d in errors}
    assert "phải là số nguyên" in by_line[_line("M1")].message
    assert "có phải ý bạn là «place»" in by_line[_line("M2")].message
    assert "không tồn tại" in by_line[_line("M3")].message
    assert "lang-giang" in by_line[_line("M4")].message
    assert "trước khi bắt đầu" in by_line[_line("M5")].message
    assert "«so»" in by_line[_line("M7")].message
    assert "ngoặc kép" in by_line[_line("M9")].message
    assert all(d.file == str(path) for d in errors)


def test_cli_check_exit_codes_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "sai.yaml"
    bad.write_text(TEN_MISTAKES, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["check", str(bad)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"sai.yaml:{_line('M3')}" in result.output
    assert "lỗi" in result.output
    ok = runner.invoke(cli, ["check", str(Path("examples/brvt-2024.yaml"))])
    assert ok.exit_code == 0, ok.output
    assert "Không phát hiện lỗi hay cảnh báo nào" in ok.output
    warned = runner.invoke(cli, ["check", str(Path("examples/bacgiang-2023.yaml"))])
    assert warned.exit_code == 0, warned.output
    assert "CẢNH BÁO" in warned.output  # 19/11/2023, the end of a phase, is a Sunday


def test_calendar_and_chain_warnings(example_copy: Path) -> None:
    path = example_copy / "brvt-2024.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("date: 05/11/2024", "date: 10/11/2024")  # communes after the district's aggregation
    text = text.replace("end: 29/11/2024", "end: 02/09/2024")  # would end before it starts
    text = text.replace("start: 11/11/2024", "start: 01/11/2024")  # overlaps self-assessment
    path.write_text(text, encoding="utf-8")
    diags = check_campaign(path)
    messages = [d.format() for d in diags]
    assert any("không sớm hơn hạn tổng hợp" in m for m in messages), messages
    assert any("Chủ nhật" in m for m in messages), messages  # 10/11/2024
    assert any("trước khi bắt đầu" in m for m in messages), messages


def test_holiday_warning(example_copy: Path) -> None:
    path = example_copy / "bacgiang-2023.yaml"
    text = path.read_text(encoding="utf-8").replace("date: 24/10/2023", "date: 02/09/2023")
    path.write_text(text, encoding="utf-8")
    warnings = [d for d in check_campaign(path) if d.severity is Severity.WARNING]
    assert any("Quốc khánh" in d.message for d in warnings)


def test_overlapping_and_out_of_order_phases(example_copy: Path) -> None:
    path = example_copy / "bacgiang-2023.yaml"
    text = path.read_text(encoding="utf-8").replace("start: 25/10/2023", "start: 20/10/2023")
    text = text.replace("start: 30/11/2023", "start: 05/10/2023")
    path.write_text(text, encoding="utf-8")
    messages = [d.message for d in check_campaign(path) if d.severity is Severity.WARNING]
    assert any("trùng với giai đoạn" in m for m in messages)
    assert any("kiểm tra thứ tự" in m for m in messages)


def test_plan_phase_and_letter_deadline_for_the_same_step_must_agree(example_copy: Path) -> None:
    # The Gia Lai case: the plan ends self-assessment on 22/12, the letter gave units until 25/12.
    path = example_copy / "gialai-2023.yaml"
    text = path.read_text(encoding="utf-8").replace("date: 22/12/2023", "date: 25/12/2023")
    text += (
        "    wording:\n      thoi_han: |\n"
        "        + Kết quả tự đánh giá: Trước ngày **{{ deadlines.so_huyen.date }}**.\n"
    )
    path.write_text(text, encoding="utf-8")
    warnings = {d.field: d for d in check_campaign(path) if d.severity is Severity.WARNING}
    mismatch = warnings["deadlines[1].date"]
    assert mismatch.message == (
        "hạn nộp «so_huyen» (chậm nhất ngày 25/12/2023) khác ngày kết thúc giai đoạn «Tự đánh giá và gửi kết "
        "quả» (22/12/2023): Kế hoạch và công văn sẽ ghi hai hạn cho cùng một việc. Cả hai đều tính đến hết "
        "ngày ghi; sửa cho trùng nhau, hoặc ghi «phase» nếu hạn nộp thuộc giai đoạn khác"
    )
    assert mismatch.line == next(
        i for i, line in enumerate(text.splitlines(), 1) if "date: 25/12/2023" in line
    )
    # A wording override that writes "trước ngày" before a deadline says one day where the ranking counts another.
    assert "«trước ngày»" in warnings["documents.cong_van.wording.thoi_han"].message
    # Deadlines to another tier (communes to their district) are not the issuer's self-assessment deadline.
    assert not any(
        f and f.startswith(("deadlines[2]", "deadlines[3]")) and "khác ngày kết thúc" in d.message
        for f, d in warnings.items()
    )
    # The override leaves out the district's deadline and the ways to send results: check says so.
    assert "không xuất hiện trong văn bản nào" in warnings["deadlines[2].date"].message
    assert "campaign.submit_email" in warnings


def test_deadline_names_its_phase(example_copy: Path) -> None:
    path = example_copy / "brvt-2024.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "    aggregates: xa\n    date: 08/11/2024",
        "    aggregates: xa\n    date: 08/11/2024\n    phase: tham_dinh_1",
    )
    text = text.replace(
        "    to: huyen\n    date: 05/11/2024", "    to: huyen\n    date: 05/11/2024\n    phase: khong_co"
    )
    path.write_text(text, encoding="utf-8")
    diags = {d.field: d for d in check_campaign(path)}
    assert diags["deadlines[2].phase"].severity is Severity.ERROR  # paths count from 1, as users do
    assert "«khong_co» không có trong mục phases" in diags["deadlines[2].phase"].message
    named = diags["deadlines[3].date"]
    assert named.severity is Severity.WARNING and "«Thẩm định kết quả» (29/11/2024)" in named.message


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    path = tmp_path / "hong.yaml"
    path.write_text("campaign:\n  year: 2023\n name: x: y\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1
    assert "hong.yaml:3" in result.output
    assert "Traceback" not in result.output


def test_missing_file_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["check", "khong-co.yaml"])
    assert result.exit_code == 2


@pytest.mark.parametrize("field", ["number", "date"])
def test_wording_override_errors_point_at_the_override(example_copy: Path, field: str) -> None:
    path = example_copy / "gialai-2023.yaml"
    wrong = "{{ deadlines.khong_co.date }}" if field == "number" else "{{ deadlines.so_huyen.date "
    text = path.read_text(encoding="utf-8") + (
        "    wording:\n      thoi_han: |\n        ## Thời gian gửi kết quả:\n"
        f"        + Kết quả tự đánh giá: chậm nhất ngày **{wrong}**.\n"
    )
    path.write_text(text, encoding="utf-8")
    errors = [d for d in check_campaign(path) if d.severity is Severity.ERROR]
    assert errors
    assert errors[0].field == "documents.cong_van.wording.thoi_han"
    # The line of the sentence at fault, not only of its field.
    assert errors[0].line == next(
        i for i, line in enumerate(text.splitlines(), 1) if "Kết quả tự đánh giá:" in line
    )


def test_indicator_sets_are_checked(example_copy: Path) -> None:
    path = example_copy / "bacgiang-2023.yaml"
    broken = example_copy / "bo-chi-so.yaml"
    from letters.indicators.sets import resolve_set_path

    text = resolve_set_path("cap-so-mau").read_text(encoding="utf-8")
    broken.write_text(text.replace("max_points: 15", "max_points: 16", 1), encoding="utf-8")
    body = path.read_text(encoding="utf-8").replace("indicators: cap-so-mau", "indicators: bo-chi-so.yaml")
    body = body.replace("indicators: cap-huyen-mau", "indicators: khong-co-bo-nay")
    path.write_text(body, encoding="utf-8")
    errors = [d for d in check_campaign(path) if d.severity is Severity.ERROR]
    assert any(d.file and d.file.endswith("bo-chi-so.yaml") and d.line for d in errors), [
        d.format() for d in errors
    ]
    missing = next(d for d in errors if "khong-co-bo-nay" in d.message)
    assert missing.field == "tiers[2].indicators" and missing.line


def test_results_document_wording_is_checked_before_any_scores(example_copy: Path) -> None:
    path = example_copy / "bacgiang-2023.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "  quyet_dinh:\n",
        '  quyet_dinh:\n    wording:\n      dieu_4: "**Điều 4.** Thêm"\n      dieu_2: "{{ khong_co_bien }} **Điều 2.**"\n'
        '      dieu_3: "{% if %}"\n',
    )
    path.write_text(text, encoding="utf-8")
    errors = {d.field: d for d in check_campaign(path) if d.severity is Severity.ERROR}
    assert "dieu_4" in errors["documents.quyet_dinh.wording.dieu_4"].message
    assert "khong_co_bien" in errors["documents.quyet_dinh.wording.dieu_2"].message
    assert "cú pháp" in errors["documents.quyet_dinh.wording.dieu_3"].message
    assert all(d.line for d in errors.values())


def test_decomposed_vietnamese_is_normalised(example_copy: Path, tmp_path: Path) -> None:
    import unicodedata

    from letters.campaign.load import load_campaign

    path = example_copy / "gialai-2023.yaml"
    path.write_text(unicodedata.normalize("NFD", path.read_text(encoding="utf-8")), encoding="utf-8")
    campaign = load_campaign(path)
    assert campaign.signer.name == "Lê Thị Thu Hương"  # composed again, so it matches and renders as typed
    assert unicodedata.is_normalized("NFC", campaign.issuer.name)


def test_warns_when_a_letter_goes_to_nobody_but_the_archive(example_copy: Path) -> None:
    """A plan or a guidance letter whose Nơi nhận is only «Lưu» is sent to nobody: `check` says so."""
    path = example_copy / "gialai-2023.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  ke_hoach:\n")
    end = text.index("  cong_van:\n", start)
    path.write_text(text[:start] + text[end:], encoding="utf-8")  # no ke_hoach section: Lưu only
    warnings = [d for d in check_campaign(path) if d.severity is Severity.WARNING]
    plan = [d for d in warnings if d.message.startswith("Kế hoạch: mục Nơi nhận chỉ có dòng «Lưu»")]
    assert len(plan) == 1 and plan[0].line is not None
    assert not any(d.message.startswith("Công văn hướng dẫn: mục Nơi nhận") for d in warnings)
    clean = [d for d in check_campaign(EXAMPLES / "gialai-2023.yaml") if "chỉ có dòng «Lưu»" in d.message]
    assert not clean

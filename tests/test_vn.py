"""letters.core.vn, the one module of Vietnamese conventions, and the one translator of validation errors."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from letters.cli.main import cli
from letters.core import vn
from letters.core.errors import DiagnosticsError, VanbanError
from letters.core.validation import OptDate, VnDate, validation_diagnostics
from letters.core.yamlsrc import parse_yaml
from signing.verify.policy import load_policy

# --------------------------------------------------------------------------- reading dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/11/2024", date(2024, 11, 5)),
        ("5/11/2024", date(2024, 11, 5)),
        (" 05 / 11 / 2024 ", date(2024, 11, 5)),
        ("2024-11-05", date(2024, 11, 5)),
        ("2024-1-5", date(2024, 1, 5)),
        ("29/02/2024", date(2024, 2, 29)),
    ],
)
def test_parse_both_forms(text: str, expected: date) -> None:
    assert vn.parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["30/02/2023", "2023-02-30", "29/02/2023", "31/04/2024", "01/13/2024", "2024-00-10"]
)
def test_impossible_dates_are_a_vietnamese_error(text: str) -> None:
    with pytest.raises(vn.DateFormatError) as err:
        vn.parse_date(text)
    assert "không tồn tại" in err.value.message and text in err.value.message
    assert isinstance(err.value, VanbanError) and isinstance(err.value, ValueError)


@pytest.mark.parametrize("text", ["15-10-2023", "15.10.2023", "mùng 5 tháng 11", "", "2023/10/15"])
def test_other_forms_are_refused_with_the_form_to_use(text: str) -> None:
    with pytest.raises(vn.DateFormatError, match="ngày/tháng/năm"):
        vn.parse_date(text)


def test_date_and_datetime_inputs() -> None:
    assert vn.parse_date(date(2023, 12, 6)) == date(2023, 12, 6)
    # A datetime (a YAML timestamp, an Excel cell) gives a plain date, never the datetime itself.
    naive = vn.parse_date(datetime(2023, 12, 6, 23, 30))
    assert naive == date(2023, 12, 6) and type(naive) is date
    # An aware moment is read in Vietnam time: 20:00 UTC on the 5th is already the 6th in Hà Nội.
    assert vn.parse_date(datetime(2023, 12, 5, 20, 0, tzinfo=UTC)) == date(2023, 12, 6)


# --------------------------------------------------------------------------- writing dates (NĐ 30)


def test_nd30_leading_zeros() -> None:
    assert [vn.pad_month(m) for m in (1, 2, 3, 9, 10, 12)] == ["01", "02", "3", "9", "10", "12"]
    assert [vn.pad_day(d) for d in (1, 9, 10, 31)] == ["01", "09", "10", "31"]
    assert vn.pad_month(date(2024, 1, 5)) == "01" and vn.pad_day(date(2024, 1, 5)) == "05"
    assert vn.short(date(2023, 5, 5)) == "05/5/2023"
    assert vn.short(date(2024, 1, 15)) == "15/01/2024"
    assert vn.short(date(2024, 2, 9)) == "09/02/2024"
    assert vn.in_words(date(2023, 12, 6)) == "ngày 06 tháng 12 năm 2023"
    assert vn.in_words(date(2024, 1, 5)) == "ngày 05 tháng 01 năm 2024"
    assert vn.in_words(date(2019, 6, 29)) == "ngày 29 tháng 6 năm 2019"


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("value", "places", "kwargs", "expected"),
    [
        (Decimal("8.5"), None, {}, "8,5"),
        (Decimal("8.50"), None, {}, "8,5"),
        (Decimal("1000"), None, {}, "1.000"),
        (Decimal("1E+3"), None, {}, "1.000"),
        (Decimal("1234.5"), None, {}, "1.234,5"),
        (Decimal("1234.5"), None, {"grouping": False}, "1234,5"),
        (Decimal("712.5"), 2, {}, "712,50"),
        (Decimal("0.81235"), 4, {}, "0,8124"),  # half up, as the ranking rounds
        (Decimal("-0.001"), 2, {}, "0,00"),  # never "-0,00"
        (Decimal("-12.5"), 1, {}, "-12,5"),
        (12.3, 1, {}, "12,3"),
        (2.675, 2, {}, "2,68"),  # the float as written, not its binary expansion 2.67499…
        (0.5, None, {}, "0,5"),
        (100.0, None, {}, "100"),
        (7, None, {}, "7"),
        (1234567, 2, {}, "1.234.567,00"),
    ],
)
def test_decimal_comma(
    value: Decimal | float | int, places: int | None, kwargs: dict[str, bool], expected: str
) -> None:
    assert vn.number(value, places, **kwargs) == expected


def test_points_text_drops_needless_decimals() -> None:
    assert vn.points_text(Decimal("712.50")) == "712,5"
    assert vn.points_text(Decimal("1000.00")) == "1.000"
    assert vn.points_text(Decimal("712.3333")) == "712,33"
    assert vn.points_text(Decimal("0")) == "0"


# --------------------------------------------------------------------------- slugify and collation


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Sở Tư pháp", "so-tu-phap"),
        ("Huyện Đắk Đoa", "huyen-dak-doa"),
        ("Phường Đông Hà", "phuong-dong-ha"),
        # The modifier apostrophe (U+02BC) of Ê Đê and Jrai names is part of the word: "hleo", not "h-leo".
        ("Xã Ea H\u02bcleo", "xa-ea-hleo"),
        ("Xã Ea H'leo", "xa-ea-hleo"),
        ("Huyện K\u2019Bang", "huyen-kbang"),
        ("Sở Văn hoá & Thể thao", "so-van-hoa-the-thao"),
        ("Sở  Y   tế", "so-y-te"),
        ("  UBND Thị xã Ba Đồn ", "ubnd-thi-xa-ba-don"),
        ("Bà Rịa–Vũng Tàu", "ba-ria-vung-tau"),
        ("Phường 12", "phuong-12"),
        # Decomposed input (some keyboards) gives the same id as precomposed.
        (unicodedata.normalize("NFD", "Sở Tư pháp"), "so-tu-phap"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert vn.slugify(name) == slug


def test_one_slugify_everywhere() -> None:
    from letters.campaign import model as campaign_model
    from letters.indicators import model as indicators_model

    assert campaign_model.slugify is vn.slugify and indicators_model.slugify is vn.slugify


def test_vietnamese_alphabetical_order() -> None:
    names = ["Đồng Văn", "Dương Minh Châu", "Ân Thi", "An Lão", "Ăn Khê", "Zen"]
    assert vn.vi_sorted(names) == ["An Lão", "Ăn Khê", "Ân Thi", "Dương Minh Châu", "Đồng Văn", "Zen"]


# --------------------------------------------------------------------------- Vietnam time


def test_time_zone_helpers() -> None:
    assert vn.VN_TZ.utcoffset(None) == timedelta(hours=7)
    now = vn.vn_now()
    assert now.utcoffset() == timedelta(hours=7) and now.microsecond == 0
    moment = datetime(2023, 12, 6, 2, 15, 30, 123456, tzinfo=UTC)
    assert vn.iso_vn(moment) == "2023-12-06T09:15:30+07:00"
    # Naive moments are UTC (certificates, timestamps), whatever the machine's zone.
    assert vn.iso_vn(datetime(2023, 12, 6, 2, 15, 30)) == "2023-12-06T09:15:30+07:00"
    assert vn.time_text(moment) == "09:15 ngày 06/12/2023"
    assert vn.time_text(datetime(2023, 5, 4, 18, 5, tzinfo=UTC)) == "01:05 ngày 05/5/2023"
    other = timezone(timedelta(hours=-5))
    assert vn.time_text(datetime(2024, 1, 1, 20, 0, tzinfo=other)) == "08:00 ngày 02/01/2024"
    # The ISO text that reports store reads back; anything else is already words.
    assert vn.time_text("2023-12-06T09:15:30+07:00") == "09:15 ngày 06/12/2023"
    assert vn.time_text("không rõ") == "không rõ"


def test_signing_keys_keep_the_clock_reexports() -> None:
    from signing.sign import keys

    assert keys.VN_TZ is vn.VN_TZ and keys.iso_vn is vn.iso_vn and keys.vn_now is vn.vn_now


# --------------------------------------------------------------------------- the validation translator


class _Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    when: VnDate = Field(title="ngày")
    maybe: OptDate = None
    count: int = Field(1, ge=1, le=5)
    ratio: float = 1.0
    flag: bool = False
    name: str = "x"


class _Outer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[_Inner] = Field(min_length=1)
    tags: dict[str, int] = Field(default_factory=dict)
    mode: str = "a"


_ENGLISH = (
    "Input should",
    "Field required",
    "value is not a valid",
    "Extra inputs",
    "Value error",
    "should be",
)


def _diags(text: str) -> list[str]:
    doc = parse_yaml(text, Path("t.yaml"))
    with pytest.raises(ValidationError) as err:
        _Outer.model_validate(doc.data)
    return [d.format() for d in validation_diagnostics(err.value, doc, _Outer)]


def test_translator_never_shows_pydantic_english() -> None:
    text = """\
items:
  - when: 2023-02-30
    maybe: 31/02/2023
    count: nhiều
    ratio: abc
    flag: có lẽ
    name: [a, b]
    extra: 1
  - when: 12345
    count: 9
    ratio: [1]
    flag: [true]
  - count: 1.5
tags: {a: b, c: [1]}
mode: {x: 1}
"""
    lines = _diags(text)
    assert len(lines) >= 13, lines
    for line in lines:
        assert not any(word in line for word in _ENGLISH), line
    joined = "\n".join(lines)
    # List positions counted from 1, with the YAML line of the value.
    assert "t.yaml:2, trường «items[1].when»: ngày 2023-02-30 không tồn tại" in joined
    assert "t.yaml:3, trường «items[1].maybe»: ngày 31/02/2023 không tồn tại" in joined
    assert "trường «items[2].count»: giá trị phải không lớn hơn 5, không phải 9" in joined
    assert "trường «items[3].when»: thiếu «ngày»" in joined
    assert "trường «items[1].extra»: trường «extra» không được hỗ trợ" in joined


def test_translator_empty_and_wrong_shapes() -> None:
    lines = _diags("items: []\n")
    assert lines == ["LỖI: t.yaml:1, trường «items»: giá trị bị bỏ trống"]
    lines = _diags("items:\n  - when:\n")
    assert "thiếu «ngày»" in lines[0] or "để trống" in lines[0]
    lines = _diags("items: {a: 1}\n")
    assert "phải là một danh sách" in lines[0]


# --------------------------------------------------------------------------- the CLI, end to end


def test_check_impossible_campaign_date_is_located(example_copy: Path) -> None:
    path = example_copy / "bacgiang-2023.yaml"
    text = path.read_text(encoding="utf-8")
    assert "    start: 10/10/2023\n" in text
    path.write_text(text.replace("    start: 10/10/2023\n", "    start: 2023-02-30\n", 1), encoding="utf-8")
    line = next(
        i for i, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "2023-02-30" in row
    )
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1, result.output
    assert f"bacgiang-2023.yaml:{line}, trường «phases[1].start»" in result.output
    assert "ngày 2023-02-30 không tồn tại" in result.output
    assert "Traceback" not in result.output and "không mong đợi" not in result.output


def _verify_with_policy(tmp_path: Path, policy_text: str) -> tuple[int, str, Path]:
    policy = tmp_path / "chinh_sach.yaml"
    policy.write_text(policy_text, encoding="utf-8")
    (tmp_path / "minh_chung").mkdir()
    result = CliRunner().invoke(
        cli,
        ["verify", str(tmp_path / "minh_chung"), "--out", str(tmp_path / "bao_cao"), "--policy", str(policy)],
    )
    return result.exit_code, result.output, policy


def test_verify_policy_impossible_date_is_located(tmp_path: Path) -> None:
    code, out, policy = _verify_with_policy(
        tmp_path, "name: Thử\nsigning_time:\n  not_before: 2023-02-30\n  not_after: 31/12/2023\n"
    )
    assert code == 1, out
    assert f"{policy}:3, trường «signing_time.not_before»" in out
    assert "ngày 2023-02-30 không tồn tại" in out
    assert "Traceback" not in out and "không mong đợi" not in out
    assert not (tmp_path / "bao_cao").exists()


def test_verify_policy_list_error_counts_from_one(tmp_path: Path) -> None:
    code, out, policy = _verify_with_policy(
        tmp_path, "allowed_changes: [form_filling, annotations, sua_noi_dung]\n"
    )
    assert code == 1, out
    assert f"{policy}:1, trường «allowed_changes[3]»" in out
    assert "«sua_noi_dung»" in out and "form_filling, annotations" in out
    assert "Traceback" not in out and "không mong đợi" not in out
    assert not any(word in out for word in _ENGLISH)


def test_policy_accepts_both_date_forms(tmp_path: Path) -> None:
    path = tmp_path / "cs.yaml"
    path.write_text("signing_time: {not_before: 01/01/2026, not_after: 2026-12-31}\n", encoding="utf-8")
    window = load_policy(path).signing_time
    assert window.not_before == date(2026, 1, 1) and window.not_after == date(2026, 12, 31)
    path.write_text("allowed_issuers:\n  - name: A\n  - sha256: sai\n", encoding="utf-8")
    with pytest.raises(DiagnosticsError) as err:
        load_policy(path)
    assert [d.field for d in err.value.diagnostics] == ["allowed_issuers[2].sha256"]
    assert err.value.diagnostics[0].line == 3

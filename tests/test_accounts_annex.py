"""The account list as the Kế hoạch's phụ lục (DOCX) and as Excel, built by the use case and read back: the
heading and «Kèm theo» line from the campaign file, one table row per account, NĐ 30's fonts and margins, the
workbook's frozen bold header; and the first passwords' alphabet."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from letters.core.errors import OutputExistsError
from letters.usecases.accounts import (
    READABLE_ALPHABET,
    AccountLine,
    account_counts,
    account_list_docx,
    account_list_xlsx,
    readable_password,
    write_account_list,
)
from tests.conftest import EXAMPLES

LINES = [
    AccountLine("Sở Nội vụ", "Cấp sở", "Chuyên viên nhập số liệu", "so-noi-vu.cv", "Ka7e-Pt4r-Yh3b"),
    AccountLine("Sở Nội vụ", "Cấp sở", "Lãnh đạo phê duyệt", "so-noi-vu.ld", "HNHN-AXEN-KHF9"),
    AccountLine("UBND xã Long Sơn", "Cấp xã", "Chuyên viên nhập số liệu", "xa-long-son.cv", "bd3E-rT7h-aJ4n"),
    AccountLine("UBND thành phố Vũng Tàu", "Cấp xã", "Thẩm định viên", "vungtau.td", "Ff4R-nE9t-Lh3A"),
]


def brvt(tmp_path: Path, *, replace: tuple[str, str] | None = None, extra: str = "") -> Path:
    text = (EXAMPLES / "brvt-2024.yaml").read_text(encoding="utf-8")
    if replace is not None:
        assert replace[0] in text
        text = text.replace(*replace, 1)
    path = tmp_path / "brvt-2024.yaml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def test_the_draft_annex_leaves_the_plans_number_and_date_blank(tmp_path: Path) -> None:
    doc = Document(io.BytesIO(account_list_docx(brvt(tmp_path), LINES)))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "Phụ lục"
    assert texts[1] == "DANH SÁCH TÀI KHOẢN\nTRUY CẬP HỆ THỐNG ĐÁNH GIÁ CHỈ SỐ CHUYỂN ĐỔI SỐ NĂM 2024"
    assert re.fullmatch(
        r"\(Kèm theo Kế hoạch số {4,}/KH-STTTT ngày {4,}tháng {4,}năm 2024 của Sở Thông tin và Truyền thông\)",
        texts[2].replace("\n", " "),
    ), texts[2]
    (table,) = doc.tables
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert [" ".join(c.split()) for c in cells[0]] == [
        "STT",
        "Tên cơ quan, đơn vị",
        "Nhóm",
        "Loại tài khoản",
        "Tên đăng nhập",
        "Mật khẩu lần đầu",
    ]
    assert cells[1:] == [[str(i), *[str(v) for v in vars(line).values()]] for i, line in enumerate(LINES, 1)]
    assert {p.style.font.name for p in doc.paragraphs} == {"Times New Roman"}
    assert {c.paragraphs[0].style.font.name for row in table.rows for c in row.cells} == {"Times New Roman"}
    assert {p.style.font.size.pt for p in doc.paragraphs[:3]} <= {13.0, 14.0}
    assert any("đổi mật khẩu ngay ở lần đăng nhập đầu tiên" in t for t in texts)
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (297, 210)
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(m.mm) for m in margins] == [20, 20, 30, 15]
    assert doc.core_properties.content_status == "Dự thảo"
    assert doc.core_properties.author == "Sở Thông tin và Truyền thông tỉnh Bà Rịa - Vũng Tàu"


def test_the_issued_plan_names_its_number_date_and_the_annex_its_numeral(tmp_path: Path) -> None:
    path = brvt(
        tmp_path,
        replace=("  ke_hoach:\n", '  ke_hoach:\n    number: "83"\n    date: 28/10/2024\n'),
        extra="",
    )
    text = path.read_text(encoding="utf-8").replace(
        "  late_rule: exclude\n",
        "  late_rule: exclude\n  accounts:\n    sent_with: Phụ lục IV\n    staff: 2\n",
    )
    path.write_text(text, encoding="utf-8")
    doc = Document(io.BytesIO(account_list_docx(path, LINES)))
    texts = [p.text.replace("\n", " ") for p in doc.paragraphs]
    assert texts[0] == "Phụ lục IV"
    assert texts[2] == (
        "(Kèm theo Kế hoạch số 83/KH-STTTT ngày 28 tháng 10 năm 2024 của Sở Thông tin và Truyền thông)"
    )
    assert doc.core_properties.content_status == ""
    counts = account_counts(path)
    assert (counts.staff, counts.leader, counts.appraiser) == (2, 1, 1)


def test_annexes_issued_with_the_plan_push_the_account_list_to_the_next_numeral(tmp_path: Path) -> None:
    path = brvt(
        tmp_path, replace=("  late_rule: exclude\n", "  late_rule: exclude\n  annexes_with: ke_hoach\n")
    )
    doc = Document(io.BytesIO(account_list_docx(path, LINES)))
    assert doc.paragraphs[0].text == "Phụ lục IV"  # after the three tiers' Phụ lục I, II, III


def test_a_reissued_password_is_a_list_not_an_annex(tmp_path: Path) -> None:
    doc = Document(io.BytesIO(account_list_docx(brvt(tmp_path), LINES[:1], reissue=True)))
    texts = [p.text for p in doc.paragraphs]
    assert "Phụ lục" not in texts[0] and not any("Kèm theo" in t for t in texts)
    assert texts[1].startswith("DANH SÁCH TÀI KHOẢN ĐƯỢC CẤP LẠI MẬT KHẨU")
    assert len(doc.tables[0].rows) == 2


def test_the_workbook_has_a_bold_frozen_header_and_one_row_per_account(tmp_path: Path) -> None:
    wb = load_workbook(io.BytesIO(account_list_xlsx(brvt(tmp_path), LINES)))
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == (
        "STT",
        "Tên cơ quan, đơn vị",
        "Nhóm",
        "Loại tài khoản",
        "Tên đăng nhập",
        "Mật khẩu lần đầu",
    )
    assert rows[1:] == [(i, *vars(line).values()) for i, line in enumerate(LINES, 1)]
    assert all(c.font.bold for c in ws[1]) and not ws["B2"].font.bold
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:F5"
    assert ws.column_dimensions["B"].width >= 40 and ws.column_dimensions["F"].width >= 16
    assert ws["F2"].font.name == "Times New Roman"
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"
    assert wb.properties.title.startswith("Phụ lục: Danh sách tài khoản truy cập Hệ thống đánh giá")


def test_the_files_are_written_once_and_readable_by_the_service_alone(tmp_path: Path) -> None:
    path = brvt(tmp_path)
    out = tmp_path / "out"
    files = write_account_list(path, LINES, out)
    for f in (files.docx, files.xlsx):
        assert f.is_file() and f.stat().st_mode & 0o777 == 0o600
    with pytest.raises(OutputExistsError):
        write_account_list(path, LINES, out)
    assert sorted(p.name for p in out.iterdir()) == ["danh-sach-tai-khoan.docx", "danh-sach-tai-khoan.xlsx"]


def test_first_passwords_are_readable_and_random() -> None:
    seen = {readable_password() for _ in range(300)}
    assert len(seen) == 300
    for password in seen:
        assert re.fullmatch(r"[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}", password)
        chars = password.replace("-", "")
        assert set(chars) <= set(READABLE_ALPHABET)
        assert any(c.isupper() for c in chars) and any(c.islower() for c in chars)
        assert any(c.isdigit() for c in chars)
    assert not set(READABLE_ALPHABET) & set("0Oo1lIiSs5Zz2B8G6gqWMm")

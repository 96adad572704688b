"""Line breaking of titles and agency names, and the column widths of tables: as a careful typist sets them."""

from __future__ import annotations

import pytest

from letters.documents import layout as L
from letters.documents.postprocess import autofit_widths
from letters.documents.textmetrics import balanced_lines, text_width_pt, wrap_widths

HEADER_PT = (L.HEADER_LEFT_MM - 2 * L.CELL_MARGIN_MM) / L.MM_PER_PT
TEXT_PT = L.TEXT_WIDTH_MM / L.MM_PER_PT


@pytest.mark.parametrize(
    ("name", "bold", "lines"),
    [
        ("UBND TỈNH BÀ RỊA - VŨNG TÀU", False, ["UBND TỈNH BÀ RỊA - VŨNG TÀU"]),  # fits on one line
        ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG", True, ["SỞ THÔNG TIN", "VÀ TRUYỀN THÔNG"]),
        ("ỦY BAN NHÂN DÂN TỈNH BÀ RỊA - VŨNG TÀU", True, ["ỦY BAN NHÂN DÂN", "TỈNH BÀ RỊA - VŨNG TÀU"]),
        ("ỦY BAN NHÂN DÂN TỈNH BẮC GIANG", True, ["ỦY BAN NHÂN DÂN", "TỈNH BẮC GIANG"]),
        ("SỞ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN", True, ["SỞ NÔNG NGHIỆP", "VÀ PHÁT TRIỂN NÔNG THÔN"]),
    ],
)
def test_agency_names_break_between_phrases_never_inside_a_place(
    name: str, bold: bool, lines: list[str]
) -> None:
    assert balanced_lines(name, L.SIZE_AGENCY, HEADER_PT, bold=bold) == lines


def test_a_title_has_no_lone_last_word_and_keeps_its_blanks() -> None:
    title = "Thực hiện đánh giá, xếp loại mức độ chuyển đổi số của các cơ quan nhà nước trên địa bàn tỉnh Bắc Giang năm 2023"
    lines = balanced_lines(title, L.SIZE_TITLE, TEXT_PT, bold=True)
    assert len(lines) == 2 and " ".join(lines) == title
    assert all(len(x.split()) >= 3 for x in lines)
    widths = [text_width_pt(x, L.SIZE_TITLE, bold=True) for x in lines]
    assert min(widths) / max(widths) > 0.6  # even, not a full line and a stub
    note = "(Kèm theo Quyết định số      /QĐ-UBND ngày      tháng      năm 2023 của Chủ tịch Ủy ban nhân dân tỉnh Bắc Giang)"
    broken = balanced_lines(note, 14, TEXT_PT, italic=True)
    assert "ngày      tháng      năm 2023" in broken[0]  # a blank to fill in by hand is never split
    assert "".join(broken).replace(" ", "") == note.replace(" ", "")


def test_columns_fit_their_content() -> None:
    """Unit names and bands get the room they need; the one long remark does not become a ribbon either."""
    head = ["STT", "Tên cơ quan, đơn vị", "Tổng điểm", "Chỉ số", "Xếp hạng", "Xếp loại", "Ghi chú"]
    rows = [head] + [
        [str(i), name, "913,34", "0,9133", str(i), "Trung bình", ""]
        for i, name in enumerate(
            ["Sở Nông nghiệp và Phát triển nông thôn", "Sở Lao động - Thương binh và Xã hội", "Sở Y tế"] * 6,
            1,
        )
    ]
    rows[-1][-1] = (
        "Gửi kết quả ngày 27/10/2023, quá hạn nộp là chậm nhất ngày 24/10/2023; không được chấm điểm"
    )
    total = int(L.TEXT_WIDTH_MM / L.MM_PER_PT * 20)
    widths = autofit_widths(rows, len(head), total)
    assert abs(sum(widths) - total) <= len(head)
    mm = [w / 20 * L.MM_PER_PT for w in widths]
    longest_name = text_width_pt("Sở Nông nghiệp và Phát triển nông thôn", 12) * L.MM_PER_PT
    assert mm[1] > longest_name / 2 + 5  # a long name takes two lines at most, never three
    note_lines = wrap_widths(rows[-1][-1], 12, mm[-1] / L.MM_PER_PT - 4)
    assert len(note_lines) <= 4  # and the remark is no ribbon of one word a line

"""Content of the Sở's letter asking units to resubmit evidence, in the lead's paragraph markup.

Markup, one paragraph per line: `# I. X` heading 1, `## 1. X` heading 2, `- x` bullet, `+ x` sub-bullet,
`**bold**` and `*italic*` inline; other lines are body paragraphs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from signing.verify.model import INDICATION_VI, FileResult


def _as_result(item: FileResult | dict[str, Any]) -> FileResult:
    return item if isinstance(item, FileResult) else FileResult.from_dict(item)


def _plain(text: str) -> str:
    # Asterisks in file names would be read as emphasis markers.
    return " ".join(text.replace("*", "").split())


def _resubmit(res: FileResult) -> bool:
    # A file the Sở could not settle (no network, no CRL) is checked again by the Sở, not sent again.
    return not res.accepted and not res.recheck


def resubmission_units(results: Iterable[FileResult | dict[str, Any]]) -> list[str]:
    """Names of the units with at least one file that must be resubmitted, in first-seen order."""
    seen: dict[str, None] = {}
    for item in results:
        res = _as_result(item)
        if _resubmit(res):
            seen.setdefault(res.unit, None)
    return list(seen)


def flagged_files(results: Iterable[FileResult | dict[str, Any]]) -> list[dict[str, Any]]:
    """Accepted files with remarks (revocation not checked under soft-fail, unproven signing time), and files
    the Sở must check again: listed beside the letter so that none passes unnoticed."""
    out: list[dict[str, Any]] = []
    for item in results:
        res = _as_result(item)
        if res.accepted and res.caveats:
            out.append(
                {"unit": res.unit, "file": res.file, "status": "accepted_with_caveats", "notes": res.caveats}
            )
        elif res.recheck:
            out.append({"unit": res.unit, "file": res.file, "status": "recheck", "notes": [_reason(res)]})
    return out


def _by_unit(results: Sequence[FileResult]) -> dict[str, list[FileResult]]:
    grouped: dict[str, list[FileResult]] = {}
    for res in results:
        grouped.setdefault(res.unit, []).append(res)
    return grouped


def _file_name(res: FileResult) -> str:
    # The unit already heads the section; show the path below it.
    name = res.file
    for prefix in (res.unit + ".zip/", res.unit + ".ZIP/", res.unit + "/"):
        idx = name.find(prefix)
        if idx >= 0:
            return _plain(name[idx + len(prefix) :])
    return _plain(name)


def _reason(res: FileResult) -> str:
    text = res.message
    head = INDICATION_VI[res.indication] + ". "
    if text.startswith(head):
        text = text[len(head) :]
    return _plain(text)


def resubmission_body(results: Iterable[FileResult | dict[str, Any]], *, deadline_text: str | None) -> str:
    """The letter body (markup above) listing, unit by unit, the files to resubmit and why.

    `deadline_text` is the whole deadline phrase, e.g. "chậm nhất ngày 10/11/2023" (letters.core.vn.deadline_text).
    """
    items = [_as_result(r) for r in results]
    total = len(items)
    failed = [r for r in items if _resubmit(r)]
    recheck = [r for r in items if r.recheck]
    grouped = _by_unit(items)
    units_failed = resubmission_units(items)
    lines: list[str] = []
    lines.append("# I. KẾT QUẢ KIỂM TRA CHỮ KÝ SỐ TRÊN TÀI LIỆU KIỂM CHỨNG")
    lines.append(
        f"Sở đã kiểm tra chữ ký số của {total} tệp tài liệu kiểm chứng do {len(grouped)} cơ quan, đơn vị gửi về. "
        f"Kết quả: **{total - len(failed) - len(recheck)} tệp đạt yêu cầu**, **{len(failed)} tệp chưa đạt yêu "
        f"cầu** thuộc {len(units_failed)} cơ quan, đơn vị."
    )
    if recheck:
        lines.append(
            f"Có {len(recheck)} tệp chưa kết luận được do chưa lấy được thông tin thu hồi chứng thư số từ tổ chức "
            "chứng thực; Sở sẽ kiểm tra lại các tệp này, các cơ quan, đơn vị không phải nộp lại."
        )
    lines.append(
        "Việc kiểm tra được thực hiện tự động đối với từng tệp: tính toàn vẹn của nội dung đã ký, chứng thư số "
        "của người ký và tổ chức chứng thực cấp chứng thư, tình trạng thu hồi của chứng thư, thời điểm ký và các "
        "thay đổi (nếu có) sau khi ký."
    )
    if not failed:
        lines.append("Tất cả tài liệu kiểm chứng đều đạt yêu cầu; các cơ quan, đơn vị không phải nộp lại.")
        return "\n".join(lines)
    lines.append("# II. DANH SÁCH TÀI LIỆU KIỂM CHỨNG CẦN NỘP LẠI")
    for number, unit in enumerate(units_failed, start=1):
        unit_files = [r for r in grouped[unit] if _resubmit(r)]
        lines.append(f"## {number}. {_plain(unit)} ({len(unit_files)} tệp)")
        for res in unit_files:
            lines.append(f"- **{_file_name(res)}**: {_reason(res)}")
            if res.action:
                lines.append(f"+ Đề nghị: {_plain(res.action)}")
    lines.append("# III. ĐỀ NGHỊ")
    # The caller writes the whole phrase ("chậm nhất ngày 10/11/2023"): adding a preposition here doubled it.
    when = f"*{_plain(deadline_text)}*" if deadline_text else "trong thời gian sớm nhất"
    lines.append(
        f"Đề nghị các cơ quan, đơn vị có tên tại Mục II rà soát, ký số lại và gửi lại các tệp nêu trên {when}, "
        "bằng chữ ký số còn hiệu lực do tổ chức cung cấp dịch vụ chứng thực chữ ký số được công nhận cấp."
    )
    lines.append("- Ký số trên bản PDF cuối cùng; không chỉnh sửa, thêm trang, thêm chú thích sau khi ký.")
    lines.append("- Không gửi bản chụp (scan) không có chữ ký số, không đặt mật khẩu cho tệp.")
    lines.append("- Giữ nguyên tên tệp như đã nộp để thuận tiện đối chiếu.")
    return "\n".join(lines)

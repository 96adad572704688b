"""report.html: everything a unit sent is escaped, the page stands alone offline."""

from __future__ import annotations

import re
from pathlib import Path

from signing.verify.model import FileResult, SignatureReport, VerifyRun
from signing.verify.policy import Policy
from signing.verify.report import report_html, write_reports

HOSTILE = '<script>alert("x")</script>'


def _run() -> VerifyRun:
    sig = SignatureReport(
        "Signature1",
        "TOTAL_FAILED",
        "HASH_FAILURE",
        f"Bị sửa {HOSTILE}",
        signer=f"Nguyễn Văn A {HOSTILE}",
        claimed_time="2024-11-05T09:30:00+07:00",
        coverage="entire_file",
        modification="other",
        modification_detail="trang 2",
    )
    results = [
        FileResult("Sở A/a.pdf", "Sở A", "TOTAL_PASSED", None, "Hợp lệ.", True),
        FileResult(
            f"{HOSTILE}/b.pdf",
            HOSTILE,
            "TOTAL_FAILED",
            "HASH_FAILURE",
            "Không hợp lệ.",
            False,
            action="Nộp lại bản gốc & đã ký.",
            signatures=[sig],
        ),
    ]
    return VerifyRun(results=results, policy=Policy(name=f"Chính sách {HOSTILE}"), seconds=1.5)


def test_report_escapes_and_stands_alone() -> None:
    page = report_html(_run())
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "Nộp lại bản gốc &amp; đã ký." in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    # One summary row and one detail section per unit, linked by anchors; totals and timing in Vietnamese.
    assert page.count('href="#u0"') == 1 and 'id="u1"' in page
    assert "Tổng cộng" in page and "1,5 giây" in page
    assert "Thay đổi sau khi ký</td><td>sửa nội dung, trang hoặc cấu trúc tệp – trang 2" in page
    assert "05/11/2024" in page


def test_write_reports(tmp_path: Path) -> None:
    written = write_reports(_run(), tmp_path)
    assert sorted(p.name for p in written) == [
        "report.csv",
        "report.html",
        "report.json",
        "resubmission.json",
    ]
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == report_html(_run())

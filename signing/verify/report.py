"""Write a verification run's reports: JSON (machines), CSV (Excel), HTML (people), letter data."""

from __future__ import annotations

import csv
import html
import io
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from letters.core.files import atomic_write_bytes, atomic_write_text
from signing.verify.checks import vn_time
from signing.verify.letter_data import resubmission_body, resubmission_units
from signing.verify.model import COVERAGE_VI, INDICATION_VI, MODIFICATION_VI, FileResult, SignatureReport

if TYPE_CHECKING:
    from signing.verify.api import VerifyRun

CSV_COLUMNS = [
    "Đơn vị",
    "Tệp",
    "Kết quả",
    "Đạt yêu cầu",
    "Mã kết quả (ETSI)",
    "Mã chi tiết (ETSI)",
    "Lý do",
    "Đề nghị",
    "Người ký",
    "Tổ chức",
    "Tổ chức chứng thực cấp",
    "Số hiệu chứng thư",
    "Thời điểm ký (khai báo)",
    "Thời điểm ký (dấu thời gian)",
    "Phạm vi được ký",
    "Thay đổi sau khi ký",
    "Tình trạng thu hồi",
    "Nguồn thông tin thu hồi",
]


def report_json(results: list[FileResult]) -> str:
    return json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2)


_TIME_FIELDS = ("claimed_time", "timestamp_time")


def _join(sigs: list[SignatureReport], attr: str, table: dict[str, str] | None = None) -> str:
    values = []
    for s in sigs:
        value = getattr(s, attr)
        if value is None:
            value = ""
        elif attr in _TIME_FIELDS:
            value = vn_time(value)
        values.append(table.get(value, value) if table else str(value))
    return " | ".join(values) if any(values) else ""


def report_csv(results: list[FileResult]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in results:
        sigs = r.signatures
        writer.writerow(
            [
                r.unit,
                r.file,
                INDICATION_VI[r.indication],
                "Có" if r.accepted else "Không",
                r.indication,
                r.sub_indication or "",
                r.message,
                r.action or "",
                _join(sigs, "signer"),
                _join(sigs, "organisation"),
                _join(sigs, "issuer"),
                _join(sigs, "serial"),
                _join(sigs, "claimed_time"),
                _join(sigs, "timestamp_time"),
                _join(sigs, "coverage", COVERAGE_VI),
                _join(sigs, "modification", MODIFICATION_VI),
                _join(sigs, "revocation_status"),
                _join(sigs, "revocation_source"),
            ]
        )
    # The BOM makes Excel open the file as UTF-8 instead of the Windows code page.
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


_COLOURS = {
    "TOTAL_PASSED": ("#e6f4ea", "#137333"),
    "TOTAL_FAILED": ("#fce8e6", "#a50e0e"),
    "INDETERMINATE": ("#fef7e0", "#8a5a00"),
    "NO_SIGNATURE": ("#eceff1", "#37474f"),
}

_CSS = """
body{font-family:"Times New Roman",Liberation Serif,serif;margin:2em;color:#202124;max-width:1200px}
h1{font-size:1.5em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;margin:.6em 0}th,td{border:1px solid #c8c8c8;padding:.35em .5em;
vertical-align:top;text-align:left}th{background:#f1f3f4}.num{text-align:right}
.badge{display:inline-block;padding:.1em .5em;border-radius:.6em;font-weight:bold;white-space:nowrap}
details{margin:.2em 0}summary{cursor:pointer;color:#1a73e8}.sig td:first-child{width:14em;color:#555}
.ok{color:#137333;font-weight:bold}.bad{color:#a50e0e;font-weight:bold}.small{font-size:.9em;color:#555}
"""


def _vn_num(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _badge(indication: str) -> str:
    bg, fg = _COLOURS[indication]
    return f'<span class="badge" style="background:{bg};color:{fg}">{html.escape(INDICATION_VI[indication])}</span>'


def _sig_table(sig: SignatureReport) -> str:
    e = html.escape
    rows = [
        ("Trường chữ ký", sig.field_name),
        ("Loại", "Dấu thời gian tài liệu" if sig.kind == "timestamp" else "Chữ ký số"),
        (
            "Kết quả",
            f"{INDICATION_VI[sig.indication]}" + (f" ({sig.sub_indication})" if sig.sub_indication else ""),
        ),
        ("Người ký", sig.signer),
        ("Tổ chức", sig.organisation),
        ("Tổ chức chứng thực cấp", sig.issuer),
        ("Số hiệu chứng thư", sig.serial),
        ("Thời điểm ký (khai báo)", vn_time(sig.claimed_time) if sig.claimed_time else None),
        ("Thời điểm ký (dấu thời gian)", vn_time(sig.timestamp_time) if sig.timestamp_time else None),
        ("Thuật toán băm", sig.digest_algorithm),
        ("Phạm vi được ký", COVERAGE_VI.get(sig.coverage, sig.coverage)),
        (
            "Thay đổi sau khi ký",
            MODIFICATION_VI.get(sig.modification, sig.modification)
            + (f" – {sig.modification_detail}" if sig.modification_detail else ""),
        ),
        ("Tình trạng thu hồi", sig.revocation_status),
        ("Nguồn thông tin thu hồi", sig.revocation_source),
        ("Định dạng (SubFilter)", sig.sub_filter),
        ("Nhận xét", sig.message),
    ]
    body = "".join(f"<tr><td>{e(k)}</td><td>{e(str(v))}</td></tr>" for k, v in rows if v)
    return f'<table class="sig">{body}</table>'


def report_html(run: VerifyRun) -> str:
    e = html.escape
    results = run.results
    by_unit: dict[str, list[FileResult]] = {}
    for r in results:
        by_unit.setdefault(r.unit, []).append(r)
    total = Counter(r.indication for r in results)
    accepted = sum(r.accepted for r in results)
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="vi"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Kết quả kiểm tra chữ ký số tài liệu kiểm chứng</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Kết quả kiểm tra chữ ký số tài liệu kiểm chứng</h1>",
        f"<p>Chính sách áp dụng: <b>{e(run.policy.name)}</b>. Tổng số tệp: <b>{len(results)}</b>; "
        f'đạt yêu cầu: <span class="ok">{accepted}</span>; cần nộp lại: '
        f'<span class="bad">{len(results) - accepted}</span>. Thời gian kiểm tra: {_vn_num(run.seconds)} giây.</p>',
    ]
    for w in run.warnings:
        out.append(f'<p class="bad">Lưu ý: {e(w)}</p>')
    out.append("<h2>Tổng hợp theo đơn vị</h2><table><tr><th>Đơn vị</th><th>Số tệp</th>")
    kinds = ["TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE", "NO_SIGNATURE"]
    out.extend(f"<th>{_badge(k)}</th>" for k in kinds)
    out.append("<th>Đạt yêu cầu</th><th>Cần nộp lại</th></tr>")
    for unit, items in by_unit.items():
        c = Counter(r.indication for r in items)
        ok = sum(r.accepted for r in items)
        bg = _COLOURS["TOTAL_PASSED" if ok == len(items) else "TOTAL_FAILED"][0]
        anchor = f"u{list(by_unit).index(unit)}"
        out.append(
            f'<tr style="background:{bg}"><td><a href="#{anchor}">{e(unit)}</a></td>'
            f'<td class="num">{len(items)}</td>'
        )
        out.extend(f'<td class="num">{c.get(k, 0)}</td>' for k in kinds)
        out.append(f'<td class="num">{ok}</td><td class="num">{len(items) - ok}</td></tr>')
    out.append(f'<tr><th>Tổng cộng</th><th class="num">{len(results)}</th>')
    out.extend(f'<th class="num">{total.get(k, 0)}</th>' for k in kinds)
    out.append(f'<th class="num">{accepted}</th><th class="num">{len(results) - accepted}</th></tr></table>')
    out.append("<h2>Chi tiết từng tệp</h2>")
    for n, (unit, items) in enumerate(by_unit.items()):
        out.append(
            f'<h3 id="u{n}">{e(unit)}</h3><table><tr><th>Tệp</th><th>Kết quả</th><th>Lý do</th>'
            "<th>Đề nghị</th></tr>"
        )
        for r in items:
            sigs = "".join(
                f"<details><summary>Chữ ký «{e(s.field_name)}»{' – ' + e(s.signer) if s.signer else ''}</summary>"
                f"{_sig_table(s)}</details>"
                for s in r.signatures
            )
            out.append(
                f"<tr><td>{e(r.file)}</td><td>{_badge(r.indication)}"
                + (f'<div class="small">{e(r.sub_indication)}</div>' if r.sub_indication else "")
                + f"</td><td>{e(r.message)}{sigs}</td><td>{e(r.action or '')}</td></tr>"
            )
        out.append("</table>")
    out.append(
        '<p class="small">Mã kết quả theo ETSI EN 319 102-1: TOTAL_PASSED (hợp lệ), TOTAL_FAILED (không '
        "hợp lệ), INDETERMINATE (chưa xác định được); NO_SIGNATURE: tệp không có chữ ký số. "
        "Báo cáo do vanban tạo.</p></body></html>"
    )
    return "\n".join(out)


def write_reports(run: VerifyRun, out_dir: Path, *, force: bool = False) -> list[Path]:
    out_dir = Path(out_dir)
    results = run.results
    letter = {"units": resubmission_units(results), "body": resubmission_body(results, deadline_text=None)}
    return [
        atomic_write_text(out_dir / "report.json", report_json(results), force=force),
        atomic_write_bytes(out_dir / "report.csv", report_csv(results), force=force),
        atomic_write_text(out_dir / "report.html", report_html(run), force=force),
        atomic_write_text(
            out_dir / "resubmission.json", json.dumps(letter, ensure_ascii=False, indent=2), force=force
        ),
    ]

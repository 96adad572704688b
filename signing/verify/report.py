"""Write a verification run's reports: JSON (machines), CSV (Excel), HTML (people), letter data.

The HTML page is rendered from templates/report.html (package data), escaped by Jinja's autoescape.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from letters.core.files import atomic_write_bytes, atomic_write_text
from letters.core.vn import number, time_text
from signing.verify.letter_data import flagged_files, resubmission_body, resubmission_units
from signing.verify.model import (
    COVERAGE_VI,
    INDICATION_VI,
    MODIFICATION_VI,
    PASSED_WITH_CAVEATS_VI,
    FileResult,
    SignatureReport,
    VerifyRun,
)

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
    "Lưu ý",
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
            value = time_text(value)
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
                r.indication_vi,
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
                " ".join(r.caveats),
            ]
        )
    # The BOM makes Excel open the file as UTF-8 instead of the Windows code page.
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8", "backslashreplace")


# A pass with caveats (soft-fail revocation, unproven signing time) is a kind of its own in every report.
FLAGGED = "TOTAL_PASSED_FLAGGED"
# Background and text colour of each verdict's badge; rows of the summary take the background.
VERDICT_COLOURS = {
    "TOTAL_PASSED": ("#e6f4ea", "#137333"),
    # Accepted with remarks (soft-fail revocation, unproven signing time): amber, never plain green.
    FLAGGED: ("#fef7e0", "#8a5a00"),
    "TOTAL_FAILED": ("#fce8e6", "#a50e0e"),
    "INDETERMINATE": ("#fef7e0", "#8a5a00"),
    "NO_SIGNATURE": ("#eceff1", "#37474f"),
}


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("signing.verify", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def signature_rows(sig: SignatureReport) -> list[tuple[str, str]]:
    """A signature's details as report.html shows them: (label, value) in Vietnamese, empty ones left out."""
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
        ("Thời điểm ký (khai báo)", time_text(sig.claimed_time) if sig.claimed_time else None),
        ("Thời điểm ký (dấu thời gian)", time_text(sig.timestamp_time) if sig.timestamp_time else None),
        ("Thuật toán băm", sig.digest_algorithm),
        ("Phạm vi được ký", COVERAGE_VI.get(sig.coverage, sig.coverage)),
        (
            "Thay đổi sau khi ký",
            MODIFICATION_VI.get(sig.modification, sig.modification)
            + (f" – {sig.modification_detail}" if sig.modification_detail else ""),
        ),
        ("Tình trạng thu hồi", sig.revocation_status),
        ("Nguồn thông tin thu hồi", sig.revocation_source),
        ("Lưu ý", " ".join(sig.caveats)),
        ("Định dạng (SubFilter)", sig.sub_filter),
        ("Nhận xét", sig.message),
    ]
    return [(label, str(value)) for label, value in rows if value]


def verdict_kind(result: FileResult) -> str:
    """The code of `result`'s kind in VERDICT_COLOURS: a pass with caveats is FLAGGED."""
    return FLAGGED if result.indication == "TOTAL_PASSED" and result.caveats else result.indication


def _counts(results: list[FileResult]) -> dict[str, int]:
    found = Counter(verdict_kind(r) for r in results)
    return {code: found.get(code, 0) for code in VERDICT_COLOURS}


def _html_context(run: VerifyRun) -> dict[str, Any]:
    """What templates/report.html shows; plain values only, so the template holds no logic beyond loops."""
    results = run.results
    by_unit: dict[str, list[FileResult]] = {}
    for r in results:
        by_unit.setdefault(r.unit, []).append(r)
    units = []
    for n, (name, items) in enumerate(by_unit.items()):
        ok = sum(r.accepted for r in items)
        shade = (
            "TOTAL_FAILED"
            if ok < len(items)
            else FLAGGED
            if any(r.caveats for r in items)
            else "TOTAL_PASSED"
        )
        units.append(
            {
                "name": name,
                "anchor": f"u{n}",
                "background": VERDICT_COLOURS[shade][0],
                "counts": _counts(items),
                "accepted": ok,
                "rejected": len(items) - ok,
                "files": [
                    {
                        "file": r.file,
                        "indication": r.indication,
                        "badge": verdict_kind(r),
                        "sub_indication": r.sub_indication,
                        "message": r.message,
                        "action": r.action,
                        "signatures": [
                            {"field_name": s.field_name, "signer": s.signer, "rows": signature_rows(s)}
                            for s in r.signatures
                        ],
                    }
                    for r in items
                ],
            }
        )
    accepted = sum(r.accepted for r in results)
    return {
        "policy": run.policy.name,
        "seconds": number(run.seconds, 1),
        "warnings": run.warnings,
        "kinds": {
            code: {
                "label": PASSED_WITH_CAVEATS_VI if code == FLAGGED else INDICATION_VI[code],
                "background": bg,
                "colour": fg,
            }
            for code, (bg, fg) in VERDICT_COLOURS.items()
        },
        "units": units,
        "total": {
            "files": len(results),
            "counts": _counts(results),
            "accepted": accepted,
            "rejected": len(results) - accepted,
        },
    }


def report_html(run: VerifyRun) -> str:
    return _environment().get_template("report.html").render(_html_context(run))


def _encodable(text: str) -> str:
    # A stray undecodable byte (a surrogate) in any message must not cost the whole run its reports.
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def write_reports(run: VerifyRun, out_dir: Path, *, force: bool = False) -> list[Path]:
    out_dir = Path(out_dir)
    results = run.results
    letter = {
        "units": resubmission_units(results),
        "body": resubmission_body(results, deadline_text=None),
        "flagged": flagged_files(results),
    }
    return [
        atomic_write_text(out_dir / "report.json", _encodable(report_json(results)), force=force),
        atomic_write_bytes(out_dir / "report.csv", report_csv(results), force=force),
        atomic_write_text(out_dir / "report.html", _encodable(report_html(run)), force=force),
        atomic_write_text(
            out_dir / "resubmission.json",
            _encodable(json.dumps(letter, ensure_ascii=False, indent=2)),
            force=force,
        ),
    ]

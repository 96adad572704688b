"""`vanban verify` end to end: exit codes, the four report files, the letter body, the demo evidence."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

from click.testing import CliRunner

from letters.cli.main import cli
from signing.demo import attacks
from signing.demo.sample import build_sample_evidence, sample_policy_path
from signing.verify.api import verify_evidence
from signing.verify.letter_data import resubmission_body, resubmission_units
from signing.verify.model import FileResult
from tests.test_verify_fixtures import Samples

pytest_plugins = ("tests.pki_fixtures", "tests.test_verify_fixtures")


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_exit_codes(samples: Samples, tmp_path: Path) -> None:
    good = tmp_path / "tot" / "Sở A"
    good.mkdir(parents=True)
    (good / "a.pdf").write_bytes(samples.signed)
    root = str(samples.pki.root_path)
    store = str(tmp_path / "kho_rong")
    code, out = _invoke(
        "verify",
        str(good.parent),
        "--out",
        str(tmp_path / "o1"),
        "--trust",
        root,
        "--trust-store",
        store,
        "--jobs",
        "1",
    )
    assert code == 0, out
    assert "1 tệp đạt yêu cầu, 0 tệp cần nộp lại" in out
    (good / "b.pdf").write_bytes(attacks.change_content(samples.signed))
    code, out = _invoke(
        "verify", str(good.parent), "--out", str(tmp_path / "o2"), "--trust", root, "--trust-store", store
    )
    assert code == 1 and "1 tệp cần nộp lại" in out
    # Wrong usage: no paths, bad --jobs, missing --out.
    assert _invoke("verify", "--out", str(tmp_path / "o3"))[0] == 2
    assert _invoke("verify", str(good), "--out", str(tmp_path / "o3"), "--jobs", "0")[0] == 2
    assert _invoke("verify", str(good))[0] == 2
    # A missing input or a bad policy is a user error (1) with a Vietnamese message, no traceback.
    code, out = _invoke("verify", str(tmp_path / "khong_co"), "--out", str(tmp_path / "o4"))
    assert code == 1 and "Không tìm thấy" in out and "Traceback" not in out
    bad_policy = tmp_path / "cs.yaml"
    bad_policy.write_text("sha1: co\n", encoding="utf-8")
    code, out = _invoke("verify", str(good), "--out", str(tmp_path / "o5"), "--policy", str(bad_policy))
    assert code == 1 and "cs.yaml:1" in out and "sha1" in out
    # Reports are never overwritten silently.
    code, out = _invoke(
        "verify", str(good.parent), "--out", str(tmp_path / "o2"), "--trust", root, "--trust-store", store
    )
    assert code == 1 and "--force" in out
    code, _ = _invoke(
        "verify",
        str(good.parent),
        "--out",
        str(tmp_path / "o2"),
        "--trust",
        root,
        "--trust-store",
        store,
        "--force",
    )
    assert code == 1


def test_sample_evidence_reports(samples: Samples, tmp_path: Path) -> None:
    evidence = build_sample_evidence(tmp_path / "kiem_tra", samples.pki)
    out = tmp_path / "ket_qua"
    run = verify_evidence([evidence], policy=sample_policy_path(evidence), out_dir=out, jobs=2)
    verdicts = {r.file.split("/", 1)[1]: (r.indication, r.sub_indication) for r in run.results}
    assert verdicts == {
        "Sở Giáo dục và Đào tạo/01_bao_cao_tu_danh_gia.pdf": ("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND"),
        "Sở Giáo dục và Đào tạo/02_bien_ban_hop.pdf": ("TOTAL_PASSED", None),
        "Sở Y tế/01_bao_cao_tu_danh_gia.pdf": ("TOTAL_FAILED", "FORMAT_FAILURE"),
        "Sở Y tế/02_ke_hoach.pdf": ("TOTAL_FAILED", "REVOKED"),
        "Sở Y tế/03_bien_ban_hop.pdf": ("TOTAL_PASSED", None),
        "UBND huyện Lục Nam.zip/minh_chung/01_bao_cao.pdf": ("TOTAL_PASSED", None),
        "UBND huyện Lục Nam.zip/minh_chung/02_ke_hoach_da_sua.pdf": ("TOTAL_FAILED", "FORMAT_FAILURE"),
        "UBND huyện Yên Thế/01_bao_cao_tu_danh_gia.pdf": ("TOTAL_PASSED", None),
        "UBND huyện Yên Thế/02_bien_ban_hop.pdf": ("TOTAL_PASSED", None),
        "UBND huyện Yên Thế/03_anh_chup_quyet_dinh.pdf": ("NO_SIGNATURE", None),
    }
    assert run.exit_code == 1
    assert sorted(p.name for p in run.written) == [
        "report.csv",
        "report.html",
        "report.json",
        "resubmission.json",
    ]

    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert isinstance(data, list) and len(data) == 10
    for item in data:
        assert {"file", "unit", "indication", "sub_indication", "message", "signatures"} <= set(item)
        assert item["message"]
    revoked = next(i for i in data if i["file"].endswith("02_ke_hoach.pdf"))
    assert revoked["signatures"][0]["signer"] == "Trần Văn Thu Hồi"

    raw = (out / "report.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"))))
    assert len(rows) == 10 and rows[0]["Đơn vị"] and "Kết quả" in rows[0]
    assert {r["Kết quả"] for r in rows} == {
        "Hợp lệ",
        "Không hợp lệ",
        "Chưa xác định được",
        "Không có chữ ký số",
    }

    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "report must not load external assets"
    assert "<script" not in page and "@import" not in page
    for unit in ("UBND huyện Yên Thế", "Sở Y tế", "Sở Giáo dục và Đào tạo", "UBND huyện Lục Nam"):
        assert unit in page
    assert "Tổng hợp theo đơn vị" in page and "Trần Văn Thu Hồi" in page

    letter = json.loads((out / "resubmission.json").read_text(encoding="utf-8"))
    assert set(letter["units"]) == {
        "UBND huyện Yên Thế",
        "Sở Y tế",
        "Sở Giáo dục và Đào tạo",
        "UBND huyện Lục Nam",
    }
    assert "- **minh_chung/02_ke_hoach_da_sua.pdf**:" in letter["body"]
    assert "- **02_ke_hoach.pdf**: Chữ ký «Signature1» của Trần Văn Thu Hồi" in letter["body"]


def test_letter_markup() -> None:
    def res(unit: str, file: str, ok: bool, msg: str) -> FileResult:
        return FileResult(
            file=file,
            unit=unit,
            indication="TOTAL_PASSED" if ok else "TOTAL_FAILED",
            sub_indication=None if ok else "HASH_FAILURE",
            message=msg,
            accepted=ok,
            action=None if ok else "Nộp lại bản PDF gốc đã ký số.",
        )

    results = [
        res("Sở A", "ev/Sở A/a.pdf", True, "Hợp lệ."),
        res("Sở B", "ev/Sở B/b*.pdf", False, "Không hợp lệ. Nội dung đã bị sửa."),
        res("Sở B", "ev/Sở B/c.pdf", False, "Không hợp lệ. Chữ ký sai."),
    ]
    assert resubmission_units(results) == ["Sở B"]
    assert resubmission_units([r.to_dict() for r in results]) == ["Sở B"]
    body = resubmission_body(results, deadline_text="trước 17 giờ 00 ngày 30/11/2026")
    lines = body.splitlines()
    assert lines[0].startswith("# I. ")
    assert "## 1. Sở B (2 tệp)" in lines
    assert "- **b.pdf**: Nội dung đã bị sửa." in lines
    assert "+ Đề nghị: Nộp lại bản PDF gốc đã ký số." in lines
    assert any(line.startswith("# III.") for line in lines)
    assert "các tệp nêu trên *trước 17 giờ 00 ngày 30/11/2026*," in body and "trước trước" not in body
    assert "**2 tệp chưa đạt yêu cầu**" in body
    assert all(line.strip() == line and line for line in lines)
    all_ok = resubmission_body(results[:1], deadline_text=None)
    assert "không phải nộp lại" in all_ok and "# II." not in all_ok


def test_trust_store_import_then_verify(samples: Samples, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import hashes

    store = tmp_path / "kho"
    fp = samples.pki.root_cert.fingerprint(hashes.SHA256()).hex()
    refused = _invoke("trust", "import", str(samples.pki.root_path), "--store", str(store))
    assert refused[0] == 1 and "Từ chối" in refused[1]
    code, out = _invoke("trust", "import", str(samples.pki.root_path), "--store", str(store), "--sha256", fp)
    assert code == 0, out
    unit = tmp_path / "ev" / "Sở A"
    unit.mkdir(parents=True)
    (unit / "a.pdf").write_bytes(samples.signed_bb)
    code, out = _invoke("verify", str(unit.parent), "--out", str(tmp_path / "o"), "--trust-store", str(store))
    assert code == 0, out


def test_one_file_verify_loads_only_the_checker(samples: Samples, tmp_path: Path) -> None:
    """A one-file `vanban verify` (issue 11: under 0.6 s) loads neither Jinja, PDFium (only for overlap checks
    after signing), the document stack nor a second TLS context, and leaves the collector on."""
    import subprocess
    import sys

    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(samples.signed_bb)
    made = tmp_path / "tls-contexts.txt"  # appended to by the checking worker too (a forked process)
    code = (
        "import gc, json, ssl, sys\n"
        "make = ssl.create_default_context\n"
        "def logged(*a, **k):\n"
        f"    with open({str(made)!r}, 'a') as fh:\n"
        "        fh.write(f\"{k.get('cafile')}\\n\")\n"
        "    return make(*a, **k)\n"
        "ssl.create_default_context = logged\n"
        "from letters.cli.main import main\n"
        "sys.argv = sys.argv[1:]\n"
        "try:\n    main()\n"
        "except SystemExit as exc:\n"
        "    print(json.dumps([exc.code, sorted(sys.modules), gc.isenabled()]))\n"
    )
    args = ["verify", str(pdf), "--out", str(tmp_path / "o"), "-q", "--trust", str(samples.pki.root_path)]
    done = subprocess.run(
        [sys.executable, "-c", code, "vanban", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(tmp_path / "home")},
    )
    exit_code, modules, gc_on = json.loads(done.stdout.splitlines()[-1])
    assert exit_code == 0, done.stdout + done.stderr[-2000:]
    loaded = {m.split(".")[0] for m in modules}
    # jinja2 is loaded: report.html is rendered from its template on every run.
    assert not loaded & {"pypdfium2", "docxtpl", "openpyxl", "PIL"}, sorted(loaded)
    assert not any(m.startswith(("letters.campaign", "letters.documents", "web")) for m in modules)
    # aiohttp's own context, made when it is imported; none loaded from certifi's bundle for the fetchers.
    assert made.read_text(encoding="utf-8").splitlines() == ["None"]
    assert gc_on

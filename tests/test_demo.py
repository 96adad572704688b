"""`vanban demo` as a user runs it: a separate process in a copy of the checkout, with its default output
folder (outputs/, relative to the working directory), real LibreOffice, SoftHSM2 token and local PKI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature

from signing.demo.pki import create_demo_pki, make_nss_db
from signing.demo.services import serve_pki
from tests.conftest import copy_checkout
from tests.pki_helpers import run_pdfsig

pytestmark = [pytest.mark.soffice, pytest.mark.hsm]


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # No --out: every path the demo writes (policy files included) must hold relative to the working folder.
    checkout = copy_checkout(tmp_path_factory.mktemp("checkout"))
    env = {k: v for k, v in os.environ.items() if k != "SOFTHSM2_CONF"}
    proc = subprocess.run(
        # `-m` from the copy runs the copy's own code (the working folder comes first on sys.path).
        [sys.executable, "-m", "letters.cli.main", "demo"],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=checkout,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    out = checkout / "outputs"
    assert f"kết quả ghi vào {out.resolve()}" in proc.stdout
    return out


def test_demo_ends_with_issued_pdfs_valid_in_both_verifiers(demo_out: Path) -> None:
    signed = demo_out / "ky-so" / "bacgiang-2023"
    issued = signed / "2023-ke-hoach.ban-hanh.pdf"
    attachments = sorted(signed.glob("*bieu*.ban-hanh.pdf")) + sorted(signed.glob("*phu-luc*.ban-hanh.pdf"))
    assert issued.is_file() and len(attachments) == 4
    pki = create_demo_pki(demo_out / "pki-mau")
    nss = make_nss_db(demo_out / "nss", [pki.root_cert])
    with serve_pki(pki):
        report = run_pdfsig(issued, nss)
        assert report.count("Signature is Valid.") == 2, report
        assert report.count("Certificate is Trusted.") == 2, report
        assert report.strip().split("Signature #2")[1].count("Total document signed") == 1
        for att in attachments:
            att_report = run_pdfsig(att, nss)
            assert "Signature is Valid." in att_report and "Total document signed" in att_report
        with issued.open("rb") as f:
            reader = PdfFileReader(f)
            vc = pki.validation_context(allow_fetching=True)
            statuses = [validate_pdf_signature(s, vc) for s in reader.embedded_signatures]
    assert [s.bottom_line for s in statuses] == [True, True]
    assert statuses[0].modification_level <= ModificationLevel.FORM_FILLING
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(issued), "-"], capture_output=True, text=True
    ).stdout
    # The filled fields are separate text objects; extraction may put spaces around them.
    flat = "".join(text.split())
    assert "01/KH-STTTT" in flat and "ngày03tháng10năm2023" in flat


def test_demo_writes_every_part(demo_out: Path) -> None:
    for name in ("bacgiang-2023", "brvt-2024", "gialai-2023", "phutho-2026"):
        assert list((demo_out / name).glob("*.pdf")) and list((demo_out / name / "phu-luc").glob("*.xlsx"))
    for name in ("bacgiang-2023", "phutho-2026"):
        results = demo_out / "ket-qua" / name
        assert list(results.glob("*quyet-dinh*.pdf")) and list(results.glob("*to-trinh*.pdf"))
    reports = demo_out / "kiem-tra" / "bao-cao"
    for name in ("report.json", "report.csv", "report.html", "cong-van-de-nghi-nop-lai-tai-lieu.docx"):
        assert (reports / name).is_file(), name

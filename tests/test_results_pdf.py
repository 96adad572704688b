"""`vanban results --pdf`: a PDF beside every document, written with them or not at all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from letters.cli.main import cli

pytestmark = pytest.mark.soffice


def _small_campaign(example_copy: Path, keep: int = 3) -> Path:
    """The Bắc Giang example with `keep` units per tier: enough for every document, quick to convert."""
    path = example_copy / "bacgiang-2023.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    out: list[str] = []
    in_units = False
    kept = 0
    for line in lines:
        if line == "    units:\n":
            in_units, kept = True, 0
        elif in_units and not line.startswith("      - "):
            in_units = False
        elif in_units:
            kept += 1
            if kept > keep:
                continue
        out.append(line)
    path.write_text("".join(out), encoding="utf-8")
    return path


def test_results_pdf_writes_a_pdf_beside_every_document(example_copy: Path, tmp_path: Path) -> None:
    campaign = _small_campaign(example_copy)
    runner = CliRunner()
    scores = tmp_path / "diem"
    made = runner.invoke(cli, ["example-scores", str(campaign), "--out", str(scores), "--no-forms"])
    assert made.exit_code == 0, made.output
    csv = next(scores.glob("*.csv"))
    out = tmp_path / "ket-qua"
    result = runner.invoke(cli, ["results", str(campaign), str(csv), "--out", str(out), "--pdf"])
    assert result.exit_code == 0, result.output
    docx = sorted(out.rglob("*.docx"))
    pdfs = sorted(out.rglob("*.pdf"))
    assert docx and [p.with_suffix(".docx") for p in pdfs] == docx
    assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    assert re.search(rf"Đã tạo {len(pdfs)} bản PDF", result.output), result.output
    # Again without --force: refused before any conversion, nothing changed.
    before = {p: p.stat().st_mtime_ns for p in pdfs}
    again = runner.invoke(cli, ["results", str(campaign), str(csv), "--out", str(out), "--pdf"])
    assert again.exit_code == 1 and "--force" in again.output
    assert {p: p.stat().st_mtime_ns for p in pdfs} == before


def test_results_help_documents_the_score_inputs() -> None:
    text = CliRunner().invoke(cli, ["results", "--help"]).output
    for column in ("don_vi", "ma_chi_so", "diem", "giai_trinh", "ngay_nop", "da_tham_dinh", "tiep_nhan.csv"):
        assert column in text, column
    assert "--pdf" in text

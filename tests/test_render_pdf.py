"""`vanban render --pdf`: real LibreOffice, Vietnamese text intact, fonts embedded."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from letters.cli.main import cli

pytestmark = pytest.mark.soffice


def test_render_pdf_keeps_every_diacritic(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["render", "examples/gialai-2023.yaml", "--out", str(tmp_path), "--kind", "cong-van", "--pdf"]
    )
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "2023-cong-van-huong-dan-2138.pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for phrase in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Gia Lai, ngày 06 tháng 12 năm 2023",
        "Số: 2138/STTTT-CNTT",
        "KT. GIÁM ĐỐC",
        "Lê Thị Thu Hương",
        "Ủy ban nhân dân các xã, phường, thị trấn",
        "Sở Tư pháp đã gửi kết quả tự đánh giá",
    ):
        assert phrase in " ".join(text.split()) or phrase in text, phrase
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all(" yes " in line for line in rows)  # every font embedded
    # Page 1 carries no page number; page 2, if any, shows "2" in the top margin.
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(next(line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:")))
    if count > 1:
        top = subprocess.run(
            ["pdftotext", "-f", "2", "-l", "2", "-y", "0", "-H", "60", "-W", "600", "-x", "0", str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert top.strip() == "2"

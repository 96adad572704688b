"""DOCX/XLSX -> PDF through real headless LibreOffice workers."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from letters.core.errors import OutputExistsError, ToolMissingError, VanbanError
from letters.pdf.convert import PdfConverter, convert_to_pdf, recalculate_xlsx, shared_converter

pytestmark = pytest.mark.soffice

VIETNAMESE_LINES = [
    "ỦY BAN NHÂN DÂN TỈNH BẮC GIANG",
    "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Cộng hòa xã hội chủ nghĩa Việt Nam",
    "Độc lập - Tự do - Hạnh phúc",
    "Bắc Giang, ngày 06 tháng 12 năm 2023",
    "Quyết định số 123/QĐ-STTTT ngày 06 tháng 12 năm 2023 về việc công bố kết quả đánh giá chỉ số "
    "chuyển đổi số (DTI) năm 2023 của các cơ quan, đơn vị",
    "Nơi nhận: Như Điều 3; Lưu: VT, CĐS. Người ký: Phó Giám đốc Nguyễn Gia Phong",
    "ắằẳẵặấầẩẫậếềểễệốồổỗộớờởỡợứừửữựýỳỷỹỵđ ẮẰẲẴẶẤẦẨẪẬẾỀỂỄỆỐỒỔỖỘỚỜỞỠỢỨỪỬỮỰÝỲỶỸỴĐ",
]


def make_docx(path: Path, lines: list[str] = VIETNAMESE_LINES) -> Path:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    fonts = style.element.rPr.rFonts
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), "Times New Roman")
    for line in lines:
        doc.add_paragraph(line)
    doc.save(str(path))
    return path


def pdftotext(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def our_processes(conv: PdfConverter) -> tuple[list[int], list[Path]]:
    return conv.process_groups(), conv.profile_dirs()


def leftover_processes(groups: list[int], profiles: list[Path]) -> list[str]:
    """Live processes still in the workers' process groups or using their LibreOffice profiles."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text(errors="replace")
            cmdline = (
                Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            )
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if fields[0] == "Z":
            continue
        if int(fields[2]) in groups or any(str(p) in cmdline for p in profiles):
            found.append(f"{entry}: {cmdline}")
    return found


@pytest.fixture(scope="module")
def converter() -> Iterator[PdfConverter]:
    with PdfConverter(workers=2, timeout=60) as conv:
        yield conv


def test_vietnamese_text_survives_and_fonts_are_embedded(converter: PdfConverter, tmp_path: Path) -> None:
    src = make_docx(tmp_path / "quyet-dinh.docx")
    pdf = converter.convert(src, tmp_path / "quyet-dinh.pdf")
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = pdftotext(pdf)
    flat = re.sub(r"\s+", " ", text)
    for line in VIETNAMESE_LINES:
        assert line in flat, line
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows, fonts
    for row in rows:
        assert re.search(r"\s(yes)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", row), f"font not embedded: {row}"
    # Times New Roman is not installed here, so LibreOffice must substitute its metric clone.
    assert "LiberationSerif" in fonts or "TimesNewRoman" in fonts.replace(" ", "")


def test_pdfa_2b_metadata(converter: PdfConverter, tmp_path: Path) -> None:
    src = make_docx(tmp_path / "ke-hoach.docx")
    pdfa = converter.convert(src, tmp_path / "ke-hoach-a.pdf", pdfa=True)
    plain = converter.convert(src, tmp_path / "ke-hoach.pdf")
    meta = subprocess.run(["pdfinfo", "-meta", str(pdfa)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"pdfaid:part[>=\"']+2", meta), meta
    assert re.search(r"pdfaid:conformance[>=\"']+B", meta), meta
    plain_meta = subprocess.run(["pdfinfo", "-meta", str(plain)], capture_output=True, text=True).stdout
    assert "pdfaid:part" not in plain_meta
    assert "Độc lập - Tự do - Hạnh phúc" in pdftotext(pdfa)


def test_many_files_with_one_converter(converter: PdfConverter, tmp_path: Path) -> None:
    pairs = []
    for i in range(12):
        # Vietnamese names with spaces and '#%' must survive the trip through file URLs.
        name = f"Thông báo #{i:02d} 100% đúng hạn" if i % 3 == 0 else f"thong-bao-{i:02d}"
        src = make_docx(tmp_path / f"{name}.docx", [f"Thông báo số {i:02d}/TB-STTTT", *VIETNAMESE_LINES[:3]])
        pairs.append((src, tmp_path / "pdf" / f"{name}.pdf"))
    groups_before = set(converter.process_groups())
    outs = converter.convert_many(pairs)
    assert outs == [dst for _, dst in pairs]
    for i, out in enumerate(outs):
        assert f"Thông báo số {i:02d}/TB-STTTT" in pdftotext(out)
    # The same long-lived workers did the work: no restarts, at most `size` LibreOffice instances.
    assert converter.restarts == 0
    groups_after = set(converter.process_groups())
    assert len(groups_after) <= 2 and groups_before <= groups_after


def test_refuses_to_overwrite_and_reports_bad_input(converter: PdfConverter, tmp_path: Path) -> None:
    src = make_docx(tmp_path / "a.docx")
    dst = tmp_path / "a.pdf"
    dst.write_bytes(b"user's file")
    with pytest.raises(OutputExistsError):
        converter.convert(src, dst)
    assert dst.read_bytes() == b"user's file"
    converter.convert(src, dst, force=True)
    assert dst.read_bytes().startswith(b"%PDF-")

    broken = tmp_path / "hong.docx"
    broken.write_bytes(os.urandom(4096))
    with pytest.raises(VanbanError, match=r"hong\.docx.*không mở được tệp"):
        converter.convert(broken, tmp_path / "hong.pdf")
    assert not (tmp_path / "hong.pdf").exists()
    assert not list(tmp_path.glob(".hong.pdf.*"))  # no half-written temporary left behind
    with pytest.raises(VanbanError, match="Không tìm thấy tệp"):
        converter.convert(tmp_path / "khong-co.docx", tmp_path / "x.pdf")


def test_xlsx_to_pdf_and_recalculation(converter: PdfConverter, tmp_path: Path) -> None:
    from openpyxl import Workbook, load_workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Chấm điểm"
    ws["A1"] = "Chỉ số thành phần"
    ws["B1"] = "Điểm"
    for row, (name, score) in enumerate(
        [("Hạ tầng số", 12.5), ("Nhân lực số", 7.25), ("An toàn thông tin", 9)], start=2
    ):
        ws.cell(row=row, column=1, value=name)
        ws.cell(row=row, column=2, value=score)
    ws.column_dimensions["A"].width = 30
    ws["A5"] = "Tổng điểm"
    ws["B5"] = "=SUM(B2:B4)"
    src = tmp_path / "bieu-mau.xlsx"
    wb.save(src)
    assert load_workbook(src, data_only=True).active["B5"].value is None  # openpyxl writes no cached value

    out = converter.recalculate_xlsx(src, tmp_path / "bieu-mau-tinh.xlsx")
    recalculated = load_workbook(out, data_only=True).active
    assert recalculated["B5"].value == pytest.approx(28.75)
    assert recalculated["A3"].value == "Nhân lực số"

    pdf = converter.convert(src, tmp_path / "bieu-mau.pdf")
    text = pdftotext(pdf)
    assert "An toàn thông tin" in text and "Tổng điểm" in text and "28.75" in text.replace(",", ".")


@pytest.mark.slow
def test_hung_conversion_is_killed_and_retried(tmp_path: Path) -> None:
    src = make_docx(tmp_path / "treo.docx")
    conv = PdfConverter(workers=1, timeout=6)
    try:
        conv.convert(src, tmp_path / "warm.pdf")  # start and warm up the worker
        groups, profiles = our_processes(conv)
        assert len(groups) == 1 and len(leftover_processes(groups, [])) >= 2  # worker + soffice(.bin)

        conv._debug_hang[src] = 1  # the worker freezes (SIGSTOP) its soffice: the UNO call really blocks
        start = time.monotonic()
        out = conv.convert(src, tmp_path / "treo.pdf")
        elapsed = time.monotonic() - start
        assert conv.restarts == 1 and elapsed >= 6
        assert "Độc lập - Tự do - Hạnh phúc" in pdftotext(out)
        assert leftover_processes(groups, profiles) == []  # the frozen LibreOffice is gone
        new_groups, new_profiles = our_processes(conv)
        assert new_groups and set(new_groups).isdisjoint(groups)

        conv._debug_hang[src] = 2  # hangs on the retry too: give up, naming the file
        with pytest.raises(VanbanError, match=r"treo\.docx.*thử lại 1 lần"):
            conv.convert(src, tmp_path / "treo-2.pdf")
        assert not (tmp_path / "treo-2.pdf").exists()
        assert conv.restarts == 3
        assert leftover_processes(new_groups, new_profiles) == []
        groups, profiles = our_processes(conv)
    finally:
        conv.close()
    assert leftover_processes(groups, profiles) == []


def test_shared_converter_is_reused(tmp_path: Path) -> None:
    src = make_docx(tmp_path / "a.docx")
    first = shared_converter()
    first.convert(src, tmp_path / "a.pdf")
    assert shared_converter() is first
    groups, profiles = our_processes(first)
    first.close()
    assert leftover_processes(groups, profiles) == []
    second = shared_converter()
    try:
        assert second is not first
        second.convert(src, tmp_path / "b.pdf")
    finally:
        second.close()


def test_workers_are_recycled(tmp_path: Path) -> None:
    src = make_docx(tmp_path / "a.docx")
    with PdfConverter(workers=1, recycle_after=2) as conv:
        conv.convert(src, tmp_path / "1.pdf")
        first, first_profiles = our_processes(conv)
        conv.convert(src, tmp_path / "2.pdf")  # second job: the worker retires afterwards
        assert conv.process_groups() == [] and leftover_processes(first, first_profiles) == []
        conv.convert(src, tmp_path / "3.pdf")
        assert conv.process_groups() and set(conv.process_groups()).isdisjoint(first)
        assert conv.restarts == 0  # recycling is not a failure
    assert all("Độc lập" in pdftotext(tmp_path / f"{i}.pdf") for i in (1, 2, 3))


def test_close_leaves_no_process(tmp_path: Path) -> None:
    src = make_docx(tmp_path / "a.docx")
    with PdfConverter(workers=2) as conv:
        conv.convert_many([(src, tmp_path / "1.pdf"), (src, tmp_path / "2.pdf")])
        groups, profiles = our_processes(conv)
        assert len(groups) == 2 and leftover_processes(groups, profiles)
    assert leftover_processes(groups, profiles) == []
    assert not any(p.exists() for p in profiles)
    with pytest.raises(VanbanError, match="đã đóng"):
        conv.convert(src, tmp_path / "3.pdf")


def test_workers_die_with_their_parent(tmp_path: Path) -> None:
    """Even if vanban is killed outright mid-conversion, no LibreOffice is left behind."""
    src = make_docx(tmp_path / "a.docx")
    script = (
        "import sys, json\n"
        "from pathlib import Path\n"
        "from letters.pdf.convert import PdfConverter\n"
        "conv = PdfConverter(workers=1, timeout=600)\n"
        f"conv.convert(Path({str(src)!r}), Path({str(tmp_path / 'a.pdf')!r}))\n"
        "print(json.dumps([conv.process_groups(), [str(p) for p in conv.profile_dirs()]]), flush=True)\n"
        f"conv._debug_hang[Path({str(src)!r})] = 1\n"
        f"conv.convert(Path({str(src)!r}), Path({str(tmp_path / 'b.pdf')!r}))\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        assert parent.stdout is not None
        groups, profiles = json.loads(parent.stdout.readline())
        assert leftover_processes(groups, [])
        time.sleep(1)  # let the hung conversion start
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 15
    while leftover_processes(groups, [Path(p) for p in profiles]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert leftover_processes(groups, [Path(p) for p in profiles]) == []


def test_missing_libreoffice_gives_vietnamese_instructions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VANBAN_SOFFICE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: no soffice, no libreoffice
    src = make_docx(tmp_path / "a.docx")
    with pytest.raises(ToolMissingError) as info:
        convert_to_pdf(src, tmp_path / "a.pdf")
    message = str(info.value)
    assert "Không tìm thấy LibreOffice" in message
    assert "sudo apt-get install libreoffice-writer-nogui" in message
    monkeypatch.setenv("VANBAN_SOFFICE", str(tmp_path / "khong-co-soffice"))
    with pytest.raises(ToolMissingError, match="VANBAN_SOFFICE"):
        recalculate_xlsx(src, tmp_path / "b.xlsx")

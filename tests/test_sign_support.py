"""Shared pieces for the signing/issuance tests: NĐ 30-shaped draft PDFs made by LibreOffice, and the
two independent verifiers (pyHanko and poppler's pdfsig) every signed output goes through.

Import fixtures explicitly:  from tests.test_sign_support import draft_pdf, attachment_pdf  # noqa: F401
"""

from __future__ import annotations

import asyncio
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from signing.demo.pki import DemoPKI
from tests.pki_fixtures import run_pdfsig

DIRECTOR_NAME = "Nguyễn Gia Phong"


def _draft_docx(path: Path, *, blank: bool = True, body_paragraphs: int = 3, year: str = "2023") -> None:
    """A Kế hoạch laid out as NĐ 30 prescribes, with the number and date left blank as in a draft."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    def borderless(table: object) -> None:
        props = table._tbl.tblPr  # type: ignore[attr-defined]
        borders = OxmlElement("w:tblBorders")
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            el = OxmlElement(f"w:{edge}")
            el.set(qn("w:val"), "nil")
            borders.append(el)
        props.append(borders)

    def para(
        container: object,
        text: str,
        size: int,
        *,
        bold: bool = False,
        italic: bool = False,
        align: int = WD_ALIGN_PARAGRAPH.CENTER,
        first: bool = False,
    ) -> None:
        p = container.paragraphs[0] if first else container.add_paragraph()  # type: ignore[attr-defined]
        p.alignment = align
        p.paragraph_format.space_after = Pt(0)
        run = p.add_run(text)
        run.font.size, run.font.bold, run.font.italic, run.font.name = (
            Pt(size),
            bold,
            italic,
            "Times New Roman",
        )

    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.left_margin, sec.right_margin, sec.top_margin, sec.bottom_margin = Mm(30), Mm(15), Mm(20), Mm(20)
    header = doc.add_table(rows=1, cols=2)
    borderless(header)
    left, right = header.rows[0].cells
    left.width, right.width = Mm(70), Mm(95)
    para(left, "UBND TỈNH BẮC GIANG", 12, first=True)
    para(left, "SỞ THÔNG TIN VÀ TRUYỀN THÔNG", 12, bold=True)
    para(left, "Số:      /KH-STTTT" if blank else "Số: 12/KH-STTTT", 13)
    para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12, bold=True, first=True)
    para(right, "Độc lập - Tự do - Hạnh phúc", 13, bold=True)
    date_line = (
        f"Bắc Giang, ngày      tháng      năm {year}" if blank else "Bắc Giang, ngày 01 tháng 12 năm 2023"
    )
    para(right, date_line, 13, italic=True)
    para(doc, "KẾ HOẠCH", 14, bold=True)
    para(doc, "Đánh giá chỉ số chuyển đổi số năm 2023", 14, bold=True)
    for _ in range(body_paragraphs):
        para(
            doc,
            "Thực hiện Quyết định số 2937/QĐ-UBND ngày 17/9/2022 của Ủy ban nhân dân tỉnh, Sở Thông tin "
            "và Truyền thông xây dựng kế hoạch đánh giá chỉ số chuyển đổi số năm 2023 như sau.",
            14,
            align=WD_ALIGN_PARAGRAPH.JUSTIFY,
        )
    footer = doc.add_table(rows=1, cols=2)
    borderless(footer)
    left, right = footer.rows[0].cells
    para(left, "Nơi nhận:", 12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT, first=True)
    for line in ("- UBND tỉnh (b/c);", "- Các sở, ban, ngành;", "- Lưu: VT, CĐS."):
        para(left, line, 11, align=WD_ALIGN_PARAGRAPH.LEFT)
    para(right, "KT. GIÁM ĐỐC", 14, bold=True, first=True)
    para(right, "PHÓ GIÁM ĐỐC", 14, bold=True)
    for _ in range(4):
        para(right, "", 14)
    para(right, DIRECTOR_NAME, 14, bold=True)
    doc.save(str(path))


def _attachment_docx(path: Path) -> None:
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    for text, bold in (
        ("Phụ lục I", True),
        ("BIỂU MẪU TỰ ĐÁNH GIÁ CHỈ SỐ CHUYỂN ĐỔI SỐ", True),
        ("(Kèm theo Kế hoạch số      /KH-STTTT)", False),
    ):
        run = doc.add_paragraph().add_run(text)
        run.font.size, run.font.bold = Pt(14), bold
    doc.save(str(path))


def _convert(docx: Path) -> Path:
    from letters.pdf.convert import convert_to_pdf

    return convert_to_pdf(docx, docx.with_suffix(".pdf"))


@pytest.fixture(scope="session")
def sign_docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """LibreOffice-made PDFs: blank-numbered drafts (one with the year blank too), an already numbered one,
    a long draft, an attachment."""
    root = tmp_path_factory.mktemp("sign-docs")
    _draft_docx(root / "draft.docx")
    _draft_docx(root / "numbered.docx", blank=False)
    _draft_docx(root / "long.docx", body_paragraphs=24)
    _draft_docx(root / "no-year.docx", year="      ")
    _attachment_docx(root / "phu-luc.docx")
    return {
        name: _convert(root / f"{name}.docx") for name in ("draft", "numbered", "long", "no-year", "phu-luc")
    }


@dataclass
class Verdict:
    field: str
    bottom_line: bool
    modification_level: ModificationLevel | None
    coverage: str
    reason: str | None
    signing_time: str | None
    timestamp_ok: bool | None
    summary: str


def pyhanko_verdicts(pdf: bytes | Path, pki: DemoPKI) -> list[Verdict]:
    """Validate every signature with pyHanko, trusting only the demo root (revocation checked online)."""
    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf

    async def run() -> list[Verdict]:
        backend = AIOHttpFetcherBackend()
        try:
            root = load_cert_from_pemder(str(pki.root_path))
            out = []
            reader = PdfFileReader(io.BytesIO(data))
            for sig in reader.embedded_signatures:
                vc = ValidationContext(trust_roots=[root], allow_fetching=True, fetcher_backend=backend)
                status = await async_validate_pdf_signature(sig, vc, ts_validation_context=vc)
                ts = status.timestamp_validity
                out.append(
                    Verdict(
                        field=sig.field_name,
                        bottom_line=status.bottom_line,
                        modification_level=status.modification_level,
                        coverage=status.coverage.name if status.coverage else "",
                        reason=str(sig.sig_object.get("/Reason")) if "/Reason" in sig.sig_object else None,
                        signing_time=str(sig.sig_object.get("/M")) if "/M" in sig.sig_object else None,
                        timestamp_ok=None if ts is None else bool(ts.valid and ts.intact and ts.trusted),
                        summary=status.summary(),
                    )
                )
            return out
        finally:
            await backend.close()

    return asyncio.run(run())


def pdfsig_verdicts(pdf: Path, nssdir: Path) -> list[dict[str, str]]:
    """pdfsig's per-signature lines, parsed into dicts (run while the PKI server is up)."""
    report = run_pdfsig(pdf, nssdir)
    blocks = re.split(r"^Signature #\d+:\s*$", report, flags=re.M)[1:]
    out = []
    for block in blocks:
        entry = {"raw": block}
        for line in block.splitlines():
            line = line.strip().lstrip("- ")
            if ":" in line:
                k, v = line.split(":", 1)
                entry[k.strip()] = v.strip()
            elif line:
                entry[line] = "yes"
        out.append(entry)
    assert out, f"pdfsig found no signature:\n{report}"
    return out


def assert_all_valid(pdf: Path, pki: DemoPKI, nssdir: Path, expected: int) -> list[Verdict]:
    """Both verifiers agree: every signature valid and trusted; the last one covers the whole file."""
    verdicts = pyhanko_verdicts(pdf, pki)
    assert len(verdicts) == expected
    for v in verdicts:
        assert v.bottom_line, v.summary
    sigs = pdfsig_verdicts(pdf, nssdir)
    assert len(sigs) == expected
    for s in sigs:
        assert s.get("Signature Validation") == "Signature is Valid.", s["raw"]
        assert s.get("Certificate Validation") == "Certificate is Trusted.", s["raw"]
    assert "Total document signed" in sigs[-1], sigs[-1]["raw"]
    return verdicts

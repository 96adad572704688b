"""Benchmark: DOCX -> PDF with vanban's long-lived LibreOffice workers vs the ways a user would call soffice.

Run: .venv/bin/python bench/bench_convert.py [--docs 200] [--workers 2] [--naive-sample 20]

Two peers, on the same files in the same run:
- batched: the fastest plain use of LibreOffice, two `soffice --headless --convert-to pdf --outdir OUT F1 F2 …`
  processes in parallel (one per core, each with its own profile), each given half of the files. vanban's
  converter must be no slower than this (it adds a timeout per file, restarts of hung or crashed workers and
  atomic writes).
- naive: one `soffice --convert-to` process per document, fresh profile each, one after another. Running it
  200 times takes minutes, so by default a sample of documents is timed and the total extrapolated (printed).
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from docx import Document  # noqa: E402
from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from docx.shared import Cm, Pt  # noqa: E402

from letters.pdf.convert import PdfConverter, find_soffice  # noqa: E402

UNITS = [
    "Sở Tài chính",
    "Sở Nội vụ",
    "Sở Y tế",
    "Sở Giáo dục và Đào tạo",
    "UBND huyện Lục Ngạn",
    "UBND huyện Yên Thế",
    "UBND thành phố Bắc Giang",
    "Sở Kế hoạch và Đầu tư",
    "Sở Tư pháp",
]
SENTENCES = [
    "Thực hiện Quyết định số 922/QĐ-BTTTT ngày 20 tháng 5 năm 2022 của Bộ Thông tin và Truyền thông phê duyệt "
    "Đề án xác định Bộ chỉ số đánh giá chuyển đổi số của các bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ, "
    "các tỉnh, thành phố trực thuộc Trung ương và quốc gia.",
    "Sở Thông tin và Truyền thông đề nghị các cơ quan, đơn vị tự đánh giá, chấm điểm các chỉ số thành phần và "
    "gửi kèm tài liệu kiểm chứng đã được ký số theo đúng quy định.",
    "Hồ sơ gửi về Sở trước ngày 15 tháng 01 năm 2024 qua Hệ thống quản lý văn bản và điều hành; quá thời hạn "
    "trên, đơn vị không gửi sẽ bị đánh giá ở mức thấp nhất.",
    "Trong quá trình triển khai, nếu có khó khăn, vướng mắc, đề nghị liên hệ Phòng Chuyển đổi số, số điện "
    "thoại 0204.3xxx.xxx để được hướng dẫn, hỗ trợ kịp thời.",
    "Kết quả đánh giá là căn cứ để xét thi đua, khen thưởng năm 2023 và xây dựng kế hoạch chuyển đổi số năm "
    "2024 của từng cơ quan, đơn vị trên địa bàn tỉnh.",
    "Các chỉ số về hạ tầng số, nhân lực số, an toàn thông tin mạng, hoạt động chính quyền số được chấm theo "
    "thang điểm quy định tại Phụ lục kèm theo văn bản này.",
    "Thủ trưởng các cơ quan, đơn vị chịu trách nhiệm về tính chính xác, trung thực của số liệu và tài liệu "
    "kiểm chứng cung cấp.",
]


def _base_style(doc: Document) -> None:
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(14)
    fonts = style.element.rPr.rFonts
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), "Times New Roman")
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)


def make_letter(path: Path, number: int, rng: random.Random) -> None:
    """A one-to-three-page công văn laid out like ND 30 (header table, trích yếu, body, nơi nhận, chữ ký)."""
    doc = Document()
    _base_style(doc)
    header = doc.add_table(rows=2, cols=2)
    header.cell(0, 0).text = "UBND TỈNH BẮC GIANG\nSỞ THÔNG TIN VÀ TRUYỀN THÔNG"
    header.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    header.cell(1, 0).text = f"Số: {number:03d}/STTTT-CĐS\nV/v hướng dẫn tự đánh giá chỉ số DTI năm 2023"
    header.cell(1, 1).text = f"Bắc Giang, ngày {rng.randint(1, 28):02d} tháng 12 năm 2023"
    for row in header.rows:
        for cell in row.cells:
            for par in cell.paragraphs:
                par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph()
    kinh_gui = doc.add_paragraph(f"Kính gửi: {rng.choice(UNITS)}")
    kinh_gui.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for _ in range(rng.randint(4, 16)):
        par = doc.add_paragraph(" ".join(rng.sample(SENTENCES, k=rng.randint(1, 3))))
        par.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        par.paragraph_format.first_line_indent = Cm(1)
    doc.add_paragraph(
        "Sở Thông tin và Truyền thông đề nghị các cơ quan, đơn vị quan tâm, phối hợp thực hiện./."
    )
    sign = doc.add_table(rows=1, cols=2)
    sign.cell(0, 0).text = "Nơi nhận:\n- Như trên;\n- Giám đốc Sở (b/c);\n- Lưu: VT, CĐS."
    sign.cell(0, 1).text = "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC\n\n\n\nNguyễn Gia Phong"
    doc.save(str(path))


def naive_convert(soffice: str, src: Path, outdir: Path, profile: Path) -> None:
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )


def batched_convert(
    soffice: str, sources: list[Path], outdir: Path, profile: Path
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            *map(str, sources),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--naive-sample",
        type=int,
        default=20,
        help="how many naive runs to time (0 = all documents, no extrapolation)",
    )
    args = parser.parse_args()
    rng = random.Random(2023)
    soffice = find_soffice()

    with tempfile.TemporaryDirectory(prefix="vanban-bench-convert-") as tmp_name:
        tmp = Path(tmp_name)
        src_dir = tmp / "docx"
        src_dir.mkdir()
        t0 = time.perf_counter()
        sources = []
        for i in range(args.docs):
            path = src_dir / f"cong-van-{i:03d}.docx"
            make_letter(path, i + 1, rng)
            sources.append(path)
        print(f"Generated {args.docs} DOCX letters in {time.perf_counter() - t0:.1f} s")

        # vanban: one converter, long-lived workers (start-up included in the wall time).
        out_dir = tmp / "pdf-vanban"
        t0 = time.perf_counter()
        with PdfConverter(workers=args.workers) as conv:
            conv.convert_many([(s, out_dir / (s.stem + ".pdf")) for s in sources])
        fast = time.perf_counter() - t0
        pages = 0
        for pdf in out_dir.glob("*.pdf"):
            info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
            pages += int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
        print(
            f"vanban PdfConverter ({args.workers} workers): {fast:.1f} s wall for {args.docs} docs "
            f"({pages} pages) = {args.docs / fast:.2f} docs/s"
        )

        # batched: two soffice processes in parallel, half of the files each, in one call each.
        batched_out = tmp / "pdf-batched"
        batched_out.mkdir()
        halves = [sources[k :: args.workers] for k in range(args.workers)]
        t0 = time.perf_counter()
        procs = [
            batched_convert(soffice, half, batched_out, tmp / f"profile-batched-{k}")
            for k, half in enumerate(halves)
        ]
        for proc in procs:
            proc.wait(timeout=3600)
        batched = time.perf_counter() - t0
        assert len(list(batched_out.glob("*.pdf"))) == args.docs, "batched soffice missed files"
        print(
            f"{args.workers} soffice --convert-to in parallel, {args.docs // args.workers} files each: {batched:.1f} s "
            f"= {args.docs / batched:.2f} docs/s; vanban/batched time ratio {fast / batched:.2f} (target <= 1.0)"
        )

        # naive: one soffice process per document, fresh profile each, sequential.
        sample = sources if args.naive_sample <= 0 else sources[: min(args.naive_sample, len(sources))]
        naive_out = tmp / "pdf-naive"
        naive_out.mkdir()
        t0 = time.perf_counter()
        for i, src in enumerate(sample):
            profile = tmp / f"profile-{i}"
            naive_convert(soffice, src, naive_out, profile)
            shutil.rmtree(profile, ignore_errors=True)
        naive_sample_time = time.perf_counter() - t0
        per_doc = naive_sample_time / len(sample)
        naive_total = per_doc * args.docs
        assert len(list(naive_out.glob("*.pdf"))) == len(sample)
        if len(sample) < args.docs:
            print(
                f"naive soffice --convert-to (1 process per file, fresh profile): timed {len(sample)} docs in "
                f"{naive_sample_time:.1f} s ({per_doc:.2f} s/doc); EXTRAPOLATED to {args.docs} docs: "
                f"{naive_total:.1f} s = {1 / per_doc:.2f} docs/s"
            )
        else:
            print(
                f"naive soffice --convert-to (1 process per file, fresh profile): {naive_total:.1f} s wall "
                f"= {1 / per_doc:.2f} docs/s"
            )
        print(f"speed-up: {naive_total / fast:.1f}x (target >= 8x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

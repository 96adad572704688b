"""Batch signing speed: 200 PDFs, PKCS#12 key, PAdES B-B.

vanban: the key is loaded once and reused (signing.sign.open_signer + SigningTools), each document is
signed in memory and written atomically. Measured twice: with the full NĐ 30 appearance (signature
image placed from the page text, number/date fields added) and as an invisible signature.

Naive peer: stock pyHanko 0.38 in a loop that, per file, reloads the PKCS#12 key
(SimpleSigner.load_pkcs12), builds the signer and signs an invisible PAdES B-B signature with
signers.sign_pdf, which is what a per-file script or CLI invocation does minus interpreter start-up.

Run:  .venv/bin/python bench/bench_sign.py [--count 200]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402
from pyhanko.sign import fields, signers  # noqa: E402
from pyhanko.sign.validation import async_validate_pdf_signature  # noqa: E402
from pyhanko_certvalidator import ValidationContext  # noqa: E402

from letters.core.files import atomic_write_bytes  # noqa: E402
from signing.demo.pki import create_demo_pki  # noqa: E402
from signing.sign.appearance import specimen_signature_png  # noqa: E402
from signing.sign.signer import Level, Pkcs12Key, Role, SigningTools, SignRequest, open_signer, sign_pdf_bytes  # noqa: E402


def make_draft(workdir: Path) -> Path:
    """One NĐ 30-shaped draft made by LibreOffice (the same generator the tests use)."""
    from tests.test_sign_support import _convert, _draft_docx

    docx = workdir / "draft.docx"
    _draft_docx(docx)
    return _convert(docx)


def bench_vanban(
    inputs: list[Path], out_dir: Path, key: Pkcs12Key, request: SignRequest
) -> tuple[float, float]:
    out_dir.mkdir()
    start, cpu = time.perf_counter(), time.process_time()
    with open_signer(key) as signer:
        tools = SigningTools.for_request(signer, request)
        for src in inputs:
            result = sign_pdf_bytes(src.read_bytes(), tools, request, source=str(src))
            atomic_write_bytes(out_dir / src.name, result.pdf)
    return time.perf_counter() - start, time.process_time() - cpu


def bench_naive(inputs: list[Path], out_dir: Path, key: Pkcs12Key) -> tuple[float, float]:
    out_dir.mkdir()
    start, cpu = time.perf_counter(), time.process_time()
    for src in inputs:
        signer = signers.SimpleSigner.load_pkcs12(str(key.path), passphrase=key.password.encode())
        meta = signers.PdfSignatureMetadata(field_name="Signature", subfilter=fields.SigSeedSubFilter.PADES)
        with src.open("rb") as inf, (out_dir / src.name).open("wb") as outf:
            signers.sign_pdf(IncrementalPdfFileWriter(inf), meta, signer=signer, output=outf)
    return time.perf_counter() - start, time.process_time() - cpu


def check(pdf: Path, root: Path) -> bool:
    from pyhanko.keys import load_cert_from_pemder

    async def run() -> bool:
        vc = ValidationContext(trust_roots=[load_cert_from_pemder(str(root))])
        (sig,) = PdfFileReader(io.BytesIO(pdf.read_bytes())).embedded_signatures
        status = await async_validate_pdf_signature(sig, vc)
        return bool(status.intact and status.valid and status.trusted)

    return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-sign-"))
    try:
        pki = create_demo_pki(work / "pki")
        draft = make_draft(work)
        src_dir = work / "in"
        src_dir.mkdir()
        inputs = []
        for i in range(args.count):
            path = src_dir / f"van-ban-{i:03d}.pdf"
            shutil.copyfile(draft, path)
            inputs.append(path)
        key = Pkcs12Key(pki.director_p12, pki.password)
        n = len(inputs)
        print(
            f"{n} PDF ({draft.stat().st_size // 1024} KB, LibreOffice), khoá PKCS#12 RSA, PAdES B-B, 1 tiến trình"
        )

        visible = bench_vanban(
            inputs,
            work / "nd30",
            key,
            SignRequest(role=Role.SIGNER, level=Level.B_B, image=specimen_signature_png()),
        )
        invisible = bench_vanban(
            inputs,
            work / "invisible",
            key,
            SignRequest(role=Role.SIGNER, level=Level.B_B, prepare_issue_fields=False),
        )
        naive = bench_naive(inputs, work / "naive", key)
        for label, out in (
            ("nd30", work / "nd30"),
            ("invisible", work / "invisible"),
            ("naive", work / "naive"),
        ):
            assert check(out / inputs[-1].name, pki.root_path), f"{label}: output does not verify"

        # Wall time depends on what else runs on the machine; CPU time of this process is steadier.
        rows = (
            ("vanban, giao diện NĐ 30 (ảnh chữ ký, ô số/ngày)", visible),
            ("vanban, chữ ký ẩn", invisible),
            ("pyHanko vòng lặp ngây thơ (nạp lại khoá mỗi tệp)", naive),
        )
        for label, (wall, cpu) in rows:
            print(
                f"{label:<50} {n / wall:6.1f} văn bản/giây ({wall:5.2f} s); {n / cpu:6.1f} văn bản/giây CPU"
            )
        print(
            f"Tỉ lệ so với ngây thơ: chữ ký ẩn {naive[0] / invisible[0]:.2f}x, NĐ 30 {naive[0] / visible[0]:.2f}x "
            f"(theo CPU: {naive[1] / invisible[1]:.2f}x, {naive[1] / visible[1]:.2f}x)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

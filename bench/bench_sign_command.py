"""Signing and issuing 250 notices as a user does it: whole commands, with the peers a user would really use.

1. `vanban sign THƯ_MỤC --out DA_KY --p12 … --image chu-ky.png`: one command for the folder, NĐ 30 appearance
   (signature image placed from the page text, number/date fields added), key loaded once.
2. `vanban issue DA_KY --out BAN_HANH --p12 … --seal con-dau.png`: one command, consecutive numbers, seal.
3. pyHanko's own CLI, one call a file (`pyhanko sign addsig --use-pades pkcs12 IN OUT KEY.p12`), invisible
   signature: what a user scripting pyHanko runs. Slow (about a second a file), so a sample of files is
   timed and the total extrapolated (printed as such).
4. A pyHanko loop with the key loaded once (one Python process, invisible PAdES B-B signatures), started as a
   command like the others: the fastest thing a user could write with pyHanko alone.

The drafts are one LibreOffice-made NĐ 30 draft (number and date blank) copied 250 times, dated this year so
that they can be issued today. Every output of each method is checked to verify.

Run:  .venv/bin/python bench/bench_sign_command.py [--count 250] [--cli-sample 10]
Needs `pyhanko-cli` in the venv for method 3 (`.venv/bin/pip install pyhanko-cli`); skipped without it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from signing.demo.pki import create_demo_pki  # noqa: E402

BIN = Path(sys.executable).parent
PYHANKO_LOOP = """
import sys
from pathlib import Path
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
key, password, out = Path(sys.argv[1]), sys.argv[2].encode(), Path(sys.argv[3])
signer = signers.SimpleSigner.load_pkcs12(str(key), passphrase=password)
meta = signers.PdfSignatureMetadata(field_name="Signature", subfilter=fields.SigSeedSubFilter.PADES)
for name in sys.argv[4:]:
    src = Path(name)
    with src.open("rb") as inf, (out / src.name).open("wb") as outf:
        signers.sign_pdf(IncrementalPdfFileWriter(inf), meta, signer=signer, output=outf)
"""


def make_drafts(work: Path, count: int) -> Path:
    from tests.test_sign_support import _convert, _draft_docx

    docx = work / "thong-bao.docx"
    _draft_docx(docx, year=str(date.today().year))
    pdf = _convert(docx)
    folder = work / "du-thao"
    folder.mkdir()
    for n in range(count):
        shutil.copyfile(pdf, folder / f"thong-bao-{n:03d}.pdf")
    return folder


def timed(args: list[str], env: dict[str, str], **kwargs: object) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, env=env, capture_output=True, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - start


def verifies(pdf: Path, expected: int) -> bool:
    out = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True).stdout
    return out.count("Signature is Valid.") == expected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=250)
    parser.add_argument("--cli-sample", type=int, default=10, help="files timed with pyHanko's CLI")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-sign-command-"))
    try:
        pki = create_demo_pki(work / "pki")
        drafts = make_drafts(work, args.count)
        images = work / "anh"
        env = {**os.environ, "VANBAN_P12_PASSWORD": pki.password}
        subprocess.run(
            [str(BIN / "vanban"), "specimens", str(images)], check=True, env=env, capture_output=True
        )
        files = sorted(drafts.glob("*.pdf"))
        n = len(files)
        print(
            f"{n} thông báo (PDF LibreOffice {files[0].stat().st_size // 1024} KB), khoá PKCS#12, PAdES B-B, {os.cpu_count()} lõi"
        )
        rows: list[tuple[str, float, int]] = []

        signed = work / "da-ky"
        wall = timed(
            [
                str(BIN / "vanban"),
                "sign",
                str(drafts),
                "--out",
                str(signed),
                "--p12",
                str(pki.director_p12),
                "--image",
                str(images / "chu-ky-mau.png"),
            ],
            env,
        )
        assert verifies(signed / files[-1].name, 1), "vanban sign: output does not verify"
        rows.append(("vanban sign THƯ_MỤC --out (giao diện NĐ 30, 1 lệnh)", wall, n))

        issued = work / "ban-hanh"
        wall = timed(
            [
                str(BIN / "vanban"),
                "issue",
                str(signed),
                "--out",
                str(issued),
                "--type",
                "TB",
                "--agency",
                "STTTT",
                "--p12",
                str(pki.agency_p12),
                "--seal",
                str(images / "con-dau-mau.png"),
            ],
            env,
        )
        assert verifies(issued / files[-1].name, 2), "vanban issue: output does not verify"
        rows.append(("vanban issue THƯ_MỤC --out (số, ngày, con dấu, 1 lệnh)", wall, n))

        cli = BIN / "pyhanko"
        if cli.exists():
            out = work / "pyhanko-cli"
            out.mkdir()
            passfile = work / "mat-khau.txt"
            passfile.write_text(pki.password, encoding="utf-8")
            sample = files[: max(1, min(args.cli_sample, n))]
            start = time.perf_counter()
            for src in sample:
                subprocess.run(
                    [
                        str(cli),
                        "sign",
                        "addsig",
                        "--field",
                        "Signature",
                        "--use-pades",
                        "pkcs12",
                        "--passfile",
                        str(passfile),
                        str(src),
                        str(out / src.name),
                        str(pki.director_p12),
                    ],
                    check=True,
                    capture_output=True,
                    env=env,
                )
            per_file = (time.perf_counter() - start) / len(sample)
            assert verifies(out / sample[-1].name, 1), "pyHanko CLI: output does not verify"
            rows.append((f"pyHanko CLI, 1 lệnh mỗi tệp (đo {len(sample)} tệp, suy ra {n})", per_file * n, n))
        else:
            print("(bỏ qua pyHanko CLI: chưa cài pyhanko-cli trong .venv)")

        out = work / "pyhanko-loop"
        out.mkdir()
        wall = timed(
            [
                sys.executable,
                "-c",
                PYHANKO_LOOP,
                str(pki.director_p12),
                pki.password,
                str(out),
                *map(str, files),
            ],
            env,
        )
        assert verifies(out / files[-1].name, 1), "pyHanko loop: output does not verify"
        rows.append(("vòng lặp pyHanko, khoá nạp 1 lần (chữ ký ẩn, 1 lệnh)", wall, n))

        for label, seconds, count in rows:
            print(f"{label:<58} {count / seconds:6.1f} văn bản/giây ({seconds:6.1f} s)")
        vanban_sign = rows[0][1]
        print(
            f"Mục tiêu: ≥ 20 văn bản/giây cho sign và issue; vanban sign nhanh gấp {rows[-1][1] / vanban_sign:.1f} lần "
            "vòng lặp pyHanko"
            + (f", gấp {rows[2][1] / vanban_sign:.0f} lần pyHanko CLI" if cli.exists() else "")
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

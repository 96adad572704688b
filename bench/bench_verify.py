"""Benchmark: `vanban verify --jobs 2` against a loop of poppler's `pdfsig` over the same signed corpus,
plus peak memory while verifying one very large signed PDF.

    python bench/bench_verify.py [--files 1000] [--scans 10] [--big-mb 100] [--keep DIR]

The corpus is generated on the fly with the demo PKI (served on 127.0.0.1 for OCSP/CRL): mostly small text
PDFs, some ~10 MB scan-like PDFs (random-noise JPEG pages), every file genuinely signed (PAdES B-B).
Both tools check revocation online against the local OCSP responder; vanban caches it per worker.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from signing.demo import attacks  # noqa: E402
from signing.demo.pki import AGENCY, DIRECTOR, create_demo_pki, make_nss_db  # noqa: E402
from signing.demo.services import serve_pki  # noqa: E402

VANBAN = [sys.executable, "-m", "letters.cli.main"]


def scan_pdf(jpeg: bytes, size: tuple[int, int], pages: int, label: str) -> bytes:
    """A PDF with `pages` scan pages, each an embedded copy of the same noise JPEG."""
    from pyhanko.pdf_utils.writer import PdfFileWriter

    from signing.demo.attacks import _page

    writer = PdfFileWriter()
    for n in range(pages):
        writer.insert_page(_page(writer, [label, f"Trang {n + 1}/{pages}"], (jpeg, *size)))
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def make_corpus(pki, out: Path, files: int, scans: int) -> tuple[int, float]:
    signers = [attacks.load_signer(pki.p12_path(label), pki.password) for label in (DIRECTOR, AGENCY)]
    unit_dirs = [out / f"Đơn vị {i:02d}" for i in range(1, 21)]
    for d in unit_dirs:
        d.mkdir(parents=True, exist_ok=True)
    total = 0
    started = time.monotonic()
    jpeg = attacks.noise_jpeg(2000, 1700, seed=1, quality=95) if scans else b""
    for i in range(files):
        if i < scans:
            pages = max(1, round(10 * 1024 * 1024 / max(len(jpeg), 1)))
            data = scan_pdf(jpeg, (2000, 1700), pages, f"BAN CHUP MINH CHUNG SO {i}")
        else:
            data = attacks.sample_pdf(
                [
                    f"BAO CAO MINH CHUNG SO {i}",
                    f"Chi tieu {i % 97}: {i % 100}%",
                    "Don vi: UBND huyen " + str(i % 20),
                ],
                pages=1 + i % 3,
            )
        signed = attacks.sign_bytes(data, signers[i % 2])
        path = unit_dirs[i % len(unit_dirs)] / f"minh_chung_{i:04d}.pdf"
        path.write_bytes(signed)
        total += len(signed)
    return total, time.monotonic() - started


def run_vanban(corpus: Path, root: Path, out: Path, jobs: int, store: Path) -> tuple[float, dict[str, int]]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    proc = subprocess.run(
        [
            *VANBAN,
            "verify",
            str(corpus),
            "--out",
            str(out),
            "--jobs",
            str(jobs),
            "--trust",
            str(root),
            "--trust-store",
            str(store),
            "-q",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    elapsed = time.monotonic() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"vanban verify failed ({proc.returncode}): {proc.stderr[-2000:]}")
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    counts: dict[str, int] = {}
    for item in data:
        counts[item["indication"]] = counts.get(item["indication"], 0) + 1
    return elapsed, counts


def run_pdfsig(files: list[Path], nssdir: Path) -> tuple[float, int]:
    started = time.monotonic()
    valid = 0
    for f in files:
        proc = subprocess.run(["pdfsig", "-nssdir", str(nssdir), str(f)], capture_output=True, text=True)
        if "Signature is Valid" in proc.stdout and "Certificate is Trusted" in proc.stdout:
            valid += 1
    return time.monotonic() - started, valid


def big_file_memory(pki, work: Path, size_mb: int, store: Path) -> None:
    jpeg = attacks.noise_jpeg(2000, 1700, seed=7, quality=95)
    pages = max(1, round(size_mb * 1024 * 1024 / len(jpeg)))
    started = time.monotonic()
    data = attacks.sign_bytes(
        scan_pdf(jpeg, (2000, 1700), pages, "TAI LIEU RAT LON"),
        attacks.load_signer(pki.director_p12, pki.password),
    )
    big = work / "big" / "Đơn vị" / "rat_lon.pdf"
    big.parent.mkdir(parents=True)
    big.write_bytes(data)
    del data
    gen = time.monotonic() - started
    out = work / "big_out"
    elapsed, counts = run_vanban(big.parent.parent, pki.root_path, out, 1, store)
    (item,) = json.loads((out / "report.json").read_text(encoding="utf-8"))
    size = big.stat().st_size / 1048576
    rss_mb = (item.get("peak_rss_kb") or 0) / 1024
    print(f"\nLarge file: {size:.0f} MB signed PDF ({pages} scan pages), generated in {gen:.1f} s")
    print(
        f"  verdict {item['indication']}; worker check {item['seconds']:.2f} s, whole command {elapsed:.2f} s"
    )
    print(
        f"  worker peak RSS (ru_maxrss): {rss_mb:.0f} MB  (target < 300 MB: {'OK' if rss_mb < 300 else 'OVER'})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--scans", type=int, default=10, help="how many of the files are ~10 MB scans")
    ap.add_argument("--big-mb", type=int, default=100, help="size of the large-file memory test (0 = skip)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None, help="keep the generated corpus in this directory")
    args = ap.parse_args()
    if shutil.which("pdfsig") is None:
        raise SystemExit("pdfsig (poppler-utils) is required for the comparison")

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-verify-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        pki = create_demo_pki(work / "pki")
        nssdir = make_nss_db(work / "nssdb", [pki.root_cert])
        store = work / "empty-store"
        with serve_pki(pki):
            corpus = work / "corpus"
            size, gen = make_corpus(pki, corpus, args.files, min(args.scans, args.files))
            files = sorted(corpus.rglob("*.pdf"))
            print(
                f"Corpus: {len(files)} signed PDFs ({min(args.scans, args.files)} scans of ~10 MB), "
                f"{size / 1048576:.0f} MB, generated in {gen:.1f} s"
            )
            v_time, counts = run_vanban(corpus, pki.root_path, work / "out", args.jobs, store)
            p_time, p_valid = run_pdfsig(files, nssdir)
            v_rate, p_rate = len(files) / v_time, len(files) / p_time
            print(
                f"vanban verify --jobs {args.jobs}: {v_time:.1f} s, {v_rate:.1f} files/s, verdicts {counts}"
            )
            print(
                f"pdfsig loop (1 process at a time): {p_time:.1f} s, {p_rate:.1f} files/s, "
                f"{p_valid} valid+trusted"
            )
            print(
                f"Ratio vanban/pdfsig throughput: {v_rate / p_rate:.2f}x "
                f"({'meets' if v_rate >= p_rate else 'below'} the target of >= 1.0x)"
            )
            if args.big_mb:
                big_file_memory(pki, work, args.big_mb, store)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

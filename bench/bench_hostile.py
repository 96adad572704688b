"""Benchmark: hostile inputs, each checked by the whole `vanban verify FILE --out DIR` command and by
`pdfsig FILE`, with wall time and peak memory (largest process of the command's tree) for both.

    python bench/bench_hostile.py [--updates 10000] [--fields 1500] [--pages 2000] [--bomb-mb 250] [--keep DIR]

Files (generated with the demo PKI, served on 127.0.0.1 so revocation is checked online as in real use):
  signed            a genuine PAdES B-B file, the baseline
  updates-N         the signed file plus N empty incremental updates
  fields-N          N signature fields sharing one signature value, added after signing
  objstm-bomb       the signed file plus an update whose catalog sits in an object stream inflating ~1000:1
  objstm-bomb-raw   an unsigned file whose catalog sits in a 400 MB object stream
  pages-N           a genuine signed file of N pages
"""

from __future__ import annotations

import argparse
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

from signing.demo import attacks, hostile  # noqa: E402
from signing.demo.pki import DIRECTOR, create_demo_pki  # noqa: E402
from signing.demo.services import serve_pki  # noqa: E402

VANBAN = [str(Path(sys.executable).with_name("vanban"))]
if not Path(VANBAN[0]).exists():
    VANBAN = [sys.executable, "-m", "letters.cli.main"]


def measure(cmd: list[str], env: dict[str, str], scratch: Path) -> tuple[float, float, int, str]:
    """(seconds, peak RSS in MB of the largest process in the tree, exit code, output) of one command.

    GNU time reports wait4's figure for the command, which covers the worker processes it waited for; a
    process forked from this (large) Python process would instead start with this process's RSS as its peak.
    """
    report = scratch / "time.txt"
    report.unlink(missing_ok=True)
    timer = ["/usr/bin/time", "-f", "%M", "-o", str(report)] if Path("/usr/bin/time").exists() else []
    started = time.monotonic()
    proc = subprocess.run([*timer, *cmd], capture_output=True, env=env, check=False)
    elapsed = time.monotonic() - started
    try:
        peak_kb = int(report.read_text().split()[-1])
    except (OSError, ValueError, IndexError):
        peak_kb = 0
    return elapsed, peak_kb / 1024, proc.returncode, (proc.stdout + proc.stderr).decode("utf-8", "replace")


def build(work: Path, pki, args: argparse.Namespace) -> dict[str, Path]:
    signer = attacks.load_signer(pki.p12_path(DIRECTOR), pki.password)
    signed = attacks.sign_bytes(attacks.sample_pdf(), signer)
    files = {
        "signed": signed,
        f"updates-{args.updates}": hostile.many_updates(signed, args.updates),
        f"fields-{args.fields}": hostile.many_fields(signer, args.fields),
        "objstm-bomb": hostile.objstm_bomb_update(signed, args.bomb_mb),
        "objstm-bomb-raw": attacks.objstm_bomb(400),
        f"pages-{args.pages}": hostile.many_pages(signer, args.pages),
    }
    paths = {}
    for name, data in files.items():
        path = work / "files" / f"{name}.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        paths[name] = path
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--updates", type=int, default=10_000)
    ap.add_argument("--fields", type=int, default=1500)
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--bomb-mb", type=int, default=250)
    ap.add_argument("--keep", type=Path, default=None, help="keep the generated files in this directory")
    args = ap.parse_args()
    if shutil.which("pdfsig") is None:
        raise SystemExit("pdfsig (poppler-utils) is required for the comparison")
    if not Path("/usr/bin/time").exists():
        print("GNU time (/usr/bin/time, Debian package «time») is missing: peak memory is shown as 0.")
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    try:
        pki = create_demo_pki(work / "pki")
        with serve_pki(pki):
            files = build(work, pki, args)
            header = f"{'file':<18}{'size':>9}  {'vanban s':>8} {'MB':>6}  {'verdict':<40} {'pdfsig s':>8} {'MB':>6}"
            print(header)
            print("-" * len(header))
            for name, path in files.items():
                out = work / "out" / name
                v_s, v_mb, code, text = measure(
                    [
                        *VANBAN,
                        "verify",
                        str(path),
                        "--out",
                        str(out),
                        "--trust",
                        str(pki.root_path),
                        "--force",
                    ],
                    env,
                    work,
                )
                try:
                    (item,) = json.loads((out / "report.json").read_text(encoding="utf-8"))
                    verdict = f"{item['indication']} {item['sub_indication'] or ''}".strip()
                except (OSError, ValueError):
                    verdict = f"no report (exit {code}): {text[-200:]}"
                p_s, p_mb, _, _ = measure(["pdfsig", str(path)], env, work)
                size = path.stat().st_size
                print(
                    f"{name:<18}{size / 1024:>7.0f}KB  {v_s:>8.2f} {v_mb:>6.0f}  {verdict:<40.40} {p_s:>8.2f} {p_mb:>6.0f}"
                )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Commands as a user types them for one file: start-up and imports, against the tool a user would compare with.

- `vanban --help`, `vanban sign --help`: wall time, and what they import (`python -X importtime`): a command
  imports only what it uses, so `sign --help` loads neither docxtpl nor pydantic nor the campaign code.
- `vanban sign ONE.pdf OUT.pdf` against `pyhanko sign addsig … pkcs12 ONE.pdf OUT.pdf` (pyHanko's CLI).
- `vanban verify ONE.pdf --out DIR` against `pdfsig ONE.pdf` (poppler). Target for vanban: under 0.6 s.

Each figure is the median of --repeat runs.

Run:  .venv/bin/python bench/bench_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

from signing.demo.attacks import sample_pdf  # noqa: E402
from signing.demo.pki import create_demo_pki  # noqa: E402

HEAVY = ("docxtpl", "pydantic", "letters.campaign", "pyhanko", "openpyxl", "jinja2")


def median_wall(args: list[str], env: dict[str, str], repeat: int, fresh: Path | None = None) -> float:
    times = []
    for _ in range(repeat):
        if fresh is not None:
            fresh.unlink(missing_ok=True)
        start = time.perf_counter()
        subprocess.run(args, env=env, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def imported(args: list[str], env: dict[str, str]) -> set[str]:
    code = "import sys; from letters.cli.main import main; sys.argv = sys.argv[1:]; main()"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code, "vanban", *args],
        env=env,
        capture_output=True,
        text=True,
    )
    return {
        line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    try:
        pki = create_demo_pki(work / "pki")
        env = {**os.environ, "VANBAN_P12_PASSWORD": pki.password, "HOME": str(work / "home")}
        pdf = work / "van-ban.pdf"
        pdf.write_bytes(sample_pdf(["Van ban thu toc do"]))
        vanban = str(BIN / "vanban")
        rows = []
        for command in (["--help"], ["sign", "--help"], ["verify", "--help"]):
            wall = median_wall([vanban, *command], env, args.repeat)
            heavy = sorted(m for m in imported(command, env) if m.split(".")[0] in HEAVY or m in HEAVY)
            roots = sorted({m.split(".")[0] if not m.startswith("letters.") else m for m in heavy})
            rows.append(
                (f"vanban {' '.join(command)}", wall, f"nạp: {', '.join(roots) or 'không gói nặng nào'}")
            )
        signed = work / "da-ky.pdf"
        sign = [vanban, "sign", str(pdf), str(signed), "--p12", str(pki.director_p12), "--force"]
        rows.append(("vanban sign 1 tệp", median_wall(sign, env, args.repeat), ""))
        cli = BIN / "pyhanko"
        if cli.exists():
            passfile = work / "mat-khau.txt"
            passfile.write_text(pki.password, encoding="utf-8")
            peer = [
                str(cli),
                "sign",
                "addsig",
                "--field",
                "Signature",
                "--use-pades",
                "pkcs12",
                "--passfile",
                str(passfile),
                str(pdf),
                str(work / "pyhanko.pdf"),
                str(pki.director_p12),
            ]
            rows.append(
                ("pyhanko sign addsig 1 tệp", median_wall(peer, env, args.repeat, work / "pyhanko.pdf"), "")
            )
        verify = [
            vanban,
            "verify",
            str(signed),
            "--out",
            str(work / "bao-cao"),
            "--force",
            "--trust",
            str(pki.root_path),
            "--quiet",
        ]
        wall = median_wall(verify, env, args.repeat)
        rows.append(
            ("vanban verify 1 tệp", wall, "mục tiêu < 0,6 s: " + ("đạt" if wall < 0.6 else "CHƯA ĐẠT"))
        )
        if shutil.which("pdfsig"):
            rows.append(("pdfsig 1 tệp", median_wall(["pdfsig", str(signed)], env, args.repeat), ""))
        for label, seconds, note in rows:
            print(f"{label:<28} {seconds:6.2f} s  {note}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

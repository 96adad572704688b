"""`vanban results` on a province of 1,000 units, as a user runs it: one command, timed whole.

The campaign is the Bắc Giang example with its district tier grown to 981 units (1,000 with the 19 sở), the
scores are made by `vanban example-scores`; the command writes the ranking (XLSX, CSV), the Tờ trình, the
Quyết định with its ranking appendices and 999 notices with their charts. Target: under 12 s on 2 cores.
There is no other tool a Sở would use for this, so the figure stands alone (per unit, and against the target).

Run:  .venv/bin/python bench/bench_results_command.py [--units 1000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
EXAMPLE = ROOT / "examples" / "bacgiang-2023.yaml"
DATA = ROOT / "letters" / "indicators" / "data"


def province(units: int, target: Path) -> Path:
    """The example campaign with `units` units in all: the sở as they are, the district tier filled up."""
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("  - id: huyen")
    head = text.index("    units:\n", start) + len("    units:\n")
    lines = text[head:].splitlines(keepends=True)
    keep = 0
    while keep < len(lines) and lines[keep].startswith("      - "):
        keep += 1
    existing = text[: text.index("  - id: huyen")].count("\n      - ")
    grown = "".join(f"      - UBND huyện Thử Nghiệm {n:04d}\n" for n in range(units - existing))
    text = text[:head] + grown + "".join(lines[keep:])
    # Absolute paths: the copy lives outside examples/.
    for name in ("cap-so-mau", "cap-huyen-mau"):
        text = text.replace(f"indicators: {name}\n", f"indicators: {DATA / name}.yaml\n")
    target.write_text(text, encoding="utf-8")
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-results-command-"))
    try:
        campaign = province(args.units, work / "tinh.yaml")
        scores = work / "diem"
        subprocess.run(
            [str(BIN / "vanban"), "example-scores", str(campaign), "--out", str(scores), "--no-forms"],
            check=True,
            capture_output=True,
        )
        csv = next(scores.glob("*.csv"))
        out = work / "ket-qua"
        start = time.perf_counter()
        before = os.times()
        done = subprocess.run(
            [str(BIN / "vanban"), "results", str(campaign), str(csv), "--out", str(out)],
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - start
        after = os.times()
        if done.returncode != 0:
            print(done.stdout, done.stderr)
            return 1
        notices = len(list((out / "thong-bao").glob("*.docx")))
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        print(
            f"vanban results, {args.units} đơn vị, {os.cpu_count()} lõi: {wall:.1f} s ({1000 * wall / args.units:.1f} ms "
            f"một đơn vị; CPU {cpu:.1f} s), {notices} thông báo có biểu đồ"
        )
        print(
            f"Mục tiêu: < 12 s cho 1.000 đơn vị trên 2 lõi: {'đạt' if wall < 12 * args.units / 1000 else 'CHƯA ĐẠT'}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

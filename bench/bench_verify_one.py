"""One file, as a user types it: `vanban verify FILE --out DIR --force -q` against `pdfsig FILE` (poppler).

Target (issue 11): under 0.6 s for vanban. The file is signed with `vanban sign` and the demo PKI, whose
OCSP, CRL and timestamp services run on 127.0.0.1 during the run. Cases:

- B-B file, `--trust ROOT`: chain validated, revocation fetched online (OCSP of the demo PKI);
- B-B file, no trust anchor: the quickest verdict (untrusted), no fetching;
- B-LT file, `--trust ROOT`: revocation data embedded in the file, nothing fetched;
- B-LT file, offline policy (`revocation.online: false`), read from a YAML policy file;
- `pdfsig FILE`, and `pdfsig -nssdir DB FILE` with an NSS database that trusts the demo root (its fair peer
  for the `--trust` cases: pdfsig then validates the chain and asks the OCSP service too).

Python bytecode is cached as after installation (pip writes it, or the first run does): the vanban runs
use a bytecode folder of their own, filled by the warm-up runs, whatever PYTHONDONTWRITEBYTECODE says.
`--no-bytecode` measures without it (every module compiled on each run: a read-only checkout).

Each figure is the minimum (and median) over --runs runs after --warmup runs, with hyperfine when it is
installed (apt-get install hyperfine), else with a loop here. The machine is shared: run it on a quiet
moment, and repeat.

Run:  .venv/bin/python bench/bench_verify_one.py [--runs 15] [--warmup 3] [--no-bytecode]
"""

from __future__ import annotations

import argparse
import json
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
TARGET_S = 0.6

from signing.demo.attacks import sample_pdf  # noqa: E402
from signing.demo.pki import create_demo_pki, make_nss_db  # noqa: E402
from signing.demo.services import serve_pki  # noqa: E402


def _measure(
    name: str, args: list[str], env: dict[str, str], runs: int, warmup: int, work: Path
) -> tuple[float, float]:
    """(minimum, median) wall seconds of `args`; exit code 1 (a file that fails) counts as a run."""
    if shutil.which("hyperfine"):
        export = work / f"{name}.json"
        subprocess.run(
            [
                "hyperfine",
                "-N",
                "-i",
                "-w",
                str(warmup),
                "-r",
                str(runs),
                "--export-json",
                str(export),
                "--",
                " ".join(_quote(a) for a in args),
            ],
            env=env,
            capture_output=True,
            check=True,
        )
        times = json.loads(export.read_text(encoding="utf-8"))["results"][0]["times"]
    else:
        times = []
        for i in range(warmup + runs):
            start = time.perf_counter()
            subprocess.run(args, env=env, capture_output=True)
            if i >= warmup:
                times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def _quote(arg: str) -> str:
    # hyperfine -N splits its command on spaces; the temporary paths here have none.
    if " " in arg:
        raise SystemExit(f"path with a space cannot be benchmarked with hyperfine -N: {arg}")
    return arg


def _verdict(out: Path) -> str:
    (item,) = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return str(item["indication"]) + (f"/{item['sub_indication']}" if item["sub_indication"] else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--no-bytecode", action="store_true", help="compile every module on each run")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-verify-one-"))
    try:
        pki = create_demo_pki(work / "pki")
        env = {**os.environ, "HOME": str(work / "home"), "VANBAN_P12_PASSWORD": pki.password}
        if args.no_bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            env.pop("PYTHONPYCACHEPREFIX", None)
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(work / "bytecode")
        vanban = str(BIN / "vanban")
        draft = work / "van-ban.pdf"
        draft.write_bytes(sample_pdf(["Bao cao minh chung", "Kiem tra toc do mot tep"]))
        policy = work / "ngoai-tuyen.yaml"
        policy.write_text(
            f"trust_anchors: [{pki.root_path}]\nuse_trust_store: false\nrevocation:\n  online: false\n",
            encoding="utf-8",
        )
        nssdir = make_nss_db(work / "nss", [pki.root_cert]) if shutil.which("certutil") else None
        with serve_pki(pki):
            bb, lt = work / "ky-b-b.pdf", work / "ky-b-lt.pdf"
            sign = [vanban, "sign", str(draft), "--p12", str(pki.director_p12)]
            subprocess.run([*sign[:3], str(bb), *sign[3:]], env=env, check=True, capture_output=True)
            subprocess.run(
                [
                    *sign[:3],
                    str(lt),
                    *sign[3:],
                    "--level",
                    "B-LT",
                    "--tsa",
                    pki.tsa_url,
                    "--trust",
                    str(pki.root_path),
                ],
                env=env,
                check=True,
                capture_output=True,
            )
            verify = [vanban, "verify"]
            cases = [
                ("B-B, --trust (OCSP trực tuyến)", [str(bb), "--trust", str(pki.root_path)]),
                ("B-B, không --trust", [str(bb)]),
                ("B-LT, --trust (thu hồi lưu kèm)", [str(lt), "--trust", str(pki.root_path)]),
                ("B-LT, chính sách ngoại tuyến", [str(lt), "--policy", str(policy)]),
            ]
            print(f"{'lệnh, tệp':<44} {'nhỏ nhất':>9} {'trung vị':>9}  kết quả")
            for n, (label, case) in enumerate(cases):
                out = work / f"bao-cao-{n}"
                command = [*verify, *case, "--out", str(out), "--force", "-q"]
                best, median = _measure(f"v{n}", command, env, args.runs, args.warmup, work)
                verdict = _verdict(out)
                mark = "đạt" if best < TARGET_S else "CHƯA ĐẠT"
                print(
                    f"vanban verify {label:<30} {best:8.3f}s {median:8.3f}s  {verdict}; < {TARGET_S} s: {mark}"
                )
            if shutil.which("pdfsig"):
                peers = [("pdfsig FILE", ["pdfsig", str(bb)])]
                if nssdir is not None:
                    peers.append(
                        ("pdfsig -nssdir (tin cậy gốc)", ["pdfsig", "-nssdir", str(nssdir), str(bb)])
                    )
                for n, (label, command) in enumerate(peers):
                    best, median = _measure(f"p{n}", command, env, args.runs, args.warmup, work)
                    print(f"{label:<44} {best:8.3f}s {median:8.3f}s")
        print(
            f"(tải máy lúc đo: {os.getloadavg()[0]:.2f}; mã byte Python: {'không' if args.no_bytecode else 'có'})"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

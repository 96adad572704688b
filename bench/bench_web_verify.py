"""Verification of 1,000 uploaded evidence files by the web service: the server's own worker (one thread, in
process, SQLite) and two Celery workers (`vanban worker`, Redis, PostgreSQL), against `vanban verify --jobs 2`
on the same files.

The corpus is generated with the demo PKI (its OCSP and CRL served on 127.0.0.1): small signed PDFs in 20 unit
folders, uploaded through the evidence page as 20 ZIPs (one per unit). The web figures run from «Kiểm tra chữ ký
số» to the last verdict stored in the database; `vanban verify` gets the same 20 ZIPs and the same trust anchor.
Each is run once as one check of all the files, and once as two checks of half the files each (two campaigns
started together: two Celery workers take one each, the single in-process worker runs them one after the other).

Run:  .venv/bin/python bench/bench_web_verify.py [--files 1000]
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
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
UNITS = 20


def zips_of(corpus: Path, target: Path) -> list[Path]:
    """One ZIP per unit folder, the folder inside it (its first-level folder names the unit)."""
    target.mkdir(parents=True)
    made = []
    for folder in sorted(p for p in corpus.iterdir() if p.is_dir()):
        path = target / f"{folder.name}.zip"
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for pdf in sorted(folder.glob("*.pdf")):
                zf.write(pdf, f"{folder.name}/{pdf.name}")
        made.append(path)
    return made


def vanban_verify(zips: list[Path], root_cert: Path, out: Path, store: Path) -> tuple[float, int]:
    started = time.monotonic()
    proc = subprocess.run(
        [
            str(BIN / "vanban"),
            "verify",
            *map(str, zips),
            "--out",
            str(out),
            "--jobs",
            "2",
            "--trust",
            str(root_cert),
            "--trust-store",
            str(store),
            "-q",
        ],
        capture_output=True,
        text=True,
    )
    elapsed = time.monotonic() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"vanban verify failed ({proc.returncode}): {proc.stderr[-2000:]}")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return elapsed, sum(1 for item in report if item.get("accepted"))


# --- the web side, in a process of its own ---------------------------------------------------------------------


def web_child(
    zips: list[Path], root_cert: Path, campaigns: int, backend: str, workers: int
) -> dict[str, object]:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from web.accounts.models import Agency, Profile, Role
    from web.campaigns.models import Campaign
    from web.evidence.models import VerificationRun

    call_command("migrate", interactive=False, verbosity=0)
    agency = Agency.objects.create(code="bench", name="Sở Khoa học và Công nghệ", abbreviation="SKHCN")
    user = get_user_model().objects.create_user("chuyenvien", password="mat-khau-dai-2026")
    Profile.objects.create(user=user, agency=agency, role=Role.SO_STAFF, must_change_password=False)
    client = Client()
    client.force_login(user)
    source = (ROOT / "examples" / "bacgiang-2023.yaml").read_text(encoding="utf-8")
    made = []
    for n in range(campaigns):
        campaign = Campaign.objects.create(
            agency=agency, slug=f"dot-{n}", title=f"Đợt {n}", year=2023, source=source
        )
        campaign.write_yaml()
        made.append(campaign)
        share = zips[n::campaigns]
        page = client.post(
            f"/minh-chung/{campaign.pk}/tai-len/",
            {"unit": "__tat_ca__", "files": [SimpleUploadedFile(z.name, z.read_bytes()) for z in share]},
        )
        assert page.status_code == 302, page.content.decode()[-2000:]
        page = client.post(
            f"/minh-chung/{campaign.pk}/chinh-sach/tep/",
            {"file": SimpleUploadedFile("goc-mau.crt", root_cert.read_bytes())},
        )
        assert page.status_code == 302, page.content.decode()[-2000:]
        page = client.post(
            f"/minh-chung/{campaign.pk}/chinh-sach/", {"text": "trust_anchors: [goc-mau.crt]\n"}
        )
        assert page.status_code == 302, page.content.decode()[-2000:]

    procs: list[subprocess.Popen[bytes]] = []
    if backend == "celery":
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for _ in range(workers):
            procs.append(
                subprocess.Popen(
                    [
                        str(BIN / "vanban"),
                        "worker",
                        "--data",
                        os.environ["VANBAN_DATA"],
                        "--concurrency",
                        "1",
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        time.sleep(4)  # both workers connected to Redis before the clock starts
    else:
        from web.jobs.runner import start_worker_thread

        start_worker_thread(poll_seconds=0.5)
    try:
        started = time.monotonic()
        for campaign in made:
            assert client.post(f"/minh-chung/{campaign.pk}/kiem-tra/").status_code == 302
        while VerificationRun.objects.exclude(status__in=("done", "failed")).exists():
            time.sleep(0.1)
        elapsed = time.monotonic() - started
    finally:
        for proc in procs:
            os.killpg(proc.pid, 15)
            proc.wait()
    runs = list(VerificationRun.objects.all())
    failed = [r.error for r in runs if r.status != "done"]
    assert not failed, failed
    return {
        "seconds": elapsed,
        "files": sum(r.total_files for r in runs),
        "accepted": sum(r.accepted_files for r in runs),
        "vendor": connection.vendor,
    }


def run_web(
    args: argparse.Namespace,
    zips_dir: Path,
    root_cert: Path,
    campaigns: int,
    backend: str,
    env_extra: dict[str, str],
) -> dict[str, object]:
    data = Path(tempfile.mkdtemp(prefix="bench-web-verify-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "VANBAN_BROKER")}
    env.update({"VANBAN_DATA": str(data), "DJANGO_SETTINGS_MODULE": "web.settings", "PYTHONPATH": str(ROOT)})
    env.update(env_extra)
    try:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", str(zips_dir), str(root_cert), str(campaigns), backend],
            env=env,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise SystemExit(proc.stdout[-3000:] + proc.stderr[-3000:])
        return json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(data, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        zips_dir, root_cert, campaigns, backend = args.child
        zips = sorted(Path(zips_dir).glob("*.zip"))
        print(json.dumps(web_child(zips, Path(root_cert), int(campaigns), backend, workers=2)))
        return 0

    from bench.bench_verify import make_corpus
    from signing.demo.pki import create_demo_pki
    from signing.demo.services import serve_pki
    from tests.web.servers import postgres, postgres_database, redis

    work = Path(tempfile.mkdtemp(prefix="bench-web-verify-"))
    try:
        pki = create_demo_pki(work / "pki")
        with serve_pki(pki):
            size, _ = make_corpus(pki, work / "corpus", args.files, 0)
            zips = zips_of(work / "corpus", work / "zips")
            root = Path(pki.root_path)
            print(
                f"{args.files} tệp PDF đã ký ({size / 1048576:.0f} MB) trong {len(zips)} tệp ZIP, một ZIP mỗi đơn vị"
            )
            baseline, accepted = vanban_verify(zips, root, work / "cli", work / "store")
            rows: list[tuple[str, float, int, int]] = [
                ("vanban verify --jobs 2", baseline, args.files, accepted)
            ]
            for campaigns in (1, 2):
                r = run_web(args, work / "zips", root, campaigns, "inprocess", {})
                label = f"web, tác vụ chạy trong dịch vụ ({campaigns} lần kiểm tra)"
                rows.append((label, float(r["seconds"]), int(r["files"]), int(r["accepted"])))  # type: ignore[call-overload]
            with redis() as broker, postgres() as server:
                for campaigns in (1, 2):
                    with postgres_database(server, "vanban_bench") as url:
                        extra = {"VANBAN_BROKER": broker, "DATABASE_URL": url}
                        r = run_web(args, work / "zips", root, campaigns, "celery", extra)
                    label = f"web, 2 Celery worker trên Redis ({campaigns} lần kiểm tra)"
                    rows.append((label, float(r["seconds"]), int(r["files"]), int(r["accepted"])))  # type: ignore[call-overload]
        print(f"{'cách chạy':58} {'giây':>6} {'tệp/giây':>9} {'so với CLI':>10}  hợp lệ")
        for label, seconds, files, ok in rows:
            print(
                f"{label:58} {seconds:6.1f} {files / seconds:9.1f} {baseline / seconds:10.2f}  {ok}/{files}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

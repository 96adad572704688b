"""Page response times of the web service with a province's worth of data, on SQLite and on PostgreSQL.

Seeds one campaign of 250 units (the Phú Thọ 2026 example with its commune tier grown), 3 rendered versions of
its documents, 1,000 uploaded evidence files (4 per unit) and a finished verification run with a verdict for each,
then times requests (Django's test client, the whole middleware stack, a logged-in chuyên viên Sở) to the
campaign, documents, evidence and report pages. Target: p95 under 200 ms for each page on both databases.

Run:  .venv/bin/python bench/bench_web_pages.py [--requests 40] [--units 250] [--files 1000]
PostgreSQL: the local server on 127.0.0.1:5432 when it lets `postgres` in, otherwise a temporary cluster.
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

EXAMPLE = ROOT / "examples" / "phutho-2026.yaml"
TARGET_MS = 200.0


def grown_campaign(units: int) -> str:
    """The example with `units` units in all: the sở tier as it is, the commune tier filled up."""
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("  - id: xa")
    head = text.index("    units:\n", start) + len("    units:\n")
    lines = text[head:].splitlines(keepends=True)
    keep = 0
    while keep < len(lines) and lines[keep].startswith("      - "):
        keep += 1
    existing = text[:start].count("\n      - ") + keep
    extra = "".join(f"      - UBND xã Thử Nghiệm {n:03d}\n" for n in range(max(0, units - existing)))
    indicators = ROOT / "letters" / "indicators" / "data"
    text = text[:head] + "".join(lines[:keep]) + extra + "".join(lines[keep:])
    for name in ("cap-so-2026-mau", "cap-xa-2026-mau"):
        text = text.replace(f"indicators: {name}\n", f"indicators: {indicators / name}.yaml\n")
    return text


# --- the measuring process (one per database) -------------------------------------------------------------------


def seed(units: int, files: int) -> dict[str, str]:
    import hashlib

    from django.contrib.auth import get_user_model
    from django.urls import reverse
    from django.utils import timezone

    from letters.usecases.documents import campaign_units
    from web.accounts.models import Agency, Profile, Role
    from web.campaigns.models import Campaign
    from web.campaigns.services import save_source
    from web.documents.models import Document, DocumentKind, DocumentVersion, VersionStatus
    from web.evidence.models import EvidenceUpload, VerificationRun, VerifiedFile

    agency = Agency.objects.create(
        code="skhcn-pt", name="Sở Khoa học và Công nghệ Phú Thọ", abbreviation="SKHCN"
    )
    user = get_user_model().objects.create_user("chuyenvien", password="mat-khau-dai-2026")
    Profile.objects.create(user=user, agency=agency, role=Role.SO_STAFF, must_change_password=False)
    source = grown_campaign(units)
    saved = save_source(
        Campaign(agency=agency, title="", year=0), source, action="tao_dot_danh_gia", reason="Bài đo"
    )
    campaign = saved.campaign
    names = [u.name for u in campaign_units(campaign.yaml_path)]
    assert len(names) == units, (len(names), units)

    labels = [
        (DocumentKind.KE_HOACH, "Kế hoạch", "docx"),
        (DocumentKind.CONG_VAN, "Công văn hướng dẫn", "docx"),
        (DocumentKind.ANNEX, "Biểu số 01", "docx"),
        (DocumentKind.ANNEX, "Biểu số 01 (Excel)", "xlsx"),
        (DocumentKind.ANNEX, "Phụ lục I", "docx"),
        (DocumentKind.ANNEX, "Biểu số 02", "docx"),
        (DocumentKind.ANNEX, "Biểu số 02 (Excel)", "xlsx"),
        (DocumentKind.ANNEX, "Phụ lục II", "docx"),
    ]
    for number in (1, 2, 3):
        version = DocumentVersion.objects.create(
            agency=agency,
            campaign=campaign,
            number=number,
            status=VersionStatus.READY,
            source=source,
            source_sha256=hashlib.sha256(source.encode()).hexdigest(),
            signer_name="Nguyễn Văn A",
            created_by=user,
            finished_at=timezone.now(),
        )
        Document.objects.bulk_create(
            Document(
                agency=agency,
                version=version,
                order=i,
                kind=kind,
                label=label,
                office_path=f"{i:02d}.{ext}",
                office_sha256="0" * 64,
                office_size=40_000,
                pdf_path=f"{i:02d}.pdf",
                pdf_sha256="0" * 64,
                pdf_size=80_000,
                pages=3,
            )
            for i, (kind, label, ext) in enumerate(labels)
        )

    uploads = EvidenceUpload.objects.bulk_create(
        EvidenceUpload(
            agency=agency,
            campaign=campaign,
            unit_name=names[i % units],
            unit_key=f"u{i % units:03d}",
            kind=EvidenceUpload.Kind.PDF,
            original_name=f"minh-chung-{i:04d}.pdf",
            stored_path=f"bench/{i:04d}.pdf",
            size=120_000,
            sha256=hashlib.sha256(str(i).encode()).hexdigest(),
            uploaded_by=user,
        )
        for i in range(files)
    )
    run = VerificationRun.objects.create(
        agency=agency,
        campaign=campaign,
        number=1,
        status="done",
        total_files=files,
        accepted_files=files * 7 // 10,
        seconds=12.5,
        started_by=user,
        finished_at=timezone.now(),
    )
    run.uploads.set(uploads)
    verdicts = [
        ("TOTAL_PASSED", "", "TOTAL_PASSED", True, "Hợp lệ"),
        ("TOTAL_FAILED", "HASH_FAILURE", "TOTAL_FAILED", False, "Không hợp lệ: nội dung đã ký bị thay đổi"),
        ("INDETERMINATE", "TRY_LATER", "INDETERMINATE", False, "Chưa xác định được"),
        ("NO_SIGNATURE", "", "NO_SIGNATURE", False, "Không có chữ ký số"),
    ]
    VerifiedFile.objects.bulk_create(
        VerifiedFile(
            run=run,
            position=i,
            unit=names[i % units],
            file=f"{names[i % units]}/minh-chung-{i:04d}.pdf",
            indication=verdicts[0 if i % 10 < 7 else 1 + i % 3][0],
            sub_indication=verdicts[0 if i % 10 < 7 else 1 + i % 3][1],
            kind=verdicts[0 if i % 10 < 7 else 1 + i % 3][2],
            accepted=i % 10 < 7,
            verdict=verdicts[0 if i % 10 < 7 else 1 + i % 3][4],
            message="Chữ ký của Nguyễn Văn A (Sở Y tế) hợp lệ, thời điểm ký được chứng thực.",
            action="" if i % 10 < 7 else "Đề nghị đơn vị ký số lại tài liệu và gửi lại.",
            signatures=[{"signer": "Nguyễn Văn A", "organisation": "Sở Y tế"}],
        )
        for i in range(files)
    )
    return {
        "Trang đợt đánh giá": reverse("campaigns:detail", args=[campaign.pk]),
        "Sửa danh sách đơn vị cấp xã": reverse("campaigns:edit", args=[campaign.pk, "tiers/2/units"]),
        "Trang văn bản": reverse("documents:index", args=[campaign.pk]),
        "Trang minh chứng (1.000 tệp)": reverse("evidence:campaign", args=[campaign.pk]),
        "Trang báo cáo kiểm tra": reverse("evidence:report", args=[campaign.pk, 1]),
        "Báo cáo, lọc một đơn vị": reverse("evidence:report", args=[campaign.pk, 1])
        + f"?don_vi={names[units // 2]}",
    }


def measure(requests: int, units: int, files: int) -> dict[str, object]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", interactive=False, verbosity=0)
    pages = seed(units, files)
    from web.server import settle_memory

    settle_memory()  # as `vanban serve` does before it takes requests
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username="chuyenvien"))
    figures: dict[str, dict[str, float]] = {}
    for label, url in pages.items():
        for _ in range(3):  # warm: templates compiled, caches filled
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        times.sort()
        figures[label] = {
            "p50": statistics.median(times),
            "p95": times[max(0, round(0.95 * len(times)) - 1)],
            "kb": len(response.content) / 1024,
        }
    return {"vendor": connection.vendor, "pages": figures}


# --- the driver ---------------------------------------------------------------------------------------------


def run_child(args: argparse.Namespace, database_url: str | None) -> dict[str, object]:
    data = Path(tempfile.mkdtemp(prefix="bench-web-pages-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "VANBAN_BROKER")}
    env.update({"VANBAN_DATA": str(data), "DJANGO_SETTINGS_MODULE": "web.settings", "PYTHONPATH": str(ROOT)})
    if database_url:
        env["DATABASE_URL"] = database_url
    try:
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                f"--requests={args.requests}",
                f"--units={args.units}",
                f"--files={args.files}",
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise SystemExit(proc.stdout + proc.stderr)
        return json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(data, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--units", type=int, default=250)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.requests, args.units, args.files)))
        return 0

    from tests.web.servers import postgres, postgres_database

    results = [run_child(args, None)]
    with postgres() as server, postgres_database(server, "vanban_bench") as url:
        results.append(run_child(args, url))
    print(f"{args.units} đơn vị, {args.files} tệp minh chứng, {args.requests} lượt mỗi trang (mili giây)")
    slow = []
    for result in results:
        print(f"\n{result['vendor']}:")
        for label, f in result["pages"].items():  # type: ignore[union-attr]
            mark = "" if f["p95"] < TARGET_MS else "  > mục tiêu"
            print(f"  {label:32} p50 {f['p50']:6.1f}  p95 {f['p95']:6.1f}  ({f['kb']:.0f} KB){mark}")
            if f["p95"] >= TARGET_MS:
                slow.append(f"{result['vendor']}: {label}")
    print(f"\nMục tiêu p95 < {TARGET_MS:.0f} ms: " + ("đạt" if not slow else "chưa đạt: " + "; ".join(slow)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

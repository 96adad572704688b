"""`vanban backup` / `vanban restore`: a populated service saved to one file and restored into a new data folder,
on SQLite and on PostgreSQL whichever the service ran on; records and file hashes compared after the round trip."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.web import servers
from tests.web.infra import postgres_server, service_env  # noqa: F401 - fixture
from web import backup
from web.accounts.models import Agency, Profile, Role, Unit
from web.audit.log import record
from web.audit.models import AuditEvent
from web.campaigns.models import Campaign
from web.jobs.models import Job, JobStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

VANBAN = str(Path(sys.executable).with_name("vanban"))
CAMPAIGN_YAML = "campaign:\n  title: Đánh giá chỉ số chuyển đổi số năm 2025\n  year: 2025\n"


def _populate() -> dict[str, str]:
    """Records of every kind the service keeps, and files (binary, Vietnamese names, a SQLite register)."""
    agency = Agency.objects.create(
        code="skhcn-pt", name="Sở Khoa học và Công nghệ Phú Thọ", abbreviation="SKHCN"
    )
    other = Agency.objects.create(
        code="skhcn-bg", name="Sở Khoa học và Công nghệ Bắc Giang", abbreviation="SKHCN"
    )
    unit = Unit.objects.create(agency=agency, code="so-y-te", name="Sở Y tế")
    Unit.objects.create(agency=agency, code="xa-thanh-son", name="Xã Thanh Sơn", parent=unit)
    users = get_user_model().objects
    for username, role, home in [
        ("chuyenvien", Role.SO_STAFF, agency),
        ("lanhdao", Role.SO_LEADER, agency),
        ("vanthu.bg", Role.CLERK, other),
    ]:
        user = users.create_user(username, password=f"{username}-mat-khau-2026")
        Profile.objects.create(user=user, agency=home, role=role, full_name=f"Nguyễn Văn {username}")
    profile = Profile.objects.get(user__username="chuyenvien")
    profile.full_name = "Nguyễn Văn An"  # a change, kept in the history
    profile.save()
    campaign = Campaign.objects.create(
        agency=agency, slug="dti-2025", title="Đánh giá DTI 2025", year=2025, source=CAMPAIGN_YAML
    )
    campaign.write_yaml()
    job = Job.objects.create(
        kind="documents.render",
        label="Tạo văn bản",
        agency=agency,
        params={"campaign": campaign.pk},
        status=JobStatus.DONE,
        result={"tệp": ["Kế hoạch.docx", "Công văn.pdf"], "số": 2},
        started_at=timezone.now() - dt.timedelta(seconds=5),
        finished_at=timezone.now(),
    )
    user = users.get(username="chuyenvien")
    record("sua_chien_dich", campaign, user=user, before={"year": 2024}, after={"year": 2025}, note="Sửa năm")
    record("xem_van_ban", job, user=user)
    folder = campaign.folder
    (folder / "van-ban").mkdir(parents=True, exist_ok=True)
    (folder / "van-ban" / "Kế hoạch đánh giá.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 64)
    (folder / "minh-chung" / "Sở Y tế").mkdir(parents=True, exist_ok=True)
    (folder / "minh-chung" / "Sở Y tế" / "tài liệu 1.pdf").write_bytes(b"%PDF-1.4 minh chung\n")
    register = folder / "so-dang-ky.sqlite3"
    with sqlite3.connect(register) as conn:
        conn.execute("CREATE TABLE so (so INTEGER, ky_hieu TEXT)")
        conn.execute("INSERT INTO so VALUES (1, '01/KH-SKHCN')")
    conn.close()
    return {"campaign_yaml": str(campaign.yaml_path.relative_to(settings.DATA_DIR))}


def _contents(archive: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    with zipfile.ZipFile(archive) as zf:
        return json.loads(zf.read("manifest.json")), json.loads(zf.read("database.json"))


def _records(rows: list[dict[str, Any]], *, skip_actions: set[str]) -> set[str]:
    """Records as comparable strings. JSON objects are compared by content (PostgreSQL's jsonb reorders keys)."""
    out = set()
    for row in rows:
        if row["model"] == "audit.auditevent" and row["fields"]["action"] in skip_actions:
            continue
        out.add(json.dumps(row, sort_keys=True, ensure_ascii=False))
    return out


def _restore(
    archive: Path, data: Path, database_url: str | None, *extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VANBAN, "restore", str(archive), "--data", str(data), *extra],
        env=service_env(database_url),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _backup(archive: Path, data: Path, database_url: str | None) -> None:
    proc = subprocess.run(
        [VANBAN, "backup", str(archive), "--data", str(data)],
        env=service_env(database_url),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"Đã sao lưu vào {archive}" in proc.stdout


def test_a_backup_restores_every_record_and_file_on_sqlite_and_on_postgresql(
    tmp_path: Path, postgres_server: servers.PostgresServer
) -> None:
    where = _populate()
    archive = tmp_path / "sao-luu.zip"
    manifest = backup.create(archive)
    assert manifest.records["accounts.profile"] == 3 and manifest.records["campaigns.campaign"] == 1
    assert manifest.records["accounts.historicalprofile"] == 4  # three creations and one change
    saved_manifest, saved_rows = _contents(archive)
    saved_files = {f["path"]: f["sha256"] for f in saved_manifest["files"]}
    assert f"data/{where['campaign_yaml']}" in saved_files
    assert not any(p.endswith(("secret-key", ".sqlite3-wal")) or "/static/" in p for p in saved_files)
    # The datetimes keep their microseconds (Django's own JSON cuts them to milliseconds).
    job_row = next(r for r in saved_rows if r["model"] == "jobs.job")
    assert job_row["fields"]["finished_at"] == Job.objects.get().finished_at.isoformat()

    with servers.postgres_database(postgres_server, "vanban_restore") as pg_url:
        for label, database_url in [("sqlite", None), ("postgresql", pg_url)]:
            data = tmp_path / f"khoi-phuc-{label}"
            proc = _restore(archive, data, database_url)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            assert f"Đã khôi phục bản sao lưu lúc {manifest.created_text} vào {data}." in proc.stdout
            # Every file, byte for byte.
            for name, digest in saved_files.items():
                restored = data / name.removeprefix("data/")
                assert hashlib.sha256(restored.read_bytes()).hexdigest() == digest, name
            with sqlite3.connect(
                data
                / Path(next(n for n in saved_files if n.endswith("so-dang-ky.sqlite3"))).relative_to("data")
            ) as conn:
                assert conn.execute("SELECT ky_hieu FROM so").fetchall() == [("01/KH-SKHCN",)]
            conn.close()
            # Every record: the restored service backs up to the same records, plus the restore's own events.
            again = tmp_path / f"lai-{label}.zip"
            _backup(again, data, database_url)
            again_manifest, again_rows = _contents(again)
            skip = {"sao_luu_du_lieu", "khoi_phuc_du_lieu"}
            assert _records(again_rows, skip_actions=skip) == _records(saved_rows, skip_actions=skip), label
            actions = [r["fields"]["action"] for r in again_rows if r["model"] == "audit.auditevent"]
            assert actions.count("khoi_phuc_du_lieu") == 1
            assert {f["path"]: f["sha256"] for f in again_manifest["files"]} == saved_files
            assert again_manifest["vendor"] == label
        # Restoring again into the same database is refused unless forced.
        refused = _restore(archive, tmp_path / "trong", pg_url)
        assert refused.returncode == 1
        assert "Cơ sở dữ liệu đã có dữ liệu" in refused.stderr and "--force" in refused.stderr
        forced = _restore(archive, tmp_path / "trong-2", pg_url, "--force")
        assert forced.returncode == 0, forced.stderr


def test_restore_refuses_a_folder_with_data_unless_forced(tmp_path: Path) -> None:
    Agency.objects.create(code="a", name="Sở A", abbreviation="A")
    archive = tmp_path / "a.zip"
    backup.create(archive)
    data = tmp_path / "du-lieu"
    data.mkdir()
    (data / "ghi-chu.txt").write_text("đang dùng", encoding="utf-8")
    proc = _restore(archive, data, None)
    assert proc.returncode == 1
    assert f"Thư mục dữ liệu {data} đã có dữ liệu" in proc.stderr and "Traceback" not in proc.stderr
    assert sorted(p.name for p in data.iterdir()) == ["ghi-chu.txt"]  # untouched
    proc = _restore(archive, data, None, "--force")
    assert proc.returncode == 0, proc.stderr
    assert not (data / "ghi-chu.txt").exists() and (data / "vanban.sqlite3").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".du-lieu")]  # the old content is gone


def test_a_damaged_or_foreign_archive_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    Agency.objects.create(code="a", name="Sở A", abbreviation="A")
    (settings.FILES_DIR / "kiem-tra").mkdir(parents=True, exist_ok=True)
    (settings.FILES_DIR / "kiem-tra" / "tep.pdf").write_bytes(b"%PDF-1.7 nguyen ban")
    archive = tmp_path / "a.zip"
    backup.create(archive)

    def rewritten(name: str, change: Any) -> Path:
        target = tmp_path / name
        with zipfile.ZipFile(archive) as src, zipfile.ZipFile(target, "w") as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                result = change(info.filename, data)
                if result is not None:
                    dst.writestr(result[0], result[1])
        return target

    tampered = rewritten(
        "sua.zip", lambda n, d: (n, b"%PDF-1.7 da bi sua") if n.endswith("kiem-tra/tep.pdf") else (n, d)
    )
    escaping = rewritten(
        "thoat.zip",
        lambda n, d: (
            (n, d.replace(b'"data/files/kiem-tra/tep.pdf"', b'"data/../../tep.pdf"'))
            if n == "manifest.json"
            else ("data/../../tep.pdf", d)
            if n.endswith("kiem-tra/tep.pdf")
            else (n, d)
        ),
    )
    not_ours = tmp_path / "khac.zip"
    with zipfile.ZipFile(not_ours, "w") as zf:
        zf.writestr("bao-cao.txt", "không phải sao lưu")
    for bad, message in [
        (tampered, "không đúng mã băm SHA-256"),
        (escaping, "đường dẫn không hợp lệ"),
        (not_ours, "không phải tệp sao lưu của vanban"),
    ]:
        data = tmp_path / f"khoi-phuc-{bad.stem}"
        proc = _restore(bad, data, None)
        assert proc.returncode == 1, proc.stdout
        assert message in proc.stderr, proc.stderr
        assert not data.exists()
    assert not (tmp_path.parent / "tep.pdf").exists()


def test_backup_never_overwrites_a_file_nor_writes_into_the_data_folder(tmp_path: Path) -> None:
    from letters.core.errors import VanbanError

    existing = tmp_path / "co-san.zip"
    existing.write_bytes(b"giu nguyen")
    with pytest.raises(VanbanError):
        backup.create(existing)
    assert existing.read_bytes() == b"giu nguyen"
    with pytest.raises(VanbanError, match="thư mục dữ liệu"):
        backup.create(settings.DATA_DIR / "sao-luu.zip")
    assert not AuditEvent.objects.filter(action="sao_luu_du_lieu").exists()

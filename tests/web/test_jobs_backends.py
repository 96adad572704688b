"""The two job back ends with real processes: Celery workers (`vanban worker`) on a real redis-server, and the
server's own worker thread. Jobs are enqueued as the web service enqueues them; their outcome is read back from
the database, which both the service and the workers use."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

import tests.web.jobapp.jobs  # noqa: F401 - the test job kinds, registered in this process too
from signing.demo.pki import DemoPKI
from tests.pki_fixtures import demo_pki, pki_server  # noqa: F401 - fixtures
from tests.web.infra import (  # noqa: F401 - fixtures
    celery_broker,
    redis_url,
    start_worker,
    stop_worker,
    wait_until,
)
from web.accounts.models import Agency, Profile, Role
from web.jobs.models import Job, JobStatus
from web.jobs.runner import enqueue, requeue_interrupted, start_worker_thread, stop_worker_thread

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _agency(code: str) -> Agency:
    return Agency.objects.create(code=code, name=f"Sở {code}", abbreviation=code.upper())


def _finished(*jobs: Job) -> bool:
    return all(j.finished for j in Job.objects.filter(pk__in=[job.pk for job in jobs]))


def _runs() -> list[str]:
    log = settings.FILES_DIR / "runs.log"
    return log.read_text(encoding="utf-8").split() if log.exists() else []


def test_celery_workers_on_redis_run_the_jobs_and_the_database_keeps_the_outcome(
    celery_broker: str, tmp_path: Path
) -> None:
    import redis

    agency = _agency("celery")
    user = get_user_model().objects.create_user("chuyenvien.celery", password="mat-khau-dai-2026")
    Profile.objects.create(user=user, agency=agency, role=Role.SO_STAFF, must_change_password=False)
    # Queued before any worker runs: Redis holds the messages, the rows wait as «Đang chờ».
    sums = [
        enqueue("infra.sum", f"Cộng {i}", agency_id=agency.pk, params={"values": [i, i, 1], "pause": 0.05})
        for i in range(8)
    ]
    written = enqueue(
        "infra.write",
        "Ghi tệp",
        agency_id=agency.pk,
        params={"name": f"agency-{agency.pk}/ket-qua.txt", "text": "Kết quả kiểm tra"},
    )
    failed = enqueue("infra.fail", "Kiểm tra hồ sơ", agency_id=agency.pk, params={})
    crashed = enqueue("infra.crash", "Lỗi lập trình", agency_id=agency.pk, params={})
    everything = [*sums, written, failed, crashed]
    assert {j.status for j in Job.objects.filter(pk__in=[j.pk for j in everything])} == {JobStatus.QUEUED}
    assert redis.Redis.from_url(celery_broker).llen("celery") == len(everything)

    log = tmp_path / "worker.log"
    worker = start_worker(celery_broker, log, concurrency=2)
    try:
        wait_until(lambda: _finished(*everything), 90, "the Celery worker finishing every job", log)
    finally:
        stop_worker(worker)
    assert worker.returncode is not None

    for i, job in enumerate(sums):
        job.refresh_from_db()
        assert job.status == JobStatus.DONE and job.result["sum"] == 2 * i + 1
        assert job.result["pid"] != os.getpid()  # run by the worker, not by this process
        assert job.started_at and job.finished_at and job.finished_at >= job.started_at
    # Two jobs at a time in the worker, each job claimed exactly once.
    runs = _runs()
    assert all(runs.count(str(job.pk)) == 1 for job in sums)
    # The worker wrote into the data folder this process serves files from.
    written.refresh_from_db()
    stored = settings.FILES_DIR / f"agency-{agency.pk}" / "ket-qua.txt"
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == written.result["sha256"]
    failed.refresh_from_db()
    assert failed.status == JobStatus.FAILED
    assert failed.error == "Tệp hồ sơ chiến dịch có lỗi ở dòng 7: thiếu trường «year»."
    crashed.refresh_from_db()
    assert crashed.status == JobStatus.FAILED and crashed.error.startswith("Lỗi không mong đợi")

    # Redis is only the queue: empty it and the outcome is still there, on the progress page too.
    redis.Redis.from_url(celery_broker).flushdb()
    client = Client()
    client.force_login(user)
    page = client.get(f"/tac-vu/{written.pk}/").content.decode()
    assert "Hoàn tất" in page
    page = client.get(f"/tac-vu/{failed.pk}/").content.decode()
    assert "thiếu trường «year»" in page


def test_a_job_sent_while_a_worker_runs_is_picked_up_at_once(celery_broker: str, tmp_path: Path) -> None:
    agency = _agency("celery2")
    log = tmp_path / "worker.log"
    worker = start_worker(celery_broker, log, concurrency=1)
    try:
        first = enqueue("infra.sum", "Cộng", agency_id=agency.pk, params={"values": [2, 3]})
        wait_until(lambda: _finished(first), 60, "the first job", log)
        second = enqueue("infra.sum", "Cộng nữa", agency_id=agency.pk, params={"values": [4, 5]})
        wait_until(lambda: _finished(second), 20, "the second job", log)
    finally:
        stop_worker(worker)
    second.refresh_from_db()
    assert second.result["sum"] == 9


def _zip_folder(folder: Path) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def test_evidence_uploaded_through_the_pages_is_verified_by_a_celery_worker(
    celery_broker: str,
    pki_server: DemoPKI,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The whole path of a scaled-out service: the page enqueues on Redis, a `vanban worker` process verifies the
    files from the shared data folder and writes the verdicts to the shared database, the page reads them."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from signing.demo.sample import build_sample_evidence, sample_policy_path
    from tests.conftest import EXAMPLES
    from web.campaigns.models import Campaign
    from web.evidence.models import VerificationRun

    agency = _agency("evidence")
    user = get_user_model().objects.create_user("chuyenvien.mc", password="mat-khau-dai-2026")
    Profile.objects.create(user=user, agency=agency, role=Role.SO_STAFF, must_change_password=False)
    campaign = Campaign.objects.create(
        agency=agency,
        slug="bacgiang-2023",
        title="Đánh giá DTI năm 2023",
        year=2023,
        source=(EXAMPLES / "bacgiang-2023.yaml").read_text(encoding="utf-8"),
    )
    campaign.write_yaml()
    evidence = build_sample_evidence(tmp_path / "mau", pki_server)
    client = Client()
    client.force_login(user)
    page = client.post(
        f"/minh-chung/{campaign.pk}/tai-len/",
        {"unit": "__tat_ca__", "files": [SimpleUploadedFile("minh-chung.zip", _zip_folder(evidence))]},
    )
    assert page.status_code == 302, page.content.decode()
    # The sample's policy, trusting the demo root (uploaded with its CRLs beside the policy).
    policy_path = sample_policy_path(evidence)
    for name, data in (
        ("goc-mau.crt", Path(pki_server.root_path).read_bytes()),
        ("ca.crl", (policy_path.parent / "ca.crl").read_bytes()),
        ("root.crl", (policy_path.parent / "root.crl").read_bytes()),
    ):
        page = client.post(
            f"/minh-chung/{campaign.pk}/chinh-sach/tep/", {"file": SimpleUploadedFile(name, data)}
        )
        assert page.status_code == 302, page.content.decode()
    policy = yaml.safe_load(policy_path.read_text(encoding="utf-8"))
    policy["trust_anchors"] = ["goc-mau.crt"]
    page = client.post(
        f"/minh-chung/{campaign.pk}/chinh-sach/",
        {"text": yaml.safe_dump(policy, allow_unicode=True, sort_keys=False)},
    )
    assert page.status_code == 302, page.content.decode()
    page = client.post(f"/minh-chung/{campaign.pk}/kiem-tra/")
    assert page.status_code == 302
    run = VerificationRun.objects.get(campaign=campaign)
    assert run.job is not None and run.job.status == JobStatus.QUEUED

    log = tmp_path / "worker.log"
    worker = start_worker(celery_broker, log, concurrency=2)
    try:
        wait_until(lambda: _finished(run.job), 180, "the Celery worker verifying the evidence", log)
    finally:
        stop_worker(worker)
    run.refresh_from_db()
    run.job.refresh_from_db()
    assert run.job.status == JobStatus.DONE, run.job.error + log.read_text(errors="replace")[-3000:]
    assert run.status == JobStatus.DONE and run.total_files > 0
    assert run.job.result == {"files": run.total_files, "accepted": run.accepted_files}
    assert 0 < run.accepted_files < run.total_files, list(
        run.files.values_list("file", "verdict", "message")
    )[:6]
    report = client.get(f"/minh-chung/{campaign.pk}/lan/{run.number}/")
    assert report.status_code == 200
    text = report.content.decode()
    assert "Sở Y tế" in text and "Hợp lệ" in text


def test_vanban_worker_refuses_to_start_without_a_broker(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "VANBAN_BROKER"}
    proc = subprocess.run(
        [str(Path(os.sys.executable).with_name("vanban")), "worker", "--data", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "Chưa đặt biến môi trường VANBAN_BROKER" in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr


def test_the_servers_worker_thread_runs_jobs_as_they_are_enqueued(settings: object) -> None:
    settings.VANBAN_BROKER = ""  # type: ignore[attr-defined]
    agency = _agency("thread")
    start_worker_thread(poll_seconds=30)  # a long poll: only the wake-up on enqueue can make this quick
    try:
        job = enqueue("infra.sum", "Cộng", agency_id=agency.pk, params={"values": [1, 2, 3, 4]})
        wait_until(lambda: _finished(job), 10, "the worker thread running the job")
        failed = enqueue("infra.crash", "Lỗi", agency_id=agency.pk, params={})
        wait_until(lambda: _finished(failed), 10, "the worker thread surviving a crashing job")
        after = enqueue("infra.sum", "Sau lỗi", agency_id=agency.pk, params={"values": [5]})
        wait_until(lambda: _finished(after), 10, "the worker thread after a crash")
    finally:
        stop_worker_thread()
    job.refresh_from_db()
    assert (job.status, job.result["sum"], job.result["pid"]) == (JobStatus.DONE, 10, os.getpid())
    after.refresh_from_db()
    assert after.status == JobStatus.DONE


def test_jobs_left_running_by_a_stopped_server_run_again_at_start(settings: object) -> None:
    settings.VANBAN_BROKER = ""  # type: ignore[attr-defined]
    agency = _agency("restart")
    job = Job.objects.create(
        kind="infra.sum", label="Bị ngắt", agency=agency, params={"values": [7]}, status=JobStatus.RUNNING
    )
    assert requeue_interrupted() == 1
    start_worker_thread(poll_seconds=0.1)
    try:
        wait_until(lambda: _finished(job), 10, "the interrupted job running again")
    finally:
        stop_worker_thread()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.result["sum"] == 7

"""Running jobs: claim one queued job atomically, run it, store its outcome. Used by the server's worker thread
and by the Celery task alike, so both back ends behave the same."""

from __future__ import annotations

import logging
import threading
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.utils import timezone

from letters.core.errors import VanbanError
from web.jobs.models import Job, JobStatus
from web.jobs.registry import function_for

log = logging.getLogger(__name__)


def enqueue(kind: str, label: str, *, agency_id: int, params: dict[str, Any], user: Any = None) -> Job:
    """Create the job row, then hand it to the back end once the surrounding transaction has committed."""
    function_for(kind)  # refuse unknown kinds now, not in a worker
    job = Job.objects.create(
        kind=kind, label=label, agency_id=agency_id, params=params, created_by=user if user else None
    )
    if settings.VANBAN_BROKER:
        from web.jobs.celery import run_job_task

        transaction.on_commit(lambda: run_job_task.delay(str(job.id)))
    else:
        transaction.on_commit(wake_worker)
    return job


def claim(job_id: UUID | str | None = None) -> Job | None:
    """Mark one queued job running and return it; None when there is none (or another worker took it)."""
    with transaction.atomic():
        queued = Job.objects.filter(status=JobStatus.QUEUED)
        if job_id is not None:
            queued = queued.filter(pk=job_id)
        if transaction.get_connection().features.has_select_for_update_skip_locked:
            queued = queued.select_for_update(skip_locked=True)
        job = queued.order_by("created_at").first()
        if job is None:
            return None
        # The status condition makes the claim safe where SKIP LOCKED does not exist (SQLite takes the write
        # lock for the whole IMMEDIATE transaction instead).
        taken = Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, started_at=timezone.now()
        )
        if not taken:
            return None
    job.refresh_from_db()
    return job


def run(job: Job) -> None:
    def progress(done: int, total: int, message: str = "") -> None:
        Job.objects.filter(pk=job.pk).update(progress=done, total=total, message=message[:500])

    try:
        result = function_for(job.kind)(job, progress)
    except VanbanError as exc:
        _finish(job, JobStatus.FAILED, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - a job never takes the worker down
        log.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, JobStatus.FAILED, error=f"Lỗi không mong đợi khi chạy tác vụ ({type(exc).__name__}).")
    else:
        _finish(job, JobStatus.DONE, result=result)


def _finish(job: Job, status: str, *, result: Any = None, error: str = "") -> None:
    Job.objects.filter(pk=job.pk).update(
        status=status, result=result, error=error, finished_at=timezone.now(), message=""
    )


def run_pending(limit: int | None = None) -> int:
    """Run queued jobs until none is left (or `limit`); returns how many ran."""
    count = 0
    while limit is None or count < limit:
        job = claim()
        if job is None:
            break
        run(job)
        count += 1
    return count


_wake = threading.Event()
_stop = threading.Event()
_worker: threading.Thread | None = None


def wake_worker() -> None:
    _wake.set()


def start_worker_thread(poll_seconds: float = 2.0) -> threading.Thread:
    """The server's own worker: one thread that runs queued jobs, woken at once by new ones."""
    global _worker
    if _worker is not None and _worker.is_alive():
        return _worker

    def loop() -> None:
        while not _stop.is_set():
            _wake.wait(poll_seconds)
            _wake.clear()
            if _stop.is_set():
                break
            try:
                run_pending()
            except Exception:  # noqa: BLE001
                log.exception("job worker loop")
            finally:
                close_old_connections()
        connections.close_all()

    _stop.clear()
    _worker = threading.Thread(target=loop, name="vanban-jobs", daemon=True)
    _worker.start()
    return _worker


def stop_worker_thread(timeout: float = 30.0) -> None:
    """Let the running job finish, then end the thread and close its database connection (tests, shutdown)."""
    global _worker
    if _worker is None:
        return
    _stop.set()
    _wake.set()
    _worker.join(timeout)
    _worker = None


def requeue_interrupted() -> int:
    """Jobs left running by a server that stopped are run again (they write through staging, so a rerun is safe)."""
    return Job.objects.filter(status=JobStatus.RUNNING).update(status=JobStatus.QUEUED, started_at=None)

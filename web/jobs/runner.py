"""Running jobs: claim one queued job atomically, run it, store its outcome. Used by the server's worker thread
and by the Celery task alike, so both back ends behave the same."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import close_old_connections, connection, connections, transaction
from django.utils import timezone

from letters.core.errors import VanbanError
from web.jobs.models import Job, JobStatus
from web.jobs.registry import Progress, function_for

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


def from_any_thread(progress: Progress) -> Progress:
    """A job's progress callback that its use case may also call from helper threads (the PDF conversion and the
    verifier report from their pools).

    A report from another thread writes through that thread's own database connection, closed at once. Not
    while the job's thread holds a transaction (the tests run jobs inside one): that write would wait for the
    transaction to end, so such reports are dropped, and the last label stands until the job's thread reports
    again."""
    owner = threading.get_ident()
    in_transaction = connection.in_atomic_block

    def report(done: int, total: int, message: str = "") -> None:
        if threading.get_ident() == owner:
            progress(done, total, message)
        elif not in_transaction:
            try:
                progress(done, total, message)
            finally:
                connection.close()

    return report


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


@dataclass
class _Periodic:
    every: float
    first_after: float
    function: Callable[[], Any]
    due: float = 0.0
    thread: threading.Thread | None = None


# Work other apps want done every so often by the server's own worker (the deadline reminders), registered by
# those apps so this one imports none of them. Each call runs on a thread of its own, one at a time per hook:
# a slow mail server never holds up a queued job.
_periodic: dict[str, _Periodic] = {}


def register_periodic(
    name: str, every_seconds: float, function: Callable[[], Any], *, first_after: float | None = None
) -> None:
    """Call `function` every `every_seconds` while the server's worker thread runs (the first call
    `first_after` seconds after it starts; default: one period). With Celery workers nothing calls it: the
    operator runs the matching command from a timer."""
    _periodic[name] = _Periodic(
        every_seconds, every_seconds if first_after is None else first_after, function
    )
    if _worker is not None and _worker.is_alive():
        _periodic[name].due = time.monotonic() + _periodic[name].first_after


def unregister_periodic(name: str) -> None:
    _periodic.pop(name, None)


def _run_due_periodic() -> None:
    now = time.monotonic()
    for name, hook in list(_periodic.items()):
        if now < hook.due or (hook.thread is not None and hook.thread.is_alive()):
            continue
        hook.due = now + hook.every
        hook.thread = threading.Thread(
            target=_call_periodic, args=(name, hook.function), name=f"vanban-{name}", daemon=True
        )
        hook.thread.start()


def _call_periodic(name: str, function: Callable[[], Any]) -> None:
    try:
        function()
    except Exception:  # noqa: BLE001 - the next period tries again
        log.exception("periodic task %s", name)
    finally:
        connections.close_all()


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
                _run_due_periodic()
                run_pending()
            except Exception:  # noqa: BLE001
                log.exception("job worker loop")
            finally:
                close_old_connections()
        connections.close_all()

    _stop.clear()
    started = time.monotonic()
    for hook in _periodic.values():
        hook.due = started + hook.first_after
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
    for hook in _periodic.values():
        if hook.thread is not None:
            hook.thread.join(timeout)


def requeue_interrupted() -> int:
    """Jobs left running by a server that stopped are run again (they write through staging, so a rerun is safe)."""
    return Job.objects.filter(status=JobStatus.RUNNING).update(status=JobStatus.QUEUED, started_at=None)

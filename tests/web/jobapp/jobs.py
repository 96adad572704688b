"""Job kinds that show where and how a job ran: the process, the shared data folder, the error boundary."""

from __future__ import annotations

import hashlib
import os
import time
from typing import Any

from django.conf import settings

from letters.core.errors import VanbanError
from web.jobs.registry import Progress, job_kind


@job_kind("infra.sum")
def add_up(job: Any, progress: Progress) -> dict[str, Any]:
    values = job.params["values"]
    # One line per run: a job claimed twice (by two workers) would show up twice.
    settings.FILES_DIR.mkdir(parents=True, exist_ok=True)
    with open(settings.FILES_DIR / "runs.log", "a", encoding="utf-8") as log:
        log.write(f"{job.pk}\n")
    for done in range(len(values)):
        progress(done, len(values), f"Đang cộng số thứ {done + 1}")
        time.sleep(job.params.get("pause", 0))
    return {"sum": sum(values), "pid": os.getpid()}


@job_kind("infra.write")
def write_file(job: Any, progress: Progress) -> dict[str, Any]:
    """Writes into the data folder the web process reads: files live there, not in the queue."""
    data = job.params["text"].encode("utf-8")
    target = settings.FILES_DIR / job.params["name"]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return {"sha256": hashlib.sha256(data).hexdigest(), "pid": os.getpid()}


@job_kind("infra.fail")
def fail(job: Any, progress: Progress) -> None:
    raise VanbanError("Tệp hồ sơ chiến dịch có lỗi ở dòng 7: thiếu trường «year».")


@job_kind("infra.crash")
def crash(job: Any, progress: Progress) -> None:
    raise ZeroDivisionError("a bug, not a user error")

"""The job that verifies one evidence file a unit uploaded: the row says which file; the verdict lands on it."""

from __future__ import annotations

from typing import Any

from web.jobs.registry import Progress, job_kind
from web.selfassess.services import VERIFY_FILE_JOB


@job_kind(VERIFY_FILE_JOB)
def verify_file_job(job: Any, progress: Progress) -> dict[str, Any]:
    from web.selfassess.services import verify_stored

    progress(0, 1, "Đang kiểm tra chữ ký số")
    return verify_stored(int(job.params["file_id"]))

"""The verification job: the run row says what to verify; the job function only finds it and runs it."""

from __future__ import annotations

from typing import Any

from web.evidence.services import VERIFY_JOB, execute_run
from web.jobs.registry import Progress, job_kind


@job_kind(VERIFY_JOB)
def verify_evidence_job(job: Any, progress: Progress) -> dict[str, int]:
    from web.evidence.models import VerificationRun

    run = VerificationRun.objects.select_related("campaign").get(pk=job.params["run_id"])
    return execute_run(run, progress)

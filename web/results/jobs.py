"""The results job: the run row says which scores to rank; the job function only finds it and runs it."""

from __future__ import annotations

from typing import Any

from web.jobs.registry import Progress, job_kind
from web.results.services import RESULTS_JOB, execute_run


@job_kind(RESULTS_JOB)
def run_results_job(job: Any, progress: Progress) -> dict[str, int]:
    from web.results.models import ResultsRun

    run = ResultsRun.objects.select_related("campaign", "upload").get(pk=job.params["run_id"])
    return execute_run(run, progress)

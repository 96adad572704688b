"""The results jobs: the run row says which scores to rank; the job function only finds it and runs it. The
publication's job tells every unit by e-mail that its notice is in its account."""

from __future__ import annotations

from typing import Any

from web.jobs.registry import Progress, job_kind
from web.results.online import NOTIFY_JOB, send_notice_mails
from web.results.services import RESULTS_JOB, execute_run


@job_kind(RESULTS_JOB)
def run_results_job(job: Any, progress: Progress) -> dict[str, int]:
    from web.results.models import ResultsRun

    run = ResultsRun.objects.select_related("campaign", "upload").get(pk=job.params["run_id"])
    return execute_run(run, progress)


@job_kind(NOTIFY_JOB)
def notify_units_job(job: Any, progress: Progress) -> dict[str, Any]:
    from web.results.models import Publication

    publication = Publication.objects.select_related("run", "issued", "campaign__agency").get(
        pk=job.params["publication_id"]
    )
    return send_notice_mails(publication, job.params["base_url"], progress, user=job.created_by)

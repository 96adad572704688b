"""The Celery application for `vanban worker` (VANBAN_BROKER=redis://…). The job row stays the record: the task
only carries the job's id."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "web.settings")

app = Celery("vanban")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.task(name="vanban.run_job", acks_late=True)
def run_job_task(job_id: str) -> None:
    from web.jobs.runner import claim, run

    job = claim(job_id)
    if job is not None:
        run(job)

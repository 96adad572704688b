"""A job's progress as a page fragment that htmx polls until the job is finished."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from web.accounts.roles import agency_of
from web.jobs.models import Job


@login_required
def job_status(request: HttpRequest, job_id: UUID) -> HttpResponse:
    job = Job.objects.filter(pk=job_id, agency_id=agency_of(request.user)).first()
    if job is None:
        raise Http404("Không có tác vụ này.")
    if not request.user.has_perm("vanban.view_job", job):
        raise PermissionDenied("Bạn không có quyền xem tác vụ này.")
    return render(request, "jobs/status.html", {"job": job})


def refresh_when_finished(finished: bool) -> HttpResponse:
    """The answer to a page that polls while its run is going (evidence checks, results): nothing to swap, and once
    the run is over, a request to htmx to reload the page, which then shows the outcome."""
    response = HttpResponse("")
    if finished:
        response["HX-Refresh"] = "true"
    return response

"""The public ranking, without login: the published campaigns of every agency, each with its ranking per tier,
the number and date of the issued Quyết định and the issued PDF. Only what a publication made public is read:
a campaign, a run or a file without a publication is a 404, whatever exists behind it."""

from __future__ import annotations

from typing import Any

from django.db.models import Min
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from letters.core.errors import VanbanError
from letters.core.vn import points_text
from web.evidence.storage import file_response
from web.results.models import Publication, RankingEntry

PUBLIC_CACHE = "public, max-age=300"


def _latest_per_campaign() -> list[Publication]:
    seen: set[int] = set()
    latest = []
    for p in Publication.objects.select_related("campaign__agency", "issued").order_by(
        "-published_at", "-id"
    ):
        if p.campaign_id not in seen:
            seen.add(p.campaign_id)
            latest.append(p)
    return latest


def _publication(agency: str, slug: str) -> Publication:
    publication = (
        Publication.objects.filter(campaign__agency__code=agency, campaign__slug=slug)
        .select_related("campaign__agency", "issued", "run")
        .order_by("-published_at", "-id")
        .first()
    )
    if publication is None:
        raise Http404("Không có kết quả đã công bố của đợt đánh giá này.")
    return publication


def _title(publication: Publication) -> str:
    from web.assessment.plans import plan_for

    try:
        return plan_for(publication.campaign).title or publication.campaign.title
    except VanbanError:
        return publication.campaign.title


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    publications = _latest_per_campaign()
    for p in publications:
        p.title = _title(p)  # type: ignore[attr-defined]
    response = render(request, "dashboard/public_index.html", {"publications": publications})
    response["Cache-Control"] = PUBLIC_CACHE
    return response


@require_GET
def campaign(request: HttpRequest, agency: str, slug: str) -> HttpResponse:
    publication = _publication(agency, slug)
    run = publication.run
    tiers = list(run.ranking.values("tier_id", "tier_name").annotate(first=Min("position")).order_by("first"))
    chosen = request.GET.get("nhom") or (tiers[0]["tier_id"] if tiers else "")
    tier = next((t for t in tiers if t["tier_id"] == chosen), None)
    if tiers and tier is None:
        raise Http404("Không có nhóm đơn vị này.")
    entries: list[RankingEntry] = list(run.ranking.filter(tier_id=chosen)) if tier else []
    ranked = [
        _row(e) for e in entries if e.status in (RankingEntry.Status.RANKED, RankingEntry.Status.RANKED_LAST)
    ]
    others = [
        _row(e)
        for e in entries
        if e.status not in (RankingEntry.Status.RANKED, RankingEntry.Status.RANKED_LAST)
    ]
    context: dict[str, Any] = {
        "publication": publication,
        "campaign": publication.campaign,
        "title": _title(publication),
        "issued": publication.issued,
        "tiers": tiers,
        "tier": tier,
        "ranked": ranked,
        "others": others,
    }
    response = render(request, "dashboard/public_campaign.html", context)
    response["Cache-Control"] = PUBLIC_CACHE
    return response


def _row(e: RankingEntry) -> dict[str, Any]:
    return {
        "rank": e.rank or "",
        "tied": e.tied,
        "unit": e.unit_name,
        "unit_id": e.unit_id,
        "points": points_text(e.points) if e.points is not None else "",
        "max_points": points_text(e.max_points),
        "band": e.band,
        "status": e.status,
        "status_label": e.get_status_display(),
        "late": e.late,
        "note": e.note,
    }


@require_GET
def decision(request: HttpRequest, agency: str, slug: str) -> HttpResponse:
    """The issued Quyết định (the PDF with the signatures and the seal), exactly as issued."""
    publication = _publication(agency, slug)
    issued = publication.issued
    response = file_response(issued.path, f"quyet-dinh-{issued.reference.replace('/', '-')}.pdf")
    response["Cache-Control"] = PUBLIC_CACHE
    return response

"""The Sở's dashboard of an online campaign (counts per tier, every unit's state and deadline, the XLSX export)
and the units' page of results notices. Every view checks the role and the agency (another agency's campaign is
a 404); a unit reads its own notices only, and only once the results are published."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from letters.core.vn import points_text
from web.accounts.roles import agency_of
from web.assessment import clock
from web.assessment.models import Submission
from web.audit.log import record
from web.campaigns.models import Campaign
from web.dashboard import services
from web.evidence.storage import file_response, files_path

VIEW = "vanban.view_dashboard"
NOTICES = "vanban.view_own_notices"


class FilterForm(forms.Form):
    nhom = forms.ChoiceField(label="Nhóm đơn vị", required=False)
    trang_thai = forms.ChoiceField(
        label="Trạng thái",
        required=False,
        choices=[("", "Tất cả trạng thái"), *((c.key, c.label) for c in services.CATEGORIES)],
    )

    def __init__(self, *args: Any, tiers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nhom"].choices = [("", "Tất cả các nhóm"), *tiers]


def _campaigns(request: HttpRequest) -> list[Campaign]:
    """The agency's campaigns run online (with submissions), newest first."""
    agency = agency_of(request.user)
    if agency is None or not request.user.has_perm(VIEW):
        raise PermissionDenied("Bạn không có quyền xem trang theo dõi.")
    online = Submission.objects.filter(campaign=OuterRef("pk"))
    return list(Campaign.objects.filter(agency_id=agency).filter(Exists(online)).order_by("-year", "-pk"))


def _chosen(request: HttpRequest, campaigns: list[Campaign]) -> Campaign | None:
    wanted = request.GET.get("dot", "")
    if not wanted:
        return campaigns[0] if campaigns else None
    chosen = next((c for c in campaigns if str(c.pk) == wanted), None)
    if chosen is None:
        raise Http404("Không có đợt đánh giá này.")
    if not request.user.has_perm(VIEW, chosen):
        raise PermissionDenied("Bạn không có quyền xem đợt đánh giá này.")
    return chosen


def _table(request: HttpRequest, campaign: Campaign) -> dict[str, Any]:
    plan = services.safe_plan(campaign)
    tiers = [(t.id, t.name) for t in plan.tiers] if plan else []
    form = FilterForm(request.GET, tiers=tiers)
    tier = category = ""
    if form.is_valid():
        tier, category = form.cleaned_data["nhom"], form.cleaned_data["trang_thai"]
    # One clock reading and one read of the extensions, so the counts and the list agree.
    now, extensions = clock.now(), services.latest_extensions(campaign)
    counts = services.tier_counts(campaign, plan, now=now, extensions=extensions)
    rows = services.unit_rows(campaign, plan, tier=tier, category=category, now=now, extensions=extensions)
    return {
        "campaign": campaign,
        "plan": plan,
        "form": form,
        "tier": tier,
        "category": category,
        "rows": rows,
        **services.counts_context(counts),
    }


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    campaigns = _campaigns(request)
    campaign = _chosen(request, campaigns)
    context: dict[str, Any] = {"campaigns": campaigns, "campaign": campaign}
    if campaign is not None:
        context.update(_table(request, campaign))
        record("xem_theo_doi", campaign, note=request.GET.urlencode())
    return render(request, "dashboard/index.html", context)


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    campaigns = _campaigns(request)
    campaign = _chosen(request, campaigns)
    if campaign is None:
        messages.info(request, "Chưa có đợt đánh giá trực tuyến nào để xuất.")
        return redirect("dashboard:index")
    table = _table(request, campaign)
    data = services.export_xlsx(campaign, table["counts"], table["rows"])
    record("xuat_theo_doi", campaign, note=request.GET.urlencode())
    filename = f"theo-doi-{campaign.slug}-{clock.today():%Y%m%d}.xlsx"
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --------------------------------------------------------------------------- the units' notices


def _profile_of(request: HttpRequest) -> Any:
    """The unit person's profile (403 for every other role); its unit may be missing on an account the quản trị
    has not attached to a unit yet: such a person has no notice to read."""
    if not request.user.has_perm(NOTICES):
        raise PermissionDenied("Trang này dành cho chuyên viên, lãnh đạo của đơn vị được đánh giá.")
    return getattr(request.user, "profile", None)


def _own_notices(profile: Any) -> Any:
    """The unit's notices of published runs of its agency's campaigns (none without a unit)."""
    from web.results.models import ResultDocument

    if profile is None or profile.unit_id is None:
        return ResultDocument.objects.none()
    return ResultDocument.objects.filter(
        kind="thong_bao",
        unit_key=profile.unit.code,
        run__agency_id=profile.agency_id,
        run__publication__isnull=False,
    ).select_related("run__campaign", "run__publication__issued", "document")


@login_required
@require_GET
def notices(request: HttpRequest) -> HttpResponse:
    from web.issuance.models import IssuedDocument
    from web.results.models import RankingEntry

    profile = _profile_of(request)
    unit = profile.unit if profile is not None and profile.unit_id else None
    found = list(_own_notices(profile).order_by("-run__publication__published_at"))
    ranking = {
        e.run_id: e
        for e in RankingEntry.objects.filter(
            run__in=[d.run_id for d in found], unit_id=unit.code if unit else ""
        )
    }
    issued = {
        i.draft.document_id: i
        for i in IssuedDocument.objects.filter(
            draft__document__in=[d.document_id for d in found if d.document_id]
        ).select_related("draft")
    }
    for d in found:
        line = ranking.get(d.run_id)
        d.line = line  # type: ignore[attr-defined]
        d.points = (  # type: ignore[attr-defined]
            f"{points_text(line.points)}/{points_text(line.max_points)}"
            if line is not None and line.points is not None
            else ""
        )
        d.issued_notice = issued.get(d.document_id)  # type: ignore[attr-defined]
    if unit is not None:
        record("xem_thong_bao_ket_qua", unit, note=f"{len(found)} thông báo")
    return render(request, "dashboard/notices.html", {"notices": found, "unit": unit})


@login_required
@require_GET
def notice_file(request: HttpRequest, doc_id: int, fmt: str) -> HttpResponse:
    """One of the unit's notices: the Word file, its PDF, or the issued PDF when the notice itself was issued.
    Another unit's notice, or one not yet published, is a 404."""
    from web.issuance.models import IssuedDocument

    doc = _own_notices(_profile_of(request)).filter(pk=doc_id).first()
    if doc is None:
        raise Http404("Không có thông báo này.")
    if fmt == "goc":
        path = doc.path
    elif fmt == "pdf" and doc.pdf_path:
        path = files_path(doc.pdf_path)
    elif fmt == "ban-hanh" and doc.document_id:
        issued = IssuedDocument.objects.filter(draft__document_id=doc.document_id).first()
        if issued is None:
            raise Http404("Thông báo này chưa được ban hành.")
        path = issued.path
    else:
        raise Http404("Không có tệp này.")
    record("tai_thong_bao_ket_qua", doc.run, note=f"{doc.label} ({fmt})")
    return file_response(path, path.name)

"""The online campaign's end: the final scores as a scores file, the results documents as documents of the
campaign (approved, signed and issued like the letters), and the publication once the Quyết định is issued.

A run from the system's data reads a CSV written here and stored as an upload would be, so what was ranked can
be downloaded and checked exactly as for an uploaded file. Units that never sent their data to the Sở have no
rows: the campaign's missing rule applies to them as to a unit missing from an uploaded file.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from letters.core.files import atomic_write_bytes
from letters.usecases.online import SELF_ASSESSMENT
from letters.usecases.online_results import ScoreRow, results_signers, scores_csv
from web.accounts.models import UNIT_ROLES, Profile, Unit
from web.assessment import clock
from web.assessment.models import Entry, EvidenceFile, Extension, State, Submission
from web.assessment.plans import plan_for
from web.audit.log import record
from web.campaigns.models import Campaign
from web.documents.models import Document, DocumentKind, DocumentVersion, VersionOrigin, VersionStatus
from web.evidence.services import campaign_file
from web.evidence.storage import files_path, link_or_copy, relative_to_files, sha256_of
from web.jobs.registry import Progress
from web.jobs.runner import enqueue
from web.results.models import NoticeMail, Publication, ResultDocument, ResultsRun, ScoresUpload

log = logging.getLogger(__name__)

SYSTEM_SCORES_NAME = "diem_tu_he_thong.csv"
NOTIFY_JOB = "results.notify"
PREVIEW_DPI = 70
# Submissions whose data reached the Sở (a unit its leader has not confirmed, or the Sở reopened, is not one).
REACHED_SO = (State.SUBMITTED, State.IN_APPRAISAL, State.EXPLANATIONS, State.REAPPRAISAL, State.FINAL)
REGISTERED_KINDS = {
    "to_trinh": DocumentKind.TO_TRINH,
    "quyet_dinh": DocumentKind.QUYET_DINH,
    "thong_bao": DocumentKind.THONG_BAO,
}


class Refused(Exception):
    """A step that may not be taken now; `message` says why, in Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------- the scores from the system


@dataclass
class SystemScores:
    data: bytes
    units: int = 0  # units with rows
    not_sent: list[str] = field(default_factory=list)  # units of the campaign with nothing sent to the Sở
    unscored: int = 0  # indicators of sent units with no score at all
    # Not marked late by the system, yet sent after the tier's deadline with no extension reaching the day it was
    # sent: the ranking counts them late (the page says so before anyone relies on the ranking). A unit sent
    # within its extension is not here: its row carries the extension (han_nop) and the ranking honours it.
    extended: list[str] = field(default_factory=list)


def _explanation(entry: Entry) -> str:
    """The unit's explanation, and the appraisers' reason where their score is the final one."""
    parts = [entry.self_note.strip()] if entry.self_note.strip() else []
    if entry.score_2 is not None and entry.comment_2.strip():
        parts.append(f"Thẩm định lần 2: {entry.comment_2.strip()}")
    elif entry.score_2 is None and entry.score_1 is not None and entry.comment_1.strip():
        parts.append(f"Thẩm định lần 1: {entry.comment_1.strip()}")
    return " ".join(parts)


def system_scores(campaign: Campaign) -> SystemScores:
    """Every indicator of every unit whose data reached the Sở, with its final score (round 2, else round 1,
    else the unit's own), in the campaign file's order of units and indicators, and the day of its
    self-assessment extension where the Sở granted one past its tier's deadline: five queries whatever the
    number of units."""
    plan = plan_for(campaign)
    by_district = {t.id for t in plan.tiers if t.appraised_by}
    subs = {
        s.unit.code: s
        for s in Submission.objects.filter(campaign=campaign, state__in=REACHED_SO).select_related("unit")
    }
    entries: dict[int, dict[str, Entry]] = defaultdict(dict)
    for e in Entry.objects.filter(submission__in=subs.values()).only(
        "submission_id", "code", "self_score", "self_note", "score_1", "comment_1", "score_2", "comment_2"
    ):
        entries[e.submission_id][e.code] = e
    evidence: dict[int, list[str]] = defaultdict(list)
    for entry_id, name in (
        EvidenceFile.objects.filter(entry__submission__in=subs.values(), withdrawn_at__isnull=True)
        .order_by("entry_id", "uploaded_at", "id")
        .values_list("entry_id", "name")
    ):
        evidence[entry_id].append(name)
    extensions: dict[int, Any] = {}
    for unit_id, until in (
        Extension.objects.filter(campaign=campaign, phase=SELF_ASSESSMENT)
        .order_by("unit_id", "-granted_at", "-id")
        .values_list("unit_id", "until")
    ):
        extensions.setdefault(unit_id, until)  # the latest grant counts, as for the unit's window
    rows: list[ScoreRow] = []
    result = SystemScores(b"")
    for pu in plan.units:
        sub = subs.get(pu.key)
        if sub is None or sub.submitted_at is None:
            result.not_sent.append(pu.name)
            continue
        result.units += 1
        submitted_on = sub.submitted_at.astimezone(clock.VN).date()
        deadline = plan.tier(pu.tier).deadline
        until = extensions.get(sub.unit_id)
        due_on = until if deadline is not None and until is not None and until > deadline else None
        if not sub.late and deadline is not None and submitted_on > (due_on or deadline):
            result.extended.append(pu.name)
        appraised = (sub.state == State.FINAL) if pu.tier in by_district else None
        have = entries.get(sub.pk, {})
        for indicator in plan.tier(pu.tier).rows:
            e = have.get(indicator.code)
            points = e.final_score if e is not None else None
            result.unscored += points is None
            rows.append(
                ScoreRow(
                    unit=pu.key,
                    code=indicator.code,
                    points=points,
                    explanation=_explanation(e) if e is not None else "",
                    evidence=", ".join(evidence.get(e.pk, [])) if e is not None else "",
                    submitted_on=submitted_on,
                    appraised=appraised,
                    due_on=due_on,
                )
            )
    result.data = scores_csv(rows)
    return result


def save_system_scores(campaign: Campaign, user: Any) -> tuple[ScoresUpload, SystemScores]:
    """The final scores as a CSV stored like an upload (byte for byte, with its SHA-256); Refused when no unit
    has sent its data to the Sở yet."""
    scores = system_scores(campaign)
    if scores.units == 0:
        raise Refused(
            "Chưa có đơn vị nào gửi số liệu tự đánh giá về Sở (đã được lãnh đạo đơn vị xác nhận); chưa có gì để "
            "tổng hợp."
        )
    stored: Path | None = None
    try:
        with transaction.atomic():
            row = ScoresUpload.objects.create(
                agency_id=campaign.agency_id,
                campaign=campaign,
                kind=ScoresUpload.Kind.CSV,
                from_system=True,
                folder="",
                uploaded_by=user,
            )
            folder = campaign.folder / "ket-qua" / "diem" / f"tai-len-{row.pk:05d}"
            stored = atomic_write_bytes(folder / SYSTEM_SCORES_NAME, scores.data)
            row.folder = relative_to_files(folder)
            row.files = [
                {
                    "name": SYSTEM_SCORES_NAME,
                    "size": len(scores.data),
                    "sha256": hashlib.sha256(scores.data).hexdigest(),
                }
            ]
            row.save(update_fields=["folder", "files"])
    except BaseException:
        if stored is not None:
            stored.unlink(missing_ok=True)
        raise
    return row, scores


# --------------------------------------------------------------------------- the documents of the campaign


def register_documents(run: ResultsRun) -> DocumentVersion | None:
    """The run's Tờ trình, Quyết định and notices as a new version of the campaign's documents: not for example
    scores, nor without the PDFs a leader signs (a version nobody can sign would only hide the signable one).
    The files are linked (or copied) into the version's folder, never changed; the Tờ trình and the Quyết định
    get page previews. Each document names its own signer."""
    from letters.usecases.documents import preview_pages

    if run.upload.example or not run.pdf:
        return None
    results = [d for d in run.documents.all() if d.kind in REGISTERED_KINDS]
    if not results:
        return None
    campaign = run.campaign
    signers = results_signers(campaign_file(campaign))
    signer_of = {"to_trinh": signers.proposal, "quyet_dinh": signers.decision, "thong_bao": signers.notice}
    version = _new_version(campaign, run, signers.decision)
    try:
        if version.folder.exists():  # left by an interrupted registration: no row refers to its files
            shutil.rmtree(version.folder)
        documents: list[Document] = []
        for order, doc in enumerate(results):
            sub = "thong-bao/" if doc.kind == "thong_bao" else ""
            office = version.folder / f"{sub}{doc.path.name}"
            link_or_copy(doc.path, office)
            pdf = None
            if doc.pdf_path:
                source = files_path(doc.pdf_path)
                pdf = version.folder / f"{sub}{source.name}"
                link_or_copy(source, pdf)
            pages = 0
            if pdf is not None and doc.kind != "thong_bao":
                pages = len(preview_pages(pdf, version.folder / "xem-truoc" / office.stem, dpi=PREVIEW_DPI))
            documents.append(
                Document(
                    agency_id=campaign.agency_id,
                    version=version,
                    order=order,
                    kind=REGISTERED_KINDS[doc.kind],
                    label=doc.label,
                    office_path=office.relative_to(version.folder).as_posix(),
                    office_sha256=sha256_of(office),
                    office_size=office.stat().st_size,
                    pdf_path=pdf.relative_to(version.folder).as_posix() if pdf else "",
                    pdf_sha256=sha256_of(pdf) if pdf else "",
                    pdf_size=pdf.stat().st_size if pdf else None,
                    pages=pages,
                    signer_name=signer_of[doc.kind],
                )
            )
        with transaction.atomic():
            Document.objects.bulk_create(documents)
            created = {d.order: d for d in Document.objects.filter(version=version)}
            for order, doc in enumerate(results):
                doc.document = created[order]
            ResultDocument.objects.bulk_update(results, ["document"], batch_size=500)
            DocumentVersion.objects.filter(pk=version.pk).update(
                status=VersionStatus.READY, finished_at=timezone.now()
            )
            ResultsRun.objects.filter(pk=run.pk).update(document_version=version)
            record(
                "dang_ky_van_ban_ket_qua",
                version,
                user=run.started_by,
                after={"lan_tong_hop": run.number, "phien_ban": version.number, "so_van_ban": len(documents)},
            )
    except BaseException as exc:
        DocumentVersion.objects.filter(pk=version.pk).update(
            status=VersionStatus.FAILED,
            error="Không đưa được văn bản kết quả vào văn bản của đợt đánh giá.",
            finished_at=timezone.now(),
        )
        log.warning("registering the documents of run %s failed: %s", run.pk, exc)
        raise
    version.refresh_from_db()
    return version


def _new_version(campaign: Campaign, run: ResultsRun, signer: str) -> DocumentVersion:
    """The next version number of the campaign's documents (shared with the letters' renders); the version's
    signer is the Quyết định's, the document the văn thư issues for the results."""
    for _ in range(5):
        try:
            with transaction.atomic():
                number = (campaign.document_versions.aggregate(n=Max("number"))["n"] or 0) + 1
                return DocumentVersion.objects.create(
                    agency_id=campaign.agency_id,
                    campaign=campaign,
                    number=number,
                    status=VersionStatus.RENDERING,
                    origin=VersionOrigin.RESULTS,
                    source=campaign.source,
                    source_sha256=hashlib.sha256(campaign.source.encode("utf-8")).hexdigest(),
                    signer_name=signer,
                    created_by=run.started_by,
                    job=run.job,
                )
        except IntegrityError:  # a render took the number at the same moment
            continue
    raise RuntimeError("no free document version number")


# --------------------------------------------------------------------------- publication


def registered(run: ResultsRun, kind: str) -> list[ResultDocument]:
    return list(run.documents.filter(kind=kind, document__isnull=False).select_related("document"))


def issued_decision(run: ResultsRun) -> Any:
    """The issued record of the run's Quyết định, or None while it is not issued."""
    from web.issuance.models import IssuedDocument

    decision = next(iter(registered(run, "quyet_dinh")), None)
    if decision is None:
        return None
    return IssuedDocument.objects.filter(draft__document_id=decision.document_id).first()


def publish(run: ResultsRun, user: Any, base_url: str) -> Publication:
    """«Công bố kết quả»: the notices become visible to their units, each unit is told by e-mail (a job), the
    ranking appears on the public page. Refused before the Quyết định is issued, or twice."""
    from web.jobs.models import JobStatus

    if run.status != JobStatus.DONE:
        raise Refused("Lần tổng hợp này chưa xong hoặc không thành công; không công bố được.")
    issued = issued_decision(run)
    if issued is None:
        raise Refused(
            "Quyết định công bố kết quả của lần tổng hợp này chưa được ban hành: trình ký Quyết định, lãnh đạo "
            "duyệt, ký, văn thư cấp số và ban hành rồi mới công bố."
        )
    with transaction.atomic():
        locked = ResultsRun.objects.select_for_update().get(pk=run.pk)
        if Publication.objects.filter(run=locked).exists():
            raise Refused(f"Kết quả lần tổng hợp {run.number} đã được công bố.")
        publication = Publication.objects.create(
            agency_id=run.agency_id, campaign_id=run.campaign_id, run=locked, issued=issued, published_by=user
        )
        publication.mail_job = enqueue(
            NOTIFY_JOB,
            f"Gửi thư báo kết quả: {run.campaign.title}",
            agency_id=run.agency_id,
            params={"publication_id": publication.pk, "base_url": base_url},
            user=user,
        )
        publication.save(update_fields=["mail_job"])
        record(
            "cong_bo_ket_qua",
            publication,
            user=user,
            after={
                "lan_tong_hop": run.number,
                "quyet_dinh": issued.reference,
                "ngay": issued.issue_date.isoformat(),
            },
        )
    return publication


def latest_publication(campaign: Campaign) -> Publication | None:
    return (
        Publication.objects.filter(campaign=campaign)
        .select_related("run", "issued")
        .order_by("-published_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class NoticeMailText:
    subject: str
    body: str


def notice_mail(unit: Unit, publication: Publication, base_url: str) -> NoticeMailText:
    from django.urls import reverse

    plan = plan_for(publication.campaign)
    issued = publication.issued
    title = plan.title or publication.campaign.title
    notices = base_url.rstrip("/") + reverse("dashboard:notices")
    public = base_url.rstrip("/") + reverse(
        "public:campaign", args=[publication.campaign.agency.code, publication.campaign.slug]
    )
    body = (
        f"Kính gửi {unit.name},\n\n"
        f"{plan.issuer or publication.campaign.agency.name} thông báo: kết quả {title} đã được công bố theo "
        f"Quyết định số {issued.reference} ngày {issued.issue_date:%d/%m/%Y}.\n\n"
        "Thông báo kết quả của đơn vị đã có trong tài khoản của đơn vị trên hệ thống; đăng nhập bằng tài khoản "
        f"của đơn vị rồi mở mục «Thông báo kết quả»:\n{notices}\n\n"
        f"Bảng xếp hạng được công khai tại:\n{public}\n\n"
        "Thư này do hệ thống gửi tự động; xin không trả lời thư này.\n"
    )
    return NoticeMailText(f"Thông báo kết quả {title}", body)


def send_notice_mails(
    publication: Publication, base_url: str, progress: Progress, user: Any = None
) -> dict[str, Any]:
    """One e-mail per unit with a notice, to every active account of the unit that has an address; a unit
    already told is not told again (the job can be run again after an SMTP failure)."""
    import smtplib

    from django.conf import settings
    from django.core.mail import EmailMessage, get_connection

    from letters.core.errors import VanbanError

    notices = ResultDocument.objects.filter(run=publication.run, kind="thong_bao").exclude(unit_key="")
    keys = list(notices.values_list("unit_key", flat=True))
    units = {u.code: u for u in Unit.objects.filter(agency_id=publication.agency_id, code__in=keys)}
    addresses: dict[int, list[str]] = defaultdict(list)
    for unit_id, email in (
        Profile.objects.filter(
            agency_id=publication.agency_id,
            unit__in=units.values(),
            role__in=list(UNIT_ROLES),
            user__is_active=True,
        )
        .exclude(user__email="")
        .order_by("unit_id", "user__username")
        .values_list("unit_id", "user__email")
    ):
        if email not in addresses[unit_id]:
            addresses[unit_id].append(email)
    told = set(NoticeMail.objects.filter(publication=publication).values_list("unit_id", flat=True))
    todo = [units[k] for k in keys if k in units and units[k].pk not in told]
    sent, without = 0, []
    connection = get_connection()
    try:
        for n, unit in enumerate(todo, 1):
            to = addresses.get(unit.pk, [])
            if not to:
                without.append(unit.name)
                continue
            text = notice_mail(unit, publication, base_url)
            try:
                EmailMessage(
                    text.subject, text.body, settings.DEFAULT_FROM_EMAIL, to, connection=connection
                ).send()
            except (OSError, smtplib.SMTPException) as exc:
                record("gui_thu_bao_ket_qua_loi", publication, user=user, note=f"{unit.name}: {exc}")
                raise VanbanError(
                    f"Không gửi được thư cho {unit.name} ({type(exc).__name__}); đã gửi cho {sent} đơn vị. "
                    "Kiểm tra cấu hình máy chủ thư (VANBAN_SMTP_HOST, VANBAN_SMTP_PORT) rồi chạy lại tác vụ: "
                    "đơn vị đã nhận thư không bị gửi lại."
                ) from exc
            NoticeMail.objects.create(publication=publication, unit=unit, recipients=to)
            sent += 1
            progress(n, len(todo), f"Đã gửi thư cho {sent} đơn vị")
    finally:
        connection.close()
    record(
        "gui_thu_bao_ket_qua",
        publication,
        user=user,
        after={"so_don_vi_da_gui": sent, "khong_co_dia_chi": without},
    )
    return {"sent": sent, "without_address": without}

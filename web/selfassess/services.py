"""What the unit's pages do beyond the core's writes: who may edit what now, evidence stored and verified per
indicator, the unit's answers in the explanations phase, the totals, and the receipt's exact bytes.

Every write is optimistic like the core's: the page sends the version it showed, and a newer version is
reported with what the other person saved, never overwritten silently."""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from letters.core.errors import VanbanError
from letters.usecases.online import EXPLANATIONS, SELF_ASSESSMENT, OnlinePlan, PlanTier
from web.accounts.models import SO_ROLES, UNIT_ROLES, Role
from web.accounts.roles import person_name, role_of
from web.assessment import clock
from web.assessment.models import Entry, EvidenceFile, Stage, State, Submission
from web.assessment.plans import plan_for
from web.assessment.services import UNIT_EDITABLE, WriteRefused
from web.assessment.windows import Window, for_unit
from web.evidence.storage import (
    UploadRefused,
    check_size,
    files_path,
    head_of,
    remove_stored,
    safe_name,
    sniff,
    store,
)

log = logging.getLogger(__name__)

VERIFY_FILE_JOB = "selfassess.verify_file"

# The transitions a unit takes on its own pages; the Sở's and the appraisers' have their own pages.
UNIT_ACTIONS = ("trinh_lanh_dao", "tra_lai", "xac_nhan", "gui_giai_trinh")


# --------------------------------------------------------------------------- who may edit what, now


@dataclass(frozen=True)
class Editing:
    """What this person may change on this submission now: `mode` "self" (scores, notes, evidence),
    "explain" (answers and new evidence), or None (read only, and `reason` says why)."""

    mode: str | None
    reason: str
    window: Window

    @property
    def scores(self) -> bool:
        return self.mode == "self"

    @property
    def answers(self) -> bool:
        return self.mode == "explain"

    def stage(self) -> str | None:
        """The stage a file uploaded now belongs to."""
        return {"self": Stage.SELF, "explain": Stage.EXPLANATIONS}.get(self.mode or "")


def window_of(submission: Submission, plan: OnlinePlan | None = None) -> Window:
    """The window the unit reads about: the explanations' while explaining, the self-assessment's otherwise."""
    plan = plan or plan_for(submission.campaign)
    phase = EXPLANATIONS if submission.state == State.EXPLANATIONS else SELF_ASSESSMENT
    return for_unit(plan, submission.campaign_id, submission.unit_id, submission.tier, phase)


WINDOWED = {State.DRAFT, State.AWAITING_APPROVAL, State.EXPLANATIONS}


def status_line(submission: Submission, window: Window, now: datetime) -> str:
    """The one line a unit reads about where its submission stands: the open window's deadline while the unit
    may still act, what happened otherwise."""
    from letters.core.vn import time_text

    if submission.state in WINDOWED:
        return window.status(now)
    if submission.state == State.SUBMITTED:
        sent = f" lúc {time_text(submission.submitted_at)}" if submission.submitted_at else ""
        return f"Đã gửi Sở{sent}{' (nộp muộn)' if submission.late else ''}; Sở sẽ thẩm định."
    if submission.state == State.IN_APPRAISAL:
        return "Sở đang thẩm định lần 1; đơn vị sẽ được mở để giải trình nếu cần."
    if submission.state == State.REAPPRAISAL:
        sent = f" lúc {time_text(submission.explanations_sent_at)}" if submission.explanations_sent_at else ""
        return f"Đã gửi giải trình{sent}; Sở đang thẩm định lần 2."
    return "Đã có kết quả đánh giá cuối cùng."


@dataclass(frozen=True)
class ShownState:
    """What the badge and the steps say: the stored state, or that the form locked on a unit that has not sent."""

    label: str
    css: str  # the badge's class suffix: the state's value, or "qua_han"
    overdue: bool


def shown_state(submission: Submission, window: Window, now: datetime) -> ShownState:
    """The stored state stays «nháp» (or «chờ duyệt») after the deadline; the unit must still read at a glance that
    its window has closed without anything sent, so the display combines the state with the window."""
    state = submission.state
    if state in WINDOWED and window.past(now):
        if state == State.EXPLANATIONS:
            return ShownState("Đã khóa (quá hạn giải trình, chưa gửi)", "qua_han", True)
        if window.late_allowed:
            return ShownState("Quá hạn, chưa gửi", "qua_han", True)
        return ShownState("Đã khóa (quá hạn, chưa gửi)", "qua_han", True)
    return ShownState(submission.get_state_display(), state, False)


def editing(
    submission: Submission, user: Any, now: datetime | None = None, plan: OnlinePlan | None = None
) -> Editing:
    now = now or clock.now()
    window = window_of(submission, plan)
    role = role_of(user)
    state = submission.state
    if role not in UNIT_ROLES:
        return Editing(None, "Bạn đang xem bài tự đánh giá của đơn vị: chỉ xem, không sửa.", window)
    if state in UNIT_EDITABLE:
        if not window.writable(now):
            return Editing(None, window.status(now), window)
        if state == State.DRAFT and role == Role.UNIT_STAFF:
            return Editing("self", "", window)
        if state == State.AWAITING_APPROVAL and role == Role.UNIT_LEADER:
            return Editing("self", "", window)
        if state == State.DRAFT:
            return Editing(
                None,
                "Chuyên viên của đơn vị đang nhập số liệu. Lãnh đạo duyệt, sửa và xác nhận sau khi chuyên viên "
                "«Trình lãnh đạo».",
                window,
            )
        return Editing(
            None,
            "Số liệu đã trình lãnh đạo đơn vị và đang chờ duyệt: chuyên viên không sửa được nữa. Nếu cần sửa, "
            "đề nghị lãnh đạo «Trả lại chuyên viên».",
            window,
        )
    if state == State.EXPLANATIONS:
        if not window.writable(now):
            return Editing(None, window.status(now), window)
        return Editing("explain", "", window)
    if state == State.SUBMITTED:
        return Editing(
            None, "Số liệu đã được lãnh đạo đơn vị xác nhận và gửi Sở: không sửa được nữa.", window
        )
    if state == State.REAPPRAISAL:
        return Editing(None, "Đơn vị đã gửi giải trình; Sở đang thẩm định lần 2.", window)
    if state == State.FINAL:
        return Editing(None, "Đã có kết quả đánh giá cuối cùng.", window)
    return Editing(None, f"Bài tự đánh giá đang ở trạng thái «{submission.get_state_display()}».", window)


def is_own_unit(user: Any, submission: Submission) -> bool:
    profile = getattr(user, "profile", None)
    return (
        role_of(user) in UNIT_ROLES
        and profile is not None
        and profile.agency_id == submission.agency_id
        and profile.unit_id is not None
        and profile.unit_id == submission.unit_id
    )


def may_download(user: Any, evidence: EvidenceFile) -> bool:
    """The unit itself, the Sở's people, and the appraisers assigned this unit and this indicator's field."""
    from web.assessment.scope import appraisable_indices, may_appraise

    sub = evidence.entry.submission
    profile = getattr(user, "profile", None)
    if profile is None or profile.agency_id != sub.agency_id:
        return False
    role = role_of(user)
    if role in UNIT_ROLES:
        return is_own_unit(user, sub)
    if role in SO_ROLES:
        return True
    if role == Role.APPRAISER and may_appraise(user, sub):
        allowed = appraisable_indices(user, sub)
        if allowed is None:
            return True
        try:
            row = plan_for(sub.campaign).tier(sub.tier).row(evidence.entry.code)
        except KeyError:
            return False
        return row.index_code in allowed
    return False


# --------------------------------------------------------------------------- the form's rows and totals


@dataclass
class Row:
    """One indicator on the form: the plan's row, the entry, its files, and (set by the page) what its inputs
    show and the messages beside them."""

    entry: Entry
    code: str
    name: str
    max_points: Decimal
    method: str
    evidence: str
    files: list[EvidenceFile] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    score_text: str = ""
    note_text: str = ""
    answer_text: str = ""
    status: str = ""

    @property
    def live_files(self) -> list[EvidenceFile]:
        return [f for f in self.files if f.withdrawn_at is None]

    @property
    def withdrawn_files(self) -> list[EvidenceFile]:
        return [f for f in self.files if f.withdrawn_at is not None]


@dataclass
class IndexBlock:
    code: str
    name: str
    max_points: Decimal
    group: str | None
    rows: list[Row] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((r.entry.self_score or Decimal(0) for r in self.rows), Decimal(0))

    @property
    def appraised(self) -> Decimal | None:
        values = [r.entry.score_1 for r in self.rows if r.entry.score_1 is not None]
        return sum(values, Decimal(0)) if values else None

    @property
    def filled(self) -> int:
        return sum(r.entry.self_score is not None for r in self.rows)


@dataclass
class Totals:
    blocks: list[IndexBlock]
    max_points: Decimal

    @property
    def total(self) -> Decimal:
        return sum((b.total for b in self.blocks), Decimal(0))

    @property
    def filled(self) -> int:
        return sum(b.filled for b in self.blocks)

    @property
    def count(self) -> int:
        return sum(len(b.rows) for b in self.blocks)

    @property
    def appraised(self) -> Decimal | None:
        values = [b.appraised for b in self.blocks if b.appraised is not None]
        return sum(values, Decimal(0)) if values else None


def blocks(submission: Submission, tier: PlanTier, *, with_files: bool = True) -> list[IndexBlock]:
    """The tier's indicators grouped by main index, in the set's order, each with its entry and its files."""
    entries = {e.code: e for e in submission.entries.select_related("updated_by__profile")}
    files: dict[int, list[EvidenceFile]] = {}
    if with_files:
        for f in EvidenceFile.objects.filter(entry__submission=submission).order_by("uploaded_at", "id"):
            files.setdefault(f.entry_id, []).append(f)
    by_code = {i.code: i for i in tier.indices}
    out: dict[str, IndexBlock] = {}
    for r in tier.rows:
        entry = entries.get(r.code)
        if entry is None:
            continue  # an indicator added to the file after the submission was made: ensure_submissions adds it
        block = out.get(r.index_code)
        if block is None:
            index = by_code.get(r.index_code)
            block = out[r.index_code] = IndexBlock(
                r.index_code,
                r.index_name,
                index.max_points if index else Decimal(0),
                r.group,
            )
        block.rows.append(
            Row(entry, r.code, r.name, r.max_points, r.method, r.evidence, files.get(entry.pk, []))
        )
    return list(out.values())


def totals(submission: Submission, tier: PlanTier) -> Totals:
    return Totals(blocks(submission, tier, with_files=False), tier.max_points)


def missing(submission: Submission, found: list[IndexBlock]) -> list[Row]:
    """The indicators still without a score, while the unit may still send (they would count as 0)."""
    if submission.state not in UNIT_EDITABLE:
        return []
    return [r for b in found for r in b.rows if r.entry.self_score is None]


# --------------------------------------------------------------------------- the explanations' answers


STALE_ANSWER = (
    "{who} đã lưu nội dung giải trình của chỉ số này lúc {at} trong khi bạn đang sửa; nội dung bạn nhập chưa "
    "được lưu. Nội dung đã lưu đang hiện trong ô; hãy xem lại rồi lưu lần nữa."
)


def save_answer(
    entry: Entry, user: Any, *, answer: str, seen_version: int, now: datetime | None = None
) -> Entry:
    """The unit's answer to the appraisers on one indicator, while the explanations window is open. No score
    changes, so nothing goes to the score history; the entry's version still moves (optimistic locking)."""
    from letters.core.vn import time_text
    from web.audit.log import record

    sub = entry.submission
    if not is_own_unit(user, sub):
        raise WriteRefused("Chỉ đơn vị có bài tự đánh giá này được giải trình.")
    now = now or clock.now()
    window = for_unit(plan_for(sub.campaign), sub.campaign_id, sub.unit_id, sub.tier, EXPLANATIONS)
    answer = answer.strip()
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=sub.pk)
        if locked.state != State.EXPLANATIONS:
            raise WriteRefused(
                f"Bài của đơn vị đang ở trạng thái «{locked.get_state_display()}»: không phải lúc giải trình."
            )
        if not window.writable(now):
            raise WriteRefused(window.status(now))
        current = (
            Entry.objects.select_for_update(of=("self",))
            .select_related("updated_by__profile")
            .get(pk=entry.pk)
        )
        if current.version != seen_version:
            who = person_name(current.updated_by) if current.updated_by else "Người khác"
            raise WriteRefused(
                STALE_ANSWER.format(who=who, at=time_text(current.updated_at)),
                field="answer",
                current=current,
            )
        before = current.answer
        current.answer = answer
        current.version += 1
        current.updated_by = user
        current.updated_at = now
        current.save()
        record(
            "luu_giai_trinh_chi_so",
            current,
            user=user,
            agency_id=sub.agency_id,
            before={"giai_trinh": before},
            after={"giai_trinh": answer},
        )
    return current


# --------------------------------------------------------------------------- evidence


def _may_add_files(submission: Submission, user: Any, stage: str) -> str | None:
    """Why this person may not add or withdraw a file of `stage` now (None: they may)."""
    if not is_own_unit(user, submission):
        return "Chỉ đơn vị có bài tự đánh giá này được tải lên hoặc rút tài liệu kiểm chứng."
    ed = editing(submission, user)
    if ed.mode is None:
        return ed.reason
    if ed.stage() != stage:
        if stage == Stage.SELF:
            return "Đang giai đoạn giải trình: tài liệu đã nộp khi tự đánh giá không rút được; hãy bổ sung tài liệu mới."
        return "Không phải giai đoạn giải trình."
    return None


def store_evidence(entry: Entry, user: Any, uploaded: UploadedFile | None) -> EvidenceFile:
    """Check and keep one PDF for one indicator, byte for byte with its SHA-256 (nothing is kept when refused).
    UploadRefused or WriteRefused, each with a Vietnamese message."""
    from web.audit.log import record

    sub = entry.submission
    if uploaded is None:
        raise UploadRefused("Chưa chọn tệp để tải lên.")
    ed = editing(sub, user)
    stage = ed.stage()
    if stage is None or not is_own_unit(user, sub):
        raise WriteRefused(ed.reason or "Bạn không được tải tài liệu lên bài của đơn vị này.")
    name = safe_name(uploaded.name or "")
    check_size(uploaded)
    kind = sniff(head_of(uploaded))
    if kind != "pdf":
        what = {
            "office": "tài liệu Word, Excel hoặc OpenDocument",
            "zip": "tệp nén ZIP",
            "text": "tệp văn bản",
        }.get(kind, "không phải tệp PDF")
        raise UploadRefused(
            f"Tệp «{name}» không được nhận: nội dung tệp là {what}, không phải PDF. Tài liệu kiểm chứng phải là "
            "tệp PDF (bản điện tử có chữ ký số); hãy chuyển sang PDF, ký số rồi tải lên lại."
            if kind in ("office", "zip", "text")
            else f"Tệp «{name}» không được nhận: nội dung tệp không phải PDF. Tài liệu kiểm chứng phải là tệp PDF "
            "(bản điện tử có chữ ký số)."
        )
    name = safe_name(uploaded.name or "", suffix=".pdf")
    folder = sub.campaign.folder / "tu-danh-gia" / f"don-vi-{sub.unit_id}" / safe_name(entry.code, limit=40)
    stored: list[Path] = []
    try:
        with transaction.atomic():
            locked = Submission.objects.select_for_update().get(pk=sub.pk)
            # The state may have moved since the page was read: check again under the lock.
            if editing(locked, user).stage() != stage:
                raise WriteRefused(editing(locked, user).reason)
            row = EvidenceFile.objects.create(
                entry=entry, stage=stage, name=name, size=0, sha256="", stored="", uploaded_by=user
            )
            # The stored name carries the row's id and a random part: two uploads never share a file.
            saved = store(uploaded, folder / f"{row.pk:07d}-{secrets.token_hex(4)}.pdf")
            stored.append(saved.path)
            row.stored, row.size, row.sha256 = saved.relative, saved.size, saved.sha256
            row.save(update_fields=["stored", "size", "sha256"])
            if not locked.started and stage == Stage.SELF:
                locked.started = True
                locked.save(update_fields=["started", "updated_at"])
            record(
                "tai_len_tai_lieu_kiem_chung",
                row,
                user=user,
                agency_id=sub.agency_id,
                after={
                    "chi_so": entry.code,
                    "ten_tep": name,
                    "sha256": saved.sha256,
                    "dung_luong": saved.size,
                },
                note=f"{sub.unit.name} · {entry.code}",
            )
    except BaseException:
        remove_stored(stored)
        raise
    return row


def withdraw_evidence(evidence: EvidenceFile, user: Any) -> EvidenceFile:
    """Leave a file out of the submission; its bytes and its row stay (a receipt may name it)."""
    from web.audit.log import record

    sub = evidence.entry.submission
    reason = _may_add_files(sub, user, evidence.stage)
    if reason is not None:
        raise WriteRefused(reason)
    with transaction.atomic():
        Submission.objects.select_for_update().filter(pk=sub.pk).first()
        current = EvidenceFile.objects.select_for_update().get(pk=evidence.pk)
        if current.withdrawn_at is None:
            current.withdrawn_at = clock.now()
            current.save(update_fields=["withdrawn_at"])
            record(
                "rut_tai_lieu_kiem_chung",
                current,
                user=user,
                agency_id=sub.agency_id,
                before={"ten_tep": current.name, "sha256": current.sha256},
                note=f"{sub.unit.name} · {evidence.entry.code}",
            )
    return current


def start_verification(evidence: EvidenceFile, user: Any) -> None:
    """Verify the file now when the settings say inline (tests, a bench), else as a job the worker runs."""
    if getattr(settings, "VANBAN_VERIFY_INLINE", False):
        verify_stored(evidence.pk)
        return
    from web.jobs.runner import enqueue

    sub = evidence.entry.submission
    enqueue(
        VERIFY_FILE_JOB,
        f"Kiểm tra chữ ký số: {evidence.name} ({sub.unit.name}, chỉ số {evidence.entry.code})",
        agency_id=sub.agency_id,
        params={"file_id": evidence.pk},
        user=user,
    )


VERDICTS = {
    "valid": EvidenceFile.Verdict.VALID,
    "invalid": EvidenceFile.Verdict.INVALID,
    "unsigned": EvidenceFile.Verdict.UNSIGNED,
    "indeterminate": EvidenceFile.Verdict.INDETERMINATE,
    "unreadable": EvidenceFile.Verdict.ERROR,
}


def verify_stored(file_id: int) -> dict[str, Any]:
    """Verify one stored file with its campaign's policy and keep the verdict on its row. Never raises for the
    file's sake: a check that cannot run leaves a verdict saying so, so the page stops waiting."""
    from letters.usecases.evidence import verify_one_file
    from web.evidence.services import describe_error, policy_dir, policy_of
    from web.evidence.storage import trust_store_dir

    evidence = EvidenceFile.objects.select_related("entry__submission__campaign").get(pk=file_id)
    campaign = evidence.entry.submission.campaign
    policy = policy_of(campaign)
    try:
        verdict = verify_one_file(
            files_path(evidence.stored),
            name=evidence.name,
            policy_text=policy.text if policy is not None else "",
            policy_file=policy_dir(campaign) / "chinh-sach.yaml",
            trust_store=trust_store_dir(campaign.agency_id),
            in_process=settings.VANBAN_VERIFY_JOBS == 0,
        )
    except VanbanError as exc:
        values = {
            "verdict": EvidenceFile.Verdict.INDETERMINATE,
            "verdict_text": "Chưa kiểm tra được tệp: chính sách kiểm tra chữ ký số của đợt đánh giá đang có lỗi ("
            + describe_error(exc).splitlines()[0]
            + ").",
            "advice": "Đơn vị không phải nộp lại: Sở sẽ sửa chính sách và kiểm tra lại tệp này.",
            "report": {},
        }
    except Exception as exc:  # noqa: BLE001 - the verdict must arrive whatever happens
        log.exception("verifying evidence file %s", file_id)
        values = {
            "verdict": EvidenceFile.Verdict.INDETERMINATE,
            "verdict_text": f"Chưa kiểm tra được tệp (lỗi hệ thống: {type(exc).__name__}).",
            "advice": "Đơn vị không phải nộp lại: Sở sẽ kiểm tra lại tệp này.",
            "report": {},
        }
    else:
        values = {
            "verdict": VERDICTS[verdict.outcome],
            "verdict_text": verdict.explanation,
            "advice": verdict.advice,
            "report": {**verdict.report, "verdict": verdict.verdict},
        }
    EvidenceFile.objects.filter(pk=file_id).update(**values, checked_at=clock.now())
    return {"file_id": file_id, "verdict": str(values["verdict"])}


# --------------------------------------------------------------------------- the receipt


def receipt_bytes(submission: Submission) -> bytes:
    """The receipt's exact bytes: the canonical JSON whose SHA-256 is the receipt's code (as receipt_for)."""
    return json.dumps(submission.receipt, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )

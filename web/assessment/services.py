"""The writes of the online campaign, shared by every page that makes them: units and submissions from the
campaign file, a unit's score, an appraiser's score, and the receipt. Every score write is optimistic: the
caller passes the version it showed, and a write over a newer version is refused, never merged silently."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from letters.usecases.online import OnlinePlan
from web.accounts.models import Unit
from web.accounts.roles import person_name
from web.assessment import clock
from web.assessment.models import Entry, EvidenceFile, ScoreChange, Stage, State, Submission
from web.assessment.plans import plan_for
from web.campaigns.models import Campaign


class WriteRefused(Exception):
    """A write that was not made; `message` (Vietnamese) and the form `field` it concerns."""

    def __init__(self, message: str, *, field: str | None = None, current: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.current = current  # the newer record, for a conflict: the page shows what the other person saved


STALE = (
    "{who} đã lưu chỉ số này lúc {at} trong khi bạn đang sửa; điểm bạn nhập chưa được lưu. Điểm hiện tại là "
    "{score}. Hãy xem lại rồi lưu lần nữa."
)


def parse_score(text: str | Decimal | None, max_points: Decimal, *, field: str = "score") -> Decimal | None:
    """'8,5' or '8.5' → Decimal('8.50'); empty → None; WriteRefused for text, negatives or above the maximum."""
    if text is None:
        return None
    if isinstance(text, Decimal):
        value = text
    else:
        raw = str(text).strip().replace(" ", "")
        if not raw:
            return None
        if raw.count(",") == 1 and "." not in raw:
            raw = raw.replace(",", ".")
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise WriteRefused(
                f"«{text}» không phải là số điểm; ghi số, phần thập phân dùng dấu phẩy (ví dụ 8,5).",
                field=field,
            ) from None
    if not value.is_finite() or value < 0:
        raise WriteRefused("Điểm không được âm.", field=field)
    if value > max_points:
        from letters.core.vn import points_text

        raise WriteRefused(f"Điểm tối đa của chỉ số này là {points_text(max_points)}.", field=field)
    if value != value.quantize(Decimal("0.01")):
        raise WriteRefused("Điểm chỉ ghi đến hai chữ số thập phân.", field=field)
    return value.quantize(Decimal("0.01"))


def ensure_units(campaign: Campaign, plan: OnlinePlan | None = None) -> dict[str, Unit]:
    """The agency's Unit rows for every unit of the campaign (created or renamed from the file), by key."""
    plan = plan or plan_for(campaign)
    existing = {u.code: u for u in Unit.objects.filter(agency_id=campaign.agency_id)}
    by_key: dict[str, Unit] = {}
    with transaction.atomic():
        for pu in plan.units:
            unit = existing.get(pu.key)
            if unit is None:
                unit = Unit.objects.create(agency_id=campaign.agency_id, code=pu.key, name=pu.name)
                existing[pu.key] = unit
            elif unit.name != pu.name:
                unit.name = pu.name
                unit.save(update_fields=["name"])
            by_key[pu.key] = unit
        for pu in plan.units:
            parent = by_key.get(pu.parent) if pu.parent else None
            unit = by_key[pu.key]
            if unit.parent_id != (parent.pk if parent else None):
                unit.parent = parent
                unit.save(update_fields=["parent"])
    return by_key


def ensure_submissions(campaign: Campaign) -> int:
    """One submission per unit of the campaign, with one entry per scored indicator of its tier; returns how many
    submissions were created. Safe to run again after the campaign file changes (new units, new indicators)."""
    plan = plan_for(campaign)
    units = ensure_units(campaign, plan)
    created = 0
    with transaction.atomic():
        have = {s.unit_id: s for s in Submission.objects.filter(campaign=campaign)}
        for pu in plan.units:
            unit = units[pu.key]
            sub = have.get(unit.pk)
            if sub is None:
                sub = Submission.objects.create(
                    agency_id=campaign.agency_id, campaign=campaign, unit=unit, tier=pu.tier
                )
                created += 1
            codes = set(sub.entries.values_list("code", flat=True))
            Entry.objects.bulk_create(
                [
                    Entry(submission=sub, code=row.code)
                    for row in plan.tier(pu.tier).rows
                    if row.code not in codes
                ]
            )
    return created


UNIT_EDITABLE = {State.DRAFT, State.AWAITING_APPROVAL}


def save_self_score(
    entry: Entry, user: Any, *, score: str | None, note: str, seen_version: int, now: Any = None
) -> Entry:
    """The unit's own score and explanation for one indicator (chuyên viên while drafting, lãnh đạo while
    reviewing). Refused when the form is locked, the score is out of range, the explanation is missing below
    the maximum, or someone saved a newer version."""
    from web.assessment.windows import for_unit

    sub = entry.submission
    plan = plan_for(sub.campaign)
    row = plan.tier(sub.tier).row(entry.code)
    value = parse_score(score, row.max_points)
    note = note.strip()
    if value is not None and value < row.max_points and not note:
        raise WriteRefused(
            "Điểm thấp hơn điểm tối đa: hãy ghi giải trình lý do (văn bản hướng dẫn yêu cầu).", field="note"
        )
    now = now or clock.now()
    window = for_unit(plan, sub.campaign_id, sub.unit_id, sub.tier, "tu_danh_gia")
    with transaction.atomic():
        locked_sub = Submission.objects.select_for_update().get(pk=sub.pk)
        if locked_sub.state not in UNIT_EDITABLE:
            raise WriteRefused(
                f"Bài tự đánh giá đang ở trạng thái «{locked_sub.get_state_display()}»: không sửa được số liệu."
            )
        if not window.writable(now):
            raise WriteRefused(window.status(now))
        current = Entry.objects.select_for_update().get(pk=entry.pk)
        if current.version != seen_version:
            raise WriteRefused(_stale(current, current.self_score), current=current)
        if current.self_score != value:
            ScoreChange.objects.create(
                entry=current,
                stage=Stage.SELF,
                old=current.self_score,
                new=value,
                reason=note,
                by=user,
                by_name=person_name(user),
            )
        current.self_score, current.self_note = value, note
        current.version += 1
        current.updated_by = user
        current.updated_at = clock.now()
        current.save()
        if not locked_sub.started:
            locked_sub.started = True
            locked_sub.save(update_fields=["started", "updated_at"])
    return current


def _stale(current: Entry, score: Decimal | None) -> str:
    from letters.core.vn import points_text, time_text

    who = person_name(current.updated_by) if current.updated_by else "Người khác"
    return STALE.format(
        who=who,
        at=time_text(current.updated_at),
        score=points_text(score) if score is not None else "chưa nhập",
    )


ROUND_FIELDS = {
    1: ("score_1", "comment_1", "appraised_1_by", "appraised_1_at"),
    2: ("score_2", "comment_2", "appraised_2_by", "appraised_2_at"),
}
ROUND_STATE = {1: State.IN_APPRAISAL, 2: State.REAPPRAISAL}
ROUND_STAGE = {1: Stage.APPRAISAL_1, 2: Stage.APPRAISAL_2}


def save_appraisal(
    entry: Entry, user: Any, *, round_no: int, accept: bool, score: str | None, reason: str, seen_version: int
) -> Entry:
    """An appraiser's decision on one indicator: accept the unit's score (round 1; round 2 keeps round 1's
    unless changed), or set the appraised score with a reason. Refused outside the round, outside the
    appraiser's assignment, or over a newer version."""
    from web.assessment.scope import appraisable_indices

    sub = entry.submission
    plan = plan_for(sub.campaign)
    row = plan.tier(sub.tier).row(entry.code)
    allowed = appraisable_indices(user, sub)
    if allowed is not None and row.index_code not in allowed:
        raise WriteRefused("Chỉ số này không thuộc lĩnh vực được phân công cho bạn thẩm định.")
    score_f, comment_f, by_f, at_f = ROUND_FIELDS[round_no]
    reason = reason.strip()
    with transaction.atomic():
        locked_sub = Submission.objects.select_for_update().get(pk=sub.pk)
        if locked_sub.state != ROUND_STATE[round_no]:
            raise WriteRefused(
                f"Bài của đơn vị đang ở trạng thái «{locked_sub.get_state_display()}»: chưa (hoặc không còn) "
                f"thẩm định lần {round_no}."
            )
        current = Entry.objects.select_for_update().get(pk=entry.pk)
        if current.version != seen_version:
            raise WriteRefused(_stale(current, getattr(current, score_f)), current=current)
        base = (
            current.self_score
            if round_no == 1
            else (current.score_1 if current.score_1 is not None else current.self_score)
        )
        if accept:
            value = base
        else:
            value = parse_score(score, row.max_points)
            if value is None:
                raise WriteRefused("Hãy nhập điểm thẩm định, hoặc chọn «Chấp nhận».", field="score")
            if value != base and not reason:
                raise WriteRefused("Hãy ghi lý do khi điểm thẩm định khác điểm của đơn vị.", field="reason")
        old = getattr(current, score_f)
        if old != value or (old is None and value is None):
            ScoreChange.objects.create(
                entry=current,
                stage=ROUND_STAGE[round_no],
                old=old if old is not None else base,
                new=value,
                reason=reason or "Chấp nhận điểm của đơn vị",
                by=user,
                by_name=person_name(user),
            )
        setattr(current, score_f, value)
        setattr(current, comment_f, reason)
        setattr(current, by_f, user)
        setattr(current, at_f, clock.now())
        current.version += 1
        current.updated_by = user
        current.updated_at = clock.now()
        current.save()
    return current


@dataclass(frozen=True)
class Receipt:
    sha256: str
    data: dict[str, Any]


def receipt_for(submission: Submission) -> Receipt:
    """The canonical record of what the unit submitted: every indicator's score and note, every file's name and
    SHA-256, and the moment; its SHA-256 is the receipt's code (the unit can recompute it from the JSON)."""
    entries = []
    files = EvidenceFile.objects.filter(entry__submission=submission, withdrawn_at__isnull=True).order_by(
        "id"
    )
    by_entry: dict[int, list[dict[str, Any]]] = {}
    for f in files:
        by_entry.setdefault(f.entry_id, []).append(
            {"ten_tep": f.name, "sha256": f.sha256, "dung_luong": f.size}
        )
    for e in submission.entries.order_by("id"):
        entries.append(
            {
                "ma_chi_so": e.code,
                "diem": None if e.self_score is None else str(e.self_score),
                "giai_trinh": e.self_note,
                "tai_lieu": by_entry.get(e.pk, []),
            }
        )
    data = {
        "dot_danh_gia": submission.campaign.title,
        "don_vi": submission.unit.name,
        "ma_don_vi": submission.unit.code,
        "thoi_diem": clock.now().isoformat(timespec="seconds"),
        "chi_so": entries,
    }
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return Receipt(hashlib.sha256(canonical).hexdigest(), data)


def confirm(
    submission: Submission, user: Any, *, seen_version: int | None = None, comment: str = ""
) -> Submission:
    """«Xác nhận số liệu»: the unit's leader locks the data and sends it to the Sở; the receipt is computed
    inside the same transaction, from exactly what is locked."""
    from web.assessment.states import take

    def stamp(locked: Submission) -> None:
        receipt = receipt_for(locked)
        locked.receipt, locked.receipt_sha256 = receipt.data, receipt.sha256

    return take(submission, "xac_nhan", user, comment=comment, seen_version=seen_version, before=stamp)

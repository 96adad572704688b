"""The one state machine every submission goes through:

    nháp → chờ lãnh đạo duyệt → đã gửi Sở → thẩm định lần 1 → giải trình → thẩm định lần 2 → hoàn thành

Each transition names the roles that may take it, the state it leaves and the one it enters, and for the
units' transitions the window that must be open. `take()` is the only code that changes `Submission.state`:
it checks the role, the scope (a unit acts on its own submission only, an appraiser on those assigned), the
window and the version the person saw, writes a StateChange row and an audit event, and refuses anything else
with a Vietnamese message that is logged too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from web.accounts.models import Role
from web.accounts.roles import person_name
from web.assessment import clock
from web.assessment.models import State, StateChange, Submission


class TransitionRefused(Exception):
    """A transition that was not taken; `message` says why, in Vietnamese."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Transition:
    action: str
    label: str  # the button
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    window: str | None = None  # the unit's window that must be writable (tu_danh_gia, giai_trinh)
    needs_comment: bool = False
    done: str = ""  # the message after success


def _t(
    action: str,
    label: str,
    sources: set[str],
    target: str,
    roles: set[str],
    *,
    window: str | None = None,
    needs_comment: bool = False,
    done: str = "",
) -> Transition:
    return Transition(
        action, label, frozenset(sources), target, frozenset(roles), window, needs_comment, done
    )


SO_APPRAISERS = {Role.SO_STAFF, Role.APPRAISER}

TRANSITIONS: tuple[Transition, ...] = (
    _t(
        "trinh_lanh_dao",
        "Trình lãnh đạo",
        {State.DRAFT},
        State.AWAITING_APPROVAL,
        {Role.UNIT_STAFF},
        window="tu_danh_gia",
        done="Đã trình lãnh đạo đơn vị duyệt số liệu.",
    ),
    _t(
        "tra_lai",
        "Trả lại chuyên viên",
        {State.AWAITING_APPROVAL},
        State.DRAFT,
        {Role.UNIT_LEADER},
        window="tu_danh_gia",
        needs_comment=True,
        done="Đã trả lại chuyên viên kèm ý kiến.",
    ),
    _t(
        "xac_nhan",
        "Xác nhận số liệu",
        {State.AWAITING_APPROVAL},
        State.SUBMITTED,
        {Role.UNIT_LEADER},
        window="tu_danh_gia",
        done="Đã xác nhận số liệu và gửi Sở. Biên nhận đã sẵn sàng để tải về.",
    ),
    _t(
        "mo_lai",
        "Mở lại cho đơn vị sửa",
        {State.SUBMITTED},
        State.DRAFT,
        {Role.SO_STAFF},
        needs_comment=True,
        done="Đã mở lại bài tự đánh giá cho đơn vị sửa.",
    ),
    _t(
        "bat_dau_tham_dinh",
        "Bắt đầu thẩm định lần 1",
        {State.SUBMITTED},
        State.IN_APPRAISAL,
        SO_APPRAISERS,
        done="Đã chuyển sang thẩm định lần 1.",
    ),
    _t(
        "yeu_cau_giai_trinh",
        "Chuyển đơn vị giải trình",
        {State.IN_APPRAISAL},
        State.EXPLANATIONS,
        {Role.SO_STAFF},
        done="Đơn vị đã được mở để giải trình, bổ sung.",
    ),
    _t(
        "gui_giai_trinh",
        "Gửi giải trình",
        {State.EXPLANATIONS},
        State.REAPPRAISAL,
        {Role.UNIT_LEADER},
        window="giai_trinh",
        done="Đã gửi nội dung giải trình về Sở.",
    ),
    _t(
        "dong_giai_trinh",
        "Kết thúc giải trình, thẩm định lần 2",
        {State.EXPLANATIONS},
        State.REAPPRAISAL,
        {Role.SO_STAFF},
        done="Đã kết thúc giải trình; bắt đầu thẩm định lần 2.",
    ),
    _t(
        "chot_diem",
        "Chốt điểm",
        {State.IN_APPRAISAL, State.REAPPRAISAL},
        State.FINAL,
        {Role.SO_STAFF},
        done="Đã chốt điểm cuối cùng của đơn vị.",
    ),
)

BY_ACTION = {t.action: t for t in TRANSITIONS}


def transition(action: str) -> Transition:
    try:
        return BY_ACTION[action]
    except KeyError:
        raise TransitionRefused(f"Thao tác «{action}» không có trong quy trình đánh giá.") from None


def available(submission: Submission, user: Any) -> list[Transition]:
    """The transitions this person could take now (the buttons to show)."""
    from web.assessment.scope import may_act_on

    role = _role(user)
    return [
        t
        for t in TRANSITIONS
        if submission.state in t.sources and role in t.roles and may_act_on(user, submission, t)
    ]


def _role(user: Any) -> str | None:
    from web.accounts.roles import role_of

    return role_of(user)


def _log_refusal(submission: Submission, t: Transition | None, action: str, user: Any, message: str) -> None:
    from web.audit.log import record

    StateChange.objects.create(
        submission=submission,
        action=action,
        from_state=submission.state,
        to_state=t.target if t else submission.state,
        accepted=False,
        comment=message,
        by=user if getattr(user, "pk", None) else None,
        by_name=person_name(user),
    )
    record("tu_choi_chuyen_trang_thai", submission, user=user, note=f"{action}: {message}")


def take(
    submission: Submission,
    action: str,
    user: Any,
    *,
    comment: str = "",
    seen_version: int | None = None,
    before: Callable[[Submission], None] | None = None,
) -> Submission:
    """Take `action` on `submission` as `user`; TransitionRefused (logged) when it may not be taken now.

    `before` runs inside the transaction after every check passed and before the state is written (the
    receipt is computed there, from exactly the data that is locked).
    """
    from web.audit.log import record

    t = BY_ACTION.get(action)
    if t is not None and t.needs_comment and not comment.strip():
        raise TransitionRefused(f"Hãy ghi ý kiến, lý do khi «{t.label}».", field="comment")
    with transaction.atomic():
        locked = (
            Submission.objects.select_for_update(of=("self",))
            .select_related("unit", "campaign")
            .get(pk=submission.pk)
        )
        now = clock.now()
        refusal = _refusal(locked, t, action, user, seen_version, now)
        if refusal is None:
            assert t is not None
            if t.action == "xac_nhan":
                # Judged at each confirmation: a unit reopened and confirming within an extension is on time.
                locked.late = _window(locked, "tu_danh_gia").past(now)
            if before is not None:
                before(locked)
            old = locked.state
            locked.state = t.target
            locked.version += 1
            if t.action == "xac_nhan":
                locked.submitted_at, locked.submitted_by = now, user
            elif t.action == "gui_giai_trinh":
                locked.explanations_sent_at = now
            elif t.action == "chot_diem":
                locked.final_at = now
            locked.save()
            StateChange.objects.create(
                submission=locked,
                action=action,
                from_state=old,
                to_state=t.target,
                comment=comment.strip(),
                by=user,
                by_name=person_name(user),
            )
            record(
                f"chuyen_trang_thai_{action}",
                locked,
                user=user,
                before={"trang_thai": old},
                after={"trang_thai": str(t.target)},
                note=comment.strip(),
            )
            return locked
    # Outside the transaction, so the refusal stays on record.
    _log_refusal(locked, t, action, user, refusal)
    raise TransitionRefused(refusal)


def _window(submission: Submission, phase: str) -> Any:
    from web.assessment.plans import plan_for
    from web.assessment.windows import for_unit

    return for_unit(
        plan_for(submission.campaign), submission.campaign_id, submission.unit_id, submission.tier, phase
    )


def _refusal(
    locked: Submission, t: Transition | None, action: str, user: Any, seen_version: int | None, now: Any
) -> str | None:
    from web.assessment.scope import may_act_on

    if t is None:
        return f"Thao tác «{action}» không có trong quy trình đánh giá."
    if _role(user) not in t.roles:
        return f"Vai trò của bạn không được thực hiện thao tác «{t.label}»."
    if not may_act_on(user, locked, t):
        return f"Bạn không được thực hiện thao tác «{t.label}» với đơn vị này."
    if locked.state not in t.sources:
        return f"Không thể «{t.label}» khi bài đang ở trạng thái «{locked.get_state_display()}»."
    if seen_version is not None and seen_version != locked.version:
        return (
            "Số liệu vừa được người khác thay đổi hoặc chuyển trạng thái; hãy tải lại trang và xem lại trước khi "
            "thực hiện."
        )
    if t.window is not None:
        window = _window(locked, t.window)
        if not window.writable(now):
            return str(window.status(now))
    if t.action == "mo_lai" and not _window(locked, "tu_danh_gia").writable(now):
        return "Thời hạn tự đánh giá của đơn vị đã hết; hãy gia hạn cho đơn vị trước khi mở lại."
    return _appraisal_refusal(locked, t, now)


LISTED = 12  # codes named in one message before "và N … khác"


def undecided_codes(submission: Submission, *, for_round: int) -> list[str]:
    """The indicators without the decision `for_round` needs: round 1 a round-1 decision; round 2 a decision of
    either round (a round-2 decision stands on its own, otherwise round 1's)."""
    from web.assessment.models import Entry

    entries = Entry.objects.filter(submission_id=submission.pk, appraised_1_at__isnull=True)
    if for_round == 2:
        entries = entries.filter(appraised_2_at__isnull=True)
    return list(entries.order_by("id").values_list("code", flat=True))


def _appraisal_refusal(locked: Submission, t: Transition, now: Any) -> str | None:
    """The decisions behind «Chuyển đơn vị giải trình» and «Chốt điểm», and the end of the explanations window
    behind «Kết thúc giải trình»: checked here, under the submission's lock, whoever asks."""
    from letters.core.vn import short

    if t.action in ("yeu_cau_giai_trinh", "chot_diem"):
        round_no = 2 if locked.state == State.REAPPRAISAL else 1
        missing = undecided_codes(locked, for_round=round_no)
        if missing:
            what = "chuyển đơn vị giải trình" if t.action == "yeu_cau_giai_trinh" else "chốt điểm"
            which = "lần 1" if round_no == 1 else "lần 1 hay lần 2"
            shown = ", ".join(missing[:LISTED])
            if len(missing) > LISTED:
                shown += f" và {len(missing) - LISTED} chỉ số khác"
            return (
                f"Chưa thể {what}: còn {len(missing)} chỉ số chưa có điểm thẩm định {which} ({shown}). Hãy chấp "
                "nhận hoặc chấm điểm các chỉ số này trước."
            )
    if t.action == "dong_giai_trinh":
        window = _window(locked, "giai_trinh")
        if window.closes is not None and now < window.closes:
            return (
                f"Đơn vị còn thời hạn giải trình đến 24 giờ 00 ngày {short(window.last_day)}; chỉ kết thúc giải "
                "trình thay đơn vị sau thời hạn này."
            )
    return None

"""The one state machine, exhaustively: every transition × every role (and nobody) × every state. `take()` succeeds
exactly when the role is the transition's, the state one of its sources, the scope the person's (own unit; an
assigned appraiser; the same agency) and the window open; anything else is refused with a Vietnamese message, a
StateChange(accepted=False) row and an audit event, and leaves the submission as it was.

Each test builds its few rows directly (a campaign row, two units, their submissions) instead of the whole
campaign, so the ~600 cases run in well under a minute."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.conftest import EXAMPLES
from tests.web.assessment_support import agency, at, files_dir, make_user  # noqa: F401 - fixtures
from web.accounts.models import Agency, Role, Unit
from web.assessment import clock
from web.assessment.models import Assignment, Extension, State, StateChange, Submission
from web.assessment.states import BY_ACTION, TRANSITIONS, TransitionRefused, available, take
from web.audit.models import AuditEvent
from web.campaigns.models import Campaign

pytestmark = pytest.mark.django_db

VIETNAMESE = re.compile(r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]")
NOBODY = "khach"  # not logged in
ROLES = [*(str(r) for r in Role), NOBODY]
STATES = [str(s) for s in State]

# Inside the window each transition needs (Phú Thọ 2026: self-assessment 12/01–23/01, explanations 09/02–13/02).
INSIDE = {None: "20/01/2026 09:00", "tu_danh_gia": "20/01/2026 09:00", "giai_trinh": "10/02/2026 09:00"}
WINDOWED = [t for t in TRANSITIONS if t.window is not None]
# The Sở ends a unit's explanations for it only once the unit's own window has closed.
AFTER = {"dong_giai_trinh": "14/02/2026 09:00"}


@dataclass
class World:
    agency: Agency
    campaign: Campaign
    sub: Submission  # the submission acted on (tier "so")
    other: Submission  # another unit of the same tier


def light_campaign(agency: Agency, example: str = "phutho-2026", *, late_rule: str | None = None) -> Campaign:
    source = (EXAMPLES / f"{example}.yaml").read_text(encoding="utf-8")
    if late_rule is not None:
        source, n = re.subn(r"late_rule: \w+", f"late_rule: {late_rule}", source)
        assert n == 1
    campaign = Campaign.objects.create(
        agency=agency, slug=example, title=example, year=int(example[-4:]), source=source
    )
    campaign.write_yaml()
    return campaign


def submission(campaign: Campaign, code: str, tier: str, parent: Unit | None = None) -> Submission:
    unit = Unit.objects.create(agency=campaign.agency, code=code, name=f"Đơn vị {code}", parent=parent)
    return Submission.objects.create(agency=campaign.agency, campaign=campaign, unit=unit, tier=tier)


def build(agency: Agency, **kwargs: Any) -> World:
    campaign = light_campaign(agency, **kwargs)
    return World(agency, campaign, submission(campaign, "so-a", "so"), submission(campaign, "so-b", "so"))


@pytest.fixture()
def world(agency: Agency) -> World:
    return build(agency)


def actor(w: World, role: str, name: str = "nguoi", *, unit: Unit | None = None) -> Any:
    """A person of `role` whose scope covers `w.sub` (unit roles: its unit; appraisers: assigned every tier)."""
    if role == NOBODY:
        return AnonymousUser()
    r = Role(role)
    if r in (Role.UNIT_STAFF, Role.UNIT_LEADER):
        return make_user(f"{name}-{role}", r, w.agency, unit or w.sub.unit)
    user = make_user(f"{name}-{role}", r, w.agency)
    if r == Role.APPRAISER:
        Assignment.objects.create(campaign=w.campaign, user=user, body="Sở", tiers=[])
    return user


def put(sub: Submission, state: str) -> Submission:
    Submission.objects.filter(pk=sub.pk).update(state=state)
    sub.refresh_from_db()
    return sub


def set_clock(text: str) -> None:
    clock.set_now(at(text))


def counts(sub: Submission) -> tuple[int, int, int]:
    return (
        StateChange.objects.filter(submission=sub, accepted=True).count(),
        StateChange.objects.filter(submission=sub, accepted=False).count(),
        AuditEvent.objects.filter(object_type="assessment.submission", object_id=str(sub.pk)).count(),
    )


def assert_refused(sub: Submission, action: str, user: Any, *, match: str, comment: str = "Lý do") -> str:
    """take() refuses with a Vietnamese message (matching `match`), logs the refusal, changes nothing."""
    before = Submission.objects.get(pk=sub.pk)
    ok, refused, events = counts(sub)
    with pytest.raises(TransitionRefused) as info:
        take(sub, action, user, comment=comment)
    message = info.value.message
    assert re.search(match, message), message
    assert VIETNAMESE.search(message), message
    after = Submission.objects.get(pk=sub.pk)
    assert (after.state, after.version, after.late) == (before.state, before.version, before.late)
    assert counts(sub) == (ok, refused + 1, events + 1)
    row = StateChange.objects.filter(submission=sub, accepted=False).latest("id")
    assert (row.action, row.from_state, row.comment) == (action, before.state, message)
    event = AuditEvent.objects.filter(object_id=str(sub.pk), object_type="assessment.submission").latest("id")
    assert event.action == "tu_choi_chuyen_trang_thai" and message in event.note
    return message


def assert_taken(sub: Submission, action: str, user: Any, comment: str = "Lý do") -> Submission:
    t = BY_ACTION[action]
    before = Submission.objects.get(pk=sub.pk)
    ok, refused, events = counts(sub)
    done = take(sub, action, user, comment=comment)
    after = Submission.objects.get(pk=sub.pk)
    assert done.state == after.state == t.target
    assert after.version == before.version + 1
    assert counts(sub) == (ok + 1, refused, events + 1)
    row = StateChange.objects.filter(submission=sub, accepted=True).latest("id")
    assert (row.action, row.from_state, row.to_state, row.by_id) == (action, before.state, t.target, user.pk)
    event = AuditEvent.objects.filter(object_id=str(sub.pk), object_type="assessment.submission").latest("id")
    assert event.action == f"chuyen_trang_thai_{action}"
    assert (event.before, event.after) == ({"trang_thai": before.state}, {"trang_thai": t.target})
    return after


# --------------------------------------------------------------------------- the matrix


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", [t.action for t in TRANSITIONS])
def test_every_transition_by_every_role_from_every_state(
    world: World, action: str, role: str, state: str
) -> None:
    t = BY_ACTION[action]
    set_clock(AFTER.get(action, INSIDE[t.window]))
    sub = put(world.sub, state)
    user = actor(world, role)
    if role in t.roles and state in t.sources:
        after = assert_taken(sub, action, user)
        if action == "xac_nhan":
            assert after.submitted_by_id == user.pk and after.submitted_at is not None and not after.late
    elif role not in t.roles:
        assert_refused(sub, action, user, match=f"Vai trò của bạn không được thực hiện thao tác «{t.label}»")
    else:
        label = State(state).label
        assert_refused(sub, action, user, match=f"Không thể «{t.label}» khi bài đang ở trạng thái «{label}»")
    assert Submission.objects.get(pk=world.other.pk).state == State.DRAFT  # nobody else's submission moved


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_the_buttons_offered_are_the_transitions_the_role_may_take_from_the_state(
    world: World, role: str, state: str
) -> None:
    sub = put(world.sub, state)
    user = actor(world, role)
    expected = {t.action for t in TRANSITIONS if role in t.roles and state in t.sources}
    assert {t.action for t in available(sub, user)} == expected
    # Another unit's people are offered nothing on this submission.
    if role in (Role.UNIT_STAFF, Role.UNIT_LEADER):
        stranger = actor(world, role, "khac", unit=world.other.unit)
        assert available(sub, stranger) == []


# --------------------------------------------------------------------------- scope


def _role_for(t: Any) -> str:
    """The transition's role a scope test uses (a unit role when it has one)."""
    for r in (Role.UNIT_LEADER, Role.UNIT_STAFF, Role.SO_STAFF, Role.APPRAISER):
        if r in t.roles:
            return str(r)
    raise AssertionError(t)


@pytest.mark.parametrize("action", [t.action for t in TRANSITIONS])
def test_a_person_of_another_agency_is_refused_every_transition(
    world: World, agency: Agency, action: str
) -> None:
    t = BY_ACTION[action]
    set_clock(INSIDE[t.window])
    sub = put(world.sub, sorted(t.sources)[0])
    elsewhere = Agency.objects.create(
        code="stttt-bg", name="Sở Thông tin và Truyền thông", abbreviation="STTTT"
    )
    for role in sorted(str(r) for r in t.roles):
        r = Role(role)
        if r in (Role.UNIT_STAFF, Role.UNIT_LEADER):
            # Even bound (wrongly) to this very unit: the agency decides first.
            user = make_user(f"bg-{role}", r, elsewhere, world.sub.unit)
        else:
            user = make_user(f"bg-{role}", r, elsewhere)
            if r == Role.APPRAISER:
                Assignment.objects.create(campaign=world.campaign, user=user, tiers=[])
        assert_refused(
            sub, action, user, match=f"Bạn không được thực hiện thao tác «{t.label}» với đơn vị này"
        )


@pytest.mark.parametrize(
    "action", [t.action for t in TRANSITIONS if t.roles & {Role.UNIT_STAFF, Role.UNIT_LEADER}]
)
def test_a_unit_person_is_refused_on_another_units_submission(world: World, action: str) -> None:
    t = BY_ACTION[action]
    set_clock(INSIDE[t.window])
    sub = put(world.sub, sorted(t.sources)[0])
    user = actor(world, _role_for(t), "khac", unit=world.other.unit)
    assert_refused(sub, action, user, match=f"Bạn không được thực hiện thao tác «{t.label}» với đơn vị này")
    # A unit person without a unit at all is refused too.
    orphan = make_user(f"mo-coi-{t.action}", Role(_role_for(t)), world.agency)
    assert_refused(sub, action, orphan, match="với đơn vị này")


def test_an_appraiser_starts_only_the_appraisals_assigned(world: World) -> None:
    set_clock(INSIDE[None])
    sub = put(world.sub, State.SUBMITTED)
    label = BY_ACTION["bat_dau_tham_dinh"].label
    unassigned = make_user("tdv-khong-phan-cong", Role.APPRAISER, world.agency)
    assert_refused(sub, "bat_dau_tham_dinh", unassigned, match=f"Bạn không được thực hiện thao tác «{label}»")
    other_tier = make_user("tdv-cap-xa", Role.APPRAISER, world.agency)
    Assignment.objects.create(campaign=world.campaign, user=other_tier, tiers=["xa"])
    assert_refused(sub, "bat_dau_tham_dinh", other_tier, match="với đơn vị này")
    # Assigned to another campaign only: nothing here.
    elsewhere = light_campaign(world.agency, "brvt-2024")
    other_campaign = make_user("tdv-dot-khac", Role.APPRAISER, world.agency)
    Assignment.objects.create(campaign=elsewhere, user=other_campaign, tiers=[])
    assert_refused(sub, "bat_dau_tham_dinh", other_campaign, match="với đơn vị này")
    assigned = make_user("tdv-cap-so", Role.APPRAISER, world.agency)
    Assignment.objects.create(campaign=world.campaign, user=assigned, tiers=["so"], indices=["1"])
    assert_taken(sub, "bat_dau_tham_dinh", assigned)


def test_three_tiers_a_district_starts_its_own_communes_and_the_so_does_not(agency: Agency) -> None:
    """Before 07/2025 the district appraises its communes: its appraiser starts theirs, not another district's,
    and the Sở's chuyên viên (who appraises only tiers nobody else does) cannot start a commune's."""
    set_clock("06/11/2024 09:00")
    campaign = light_campaign(agency, "brvt-2024")
    district = submission(campaign, "huyen-a", "huyen")
    neighbour = submission(campaign, "huyen-b", "huyen")
    commune = put(submission(campaign, "xa-a1", "xa", parent=district.unit), State.SUBMITTED)
    far = put(submission(campaign, "xa-b1", "xa", parent=neighbour.unit), State.SUBMITTED)
    own = make_user("tdv-huyen-a", Role.APPRAISER, agency)
    Assignment.objects.create(campaign=campaign, user=own, tiers=["xa"], parent_unit=district.unit)
    so_staff = make_user("cv-so", Role.SO_STAFF, agency)
    label = BY_ACTION["bat_dau_tham_dinh"].label
    assert_refused(far, "bat_dau_tham_dinh", own, match=f"«{label}» với đơn vị này")
    assert_refused(commune, "bat_dau_tham_dinh", so_staff, match="với đơn vị này")
    assert_taken(commune, "bat_dau_tham_dinh", own)
    # The Sở still closes the round for the commune (chốt điểm is the Sở's, whoever appraised).
    assert_taken(commune, "chot_diem", so_staff)
    # And the Sở appraises the districts themselves.
    assert_taken(put(district, State.SUBMITTED), "bat_dau_tham_dinh", so_staff)


# --------------------------------------------------------------------------- windows and the late rule


@pytest.mark.parametrize("t", WINDOWED, ids=lambda t: t.action)
def test_a_units_transition_is_refused_before_its_window_opens(world: World, t: Any) -> None:
    set_clock("05/01/2026 09:00" if t.window == "tu_danh_gia" else "05/02/2026 09:00")
    sub = put(world.sub, sorted(t.sources)[0])
    first = "12/01/2026" if t.window == "tu_danh_gia" else "09/02/2026"
    assert_refused(sub, t.action, actor(world, _role_for(t)), match=f"mở từ ngày {first}")


@pytest.mark.parametrize("t", WINDOWED, ids=lambda t: t.action)
def test_exclude_rule_refuses_the_units_transitions_after_24h00_of_the_last_day(world: World, t: Any) -> None:
    last = "23/01/2026" if t.window == "tu_danh_gia" else "13/02/2026"
    sub = put(world.sub, sorted(t.sources)[0])
    user = actor(world, _role_for(t))
    set_clock(f"{last} 23:59")
    assert_taken(sub, t.action, user)
    put(sub, sorted(t.sources)[0])
    day, month, year = (int(p) for p in last.split("/"))
    set_clock(f"{day + 1:02d}/{month:02d}/{year} 00:00")
    assert_refused(sub, t.action, user, match=f"đã khóa lúc 24 giờ 00 ngày {last}")


def test_exclude_rule_reopening_needs_an_extension_first(world: World) -> None:
    set_clock("26/01/2026 09:00")
    sub = put(world.sub, State.SUBMITTED)
    so_staff = actor(world, Role.SO_STAFF)
    assert_refused(sub, "mo_lai", so_staff, match="hãy gia hạn cho đơn vị trước khi mở lại")
    Extension.objects.create(
        campaign=world.campaign, unit=sub.unit, phase="tu_danh_gia", until=date(2026, 1, 28), reason="x"
    )
    assert_taken(sub, "mo_lai", so_staff)
    assert_taken(sub, "trinh_lanh_dao", actor(world, Role.UNIT_STAFF))


def test_last_rule_marks_a_confirmation_after_the_close_late_and_keeps_the_form_open(agency: Agency) -> None:
    w = build(agency, late_rule="last")
    staff, leader = actor(w, Role.UNIT_STAFF), actor(w, Role.UNIT_LEADER)
    on_time = put(w.other, State.AWAITING_APPROVAL)
    set_clock("23/01/2026 23:59")
    done = assert_taken(on_time, "xac_nhan", make_user("ld-b", Role.UNIT_LEADER, agency, w.other.unit))
    assert not done.late
    set_clock("24/01/2026 00:00")
    sub = w.sub
    assert_taken(sub, "trinh_lanh_dao", staff)
    assert_taken(sub, "tra_lai", leader)
    assert_taken(sub, "trinh_lanh_dao", staff)
    late = assert_taken(sub, "xac_nhan", leader)
    assert late.late and late.state == State.SUBMITTED
    assert late.submitted_at is not None and late.submitted_at >= at("24/01/2026 00:00")
    # The late rule is about the self-assessment: explanations still lock at their close.
    put(sub, State.EXPLANATIONS)
    set_clock("14/02/2026 00:00")
    assert_refused(sub, "gui_giai_trinh", leader, match="đã khóa lúc 24 giờ 00 ngày 13/02/2026")


def test_an_extension_keeps_a_confirmation_on_time_under_the_last_rule(agency: Agency) -> None:
    w = build(agency, late_rule="last")
    Extension.objects.create(
        campaign=w.campaign, unit=w.sub.unit, phase="tu_danh_gia", until=date(2026, 1, 27), reason="x"
    )
    set_clock("27/01/2026 23:00")
    done = assert_taken(put(w.sub, State.AWAITING_APPROVAL), "xac_nhan", actor(w, Role.UNIT_LEADER))
    assert not done.late
    set_clock("28/01/2026 00:00")
    late = assert_taken(
        put(w.other, State.AWAITING_APPROVAL),
        "xac_nhan",
        make_user("ld-b", Role.UNIT_LEADER, agency, w.other.unit),
    )
    assert late.late


def test_a_late_unit_reopened_with_an_extension_and_confirming_within_it_is_on_time(agency: Agency) -> None:
    w = build(agency, late_rule="last")
    staff, leader = actor(w, Role.UNIT_STAFF), actor(w, Role.UNIT_LEADER)
    set_clock("25/01/2026 09:00")
    late = assert_taken(put(w.sub, State.AWAITING_APPROVAL), "xac_nhan", leader)
    assert late.late
    Extension.objects.create(
        campaign=w.campaign, unit=w.sub.unit, phase="tu_danh_gia", until=date(2026, 1, 30), reason="x"
    )
    assert_taken(late, "mo_lai", actor(w, Role.SO_STAFF), comment="Bổ sung số liệu")
    assert_taken(late, "trinh_lanh_dao", staff)
    again = assert_taken(late, "xac_nhan", leader)
    assert not again.late


# --------------------------------------------------------------------------- the rest of the contract


def test_a_stale_page_an_unknown_action_and_a_missing_comment_are_refused(world: World) -> None:
    set_clock(INSIDE["tu_danh_gia"])
    sub = put(world.sub, State.DRAFT)
    staff, leader = actor(world, Role.UNIT_STAFF), actor(world, Role.UNIT_LEADER)
    seen = sub.version
    assert_taken(sub, "trinh_lanh_dao", staff)
    ok, refused, events = counts(sub)
    with pytest.raises(TransitionRefused, match="người khác thay đổi"):
        take(sub, "xac_nhan", leader, seen_version=seen)
    assert counts(sub) == (ok, refused + 1, events + 1)
    assert_refused(sub, "xoa_bai", leader, match="Thao tác «xoa_bai» không có trong quy trình đánh giá")
    # A missing comment is a form error beside the comment box: nothing was attempted, nothing moves.
    with pytest.raises(TransitionRefused) as info:
        take(sub, "tra_lai", leader, comment="   ")
    assert info.value.field == "comment" and "Hãy ghi ý kiến" in info.value.message
    assert Submission.objects.get(pk=sub.pk).state == State.AWAITING_APPROVAL
    assert_taken(sub, "tra_lai", leader, comment="Bổ sung tài liệu kiểm chứng chỉ số 1.1")
    assert StateChange.objects.filter(submission=sub, action="tra_lai", accepted=True).get().comment == (
        "Bổ sung tài liệu kiểm chứng chỉ số 1.1"
    )


def test_the_whole_year_of_one_unit_through_the_machine(world: World) -> None:
    """nháp → chờ duyệt → (trả lại) → đã gửi → thẩm định 1 → giải trình → thẩm định 2 → hoàn thành."""
    sub = world.sub
    staff, leader = actor(world, Role.UNIT_STAFF), actor(world, Role.UNIT_LEADER)
    so_staff, appraiser = actor(world, Role.SO_STAFF), actor(world, Role.APPRAISER)
    steps: list[tuple[str, str, Any]] = [
        ("15/01/2026 08:00", "trinh_lanh_dao", staff),
        ("15/01/2026 10:00", "tra_lai", leader),
        ("16/01/2026 08:00", "trinh_lanh_dao", staff),
        ("16/01/2026 09:00", "xac_nhan", leader),
        ("26/01/2026 08:00", "bat_dau_tham_dinh", appraiser),
        ("06/02/2026 16:00", "yeu_cau_giai_trinh", so_staff),
        ("12/02/2026 09:00", "gui_giai_trinh", leader),
        ("27/02/2026 16:00", "chot_diem", so_staff),
    ]
    for when, action, user in steps:
        set_clock(when)
        sub = assert_taken(sub, action, user)
    assert sub.state == State.FINAL and not sub.late
    assert abs((sub.submitted_at - at("16/01/2026 09:00")).total_seconds()) < 60
    assert sub.explanations_sent_at is not None and sub.final_at is not None
    assert list(StateChange.objects.filter(submission=sub).values_list("action", flat=True)) == [
        s[1] for s in steps
    ]
    for action in [t.action for t in TRANSITIONS]:
        user = so_staff if Role.SO_STAFF in BY_ACTION[action].roles else leader
        assert_refused(sub, action, user, match="Không thể|Vai trò")

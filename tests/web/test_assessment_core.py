"""The online campaign's core: submissions from the campaign file, a unit's score through the window and the
state machine, the receipt, optimistic locking and the clock."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest

from tests.web.assessment_support import (  # noqa: F401 - fixtures
    agency,
    at,
    files_dir,
    submission_of,
    three_tier,
    two_tier,
    unit_people,
)
from web.accounts.models import Unit
from web.assessment import clock
from web.assessment.models import ScoreChange, State, StateChange, Submission
from web.assessment.plans import plan_for
from web.assessment.services import WriteRefused, confirm, save_self_score
from web.assessment.states import TransitionRefused, take

pytestmark = pytest.mark.django_db


def test_every_unit_of_the_file_has_a_submission_with_its_tiers_indicators(two_tier: Any) -> None:
    plan = plan_for(two_tier)
    assert {t.id for t in plan.tiers} == {"so", "xa"}
    assert Submission.objects.filter(campaign=two_tier).count() == len(plan.units)
    sub = submission_of(two_tier, "xa")
    assert sub.entries.count() == len(plan.tier("xa").rows) > 0


def test_districts_parent_their_communes_in_a_three_tier_campaign(three_tier: Any) -> None:
    commune = submission_of(three_tier, "xa")
    assert commune.unit.parent is not None
    assert Submission.objects.get(campaign=three_tier, unit=commune.unit.parent).tier == "huyen"
    assert Unit.objects.filter(agency=three_tier.agency).count() == Submission.objects.count()


def test_a_unit_scores_submits_and_gets_a_receipt_whose_hash_it_can_recompute(
    agency: Any, two_tier: Any
) -> None:
    clock.set_now(at("20/01/2026 09:00"))
    sub = submission_of(two_tier, "so")
    staff, leader = unit_people(agency, sub)
    entry = sub.entries.order_by("id").first()
    row = plan_for(two_tier).tier("so").row(entry.code)
    with pytest.raises(WriteRefused, match="giải trình"):
        save_self_score(entry, staff, score="0,5", note="", seen_version=entry.version)
    saved = save_self_score(
        entry, staff, score="0,5", note="Chưa ban hành kế hoạch", seen_version=entry.version
    )
    assert saved.self_score == Decimal("0.50") and row.max_points > Decimal("0.5")
    # The first person's page still shows version 1: their save is refused, not merged.
    with pytest.raises(WriteRefused, match="đã lưu chỉ số này"):
        save_self_score(entry, leader, score="1", note="x", seen_version=entry.version)
    take(sub, "trinh_lanh_dao", staff)
    with pytest.raises(TransitionRefused):
        take(sub, "xac_nhan", staff)  # only the leader confirms
    done = confirm(sub, leader)
    assert done.state == State.SUBMITTED and not done.late
    canonical = json.dumps(done.receipt, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    assert hashlib.sha256(canonical).hexdigest() == done.receipt_sha256
    assert StateChange.objects.filter(submission=sub, accepted=False, action="xac_nhan").count() == 1
    assert ScoreChange.objects.filter(entry=entry).count() == 1


def test_the_form_locks_at_midnight_of_the_deadline_in_vietnam(agency: Any, two_tier: Any) -> None:
    sub = submission_of(two_tier, "xa")
    staff, _ = unit_people(agency, sub)
    entry = sub.entries.order_by("id").first()
    clock.set_now(at("23/01/2026 23:59"))
    entry = save_self_score(entry, staff, score="0", note="Chưa có", seen_version=entry.version)
    clock.set_now(at("24/01/2026 00:00"))
    with pytest.raises(WriteRefused, match="đã khóa lúc 24 giờ 00 ngày 23/01/2026"):
        save_self_score(entry, staff, score="0", note="Chưa có", seen_version=entry.version)
    with pytest.raises(TransitionRefused, match="đã khóa"):
        take(sub, "trinh_lanh_dao", staff)

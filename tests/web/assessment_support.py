"""Shared set-up for the online campaign's tests: an agency, a two-tier campaign (Phú Thọ 2026: sở, ban, ngành
and xã, phường, appraised by the Sở) and a three-tier one (Bà Rịa - Vũng Tàu 2024: districts appraise their communes),
submissions for every unit, and people of every role. Import the fixtures by name."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import EXAMPLES
from web.accounts.models import Agency, Profile, Role, Unit
from web.assessment import clock
from web.assessment.models import Assignment, Submission
from web.assessment.services import ensure_submissions
from web.campaigns.models import Campaign

PASSWORD = "mat-khau-dai-2026"


def make_user(
    username: str, role: Role, agency: Agency, unit: Unit | None = None, full_name: str = ""
) -> Any:
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    Profile.objects.create(
        user=user, agency=agency, role=role, unit=unit, must_change_password=False, full_name=full_name
    )
    return user


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def at(text: str) -> datetime:
    """'20/01/2026 09:00' as Vietnamese time."""
    return datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=clock.VN)


def make_campaign(agency: Agency, example: str) -> Campaign:
    source = (EXAMPLES / f"{example}.yaml").read_text(encoding="utf-8")
    year = int(example.rsplit("-", 1)[1])
    campaign = Campaign.objects.create(agency=agency, slug=example, title=example, year=year, source=source)
    campaign.write_yaml()
    ensure_submissions(campaign)
    return campaign


@pytest.fixture(autouse=True)
def files_dir(settings: Any, tmp_path: Path) -> Path:
    settings.FILES_DIR = tmp_path / "files"
    return settings.FILES_DIR


@pytest.fixture()
def agency() -> Agency:
    return Agency.objects.create(code="skhcn-pt", name="Sở Khoa học và Công nghệ", abbreviation="SKHCN")


@pytest.fixture()
def two_tier(agency: Agency) -> Campaign:
    """Phú Thọ 2026: self-assessment 12/01–23/01/2026, explanations 09/02–13/02/2026, late units excluded."""
    return make_campaign(agency, "phutho-2026")


@pytest.fixture()
def three_tier(agency: Agency) -> Campaign:
    return make_campaign(agency, "brvt-2024")


def submission_of(campaign: Campaign, tier: str, index: int = 0) -> Submission:
    return (
        Submission.objects.filter(campaign=campaign, tier=tier).select_related("unit").order_by("id")[index]
    )


def unit_people(agency: Agency, submission: Submission, prefix: str = "") -> tuple[Any, Any]:
    """The unit's chuyên viên and lãnh đạo."""
    code = prefix or submission.unit.code
    staff = make_user(f"{code}-cv", Role.UNIT_STAFF, agency, submission.unit, "Chuyên viên đơn vị")
    leader = make_user(f"{code}-ld", Role.UNIT_LEADER, agency, submission.unit, "Lãnh đạo đơn vị")
    return staff, leader


def appraiser(agency: Agency, campaign: Campaign, name: str, **assignment: Any) -> Any:
    user = make_user(name, Role.APPRAISER, agency, full_name=f"Thẩm định viên {name}")
    Assignment.objects.create(campaign=campaign, user=user, **assignment)
    return user


def fill_and_submit(
    agency: Agency, submission: Submission, when: str, *, scores: dict[str, str] | None = None
) -> Any:
    """The unit scores every indicator (its maximum unless `scores` says otherwise, with a note below it), its
    leader confirms at `when` ('20/01/2026 09:00', inside the window); returns the submitted Submission."""
    from web.assessment.plans import plan_for
    from web.assessment.services import confirm, save_self_score
    from web.assessment.states import take

    clock.set_now(at(when))
    staff, leader = unit_people(agency, submission)
    rows = {r.code: r for r in plan_for(submission.campaign).tier(submission.tier).rows}
    for entry in submission.entries.order_by("id"):
        score = (scores or {}).get(entry.code, str(rows[entry.code].max_points))
        save_self_score(entry, staff, score=score, note="Thuyết minh của đơn vị", seen_version=entry.version)
    take(submission, "trinh_lanh_dao", staff)
    return confirm(submission, leader)


def many_submissions(campaign: Campaign, tier: str, count: int, *, state: str = "da_gui") -> list[Submission]:
    """`count` extra units of `tier` with their submissions and entries, made in bulk (for page-size tests)."""
    from web.assessment.models import Entry
    from web.assessment.plans import plan_for

    rows = plan_for(campaign).tier(tier).rows
    units = Unit.objects.bulk_create(
        [
            Unit(agency_id=campaign.agency_id, code=f"them-{tier}-{i}", name=f"Đơn vị thêm {i:04d}")
            for i in range(count)
        ]
    )
    subs = Submission.objects.bulk_create(
        [
            Submission(agency_id=campaign.agency_id, campaign=campaign, unit=u, tier=tier, state=state)
            for u in units
        ]
    )
    Entry.objects.bulk_create(
        [Entry(submission=s, code=r.code, self_score=r.max_points) for s in subs for r in rows]
    )
    return subs

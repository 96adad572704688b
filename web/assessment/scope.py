"""Who sees and touches which submission, as set-based queries (thousands of units stay one query):

- a unit's chuyên viên and lãnh đạo: their own unit's submission, nothing else;
- an appraiser: the submissions of the tiers and main indices assigned to them; a district's appraiser
  (assignment with `parent_unit`) only the communes under that district;
- the Sở's people: every submission of their agency's campaigns; the Sở's chuyên viên appraise the tiers no
  other tier appraises (before 07/2025 the districts appraise their communes, since then the Sở does).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from web.accounts.models import SO_ROLES, UNIT_ROLES, Role
from web.accounts.roles import role_of
from web.assessment.models import Assignment, Submission


def _profile(user: Any) -> Any:
    return getattr(user, "profile", None) if getattr(user, "is_authenticated", False) else None


def assignment_of(user: Any, campaign_id: int) -> Assignment | None:
    if role_of(user) != Role.APPRAISER:
        return None
    return Assignment.objects.filter(campaign_id=campaign_id, user=user).select_related("parent_unit").first()


def _appraised_by_other_tier(submission: Submission) -> bool:
    from web.assessment.plans import plan_for

    try:
        return plan_for(submission.campaign).tier(submission.tier).appraised_by is not None
    except KeyError:
        return False


def visible_submissions(user: Any, campaign: Any) -> QuerySet[Submission]:
    profile = _profile(user)
    qs = Submission.objects.filter(campaign=campaign).select_related("unit")
    if profile is None or profile.agency_id != campaign.agency_id:
        return qs.none()
    role = role_of(user)
    if role in UNIT_ROLES:
        return qs.filter(unit_id=profile.unit_id) if profile.unit_id else qs.none()
    if role == Role.APPRAISER:
        a = assignment_of(user, campaign.pk)
        if a is None:
            return qs.none()
        if a.tiers:
            qs = qs.filter(tier__in=a.tiers)
        if a.parent_unit_id:
            qs = qs.filter(unit__parent_id=a.parent_unit_id)
        return qs
    if role in SO_ROLES:
        return qs
    return qs.none()


def may_view(user: Any, submission: Submission) -> bool:
    return visible_submissions(user, submission.campaign).filter(pk=submission.pk).exists()


def may_appraise(user: Any, submission: Submission) -> bool:
    """Whether this person appraises this unit at all (the indices they may score: `appraisable_indices`)."""
    profile = _profile(user)
    if profile is None or profile.agency_id != submission.agency_id:
        return False
    role = role_of(user)
    if role == Role.SO_STAFF:
        return not _appraised_by_other_tier(submission)
    if role != Role.APPRAISER:
        return False
    a = assignment_of(user, submission.campaign_id)
    if a is None or (a.tiers and submission.tier not in a.tiers):
        return False
    if a.parent_unit_id:
        return bool(submission.unit.parent_id == a.parent_unit_id)
    return not _appraised_by_other_tier(submission)


def appraisable_indices(user: Any, submission: Submission) -> set[str] | None:
    """The main-index codes this person may score on this submission; None: all of them; empty: none."""
    if not may_appraise(user, submission):
        return set()
    a = assignment_of(user, submission.campaign_id)
    if a is None or not a.indices:
        return None
    return {str(code) for code in a.indices}


def may_act_on(user: Any, submission: Submission, t: Any) -> bool:
    """The scope half of a transition's check (the role half is the transition's own list)."""
    profile = _profile(user)
    if profile is None or profile.agency_id != submission.agency_id:
        return False
    role = role_of(user)
    if role in UNIT_ROLES:
        return bool(profile.unit_id and profile.unit_id == submission.unit_id)
    if t.action == "bat_dau_tham_dinh":
        return may_appraise(user, submission)
    return role in SO_ROLES


def unit_filter(user: Any) -> Q:
    """For queries over other tables keyed by unit: the units this unit-role person may see."""
    profile = _profile(user)
    if profile is None or profile.unit_id is None:
        return Q(pk__in=[])
    return Q(unit_id=profile.unit_id)

"""The Sở's side of the appraisal: which round a submission is in, what is still undecided, the transitions the
Sở takes (one by one or for many units at once) with the checks the state machine alone cannot make, and the
set-based list of submissions the index page shows.

Rounds: in round 1 every indicator needs a decision (accept the unit's score or set another with a reason); in
round 2 an indicator without a new decision keeps its round-1 score (`Entry.final_score` reads it that way), so
only round 1's decisions must be complete before the scores are closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from letters.core.vn import vi_sort_key
from letters.usecases.online import OnlinePlan
from web.accounts.models import Role
from web.accounts.roles import role_of
from web.assessment.models import State, Submission
from web.assessment.scope import assignment_of, visible_submissions
from web.assessment.states import TRANSITIONS, Transition, TransitionRefused, take, transition

PAGE_ROLES = frozenset({Role.APPRAISER, Role.SO_STAFF, Role.SO_LEADER})
ROUND_OF_STATE = {State.IN_APPRAISAL: 1, State.REAPPRAISAL: 2}
# The Sở's transitions that make sense for many units at once (the others need a comment per unit).
BULK_ACTIONS = ("bat_dau_tham_dinh", "yeu_cau_giai_trinh", "dong_giai_trinh", "chot_diem")
LISTED = 12  # codes or units named in one message before "và N … khác"


def round_of(submission: Submission) -> int | None:
    return ROUND_OF_STATE.get(submission.state)


def _listing(names: list[str], unit: str) -> str:
    shown = ", ".join(names[:LISTED])
    return shown + (f" và {len(names) - LISTED} {unit} khác" if len(names) > LISTED else "")


def take_checked(
    submission: Submission, action: str, user: Any, *, comment: str = "", seen_version: int | None = None
) -> Submission:
    """`states.take`: the appraisal's own checks (decisions before «Chốt điểm», the explanations window) are
    part of the state machine, so every page that takes a transition gets them."""
    return take(submission, action, user, comment=comment, seen_version=seen_version)


def bulk_transitions(user: Any) -> list[Transition]:
    """The transitions this person may take for many submissions at once (the index page's action menu)."""
    role = role_of(user)
    return [t for t in TRANSITIONS if t.action in BULK_ACTIONS and role in t.roles]


@dataclass
class BulkResult:
    transition: Transition
    done: list[Submission] = field(default_factory=list)
    refused: list[tuple[Submission, str]] = field(default_factory=list)

    def summary(self) -> str:
        label = self.transition.label
        if not self.done and not self.refused:
            return f"Không có đơn vị nào để «{label}»."
        text = f"«{label}»: {len(self.done)} đơn vị thành công"
        if self.refused:
            text += f", {len(self.refused)} đơn vị không thực hiện được."
        else:
            text += "."
        return text

    def reasons(self) -> list[str]:
        """One line per reason, naming the units it stopped (units with the same reason together)."""
        by_reason: dict[str, list[str]] = {}
        for sub, message in self.refused:
            by_reason.setdefault(message, []).append(sub.unit.name)
        lines = [f"{_listing(units, 'đơn vị')}: {message}" for message, units in by_reason.items()]
        if len(lines) > LISTED:
            rest = len(lines) - LISTED
            lines = lines[:LISTED] + [f"Và {rest} lý do khác: mở trang thẩm định của từng đơn vị để xem."]
        return lines


def bulk_take(submissions: list[Submission], action: str, user: Any) -> BulkResult:
    """Each submission through `take_checked` on its own (one refusal stops nobody else), every outcome logged."""
    result = BulkResult(transition(action))
    for sub in submissions:
        try:
            take_checked(sub, action, user)
        except TransitionRefused as exc:
            result.refused.append((sub, exc.message))
        else:
            result.done.append(sub)
    return result


def _mine_filter(plan: OnlinePlan, indices: list[str]) -> Q:
    """The entries of the main indices assigned, tier by tier (a code such as 1.1 exists in every tier)."""
    wanted = {str(i) for i in indices}
    q = Q(pk__in=[])
    for tier in plan.tiers:
        codes = [r.code for r in tier.rows if r.index_code in wanted]
        if codes:
            q |= Q(tier=tier.id, entries__code__in=codes)
    return q


def filtered_submissions(
    user: Any, campaign: Any, *, tier: str = "", state: str = "", search: str = ""
) -> QuerySet[Submission]:
    qs = visible_submissions(user, campaign)
    if tier:
        qs = qs.filter(tier=tier)
    if state:
        qs = qs.filter(state=state)
    if search:
        qs = qs.filter(unit__name__icontains=search)
    return qs


def ordered_ids(qs: QuerySet[Submission], plan: OnlinePlan) -> list[int]:
    """The submissions in the plan's tier order, then by unit name in Vietnamese alphabetical order (Đ after D,
    Â after A: the database's byte order puts them after Z). One narrow query, sorted here."""
    tier_order = {t.id: i for i, t in enumerate(plan.tiers)}
    keys = list(qs.order_by().values_list("pk", "tier", "unit__name"))
    keys.sort(key=lambda k: (tier_order.get(k[1], len(tier_order)), vi_sort_key(k[2]), k[0]))
    return [k[0] for k in keys]


def with_counts(user: Any, campaign: Any, plan: OnlinePlan, ids: list[int]) -> list[Submission]:
    """The submissions `ids` (in that order) in one query, with the counts of indicators and of decisions in each
    round (and, for an appraiser of some indices, of theirs)."""
    done_1 = Q(entries__appraised_1_at__isnull=False)
    done_2 = Q(entries__appraised_2_at__isnull=False)
    qs = (
        Submission.objects.filter(pk__in=ids)
        .select_related("unit__parent")
        .annotate(
            n_entries=Count("entries"),
            n_done_1=Count("entries", filter=done_1),
            n_done_2=Count("entries", filter=done_2),
        )
    )
    assignment = assignment_of(user, campaign.pk)
    if assignment is not None and assignment.indices:
        mine = _mine_filter(plan, assignment.indices)
        qs = qs.annotate(
            n_mine=Count("entries", filter=mine),
            n_mine_1=Count("entries", filter=mine & done_1),
            n_mine_2=Count("entries", filter=mine & done_2),
        )
    position = {pk: i for i, pk in enumerate(ids)}
    return sorted(qs.order_by(), key=lambda s: position[s.pk])


def counts_by_tier_and_state(user: Any, campaign: Any) -> dict[str, dict[str, int]]:
    """{tier: {state: n}} over everything this person sees, in one query (the filter tabs' numbers)."""
    out: dict[str, dict[str, int]] = {}
    rows = visible_submissions(user, campaign).order_by().values("tier", "state").annotate(n=Count("id"))
    for row in rows:
        out.setdefault(row["tier"], {})[row["state"]] = row["n"]
    return out

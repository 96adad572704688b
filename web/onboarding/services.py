"""Issuing a campaign's accounts: per unit of every tier its chuyên viên and lãnh đạo, and the appraisers (the
Sở's own, each department of the campaign's `appraisers`, each district for its communes in a three-tier
campaign). One transaction creates whatever is missing; what exists is kept. The first passwords exist only in
the list files written for the handover (the database keeps Django's hash), until those files are deleted.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from letters.core.errors import os_error
from letters.core.files import atomic_write_text, make_dirs
from letters.core.vn import slugify
from letters.usecases.accounts import (
    AccountCounts,
    AccountLine,
    account_counts,
    account_list_pdf,
    readable_password,
    write_account_list,
)
from letters.usecases.online import OnlinePlan
from web.accounts import throttle
from web.accounts.models import UNIT_ROLES, Profile, Role, Unit
from web.assessment import clock
from web.assessment.models import Assignment, IssuedAccount
from web.assessment.plans import plan_for
from web.assessment.services import ensure_submissions
from web.campaigns.models import Campaign

Kind = IssuedAccount.Kind

KIND_ROLE: dict[str, str] = {
    Kind.STAFF: Role.UNIT_STAFF,
    Kind.LEADER: Role.UNIT_LEADER,
    Kind.APPRAISER: Role.APPRAISER,
}
ROLE_KIND = {role: kind for kind, role in KIND_ROLE.items()}
KIND_SUFFIX = {Kind.STAFF: "cv", Kind.LEADER: "ld", Kind.APPRAISER: "td"}

SO_APPRAISERS_DEFAULT = 2
SO_APPRAISERS_MAX = 50
MAX_BASE = 24  # a user name's readable part: longer names go by their initials, as offices abbreviate them
# First passwords are random (57 bits) and live until the first login, when Django rehashes them with the full
# work factor (PBKDF2's must_update); fewer iterations let one request issue hundreds of accounts.
FIRST_PASSWORD_ITERATIONS = 20_000

FOLDER = "tai-khoan"
MANIFEST = "lan-cap.json"
BATCH_NAME = re.compile(r"^\d{8}-\d{6}(?:-\d{1,3})?$")
LIST_FILES = ("danh-sach-tai-khoan.docx", "danh-sach-tai-khoan.pdf", "danh-sach-tai-khoan.xlsx")


class IssueRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------- names and passwords


def username_base(name: str) -> str:
    """'so-noi-vu' for «Sở Nội vụ», 'xa-hy-cuong' for «UBND xã Hy Cương»; a long name by its initials, the way
    offices abbreviate them ('sldtbxh' for «Sở Lao động - Thương binh và Xã hội»)."""
    slug = slugify(name)
    if slug.startswith("ubnd-") and len(slug) > 5:
        slug = slug[5:]
    if len(slug) > MAX_BASE:
        slug = "".join(w[0] for w in slug.split("-") if w and w != "va")
    return slug or "tai-khoan"


def _taken() -> set[str]:
    return {name.lower() for name in get_user_model().objects.values_list("username", flat=True)}


def unique_username(base: str, suffix: str, taken: set[str]) -> str:
    """'so-noi-vu.cv', or 'so-noi-vu-2.cv' when that name is someone else's already."""
    n = 1
    while True:
        name = f"{base}.{suffix}" if n == 1 else f"{base}-{n}.{suffix}"
        if name.lower() not in taken:
            taken.add(name.lower())
            return name
        n += 1


def first_password(user: Any) -> str:
    """A readable random password that Django's validators accept for this user."""
    for _ in range(20):
        password = readable_password()
        try:
            validate_password(password, user)
        except ValidationError:
            continue
        return password
    raise RuntimeError("no generated password passed the password validators")


def first_password_hash(password: str) -> str:
    hasher = get_hasher()
    if isinstance(hasher, PBKDF2PasswordHasher):
        iterations = min(hasher.iterations, FIRST_PASSWORD_ITERATIONS)
        return hasher.encode(password, hasher.salt(), iterations)
    return make_password(password)


def first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------- what should exist


@dataclass
class Slot:
    """One account the campaign needs: its holder, what it does, and (appraisers) what it appraises."""

    kind: str
    holder: str  # the unit's or the appraising body's name, as the list prints it
    group: str
    base: str
    suffix: str
    unit: Unit | None = None  # the unit a chuyên viên or lãnh đạo belongs to
    body: str = ""
    tiers: list[str] = field(default_factory=list)
    parent_unit: Unit | None = None

    @property
    def role(self) -> str:
        return KIND_ROLE[self.kind]


@dataclass
class Need:
    """The accounts the campaign needs, and how many of them exist already."""

    missing: list[Slot]
    existing: int
    counts: AccountCounts


def _tier_groups(plan: OnlinePlan, tiers: Iterable[str]) -> str:
    shorts = [plan.tier(t).short for t in tiers if any(x.id == t for x in plan.tiers)]
    return first_upper(", ".join(shorts)) if shorts else "Mọi nhóm đơn vị"


def sos_own_tiers(plan: OnlinePlan) -> list[str]:
    """The tiers the Sở appraises itself: those no other tier appraises."""
    return [t.id for t in plan.tiers if t.appraised_by is None]


def needed(campaign: Campaign, so_appraisers: int, units: dict[str, Unit] | None = None) -> Need:
    """What is missing, in the order of the list: each tier's units (chuyên viên, then lãnh đạo), the Sở's
    appraisers, the departments' appraisers, then the districts' appraisers."""
    plan = plan_for(campaign)
    counts = account_counts(campaign.yaml_path)
    if units is None:
        units = {u.code: u for u in Unit.objects.filter(agency_id=campaign.agency_id)}
    have: dict[tuple[int, str], int] = {}
    for unit_id, role in Profile.objects.filter(
        agency_id=campaign.agency_id, role__in=UNIT_ROLES, user__is_active=True, unit__isnull=False
    ).values_list("unit_id", "role"):
        have[(unit_id, role)] = have.get((unit_id, role), 0) + 1
    missing: list[Slot] = []
    existing = 0
    order = {t.id: i for i, t in enumerate(plan.tiers)}
    for pu in sorted(plan.units, key=lambda u: order.get(u.tier, len(order))):
        # A unit not yet in the database (issuing creates it first) has no account yet.
        unit = units.get(pu.key)
        group = first_upper(plan.tier(pu.tier).short)
        for kind, number in ((Kind.STAFF, counts.staff), (Kind.LEADER, counts.leader)):
            present = have.get((unit.pk, KIND_ROLE[kind]), 0) if unit is not None else 0
            existing += min(present, number)
            for i in range(present, number):
                suffix = KIND_SUFFIX[kind] + (str(i + 1) if i else "")
                missing.append(Slot(kind, pu.name, group, username_base(pu.key), suffix, unit=unit))

    assignments = list(Assignment.objects.filter(campaign=campaign).values("body", "parent_unit_id", "tiers"))

    def assigned(body: str | None = None, parent: int | None = None, tier: str | None = None) -> int:
        if parent is not None:
            # A district's appraiser whose tiers the quản trị emptied still appraises that tier.
            return sum(
                1
                for a in assignments
                if a["parent_unit_id"] == parent and (not a["tiers"] or tier in a["tiers"])
            )
        return sum(1 for a in assignments if a["parent_unit_id"] is None and a["body"] == body)

    appraiser_group = _tier_groups(plan, sos_own_tiers(plan))
    present = assigned(body=plan.issuer)
    existing += min(present, so_appraisers)
    abbreviation = slugify(plan.issuer_abbreviation) or username_base(plan.issuer)
    for i in range(present, so_appraisers):
        missing.append(
            Slot(
                Kind.APPRAISER,
                plan.issuer,
                appraiser_group,
                abbreviation,
                f"td{i + 1}",
                body=plan.issuer,
                tiers=sos_own_tiers(plan),
            )
        )
    for dept in plan.appraisers:
        if dept.name == plan.issuer:  # the Sở's own appraisers cover it
            continue
        present = assigned(body=dept.name)
        existing += min(present, counts.appraiser)
        for i in range(present, counts.appraiser):
            missing.append(
                Slot(
                    Kind.APPRAISER,
                    dept.name,
                    _tier_groups(plan, dept.tiers) if dept.tiers else "Mọi nhóm đơn vị",
                    username_base(dept.name),
                    "td" + (str(i + 1) if i else ""),
                    body=dept.name,
                    tiers=list(dept.tiers),
                )
            )
    for tier in plan.tiers:
        if tier.appraised_by is None:
            continue
        for pu in plan.units:
            if pu.tier != tier.appraised_by:
                continue
            unit = units.get(pu.key)
            if unit is not None and assigned(parent=unit.pk, tier=tier.id):
                existing += 1
                continue
            missing.append(
                Slot(
                    Kind.APPRAISER,
                    pu.name,
                    first_upper(tier.short),
                    username_base(pu.key),
                    "td",
                    body=pu.name,
                    tiers=[tier.id],
                    parent_unit=unit,
                )
            )
    return Need(missing, existing, counts)


# --------------------------------------------------------------------------- the list files


@dataclass(frozen=True)
class Batch:
    """One issuance's list files, in campaign.folder/tai-khoan/<time>/ with a manifest beside them."""

    name: str
    path: Path
    kind: str  # "cap_tai_khoan" | "cap_lai"
    at: datetime
    by: str
    count: int
    usernames: list[str]
    deleted_at: datetime | None
    deleted_by: str

    @property
    def files(self) -> list[Path]:
        return [self.path / n for n in LIST_FILES if (self.path / n).is_file()]

    @property
    def has_pdf(self) -> bool:
        return (self.path / LIST_FILES[1]).is_file()

    @property
    def label(self) -> str:
        return "Cấp lại mật khẩu" if self.kind == "cap_lai" else "Cấp tài khoản"


def batches_root(campaign: Campaign) -> Path:
    return campaign.folder / FOLDER


def _read_batch(path: Path) -> Batch | None:
    try:
        data = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    deleted = data.get("deleted_at")
    return Batch(
        name=path.name,
        path=path,
        kind=str(data.get("kind", "")),
        at=datetime.fromisoformat(data["at"]),
        by=str(data.get("by", "")),
        count=int(data.get("count", 0)),
        usernames=[str(u) for u in data.get("usernames", [])],
        deleted_at=datetime.fromisoformat(deleted) if deleted else None,
        deleted_by=str(data.get("deleted_by", "")),
    )


def batches(campaign: Campaign) -> list[Batch]:
    root = batches_root(campaign)
    if not root.is_dir():
        return []
    found = [b for p in root.iterdir() if BATCH_NAME.match(p.name) and (b := _read_batch(p)) is not None]
    return sorted(found, key=lambda b: (b.at, b.name), reverse=True)


def batch_of(campaign: Campaign, name: str) -> Batch | None:
    if not BATCH_NAME.match(name):
        return None
    return _read_batch(batches_root(campaign) / name)


def _new_batch_dir(campaign: Campaign) -> Path:
    root = batches_root(campaign)
    make_dirs(root)  # a VanbanError naming the folder when it cannot be made
    stamp = clock.now().astimezone(clock.VN).strftime("%Y%m%d-%H%M%S")
    for n in range(1, 1000):
        path = root / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            continue
        except OSError as exc:
            raise os_error(exc, "Không tạo được thư mục", path) from exc
        return path
    raise RuntimeError("no free folder name for the account list")


def _write_manifest(path: Path, data: dict[str, Any]) -> None:
    atomic_write_text(path / MANIFEST, json.dumps(data, ensure_ascii=False, indent=1), force=True)


def _write_batch(
    campaign: Campaign, kind: str, by: Any, lines: Sequence[AccountLine], *, reissue: bool
) -> Path:
    path = _new_batch_dir(campaign)
    write_account_list(campaign.yaml_path, lines, path, reissue=reissue)
    _write_manifest(
        path,
        {
            "kind": kind,
            "at": clock.now().isoformat(timespec="seconds"),
            "by": by.get_username(),
            "count": len(lines),
            "usernames": [line.username for line in lines],
            "deleted_at": None,
            "deleted_by": "",
        },
    )
    return path


def make_pdf(batch: Batch) -> Path:
    """The phụ lục's PDF beside its DOCX (LibreOffice); VanbanError when the conversion fails."""
    return account_list_pdf(batch.path / LIST_FILES[0])


def delete_files(batch: Batch, by: Any) -> list[str]:
    """Delete the list files once the accounts are handed over; the manifest stays as the record of when and by
    whom. Returns the names deleted."""
    names = [p.name for p in batch.files]
    for p in batch.files:
        p.unlink(missing_ok=True)
    data = json.loads((batch.path / MANIFEST).read_text(encoding="utf-8"))
    data["deleted_at"] = clock.now().isoformat(timespec="seconds")
    data["deleted_by"] = by.get_username()
    _write_manifest(batch.path, data)
    return names


# --------------------------------------------------------------------------- issuing


@dataclass
class Issuance:
    lines: list[AccountLine]
    existing: int
    reused: int
    submissions_created: int
    batch: Batch | None
    by_kind: dict[str, int]


def _reusable(campaign: Campaign, slot: Slot, exclude: set[int]) -> Any:
    """An appraiser of the agency's earlier campaigns who held this place (same body, or same district): kept
    with their password rather than given a new account."""
    qs = Assignment.objects.filter(
        campaign__agency_id=campaign.agency_id,
        user__is_active=True,
        user__profile__role=Role.APPRAISER,
        user__profile__agency_id=campaign.agency_id,
    ).exclude(campaign=campaign)
    if exclude:
        qs = qs.exclude(user_id__in=exclude)
    if slot.parent_unit is not None:
        qs = qs.filter(parent_unit=slot.parent_unit)
    else:
        qs = qs.filter(body=slot.body, parent_unit__isnull=True)
    found = qs.select_related("user").order_by("user__username").first()
    return found.user if found is not None else None


def _create(slot: Slot, campaign: Campaign, by: Any, taken: set[str]) -> tuple[Any, str]:
    user_model = get_user_model()
    username = unique_username(slot.base, slot.suffix, taken)
    user = user_model(username=username)
    password = first_password(user)
    user.password = first_password_hash(password)
    user.save()
    Profile.objects.create(
        user=user,
        agency_id=campaign.agency_id,
        role=slot.role,
        unit=slot.unit,
        must_change_password=True,
    )
    # A district's appraiser is recorded against the district whose communes it appraises.
    IssuedAccount.objects.create(
        campaign=campaign, user=user, unit=slot.unit or slot.parent_unit, kind=slot.kind, issued_by=by
    )
    return user, password


def issue_all(campaign: Campaign, by: Any, *, so_appraisers: int = SO_APPRAISERS_DEFAULT) -> Issuance:
    """Create every missing account of the campaign in one transaction, and the list files of those created.

    The files are written inside the transaction, so a failure leaves neither accounts without a list nor a
    list of accounts that do not exist."""
    if not 0 <= so_appraisers <= SO_APPRAISERS_MAX:
        raise IssueRefused(f"Số thẩm định viên của Sở phải từ 0 đến {SO_APPRAISERS_MAX}.")
    folder: Path | None = None
    try:
        with transaction.atomic():
            Campaign.objects.select_for_update().filter(pk=campaign.pk).first()  # one issuance at a time
            created = ensure_submissions(campaign)
            need = needed(campaign, so_appraisers)
            taken = _taken()
            lines: list[AccountLine] = []
            by_kind: dict[str, int] = {}
            reused = 0
            assigned = set(Assignment.objects.filter(campaign=campaign).values_list("user_id", flat=True))
            for slot in need.missing:
                user = _reusable(campaign, slot, assigned) if slot.kind == Kind.APPRAISER else None
                if user is None:
                    user, password = _create(slot, campaign, by, taken)
                    lines.append(
                        AccountLine(slot.holder, slot.group, Kind(slot.kind).label, user.username, password)
                    )
                    by_kind[slot.kind] = by_kind.get(slot.kind, 0) + 1
                else:
                    reused += 1
                if slot.kind == Kind.APPRAISER:
                    Assignment.objects.create(
                        campaign=campaign,
                        user=user,
                        body=slot.body,
                        tiers=slot.tiers,
                        indices=[],
                        parent_unit=slot.parent_unit,
                    )
                    assigned.add(user.pk)
            batch = None
            if lines:
                folder = _write_batch(campaign, "cap_tai_khoan", by, lines, reissue=False)
                batch = _read_batch(folder)
            from web.audit.log import record

            record(
                "cap_tai_khoan",
                campaign,
                user=by,
                after={
                    "issued": [line.username for line in lines],
                    "reused_appraisers": reused,
                    "existing": need.existing,
                    "batch": folder.name if folder else None,
                },
                note=f"Cấp {len(lines)} tài khoản mới",
            )
    except BaseException:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return Issuance(lines, need.existing, reused, created, batch, by_kind)


# --------------------------------------------------------------------------- one account


def campaign_accounts(campaign: Campaign) -> Any:
    """The users this campaign's onboarding pages may act on: the units' people of the campaign's units and the
    campaign's appraisers (never the Sở's own staff, nor another agency's people)."""
    from django.db.models import Q

    unit_codes = [u.key for u in plan_for(campaign).units]
    return (
        get_user_model()
        .objects.filter(
            Q(profile__role__in=UNIT_ROLES, profile__unit__code__in=unit_codes)
            | Q(profile__role=Role.APPRAISER, assignments__campaign=campaign),
            profile__agency_id=campaign.agency_id,
        )
        .distinct()
    )


def line_for(campaign: Campaign, user: Any, password: str) -> AccountLine:
    profile = user.profile
    plan = plan_for(campaign)
    kind = ROLE_KIND.get(profile.role, Kind.APPRAISER)
    if profile.role in UNIT_ROLES and profile.unit is not None:
        tier = next((u.tier for u in plan.units if u.key == profile.unit.code), None)
        group = first_upper(plan.tier(tier).short) if tier else ""
        return AccountLine(profile.unit.name, group, Kind(kind).label, user.username, password)
    a = Assignment.objects.filter(campaign=campaign, user=user).first()
    body = a.body if a is not None else ""
    group = _tier_groups(plan, a.tiers) if a is not None and a.tiers else "Mọi nhóm đơn vị"
    return AccountLine(body, group, Kind(kind).label, user.username, password)


def reissue(campaign: Campaign, user: Any, by: Any) -> tuple[str, Batch]:
    """A new first password for one account (its holder lost it): the old one stops working at once, the holder
    must change the new one at first login; the one-row list is written for the handover."""
    from web.audit.log import record

    folder: Path | None = None
    try:
        with transaction.atomic():
            locked = get_user_model().objects.select_for_update().get(pk=user.pk)
            password = first_password(locked)
            locked.password = first_password_hash(password)
            locked.save(update_fields=["password"])
            profile = Profile.objects.get(user=locked)
            profile.must_change_password = True
            profile.save(update_fields=["must_change_password"])
            throttle.clear(locked.username)
            line = line_for(campaign, locked, password)
            folder = _write_batch(campaign, "cap_lai", by, [line], reissue=True)
            record(
                "cap_lai_mat_khau",
                locked,
                user=by,
                agency_id=campaign.agency_id,
                after={"username": locked.username, "batch": folder.name},
                note=f"Đợt đánh giá: {campaign.title}",
            )
    except BaseException:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    found = _read_batch(folder)
    assert found is not None
    return password, found

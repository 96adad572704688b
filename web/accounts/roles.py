"""Role predicates (django-rules) used by views, templates and the admin: one place says who may do what."""

from __future__ import annotations

from typing import Any

import rules

from web.accounts.models import SO_ROLES, Role


def role_of(user: Any) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    profile = getattr(user, "profile", None)
    if profile is None:
        return Role.ADMIN if user.is_superuser else None
    return str(profile.role)


def person_name(user: Any) -> str:
    """A person as pages, histories and messages name them: the profile's full name, else the user name."""
    profile = getattr(user, "profile", None)  # none for a superuser made on the command line
    return (profile.full_name if profile is not None and profile.full_name else None) or user.get_username()


def agency_of(user: Any) -> int | None:
    profile = getattr(user, "profile", None)
    return profile.agency_id if profile is not None else None


def _has(*roles: str) -> Any:
    @rules.predicate
    def check(user: Any) -> bool:
        return role_of(user) in roles

    return check


is_admin = _has(Role.ADMIN)
is_so_staff = _has(Role.SO_STAFF)
is_so_leader = _has(Role.SO_LEADER)
is_clerk = _has(Role.CLERK)
is_so_member = _has(*SO_ROLES)


@rules.predicate
def same_agency(user: Any, obj: Any) -> bool:
    """Nobody reads another agency's records, whatever their role."""
    if obj is None:
        return True
    return agency_of(user) is not None and getattr(obj, "agency_id", None) == agency_of(user)


rules.add_perm("vanban.manage_accounts", is_admin)
rules.add_perm("vanban.view_audit", is_admin | is_so_leader)
rules.add_perm("vanban.edit_campaign", (is_so_staff | is_admin) & same_agency)
rules.add_perm("vanban.view_campaign", is_so_member & same_agency)
rules.add_perm("vanban.approve_document", is_so_leader & same_agency)
rules.add_perm("vanban.issue_document", is_clerk & same_agency)
# Documents and their issuance (NĐ 30): the chuyên viên renders and submits, the lãnh đạo approves and signs
# (approve_document), the văn thư issues (issue_document), the quản trị configures keys and seals; every
# Sở role reads the documents and the issued records, the units' roles see none of it.
rules.add_perm("vanban.view_documents", is_so_member & same_agency)
rules.add_perm("vanban.render_documents", is_so_staff & same_agency)
rules.add_perm("vanban.submit_document", is_so_staff & same_agency)
rules.add_perm("vanban.configure_signing", is_admin & same_agency)
rules.add_perm("vanban.check_evidence", (is_so_staff | is_so_leader | is_admin) & same_agency)
# Evidence reports and results: the Sở's people read them (the văn thư too); units get their own pages later.
rules.add_perm("vanban.view_evidence", is_so_member & same_agency)
rules.add_perm("vanban.run_results", (is_so_staff | is_so_leader | is_admin) & same_agency)
rules.add_perm("vanban.view_results", is_so_member & same_agency)
rules.add_perm("vanban.view_job", is_so_member & same_agency)

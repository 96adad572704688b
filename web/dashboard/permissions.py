"""Who sees the Sở's dashboard and who reads the results notices (django-rules)."""

from __future__ import annotations

from typing import Any

import rules

from web.accounts.models import UNIT_ROLES
from web.accounts.roles import is_so_member, role_of, same_agency


@rules.predicate
def is_unit_member(user: Any) -> bool:
    return role_of(user) in UNIT_ROLES


# Every Sở role of the agency follows the campaign; a unit's chuyên viên and lãnh đạo read their own notices.
rules.add_perm("vanban.view_dashboard", is_so_member & same_agency)
rules.add_perm("vanban.view_own_notices", is_unit_member & same_agency)

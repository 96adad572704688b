"""Who manages an online campaign's deadlines (django-rules): the Sở's chuyên viên and the quản trị of the
campaign's agency — windows, extensions, reminders and, in demo mode, the clock."""

from __future__ import annotations

import rules

from web.accounts.roles import is_admin, is_so_staff, same_agency

MANAGE_DEADLINES = "vanban.manage_deadlines"

rules.add_perm(MANAGE_DEADLINES, (is_so_staff | is_admin) & same_agency)

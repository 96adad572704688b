"""Who may rank from the online data and publish (django-rules, beside the accounts' own rules)."""

from __future__ import annotations

import rules

from web.accounts.roles import is_so_leader, is_so_staff, same_agency

# «Tổng hợp kết quả từ hệ thống» and «Công bố kết quả»: the Sở's chuyên viên and lãnh đạo.
rules.add_perm("vanban.results_from_system", (is_so_staff | is_so_leader) & same_agency)
rules.add_perm("vanban.publish_results", (is_so_staff | is_so_leader) & same_agency)

"""The service's sections as the header lists them: one ordered registry, each entry with the roles that see it.

`visible_entries` gives a page the entries its viewer may open, skipping any whose URL name does not reverse
(an app that is not installed, or not yet there). An entry of a campaign's pages (documents, evidence checks,
results) links to the campaign being looked at, else to the agency's latest one; without a campaign it is left
out, having nothing to show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from web.accounts.models import SO_ROLES, UNIT_ROLES, Role
from web.accounts.roles import agency_of, role_of

EVERYONE: frozenset[str] | None = None  # anonymous visitors too
SIGNED_IN = frozenset(Role)
SO = frozenset(SO_ROLES)
UNITS = frozenset(UNIT_ROLES)


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    roles: frozenset[str] | None  # None: everyone, signed in or not
    sections: tuple[
        str, ...
    ] = ()  # URL namespaces whose pages belong to this entry (it is highlighted there)
    per_campaign: bool = False  # the URL takes the campaign's id


ENTRIES: tuple[Entry, ...] = (
    Entry("Trang chính", "home", SIGNED_IN),
    Entry("Đợt đánh giá", "campaigns:list", SO, ("campaigns",)),
    Entry("Văn bản", "documents:index", SO, ("documents",), per_campaign=True),
    Entry("Ban hành", "issuance:index", SO, ("issuance",)),
    Entry("Minh chứng", "evidence:campaign", SO, ("evidence",), per_campaign=True),
    Entry("Kết quả", "results:campaign", SO, ("results",), per_campaign=True),
    Entry("Cấp tài khoản", "onboarding:index", frozenset({Role.ADMIN, Role.SO_STAFF}), ("onboarding",)),
    Entry("Tự đánh giá", "selfassess:index", UNITS, ("selfassess",)),
    Entry(
        "Thẩm định",
        "appraisal:index",
        frozenset({Role.APPRAISER, Role.SO_STAFF, Role.SO_LEADER}),
        ("appraisal",),
    ),
    Entry("Theo dõi", "dashboard:index", SO, ("dashboard",)),
    Entry("Thời hạn", "deadlines:index", frozenset({Role.SO_STAFF, Role.ADMIN}), ("deadlines",)),
    Entry("Thông báo kết quả", "dashboard:notices", UNITS, ("dashboard",)),
    Entry("Bảng xếp hạng công khai", "public:index", EVERYONE, ("public",)),
)

# Pages that belong to another section than their URL's namespace: the trusted roots are configured beside the
# signing keys.
SECTION_OF = {
    name: "issuance:index" for name in ("evidence:trust", "evidence:trust_add", "evidence:trust_remove")
}

# Where a page of a campaign names it: the campaign pages by `pk`, the others by `campaign_id`.
_CAMPAIGN_KWARGS = {"campaigns": "pk"}


def entries_for(role: str | None) -> list[Entry]:
    """The registry's entries a viewer of `role` sees (None: not signed in), in order."""
    return [e for e in ENTRIES if e.roles is None or (role is not None and role in e.roles)]


def _campaign_id(request: HttpRequest) -> int | None:
    """The campaign the page shows, else the agency's latest; None when there is none."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        key = _CAMPAIGN_KWARGS.get(match.namespace, "campaign_id")
        value = match.kwargs.get(key)
        if isinstance(value, int):
            return value
    agency = agency_of(request.user)
    if agency is None:
        return None
    from web.campaigns.models import Campaign

    return (
        Campaign.objects.filter(agency_id=agency)
        .order_by("-year", "-pk")
        .values_list("pk", flat=True)
        .first()
    )


def visible_entries(request: HttpRequest) -> list[dict[str, Any]]:
    """What the header shows: label, URL and whether the page belongs to it, for the viewer's role."""
    role = role_of(request.user)
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match is not None else ""
    namespace = match.namespace if match is not None else ""
    if view_name in SECTION_OF:
        view_name = SECTION_OF[view_name]
        namespace = view_name.split(":", 1)[0]
    campaign: list[int | None] = []  # looked up once, and only when an entry needs it
    shown: list[dict[str, Any]] = []
    for entry in entries_for(role):
        args: list[Any] = []
        if entry.per_campaign:
            if not campaign:
                campaign.append(_campaign_id(request))
            if campaign[0] is None:
                continue
            args = [campaign[0]]
        try:
            url = reverse(entry.url_name, args=args)
        except NoReverseMatch:
            continue
        active = view_name == entry.url_name or namespace in entry.sections
        shown.append({"label": entry.label, "url": url, "active": active, "name": entry.url_name})
    # One section is current: the entry named by the page itself, else the first whose namespace it is in.
    current = next((e for e in shown if e["name"] == view_name), None) or next(
        (e for e in shown if e["active"]), None
    )
    for e in shown:
        e["active"] = e is current
    return shown

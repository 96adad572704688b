"""The header's sections (web/navigation.py) through the pages: each role sees exactly its entries, in order, each
one opens, the current section is marked, and a page's own links still come under them."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import NoReverseMatch, resolve, reverse

from tests.conftest import EXAMPLES
from tests.web.docs_support import client_for, make_user
from web.accounts.models import Agency, Role, Unit
from web.campaigns.models import Campaign
from web.navigation import ENTRIES

pytestmark = pytest.mark.django_db

# What each role is meant to see, as the sections were specified (not read back from the registry).
EXPECTED: dict[str | None, list[str]] = {
    Role.ADMIN: [
        "Trang chính",
        "Đợt đánh giá",
        "Văn bản",
        "Ban hành",
        "Minh chứng",
        "Kết quả",
        "Cấp tài khoản",
        "Theo dõi",
        "Thời hạn",
        "Bảng xếp hạng công khai",
    ],
    Role.SO_STAFF: [
        "Trang chính",
        "Đợt đánh giá",
        "Văn bản",
        "Ban hành",
        "Minh chứng",
        "Kết quả",
        "Cấp tài khoản",
        "Thẩm định",
        "Theo dõi",
        "Thời hạn",
        "Bảng xếp hạng công khai",
    ],
    Role.SO_LEADER: [
        "Trang chính",
        "Đợt đánh giá",
        "Văn bản",
        "Ban hành",
        "Minh chứng",
        "Kết quả",
        "Thẩm định",
        "Theo dõi",
        "Bảng xếp hạng công khai",
    ],
    Role.CLERK: [
        "Trang chính",
        "Đợt đánh giá",
        "Văn bản",
        "Ban hành",
        "Minh chứng",
        "Kết quả",
        "Theo dõi",
        "Bảng xếp hạng công khai",
    ],
    Role.UNIT_STAFF: ["Trang chính", "Tự đánh giá", "Thông báo kết quả", "Bảng xếp hạng công khai"],
    Role.UNIT_LEADER: ["Trang chính", "Tự đánh giá", "Thông báo kết quả", "Bảng xếp hạng công khai"],
    Role.APPRAISER: ["Trang chính", "Thẩm định", "Bảng xếp hạng công khai"],
    None: ["Bảng xếp hạng công khai"],
}


def _reverses(label: str) -> bool:
    """Whether the entry's app answers now (the online campaign's apps are being built beside this one)."""
    entry = next(e for e in ENTRIES if e.label == label)
    try:
        reverse(entry.url_name, args=[1] if entry.per_campaign else [])
    except NoReverseMatch:
        return False
    return True


def _sections(page: str) -> list[tuple[str, str, bool]]:
    nav = re.search(r'<nav class="sections"[^>]*>(.*?)</nav>', page, re.S)
    assert nav is not None, page[:2000]
    return [
        (html.unescape(label), html.unescape(href), 'class="active"' in attrs)
        for href, attrs, label in re.findall(r'<a href="([^"]*)"([^>]*)>(.*?)</a>', nav.group(1))
    ]


@pytest.fixture()
def agency() -> Agency:
    return Agency.objects.create(code="skhcn-pt", name="Sở Khoa học và Công nghệ", abbreviation="SKHCN")


@pytest.fixture()
def campaigns(agency: Agency) -> list[Campaign]:
    source = (EXAMPLES / "phutho-2026.yaml").read_text(encoding="utf-8")
    older = Campaign.objects.create(agency=agency, slug="cu", title="Đợt cũ", year=2024, source=source)
    newer = Campaign.objects.create(
        agency=agency, slug="phutho-2026", title="Đợt 2025", year=2025, source=source
    )
    return [older, newer]


@pytest.mark.parametrize("role", [*Role, None], ids=lambda r: str(r.value) if r else "khach")
def test_each_role_sees_exactly_its_sections_and_each_one_opens(
    role: Role | None, agency: Agency, campaigns: list[Campaign]
) -> None:
    if role is None:
        client = Client()
        page = client.get(reverse("accounts:login")).content.decode()
    else:
        unit = Unit.objects.create(agency=agency, code="so-y-te", name="Sở Y tế")
        user = make_user(
            "nguoi-dung", role, agency, unit if role in (Role.UNIT_STAFF, Role.UNIT_LEADER) else None
        )
        client = client_for(user)
        page = client.get("/").content.decode()
    shown = _sections(page)
    assert [label for label, _, _ in shown] == [label for label in EXPECTED[role] if _reverses(label)]
    for label, url, _ in shown:
        resolve(url.split("?", 1)[0])  # a URL of the service
        response = client.get(url)
        assert response.status_code in (200, 302), (label, url, response.status_code)
        if response.status_code == 302:
            assert not response["Location"].startswith("/tai-khoan/dang-nhap/"), (label, url)
    # The campaign pages' entries lead to the latest campaign when the page shows none.
    urls = dict((label, url) for label, url, _ in shown)
    if "Văn bản" in urls:
        assert urls["Văn bản"] == f"/van-ban/{campaigns[1].pk}/"
        assert urls["Minh chứng"] == f"/minh-chung/{campaigns[1].pk}/"


def test_the_current_section_is_marked_and_the_campaign_is_the_one_shown(
    agency: Agency, campaigns: list[Campaign]
) -> None:
    client = client_for(make_user("chuyenvien", Role.SO_STAFF, agency))
    older = campaigns[0]
    page = client.get(f"/minh-chung/{older.pk}/").content.decode()
    shown = _sections(page)
    assert [label for label, _, active in shown if active] == ["Minh chứng"]
    urls = {label: url for label, url, _ in shown}
    # On a page of the older campaign, its sections link to that campaign.
    assert urls["Văn bản"] == f"/van-ban/{older.pk}/" and urls["Kết quả"] == f"/ket-qua/{older.pk}/"
    assert [a for _, _, a in _sections(client.get("/").content.decode())].count(True) == 1  # Trang chính
    assert [label for label, _, a in _sections(client.get("/ban-hanh/").content.decode()) if a] == [
        "Ban hành"
    ]
    page = client.get(f"/dot-danh-gia/{older.pk}/").content.decode()
    assert [label for label, _, a in _sections(page) if a] == ["Đợt đánh giá"]
    # The trusted roots are configured beside the signing keys, whatever their address says.
    admin = client_for(make_user("quantri", Role.ADMIN, agency))
    assert [label for label, _, a in _sections(admin.get("/minh-chung/tin-cay/").content.decode()) if a] == [
        "Ban hành"
    ]
    # A page's own links still come, under the sections.
    page = client.get(f"/van-ban/{older.pk}/").content.decode()
    own = re.search(r'<nav class="page-nav"[^>]*>(.*?)</nav>', page, re.S)
    assert own is not None and "Trình ký, ban hành" in own.group(1)
    assert page.index('class="sections"') < page.index('class="page-nav"')


def test_an_agency_without_campaigns_has_no_campaign_sections(agency: Agency) -> None:
    client = client_for(make_user("vanthu", Role.CLERK, agency))
    labels = [label for label, _, _ in _sections(client.get("/").content.decode())]
    assert "Đợt đánh giá" in labels and "Ban hành" in labels
    assert not {"Văn bản", "Minh chứng", "Kết quả"} & set(labels)


def test_an_entry_whose_app_is_missing_is_left_out(
    agency: Agency, campaigns: list[Campaign], monkeypatch: pytest.MonkeyPatch
) -> None:
    from web import navigation

    missing = navigation.Entry("Chưa có", "khong-co:index", navigation.SIGNED_IN)
    monkeypatch.setattr(navigation, "ENTRIES", (*navigation.ENTRIES[:2], missing, *navigation.ENTRIES[2:]))
    page = client_for(make_user("lanhdao", Role.SO_LEADER, agency)).get("/").content.decode()
    labels = [label for label, _, _ in _sections(page)]
    assert "Chưa có" not in labels and labels[:2] == ["Trang chính", "Đợt đánh giá"]

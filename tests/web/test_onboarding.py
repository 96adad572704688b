"""Issuing a campaign's accounts through the pages: one press issues every unit's chuyên viên and lãnh đạo and
the appraisers, in one transaction; the list comes out as the Kế hoạch's phụ lục (DOCX, PDF) and as Excel, read
back here; the passwords in it work and force a change at first login; a second press issues nothing; only the
Sở's chuyên viên and quản trị of the agency reach any of it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.test import Client
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from tests.conftest import EXAMPLES
from tests.web.assessment_support import (  # noqa: F401 - fixtures
    agency,
    client_for,
    files_dir,
    make_user,
)
from web.accounts.models import Agency, Profile, Role, Unit
from web.assessment.models import Assignment, IssuedAccount
from web.assessment.plans import plan_for
from web.audit.models import AuditEvent
from web.campaigns.models import Campaign
from web.onboarding import services
from web.onboarding.forms import AssignmentForm

pytestmark = pytest.mark.django_db

DEPARTMENTS = """
appraisers:
  - name: Sở Nội vụ
    scope: Chỉ số Nhân lực số
    tiers: [so]
  - name: Công an tỉnh
    scope: Chỉ số An toàn thông tin mạng
"""


def campaign_of(agency: Agency, example: str, extra: str = "", slug: str = "") -> Campaign:
    source = (EXAMPLES / f"{example}.yaml").read_text(encoding="utf-8") + extra
    year = int(example.rsplit("-", 1)[1])
    campaign = Campaign.objects.create(
        agency=agency, slug=slug or example, title=f"Đợt {example}", year=year, source=source
    )
    campaign.write_yaml()
    return campaign


@pytest.fixture()
def staff(agency: Agency) -> Any:
    return make_user("cv-so", Role.SO_STAFF, agency, full_name="Chuyên viên Sở")


def issue(client: Client, campaign: Campaign, so_appraisers: int = 2) -> Any:
    return client.post(
        reverse("onboarding:issue", args=[campaign.pk]), {"so_appraisers": so_appraisers}, follow=True
    )


def only_batch(campaign: Campaign) -> services.Batch:
    (batch,) = services.batches(campaign)
    return batch


def xlsx_rows(data: bytes | Path) -> list[tuple[Any, ...]]:
    import io

    wb = load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data)
    return list(wb.active.iter_rows(values_only=True))


def download(client: Client, campaign: Campaign, batch: str, name: str) -> bytes:
    response = client.get(reverse("onboarding:download", args=[campaign.pk, batch, name]))
    assert response.status_code == 200, response.status_code
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    return b"".join(response.streaming_content)


# --------------------------------------------------------------------------- two tiers, departments


def test_one_press_issues_every_account_of_a_two_tier_campaign_and_the_list_works(
    agency: Agency, staff: Any, tmp_path: Path
) -> None:
    campaign = campaign_of(agency, "phutho-2026", DEPARTMENTS)
    plan = plan_for(campaign)
    client = client_for(staff)
    page = client.get(reverse("onboarding:index")).content.decode()
    assert "Còn thiếu 98 tài khoản" in page and "47 chuyên viên, 47 lãnh đạo, 4 thẩm định viên" in page

    response = issue(client, campaign)
    html = response.content.decode()
    assert "Đã cấp 98 tài khoản mới (47 chuyên viên, 47 lãnh đạo, 4 thẩm định viên)" in html
    assert "Các tệp này chứa mật khẩu lần đầu" in html and "Đã đủ tài khoản" in html

    units = len(plan.units)
    assert units == 47
    people = Profile.objects.filter(agency=agency)
    assert people.filter(role=Role.UNIT_STAFF).count() == units
    assert people.filter(role=Role.UNIT_LEADER).count() == units
    assert people.filter(role=Role.APPRAISER).count() == 4
    for pu in plan.units:
        unit = Unit.objects.get(agency=agency, code=pu.key)
        assert people.filter(unit=unit, role=Role.UNIT_STAFF).count() == 1
        assert people.filter(unit=unit, role=Role.UNIT_LEADER).count() == 1
    assert not people.filter(role__in=[Role.UNIT_STAFF, Role.UNIT_LEADER], unit__isnull=True).exists()
    issued = Profile.objects.filter(user__in=IssuedAccount.objects.values("user"))
    assert issued.count() == 98 and not issued.filter(must_change_password=False).exists()
    assert get_user_model().objects.get(username="so-noi-vu.cv").profile.unit.name == "Sở Nội vụ"
    assert get_user_model().objects.get(username="so-noi-vu.ld").profile.role == Role.UNIT_LEADER

    names = list(IssuedAccount.objects.values_list("user__username", flat=True))
    assert len(names) == len(set(names)) == 98
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]*\.(cv|ld|td\d?)", n) and len(n) <= 40 for n in names), names
    # A name too long to type goes by its initials, as offices abbreviate it.
    assert "vpddbqhhdndt.cv" in names

    sở = Assignment.objects.filter(campaign=campaign, body="Sở Khoa học và Công nghệ")
    assert sorted(sở.values_list("user__username", flat=True)) == ["skhcn.td1", "skhcn.td2"]
    assert all(a.tiers == ["so", "xa"] and a.indices == [] and a.parent_unit is None for a in sở)
    noi_vu = Assignment.objects.get(campaign=campaign, body="Sở Nội vụ")
    assert noi_vu.tiers == ["so"] and noi_vu.user.username == "so-noi-vu.td"
    assert Assignment.objects.get(campaign=campaign, body="Công an tỉnh").tiers == []

    batch = only_batch(campaign)
    assert batch.count == 98 and batch.has_pdf

    # The Excel list: one header row, one row per account; every password logs in and forces a change.
    rows = xlsx_rows(download(client, campaign, batch.name, "danh-sach-tai-khoan.xlsx"))
    assert rows[0] == (
        "STT",
        "Tên cơ quan, đơn vị",
        "Nhóm",
        "Loại tài khoản",
        "Tên đăng nhập",
        "Mật khẩu lần đầu",
    )
    assert len(rows) == 99 and [r[0] for r in rows[1:]] == list(range(1, 99))
    assert {r[4] for r in rows[1:]} == set(names)
    assert rows[1][1:5] == (
        "Văn phòng UBND tỉnh",
        "Cấp sở",
        "Chuyên viên nhập số liệu",
        "van-phong-ubnd-tinh.cv",
    )
    passwords = {r[4]: r[5] for r in rows[1:]}
    for username in ("so-noi-vu.cv", "xa-tan-lac.ld", "skhcn.td2"):
        password = passwords[username]
        assert len(password) >= 12 and not set(password) & set("0O1lIo")
        assert authenticate(username=username, password=password) is not None
    for user in get_user_model().objects.filter(username__in=names[:5]):
        assert user.password != passwords[user.username]
    # No first password is in the database or the audit trail.
    events = " ".join(f"{e.before} {e.after} {e.note}" for e in AuditEvent.objects.all())
    assert not any(p in events for p in passwords.values())

    first = Client()
    login = first.post(
        reverse("accounts:login"),
        {"username": "xa-tan-lac.cv", "password": passwords["xa-tan-lac.cv"]},
        follow=True,
    )
    assert login.redirect_chain[-1][0] == reverse("accounts:password_change")
    assert "hãy đặt mật khẩu của riêng bạn" in login.content.decode()

    # The phụ lục as DOCX: heading, the Kế hoạch line (a draft: number and date blank), one row per account.
    doc = Document(
        __import__("io").BytesIO(download(client, campaign, batch.name, "danh-sach-tai-khoan.docx"))
    )
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "Phụ lục"
    assert texts[1].startswith("DANH SÁCH TÀI KHOẢN")
    assert re.fullmatch(
        r"\(Kèm theo Kế hoạch số\s+/KH-SKHCN\s+ngày\s+tháng\s+năm 2026 của Sở Khoa học và Công nghệ\)",
        texts[2],
    ), texts[2]
    (table,) = doc.tables
    assert [" ".join(c.text.split()) for c in table.rows[0].cells] == list(rows[0])
    assert len(table.rows) == 99
    assert [c.text for c in table.rows[3].cells][4:] == [rows[3][4], rows[3][5]]
    fonts = {p.style.font.name for p in doc.paragraphs} | {
        c.paragraphs[0].style.font.name for c in table.rows[5].cells
    }
    assert fonts == {"Times New Roman"}
    assert {p.style.font.size.pt for p in doc.paragraphs[:3]} <= {13.0, 14.0}
    section = doc.sections[0]
    # Landscape A4 (a wide table, as the Biểu mẫu), NĐ 30's margins.
    assert round(section.page_width.mm) == 297 and round(section.page_height.mm) == 210
    assert (round(section.left_margin.mm), round(section.right_margin.mm)) == (30, 15)
    assert (round(section.top_margin.mm), round(section.bottom_margin.mm)) == (20, 20)

    # Its PDF, made by LibreOffice, keeps the Vietnamese names.
    pdf = tmp_path / "list.pdf"
    pdf.write_bytes(download(client, campaign, batch.name, "danh-sach-tai-khoan.pdf"))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for name in ("Sở Văn hóa, Thể thao và Du lịch", "UBND xã Tân Lạc", "DANH SÁCH TÀI KHOẢN", "skhcn.td1"):
        assert name in text, name

    # The files are the service's alone.
    assert all((batch.path / n).stat().st_mode & 0o077 == 0 for n in services.LIST_FILES)


def test_a_second_press_issues_nothing_and_says_so(agency: Agency, staff: Any) -> None:
    campaign = campaign_of(agency, "phutho-2026")
    client = client_for(staff)
    issue(client, campaign)
    before = set(get_user_model().objects.values_list("username", flat=True))
    response = issue(client, campaign)
    assert "Mọi tài khoản của đợt đánh giá đã có: không cấp thêm tài khoản nào" in response.content.decode()
    assert "96 tài khoản đã có được giữ nguyên" in response.content.decode()
    assert set(get_user_model().objects.values_list("username", flat=True)) == before
    assert len(services.batches(campaign)) == 1

    # A third Sở appraiser and a unit that lost its leader: only those two are issued.
    Profile.objects.filter(user__username="so-y-te.ld").delete()
    get_user_model().objects.filter(username="so-y-te.ld").delete()
    response = issue(client, campaign, so_appraisers=3)
    assert "Đã cấp 2 tài khoản mới (1 lãnh đạo, 1 thẩm định viên)" in response.content.decode()
    newest = services.batches(campaign)[0]
    rows = xlsx_rows(newest.path / "danh-sach-tai-khoan.xlsx")
    assert [r[4] for r in rows[1:]] == ["so-y-te.ld", "skhcn.td3"]
    assert AuditEvent.objects.filter(action="cap_tai_khoan").count() == 3


def test_user_names_that_are_taken_get_a_suffix(agency: Agency, staff: Any) -> None:
    other = Agency.objects.create(code="khac", name="Sở khác", abbreviation="SK")
    make_user("so-noi-vu.cv", Role.UNIT_STAFF, other)
    campaign = campaign_of(agency, "phutho-2026")
    issue(client_for(staff), campaign)
    mine = Profile.objects.get(agency=agency, unit__code="so-noi-vu", role=Role.UNIT_STAFF)
    assert mine.user.username == "so-noi-vu-2.cv"
    assert services.username_base("Sở Lao động - Thương binh và Xã hội") == "sldtbxh"
    assert services.username_base("UBND xã Hy Cương") == "xa-hy-cuong"


# --------------------------------------------------------------------------- three tiers


def test_a_three_tier_campaign_gives_each_district_an_appraiser_for_its_communes(
    agency: Agency, staff: Any
) -> None:
    campaign = campaign_of(agency, "brvt-2024")
    plan = plan_for(campaign)
    client = client_for(staff)
    response = issue(client, campaign, so_appraisers=1)
    districts = [u for u in plan.units if u.tier == "huyen"]
    assert len(districts) == 8 and len(plan.units) == 43
    assert (
        "Đã cấp 95 tài khoản mới (43 chuyên viên, 43 lãnh đạo, 9 thẩm định viên)" in response.content.decode()
    )
    district_appraisers = Assignment.objects.filter(campaign=campaign, parent_unit__isnull=False)
    assert district_appraisers.count() == 8
    for a in district_appraisers.select_related("parent_unit", "user__profile"):
        assert a.tiers == ["xa"] and a.user.profile.role == Role.APPRAISER
        assert a.parent_unit.code in {d.key for d in districts}
        assert a.user.username == f"{a.parent_unit.code}.td" and a.body == a.parent_unit.name
        assert IssuedAccount.objects.get(user=a.user).unit == a.parent_unit
    sở = Assignment.objects.get(campaign=campaign, parent_unit__isnull=True)
    assert sở.tiers == ["so", "huyen"] and sở.user.username == "stttt.td1"
    # Communes are linked to their unit, districts too.
    commune = Profile.objects.get(user__username="xa-long-son.cv")
    assert commune.unit.parent.code == "vungtau"
    assert issue(client, campaign, so_appraisers=1).content.decode().count("không cấp thêm") == 1
    assert IssuedAccount.objects.filter(campaign=campaign).count() == 95

    # The district's appraiser appraises its own communes only (the core's scope reads the assignment).
    from web.assessment.scope import visible_submissions

    vungtau = get_user_model().objects.get(username="vungtau.td")
    seen = {s.unit.parent.code for s in visible_submissions(vungtau, campaign)}
    assert seen == {"vungtau"}


def test_appraisers_of_an_earlier_campaign_are_assigned_again_with_their_accounts(
    agency: Agency, staff: Any
) -> None:
    first = campaign_of(agency, "phutho-2026", DEPARTMENTS)
    issue(client_for(staff), first)
    second = campaign_of(agency, "phutho-2026", DEPARTMENTS, slug="phutho-2026-b")
    response = issue(client_for(staff), second)
    html = response.content.decode()
    assert "4 thẩm định viên của các đợt trước được phân công tiếp" in html
    assert "94 tài khoản đã có được giữ nguyên" in html
    assert "Mọi tài khoản của đợt đánh giá đã có" in html
    assert Assignment.objects.filter(campaign=second).count() == 4
    assert services.batches(second) == []


def test_a_failed_write_of_the_list_issues_no_account(agency: Agency, staff: Any) -> None:
    campaign = campaign_of(agency, "phutho-2026")
    campaign.folder.mkdir(parents=True, exist_ok=True)
    (campaign.folder / services.FOLDER).write_text("một tệp chắn chỗ thư mục")
    response = issue(client_for(staff), campaign)
    html = response.content.decode()
    assert "Chưa cấp được tài khoản nào" in html
    assert not IssuedAccount.objects.exists()
    assert not Profile.objects.filter(role=Role.UNIT_STAFF).exists()


# --------------------------------------------------------------------------- one account, the files


def test_reissuing_one_password_shows_it_once_and_forces_a_change(agency: Agency, staff: Any) -> None:
    campaign = campaign_of(agency, "phutho-2026")
    client = client_for(staff)
    issue(client, campaign)
    user = get_user_model().objects.get(username="xa-hy-cuong.ld")
    url = reverse("onboarding:reissue", args=[campaign.pk, user.pk])
    confirm = client.get(url).content.decode()
    assert "Mật khẩu đang dùng của tài khoản này hết hiệu lực" in confirm and "UBND xã Hy Cương" in confirm
    Profile.objects.filter(user=user).update(must_change_password=False)

    response = client.post(url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    password = re.search(r'id="mat-khau">([^<]+)<', response.content.decode()).group(1)
    assert authenticate(username="xa-hy-cuong.ld", password=password) is not None
    assert Profile.objects.get(user=user).must_change_password
    event = AuditEvent.objects.get(action="cap_lai_mat_khau")
    assert event.object_id == str(user.pk) and password not in f"{event.after} {event.note}"

    batch = services.batches(campaign)[0]
    assert batch.kind == "cap_lai" and batch.usernames == ["xa-hy-cuong.ld"]
    rows = xlsx_rows(download(client, campaign, batch.name, "danh-sach-tai-khoan.xlsx"))
    assert rows[1][1:] == ("UBND xã Hy Cương", "Cấp xã", "Lãnh đạo phê duyệt", "xa-hy-cuong.ld", password)
    doc = Document(
        __import__("io").BytesIO(download(client, campaign, batch.name, "danh-sach-tai-khoan.docx"))
    )
    assert len(doc.tables[0].rows) == 2

    # The Sở's own people are not reissued from here.
    assert client.get(reverse("onboarding:reissue", args=[campaign.pk, staff.pk])).status_code == 404


def test_the_password_files_are_deleted_after_handover(agency: Agency, staff: Any) -> None:
    campaign = campaign_of(agency, "phutho-2026")
    client = client_for(staff)
    issue(client, campaign)
    batch = only_batch(campaign)
    url = reverse("onboarding:download", args=[campaign.pk, batch.name, "danh-sach-tai-khoan.xlsx"])
    response = client.post(reverse("onboarding:delete_files", args=[campaign.pk, batch.name]), follow=True)
    html = response.content.decode()
    assert "Đã xóa 3 tệp chứa mật khẩu lần đầu" in html and "Đã xóa tệp lúc" in html
    assert not list(batch.path.glob("danh-sach-tai-khoan.*"))
    assert client.get(url).status_code == 404
    event = AuditEvent.objects.get(action="xoa_tep_mat_khau")
    assert len(event.before["files"]) == 3 and event.after["files"] == []


def test_pbkdf2_first_passwords_are_rehashed_at_full_strength_on_first_login(
    agency: Agency, staff: Any, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    campaign = campaign_of(agency, "phutho-2026")
    client = client_for(staff)
    unit = Unit.objects.create(agency=agency, code="so-noi-vu", name="Sở Nội vụ")
    user = make_user("so-noi-vu.cv", Role.UNIT_STAFF, agency, unit)
    response = client.post(reverse("onboarding:reissue", args=[campaign.pk, user.pk]))
    password = re.search(r'id="mat-khau">([^<]+)<', response.content.decode()).group(1)
    user.refresh_from_db()
    assert user.password.startswith(f"pbkdf2_sha256${services.FIRST_PASSWORD_ITERATIONS}$")
    assert authenticate(username="so-noi-vu.cv", password=password) is not None
    user.refresh_from_db()
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    assert user.password.startswith(f"pbkdf2_sha256${PBKDF2PasswordHasher.iterations}$")


# --------------------------------------------------------------------------- assignments


def test_the_assignment_page_narrows_an_appraiser_to_main_indices(agency: Agency, staff: Any) -> None:
    campaign = campaign_of(agency, "brvt-2024", DEPARTMENTS)
    client = client_for(staff)
    issue(client, campaign, so_appraisers=1)
    url = reverse("onboarding:assignments", args=[campaign.pk])
    page = client.get(url).content.decode()
    assert "Phân công thẩm định" in page and "5. An toàn thông tin mạng" in page
    assert "7. Hoạt động kinh tế số (chỉ cấp huyện, cấp xã)" in page
    police = Assignment.objects.get(campaign=campaign, body="Công an tỉnh")
    post = reverse("onboarding:assignment", args=[campaign.pk, police.pk])
    seen = AssignmentForm.seen_value([], [])
    response = client.post(
        post,
        {f"a{police.pk}-tiers": ["so", "xa"], f"a{police.pk}-indices": ["5"], f"a{police.pk}-seen": seen},
        follow=True,
    )
    assert "Đã lưu phân công của cong-an-tinh.td: 5. An toàn thông tin mạng." in response.content.decode()
    police.refresh_from_db()
    assert police.tiers == ["so", "xa"] and police.indices == ["5"]
    event = AuditEvent.objects.get(action="sua_phan_cong_tham_dinh")
    assert event.before == {"tiers": [], "indices": []} and event.after == {
        "tiers": ["so", "xa"],
        "indices": ["5"],
    }

    # The page showed the old assignment: a save over a newer one is refused.
    stale = client.post(post, {f"a{police.pk}-indices": ["1"], f"a{police.pk}-seen": seen})
    assert stale.status_code == 409 and "Người khác vừa sửa phân công này" in stale.content.decode()
    police.refresh_from_db()
    assert police.indices == ["5"]

    # A district's appraiser appraises its communes, not the sở, ban, ngành.
    district = Assignment.objects.get(campaign=campaign, parent_unit__code="baria")
    bad = client.post(
        reverse("onboarding:assignment", args=[campaign.pk, district.pk]),
        {f"a{district.pk}-tiers": ["so"], f"a{district.pk}-seen": ""},
    )
    assert bad.status_code == 400
    assert "Thẩm định viên của UBND thành phố Bà Rịa chỉ thẩm định" in bad.content.decode()
    district.refresh_from_db()
    assert district.tiers == ["xa"]


# --------------------------------------------------------------------------- one's own details


def test_a_person_sets_their_email_address(agency: Agency) -> None:
    unit = Unit.objects.create(agency=agency, code="so-y-te", name="Sở Y tế")
    user = make_user("so-y-te.cv", Role.UNIT_STAFF, agency, unit)
    client = client_for(user)
    url = reverse("onboarding:profile")
    page = client.get(url).content.decode()
    assert "Thông tin tài khoản" in page and "Sở Y tế" in page
    bad = client.post(url, {"full_name": "Nguyễn Thị Hoa", "email": "hoa@"})
    assert bad.status_code == 400 and "Địa chỉ thư điện tử không đúng dạng" in bad.content.decode()
    user.refresh_from_db()
    assert user.email == ""
    response = client.post(url, {"full_name": "Nguyễn Thị Hoa", "email": "hoa@soyte.gov.vn"}, follow=True)
    assert "Đã lưu thông tin tài khoản" in response.content.decode()
    user.refresh_from_db()
    assert user.email == "hoa@soyte.gov.vn" and user.profile.full_name == "Nguyễn Thị Hoa"
    assert AuditEvent.objects.get(action="sua_thong_tin_ca_nhan").after["email"] == "hoa@soyte.gov.vn"


# --------------------------------------------------------------------------- who may


def test_nobody_but_the_sos_staff_and_admin_reaches_the_accounts(agency: Agency, staff: Any) -> None:
    campaign = campaign_of(agency, "brvt-2024")
    admin = make_user("qt", Role.ADMIN, agency)
    issue(client_for(admin), campaign, so_appraisers=1)
    batch = only_batch(campaign).name
    unit_user = get_user_model().objects.get(username="vungtau.cv")
    appraiser = get_user_model().objects.get(username="vungtau.td")
    assignment = Assignment.objects.get(user=appraiser)
    get_urls = [
        reverse("onboarding:index"),
        reverse("onboarding:index") + f"?dot={campaign.pk}",
        reverse("onboarding:reissue", args=[campaign.pk, unit_user.pk]),
        reverse("onboarding:assignments", args=[campaign.pk]),
        *[reverse("onboarding:download", args=[campaign.pk, batch, n]) for n in services.LIST_FILES],
    ]
    post_urls = [
        reverse("onboarding:issue", args=[campaign.pk]),
        reverse("onboarding:reissue", args=[campaign.pk, unit_user.pk]),
        reverse("onboarding:delete_files", args=[campaign.pk, batch]),
        reverse("onboarding:make_pdf", args=[campaign.pk, batch]),
        reverse("onboarding:assignment", args=[campaign.pk, assignment.pk]),
    ]
    unit = Unit.objects.get(agency=agency, code="vungtau")
    others = [
        unit_user,
        get_user_model().objects.get(username="vungtau.ld"),
        appraiser,
        make_user("vt", Role.CLERK, agency),
        make_user("ld-so", Role.SO_LEADER, agency),
        make_user("cv-dv", Role.UNIT_STAFF, agency, unit),
    ]
    Profile.objects.filter(user__in=others).update(must_change_password=False)
    for person in others:
        client = client_for(person)
        for url in get_urls:
            assert client.get(url).status_code == 403, (person.username, url)
        for url in post_urls:
            assert client.post(url, {"so_appraisers": 1}).status_code == 403, (person.username, url)
    # Another agency's chuyên viên sees only their own agency: this campaign is not found.
    elsewhere = Agency.objects.create(code="khac", name="Sở khác", abbreviation="SK")
    stranger = client_for(make_user("cv-khac", Role.SO_STAFF, elsewhere))
    assert "Cơ quan chưa có đợt đánh giá nào" in stranger.get(reverse("onboarding:index")).content.decode()
    for url in get_urls[1:]:
        assert stranger.get(url).status_code == 404, url
    for url in post_urls:
        assert stranger.post(url, {"so_appraisers": 1}).status_code == 404, url
    # Nothing changed, and nobody but the agency's own staff downloaded anything.
    assert AuditEvent.objects.filter(action="tai_ve_danh_sach_tai_khoan").count() == 0
    assert only_batch(campaign).deleted_at is None
    anonymous = Client().get(get_urls[4])
    assert anonymous.status_code == 302 and reverse("accounts:login") in anonymous["Location"]
    # The Sở's chuyên viên of the agency does.
    assert client_for(staff).get(get_urls[4]).status_code == 200


def test_the_page_reads_well(agency: Agency, staff: Any, tmp_path: Path) -> None:
    campaign = campaign_of(agency, "brvt-2024", DEPARTMENTS)
    client = client_for(staff)
    issue(client, campaign, so_appraisers=2)
    html = client.get(reverse("onboarding:index")).content.decode()
    for text in (
        "Cấp tài khoản cho đơn vị và thẩm định viên",
        "Đợt đánh giá có <strong>43 đơn vị</strong> trong 3 nhóm",
        "mỗi đơn vị cấp huyện 1 tài khoản để thẩm định các đơn vị cấp xã trực thuộc",
        "Tệp danh sách tài khoản",
        "Xóa tệp mật khẩu",
        "Chưa đổi mật khẩu lần đầu",
        "Các đơn vị trực thuộc UBND thành phố Vũng Tàu",
    ):
        assert text in html, text
    (tmp_path / "page.html").write_text(html, encoding="utf-8")

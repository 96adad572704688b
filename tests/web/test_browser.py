"""The service in a real browser (Debian's Chromium through Playwright) against a live server: what a person sees
and clicks. Screenshots of the main pages go to outputs/screenshots/."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from signing.demo.pki import DemoPKI
from tests.pki_fixtures import demo_pki, pki_server  # noqa: F401 - fixtures
from tests.web.browser import chromium, log_in, log_out, page, screenshot  # noqa: F401 - fixtures
from tests.web.infra import PASSWORD_ENV, configure_signing
from web.accounts.bootstrap import ensure_first_admin
from web.accounts.demo import DEMO_ACCOUNTS, load_demo_accounts
from web.accounts.models import Role
from web.audit.models import AuditEvent
from web.jobs.runner import start_worker_thread, stop_worker_thread

VANBAN = str(Path(sys.executable).with_name("vanban"))

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser, pytest.mark.slow]


def test_every_role_logs_in_sees_its_name_and_role_and_logs_out(page: Any) -> None:
    load_demo_accounts()
    with override_settings(DEMO=True):
        page.goto("/")
        page.wait_for_url(re.compile(r"/tai-khoan/dang-nhap/"))
        assert page.title() == "Đăng nhập · vanban"
        # Demo mode lists the sample accounts on the login page.
        for account in DEMO_ACCOUNTS:
            assert page.get_by_role("cell", name=account.username, exact=True).is_visible()
        screenshot(page, "dang-nhap")
    for account in DEMO_ACCOUNTS:
        log_in(page, account.username, account.password)
        header = page.locator("header .who").inner_text()
        assert account.full_name in header and account.role_label in header, header
        assert page.title() == "Trang chính · vanban"
        if account.role in (Role.SO_STAFF, Role.UNIT_STAFF):
            screenshot(page, f"trang-chinh-{account.role.value}")
        log_out(page)
    logins = AuditEvent.objects.filter(action="dang_nhap").values_list("username", flat=True)
    assert sorted(logins) == sorted(a.username for a in DEMO_ACCOUNTS)


def test_a_wrong_password_is_told_beside_the_form(page: Any) -> None:
    load_demo_accounts()
    log_in(page, DEMO_ACCOUNTS[1].username, "khong-dung")
    alert = page.get_by_role("alert")
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in alert.inner_text()
    assert page.url.endswith("/tai-khoan/dang-nhap/")


def test_first_login_asks_for_a_new_password_and_explains_what_is_wrong(page: Any) -> None:
    first = ensure_first_admin()
    assert first is not None
    log_in(page, first.username, first.password)
    page.wait_for_url(re.compile(r"/tai-khoan/doi-mat-khau/"))
    assert "hãy đặt mật khẩu của riêng bạn" in page.locator("main").inner_text()
    # Nothing else opens before the password is changed.
    page.goto("/tac-vu/00000000-0000-0000-0000-000000000000/")
    page.wait_for_url(re.compile(r"/tai-khoan/doi-mat-khau/"))
    page.fill("#id_old_password", first.password)
    page.fill("#id_new_password1", "12345678901")
    page.fill("#id_new_password2", "12345678901")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    page.wait_for_load_state("networkidle")
    # Beside the field it concerns, in Vietnamese.
    beside = page.locator("xpath=//input[@id='id_new_password2']/ancestor::label/following-sibling::div[1]")
    assert "hoàn toàn là số" in beside.inner_text(), page.locator("main").inner_text()
    screenshot(page, "doi-mat-khau-loi")
    page.fill("#id_old_password", first.password)
    page.fill("#id_new_password1", "Mot-Mat-Khau-Rieng-2026")
    page.fill("#id_new_password2", "Mot-Mat-Khau-Rieng-2026")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    page.wait_for_url(re.compile(r"/$"))
    assert "Đã đổi mật khẩu." in page.locator(".messages").inner_text()
    log_out(page)
    log_in(page, first.username, "Mot-Mat-Khau-Rieng-2026")
    assert page.title() == "Trang chính · vanban"


def _new_page(chromium: Any, live_server: Any) -> Any:
    context = chromium.new_context(
        base_url=live_server.url,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport={"width": 1300, "height": 900},
    )
    context.set_default_timeout(30_000)
    return context.new_page()


def _download(page: Any, click: Any) -> bytes:
    with page.expect_download() as info:
        click()
    return Path(info.value.path()).read_bytes()


def test_a_campaign_from_the_forms_to_issued_documents_and_checked_evidence(
    chromium: Any,
    live_server: Any,
    pki_server: DemoPKI,  # noqa: F811 - its OCSP and CRL answer the signature checks
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The whole product as its people use it, in the browser: the chuyên viên creates a campaign in the forms
    and fixes an error shown beside its field, imports a complete campaign file, renders, previews and downloads
    its documents and submits the công văn; the lãnh đạo approves, signs the draft on their own computer and
    uploads it; the văn thư issues it; the chuyên viên uploads a unit's evidence, checks it and reads the report."""
    from tests.web.docs_support import campaign_source
    from web.campaigns.models import Campaign
    from web.issuance.models import IssuedDocument

    agency = load_demo_accounts()
    people = {a.role: get_user_model().objects.get(username=a.username) for a in DEMO_ACCOUNTS}
    monkeypatch.setenv(PASSWORD_ENV, pki_server.password)
    admin = Client()
    admin.force_login(people[Role.ADMIN])
    configure_signing(admin, pki_server, people[Role.SO_LEADER], tmp_path / "mau")
    start_worker_thread(poll_seconds=0.5)  # the server's own worker, as `vanban serve` starts it
    try:
        staff = _new_page(chromium, live_server)
        log_in(staff, "chuyenvien.mau", "mau-chuyenvien-2026")

        # A campaign from scratch: name and year, then the sections; an error stands beside its field.
        staff.goto("/dot-danh-gia/tao-moi/")
        screenshot(staff, "tao-dot-danh-gia")
        staff.get_by_label("Tên đợt đánh giá").fill(
            "đánh giá, xếp hạng mức độ chuyển đổi số tỉnh Mẫu năm 2026"
        )
        staff.get_by_label("Năm đánh giá").fill("2026")
        staff.get_by_role("button", name="Tạo đợt đánh giá").click()
        staff.wait_for_url(re.compile(r"/dot-danh-gia/\d+/"))
        created = Campaign.objects.get(agency=agency)
        assert "Hồ sơ còn" in staff.locator("main").inner_text()
        staff.goto(f"/dot-danh-gia/{created.pk}/sua/issuer/")
        field = staff.locator('[data-path="issuer.drafting_unit"]')
        assert "Lỗi" in field.locator(".finding.error").inner_text()
        screenshot(staff, "sua-ho-so-loi-canh-truong")
        field.locator("input").fill("CĐS")
        staff.locator("#luu").click()
        staff.wait_for_load_state("networkidle")
        assert "Đã lưu phiên bản 2" in staff.locator(".messages").inner_text()
        assert staff.locator('[data-path="issuer.drafting_unit"] .finding.error').count() == 0

        # A complete campaign file, imported as the CLI writes it.
        source = tmp_path / "bacgiang.yaml"
        source.write_text(campaign_source(), encoding="utf-8")
        staff.goto("/dot-danh-gia/tao-moi/")
        staff.locator("input[type=file]").set_input_files(str(source))
        staff.get_by_role("button", name="Nhập tệp").click()
        staff.wait_for_url(re.compile(r"/dot-danh-gia/\d+/"))
        campaign = Campaign.objects.filter(agency=agency).latest("pk")
        screenshot(staff, "dot-danh-gia")

        # Documents: render (a job with its progress), preview, download; submit the công văn.
        staff.goto(f"/van-ban/{campaign.pk}/")
        staff.get_by_role("button", name="Tạo văn bản").click()
        staff.get_by_text("Đã tạo xong").first.wait_for(timeout=240_000)
        staff.reload()
        screenshot(staff, "van-ban")
        plan = staff.get_by_role("row", name=re.compile("^Kế hoạch"))
        pdf = _download(staff, lambda: plan.get_by_role("link", name="PDF").click())
        assert pdf.startswith(b"%PDF-")
        plan.get_by_role("link", name="Xem trước").click()
        staff.locator("img[src$='.png']").first.wait_for()
        screenshot(staff, "xem-truoc")
        staff.get_by_role("row", name=re.compile("^Công văn")).get_by_role("button", name="Trình ký").click()
        staff.wait_for_url(re.compile(r"/ban-hanh/\d+/"))
        draft_url = staff.url.removeprefix(live_server.url)

        # The lãnh đạo approves, signs the draft on their own computer and uploads it.
        leader = _new_page(chromium, live_server)
        log_in(leader, "lanhdao.mau", "mau-lanhdao-2026")
        leader.goto(draft_url)
        leader.locator("#nut-duyet").click()
        leader.wait_for_load_state("networkidle")
        draft_pdf = tmp_path / "du-thao.pdf"
        draft_pdf.write_bytes(_download(leader, lambda: leader.locator("#tai-du-thao").click()))
        signed_pdf = tmp_path / "du-thao.da-ky.pdf"
        # As the demo tells a lãnh đạo to do it on their own computer (a PKCS#12 file stands in for the token).
        signing = subprocess.run(
            [VANBAN, "sign", str(draft_pdf), str(signed_pdf), "--p12", str(pki_server.director_p12)],
            env={**os.environ, "VANBAN_P12_PASSWORD": pki_server.password},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert signing.returncode == 0, signing.stderr
        leader.locator("#id_signed_file").set_input_files(str(signed_pdf))
        leader.locator("#nut-tai-len").click()
        leader.locator("#ban-da-ky .badge.ok").wait_for(timeout=120_000)
        screenshot(leader, "trinh-ky-da-ky")

        # The văn thư issues it: number, date, the agency's signature and seal.
        clerk = _new_page(chromium, live_server)
        log_in(clerk, "vanthu.mau", "mau-vanthu-2026")
        clerk.goto(draft_url)
        clerk.locator("#nut-ban-hanh").click()
        clerk.locator("#tai-ban-hanh").wait_for(timeout=120_000)
        issued_pdf = _download(clerk, lambda: clerk.locator("#tai-ban-hanh").click())
        screenshot(clerk, "ban-hanh")
        issued = IssuedDocument.objects.get(agency=agency)
        assert (
            issued_pdf == issued.path.read_bytes() and issued.reference in clerk.locator("main").inner_text()
        )

        # Evidence: a unit sends the issued letter back; the chuyên viên trusts the (demo) root in the policy,
        # checks the file and reads the report.
        evidence = tmp_path / "cong-van-da-ban-hanh.pdf"
        evidence.write_bytes(issued_pdf)
        root = tmp_path / "goc-mau.crt"
        root.write_bytes(Path(pki_server.root_path).read_bytes())
        staff.goto(f"/minh-chung/{campaign.pk}/chinh-sach/")
        staff.locator("#policy-file-form input[type=file]").set_input_files(str(root))
        staff.get_by_role("button", name="Tải lên tệp").click()
        staff.wait_for_load_state("networkidle")
        staff.locator("#id_policy").fill("trust_anchors: [goc-mau.crt]\n")
        staff.get_by_role("button", name="Lưu chính sách").click()
        staff.wait_for_load_state("networkidle")
        assert "Đã lưu chính sách kiểm tra." in staff.locator(".messages").inner_text()
        staff.goto(f"/minh-chung/{campaign.pk}/")
        staff.locator("#id_unit").select_option(label="Sở Y tế")
        staff.locator("#id_files").set_input_files(str(evidence))
        staff.get_by_role("button", name="Tải lên").click()
        staff.wait_for_load_state("networkidle")
        assert "Đã tải lên 1 tệp cho Sở Y tế" in staff.locator(".messages").inner_text()
        staff.get_by_role("button", name="Kiểm tra chữ ký số").click()
        staff.wait_for_url(re.compile(r"/minh-chung/\d+/lan/1/"))
        staff.locator("#tong-hop").wait_for(timeout=120_000)
        report = staff.locator("main").inner_text()
        assert "Sở Y tế" in report and "cong-van-da-ban-hanh.pdf" in report
        # An issued document of the service, checked by the service against the root it trusts, passes.
        row = staff.locator("#tep tr", has_text="cong-van-da-ban-hanh.pdf")
        assert "Hợp lệ" in row.inner_text(), row.inner_text()
        screenshot(staff, "bao-cao-kiem-tra")
    finally:
        stop_worker_thread()

"""A whole year of the online campaign (issue 14) in a real browser: Debian's Chromium through Playwright against a
live server, every person logging in on the login page with the user name and password they were given, every
step a click, a typed value or a file chosen, the service's clock moved between the phases (never a sleep for a
deadline), screenshots of the main pages in outputs/screenshots/nam-*.png."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from letters.core.vn import points_text, vn_today
from letters.usecases.signing import Pkcs12Key, SignDocumentsRequest, sign_documents
from signing.demo import attacks
from signing.demo.pki import CA, DIRECTOR_NAME, ROOT, DemoPKI
from tests.conftest import EXAMPLES
from tests.pki_fixtures import demo_pki, pki_server  # noqa: F401 - fixtures
from tests.web.assessment_support import (  # noqa: F401 - fixtures
    PASSWORD,
    agency,
    at,
    files_dir,
    make_user,
)
from tests.web.browser import SCREENSHOTS, chromium, log_in, screenshot  # noqa: F401 - fixtures
from tests.web.infra import PASSWORD_ENV, configure_signing, wait_until
from web.accounts.models import Agency, Role
from web.assessment import clock
from web.assessment.models import Entry, EvidenceFile, State, Submission
from web.assessment.plans import plan_for
from web.campaigns.models import Campaign
from web.jobs.models import JobStatus
from web.jobs.runner import start_worker_thread, stop_worker_thread
from web.results.models import Publication, RankingEntry, ResultDocument, ResultsRun

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser, pytest.mark.slow]

UNIT_A = "Sở Nội vụ"
UNIT_B = "Sở Tư pháp"
STAFF_KIND = "Chuyên viên nhập số liệu"
LEADER_KIND = "Lãnh đạo phê duyệt"
APPRAISER_KIND = "Thẩm định viên"
SLOW = 300_000  # ms: a results run renders every document with LibreOffice on a busy 2-core machine


# --------------------------------------------------------------------------- the browser's people


class People:
    """One browser context per person (their own cookies), every JavaScript error of every page kept."""

    def __init__(self, chromium: Any, base_url: str) -> None:
        self.chromium, self.base_url = chromium, base_url
        self.contexts: list[Any] = []
        self.errors: list[str] = []

    def page(self) -> Any:
        context = self.chromium.new_context(
            base_url=self.base_url,
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            viewport={"width": 1300, "height": 900},
            accept_downloads=True,
        )
        context.set_default_timeout(30_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        # «Xác nhận số liệu» asks before it locks the data; a person answers OK.
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture()
def people(chromium: Any, live_server: Any) -> Iterator[People]:
    crowd = People(chromium, live_server.url)
    try:
        yield crowd
    finally:
        crowd.close()
    assert not crowd.errors, f"JavaScript errors on the pages: {crowd.errors}"


def first_login(page: Any, username: str, first_password: str, own_password: str) -> None:
    """The first login with the password from the account list: the service asks for a new one at once."""
    log_in(page, username, first_password)
    page.wait_for_url(re.compile(r"/tai-khoan/doi-mat-khau/"))
    page.fill("#id_old_password", first_password)
    page.fill("#id_new_password1", own_password)
    page.fill("#id_new_password2", own_password)
    page.get_by_role("button", name="Đổi mật khẩu").click()
    page.wait_for_url(re.compile(r"/$"))
    assert "Đã đổi mật khẩu." in page.locator(".messages").inner_text()


def nav(page: Any, label: str) -> None:
    page.locator("nav.sections").get_by_role("link", name=label, exact=True).click()
    page.wait_for_load_state("networkidle")


def download(page: Any, click: Callable[[], Any]) -> bytes:
    with page.expect_download() as info:
        click()
    return Path(info.value.path()).read_bytes()


def messages_of(page: Any) -> str:
    return page.locator(".messages").inner_text()


def in_thread(work: Callable[[], Any]) -> Any:
    """Signing runs asyncio.run(), which refuses to start beside the event loop Playwright keeps in this thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result()


def pdf_text(data: bytes, tmp: Path) -> str:
    tmp.write_bytes(data)
    done = subprocess.run(["pdftotext", "-layout", str(tmp), "-"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return " ".join(done.stdout.split())


# --------------------------------------------------------------------------- the campaign file


def campaign_file(folder: Path) -> Path:
    """examples/phutho-2026.yaml as the Sở keeps it, with two changes for the demo PKI: its director signs the
    Quyết định (the signature's name must be the one the document prints), and the documents are dated this
    year (an issue date falls in the year a document prints)."""
    source = (EXAMPLES / "phutho-2026.yaml").read_text(encoding="utf-8")
    assert "    name: Hoàng Văn Quang\n" in source and "  issue_year: 2026 " in source
    source = source.replace("    name: Hoàng Văn Quang\n", f"    name: {DIRECTOR_NAME}\n", 1)
    source = source.replace("  issue_year: 2026 ", f"  issue_year: {vn_today().year} ", 1)
    path = folder / "phutho-2026.yaml"
    path.write_text(source, encoding="utf-8")
    return path


def evidence_files(pki: DemoPKI, folder: Path) -> dict[str, Path]:
    """A PDF signed by the demo director, the same PDF changed after signing (the attack the evidence tests use),
    and a second signed PDF for the explanations."""

    def make() -> dict[str, bytes]:
        director = attacks.load_signer(pki.director_p12, pki.password)
        signed = attacks.sign_bytes(
            attacks.sample_pdf(["QUYET DINH PHAN CONG NHIEM VU CHUYEN DOI SO"]), director
        )
        extra = attacks.sign_bytes(attacks.sample_pdf(["QUYET DINH BO SUNG, DA KY SO"]), director)
        return {
            "Quyết định phân công.pdf": signed,
            "Báo cáo đã sửa sau khi ký.pdf": attacks.change_content(signed),
            "Quyết định bổ sung.pdf": extra,
        }

    paths = {}
    for name, data in in_thread(make).items():
        paths[name] = folder / name
        paths[name].write_bytes(data)
    return paths


# --------------------------------------------------------------------------- the test


@pytest.fixture()
def so_people(agency: Agency) -> dict[Role, Any]:
    """The Sở's own accounts, which exist before any campaign: chuyên viên, lãnh đạo (the demo PKI's director),
    văn thư, quản trị."""
    return {
        Role.SO_STAFF: make_user("cv-so", Role.SO_STAFF, agency, full_name="Đỗ Thu Hằng"),
        Role.SO_LEADER: make_user("ld-so", Role.SO_LEADER, agency, full_name=DIRECTOR_NAME),
        Role.CLERK: make_user("vt-so", Role.CLERK, agency, full_name="Văn thư Sở"),
        Role.ADMIN: make_user("qt-so", Role.ADMIN, agency, full_name="Quản trị"),
    }


@pytest.fixture()
def worker() -> Iterator[None]:
    """The server's own job worker, as `vanban serve` starts it: verdicts, results, signing checks, e-mails."""
    start_worker_thread(poll_seconds=0.5)
    try:
        yield
    finally:
        stop_worker_thread()


def test_a_whole_year_of_the_online_campaign_in_the_browser(
    people: People,
    live_server: Any,
    agency: Agency,
    so_people: dict[Role, Any],
    pki_server: DemoPKI,  # noqa: F811 - its OCSP and CRL answer the signature checks
    worker: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    mailoutbox: list[Any],
) -> None:
    """Phú Thọ 2026 (two tiers, the Sở appraises, late units excluded) from the accounts to the public ranking.

    Through the pages, in Chromium: the Sở's chuyên viên imports the campaign file, trusts the demo CA in the
    evidence policy, issues every unit's accounts and reads the account list (Excel) for the user names and first
    passwords; unit A's chuyên viên changes the first password, scores all 45 indicators (one below its maximum
    with a decimal comma and the explanation it then needs), attaches a valid signed PDF and a forged one and sees
    their verdicts, and submits to the leader; the leader confirms and downloads the receipt; unit B starts, the
    clock passes 24h00 of the deadline and its form is locked; an issued appraiser appraises round 1, the Sở moves
    the unit to giải trình, the unit answers with a new file and its leader sends it, round 2 changes the score
    and the Sở closes it; the Sở compiles the results from the system, submits the Quyết định, the lãnh đạo Sở
    approves it, signs it and uploads it, the văn thư issues it, the Sở publishes; unit A downloads its notice
    and is told by e-mail; the public page shows the ranking to anyone. Unit B never sent its data (late_rule
    «exclude» locks its form), so the ranking lists it among the units not ranked, «Chưa nộp».

    Not through the browser: the Sở's own four accounts (they exist before any campaign), the quản trị's signing
    configuration (keys, seal, trusted root: posted to its pages with Django's test client, tests/web/infra.py),
    the lãnh đạo's signature on their own computer (the library's signer in-process, standing in for the USB
    token), and the clock (web.assessment.clock.set_now).
    """
    so_leader = so_people[Role.SO_LEADER]
    pki = pki_server
    files = evidence_files(pki, tmp_path)
    for old in SCREENSHOTS.glob("nam-*.png") if SCREENSHOTS.is_dir() else ():
        old.unlink()

    # ---------------------------------------------------------------- 1. the Sở opens the campaign, issues accounts
    clock.set_now(at("05/01/2026 08:00"))
    so = people.page()
    log_in(so, "cv-so", PASSWORD)
    so.goto("/dot-danh-gia/tao-moi/")
    so.locator("#form-nhap input[type=file]").set_input_files(str(campaign_file(tmp_path)))
    so.get_by_role("button", name="Nhập tệp").click()
    so.wait_for_url(re.compile(r"/dot-danh-gia/\d+/"))
    campaign = Campaign.objects.get(agency=agency)
    plan = plan_for(campaign)

    # The evidence policy trusts the demo root, with its CAs' revocation lists beside it.
    so.goto(f"/minh-chung/{campaign.pk}/chinh-sach/")
    for name, data in (
        ("goc-mau.crt", Path(pki.root_path).read_bytes()),
        ("ca.crl", pki.crl_der(CA)),
        ("root.crl", pki.crl_der(ROOT)),
    ):
        (tmp_path / name).write_bytes(data)
        so.locator("#policy-file-form input[type=file]").set_input_files(str(tmp_path / name))
        so.get_by_role("button", name="Tải lên tệp").click()
        so.wait_for_load_state("networkidle")
    so.locator("#id_policy").fill(
        "name: Đợt đánh giá năm 2025\n"
        "trust_anchors: [goc-mau.crt]\n"
        "use_trust_store: false\n"
        "accept_unsigned: false\n"
        "revocation: {mode: hard-fail, online: true, crl_files: [ca.crl, root.crl]}\n"
    )
    so.get_by_role("button", name="Lưu chính sách").click()
    so.wait_for_load_state("networkidle")
    assert "Đã lưu chính sách kiểm tra." in messages_of(so)

    nav(so, "Cấp tài khoản")
    units = len(plan.units)
    assert f"Còn thiếu {2 * units + 2} tài khoản" in so.locator("#cap").inner_text()
    so.get_by_role("button", name="Cấp tài khoản cho tất cả đơn vị").click()
    so.wait_for_url(re.compile(r"/cap-tai-khoan/\?dot=\d+#tep$"), timeout=120_000)
    assert (
        f"Đã cấp {2 * units + 2} tài khoản mới ({units} chuyên viên, {units} lãnh đạo, 2 thẩm định viên)"
        in messages_of(so)
    )
    screenshot(so, "nam-01-cap-tai-khoan")
    workbook = download(so, lambda: so.locator("#cac-lan-cap").get_by_role("link", name="Excel").click())
    rows = list(load_workbook(io.BytesIO(workbook)).active.iter_rows(values_only=True))
    assert rows[0][1:6] == (
        "Tên cơ quan, đơn vị",
        "Nhóm",
        "Loại tài khoản",
        "Tên đăng nhập",
        "Mật khẩu lần đầu",
    )
    accounts = {(r[1], r[3]): (r[4], r[5]) for r in rows[1:]}
    a_staff, a_leader = accounts[(UNIT_A, STAFF_KIND)], accounts[(UNIT_A, LEADER_KIND)]
    b_staff = accounts[(UNIT_B, STAFF_KIND)]
    td = sorted((r[4], r[5]) for r in rows[1:] if r[3] == APPRAISER_KIND)[0]  # the Sở's first appraiser
    assert td[0].endswith(".td1"), td

    sub_a = Submission.objects.get(campaign=campaign, unit__name=UNIT_A)
    sub_b = Submission.objects.get(campaign=campaign, unit__name=UNIT_B)
    rows_a = plan.tier(sub_a.tier).rows
    entry = {e.code: e for e in sub_a.entries.all()}
    x, y = rows_a[0], rows_a[1]  # X: scored below its maximum; Y: kept at its maximum throughout
    ex = entry[x.code]

    # ---------------------------------------------------------------- 2. unit A scores, attaches, submits, confirms
    clock.set_now(at("20/01/2026 09:00"))
    cv_a = people.page()
    first_login(cv_a, a_staff[0], a_staff[1], "Mat-Khau-Noi-Vu-CV-2026")
    cv_a.goto("/cap-tai-khoan/thong-tin/")  # the address the results notice will be sent to
    cv_a.get_by_label("Họ và tên").fill("Nguyễn Thị Lan")
    cv_a.get_by_label("Thư điện tử").fill("chuyenvien@noivu.phutho.gov.vn")
    cv_a.get_by_role("button", name="Lưu").click()
    cv_a.wait_for_load_state("networkidle")
    assert "Đã lưu thông tin tài khoản." in messages_of(cv_a)
    nav(cv_a, "Tự đánh giá")
    assert "đang mở đến 24 giờ 00 ngày 23/01/2026" in cv_a.locator("main").inner_text()
    cv_a.get_by_role("link", name="Nhập số liệu").click()
    cv_a.wait_for_url(re.compile(rf"/tu-danh-gia/{sub_a.pk}/$"))

    # Below the maximum, with a decimal comma: the explanation is required, and said so beside its field.
    cv_a.fill(f"#diem-{ex.pk}", "12,5")
    cv_a.locator(f"#nhap-{ex.pk}").get_by_role("button", name="Lưu").click()
    beside = cv_a.locator(f"#loi-note-{ex.pk}")
    beside.filter(has_text=re.compile(".")).wait_for()
    assert "giải trình" in beside.inner_text().lower(), beside.inner_text()
    cv_a.fill(f"#gt-{ex.pk}", "Quyết định phân công mới ban hành tháng 12/2025, chưa đủ một năm thực hiện.")
    cv_a.locator(f"#nhap-{ex.pk}").get_by_role("button", name="Lưu").click()
    cv_a.locator(f"#tt-{ex.pk}", has_text="Đã lưu lúc").wait_for()
    for row in rows_a[1:]:
        pk = entry[row.code].pk
        cv_a.fill(f"#diem-{pk}", points_text(row.max_points))
        cv_a.locator(f"#nhap-{pk}").get_by_role("button", name="Lưu").click()
        cv_a.locator(f"#tt-{pk}", has_text="Đã lưu lúc").wait_for()
    top = sum((r.max_points for r in rows_a), Decimal(0))
    assert f"Tổng điểm tự đánh giá: {points_text(top - x.max_points + Decimal('12.5'))}" in (
        cv_a.locator("#tong-diem").inner_text()
    )
    assert f"Đã nhập {len(rows_a)}/{len(rows_a)} chỉ số" in cv_a.locator("#tong-diem").inner_text()

    # Two files for X: one signed and intact, one changed after signing; each verdict arrives by itself.
    for name in ("Quyết định phân công.pdf", "Báo cáo đã sửa sau khi ký.pdf"):
        cv_a.locator(f"#tep-vao-{ex.pk}").set_input_files(str(files[name]))
        cv_a.locator(f"#tep-{ex.pk} .sa-file", has_text=name).wait_for()
    good = EvidenceFile.objects.get(entry=ex, name="Quyết định phân công.pdf")
    bad = EvidenceFile.objects.get(entry=ex, name="Báo cáo đã sửa sau khi ký.pdf")
    cv_a.locator(f"#tep-file-{good.pk} .badge.verdict", has_text=re.compile("^Hợp lệ$")).wait_for(
        timeout=120_000
    )
    cv_a.locator(f"#tep-file-{bad.pk} .badge.verdict", has_text="Không hợp lệ").wait_for(timeout=120_000)
    forged = cv_a.locator(f"#tep-file-{bad.pk}").inner_text()
    assert "bị thay đổi sau khi ký" in forged and "Cần làm:" in forged, forged
    assert "không bị thay đổi sau khi ký" in cv_a.locator(f"#tep-file-{good.pk}").inner_text()
    cv_a.locator(f"#chi-so-{ex.pk}").scroll_into_view_if_needed()
    screenshot(cv_a, "nam-02-tu-danh-gia")
    cv_a.get_by_role("button", name="Trình lãnh đạo").click()
    cv_a.wait_for_load_state("networkidle")
    assert "Đã trình lãnh đạo đơn vị duyệt số liệu." in messages_of(cv_a)
    assert cv_a.locator("input[name=score]").count() == 0

    ld_a = people.page()
    first_login(ld_a, a_leader[0], a_leader[1], "Mat-Khau-Noi-Vu-LD-2026")
    nav(ld_a, "Tự đánh giá")
    ld_a.get_by_role("link", name="Nhập số liệu").click()
    ld_a.wait_for_url(re.compile(rf"/tu-danh-gia/{sub_a.pk}/$"))
    ld_a.get_by_role("button", name="Xác nhận số liệu").click()
    ld_a.wait_for_url(re.compile(rf"/tu-danh-gia/{sub_a.pk}/bien-nhan/$"))
    sub_a.refresh_from_db()
    assert sub_a.state == State.SUBMITTED and not sub_a.late
    receipt_page = ld_a.locator("main").inner_text()
    assert "BIÊN NHẬN SỐ LIỆU TỰ ĐÁNH GIÁ" in receipt_page and sub_a.receipt_sha256 in receipt_page
    assert "09:00 ngày 20/01/2026" in receipt_page and good.sha256 in receipt_page
    screenshot(ld_a, "nam-03-bien-nhan")
    receipt = download(ld_a, lambda: ld_a.get_by_role("link", name="Tải biên nhận (JSON)").click())
    assert hashlib.sha256(receipt).hexdigest() == sub_a.receipt_sha256
    assert json.loads(receipt)["don_vi"] == UNIT_A

    # ---------------------------------------------------------------- 3. unit B starts, and misses the deadline
    cv_b = people.page()
    first_login(cv_b, b_staff[0], b_staff[1], "Mat-Khau-Tu-Phap-CV-2026")
    nav(cv_b, "Tự đánh giá")
    cv_b.get_by_role("link", name="Nhập số liệu").click()
    cv_b.wait_for_url(re.compile(rf"/tu-danh-gia/{sub_b.pk}/$"))
    first_b = sub_b.entries.get(code=plan.tier(sub_b.tier).rows[0].code)
    cv_b.fill(f"#diem-{first_b.pk}", "10")
    cv_b.fill(f"#gt-{first_b.pk}", "Đang hoàn thiện")
    cv_b.locator(f"#nhap-{first_b.pk}").get_by_role("button", name="Lưu").click()
    cv_b.locator(f"#tt-{first_b.pk}", has_text="Đã lưu lúc").wait_for()

    clock.set_now(at("24/01/2026 00:05"))
    cv_b.reload()
    locked = cv_b.locator(".sa-status").inner_text()
    assert "đã khóa lúc 24 giờ 00 ngày 23/01/2026" in locked and "gia hạn" in locked, locked
    assert cv_b.locator("input[name=score]").count() == 0 and cv_b.locator("input[type=file]").count() == 0
    assert cv_b.get_by_role("button", name="Trình lãnh đạo").count() == 0
    screenshot(cv_b, "nam-04-qua-han")
    nav(so, "Theo dõi")
    b_row = so.locator(f"#units tr[data-unit='{sub_b.unit.code}']")
    assert "quá hạn, chưa gửi" in b_row.inner_text(), b_row.inner_text()
    assert "Đã gửi Sở" in so.locator(f"#units tr[data-unit='{sub_a.unit.code}']").inner_text()
    screenshot(so, "nam-05-theo-doi")

    # ---------------------------------------------------------------- 4. round 1: an appraiser, then the Sở
    clock.set_now(at("27/01/2026 09:00"))
    appraiser = people.page()
    first_login(appraiser, td[0], td[1], "Mat-Khau-Tham-Dinh-2026")
    nav(appraiser, "Thẩm định")
    appraiser.locator("#don-vi").get_by_role("link", name=UNIT_A, exact=True).click()
    appraiser.wait_for_url(re.compile(rf"/tham-dinh/{sub_a.pk}/$"))
    appraiser.get_by_role("button", name="Bắt đầu thẩm định lần 1").click()
    appraiser.wait_for_load_state("networkidle")
    assert "Đã chuyển sang thẩm định lần 1." in messages_of(appraiser)
    row_x = appraiser.locator(f"#chi-so-{ex.pk}")
    assert "Hợp lệ" in row_x.inner_text() and "Không hợp lệ" in row_x.inner_text()
    row_x.locator("input[name=score]").fill("10")
    row_x.locator("textarea[name=reason]").fill("Quyết định phân công chưa thể hiện nhiệm vụ chuyển đổi số.")
    row_x.get_by_role("button", name="Lưu điểm thẩm định").click()
    appraiser.locator(f"#chi-so-{ex.pk} .saved").wait_for()
    for row in rows_a[1:]:
        pk = entry[row.code].pk
        appraiser.locator(f"#chi-so-{pk}").get_by_role("button", name=re.compile(r"^Chấp nhận")).click()
        appraiser.locator(f"#chi-so-{pk} .saved").wait_for()
    assert (
        f"{len(rows_a)}/{len(rows_a)} chỉ số đã có quyết định lần 1"
        in appraiser.locator("#tien-do").inner_text()
    )
    appraiser.locator(f"#chi-so-{ex.pk}").scroll_into_view_if_needed()
    screenshot(appraiser, "nam-06-tham-dinh-lan-1")

    so.goto(f"/tham-dinh/{sub_a.pk}/")
    so.get_by_role("button", name="Chuyển đơn vị giải trình").click()
    so.wait_for_load_state("networkidle")
    assert "Đơn vị đã được mở để giải trình, bổ sung." in messages_of(so)

    # ---------------------------------------------------------------- 5. giải trình: the unit answers, its leader sends
    clock.set_now(at("10/02/2026 08:30"))
    cv_a.goto(f"/tu-danh-gia/{sub_a.pk}/")
    assert (
        "Giải trình, bổ sung: đang mở đến 24 giờ 00 ngày 13/02/2026."
        in cv_a.locator(".sa-status").inner_text()
    )
    seen = cv_a.locator(f"#chi-so-{ex.pk}").inner_text()
    assert "Thẩm định lần 1: 10 điểm" in seen and "chưa thể hiện nhiệm vụ chuyển đổi số" in seen, seen
    cv_a.fill(
        f"#tl-{ex.pk}", "Đơn vị bổ sung Quyết định giao nhiệm vụ chuyển đổi số cho từng phòng, đã ký số."
    )
    cv_a.locator(f"#nhap-{ex.pk}").get_by_role("button", name="Lưu").click()
    cv_a.locator(f"#tt-{ex.pk}", has_text="Đã lưu lúc").wait_for()
    cv_a.locator(f"#tep-vao-{ex.pk}").set_input_files(str(files["Quyết định bổ sung.pdf"]))
    cv_a.locator(f"#tep-{ex.pk} .sa-file", has_text="Quyết định bổ sung.pdf").wait_for()
    added = EvidenceFile.objects.get(entry=ex, name="Quyết định bổ sung.pdf")
    cv_a.locator(f"#tep-file-{added.pk} .badge.verdict", has_text=re.compile("^Hợp lệ$")).wait_for(
        timeout=120_000
    )
    assert "bổ sung khi giải trình" in cv_a.locator(f"#tep-file-{added.pk}").inner_text()
    cv_a.locator(f"#chi-so-{ex.pk}").scroll_into_view_if_needed()
    screenshot(cv_a, "nam-07-giai-trinh")

    ld_a.goto(f"/tu-danh-gia/{sub_a.pk}/")
    ld_a.get_by_role("button", name="Gửi giải trình").click()
    ld_a.wait_for_load_state("networkidle")
    assert "Đã gửi nội dung giải trình về Sở." in messages_of(ld_a)

    # ---------------------------------------------------------------- 6. round 2 and the final scores
    clock.set_now(at("24/02/2026 09:00"))
    appraiser.goto(f"/tham-dinh/{sub_a.pk}/")
    row_x = appraiser.locator(f"#chi-so-{ex.pk}")
    assert "Đơn vị bổ sung Quyết định giao nhiệm vụ" in row_x.locator(".answer").inner_text()
    assert row_x.locator("li.added", has_text="Quyết định bổ sung.pdf").is_visible()
    row_x.locator("input[name=score]").fill("11,5")
    row_x.locator("textarea[name=reason]").fill("Đã bổ sung quyết định giao nhiệm vụ, ký số hợp lệ.")
    row_x.get_by_role("button", name="Lưu điểm thẩm định").click()
    appraiser.locator(f"#chi-so-{ex.pk} .saved").wait_for()
    appraiser.locator(f"#chi-so-{ex.pk}").scroll_into_view_if_needed()
    screenshot(appraiser, "nam-08-tham-dinh-lan-2")

    so.goto(f"/tham-dinh/{sub_a.pk}/")
    so.get_by_role("button", name="Chốt điểm").click()
    so.wait_for_load_state("networkidle")
    assert "Đã chốt điểm cuối cùng của đơn vị." in messages_of(so)
    final = top - x.max_points + Decimal("11.5")
    assert points_text(final) in so.locator("#tong-cuoi").inner_text()
    ex.refresh_from_db()
    assert (ex.self_score, ex.score_1, ex.score_2, ex.final_score) == (
        Decimal("12.5"),
        Decimal("10"),
        Decimal("11.5"),
        Decimal("11.5"),
    )
    assert Entry.objects.get(pk=entry[y.code].pk).final_score == y.max_points

    # The unit reads the history of its score: who, when, from what, to what, why.
    cv_a.goto(f"/tu-danh-gia/{sub_a.pk}/lich-su-diem/")
    history = cv_a.locator(f"[id='chi-so-{x.code}'] + table").inner_text()
    for expected in ("12,5", "10", "11,5", "chưa thể hiện nhiệm vụ", "Đã bổ sung quyết định giao nhiệm vụ"):
        assert expected in history, (expected, history)

    # ---------------------------------------------------------------- 7. results, the Quyết định, publication
    nav(so, "Kết quả")
    assert (
        "1/47 đơn vị đã gửi số liệu về Sở; 1 đơn vị đã có điểm chốt cuối cùng"
        in so.locator("#tu-he-thong").inner_text()
    )
    so.get_by_role("button", name="Tổng hợp kết quả từ hệ thống").click()
    so.wait_for_url(re.compile(rf"/ket-qua/{campaign.pk}/lan/1/$"))
    so.locator("#xep-hang").wait_for(timeout=SLOW)
    run = ResultsRun.objects.get(campaign=campaign, number=1)
    assert run.status == JobStatus.DONE, (run.error, run.diagnostics)
    a_line = so.locator(f"#ranking-table tr[data-unit='{sub_a.unit.code}']")
    assert a_line.get_attribute("data-status") == "ranked"
    assert points_text(final) in a_line.inner_text() and "Tốt" in a_line.inner_text()
    b_line = so.locator(f"#ranking-table tr[data-unit='{sub_b.unit.code}']")
    assert b_line.get_attribute("data-status") in ("missing", "excluded"), b_line.get_attribute("data-status")
    screenshot(so, "nam-09-ket-qua")

    # The quản trị's signing configuration, then the Quyết định: submitted, approved, signed, issued.
    monkeypatch.setenv(PASSWORD_ENV, pki.password)
    quan_tri = Client()
    quan_tri.force_login(so_people[Role.ADMIN])
    configure_signing(quan_tri, pki, so_leader, tmp_path / "mau")
    so.locator("#registered-documents tr[data-kind='quyet_dinh']").get_by_role(
        "link", name="Chưa trình ký"
    ).click()
    so.wait_for_url(re.compile(rf"/van-ban/{campaign.pk}/v\d+/"))
    decision = ResultDocument.objects.get(run=run, kind="quyet_dinh")
    so.locator(f"#trinh-ky-{decision.document_id}").click()
    so.wait_for_url(re.compile(r"/ban-hanh/\d+/$"))
    draft_url = so.url.removeprefix(live_server.url)

    ld_so = people.page()
    log_in(ld_so, "ld-so", PASSWORD)
    ld_so.goto(draft_url)
    ld_so.locator("#nut-duyet").click()
    ld_so.wait_for_load_state("networkidle")
    draft_pdf, signed_pdf = tmp_path / "du-thao-qd.pdf", tmp_path / "du-thao-qd.da-ky.pdf"
    draft_pdf.write_bytes(download(ld_so, lambda: ld_so.locator("#tai-du-thao").click()))
    in_thread(
        lambda: sign_documents(
            SignDocumentsRequest(
                files=((draft_pdf, signed_pdf),), key=Pkcs12Key(pki.director_p12, pki.password)
            )
        )
    )
    ld_so.locator("#id_signed_file").set_input_files(str(signed_pdf))
    ld_so.locator("#nut-tai-len").click()
    ld_so.locator("#ban-da-ky .badge.ok").wait_for(timeout=120_000)

    clerk = people.page()
    log_in(clerk, "vt-so", PASSWORD)
    clerk.goto(draft_url)
    clerk.locator("#nut-ban-hanh").click()
    clerk.locator("#tai-ban-hanh").wait_for(timeout=120_000)
    screenshot(clerk, "nam-10-ban-hanh")
    issued_pdf = download(clerk, lambda: clerk.locator("#tai-ban-hanh").click())

    so.goto(f"/ket-qua/{campaign.pk}/lan/1/")
    assert "Đã ban hành: số" in so.locator("#registered-documents tr[data-kind='quyet_dinh']").inner_text()
    so.get_by_role("button", name="Công bố kết quả").click()
    so.locator("#published").wait_for()
    publication = Publication.objects.get(run=run)
    assert publication.issued.path.read_bytes() == issued_pdf
    assert publication.issued.reference in so.locator("#published").inner_text()
    screenshot(so, "nam-11-cong-bo")

    # Each unit finds its notice in its account, and is told by e-mail.
    nav(cv_a, "Thông báo kết quả")
    notice_card = cv_a.locator("main").inner_text()
    assert publication.issued.reference in notice_card and points_text(final) in notice_card, notice_card
    screenshot(cv_a, "nam-12-thong-bao")
    notice = download(cv_a, lambda: cv_a.get_by_role("link", name="Tải thông báo (PDF)").click())
    assert notice.startswith(b"%PDF-")
    notice_text = pdf_text(notice, tmp_path / "thong-bao.pdf")
    assert UNIT_A in notice_text and points_text(final) in notice_text, notice_text[:2000]
    wait_until(
        lambda: Publication.objects.get(pk=publication.pk).mail_job.status == JobStatus.DONE,
        120,
        "the notice e-mails",
    )
    # (The worker's periodic deadline reminders may have written to the unit too, depending on when they ran.)
    told = [
        m
        for m in mailoutbox
        if "chuyenvien@noivu.phutho.gov.vn" in m.to and m.subject.startswith("Thông báo kết quả")
    ]
    assert len(told) == 1 and f"Quyết định số {publication.issued.reference}" in told[0].body, [
        (m.to, m.subject) for m in mailoutbox
    ]

    # Anyone, without logging in: the published ranking and the issued Quyết định.
    public = people.page()
    public.goto("/xep-hang/")
    public.get_by_role("link", name=re.compile("chuyển đổi số", re.I)).first.click()
    public.wait_for_url(re.compile(rf"/xep-hang/{agency.code}/{campaign.slug}/$"))
    ranked = public.locator("#ranking-table").inner_text()
    assert UNIT_A in ranked and points_text(final) in ranked and UNIT_B not in ranked, ranked
    assert UNIT_B in public.locator("#not-ranked").inner_text()
    assert publication.issued.reference in public.locator("#quyet-dinh").inner_text()
    screenshot(public, "nam-13-xep-hang-cong-khai")
    assert download(public, lambda: public.locator("#decision-pdf").click()) == issued_pdf
    assert RankingEntry.objects.get(run=run, unit_id=sub_a.unit.code).points == final

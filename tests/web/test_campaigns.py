"""Campaigns in forms: create and edit a campaign through its pages as a browser posts them, every finding of the
check beside its field, YAML import and export byte for byte, versions and restore, permissions, audit."""

from __future__ import annotations

import csv
import difflib
import io
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from letters.usecases.documents import CheckRequest, bundled_examples, check_campaign
from web.accounts.models import Agency, Profile, Role
from web.audit.models import AuditEvent
from web.campaigns.demo import load_demo_campaigns
from web.campaigns.models import Campaign

pytestmark = pytest.mark.django_db

PASSWORD = "mat-khau-dai-2026"
EXAMPLES = {p.stem: p for p in bundled_examples()}


# --------------------------------------------------------------------------- helpers


class _Form(HTMLParser):
    """The values a browser would send for one form of a page: inputs, checked boxes, selected options, text areas
    (disabled controls and buttons left out)."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.in_template = 0
        self.data: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        if tag == "template":
            self.in_template += 1
        if self.in_template or "disabled" in a:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                self.data.append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], []
        elif tag == "select" and a.get("name"):
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag: str) -> None:
        if not self.inside:
            return
        if tag == "template":
            self.in_template -= 1
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.data.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [v for v, s in self._options if s] or [v for v, _ in self._options[:1]]
            self.data.append((self._select, chosen[0] if chosen else ""))
            self._select = None
        elif tag == "form":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)


def form_values(html: str, form_id: str = "form-sua") -> dict[str, Any]:
    parser = _Form(form_id)
    parser.feed(html)
    out: dict[str, Any] = {}
    for name, value in parser.data:
        out[name] = value
    return out


def agency(code: str = "so") -> Agency:
    return Agency.objects.get_or_create(
        code=code,
        defaults={"name": f"Sở Khoa học và Công nghệ {code}", "abbreviation": "SKHCN", "province": "Phú Thọ"},
    )[0]


def login(role: Role, *, code: str = "so", username: str | None = None) -> Client:
    name = username or f"{role.value}-{code}"
    user = get_user_model().objects.create_user(name, password=PASSWORD)
    Profile.objects.create(
        user=user, agency=agency(code), role=role, full_name=f"Người {name}", must_change_password=False
    )
    client = Client()
    assert client.login(username=name, password=PASSWORD)
    return client


def imported(client: Client, stem: str) -> Campaign:
    data = EXAMPLES[stem].read_bytes()
    response = client.post(
        "/dot-danh-gia/tao-moi/",
        {"cach": "nhap", "file": SimpleUploadedFile(f"{stem}.yaml", data, "application/yaml")},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Campaign.objects.latest("pk")


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def post_form(client: Client, url: str, changes: dict[str, Any], form_id: str = "form-sua") -> Any:
    """Post the page's form as a browser would: every value it shows, with `changes` typed over them."""
    data = form_values(page(client, url), form_id)
    data.update(changes)
    for key in [k for k, v in changes.items() if v is None]:
        data.pop(key)
    return client.post(url, data, follow=True)


def changed_lines(old: str, new: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def finding_beside(html: str, path: str) -> str:
    """The text of the field block whose data-path is `path` (its input and the findings under it)."""
    marker = f'data-path="{path}"'
    assert marker in html, f"no field {path} on the page"
    start = html.index(marker)
    end = html.find('class="field', start + len(marker))
    return html[start : end if end > 0 else len(html)]


# --------------------------------------------------------------------------- create from scratch, fix an error


def test_create_from_scratch_through_the_forms_and_fix_the_errors_shown_beside_their_fields() -> None:
    client = login(Role.SO_STAFF)
    response = client.post(
        "/dot-danh-gia/tao-moi/",
        {
            "cach": "tu_dau",
            "name": "đánh giá, xếp hạng mức độ chuyển đổi số tỉnh Phú Thọ năm 2026",
            "year": "2026",
        },
        follow=True,
    )
    campaign = Campaign.objects.get()
    assert campaign.version == 1 and campaign.year == 2026 and campaign.error_count > 0
    assert campaign.yaml_path.read_text(encoding="utf-8") == campaign.source
    assert "UBND tỉnh Phú Thọ" in campaign.source  # the issuer as the agency is known
    html = response.content.decode()
    assert "Hồ sơ còn" in html and "thiếu mục «tiers»" in html
    listing = page(client, "/dot-danh-gia/")
    assert "có lỗi" in listing

    base = f"/dot-danh-gia/{campaign.pk}/sua"
    # The issuer's missing fields are named beside them.
    html = page(client, f"{base}/issuer/")
    assert "Lỗi" in finding_beside(html, "issuer.drafting_unit")
    response = post_form(
        client,
        f"{base}/issuer/",
        {"drafting_unit": "CĐS", "place": "Phú Thọ", "drafting_unit_name": "Phòng Chuyển đổi số"},
    )
    assert "Đã lưu phiên bản 2" in response.content.decode()
    html = response.content.decode()
    assert "Lỗi" not in finding_beside(html, "issuer.drafting_unit")

    # A tier with two units, added as rows the way the page's «Thêm dòng» adds them.
    data = form_values(page(client, f"{base}/tiers/"))
    data.update(
        {
            "tiers-TOTAL_FORMS": "1",
            "tiers-0-id": "so",
            "tiers-0-name": "Các sở, ban, ngành",
            "tiers-0-indicators": "cap-so-2026-mau",
            "tiers-0-ORDER": "1",
        }
    )
    client.post(f"{base}/tiers/", data)
    data = form_values(page(client, f"{base}/tiers/1/units/"))
    data.update(
        {
            "units-TOTAL_FORMS": "2",
            "units-0-name": "Sở Nội vụ",
            "units-0-ORDER": "1",
            "units-1-name": "Sở Tài chính",
            "units-1-id": "so-tai-chinh",
            "units-1-ORDER": "2",
        }
    )
    client.post(f"{base}/tiers/1/units/", data)
    post_form(
        client,
        f"{base}/signer/",
        {"delegation": "KT", "authority": "Giám đốc", "title": "Phó Giám đốc", "name": "Nguyễn Văn An"},
    )

    # A phase that ends before it starts: the error is beside its end date; fixing it clears it.
    data = form_values(page(client, f"{base}/phases/"))
    data.update(
        {
            "phases-TOTAL_FORMS": "1",
            "phases-0-id": "tu_danh_gia",
            "phases-0-name": "Tự đánh giá, chấm điểm",
            "phases-0-start": "20/04/2026",
            "phases-0-end": "10/04/2026",
            "phases-0-ORDER": "1",
        }
    )
    response = client.post(f"{base}/phases/", data, follow=True)
    html = response.content.decode()
    beside = finding_beside(html, "phases[1].end")
    assert "kết thúc ngày 10/4/2026 trước khi bắt đầu" in beside and 'class="finding error"' in beside
    campaign.refresh_from_db()
    assert campaign.error_count > 0  # stored all the same: nothing is lost
    assert "end: 10/04/2026" in campaign.source
    response = post_form(client, f"{base}/phases/", {"phases-0-end": "30/04/2026"})
    html = response.content.decode()
    assert "trước khi bắt đầu" not in finding_beside(html, "phases[1].end")

    campaign.refresh_from_db()
    errors = [d for d in campaign.diagnostics if d["severity"] == "error"]
    assert errors == [], errors
    assert check_campaign(CheckRequest(campaign.yaml_path)).ok
    data = yaml.safe_load(campaign.source)
    assert data["tiers"][0]["units"] == ["Sở Nội vụ", {"name": "Sở Tài chính", "id": "so-tai-chinh"}]
    assert data["signer"] == {
        "delegation": "KT",
        "authority": "Giám đốc",
        "title": "Phó Giám đốc",
        "name": "Nguyễn Văn An",
    }
    assert campaign.version == 7
    assert "hợp lệ" in page(client, "/dot-danh-gia/") or "cảnh báo" in page(client, "/dot-danh-gia/")


# --------------------------------------------------------------------------- YAML in and out, byte for byte


@pytest.mark.parametrize("stem", sorted(EXAMPLES))
def test_each_bundled_example_imports_and_exports_unchanged(stem: str) -> None:
    client = login(Role.SO_STAFF)
    campaign = imported(client, stem)
    original = EXAMPLES[stem].read_bytes()
    assert campaign.source.encode("utf-8") == original
    assert campaign.yaml_path.read_bytes() == original
    response = client.get(f"/dot-danh-gia/{campaign.pk}/xuat/")
    assert response.status_code == 200
    assert response.content == original
    assert response["Content-Disposition"] == f'attachment; filename="{campaign.slug}.yaml"'
    # The check ran on the written file, as `vanban check` does.
    expected = check_campaign(CheckRequest(EXAMPLES[stem])).diagnostics
    assert campaign.error_count == sum(1 for d in expected if d.severity.value == "error")
    assert campaign.warning_count == sum(1 for d in expected if d.severity.value == "warning")
    assert campaign.title == yaml.safe_load(original)["campaign"]["name"]


def test_import_keeps_line_ends_and_a_byte_order_mark() -> None:
    client = login(Role.SO_STAFF)
    data = b"\xef\xbb\xbf" + EXAMPLES["gialai-2023"].read_bytes().replace(b"\n", b"\r\n")
    client.post(
        "/dot-danh-gia/tao-moi/",
        {"cach": "nhap", "file": SimpleUploadedFile("gialai.yml", data, "application/yaml")},
    )
    campaign = Campaign.objects.get()
    assert client.get(f"/dot-danh-gia/{campaign.pk}/xuat/").content == data


def test_a_file_that_is_not_yaml_text_is_refused_in_vietnamese_and_a_broken_one_kept() -> None:
    client = login(Role.SO_STAFF)
    response = client.post(
        "/dot-danh-gia/tao-moi/",
        {
            "cach": "nhap",
            "file": SimpleUploadedFile("a.yaml", "xin chào".encode("utf-16"), "application/yaml"),
        },
    )
    assert "không phải văn bản UTF-8" in response.content.decode()
    response = client.post(
        "/dot-danh-gia/tao-moi/",
        {"cach": "nhap", "file": SimpleUploadedFile("a.docx", b"PK", "application/zip")},
    )
    assert "Chỉ nhận tệp hồ sơ chiến dịch YAML" in response.content.decode()
    assert not Campaign.objects.exists()
    broken = "campaign:\n  year: 2026\n  name: [chưa đóng\n"
    client.post(
        "/dot-danh-gia/tao-moi/", {"cach": "nhap", "file": SimpleUploadedFile("b.yaml", broken.encode(), "x")}
    )
    campaign = Campaign.objects.get()
    assert campaign.source == broken and campaign.error_count == 1
    assert "cú pháp YAML sai" in campaign.diagnostics[0]["message"] and campaign.diagnostics[0]["line"] == 4
    html = page(client, f"/dot-danh-gia/{campaign.pk}/sua/campaign/")
    assert "Chưa sửa được bằng biểu mẫu" in html
    # Fixed in the YAML text itself, the forms work again.
    client.post(
        f"/dot-danh-gia/{campaign.pk}/yaml/",
        {"source": broken.replace("[chưa đóng", "đánh giá chuyển đổi số năm 2026"), "base_version": "1"},
    )
    campaign.refresh_from_db()
    assert campaign.version == 2 and "thiếu mục «tiers»" in str(campaign.diagnostics)
    assert "Năm đánh giá" in page(client, f"/dot-danh-gia/{campaign.pk}/sua/campaign/")


# --------------------------------------------------------------------------- an edit changes only what it edits


def test_a_form_edit_changes_one_value_and_keeps_comments_and_formatting() -> None:
    client = login(Role.SO_STAFF)
    campaign = imported(client, "phutho-2026")
    before = campaign.source
    url = f"/dot-danh-gia/{campaign.pk}/sua/issuer/"
    response = post_form(client, url, {"drafting_unit_name": "Phòng Công nghệ số"})
    campaign.refresh_from_db()
    assert changed_lines(before, campaign.source) == [
        "-  drafting_unit_name: Phòng Chuyển đổi số   # giả định: tên phòng tham mưu về chuyển đổi số của Sở",
        "+  drafting_unit_name: Phòng Công nghệ số    # giả định: tên phòng tham mưu về chuyển đổi số của Sở",
    ]
    assert campaign.version == 2 and "Đã lưu phiên bản 2" in response.content.decode()
    # Posting the page unchanged writes nothing.
    response = post_form(client, url, {})
    assert "Không có thay đổi nào để lưu" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.version == 2

    # A phone number is quoted so that YAML keeps its leading zero; a new field goes where the model puts it.
    before = campaign.source
    post_form(client, f"/dot-danh-gia/{campaign.pk}/sua/contacts/", {"contacts-0-phone": "0210.3811111"})
    post_form(client, f"/dot-danh-gia/{campaign.pk}/sua/campaign/", {"accounts__staff": "2"})
    campaign.refresh_from_db()
    assert changed_lines(before, campaign.source) == [
        "+  accounts:",
        "+    staff: 2",
        '-    phone: "0210.3800000"',
        '+    phone: "0210.3811111"',
    ]
    assert campaign.source.index("accounts:") > campaign.source.index("data_period_end:")


def test_rows_are_added_removed_and_reordered_with_their_comments() -> None:
    client = login(Role.SO_STAFF)
    campaign = imported(client, "gialai-2023")
    url = f"/dot-danh-gia/{campaign.pk}/sua/phases/"
    old = yaml.safe_load(campaign.source)["phases"]
    data = form_values(page(client, url))
    total = int(data["phases-TOTAL_FORMS"])
    # The first phase last, the second removed, one phase added.
    data["phases-0-ORDER"] = str(total + 2)
    data["phases-1-DELETE"] = "on"
    data.update(
        {
            "phases-TOTAL_FORMS": str(total + 1),
            f"phases-{total}-id": "tong_ket",
            f"phases-{total}-name": "Tổng kết đợt đánh giá",
            f"phases-{total}-end": "29/03/2024",
            f"phases-{total}-ORDER": str(total + 1),
        }
    )
    client.post(url, data)
    campaign.refresh_from_db()
    new = yaml.safe_load(campaign.source)["phases"]
    assert [p["id"] for p in new] == [p["id"] for p in old[2:]] + ["tong_ket", old[0]["id"]]
    assert new[-1] == old[0]
    # Other sections are untouched, comments included.
    original = EXAMPLES["gialai-2023"].read_text(encoding="utf-8")
    for key in ("issuer:", "tiers:", "deadlines:", "documents:"):
        assert original[original.index(key) :].split("\n\n")[0] in campaign.source


def test_units_import_from_csv_and_xlsx_reports_bad_rows_by_number() -> None:
    from openpyxl import Workbook

    client = login(Role.SO_STAFF)
    campaign = imported(client, "brvt-2024")
    url = f"/dot-danh-gia/{campaign.pk}/nhap-don-vi/tiers/3/units/"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerows(
        [
            ["Mã", "Tên đơn vị", "Cấp trên"],
            ["x1", "UBND xã A", "huyen-a"],
            ["x2", "", ""],
            ["x1", "UBND xã B", ""],
        ]
    )
    bad = SimpleUploadedFile("don-vi.csv", buffer.getvalue().encode("utf-8-sig"), "text/csv")
    response = client.post(url, {"file": bad, "mode": "replace"}, follow=True)
    html = response.content.decode()
    assert "Dòng 3: thiếu tên đơn vị." in html and "Dòng 4: mã «x1» trùng với dòng 2." in html
    campaign.refresh_from_db()
    assert campaign.version == 1

    book = Workbook()
    sheet = book.active
    sheet.append(["mã", "tên", "cấp trên"])
    sheet.append(["xa-a", "UBND xã An Ngãi", "UBND huyện Không Có"])
    sheet.append([None, "UBND xã Tam Phước", None])
    out = io.BytesIO()
    book.save(out)
    good = SimpleUploadedFile(
        "don-vi.xlsx", out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = client.post(url, {"file": good, "mode": "replace"}, follow=True)
    assert "Đã nhập 2 đơn vị" in response.content.decode()
    campaign.refresh_from_db()
    units = yaml.safe_load(campaign.source)["tiers"][2]["units"]
    assert units == [
        {"name": "UBND xã An Ngãi", "id": "xa-a", "parent": "UBND huyện Không Có"},
        "UBND xã Tam Phước",
    ]
    # The check's findings stand beside the unit's parent field, and on the row of the unit that has none.
    html = page(client, f"/dot-danh-gia/{campaign.pk}/sua/tiers/3/units/")
    beside = finding_beside(html, "tiers[3].units[1].parent")
    assert "đơn vị cấp trên «UBND huyện Không Có» của «UBND xã An Ngãi» không có trong nhóm «huyen»" in beside
    row = html[html.index('data-path="tiers[3].units[2]"') :].split("</tr>")[0]
    assert 'class="finding warning"' in row and "chưa ghi đơn vị cấp trên" in row


# --------------------------------------------------------------------------- findings beside their field


def test_holiday_warnings_stand_beside_the_phase_they_concern_and_unplaced_ones_on_top() -> None:
    client = login(Role.SO_STAFF)
    campaign = imported(client, "bacgiang-2023")
    assert campaign.warning_count == 2
    html = page(client, f"/dot-danh-gia/{campaign.pk}/sua/phases/")
    beside = finding_beside(html, "phases[2].end")
    assert 'class="finding warning"' in beside and "Chủ nhật" in beside
    assert "Cảnh báo" not in finding_beside(html, "phases[1].end")
    assert "Lịch các giai đoạn và hạn nộp" in html and 'class="bar phase warn"' in html
    detail = page(client, f"/dot-danh-gia/{campaign.pk}/")
    assert "Các giai đoạn › mục 2 › Ngày kết thúc" in detail
    # A finding with no field of the form (an unknown section) is listed at the top of the campaign with its line.
    client.post(
        f"/dot-danh-gia/{campaign.pk}/yaml/",
        {"source": campaign.source + "\nlich_rieng: 1\n", "base_version": "1"},
    )
    detail = page(client, f"/dot-danh-gia/{campaign.pk}/")
    general = detail[detail.index("Lỗi, cảnh báo chung") :].split("</ul>")[0]
    assert "mục «lich_rieng» không được hỗ trợ" in general and "dòng" in general


def test_wording_is_previewed_through_the_wording_engine_and_saved_as_the_sections_text() -> None:
    client = login(Role.SO_STAFF)
    campaign = imported(client, "phutho-2026")
    url = f"/dot-danh-gia/{campaign.pk}/sua/documents/ke_hoach/wording/"
    html = page(client, url)
    assert 'id="id_mo_dau"' in html and "Xem trước" in html
    preview = client.post(
        f"/dot-danh-gia/{campaign.pk}/xem-truoc/",
        {
            "kind": "ke_hoach",
            "section": "mo_dau",
            "mo_dau": "{{ issuer.text_name }} ban hành **Kế hoạch** <script>",
        },
    ).content.decode()
    assert "Sở Khoa học và Công nghệ ban hành <strong>Kế hoạch</strong> &lt;script&gt;" in preview
    standard = client.post(
        f"/dot-danh-gia/{campaign.pk}/xem-truoc/", {"kind": "ke_hoach", "section": "can_cu", "can_cu": ""}
    ).content.decode()
    assert "405/QĐ-BKHCN" in standard
    wrong = client.post(
        f"/dot-danh-gia/{campaign.pk}/xem-truoc/",
        {"kind": "ke_hoach", "section": "mo_dau", "mo_dau": "{{ khong_co }}"},
    ).content.decode()
    assert "dùng biến không có: «khong_co»" in wrong

    before = campaign.source
    post_form(client, url, {"mo_dau": "Sở ban hành Kế hoạch đánh giá năm {{ year }} như sau:"})
    campaign.refresh_from_db()
    spec = yaml.safe_load(campaign.source)["documents"]["ke_hoach"]
    assert spec["sections"] == [
        {"id": "mo_dau", "text": "Sở ban hành Kế hoạch đánh giá năm {{ year }} như sau:"}
    ]
    assert all(line.startswith("+") for line in changed_lines(before, campaign.source))
    # A wrong variable is stored and the error stands beside that section's text.
    post_form(client, url, {"mo_dau": "Sở {{ khong_co }}"})
    campaign.refresh_from_db()
    assert campaign.error_count == 1
    html = page(client, url)
    row = html[html.index('id="doan-mo_dau"') : html.index('id="doan-muc_dich"')]
    assert "khong_co" in row and 'class="finding error"' in row
    # Emptied, the section has its standard wording back and the entry goes away.
    post_form(client, url, {"mo_dau": ""})
    campaign.refresh_from_db()
    assert campaign.source == before and campaign.error_count == 0


# --------------------------------------------------------------------------- who may do what


def _urls(campaign: Campaign) -> list[str]:
    base = f"/dot-danh-gia/{campaign.pk}"
    version = campaign.history.first()
    return [
        f"{base}/",
        f"{base}/sua/campaign/",
        f"{base}/sua/tiers/1/units/",
        f"{base}/sua/documents/",
        f"{base}/sua/documents/ke_hoach/wording/",
        f"{base}/yaml/",
        f"{base}/xuat/",
        f"{base}/phien-ban/",
        f"{base}/phien-ban/{version.history_id}/",
    ]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SO_STAFF])
def test_so_staff_and_admin_edit(role: Role) -> None:
    client = login(role)
    campaign = imported(client, "gialai-2023")
    for url in _urls(campaign):
        assert client.get(url).status_code == 200, url
    response = post_form(client, f"/dot-danh-gia/{campaign.pk}/sua/signer/", {"name": "Nguyễn Văn Bình"})
    assert response.status_code == 200
    campaign.refresh_from_db()
    assert campaign.version == 2


@pytest.mark.parametrize("role", [Role.SO_LEADER, Role.CLERK])
def test_leaders_and_clerks_read_only(role: Role) -> None:
    campaign = imported(login(Role.SO_STAFF), "gialai-2023")
    client = login(role)
    for url in _urls(campaign):
        assert client.get(url).status_code == 200, url
    html = page(client, f"/dot-danh-gia/{campaign.pk}/sua/signer/")
    assert "chỉ xem" in html and "Lưu thay đổi" not in html and "disabled" in html
    assert "Tạo đợt đánh giá" not in page(client, "/dot-danh-gia/")
    data = form_values(page(client, f"/dot-danh-gia/{campaign.pk}/sua/signer/"))
    data.update({"name": "Người Khác", "base_version": "1"})
    base = f"/dot-danh-gia/{campaign.pk}"
    denied = [
        client.post(f"{base}/sua/signer/", data),
        client.post(f"{base}/yaml/", {"source": "campaign: {}\n", "base_version": "1"}),
        client.get(f"{base}/nhap/"),
        client.post(f"{base}/phien-ban/{campaign.history.first().history_id}/khoi-phuc/"),
        client.get("/dot-danh-gia/tao-moi/"),
        client.post(
            "/dot-danh-gia/tao-moi/",
            {"cach": "tu_dau", "name": "đánh giá chuyển đổi số 2026", "year": "2026"},
        ),
    ]
    assert [r.status_code for r in denied] == [403] * len(denied)
    campaign.refresh_from_db()
    assert campaign.version == 1 and Campaign.objects.count() == 1


@pytest.mark.parametrize("role", [Role.UNIT_STAFF, Role.UNIT_LEADER, Role.APPRAISER])
def test_units_roles_see_nothing_here(role: Role) -> None:
    campaign = imported(login(Role.SO_STAFF), "gialai-2023")
    client = login(role)
    assert client.get("/dot-danh-gia/").status_code == 403
    for url in _urls(campaign):
        assert client.get(url).status_code == 403, url


def test_another_agencys_campaign_is_not_found() -> None:
    campaign = imported(login(Role.SO_STAFF), "gialai-2023")
    for role in (Role.SO_STAFF, Role.ADMIN, Role.SO_LEADER):
        client = login(role, code="khac")
        assert campaign.title not in page(client, "/dot-danh-gia/")
        for url in _urls(campaign):
            assert client.get(url).status_code == 404, (role, url)
        assert (
            client.post(
                f"/dot-danh-gia/{campaign.pk}/xem-truoc/", {"kind": "ke_hoach", "section": "can_cu"}
            ).status_code
            == 404
        )
    assert Client().get(f"/dot-danh-gia/{campaign.pk}/").status_code == 302  # to the login page


# --------------------------------------------------------------------------- versions, restore, audit


def test_versions_keep_who_and_when_and_restore_makes_a_new_version() -> None:
    client = login(Role.SO_STAFF)
    campaign = imported(client, "bacgiang-2023")
    first = campaign.source
    post_form(client, f"/dot-danh-gia/{campaign.pk}/sua/signer/", {"name": "Trần Văn Hai"})
    post_form(client, f"/dot-danh-gia/{campaign.pk}/sua/issuer/", {"phone": "0204.3555555"})
    campaign.refresh_from_db()
    assert campaign.version == 3
    html = page(client, f"/dot-danh-gia/{campaign.pk}/phien-ban/")
    assert html.count("data-version=") == 3
    assert "Người so_staff" not in html and f"Người {Role.SO_STAFF.value}-so" in html
    assert "Sửa Người ký" in html and "Sửa Cơ quan ban hành" in html
    v1 = campaign.history.get(version=1)
    diff = page(
        client, f"/dot-danh-gia/{campaign.pk}/phien-ban/{campaign.history.get(version=2).history_id}/"
    )
    assert "Trần Văn Hai" in diff and 'class="add"' in diff

    response = client.post(f"/dot-danh-gia/{campaign.pk}/phien-ban/{v1.history_id}/khoi-phuc/", follow=True)
    assert "Đã lưu phiên bản 4" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.version == 4 and campaign.source == first
    assert campaign.yaml_path.read_text(encoding="utf-8") == first
    assert campaign.history.count() == 4
    assert campaign.history.get(version=4).history_change_reason == "Khôi phục phiên bản 1"


def test_every_create_edit_import_export_and_restore_is_audited_with_before_and_after() -> None:
    client = login(Role.SO_STAFF)
    client.post(
        "/dot-danh-gia/tao-moi/",
        {"cach": "mau", "example": "phutho-2026.yaml"},
    )
    campaign = Campaign.objects.get()
    post_form(client, f"/dot-danh-gia/{campaign.pk}/sua/signer/", {"name": "Trần Văn Hai"})
    client.get(f"/dot-danh-gia/{campaign.pk}/xuat/")
    data = EXAMPLES["gialai-2023"].read_bytes()
    client.post(f"/dot-danh-gia/{campaign.pk}/nhap/", {"file": SimpleUploadedFile("gl.yaml", data, "x")})
    client.post(
        f"/dot-danh-gia/{campaign.pk}/yaml/", {"source": data.decode() + "# ghi chú\n", "base_version": "3"}
    )
    v1 = campaign.history.get(version=1)
    client.post(f"/dot-danh-gia/{campaign.pk}/phien-ban/{v1.history_id}/khoi-phuc/")
    events = list(AuditEvent.objects.filter(object_type="campaigns.campaign").order_by("id"))
    assert [e.action for e in events] == [
        "tao_dot_danh_gia",
        "sua_dot_danh_gia",
        "xuat_yaml",
        "nhap_yaml",
        "sua_yaml",
        "khoi_phuc_phien_ban",
    ]
    assert all(
        e.username == f"{Role.SO_STAFF.value}-so" and e.agency_id_value == campaign.agency_id for e in events
    )
    edit = events[1]
    assert edit.before["version"] == 1 and edit.after["version"] == 2
    assert edit.before["gia_tri"] == {"signer.name": "Nguyễn Thành Trung"}
    assert edit.after["gia_tri"] == {"signer.name": "Trần Văn Hai"}
    assert events[3].after["tep"] == "gl.yaml" and events[3].before["version"] == 2
    assert events[5].after == {**events[5].after, "version": 5, "khoi_phuc_tu": 1}
    assert events[0].after["cach"] == "sao chép hồ sơ mẫu phutho-2026.yaml"


# --------------------------------------------------------------------------- documents, conflicts, demo


def test_documents_are_added_and_removed_and_their_recipients_edited_one_per_line() -> None:
    client = login(Role.SO_STAFF)
    campaign = imported(client, "gialai-2023")
    base = f"/dot-danh-gia/{campaign.pk}/sua/documents"
    response = client.post(f"{base}/", {"them": "to_trinh", "base_version": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{base}/to_trinh/"
    campaign.refresh_from_db()
    assert "to_trinh" in yaml.safe_load(campaign.source)["documents"]
    before = campaign.source
    post_form(
        client,
        f"{base}/cong_van/",
        {"recipients": "Các sở, ban, ngành\r\nUBND các huyện, thị xã, thành phố\r\nCông an tỉnh\r\n"},
    )
    campaign.refresh_from_db()
    spec = yaml.safe_load(campaign.source)["documents"]["cong_van"]
    assert spec["recipients"][-1] == "Công an tỉnh"
    lines = changed_lines(before, campaign.source)
    assert [x for x in lines if x.startswith("+")] == [
        "+      - Các sở, ban, ngành",
        "+      - UBND các huyện, thị xã, thành phố",
        "+      - Công an tỉnh",
    ]
    assert all(x[1:].startswith("      - ") for x in lines)
    client.post(f"{base}/", {"bo": "to_trinh", "base_version": str(campaign.version)})
    campaign.refresh_from_db()
    assert "to_trinh" not in yaml.safe_load(campaign.source)["documents"]


def test_a_save_over_a_newer_version_is_refused_and_nothing_is_lost() -> None:
    client = login(Role.SO_STAFF)
    campaign = imported(client, "gialai-2023")
    url = f"/dot-danh-gia/{campaign.pk}/sua/signer/"
    stale = form_values(page(client, url))
    post_form(client, url, {"name": "Người Thứ Nhất"})
    stale["name"] = "Người Thứ Hai"
    response = client.post(url, stale, follow=True)
    assert "vừa được lưu thành phiên bản 2" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.version == 2 and "Người Thứ Nhất" in campaign.source


def test_demo_loads_the_four_examples_once() -> None:
    from web.accounts.demo import load_demo_accounts

    agency_ = load_demo_accounts()
    loaded = load_demo_campaigns(agency_)
    assert sorted(c.slug for c in loaded) == sorted(EXAMPLES)
    assert all(
        c.source == EXAMPLES[c.slug].read_text(encoding="utf-8") and c.checked_version == 1 for c in loaded
    )
    assert load_demo_campaigns(agency_) and Campaign.objects.count() == 4
    client = Client()
    client.login(username="lanhdao.mau", password="mau-lanhdao-2026")
    listing = page(client, "/dot-danh-gia/")
    assert all(c.title in listing for c in loaded)
    assert Path(loaded[0].yaml_path).is_file()


def test_a_tier_of_three_hundred_units_is_edited_in_one_save() -> None:
    client = login(Role.SO_STAFF)
    campaign = imported(client, "phutho-2026")
    url = f"/dot-danh-gia/{campaign.pk}/nhap-don-vi/tiers/2/units/"
    rows = "mã;tên;cấp trên\n" + "".join(f"xa-{n};UBND xã Số {n};\n" for n in range(300))
    client.post(url, {"file": SimpleUploadedFile("xa.csv", rows.encode(), "text/csv"), "mode": "replace"})
    response = post_form(
        client, f"/dot-danh-gia/{campaign.pk}/sua/tiers/2/units/", {"units-299-name": "UBND phường Cuối"}
    )
    assert "Đã lưu phiên bản 3" in response.content.decode()
    campaign.refresh_from_db()
    units = yaml.safe_load(campaign.source)["tiers"][1]["units"]
    assert len(units) == 300 and units[-1] == {"name": "UBND phường Cuối", "id": "xa-299"}


def test_rows_shown_without_forms_are_the_formsets_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """A page's compact tables are written without a form per row when nothing was posted; what a browser gets,
    and so posts back, is what the formset's own forms would have written, for editors and readers alike."""
    import re

    from web.campaigns import pages
    from web.campaigns.schema import sections

    editor = login(Role.SO_STAFF)
    reader = login(Role.SO_LEADER)
    campaign = imported(editor, "phutho-2026")
    page(editor, f"/dot-danh-gia/{campaign.pk}/")  # the import's message, shown once
    data = yaml.safe_load(campaign.source)
    urls = [f"/dot-danh-gia/{campaign.pk}/sua/{s.name}/" for s in sections()]
    urls += [f"/dot-danh-gia/{campaign.pk}/sua/tiers/{n + 1}/units/" for n in range(len(data["tiers"]))]

    def shown(client: Client, url: str) -> str:
        text = page(client, url)
        return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]*"', r'\1""', text)

    lite = {(who, url): shown(c, url) for who, c in (("editor", editor), ("reader", reader)) for url in urls}
    monkeypatch.setattr(pages, "_lite_forms", lambda e: list(e.formset.forms))
    compared = 0
    for (who, url), text in lite.items():
        assert text == shown(editor if who == "editor" else reader, url), (who, url)
        compared += text.count("<tr data-row")
    assert compared >= 2 * sum(len(t["units"]) for t in data["tiers"])  # the tiers' units among them


# --------------------------------------------------------------------------- a new campaign's address


def test_a_new_campaigns_slug_is_short_readable_and_cut_between_words() -> None:
    """From the locality and the year («phu-tho-2025»), else the uploaded file's name, else the first whole words
    of the name; unique in the agency with a suffix; never longer than 50; an existing campaign keeps its own."""
    from web.campaigns.services import SLUG_MAX, save_source, slug_base, unique_slug

    client = login(Role.SO_STAFF)
    first = imported(client, "phutho-2026")
    assert first.slug == "phu-tho-2025"  # the file's issuer.place and campaign.year
    assert imported(client, "phutho-2026").slug == "phu-tho-2025-2"
    assert imported(client, "brvt-2024").slug == "ba-ria-vung-tau-2024"  # «UBND tỉnh …» when no place
    # Another agency may use the same address.
    assert imported(login(Role.SO_STAFF, code="khac"), "phutho-2026").slug == "phu-tho-2025"

    # A file that names no locality: the uploaded file's name.
    source = EXAMPLES["gialai-2023"].read_text(encoding="utf-8")
    bare = source.replace("  parent: UBND tỉnh Gia Lai\n", "").replace("  place: Gia Lai\n", "")
    assert bare != source
    response = client.post(
        "/dot-danh-gia/tao-moi/",
        {"cach": "nhap", "file": SimpleUploadedFile("Hồ sơ DTI Gia Lai.yaml", bare.encode(), "x")},
    )
    assert response.status_code == 302
    assert Campaign.objects.latest("pk").slug == "ho-so-dti-gia-lai"

    # Created from scratch: the agency's province and the year asked.
    client.post(
        "/dot-danh-gia/tao-moi/",
        {"cach": "tu_dau", "name": "đánh giá chuyển đổi số năm 2026", "year": "2026"},
    )
    assert Campaign.objects.latest("pk").slug == "phu-tho-2026"

    # Nothing but a long name: whole words only, the year kept, within the limit.
    title = "đánh giá, xếp hạng mức độ chuyển đổi số trong các cơ quan nhà nước tỉnh Phú Thọ năm 2025"
    words = set(
        "danh-gia-xep-hang-muc-do-chuyen-doi-so-trong-cac-co-quan-nha-nuoc-tinh-phu-tho-nam".split("-")
    )
    nameless = Campaign(agency=agency(), title=title, year=2025, source="campaign: {}\n")
    base = slug_base(nameless)
    assert len(base) <= SLUG_MAX and base.endswith("-2025") and base.startswith("danh-gia-xep-hang")
    assert set(base.removesuffix("-2025").split("-")) <= words
    long = "-".join(["chuyen-doi-so"] * 6)
    for n in range(1, 12):
        slug = unique_slug(agency().pk, long)
        head, _, suffix = slug.rpartition("-") if n > 1 else (slug, "", "")
        assert len(slug) <= SLUG_MAX and set(head.split("-")) == {"chuyen", "doi", "so"}  # whole words
        assert suffix == (str(n) if n > 1 else "")
        Campaign.objects.create(agency=agency(), slug=slug, title=f"Đợt {n}", year=2025, source="")
    assert Campaign.objects.filter(slug__endswith="-11").count() == 1

    # A campaign that has an address keeps it when a new version is saved.
    old = Campaign.objects.create(
        agency=agency(),
        slug="danh-gia-xep-hang-muc-do-chuyen-doi-so-trong-cac-co-quan-nha-nuoc-tinh",
        title="Cũ",
        year=2025,
        source=source,
    )
    save_source(old, source.replace("year: 2023", "year: 2024"), action="sua_yaml", reason="Sửa năm")
    old.refresh_from_db()
    assert (
        old.slug == "danh-gia-xep-hang-muc-do-chuyen-doi-so-trong-cac-co-quan-nha-nuoc-tinh"
        and old.version == 2
    )

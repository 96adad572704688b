"""Evidence checks through the pages: the demo's sample evidence uploaded per unit and as an all-units ZIP, verified
as a job, the report page against `vanban verify` on the same files, filters, downloads, the resubmission
letter, the policy editor, refused uploads, failed runs and who may do what."""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from letters.usecases.evidence import VerifyRequest, verdict_kinds, verify_evidence
from signing.demo.pki import DemoPKI
from signing.demo.sample import build_sample_evidence, sample_policy_path
from tests.conftest import EXAMPLES
from tests.pki_fixtures import demo_pki, pki_server  # noqa: F401
from web.accounts.models import Agency, Profile, Role, Unit
from web.audit.models import AuditEvent
from web.campaigns.models import Campaign
from web.evidence.models import EvidencePolicy, EvidenceUpload, ResubmissionLetter, VerificationRun
from web.jobs.models import JobStatus
from web.jobs.runner import run_pending

pytestmark = pytest.mark.django_db

SAMPLE_UNITS = ("UBND huyện Yên Thế", "Sở Y tế", "Sở Giáo dục và Đào tạo", "UBND huyện Lục Nam")


def make_user(username: str, role: Role, agency: Agency, unit: Unit | None = None) -> Any:
    user = get_user_model().objects.create_user(username, password="mat-khau-dai-2026")
    Profile.objects.create(user=user, agency=agency, role=role, unit=unit, must_change_password=False)
    return user


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def files_dir(settings: Any, tmp_path: Path) -> Path:
    """Each test's own files folder: database rows are rolled back between tests, files would not be."""
    settings.FILES_DIR = tmp_path / "files"
    return settings.FILES_DIR


@pytest.fixture()
def agency() -> Agency:
    return Agency.objects.create(code="stttt-bg", name="Sở Thông tin và Truyền thông", abbreviation="STTTT")


@pytest.fixture()
def campaign(agency: Agency) -> Campaign:
    source = (EXAMPLES / "bacgiang-2023.yaml").read_text(encoding="utf-8")
    campaign = Campaign.objects.create(
        agency=agency, slug="bacgiang-2023", title="Đánh giá DTI năm 2023", year=2023, source=source
    )
    campaign.write_yaml()
    return campaign


@pytest.fixture()
def staff(agency: Agency) -> Any:
    return make_user("chuyenvien", Role.SO_STAFF, agency)


@pytest.fixture()
def verify_in_one_worker(settings: Any) -> None:
    settings.VANBAN_VERIFY_JOBS = 1


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _upload(client: Client, campaign: Campaign, unit: str, files: list[tuple[str, bytes]]) -> Any:
    return client.post(
        f"/minh-chung/{campaign.pk}/tai-len/",
        {"unit": unit, "files": [SimpleUploadedFile(name, data) for name, data in files]},
    )


def _unit_key(name: str) -> str:
    from letters.core.vn import slugify

    return slugify(name)


def _verdicts(results: list[Any]) -> dict[tuple[str, str], tuple[str, str | None, bool]]:
    """(unit, file name) -> (indication, sub-indication, accepted); the file's folders differ between runs."""
    found = {}
    for r in results:
        unit = r["unit"] if isinstance(r, dict) else r.unit
        file = r["file"] if isinstance(r, dict) else r.file
        key = (unit, file.rsplit("/", 1)[-1])
        assert key not in found, key
        if isinstance(r, dict):
            found[key] = (r["indication"], r["sub_indication"], r["accepted"])
        else:
            found[key] = (r.indication, r.sub_indication, r.accepted)
    return found


def _rows(page: str) -> list[list[str]]:
    """The cells of the files table, as text."""
    table = re.search(r'<table class="files">(.*?)</table>', page, re.S)
    assert table is not None
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S)[1:]:
        cells = [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        rows.append(cells)
    return rows


@pytest.fixture()
def sample(pki_server: DemoPKI, tmp_path: Path) -> tuple[Path, Path]:  # noqa: F811
    evidence = build_sample_evidence(tmp_path / "kiem_tra", pki_server)
    return evidence, sample_policy_path(evidence)


def _set_policy(client: Client, campaign: Campaign, pki: DemoPKI, policy_path: Path) -> None:
    """The sample policy, with its certificate and CRLs uploaded beside it through the policy page."""
    folder = policy_path.parent
    for name, data in (
        ("goc-mau.crt", Path(pki.root_path).read_bytes()),
        ("ca.crl", (folder / "ca.crl").read_bytes()),
        ("root.crl", (folder / "root.crl").read_bytes()),
    ):
        page = client.post(
            f"/minh-chung/{campaign.pk}/chinh-sach/tep/", {"file": SimpleUploadedFile(name, data)}
        )
        assert page.status_code == 302, page.content.decode()
    policy = yaml.safe_load(policy_path.read_text(encoding="utf-8"))
    policy["trust_anchors"] = ["goc-mau.crt"]
    text = yaml.safe_dump(policy, allow_unicode=True, sort_keys=False)
    page = client.post(f"/minh-chung/{campaign.pk}/chinh-sach/", {"text": text})
    assert page.status_code == 302, page.content.decode()


def test_sample_evidence_report_matches_vanban_verify(
    sample: tuple[Path, Path],
    pki_server: DemoPKI,  # noqa: F811
    campaign: Campaign,
    staff: Any,
    agency: Agency,
    tmp_path: Path,
    verify_in_one_worker: None,
) -> None:
    evidence, policy_path = sample
    client = client_for(staff)
    _set_policy(client, campaign, pki_server, policy_path)

    # One unit's PDFs one by one, one unit's ZIP, and the other two units as one all-units ZIP.
    yen_the = evidence / "UBND huyện Yên Thế"
    page = _upload(
        client,
        campaign,
        _unit_key("UBND huyện Yên Thế"),
        [(p.name, p.read_bytes()) for p in sorted(yen_the.iterdir())],
    )
    assert page.status_code == 302, page.content.decode()
    luc_nam = evidence / "UBND huyện Lục Nam.zip"
    assert (
        _upload(
            client, campaign, _unit_key("UBND huyện Lục Nam"), [(luc_nam.name, luc_nam.read_bytes())]
        ).status_code
        == 302
    )
    both = _zip(
        {
            f"{unit}/{p.name}": p.read_bytes()
            for unit in ("Sở Y tế", "Sở Giáo dục và Đào tạo")
            for p in sorted((evidence / unit).iterdir())
        }
    )
    assert _upload(client, campaign, "__tat_ca__", [("cac-so.zip", both)]).status_code == 302

    # Stored byte for byte, with their SHA-256.
    uploads = list(EvidenceUpload.objects.filter(campaign=campaign))
    assert len(uploads) == 5
    for up in uploads:
        assert up.path.is_file() and up.size == up.path.stat().st_size
        assert hashlib.sha256(up.path.read_bytes()).hexdigest() == up.sha256
    assert (yen_the / "01_bao_cao_tu_danh_gia.pdf").read_bytes() == next(
        u for u in uploads if u.original_name == "01_bao_cao_tu_danh_gia.pdf"
    ).path.read_bytes()

    page = client.post(f"/minh-chung/{campaign.pk}/kiem-tra/")
    assert page.status_code == 302
    run = VerificationRun.objects.get(campaign=campaign)
    assert page["Location"] == f"/minh-chung/{campaign.pk}/lan/1/"
    waiting = client.get(page["Location"]).content.decode()
    assert 'id="run-status"' in waiting and "Trang tự cập nhật khi kiểm tra xong" in waiting
    assert "HX-Refresh" not in client.get(f"/minh-chung/{campaign.pk}/lan/1/trang-thai/")
    assert run_pending() == 1
    run.refresh_from_db()
    assert run.status == JobStatus.DONE, run.error
    assert run.job is not None and run.job.total == run.total_files == 10
    assert client.get(f"/minh-chung/{campaign.pk}/lan/1/trang-thai/")["HX-Refresh"] == "true"

    # The same verdicts as `vanban verify` (the use case) on the sample folder with the sample policy.
    cli = verify_evidence(
        VerifyRequest(paths=(evidence,), out_dir=tmp_path / "cli", policy=policy_path, jobs=0)
    )
    expected = _verdicts(cli.run.results)
    assert {unit for unit, _ in expected} == set(SAMPLE_UNITS)
    written = json.loads((run.report_dir / "report.json").read_text(encoding="utf-8"))
    assert _verdicts(written) == expected
    assert {k for k, (_, _, ok) in expected.items() if not ok}  # some files must be sent again

    report = client.get(f"/minh-chung/{campaign.pk}/lan/1/")
    page_html = report.content.decode()
    assert report.status_code == 200
    labels = {k.code: k.label for k in verdict_kinds()}
    by_name = {(r["unit"], r["file"].rsplit("/", 1)[-1]): r for r in written}
    rows = _rows(page_html)
    assert len(rows) == len(expected) == 10
    for unit, name, verdict, reason, action in rows:
        r = by_name[(unit, name)]
        assert (reason, action) == (r["message"], r["action"] or "")
        kind = (
            "TOTAL_PASSED_FLAGGED" if r["indication"] == "TOTAL_PASSED" and r["caveats"] else r["indication"]
        )
        assert verdict == labels[kind]
    for unit in SAMPLE_UNITS:
        assert unit in page_html
    assert (
        "Tổng hợp theo đơn vị" in page_html and page_html.count('<tr class="shade-bad">') == 4
    )  # every unit has a file to resend

    # Filters by unit and by verdict, as a whole page and as the htmx fragment.
    only = client.get(f"/minh-chung/{campaign.pk}/lan/1/", {"don_vi": "Sở Y tế"})
    assert {row[0] for row in _rows(only.content.decode())} == {"Sở Y tế"}
    fragment = client.get(
        f"/minh-chung/{campaign.pk}/lan/1/",
        {"ket_qua": "TOTAL_FAILED"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="files",
    )
    body = fragment.content.decode()
    assert body.lstrip().startswith('<div id="files">') and "<html" not in body
    assert '<option value="TOTAL_FAILED" selected>' in body  # the filters come back as chosen
    failed = {(u, n) for (u, n), (ind, _, _) in expected.items() if ind == "TOTAL_FAILED"}
    assert {(row[0], row[1]) for row in _rows(body)} == failed
    resubmit = client.get(f"/minh-chung/{campaign.pk}/lan/1/", {"ket_qua": "can_nop_lai"})
    assert {(row[0], row[1]) for row in _rows(resubmit.content.decode())} == {
        k for k, (_, _, ok) in expected.items() if not ok
    }

    # A file's detail: its signatures with signer, organisation, CA, times, coverage, changes, revocation.
    row = run.files.get(file__endswith="01_bao_cao_tu_danh_gia.pdf", unit="UBND huyện Yên Thế")
    detail = client.get(f"/minh-chung/{campaign.pk}/lan/1/tep/{row.pk}/").content.decode()
    for label in (
        "Người ký",
        "Tổ chức chứng thực cấp",
        "Thời điểm ký (khai báo)",
        "Phạm vi được ký",
        "Thay đổi sau khi ký",
    ):
        assert label in detail
    assert detail.count("<h3>Chữ ký") == 2  # the director's and the agency's

    # Downloads are the files the use case wrote, byte for byte.
    for name in ("report.html", "report.csv", "report.json"):
        response = client.get(f"/minh-chung/{campaign.pk}/lan/1/tai-ve/{name}")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == (run.report_dir / name).read_bytes()
        assert response["Content-Disposition"].startswith("attachment")
    assert client.get(f"/minh-chung/{campaign.pk}/lan/1/tai-ve/resubmission.json").status_code == 404

    # The resubmission letter in one click; a second click is a new version, the first one unchanged.
    assert (
        client.post(f"/minh-chung/{campaign.pk}/lan/1/cong-van/", {"deadline": "2023-11-10"}).status_code
        == 302
    )
    first = ResubmissionLetter.objects.get(run=run, version=1)
    first_bytes = first.path.read_bytes()
    assert client.post(f"/minh-chung/{campaign.pk}/lan/1/cong-van/", {"deadline": ""}).status_code == 302
    second = ResubmissionLetter.objects.get(run=run, version=2)
    assert second.path != first.path and first.path.read_bytes() == first_bytes
    download = client.get(f"/minh-chung/{campaign.pk}/lan/1/cong-van/1/")
    assert b"".join(download.streaming_content) == first_bytes
    from tests.docx_read import body_text

    text = body_text(first.path)
    assert "chậm nhất ngày 10/11/2023" in text
    for unit, name in {k for k, (_, _, ok) in expected.items() if not ok}:
        assert name in text and unit in text
    assert "Phiên bản 2 (DOCX)" in client.get(f"/minh-chung/{campaign.pk}/lan/1/").content.decode()

    # Verifying again keeps the first run.
    client.post(f"/minh-chung/{campaign.pk}/kiem-tra/")
    assert run_pending() == 1
    assert list(VerificationRun.objects.filter(campaign=campaign).values_list("number", "status")) == [
        (2, "done"),
        (1, "done"),
    ]
    assert (run.report_dir / "report.json").is_file() and run.files.count() == 10

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "tai_len_minh_chung",
        "tai_len_tep_chinh_sach",
        "sua_chinh_sach_kiem_tra",
        "kiem_tra_minh_chung",
        "xem_bao_cao_kiem_tra",
        "xem_chi_tiet_kiem_tra",
        "tai_ve_bao_cao_kiem_tra",
        "tao_cong_van_nop_lai",
        "tai_ve_cong_van_nop_lai",
    } <= actions


def _upload_folder(campaign: Campaign) -> Path:
    return campaign.folder / "minh-chung" / "tai-len"


def _files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_refused_uploads_say_why_and_keep_nothing(campaign: Campaign, staff: Any, settings: Any) -> None:
    client = client_for(staff)
    unit = _unit_key("Sở Y tế")
    cases = [
        ([("bao-cao.pdf", b"Day khong phai PDF, chi la van ban.\n")], "không phải PDF hay ZIP"),
        (
            [("bao-cao.pdf", _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"}))],
            "tài liệu Word",
        ),
        ([("mau.pdf", b"%PDF-1.7\n" + b"0" * 100), ("script.pdf", b"#!/bin/sh\nrm -rf /\n")], "«script.pdf»"),
        ([("rong.pdf", b"")], "rỗng"),
    ]
    for files, message in cases:
        page = _upload(client, campaign, unit, files)
        assert page.status_code == 400
        assert message in page.content.decode()
    page = _upload(client, campaign, "__tat_ca__", [("a.pdf", b"%PDF-1.7\n")])
    assert page.status_code == 400 and "khi chọn «Tất cả đơn vị», chỉ nhận tệp ZIP" in page.content.decode()
    page = _upload(client, campaign, "don-vi-la", [("a.pdf", b"%PDF-1.7\n")])
    assert page.status_code == 400 and "Đơn vị không có trong đợt này." in page.content.decode()

    settings.VANBAN_MAX_UPLOAD_MB = 1
    big = b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 10)
    page = _upload(client, campaign, unit, [("lon.pdf", big)])
    assert page.status_code == 400 and "vượt giới hạn 1 MB" in page.content.decode()

    assert not EvidenceUpload.objects.exists()
    assert _files_in(_upload_folder(campaign)) == []
    assert not AuditEvent.objects.filter(action="tai_len_minh_chung").exists()

    # A run without files is refused with a message, and makes no run.
    page = client.post(f"/minh-chung/{campaign.pk}/kiem-tra/", follow=True)
    assert "Chưa có tệp minh chứng nào để kiểm tra" in page.content.decode()
    assert not VerificationRun.objects.exists()


def test_an_uncompressed_zip_holding_a_pdf_is_taken_as_a_zip(campaign: Campaign, staff: Any) -> None:
    """An archive stored without compression whose first member is a PDF has "%PDF-" in its first bytes; it is
    still a ZIP, for one unit and for all units alike."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("Sở Y tế/bao-cao.pdf", b"%PDF-1.7\n" + b"0" * 200 + b"\n%%EOF\n")
    data = buffer.getvalue()
    assert data.startswith(b"PK\x03\x04") and b"%PDF-" in data[:1024]
    client = client_for(staff)
    page = _upload(client, campaign, "__tat_ca__", [("cac-don-vi.zip", data)])
    assert page.status_code == 302, page.content.decode()
    page = _upload(client, campaign, _unit_key("Sở Y tế"), [("so-y-te.pdf", data)])
    assert page.status_code == 302, page.content.decode()
    rows = list(EvidenceUpload.objects.order_by("pk").values_list("kind", "original_name"))
    assert rows == [("zip", "cac-don-vi.zip"), ("zip", "so-y-te.pdf.zip")]


def _uploads_rows(page: str) -> list[list[str]]:
    table = re.search(r'<table class="uploads">(.*?)</table>', page, re.S)
    assert table is not None
    rows = [
        [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)
    ]
    return [r for r in rows if r]  # the head row has no cells


def test_the_upload_page_of_a_thousand_files_counts_them_per_unit_and_lists_one_page(
    campaign: Campaign, staff: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from web.evidence.services import units_of

    units = [u.name for u in units_of(campaign)]

    def add(start: int, count: int) -> None:
        EvidenceUpload.objects.bulk_create(
            EvidenceUpload(
                agency=campaign.agency,
                campaign=campaign,
                unit_name=units[i % len(units)],
                kind="pdf",
                original_name=f"minh-chung-{i:04d}.pdf",
                stored_path=f"khong-co/{i:04d}.pdf",
                size=1024,
                sha256=f"{i:064x}",
                uploaded_by=staff,
            )
            for i in range(start, start + count)
        )

    client = client_for(staff)
    url = f"/minh-chung/{campaign.pk}/"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    add(0, 10)
    few = queries()
    add(10, 990)
    assert queries() == few  # grouped and paged: the same queries whatever the number of files
    page = client.get(url).content.decode()
    assert "Tệp đã tải lên (1000)" in page
    rows = _uploads_rows(page)
    assert len(rows) == 100 and "Trang 1/10" in page
    summary = re.search(r'<table class="summary" id="upload-summary">(.*?)</table>', page, re.S)
    assert summary is not None
    counted = {
        html.unescape(re.sub(r"<[^>]+>", "", cells[0])): int(cells[1])
        for cells in (
            re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)
            for r in re.findall(r"<tr[^>]*>(.*?)</tr>", summary.group(1), re.S)
        )
        if cells
    }
    assert counted == {u: sum(1 for i in range(1000) if units[i % len(units)] == u) for u in units}
    # One unit's files, as a whole page and as the htmx fragment; the next page.
    one = units[3]
    only = _uploads_rows(client.get(url, {"don_vi": one}).content.decode())
    assert len(only) == counted[one] and only[0][0] == one and all(r[0] == "" for r in only[1:])
    assert {r[1].split()[0] for r in only} == {
        f"minh-chung-{i:04d}.pdf" for i in range(1000) if units[i % len(units)] == one
    }
    fragment = client.get(
        url, {"trang": 2}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="uploads"
    ).content.decode()
    assert fragment.lstrip().startswith('<div id="uploads">') and "<html" not in fragment
    assert len(_uploads_rows(fragment)) == 100 and "Trang 2/10" in fragment


def test_same_name_replaces_the_earlier_file_for_later_runs_only(campaign: Campaign, staff: Any) -> None:
    client = client_for(staff)
    unit = _unit_key("Sở Y tế")
    assert _upload(client, campaign, unit, [("bao-cao.pdf", b"%PDF-1.7\nthu nhat\n")]).status_code == 302
    assert _upload(client, campaign, unit, [("Bao-cao.PDF", b"%PDF-1.7\nthu hai\n")]).status_code == 302
    first, second = EvidenceUpload.objects.order_by("pk")
    assert (first.active, second.active, first.replaced_by_id) == (False, True, second.pk)
    assert first.path.read_bytes() == b"%PDF-1.7\nthu nhat\n"  # never rewritten
    assert second.original_name == "Bao-cao.PDF"


def test_policy_errors_are_shown_beside_the_field_with_their_line(campaign: Campaign, staff: Any) -> None:
    client = client_for(staff)
    url = f"/minh-chung/{campaign.pk}/chinh-sach/"
    page = client.post(url, {"text": "name: Thử\nsha1: maybe\n"})
    text = page.content.decode()
    assert page.status_code == 400
    assert 'id="policy-errors"' in text and "Dòng 2 (trường «sha1»)" in text and "reject, accept" in text
    page = client.post(url, {"text": "name: Thử\ntrust_anchors:\n  - /etc/ssl/certs/ca-certificates.crt\n"})
    assert (
        "Dòng 3" in page.content.decode()
        and "không nằm trong các tệp tải lên cùng chính sách" in page.content.decode()
    )
    page = client.post(url, {"text": "name: Thử\ntrust_anchors:\n  - chua-tai-len.crt\n"})
    assert "không tìm thấy tệp chứng thư" in page.content.decode()
    assert not EvidencePolicy.objects.exists()
    # A file that is not a certificate or a CRL is refused before it is kept.
    page = client.post(url + "tep/", {"file": SimpleUploadedFile("goc.crt", b"<script>alert(1)</script>")})
    assert (
        page.status_code == 400 and "không phải chứng thư số hay danh sách thu hồi" in page.content.decode()
    )
    # The commented template is valid as it is; an empty text means the default policy.
    from letters.usecases.evidence import policy_template_text

    assert client.post(url, {"text": policy_template_text()}).status_code == 302
    assert EvidencePolicy.objects.get(campaign=campaign).text == policy_template_text()
    assert client.post(url, {"text": ""}).status_code == 302
    assert "Chính sách mặc định" in client.get(f"/minh-chung/{campaign.pk}/").content.decode()


def test_the_report_names_the_policy_the_run_applied(campaign: Campaign, staff: Any, settings: Any) -> None:
    settings.VANBAN_VERIFY_JOBS = 0
    client = client_for(staff)
    _upload(client, campaign, _unit_key("Sở Y tế"), [("khong-ky.pdf", b"%PDF-1.4\n%%EOF\n")])

    def applied(number: int) -> str:
        page = client.get(f"/minh-chung/{campaign.pk}/lan/{number}/").content.decode()
        found = re.search(r'<strong id="chinh-sach-ap-dung">(.*?)</strong>', page)
        assert found is not None
        return html.unescape(found.group(1))

    client.post(f"/minh-chung/{campaign.pk}/kiem-tra/")
    run_pending()
    assert applied(1) == "Chính sách mặc định"
    # A saved policy without a name is not the default one, whatever the verifier calls it.
    assert (
        client.post(f"/minh-chung/{campaign.pk}/chinh-sach/", {"text": "sha1: reject\n"}).status_code == 302
    )
    assert (
        "Chính sách riêng của đợt đánh giá (chưa đặt tên)"
        in client.get(f"/minh-chung/{campaign.pk}/").content.decode()
    )
    client.post(f"/minh-chung/{campaign.pk}/kiem-tra/")
    run_pending()
    assert VerificationRun.objects.get(number=2).status == JobStatus.DONE
    assert applied(2) == "Chính sách riêng của đợt đánh giá (chưa đặt tên)"
    text = "name: Kiểm tra chặt năm 2023\nsha1: reject\n"
    assert client.post(f"/minh-chung/{campaign.pk}/chinh-sach/", {"text": text}).status_code == 302
    client.post(f"/minh-chung/{campaign.pk}/kiem-tra/")
    run_pending()
    assert applied(3) == "Kiểm tra chặt năm 2023"
    assert applied(1) == "Chính sách mặc định"  # each run keeps the policy it applied


def test_a_failed_run_says_why_and_leaves_the_earlier_run(
    campaign: Campaign, staff: Any, settings: Any
) -> None:
    settings.VANBAN_VERIFY_JOBS = 0
    client = client_for(staff)
    _upload(client, campaign, _unit_key("Sở Y tế"), [("khong-ky.pdf", b"%PDF-1.4\n%%EOF\n")])
    client.post(f"/minh-chung/{campaign.pk}/kiem-tra/")
    run_pending()
    good = VerificationRun.objects.get(number=1)
    assert good.status == JobStatus.DONE and good.total_files == 1
    # A "CRL" that is not one: the policy names an existing file, but verification cannot read it.
    page = client.post(
        f"/minh-chung/{campaign.pk}/chinh-sach/tep/",
        {"file": SimpleUploadedFile("hong.crl", b"\x30\x03\x02\x01\x00")},
    )
    assert page.status_code == 302
    text = "name: Hỏng\nrevocation:\n  crl_files: [hong.crl]\n"
    assert client.post(f"/minh-chung/{campaign.pk}/chinh-sach/", {"text": text}).status_code == 302
    client.post(f"/minh-chung/{campaign.pk}/kiem-tra/")
    run_pending()
    bad = VerificationRun.objects.get(number=2)
    assert bad.status == JobStatus.FAILED and "không phải dữ liệu CRL" in bad.error
    page = client.get(f"/minh-chung/{campaign.pk}/lan/2/").content.decode()
    assert "Lần kiểm tra này không thành công" in page and "không phải dữ liệu CRL" in page
    assert str(campaign.folder) not in page  # the data folder's layout is not shown
    assert not (bad.report_dir).exists() and not bad.files.exists()
    assert client.get(f"/minh-chung/{campaign.pk}/lan/1/").status_code == 200
    assert (good.report_dir / "report.json").is_file() and good.files.count() == 1


def test_who_may_see_and_do_what(campaign: Campaign, staff: Any, agency: Agency, settings: Any) -> None:
    settings.VANBAN_VERIFY_JOBS = 0
    client = client_for(staff)
    _upload(client, campaign, _unit_key("Sở Y tế"), [("khong-ky.pdf", b"%PDF-1.4\n%%EOF\n")])
    client.post(f"/minh-chung/{campaign.pk}/kiem-tra/")
    run_pending()
    upload = EvidenceUpload.objects.get()
    base = f"/minh-chung/{campaign.pk}"
    reads = [
        f"{base}/",
        f"{base}/chinh-sach/",
        f"{base}/lan/1/",
        f"{base}/lan/1/tai-ve/report.csv",
        f"{base}/tep/{upload.pk}/",
    ]
    writes = [f"{base}/tai-len/", f"{base}/kiem-tra/", f"{base}/chinh-sach/", f"{base}/lan/1/cong-van/"]

    leader = make_user("lanhdao", Role.SO_LEADER, agency)
    clerk = make_user("vanthu", Role.CLERK, agency)
    unit = Unit.objects.create(agency=agency, code="so-y-te", name="Sở Y tế")
    unit_staff = make_user("donvi", Role.UNIT_STAFF, agency, unit)
    other_agency = Agency.objects.create(code="khac", name="Sở khác", abbreviation="SK")
    outsider = make_user("ngoai", Role.SO_STAFF, other_agency)

    for user in (staff, leader, clerk):
        c = client_for(user)
        for url in reads:
            assert c.get(url).status_code == 200, (user, url)
    assert client_for(leader).post(f"{base}/kiem-tra/").status_code == 302
    c = client_for(clerk)
    for url in writes:
        assert c.post(url).status_code == 403, url
    c = client_for(unit_staff)
    for url in reads:
        assert c.get(url).status_code == 403, url
    c = client_for(outsider)
    for url in reads:
        assert c.get(url).status_code == 404, url
    for url in writes:
        assert c.post(url).status_code == 404, url
    assert Client().get(reads[0]).status_code == 302  # to the login page


def test_the_quan_tri_manages_the_agencys_trusted_roots(
    agency: Agency,
    demo_pki: DemoPKI,  # noqa: F811
) -> None:
    from letters.usecases.evidence import list_trusted_certificates
    from web.evidence.storage import trust_store_dir

    admin = make_user("quantri", Role.ADMIN, agency)
    client = client_for(admin)
    url = "/minh-chung/tin-cay/"
    page = client.get(url).content.decode()
    assert "Kho đang trống" in page
    root = Path(demo_pki.root_path).read_bytes()
    fingerprint = hashlib.sha256(demo_pki.root_cert.public_bytes(_der())).hexdigest().upper()

    def add(name: str, data: bytes, sha256: str = "") -> Any:
        return client.post(url + "them/", {"file": SimpleUploadedFile(name, data), "sha256": sha256})

    def errors(response: Any, field: str) -> str:
        found = re.search(
            rf'<div class="error" role="alert" id="{field}-errors">(.*?)</div>',
            response.content.decode(),
            re.S,
        )
        assert found is not None, response.content.decode()
        return html.unescape(found.group(1))

    # Refused, each with the reason beside its field, and nothing kept.
    refused = add("goc-mau.pem", root)
    assert refused.status_code == 400
    assert "không thuộc các chứng thư gốc của Việt Nam đã ghim sẵn" in errors(refused, "sha256")
    assert fingerprint in errors(refused, "sha256")  # shown to be compared with the CA's published one
    wrong = add("goc-mau.pem", root, "AB" * 32)
    assert wrong.status_code == 400 and "không khớp với giá trị đã khai" in errors(wrong, "sha256")
    short = add("goc-mau.pem", root, "1234")
    assert short.status_code == 400 and "64 chữ số hệ mười sáu" in errors(short, "sha256")
    page = add("goc.crt", b"<script>alert(1)</script>", fingerprint)
    assert page.status_code == 400 and "không phải chứng thư số (dạng PEM hoặc DER)" in errors(page, "file")
    page = add("goc.txt", root, fingerprint)
    assert page.status_code == 400 and "chỉ nhận tệp .cer, .crt hoặc .pem" in errors(page, "file")
    page = add("goc.cer", b"\x30\x03\x02\x01\x00", fingerprint)
    assert page.status_code == 400 and "không chứa chứng thư số" in errors(page, "file")
    assert str(trust_store_dir(agency.pk)) not in page.content.decode()
    assert list_trusted_certificates(trust_store_dir(agency.pk))[1] == []

    # Added with the fingerprint checked out of band (colons allowed): listed with subject, validity, fingerprint.
    colons = ":".join(fingerprint[i : i + 2] for i in range(0, 64, 2))
    assert add("goc-mau.pem", root, colons.lower()).status_code == 302
    stored = list_trusted_certificates(trust_store_dir(agency.pk))[1]
    assert [c.sha256 for c in stored] == [fingerprint] and stored[0].subject == "Root CA vanban MẪU"
    page = client.get(url).content.decode()
    cert = demo_pki.root_cert
    validity = (
        f"từ {cert.not_valid_before_utc.astimezone(_vn()).strftime('%d/%m/%Y')} "
        f"đến {cert.not_valid_after_utc.astimezone(_vn()).strftime('%d/%m/%Y')}"
    )
    assert "Root CA vanban MẪU" in page and fingerprint in page and validity in page

    # Another agency's quản trị sees their own (empty) store and cannot remove this one's root.
    other = Agency.objects.create(code="khac", name="Sở khác", abbreviation="SK")
    outsider = client_for(make_user("quantri-khac", Role.ADMIN, other))
    assert fingerprint not in outsider.get(url).content.decode()
    outsider.post(f"{url}{fingerprint}/xoa/")
    assert len(list_trusted_certificates(trust_store_dir(agency.pk))[1]) == 1

    # Nobody else reaches the page.
    for role in (Role.SO_STAFF, Role.SO_LEADER, Role.CLERK, Role.UNIT_STAFF, Role.APPRAISER):
        c = client_for(make_user(f"u-{role.value}", role, agency))
        assert c.get(url).status_code == 403, role
        assert c.post(url + "them/", {"sha256": fingerprint}).status_code == 403, role
        assert c.post(f"{url}{fingerprint}/xoa/").status_code == 403, role
    assert Client().get(url).status_code == 302

    # Removed, and audited both ways.
    assert client.post(f"{url}{fingerprint}/xoa/").status_code == 302
    assert list_trusted_certificates(trust_store_dir(agency.pk))[1] == []
    assert "Kho đang trống" in client.get(url).content.decode()
    added = AuditEvent.objects.get(action="nhap_chung_thu_tin_cay")
    removed = AuditEvent.objects.get(action="xoa_chung_thu_tin_cay")
    assert added.after["sha256"] == fingerprint and added.agency_id_value == agency.pk and added.user == admin
    assert removed.before == {"chung_thu": "Root CA vanban MẪU", "sha256": fingerprint}


def _der() -> Any:
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.DER


def _vn() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Ho_Chi_Minh")

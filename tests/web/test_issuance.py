"""Signing and issuance through the pages, with the demo PKI: the chuyên viên submits, the lãnh đạo approves,
signs the downloaded draft on "their own computer" (the signing use case) and uploads it, or signs on the
server with a key the quản trị configured; uploads signed by someone else, of a modified draft or of another
document are refused with the reason; the văn thư issues (number from the agency's register, date, seal,
attachments signed in the corner); a second issue is refused with the existing number; the issued PDF is
stored once, read-only, and both pyHanko and pdfsig validate it; and each role may do only its part."""

from __future__ import annotations

import io
import re
import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from letters.core.vn import vn_today
from letters.usecases.signing import (
    IssueDocumentRequest,
    Pkcs12Key,
    SignDocumentsRequest,
    issue_document,
    sign_documents,
    write_specimens,
)
from signing.demo.pki import DemoPKI
from tests.pki_fixtures import demo_pki, nss_db, pki_server  # noqa: F401
from tests.test_sign_support import assert_all_valid, pyhanko_verdicts
from tests.web.docs_support import (  # noqa: F401 - fixtures
    agency,
    campaign,
    client_for,
    fast_render,
    make_user,
    other_agency,
    own_files,
    people,
    rendered_once,
    stranger,
)
from web.accounts.models import Agency, Role
from web.audit.models import AuditEvent
from web.campaigns.models import Campaign
from web.documents.models import Document, DocumentKind, DocumentVersion
from web.issuance.models import (
    CheckStatus,
    Draft,
    DraftStatus,
    IssuanceSettings,
    IssuedDocument,
    SignedDraft,
    SigningKey,
)
from web.issuance.services import register_path
from web.jobs.models import Job, JobStatus
from web.jobs.runner import run_pending

pytestmark = pytest.mark.django_db

PASSWORD_ENV = "VANBAN_TEST_P12_PASSWORD"
DIRECTOR = "Nguyễn Gia Phong"


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def _text(response: Any) -> str:
    return response.content.decode()


@pytest.fixture()
def specimens(tmp_path: Path) -> dict[str, bytes]:
    signature, seal = write_specimens(tmp_path / "mau")
    return {"signature": signature.read_bytes(), "seal": seal.read_bytes()}


@pytest.fixture()
def configured(
    agency: Agency,
    people: dict[Role, Any],
    demo_pki: DemoPKI,  # noqa: F811
    specimens: dict[str, bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, SigningKey]:
    """The quản trị's part, through the configuration page: the agency's key, the director's key for signing on
    the server, the seal and the demo root as the trusted root."""
    monkeypatch.setenv(PASSWORD_ENV, demo_pki.password)
    admin = client_for(people[Role.ADMIN])
    response = admin.post(
        "/ban-hanh/cau-hinh/khoa/",
        {
            "name": "Sở Thông tin và Truyền thông (cơ quan)",
            "purpose": "agency",
            "kind": "pkcs12",
            "p12_file": SimpleUploadedFile("co-quan.p12", demo_pki.agency_p12.read_bytes()),
            "password_env": PASSWORD_ENV,
        },
    )
    assert response.status_code == 302, _text(response)
    response = admin.post(
        "/ban-hanh/cau-hinh/khoa/",
        {
            "name": "Phó Giám đốc Nguyễn Gia Phong",
            "purpose": "signer",
            "kind": "pkcs12",
            "owner": people[Role.SO_LEADER].pk,
            "p12_file": SimpleUploadedFile("giam-doc.p12", demo_pki.director_p12.read_bytes()),
            "password_env": PASSWORD_ENV,
            "image": SimpleUploadedFile("chu-ky.png", specimens["signature"]),
        },
    )
    assert response.status_code == 302, _text(response)
    agency_key = SigningKey.objects.get(purpose="agency")
    response = admin.post(
        "/ban-hanh/cau-hinh/luu/",
        {
            "agency_key": agency_key.pk,
            "seal": SimpleUploadedFile("con-dau.png", specimens["seal"]),
            "trust": SimpleUploadedFile("goc.pem", demo_pki.root_path.read_bytes()),
            "level": "B-B",
            "tsa_url": "",
        },
    )
    assert response.status_code == 302, _text(response)
    return {"agency": agency_key, "director": SigningKey.objects.get(purpose="signer")}


def _render(campaign: Campaign, staff: Client) -> DocumentVersion:
    assert staff.post(f"/van-ban/{campaign.pk}/tao/").status_code == 302
    run_pending()
    version = DocumentVersion.objects.get(campaign=campaign, number=1)
    assert version.ready, version.error
    return version


def _submitted(campaign: Campaign, people: dict[Role, Any], kind: str = DocumentKind.KE_HOACH) -> Draft:
    staff = client_for(people[Role.SO_STAFF])
    version = _render(campaign, staff)
    document = version.documents.get(kind=kind)
    response = staff.post(f"/ban-hanh/trinh/{document.pk}/", {"note": "Kính trình Phó Giám đốc"})
    draft = Draft.objects.get(document=document)
    assert response.status_code == 302 and response["Location"] == f"/ban-hanh/{draft.pk}/"
    assert draft.status == DraftStatus.SUBMITTED and draft.pdf_sha256 == document.pdf_sha256
    assert draft.signer_name == DIRECTOR
    return draft


def _approved(campaign: Campaign, people: dict[Role, Any], kind: str = DocumentKind.KE_HOACH) -> Draft:
    draft = _submitted(campaign, people, kind)
    leader = client_for(people[Role.SO_LEADER])
    assert leader.post(f"/ban-hanh/{draft.pk}/duyet/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == DraftStatus.APPROVED and draft.decided_by == people[Role.SO_LEADER]
    return draft


def _sign_at_home(pdf: bytes, p12: Path, password: str, tmp_path: Path, name: str = "ban-ky.pdf") -> bytes:
    """What the lãnh đạo does on their own computer: sign the downloaded draft (here with `vanban sign`'s use
    case and a PKCS#12 file standing in for the USB token)."""
    source, target = tmp_path / f"tai-ve-{name}", tmp_path / name
    source.write_bytes(pdf)
    sign_documents(SignDocumentsRequest(files=((source, target),), key=Pkcs12Key(p12, password)))
    return target.read_bytes()


def _upload(client: Client, draft: Draft, data: bytes, name: str = "ke-hoach.ky-duyet.pdf") -> SignedDraft:
    response = client.post(f"/ban-hanh/{draft.pk}/tai-len/", {"signed_file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302, _text(response)
    signed = SignedDraft.objects.filter(draft=draft).order_by("-id").first()
    assert signed is not None and signed.status == CheckStatus.CHECKING
    assert signed.path.read_bytes() == data  # stored byte for byte, before any check
    assert run_pending() == 1
    signed.refresh_from_db()
    return signed


def _issue(client: Client, draft: Draft, on: Any = None) -> Any:
    return client.post(f"/ban-hanh/{draft.pk}/cap-so/", {"issue_date": (on or vn_today()).isoformat()})


def test_upload_signed_on_the_leaders_computer_then_issue(
    campaign: Campaign,
    people: dict[Role, Any],
    configured: dict[str, SigningKey],
    pki_server: DemoPKI,  # noqa: F811
    nss_db: Path,  # noqa: F811
    fast_render: None,
    tmp_path: Path,
) -> None:
    draft = _approved(campaign, people)
    leader, clerk = client_for(people[Role.SO_LEADER]), client_for(people[Role.CLERK])
    page = _text(leader.get(f"/ban-hanh/{draft.pk}/"))
    assert "Tải lên bản đã ký" in page and "Ký bằng khoá trên máy chủ" in page
    downloaded = _body(leader.get(f"/ban-hanh/{draft.pk}/du-thao.pdf"))
    assert downloaded == draft.pdf.read_bytes()
    signed = _upload(
        leader, draft, _sign_at_home(downloaded, pki_server.director_p12, pki_server.password, tmp_path)
    )
    assert signed.status == CheckStatus.ACCEPTED, signed.problems
    assert (signed.signer, signed.verdict) == (DIRECTOR, "Hợp lệ")
    draft.refresh_from_db()
    assert draft.status == DraftStatus.SIGNED
    page = _text(clerk.get(f"/ban-hanh/{draft.pk}/"))
    assert "Cấp số và ban hành" in page and "Hợp lệ" in page

    response = _issue(clerk, draft)
    assert response.status_code == 302
    assert run_pending() == 1
    issued = IssuedDocument.objects.get(draft=draft)
    assert issued.reference == "01/KH-STTTT" and issued.number == 1 and issued.issue_date == vn_today()
    assert issued.attachments_done and not issued.attachments.exists()  # the forms go with the công văn
    assert not issued.path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    data = issued.path.read_bytes()
    import hashlib

    assert hashlib.sha256(data).hexdigest() == issued.sha256 and data.startswith(signed.path.read_bytes())
    assert_all_valid(issued.path, pki_server, nss_db, expected=2)  # the director's and the agency's signature
    assert register_path(campaign.agency_id).is_file()
    draft.refresh_from_db()
    assert draft.status == DraftStatus.ISSUED
    page = _text(clerk.get(f"/ban-hanh/{draft.pk}/"))
    assert "Đã ban hành: số 01/KH-STTTT" in page and "Cấp số và ban hành" not in page
    # Signing times as Vietnamese pages write them, in Vietnam time; never the ISO text the checks keep.
    from letters.core.vn import time_text

    assert re.fullmatch(r"\d{2}:\d{2} ngày \d{2}/\d{2}/\d{4}", time_text(issued.agency_signing_time))
    assert f"cơ quan ký số lúc {time_text(issued.agency_signing_time)};" in page
    assert f"ký lúc {time_text(signed.signing_time)}</small>" in page
    assert issued.agency_signing_time not in page and signed.signing_time not in page
    for role in (Role.SO_STAFF, Role.SO_LEADER, Role.CLERK, Role.ADMIN):
        assert _body(client_for(people[role]).get(f"/ban-hanh/{draft.pk}/ban-hanh.pdf")) == data

    # A second issue of the same draft is refused with the number it already has; nothing changes.
    again = _issue(clerk, draft)
    assert again.status_code == 302
    message = _text(clerk.get(f"/ban-hanh/{draft.pk}/"))
    assert "Văn bản này đã được ban hành: số 01/KH-STTTT, ngày " + vn_today().strftime("%d/%m/%Y") in message
    assert run_pending() == 0 and IssuedDocument.objects.count() == 1
    assert issued.path.read_bytes() == data

    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    for action in (
        "trinh_ky",
        "duyet",
        "tai_du_thao",
        "tai_len_ban_ky",
        "kiem_tra_ban_ky",
        "ban_hanh_yeu_cau",
        "ban_hanh",
        "tai_ban_hanh",
    ):
        assert action in actions, action
    assert actions.count("tai_ban_hanh") == 4
    history = _text(leader.get(f"/ban-hanh/{draft.pk}/"))
    assert "Lịch sử" in history and "Tải văn bản đã ban hành" in history and "Kiểm tra bản đã ký" in history


def test_uploads_that_are_not_the_approved_draft_signed_by_its_signer_are_refused(
    campaign: Campaign,
    people: dict[Role, Any],
    configured: dict[str, SigningKey],
    pki_server: DemoPKI,  # noqa: F811
    fast_render: None,
    tmp_path: Path,
) -> None:
    draft = _approved(campaign, people)
    leader = client_for(people[Role.SO_LEADER])
    approved = draft.pdf.read_bytes()

    # Signed by someone else (a valid certificate of the same CA, not the document's signer).
    other = _upload(
        leader, draft, _sign_at_home(approved, pki_server.agency_p12, pki_server.password, tmp_path, "a.pdf")
    )
    assert other.status == CheckStatus.REFUSED
    assert other.problems == [
        f"Người ký trên chứng thư số là «{other.signer}», không phải người ký văn bản «{DIRECTOR}» "
        "(theo hồ sơ chiến dịch)."
    ]

    # The draft changed before signing: a line added to page 1 in an incremental update.
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(approved))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    extra = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 14 Tf 100 100 Td (Da sua) Tj ET"))
    page["/Contents"] = generic.ArrayObject([page.raw_get("/Contents"), extra])
    writer.update_container(page)
    changed = io.BytesIO()
    writer.write(changed)
    modified = _upload(
        leader,
        draft,
        _sign_at_home(changed.getvalue(), pki_server.director_p12, pki_server.password, tmp_path, "b.pdf"),
    )
    assert modified.status == CheckStatus.REFUSED and modified.signer == DIRECTOR
    assert modified.problems == ["Nội dung trang 1 khác bản dự thảo đã duyệt."]

    # Another document, validly signed by the right person.
    letter = draft.document.version.documents.get(kind=DocumentKind.CONG_VAN)
    assert letter.pdf_file is not None
    wrong = _upload(
        leader,
        draft,
        _sign_at_home(
            letter.pdf_file.read_bytes(), pki_server.director_p12, pki_server.password, tmp_path, "c.pdf"
        ),
    )
    assert wrong.status == CheckStatus.REFUSED and len(wrong.problems) == 1
    assert wrong.problems[0].startswith("Tệp tải lên không phải bản dự thảo đã duyệt có thêm chữ ký")

    # The draft itself, unsigned; and something that is not a PDF at all.
    unsigned = _upload(leader, draft, approved, "chua-ky.pdf")
    assert unsigned.status == CheckStatus.REFUSED
    assert unsigned.problems[0] == "Tệp tải lên chính là bản dự thảo, chưa có chữ ký số nào."
    response = leader.post(
        f"/ban-hanh/{draft.pk}/tai-len/",
        {"signed_file": SimpleUploadedFile("ke-hoach.pdf", b"PK\x03\x04 zip")},
    )
    assert response.status_code == 400 and "Tệp «ke-hoach.pdf» không phải tệp PDF." in _text(response)

    draft.refresh_from_db()
    assert draft.status == DraftStatus.APPROVED  # nothing to issue
    page = _text(leader.get(f"/ban-hanh/{draft.pk}/"))
    assert page.count(">Bị từ chối</span>") == 4 and "Nội dung trang 1 khác bản dự thảo đã duyệt." in page
    clerk = client_for(people[Role.CLERK])
    refused = _issue(clerk, draft)
    assert refused.status_code == 302 and run_pending() == 0
    assert "chỉ ban hành bản đã được lãnh đạo ký" in _text(clerk.get(f"/ban-hanh/{draft.pk}/"))


def test_server_side_signing_and_attachments_signed_in_the_corner(
    campaign: Campaign,
    people: dict[Role, Any],
    configured: dict[str, SigningKey],
    pki_server: DemoPKI,  # noqa: F811
    nss_db: Path,  # noqa: F811
    fast_render: None,
) -> None:
    draft = _approved(campaign, people, DocumentKind.CONG_VAN)  # the forms and guides go with the công văn
    leader = client_for(people[Role.SO_LEADER])
    response = leader.post(f"/ban-hanh/{draft.pk}/ky-tren-may-chu/", {"key": configured["director"].pk})
    assert response.status_code == 302
    assert run_pending() == 1
    signed = SignedDraft.objects.get(draft=draft)
    assert signed.source == SignedDraft.Source.SERVER and signed.status == CheckStatus.ACCEPTED, (
        signed.problems
    )
    assert signed.signer == DIRECTOR and signed.path.read_bytes().startswith(draft.pdf.read_bytes())

    assert _issue(client_for(people[Role.CLERK]), draft).status_code == 302
    assert run_pending() == 1
    issued = IssuedDocument.objects.get(draft=draft)
    assert issued.reference == "01/STTTT-CNTT"
    assert_all_valid(issued.path, pki_server, nss_db, expected=2)
    annexes = draft.document.version.documents.filter(kind=DocumentKind.ANNEX).exclude(pdf_path="")
    attachments = list(issued.attachments.all())
    assert issued.attachments_done and len(attachments) == annexes.count() >= 4
    for attachment in attachments:
        assert attachment.path.read_bytes().startswith(attachment.document.pdf_file.read_bytes())
        verdicts = pyhanko_verdicts(attachment.path, pki_server)
        assert len(verdicts) == 1 and verdicts[0].bottom_line, verdicts[0].summary
        assert "01/STTTT-CNTT" in (verdicts[0].reason or "")
    page = _text(leader.get(f"/ban-hanh/{draft.pk}/"))
    assert "Biểu mẫu, phụ lục kèm theo" in page and attachments[0].label in page
    assert _body(leader.get(f"/ban-hanh/phu-luc/{attachments[0].pk}/")) == attachments[0].path.read_bytes()

    # Nobody but the key's owner signs with it.
    other_leader = client_for(make_user("lanhdao2", Role.SO_LEADER, campaign.agency))
    draft2 = _submitted_again(campaign, people)
    client_for(people[Role.SO_LEADER]).post(f"/ban-hanh/{draft2.pk}/duyet/")
    refused = other_leader.post(f"/ban-hanh/{draft2.pk}/ky-tren-may-chu/", {"key": configured["director"].pk})
    assert refused.status_code == 400 and "Chọn một khoá trong danh sách." in _text(refused)


def _submitted_again(campaign: Campaign, people: dict[Role, Any]) -> Draft:
    """The Kế hoạch of the same version, submitted by the chuyên viên."""
    version = DocumentVersion.objects.get(campaign=campaign, number=1)
    document = version.documents.get(kind=DocumentKind.KE_HOACH)
    client_for(people[Role.SO_STAFF]).post(f"/ban-hanh/trinh/{document.pk}/")
    return Draft.objects.get(document=document)


def test_the_register_refuses_a_signed_draft_issued_before(
    campaign: Campaign,
    people: dict[Role, Any],
    configured: dict[str, SigningKey],
    pki_server: DemoPKI,  # noqa: F811
    fast_render: None,
    tmp_path: Path,
) -> None:
    draft = _approved(campaign, people)
    leader, clerk = client_for(people[Role.SO_LEADER]), client_for(people[Role.CLERK])
    signed = _upload(
        leader,
        draft,
        _sign_at_home(draft.pdf.read_bytes(), pki_server.director_p12, pki_server.password, tmp_path),
    )
    assert signed.status == CheckStatus.ACCEPTED
    # The văn thư issued this very signed file from the command line, with the agency's register.
    elsewhere = issue_document(
        IssueDocumentRequest(
            signed_draft=signed.path,
            output=tmp_path / "ban-hanh-tu-dong-lenh.pdf",
            key=Pkcs12Key(pki_server.agency_p12, pki_server.password),
            doc_type="KH",
            agency="STTTT",
            register=register_path(campaign.agency_id),
        )
    )
    assert elsewhere.reference == "01/KH-STTTT"
    assert _issue(clerk, draft).status_code == 302
    assert run_pending() == 1
    job = Job.objects.filter(kind="issuance.issue").get()
    assert job.status == JobStatus.FAILED
    assert "đã được ban hành: số 01/KH-STTTT" in job.error and "ban-hanh-tu-dong-lenh.pdf" in job.error
    assert str(campaign.folder) not in job.error  # the data folder's paths are not shown
    draft.refresh_from_db()
    assert draft.status == DraftStatus.SIGNED and not IssuedDocument.objects.exists()
    page = _text(clerk.get(f"/ban-hanh/{draft.pk}/"))
    assert "đã được ban hành: số 01/KH-STTTT" in page


def test_issue_dates(
    campaign: Campaign,
    people: dict[Role, Any],
    configured: dict[str, SigningKey],
    pki_server: DemoPKI,  # noqa: F811
    fast_render: None,
    tmp_path: Path,
) -> None:
    draft = _approved(campaign, people)
    leader, clerk = client_for(people[Role.SO_LEADER]), client_for(people[Role.CLERK])
    _upload(
        leader,
        draft,
        _sign_at_home(draft.pdf.read_bytes(), pki_server.director_p12, pki_server.password, tmp_path),
    )
    future = _issue(clerk, draft, vn_today() + timedelta(days=1))
    assert future.status_code == 400 and "Ngày ban hành không được sau hôm nay." in _text(future)
    assert _issue(clerk, draft, vn_today() - timedelta(days=1)).status_code == 302
    assert run_pending() == 1
    job = Job.objects.filter(kind="issuance.issue").get()
    assert job.status == JobStatus.FAILED and "Ngày ban hành" in job.error
    draft.refresh_from_db()
    assert draft.status == DraftStatus.SIGNED and not IssuedDocument.objects.exists()


def test_return_with_a_comment(campaign: Campaign, people: dict[Role, Any], fast_render: None) -> None:
    draft = _submitted(campaign, people)
    leader, staff = client_for(people[Role.SO_LEADER]), client_for(people[Role.SO_STAFF])
    empty = leader.post(f"/ban-hanh/{draft.pk}/tra-lai/", {"comment": " "})
    assert empty.status_code == 400 and "Ghi ý kiến để chuyên viên biết cần sửa gì." in _text(empty)
    again = staff.post(f"/ban-hanh/trinh/{draft.document_id}/", follow=True)
    assert "Văn bản này đã được trình ký (chờ duyệt)." in _text(again)
    leader.post(f"/ban-hanh/{draft.pk}/tra-lai/", {"comment": "Sửa lại thời hạn ở mục 3."})
    draft.refresh_from_db()
    assert draft.status == DraftStatus.RETURNED and draft.comment == "Sửa lại thời hạn ở mục 3."
    assert "Sửa lại thời hạn ở mục 3." in _text(staff.get(f"/ban-hanh/{draft.pk}/"))
    assert leader.post(f"/ban-hanh/{draft.pk}/duyet/", follow=True).status_code == 200
    draft.refresh_from_db()
    assert draft.status == DraftStatus.RETURNED  # a returned draft is not approved afterwards
    # After an edit and a new render, the new version is submitted; the old one no longer can be.
    campaign.source = campaign.source.replace("Vũ Thanh Hòa", "Vũ Thanh Hoà")
    campaign.save()
    staff.post(f"/van-ban/{campaign.pk}/tao/")
    run_pending()
    old = staff.post(f"/ban-hanh/trinh/{draft.document_id}/", follow=True)
    assert "không phải phiên bản mới nhất (2)" in _text(old)
    new = Document.objects.get(version__number=2, kind=DocumentKind.KE_HOACH)
    assert staff.post(f"/ban-hanh/trinh/{new.pk}/").status_code == 302
    assert Draft.objects.filter(document=new, status=DraftStatus.SUBMITTED).exists()


def test_keys_are_described_not_kept(
    agency: Agency,
    people: dict[Role, Any],
    demo_pki: DemoPKI,
    monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    admin = client_for(people[Role.ADMIN])
    p12 = demo_pki.agency_p12.read_bytes()
    bad = admin.post(
        "/ban-hanh/cau-hinh/khoa/",
        {"name": "Cơ quan", "purpose": "agency", "kind": "pkcs12", "password_env": "mat khau"},
    )
    page = _text(bad)
    assert bad.status_code == 400 and "Chọn tệp khoá PKCS#12." in page
    assert "Tên biến môi trường viết hoa, bắt đầu bằng VANBAN_" in page
    reserved = admin.post(
        "/ban-hanh/cau-hinh/khoa/",
        {
            "name": "Cơ quan",
            "purpose": "agency",
            "kind": "pkcs12",
            "p12_file": SimpleUploadedFile("k.p12", p12),
            "password_env": "VANBAN_SECRET_KEY",
        },
    )
    assert reserved.status_code == 400 and "không trùng biến cấu hình của vanban" in _text(reserved)
    monkeypatch.setenv(PASSWORD_ENV, "sai-mat-khau")
    wrong = admin.post(
        "/ban-hanh/cau-hinh/khoa/",
        {
            "name": "Cơ quan",
            "purpose": "agency",
            "kind": "pkcs12",
            "p12_file": SimpleUploadedFile("k.p12", p12),
            "password_env": PASSWORD_ENV,
        },
    )
    assert wrong.status_code == 400 and "Không mở được tệp khoá bằng mật khẩu trong biến môi trường" in _text(
        wrong
    )
    monkeypatch.delenv(PASSWORD_ENV)
    ok = admin.post(
        "/ban-hanh/cau-hinh/khoa/",
        {
            "name": "Cơ quan",
            "purpose": "agency",
            "kind": "pkcs12",
            "p12_file": SimpleUploadedFile("k.p12", p12),
            "password_env": PASSWORD_ENV,
        },
        follow=True,
    )
    assert f"Biến môi trường {PASSWORD_ENV} chưa được đặt trên máy chủ này" in _text(ok)
    key = SigningKey.objects.get()
    from web.issuance.models import files_path

    path = files_path(key.p12_path)
    assert path.read_bytes() == p12 and stat.S_IMODE(path.stat().st_mode) == 0o400
    assert demo_pki.password not in str(SigningKey.objects.values().get())
    from letters.core.errors import VanbanError

    with pytest.raises(VanbanError, match=f"biến môi trường {PASSWORD_ENV} chưa được đặt"):
        key.spec()
    pkcs11 = admin.post(
        "/ban-hanh/cau-hinh/khoa/",
        {
            "name": "Token",
            "purpose": "agency",
            "kind": "pkcs11",
            "pkcs11_module": "/khong/co.so",
            "pin_env": "VANBAN_PIN",
        },
    )
    page = _text(pkcs11)
    assert "Không có tệp thư viện này trên máy chủ" in page and "Ghi nhãn token." in page
    seal = admin.post(
        "/ban-hanh/cau-hinh/luu/",
        {
            "seal": SimpleUploadedFile("con-dau.png", b"not a png"),
            "level": "B-LT",
            "trust": SimpleUploadedFile("g.pem", b"x"),
        },
    )
    page = _text(seal)
    assert (
        "Ảnh con dấu không dùng được" in page
        and "Mức B-T, B-LT cần địa chỉ dịch vụ cấp dấu thời gian." in page
    )
    assert "Tệp không chứa chứng thư số nào" in page
    assert not IssuanceSettings.objects.filter(seal_path__gt="").exists()


def test_who_may_do_what(
    campaign: Campaign,
    people: dict[Role, Any],
    stranger: Any,
    fast_render: None,
) -> None:
    draft = _submitted(campaign, people)
    document = draft.document
    reads = [
        "/ban-hanh/",
        f"/ban-hanh/{draft.pk}/",
        f"/ban-hanh/{draft.pk}/du-thao.pdf",
        f"/ban-hanh/{draft.pk}/tien-do/",
    ]
    so_roles = {Role.ADMIN, Role.SO_STAFF, Role.SO_LEADER, Role.CLERK}
    for role, user in people.items():
        client = client_for(user)
        for url in reads:
            assert client.get(url).status_code == (200 if role in so_roles else 403), (role, url)
        assert client.get("/ban-hanh/cau-hinh/").status_code == (200 if role == Role.ADMIN else 403), role
        assert client.post("/ban-hanh/cau-hinh/luu/", {"level": "B-B"}).status_code == (
            302 if role == Role.ADMIN else 403
        ), role
        assert client.post(f"/ban-hanh/{draft.pk}/tai-len/").status_code == (
            400 if role == Role.SO_LEADER else 403
        ), role
        assert client.post(f"/ban-hanh/{draft.pk}/cap-so/", {"issue_date": "x"}).status_code == (
            400 if role == Role.CLERK else 403
        ), role
        submit = client.post(f"/ban-hanh/trinh/{document.pk}/")
        assert submit.status_code == (302 if role == Role.SO_STAFF else 403), role
        if role != Role.SO_LEADER:
            assert client.post(f"/ban-hanh/{draft.pk}/duyet/").status_code == 403, role
    assert client_for(people[Role.SO_LEADER]).post(f"/ban-hanh/{draft.pk}/duyet/").status_code == 302
    outsider = client_for(stranger)
    for url in reads[1:]:
        assert outsider.get(url).status_code == 404, url
    assert _text(outsider.get("/ban-hanh/")).count(document.label) == 0
    for url in (
        f"/ban-hanh/{draft.pk}/duyet/",
        f"/ban-hanh/{draft.pk}/tai-len/",
        f"/ban-hanh/{draft.pk}/cap-so/",
    ):
        assert outsider.post(url).status_code == 404, url
    assert outsider.post(f"/ban-hanh/trinh/{document.pk}/").status_code == 404


def test_demo_mode_configures_signing(
    agency: Agency, people: dict[Role, Any], settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import contextlib

    from web.issuance import demo

    settings.DATA_DIR = tmp_path / "du-lieu"
    monkeypatch.setenv(demo.DEMO_PASSWORD_ENV, "")  # restored (removed) after the test
    monkeypatch.delenv(demo.DEMO_PASSWORD_ENV)
    lines: list[str] = []
    with contextlib.ExitStack() as services:
        pki = demo.load_demo_signing(agency, lines.append, services)
        assert "Hạ tầng khoá MẪU" in lines[0]
        conf = IssuanceSettings.objects.get(agency=agency)
        assert conf.agency_key is not None and conf.seal is not None and conf.trust
        director = SigningKey.objects.get(purpose=SigningKey.Purpose.SIGNER)
        assert director.owner == people[Role.SO_LEADER] and director.image is not None
        assert isinstance(director.spec(), Pkcs12Key) and director.spec().password == pki.password
        demo.load_demo_signing(agency, lines.append, services)  # a second start keeps the configuration
        assert SigningKey.objects.count() == 2
    # The services stopped with the stack that held them.
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(pki.crl_url(), timeout=2)


def test_the_demo_issues_a_campaign_of_this_year_signed_by_its_signer(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a visitor of `vanban serve --demo` clicks through: the chuyên viên renders the campaign the demo
    offers for issuing, submits its Kế hoạch, the lãnh đạo approves and signs with the demo key on the server,
    the văn thư issues it today."""
    import contextlib

    from web.accounts.demo import load_demo_accounts
    from web.campaigns.demo import load_demo_campaigns
    from web.issuance import demo

    settings.DATA_DIR = tmp_path / "du-lieu"
    monkeypatch.setenv(demo.DEMO_PASSWORD_ENV, "")
    monkeypatch.delenv(demo.DEMO_PASSWORD_ENV)
    agency = load_demo_accounts()
    load_demo_campaigns(agency)
    users = {p.role: p.user for p in agency.people.select_related("user")}
    lines: list[str] = []
    with contextlib.ExitStack() as services:
        pki = demo.load_demo_signing(agency, lines.append, services)
        chosen = demo.issuing_campaign(agency)
        assert chosen is not None and chosen.campaign.slug == "phutho-2026"
        assert chosen.document_year == vn_today().year
        assert pki.director_name == chosen.name == "Nguyễn Thành Trung"
        assert f"đợt «{chosen.campaign.title}»" in lines[1] and "đúng người ký của đợt" in lines[1]

        staff = client_for(users[Role.SO_STAFF])
        version = _render(chosen.campaign, staff)
        document = version.documents.get(kind=DocumentKind.KE_HOACH)
        assert staff.post(f"/ban-hanh/trinh/{document.pk}/").status_code == 302
        draft = Draft.objects.get(document=document)
        assert draft.signer_name == "Nguyễn Thành Trung"
        leader = client_for(users[Role.SO_LEADER])
        assert leader.post(f"/ban-hanh/{draft.pk}/duyet/").status_code == 302
        key = SigningKey.objects.get(agency=agency, purpose=SigningKey.Purpose.SIGNER)
        assert "Nguyễn Thành Trung" in key.name
        assert leader.post(f"/ban-hanh/{draft.pk}/ky-tren-may-chu/", {"key": key.pk}).status_code == 302
        assert run_pending() == 1
        signed = SignedDraft.objects.get(draft=draft)
        assert signed.status == CheckStatus.ACCEPTED, signed.problems
        assert _issue(client_for(users[Role.CLERK]), draft).status_code == 302
        assert run_pending() == 1
        issued = IssuedDocument.objects.get(draft=draft)
        assert issued.issue_date == vn_today() and issued.reference.startswith("01/")
        page = _text(leader.get(f"/ban-hanh/{draft.pk}/"))
        assert f"Đã ban hành: số {issued.reference}" in page


def test_signer_names_compare_as_vietnamese_names() -> None:
    import unicodedata

    from letters.core.vn import person_name_key as key

    assert (
        key("Nguyễn Thị Hoà") == key("NGUYỄN  THỊ HÒA") == key(unicodedata.normalize("NFD", "Nguyễn Thị Hòa"))
    )
    assert key("Lê Thuý") == key("Lê Thúy")
    assert key("Nguyễn Gia Phong") != key("Nguyễn Gia Phòng")
    assert key("Đức") != key("Dức") and key("Nguyên") != key("Nguyễn")

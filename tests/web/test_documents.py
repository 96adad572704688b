"""A campaign's documents through the pages: rendered as a job (real LibreOffice), previewed as page images,
downloaded as DOCX, PDF and one ZIP with the bytes that were written, re-rendered into a new version while the
old one is kept, a failed render explained, every view and download audited, and who may see what."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.web.docs_support import (  # noqa: F401 - fixtures
    agency,
    campaign,
    client_for,
    fast_render,
    other_agency,
    own_files,
    people,
    rendered_once,
    stranger,
)
from web.accounts.models import Role
from web.audit.models import AuditEvent
from web.campaigns.models import Campaign
from web.documents.models import Document, DocumentKind, DocumentVersion, VersionStatus
from web.jobs.models import Job, JobStatus
from web.jobs.runner import run_pending

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n"


def _render(client: Client, campaign: Campaign) -> DocumentVersion:
    response = client.post(f"/van-ban/{campaign.pk}/tao/")
    assert response.status_code == 302
    version = DocumentVersion.objects.filter(campaign=campaign).order_by("-number").first()
    assert version is not None and version.status == VersionStatus.QUEUED
    page = client.get(f"/van-ban/{campaign.pk}/").content.decode()
    assert "tien-do-tao-van-ban" in page and f'id="job-{version.job_id}"' in page  # the progress fragment
    assert run_pending() == 1
    version.refresh_from_db()
    return version


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.soffice
@pytest.mark.slow
def test_render_preview_download_and_rerender(campaign: Campaign, people: dict[Role, Any]) -> None:
    staff = client_for(people[Role.SO_STAFF])
    v1 = _render(staff, campaign)
    assert v1.status == VersionStatus.READY, v1.error
    assert v1.folder == campaign.folder / "van-ban" / "v1"
    assert v1.signer_name == "Nguyễn Gia Phong" and v1.annex_host == "cong_van"
    job = Job.objects.get(pk=v1.job_id)
    assert job.status == JobStatus.DONE and job.result == {"version": 1, "documents": v1.documents.count()}
    docs = list(v1.documents.all())
    kinds = [d.kind for d in docs]
    assert kinds[:2] == [DocumentKind.CONG_VAN, DocumentKind.KE_HOACH] or kinds[:2] == [
        DocumentKind.KE_HOACH,
        DocumentKind.CONG_VAN,
    ]
    assert kinds.count(DocumentKind.ANNEX) == len(docs) - 2 >= 4
    for d in docs:
        assert d.office_file.is_file()
        assert hashlib.sha256(d.office_file.read_bytes()).hexdigest() == d.office_sha256
        if d.office_format == "docx":  # every Word document has its PDF and its page images
            assert d.pdf_file is not None and d.pdf_file.read_bytes().startswith(b"%PDF")
            assert d.pages >= 1
            for n in range(1, d.pages + 1):
                assert d.page_image(n).read_bytes().startswith(PNG)
        else:
            assert d.office_format == "xlsx" and not d.pdf_path and d.pages == 0

    # The page lists the documents; a preview shows every page and is audited.
    plan = next(d for d in docs if d.kind == DocumentKind.KE_HOACH)
    page = staff.get(f"/van-ban/{campaign.pk}/").content.decode()
    assert "Phiên bản 1" in page and plan.label in page and "Tải tất cả (ZIP)" in page
    assert "xem-truoc" not in page.split('id="cac-phien-ban"')[0].split("danh-sach-van-ban")[0]
    preview = staff.get(f"/van-ban/{campaign.pk}/?xem={plan.pk}").content.decode()
    for n in range(1, plan.pages + 1):
        assert f"/van-ban/tep/{plan.pk}/trang/{n}.png" in preview
    image = staff.get(f"/van-ban/tep/{plan.pk}/trang/1.png")
    assert image["Content-Type"] == "image/png" and _body(image) == plan.page_image(1).read_bytes()
    assert staff.get(f"/van-ban/tep/{plan.pk}/trang/{plan.pages + 1}.png").status_code == 404

    # Downloads are the bytes written, each audited.
    docx = staff.get(f"/van-ban/tep/{plan.pk}/tai/docx/")
    assert docx.status_code == 200 and "attachment" in docx["Content-Disposition"]
    assert _body(docx) == plan.office_file.read_bytes()
    pdf = staff.get(f"/van-ban/tep/{plan.pk}/tai/pdf/")
    assert plan.pdf_file is not None and _body(pdf) == plan.pdf_file.read_bytes()
    assert staff.get(f"/van-ban/tep/{plan.pk}/tai/xlsx/").status_code == 404
    archive = zipfile.ZipFile(io.BytesIO(_body(staff.get(f"/van-ban/{campaign.pk}/v1/tai-zip/"))))
    names = set(archive.namelist())
    for d in docs:
        for path in (d.office_file, d.pdf_file):
            if path is not None:
                name = f"bacgiang-2023-van-ban-v1/{path.relative_to(v1.folder).as_posix()}"
                assert name in names and archive.read(name) == path.read_bytes()
    assert archive.read("bacgiang-2023-van-ban-v1/ho-so-chien-dich.yaml").decode() == campaign.source
    actions = list(AuditEvent.objects.values_list("action", "object_id").order_by("id"))
    assert ("tao_van_ban", str(v1.pk)) in actions and ("tao_van_ban_xong", str(v1.pk)) in actions
    assert ("xem_van_ban", str(plan.pk)) in actions
    assert [a for a in actions if a == ("tai_van_ban", str(plan.pk))] == [("tai_van_ban", str(plan.pk))] * 2
    assert ("tai_zip_van_ban", str(v1.pk)) in actions

    # An edit, then a new render: version 2 is the one shown, version 1 stays as it was.
    before = {p: p.read_bytes() for p in v1.folder.rglob("*") if p.is_file()}
    campaign.source = campaign.source.replace("Vũ Thanh Hòa", "Vũ Thanh Hoà Bình")
    campaign.save()
    v2 = _render(staff, campaign)
    assert v2.number == 2 and v2.status == VersionStatus.READY
    assert {p: p.read_bytes() for p in v1.folder.rglob("*") if p.is_file()} == before
    plan2 = v2.documents.get(kind=DocumentKind.KE_HOACH)
    assert plan2.pdf_sha256 != plan.pdf_sha256
    page = staff.get(f"/van-ban/{campaign.pk}/").content.decode()
    assert "Phiên bản 2" in page and f"/van-ban/{campaign.pk}/v1/" in page
    old = staff.get(f"/van-ban/{campaign.pk}/v1/").content.decode()
    assert "Phiên bản 1" in old and "phiên bản cũ" in old and f"/van-ban/tep/{plan.pk}/tai/pdf/" in old


def test_a_failed_render_says_why_and_keeps_the_last_version(
    campaign: Campaign, people: dict[Role, Any], fast_render: None
) -> None:
    staff = client_for(people[Role.SO_STAFF])
    good = _render(staff, campaign)
    assert good.status == VersionStatus.READY
    campaign.source = campaign.source.replace("  name: Nguyễn Gia Phong\n", "  name: \n", 1)
    campaign.save()
    bad = _render(staff, campaign)
    assert bad.status == VersionStatus.FAILED and not bad.folder.exists()
    assert bad.error.startswith("Hồ sơ chiến dịch có 1 lỗi cần sửa trước khi tạo văn bản:")
    assert "signer.name" in bad.error and str(campaign.folder) not in bad.error
    job = Job.objects.get(pk=bad.job_id)
    assert job.status == JobStatus.FAILED and job.error == bad.error
    page = staff.get(f"/van-ban/{campaign.pk}/").content.decode()
    assert "Tạo văn bản phiên bản 2 không thành công" in page and "signer.name" in page
    assert "Phiên bản 1" in page  # the last good version is still the one listed
    assert all(d.office_file.is_file() for d in good.documents.all())


def test_one_render_at_a_time(campaign: Campaign, people: dict[Role, Any]) -> None:
    staff = client_for(people[Role.SO_STAFF])
    staff.post(f"/van-ban/{campaign.pk}/tao/")
    again = staff.post(f"/van-ban/{campaign.pk}/tao/", follow=True)
    assert "Đang tạo văn bản phiên bản 1; chờ xong rồi tạo lại." in again.content.decode()
    assert DocumentVersion.objects.filter(campaign=campaign).count() == 1
    fragment = staff.get(f"/van-ban/{campaign.pk}/tien-do/")
    assert "<progress" in fragment.content.decode() and "HX-Refresh" not in fragment


def test_who_may_see_and_render(
    campaign: Campaign, people: dict[Role, Any], stranger: Any, fast_render: None
) -> None:
    version = _render(client_for(people[Role.SO_STAFF]), campaign)
    plan = version.documents.get(kind=DocumentKind.KE_HOACH)
    reads = [
        f"/van-ban/{campaign.pk}/",
        f"/van-ban/{campaign.pk}/v1/",
        f"/van-ban/{campaign.pk}/?xem={plan.pk}",
        f"/van-ban/{campaign.pk}/v1/tai-zip/",
        f"/van-ban/tep/{plan.pk}/tai/pdf/",
        f"/van-ban/tep/{plan.pk}/tai/docx/",
        f"/van-ban/tep/{plan.pk}/trang/1.png",
    ]
    so_roles = {Role.ADMIN, Role.SO_STAFF, Role.SO_LEADER, Role.CLERK}
    for role, user in people.items():
        client = client_for(user)
        for url in reads:
            assert client.get(url).status_code == (200 if role in so_roles else 403), (role, url)
        expected = 302 if role == Role.SO_STAFF else 403
        assert client.post(f"/van-ban/{campaign.pk}/tao/").status_code == expected, role
    outsider = client_for(stranger)
    for url in [*reads, f"/van-ban/{campaign.pk}/tien-do/"]:
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"/van-ban/{campaign.pk}/tao/").status_code == 404
    assert Client().get(reads[0]).status_code == 302  # to the login page
    assert (
        DocumentVersion.objects.filter(campaign=campaign).count() == 2
    )  # the chuyên viên's second render only
    assert Document.objects.filter(version=version).count() > 0


def test_page_images_use_case(rendered_once: Path, tmp_path: Path) -> None:
    from letters.usecases.documents import preview_pages

    pdf = next(rendered_once.glob("*ke-hoach*.pdf"))
    pages = preview_pages(pdf, tmp_path / "xem")
    assert [p.name for p in pages][:2] == ["trang-01.png", "trang-02.png"]
    assert all(p.read_bytes().startswith(PNG) for p in pages)
    from letters.core.errors import VanbanError

    broken = tmp_path / "hong.pdf"
    broken.write_bytes(b"%PDF-1.7 not really")
    with pytest.raises(VanbanError, match="Không tạo được ảnh xem trước của hong.pdf"):
        preview_pages(broken, tmp_path / "hong")
    assert not (tmp_path / "hong").exists()


def test_versions_whose_requester_is_gone_are_listed(
    campaign: Campaign, people: dict[Role, Any], fast_render: None
) -> None:
    """A version keeps no requester once the account is deleted (or when the system made it): the page lists it
    with a dash, and shows the requester's name where there is one."""
    staff_user = people[Role.SO_STAFF]
    staff = client_for(staff_user)
    _render(staff, campaign)
    second = _render(staff, campaign)
    DocumentVersion.objects.filter(pk=second.pk).update(created_by=None)
    page = client_for(people[Role.SO_LEADER]).get(f"/van-ban/{campaign.pk}/")
    assert page.status_code == 200
    rows = page.content.decode().split('id="cac-phien-ban"', 1)[1]
    assert "<td>—</td>" in rows and f"<td>{staff_user.profile.full_name}</td>" in rows

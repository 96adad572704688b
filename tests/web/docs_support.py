"""Shared pieces of the documents and issuance tests: an agency with a user of every role, the Bắc Giang example
as a campaign (its documents dated in the current year, so they can be issued today), and a render that reuses
one LibreOffice run per test session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from letters.core.vn import vn_today
from tests.conftest import EXAMPLES
from web.accounts.models import Agency, Profile, Role, Unit
from web.campaigns.models import Campaign

PASSWORD = "mat-khau-dai-2026"
ROLES = tuple(Role)


def campaign_source() -> str:
    """bacgiang-2023 issued this year: a draft prints its issue year, and an issue date must fall in it."""
    source = (EXAMPLES / "bacgiang-2023.yaml").read_text(encoding="utf-8")
    assert "\n  year: 2023\n" in source
    return source.replace("\n  year: 2023\n", f"\n  year: 2023\n  issue_year: {vn_today().year}\n", 1)


def make_user(username: str, role: Role, agency: Agency, unit: Unit | None = None) -> Any:
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    Profile.objects.create(
        user=user,
        agency=agency,
        role=role,
        unit=unit,
        full_name=f"Người {username}",
        must_change_password=False,
    )
    return user


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def own_files(settings: Any, tmp_path: Path) -> Path:
    """Each test its own files folder: database ids repeat between tests, folder names must not."""
    settings.FILES_DIR = tmp_path / "files"
    return settings.FILES_DIR


@pytest.fixture()
def agency() -> Agency:
    return Agency.objects.create(code="stttt-bg", name="Sở Thông tin và Truyền thông", abbreviation="STTTT")


@pytest.fixture()
def other_agency() -> Agency:
    return Agency.objects.create(code="skhcn-pt", name="Sở Khoa học và Công nghệ", abbreviation="SKHCN")


@pytest.fixture()
def people(agency: Agency) -> dict[Role, Any]:
    unit = Unit.objects.create(agency=agency, code="so-y-te", name="Sở Y tế")
    return {
        role: make_user(
            str(role.value), role, agency, unit if role in (Role.UNIT_STAFF, Role.UNIT_LEADER) else None
        )
        for role in ROLES
    }


@pytest.fixture()
def stranger(other_agency: Agency) -> Any:
    """A chuyên viên of another agency, with every right in their own agency."""
    return make_user("nguoi-so-khac", Role.SO_STAFF, other_agency)


@pytest.fixture()
def campaign(agency: Agency) -> Campaign:
    return Campaign.objects.create(
        agency=agency,
        slug="bacgiang-2023",
        title="Đánh giá DTI năm 2023",
        year=2023,
        source=campaign_source(),
    )


@pytest.fixture(scope="session")
def rendered_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The campaign's documents with their PDFs, made once by LibreOffice for the whole session."""
    from letters.usecases.documents import RenderRequest, render_campaign

    root = tmp_path_factory.mktemp("rendered-once")
    source = root / "campaign.yaml"
    source.write_text(campaign_source(), encoding="utf-8")
    render_campaign(RenderRequest(source, root / "out", pdf=True))
    return root / "out"


@pytest.fixture()
def fast_render(monkeypatch: pytest.MonkeyPatch, rendered_once: Path) -> Iterator[None]:
    """The render job as it is, with the use case's LibreOffice conversion replaced by a copy of the session's
    output (for tests about what comes after rendering)."""
    import letters.usecases.documents as documents

    real = documents.render_campaign

    def copy_render(request: documents.RenderRequest) -> documents.RenderResult:
        check = documents.load_checked_campaign(request.campaign_file)
        assert check.campaign is not None
        shutil.copytree(rendered_once, request.out_dir)
        result = documents.RenderResult(check.campaign, warnings=check.warnings)
        for path in sorted(request.out_dir.rglob("*")):
            if path.suffix in (".docx", ".xlsx"):
                kind = (
                    "ke_hoach" if "ke-hoach" in path.name else "cong_van" if "cong-van" in path.name else ""
                )
                result.documents.append(documents.OutputFile(path.stem, path, kind))
            elif path.suffix == ".pdf":
                result.pdfs.append(documents.OutputFile("bản PDF", path))
        if request.progress is not None:
            request.progress(len(result.pdfs), len(result.pdfs))
        return result

    monkeypatch.setattr(documents, "render_campaign", copy_render)
    yield
    monkeypatch.setattr(documents, "render_campaign", real)

"""Results through the pages: the example scores uploaded as CSV and as a ZIP of filled forms, ranked as a job,
the ranking page against the ranking CSV, the documents, scores with errors shown row by row without changing
anything, refused uploads, blank forms and example downloads, and who may do what."""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from letters.usecases.results import ExampleScoresRequest, write_example_scores
from tests.conftest import EXAMPLES
from tests.web.test_evidence import client_for, make_user
from web.accounts.models import Agency, Role, Unit
from web.audit.models import AuditEvent
from web.campaigns.models import Campaign
from web.jobs.models import JobStatus
from web.jobs.runner import run_pending
from web.results.models import RankingEntry, ResultDocument, ResultsRun, ScoresUpload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def files_dir(settings: Any, tmp_path: Path) -> Path:
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


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example scores of the Bắc Giang campaign (CSV, and filled forms with tiep_nhan.csv)."""
    out = tmp_path_factory.mktemp("diem-mau") / "diem"
    return write_example_scores(ExampleScoresRequest(EXAMPLES / "bacgiang-2023.yaml", out))


def _post_scores(client: Client, campaign: Campaign, files: list[tuple[str, bytes]], **extra: Any) -> Any:
    return client.post(
        f"/ket-qua/{campaign.pk}/tai-len/",
        {"files": [SimpleUploadedFile(name, data) for name, data in files], **extra},
    )


def _table(page: str, table_id: str) -> list[list[str]]:
    table = re.search(rf'<table[^>]*id="{table_id}"[^>]*>(.*?)</table>', page, re.S)
    assert table is not None, table_id
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S)[1:]:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        rows.append([" ".join(html.unescape(re.sub(r"<[^>]+>", "", c)).split()) for c in cells])
    return rows


def _vn(value: str) -> str:
    """A CSV number as the page writes it (decimal comma, at most the decimals it needs)."""
    if not value:
        return ""
    from letters.core.vn import points_text

    return points_text(Decimal(value))


STATUS = {
    "xep_hang": "Xếp hạng",
    "xep_hang_cuoi": "Nộp muộn, xếp cuối nhóm",
    "khong_xep_hang": "Không xếp hạng",
    "chua_nop": "Chưa nộp",
}


def _page_matches_csv(client: Client, campaign: Campaign, run: ResultsRun) -> int:
    """Every tier's ranking page lists the ranking CSV's rows, in its order; returns how many rows."""
    ranking_csv = next(d for d in run.documents.all() if d.name.endswith(".csv")).path
    rows = list(csv.DictReader(io.StringIO(ranking_csv.read_text(encoding="utf-8-sig"))))
    tiers = list(dict.fromkeys(r["cap_danh_gia"] for r in rows))
    assert len(tiers) == 2
    for tier in tiers:
        page = client.get(f"/ket-qua/{campaign.pk}/lan/{run.number}/", {"nhom": tier}).content.decode()
        shown = _table(page, "ranking-table")
        expected = [r for r in rows if r["cap_danh_gia"] == tier]
        assert len(shown) == len(expected)
        for cells, r in zip(shown, expected, strict=True):
            rank, unit, points, dti, percent, band, status, _submitted, note = cells
            assert rank.replace(" (đồng hạng)", "") == r["hang"] and ("đồng hạng" in rank) == (
                r["dong_hang"] == "x"
            )
            assert unit == r["don_vi"]
            assert points == _vn(r["tong_diem"])
            assert dti == (f"{Decimal(r['chi_so_dti']):.4f}".replace(".", ",") if r["chi_so_dti"] else "")
            assert percent == (
                f"{Decimal(r['ty_le_phan_tram']):.2f}".replace(".", ",") if r["ty_le_phan_tram"] else ""
            )
            assert band == r["xep_loai"]
            assert status == STATUS[r["trang_thai"]]
            assert note == r["ghi_chu"]
    return len(rows)


def test_example_scores_rank_and_the_page_matches_the_ranking_csv(
    campaign: Campaign, staff: Any, example: Path
) -> None:
    client = client_for(staff)
    # One unit sent nothing: it must show as "chưa nộp".
    lines = example.read_text(encoding="utf-8").splitlines(keepends=True)
    data = "".join(line for line in lines if not line.startswith("ubnd-huyen-son-dong;")).encode("utf-8")
    page = _post_scores(client, campaign, [("diem.csv", data)])
    assert page.status_code == 302
    run = ResultsRun.objects.get(campaign=campaign)
    assert page["Location"] == f"/ket-qua/{campaign.pk}/lan/1/"
    assert "Trang tự cập nhật khi tổng hợp xong" in client.get(page["Location"]).content.decode()
    assert run_pending() == 1
    run.refresh_from_db()
    assert run.status == JobStatus.DONE, (run.error, run.diagnostics)
    upload = ScoresUpload.objects.get()
    assert (upload.path / "diem.csv").read_bytes() == data  # stored as sent

    assert _page_matches_csv(client, campaign, run) == 29
    statuses = set(run.ranking.values_list("status", flat=True))
    assert {"ranked", "excluded", "missing"} <= statuses  # the campaign excludes late units
    missing = run.ranking.get(unit_id="ubnd-huyen-son-dong")
    assert (missing.status, missing.rank, missing.points) == ("missing", None, None)
    assert run.ranking.filter(tied=True).count() >= 2
    late = run.ranking.get(late=True)
    assert late.status == "excluded" and late.rank is None and "quá hạn nộp" in late.note

    # The documents, downloadable as written.
    kinds = [d.kind for d in run.documents.all()]
    assert kinds.count("to_trinh") == kinds.count("quyet_dinh") == 1
    notices = run.documents.filter(kind="thong_bao")
    assert notices.count() == 28  # every unit (the one that sent nothing too) but the Sở itself
    assert all(n.unit_name and n.label == f"Thông báo kết quả: {n.unit_name}" for n in notices)
    page = client.get(f"/ket-qua/{campaign.pk}/lan/1/").content.decode()
    assert "Tờ trình đề nghị công bố kết quả" in page and "Dự thảo Quyết định công bố kết quả" in page
    decision = run.documents.get(kind="quyet_dinh")
    response = client.get(f"/ket-qua/{campaign.pk}/lan/1/van-ban/{decision.pk}/goc/")
    assert b"".join(response.streaming_content) == decision.path.read_bytes()
    assert response["Content-Disposition"].startswith("attachment") and decision.name.endswith(".docx")
    assert (
        client.get(f"/ket-qua/{campaign.pk}/lan/1/van-ban/{decision.pk}/pdf/").status_code == 404
    )  # none made

    # Another tier through htmx: only the fragment.
    fragment = client.get(
        f"/ket-qua/{campaign.pk}/lan/1/", {"nhom": "huyen"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ranking"
    ).content.decode()
    assert fragment.lstrip().startswith('<div id="ranking">') and "UBND huyện Yên Thế" in fragment
    assert client.get(f"/ket-qua/{campaign.pk}/lan/1/", {"nhom": "xa"}).status_code == 404

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"tai_len_diem", "tong_hop_ket_qua", "xem_ket_qua", "tai_ve_van_ban_ket_qua"} <= actions


def test_a_zip_of_filled_forms_ranks_as_the_csv_does(campaign: Campaign, staff: Any, example: Path) -> None:
    client = client_for(staff)
    _post_scores(client, campaign, [("diem.csv", example.read_bytes())])
    forms = example.parent / "bieu_mau_da_dien"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(forms.iterdir()):
            zf.write(path, f"bieu-mau/{path.name}")
    assert _post_scores(client, campaign, [("bieu-mau.zip", buffer.getvalue())]).status_code == 302
    assert ScoresUpload.objects.order_by("pk").last().kind == "zip"
    assert run_pending() == 2
    by_csv, by_forms = ResultsRun.objects.order_by("number")
    assert by_csv.status == by_forms.status == JobStatus.DONE, (by_forms.error, by_forms.diagnostics)

    def ranking(run: ResultsRun) -> list[tuple[Any, ...]]:
        return list(run.ranking.values_list("tier_id", "rank", "unit_id", "points", "status", "note"))

    assert ranking(by_forms) == ranking(by_csv)

    # Several XLSX forms at once (with tiep_nhan.csv) are one upload too.
    files = [(p.name, p.read_bytes()) for p in sorted(forms.iterdir())]
    assert _post_scores(client, campaign, files).status_code == 302
    assert ScoresUpload.objects.order_by("pk").last().kind == "forms"
    assert run_pending() == 1
    third = ResultsRun.objects.get(number=3)
    assert third.status == JobStatus.DONE and ranking(third) == ranking(by_csv)


def test_scores_with_errors_are_listed_row_by_row_and_change_nothing(
    campaign: Campaign, staff: Any, example: Path
) -> None:
    client = client_for(staff)
    _post_scores(client, campaign, [("diem.csv", example.read_bytes())])
    run_pending()
    good = ResultsRun.objects.get()
    assert good.status == JobStatus.DONE
    documents_before = {d.stored_path: d.sha256 for d in good.documents.all()}

    lines = example.read_text(encoding="utf-8").splitlines()
    head, first, second = lines[0], lines[1].split(";"), lines[2].split(";")
    first[2] = "999"  # over the maximum
    second[2] = "mười"  # not a number
    bad_rows = [head, ";".join(first), ";".join(second), "so-khong-co;1.1;5;;;;", *lines[3:]]
    page = _post_scores(client, campaign, [("diem-loi.csv", ("\n".join(bad_rows) + "\n").encode("utf-8"))])
    assert page.status_code == 302
    run_pending()
    bad = ResultsRun.objects.get(number=2)
    assert bad.status == JobStatus.FAILED and "lỗi cần sửa" in bad.error
    page = client.get(f"/ket-qua/{campaign.pk}/lan/2/").content.decode()
    rows = _table(page, "diagnostics")
    errors = [r for r in rows if r[0] == "Lỗi"]
    by_row = {r[3]: r for r in errors}
    assert "vượt điểm tối đa" in by_row["2"][6] and by_row["2"][1] == "diem-loi.csv"
    assert by_row["2"][4] == "Văn phòng UBND tỉnh" and by_row["2"][5] == "1.1"
    assert "không phải là số" in by_row["3"][6]
    assert "so-khong-co" in by_row["4"][6]
    assert "Kết quả đang dùng vẫn là lần 1" in page
    assert "tmp" not in " ".join(" ".join(r) for r in rows)  # no server paths

    # Nothing changed: no ranking or documents for the failed run, the current results are the first run's.
    assert (
        not RankingEntry.objects.filter(run=bad).exists()
        and not ResultDocument.objects.filter(run=bad).exists()
    )
    assert not (bad.folder / "van-ban").exists()
    assert {d.stored_path: d.sha256 for d in good.documents.all()} == documents_before
    overview = client.get(f"/ket-qua/{campaign.pk}/").content.decode()
    assert "Lần tổng hợp 2 không thành công" in overview and 'id="diagnostics"' in overview
    assert "Lần tổng hợp 1 (" in overview


def test_refused_score_uploads_say_why_and_keep_nothing(
    campaign: Campaign, staff: Any, settings: Any
) -> None:
    client = client_for(staff)
    cases = [
        ([("diem.pdf", b"%PDF-1.7\n")], "không phải tệp CSV, biểu mẫu Excel"),
        (
            [("a.xlsx", b"PK\x03\x04" + b"\x00" * 40), ("ghi-chu.txt", b"xin chao")],
            "«ghi-chu.txt» không phải biểu mẫu",
        ),
        ([("a.csv", b"\x00\x01\x02binary")], "không phải tệp CSV"),
    ]
    for files, message in cases:
        page = _post_scores(client, campaign, files)
        assert page.status_code == 400 and message in page.content.decode(), message
    settings.VANBAN_MAX_UPLOAD_MB = 1
    page = _post_scores(client, campaign, [("diem.csv", b"don_vi;ma_chi_so;diem\n" * 60000)])
    assert page.status_code == 400 and "vượt giới hạn 1 MB" in page.content.decode()
    assert not ScoresUpload.objects.exists() and not ResultsRun.objects.exists()
    assert not (campaign.folder / "ket-qua" / "diem").exists() or not any(
        p.is_file() for p in (campaign.folder / "ket-qua" / "diem").rglob("*")
    )


def test_a_csv_in_another_encoding_is_kept_and_the_run_says_how_to_fix_it(
    campaign: Campaign, staff: Any
) -> None:
    client = client_for(staff)
    # A CSV saved in the Windows code page («Đơn vị lạ» in Windows-1258) is kept; the run says how to save it as
    # UTF-8.
    page = _post_scores(
        client, campaign, [("diem-ansi.csv", b"don_vi;ma_chi_so;diem\n\xd0\xf5n vi\xf2 la\xf2;1.1;5\n")]
    )
    assert page.status_code == 302
    run_pending()
    run = ResultsRun.objects.get()
    assert run.status == JobStatus.FAILED and "không phải UTF-8" in run.error and "CSV UTF-8" in run.error
    assert "Tệp diem-ansi.csv không phải UTF-8" in run.error  # named as sent, without the server's folders


def test_blank_forms_example_scores_and_the_demo_button(campaign: Campaign, staff: Any) -> None:
    client = client_for(staff)
    response = client.get(f"/ket-qua/{campaign.pk}/bieu-mau-trong/")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert len([n for n in names if n.endswith(".xlsx")]) == 2  # one per tier
    response = client.get(f"/ket-qua/{campaign.pk}/diem-mau/tai-ve/")
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert "diem_tu_danh_gia.csv" in names and any(n.startswith("bieu_mau_da_dien/") for n in names)

    assert client.post(f"/ket-qua/{campaign.pk}/diem-mau/").status_code == 302
    assert ScoresUpload.objects.get().example
    assert run_pending() == 1
    assert ResultsRun.objects.get().status == JobStatus.DONE
    assert {"tai_ve_bieu_mau_trong", "tai_ve_diem_mau", "tao_diem_mau"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )


def test_who_may_see_and_run_results(campaign: Campaign, staff: Any, agency: Agency, example: Path) -> None:
    client = client_for(staff)
    _post_scores(client, campaign, [("diem.csv", example.read_bytes())])
    run_pending()
    run = ResultsRun.objects.get()
    doc = run.documents.first()
    base = f"/ket-qua/{campaign.pk}"
    reads = [
        f"{base}/",
        f"{base}/lan/1/",
        f"{base}/lan/1/van-ban/{doc.pk}/goc/",
        f"{base}/diem/{run.upload.pk}/0/",
    ]
    writes = [f"{base}/tai-len/", f"{base}/diem-mau/"]
    clerk = make_user("vanthu", Role.CLERK, agency)
    unit = Unit.objects.create(agency=agency, code="so-y-te", name="Sở Y tế")
    unit_staff = make_user("donvi", Role.UNIT_STAFF, agency, unit)
    outsider = make_user(
        "ngoai", Role.SO_STAFF, Agency.objects.create(code="khac", name="Sở khác", abbreviation="SK")
    )
    for url in reads:
        assert client_for(clerk).get(url).status_code == 200, url
        assert client_for(unit_staff).get(url).status_code == 403, url
        assert client_for(outsider).get(url).status_code == 404, url
    for url in writes:
        assert client_for(clerk).post(url).status_code == 403, url
        assert client_for(outsider).post(url).status_code == 404, url
    assert Client().get(reads[0]).status_code == 302


@pytest.mark.soffice
@pytest.mark.slow
def test_documents_with_their_pdf(agency: Agency, staff: Any) -> None:
    import yaml

    data = yaml.safe_load((EXAMPLES / "bacgiang-2023.yaml").read_text(encoding="utf-8"))
    for tier in data["tiers"]:
        tier["units"] = tier["units"][:2] if tier["id"] == "so" else tier["units"][-2:]
    campaign = Campaign.objects.create(
        agency=agency, slug="nho", title="Đợt nhỏ", year=2023, source=yaml.safe_dump(data, allow_unicode=True)
    )
    client = client_for(staff)
    assert client.post(f"/ket-qua/{campaign.pk}/diem-mau/", {"pdf": "on"}).status_code == 302
    assert run_pending() == 1
    run = ResultsRun.objects.get(campaign=campaign)
    assert run.status == JobStatus.DONE and run.pdf, run.error
    documents = [d for d in run.documents.all() if d.kind != "xep_hang"]
    assert len(documents) == 2 + 4 and all(d.pdf_path for d in documents)
    page = client.get(f"/ket-qua/{campaign.pk}/lan/1/").content.decode()
    assert page.count(">PDF</a>") == len(documents)
    response = client.get(f"/ket-qua/{campaign.pk}/lan/1/van-ban/{documents[0].pk}/pdf/")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")

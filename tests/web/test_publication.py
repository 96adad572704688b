"""From the online campaign's final scores to the published results: «Tổng hợp kết quả từ hệ thống» writes the
scores file (stored as an upload, byte for byte), the results run ranks it (the ranking equals what the final
scores imply, computed here independently; a late unit is not ranked under late_rule «exclude»; a unit that
never sent is «chưa nộp»), the Tờ trình, the Quyết định and the notices become documents of the campaign; the
Quyết định is submitted, approved, signed with the demo PKI and issued; «Công bố kết quả» then shows each unit
its own notice only, tells it by e-mail (a real SMTP server on 127.0.0.1) and publishes the ranking without
login. Nothing is public before, and a later run that is not published stays private."""

from __future__ import annotations

import csv
import email
import hashlib
import html
import io
import re
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_DOWN, Decimal
from email import policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from docx import Document as DocxDocument

from letters.core.vn import vn_today
from letters.usecases.signing import Pkcs12Key, SignDocumentsRequest, sign_documents, write_specimens
from signing.demo.pki import DIRECTOR_NAME, DemoPKI
from tests.conftest import EXAMPLES
from tests.pki_fixtures import demo_pki, pki_server  # noqa: F401
from tests.web.assessment_support import (  # noqa: F401 - fixtures
    agency,
    at,
    client_for,
    files_dir,
    make_user,
    three_tier,
)
from tests.web.servers import free_port
from web.accounts.models import Agency, Role
from web.assessment import clock
from web.assessment.models import Entry, Extension, State, Submission
from web.assessment.plans import plan_for
from web.assessment.services import confirm, ensure_submissions, save_appraisal, save_self_score
from web.assessment.states import take
from web.audit.models import AuditEvent
from web.campaigns.models import Campaign
from web.documents.models import DocumentKind
from web.issuance import services as issuance
from web.issuance.models import CheckStatus, IssuanceSettings, IssuedDocument, SigningKey
from web.jobs.models import JobStatus
from web.jobs.runner import run_pending
from web.results.models import NoticeMail, Publication, RankingEntry, ResultDocument, ResultsRun, ScoresUpload
from web.results.online import system_scores

pytestmark = pytest.mark.django_db

PASSWORD_ENV = "VANBAN_TEST_P12_PASSWORD"
ON_TIME = "22/01/2026 10:00"
LATE = "25/01/2026 10:00"


# --------------------------------------------------------------------------- set-up


@pytest.fixture()
def campaign(agency: Agency) -> Campaign:
    """Phú Thọ 2026 (two tiers, late units excluded), its Quyết định signed by the demo PKI's director and its
    documents dated this year (an issue date must fall in the year a document prints)."""
    source = (EXAMPLES / "phutho-2026.yaml").read_text(encoding="utf-8")
    assert "    name: Hoàng Văn Quang\n" in source and "  issue_year: 2026 " in source
    source = source.replace("    name: Hoàng Văn Quang\n", f"    name: {DIRECTOR_NAME}\n", 1)
    source = source.replace("  issue_year: 2026 ", f"  issue_year: {vn_today().year} ", 1)
    created = Campaign.objects.create(
        agency=agency, slug="phutho-2026", title="Đánh giá DTI năm 2025", year=2025, source=source
    )
    created.write_yaml()
    ensure_submissions(created)
    return created


def _value(max_points: Decimal, unit: int, indicator: int) -> Decimal:
    """A score between 40% and 100% of the maximum, different per unit and indicator."""
    share = Decimal(40 + (unit * 7 + indicator * 13) % 61) / 100
    return (max_points * share).quantize(Decimal("0.01"), ROUND_DOWN)


def _subs(campaign: Campaign, tier: str) -> list[Submission]:
    return list(Submission.objects.filter(campaign=campaign, tier=tier).select_related("unit").order_by("id"))


def _seed(campaign: Campaign, staff: Any) -> dict[str, dict[str, Any]]:
    """Units of both tiers with final scores (their own, or round 1's, or round 2's), one sent late, some never
    sent. Returns per unit id what it was given: {"final": {code: score}, "sent": "on_time"|"late"|None}."""
    plan = plan_for(campaign)
    given: dict[str, dict[str, Any]] = {}

    # One unit the whole way through the pages' services: scores, leader's confirmation, appraisal, final.
    first = _subs(campaign, "so")[0]
    unit_staff = make_user("dv-cv", Role.UNIT_STAFF, campaign.agency, first.unit)
    unit_leader = make_user("dv-ld", Role.UNIT_LEADER, campaign.agency, first.unit)
    clock.set_now(at("20/01/2026 09:00"))
    rows = {r.code: r for r in plan.tier("so").rows}
    finals: dict[str, Decimal] = {}
    for n, entry in enumerate(first.entries.order_by("id")):
        value = _value(rows[entry.code].max_points, 0, n)
        save_self_score(entry, unit_staff, score=str(value), note="Thuyết minh", seen_version=entry.version)
        finals[entry.code] = value
    take(first, "trinh_lanh_dao", unit_staff)
    confirm(first, unit_leader)
    take(first, "bat_dau_tham_dinh", staff)
    for n, entry in enumerate(first.entries.order_by("id")):
        if n == 0:  # the appraiser disagrees with the first indicator, accepts the others
            save_appraisal(
                entry,
                staff,
                round_no=1,
                accept=False,
                score="0",
                reason="Không có tài liệu",
                seen_version=entry.version,
            )
            finals[entry.code] = Decimal("0")
        else:
            save_appraisal(
                entry, staff, round_no=1, accept=True, score=None, reason="", seen_version=entry.version
            )
    take(first, "chot_diem", staff)
    given[first.unit.code] = {"final": finals, "sent": "on_time"}

    # The others seeded directly: 12 more Sở-level units and 10 communes final, one late, the rest never sent.
    for tier, final_count, late_index in (("so", 13, 13), ("xa", 10, None)):
        rows = {r.code: r for r in plan.tier(tier).rows}
        for u, sub in enumerate(_subs(campaign, tier)):
            if tier == "so" and u == 0:
                continue
            late = u == late_index
            if u >= final_count and not late:
                continue  # never sent: «chưa nộp»
            key = u if not (tier == "xa" and u == 3) else 2  # commune 3 scores exactly as commune 2: a tie
            finals = {}
            entries = list(sub.entries.order_by("id"))
            for n, e in enumerate(entries):
                e.self_score = _value(rows[e.code].max_points, key + (100 if tier == "xa" else 0), n)
                e.self_note = "Chưa đạt tối đa"
                final = e.self_score
                if n % 5 == 0:
                    e.score_1 = (e.self_score * Decimal("0.8")).quantize(Decimal("0.01"), ROUND_DOWN)
                    final = e.score_1
                if n % 10 == 0:
                    e.score_2 = (e.self_score * Decimal("0.9")).quantize(Decimal("0.01"), ROUND_DOWN)
                    final = e.score_2
                finals[e.code] = final
            Entry.objects.bulk_update(entries, ["self_score", "self_note", "score_1", "score_2"])
            Submission.objects.filter(pk=sub.pk).update(
                state=State.FINAL, started=True, late=late, submitted_at=at(LATE if late else ON_TIME)
            )
            given[sub.unit.code] = {"final": finals, "sent": "late" if late else "on_time"}
    return given


def _expected_ranking(campaign: Campaign, given: dict[str, dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    """unit id -> (status, rank, points), from the scores given alone (competition ranking: 1, 1, 3)."""
    plan = plan_for(campaign)
    expected: dict[str, tuple[Any, ...]] = {}
    for tier in plan.tiers:
        units = [u for u in plan.units if u.tier == tier.id]
        totals = {
            u.key: sum(given[u.key]["final"].values(), Decimal(0))
            for u in units
            if u.key in given and given[u.key]["sent"] == "on_time"
        }
        for u in units:
            if u.key in totals:
                better = sum(1 for t in totals.values() if t > totals[u.key])
                expected[u.key] = ("ranked", better + 1, totals[u.key])
            elif u.key in given:
                expected[u.key] = ("excluded", None, None)
            else:
                expected[u.key] = ("missing", None, None)
    return expected


@pytest.fixture()
def so_people(agency: Agency) -> dict[Role, Any]:
    return {
        role: make_user(f"so-{role.value}", role, agency, full_name=f"Người {role.label}")
        for role in (Role.SO_STAFF, Role.SO_LEADER, Role.CLERK)
    }


def _run_from_system(client: Client, campaign: Campaign) -> ResultsRun:
    response = client.post(f"/ket-qua/{campaign.pk}/tu-he-thong/")
    assert response.status_code == 302, response.content.decode()[:2000]
    run = ResultsRun.objects.order_by("-number").first()
    assert run is not None and response["Location"] == f"/ket-qua/{campaign.pk}/lan/{run.number}/"
    assert run_pending() == 1
    run.refresh_from_db()
    assert run.status == JobStatus.DONE, (run.error, run.diagnostics)
    return run


# --------------------------------------------------------------------------- from the final scores to the ranking


def test_final_scores_make_the_scores_file_the_ranking_and_the_campaigns_documents(
    campaign: Campaign, so_people: dict[Role, Any]
) -> None:
    staff = so_people[Role.SO_STAFF]
    given = _seed(campaign, staff)
    client = client_for(staff)
    overview = client.get(f"/ket-qua/{campaign.pk}/").content.decode()
    assert "24/47 đơn vị đã gửi số liệu về Sở" in overview and "Tổng hợp kết quả từ hệ thống" in overview
    run = _run_from_system(client, campaign)

    # The scores file: stored as an upload, byte for byte, in the documented format.
    upload = ScoresUpload.objects.get()
    assert upload.from_system and upload.kind == "csv" and run.upload_id == upload.pk and run.pdf
    stored = upload.path / upload.files[0]["name"]
    data = stored.read_bytes()
    assert (
        hashlib.sha256(data).hexdigest() == upload.files[0]["sha256"] and len(data) == upload.files[0]["size"]
    )
    assert data == system_scores(campaign).data  # the same data give the same bytes
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8")), delimiter=";"))
    assert list(rows[0]) == [
        "don_vi",
        "ma_chi_so",
        "diem",
        "giai_trinh",
        "tai_lieu_kiem_chung",
        "ngay_nop",
        "da_tham_dinh",
    ]
    assert {r["don_vi"] for r in rows} == set(given)
    first = next(r for r in rows if r["don_vi"] == _subs(campaign, "so")[0].unit.code)
    assert (first["diem"], first["ngay_nop"], first["da_tham_dinh"]) == ("0", "20/01/2026", "")
    assert first["giai_trinh"] == "Thuyết minh Thẩm định lần 1: Không có tài liệu"
    sent_on = {"late": "25/01/2026", "on_time": "22/01/2026"}
    for r in rows:
        assert Decimal(r["diem"].replace(",", ".")) == given[r["don_vi"]]["final"][r["ma_chi_so"]]
        if r["don_vi"] != first["don_vi"]:
            assert r["ngay_nop"] == sent_on[given[r["don_vi"]]["sent"]]

    # The ranking equals what the final scores imply; the late unit is not ranked, the silent ones «chưa nộp».
    expected = _expected_ranking(campaign, given)
    ranking = {e.unit_id: e for e in RankingEntry.objects.filter(run=run)}
    assert set(ranking) == set(expected)
    for unit_id, (status, rank, points) in expected.items():
        entry = ranking[unit_id]
        assert (entry.status, entry.rank) == (status, rank), unit_id
        if points is not None:
            assert entry.points == points
    late = next(k for k, v in given.items() if v["sent"] == "late")
    assert ranking[late].late and "quá hạn nộp" in ranking[late].note
    assert sum(1 for e in ranking.values() if e.tied) >= 2
    page = client.get(f"/ket-qua/{campaign.pk}/lan/{run.number}/").content.decode()
    assert "Bảng xếp hạng" in page and ranking[late].unit_name in page

    # The Tờ trình, the Quyết định and the notices are documents of the campaign, each with its signer.
    version = run.document_version
    assert version is not None and version.ready and version.origin == "ket_qua"
    documents = list(version.documents.all())
    kinds = [d.kind for d in documents]
    assert kinds.count(DocumentKind.TO_TRINH) == kinds.count(DocumentKind.QUYET_DINH) == 1
    assert kinds.count(DocumentKind.THONG_BAO) == 46  # every unit but the Sở itself
    decision = next(d for d in documents if d.kind == DocumentKind.QUYET_DINH)
    proposal = next(d for d in documents if d.kind == DocumentKind.TO_TRINH)
    assert decision.signer == DIRECTOR_NAME and proposal.signer == "Nguyễn Thành Trung"
    assert decision.issuable and decision.doc_type == "QĐ" and decision.pages >= 2
    for doc in ResultDocument.objects.filter(run=run, document__isnull=False).select_related("document"):
        assert doc.document.office_file.read_bytes() == doc.path.read_bytes()
    assert f"/van-ban/{campaign.pk}/v{version.number}/" in page
    assert f"/van-ban/tep/{decision.pk}/tai/pdf/" in page
    docs_page = client.get(f"/van-ban/{campaign.pk}/").content.decode()
    assert "Dự thảo Quyết định công bố kết quả" in docs_page
    assert f'action="/ban-hanh/trinh/{decision.pk}/"' in docs_page  # submitted for signing there
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"tong_hop_diem_tu_he_thong", "tong_hop_ket_qua", "dang_ky_van_ban_ket_qua"} <= actions


def test_da_tham_dinh_says_whether_the_district_finished_with_its_commune(three_tier: Any) -> None:
    communes = _subs(three_tier, "xa")[:3]
    district = _subs(three_tier, "huyen")[0]
    for sub, state in zip(
        (*communes, district), (State.FINAL, State.REAPPRAISAL, State.DRAFT, State.SUBMITTED), strict=True
    ):
        Submission.objects.filter(pk=sub.pk).update(
            state=state, submitted_at=None if state == State.DRAFT else at("01/11/2024 23:30")
        )
        Entry.objects.filter(submission=sub).update(self_score=Decimal("0.5"))
    rows = list(csv.DictReader(io.StringIO(system_scores(three_tier).data.decode()), delimiter=";"))
    appraised = {r["don_vi"]: r["da_tham_dinh"] for r in rows}
    assert appraised == {
        communes[0].unit.code: "có",
        communes[1].unit.code: "không",
        district.unit.code: "",
    }
    assert {r["ngay_nop"] for r in rows} == {"01/11/2024"}  # 23:30 in Việt Nam is still that day


def test_a_unit_sent_within_its_extension_after_the_tier_deadline_is_named(campaign: Campaign) -> None:
    extended, late = _subs(campaign, "so")[:2]
    for sub, is_late in ((extended, False), (late, True)):
        Submission.objects.filter(pk=sub.pk).update(
            state=State.SUBMITTED, late=is_late, submitted_at=at(LATE)
        )
        Entry.objects.filter(submission=sub).update(self_score=Decimal("0.5"))
    scores = system_scores(campaign)
    assert scores.units == 2 and scores.extended == [extended.unit.name]
    assert len(scores.not_sent) == 45 and scores.unscored == 0


def test_nothing_to_rank_before_any_unit_sends(campaign: Campaign, so_people: dict[Role, Any]) -> None:
    client = client_for(so_people[Role.SO_STAFF])
    response = client.post(f"/ket-qua/{campaign.pk}/tu-he-thong/", follow=True)
    assert "Chưa có đơn vị nào gửi số liệu tự đánh giá về Sở" in response.content.decode()
    assert not ScoresUpload.objects.exists() and not ResultsRun.objects.exists()
    clerk = client_for(so_people[Role.CLERK])
    assert clerk.post(f"/ket-qua/{campaign.pk}/tu-he-thong/").status_code == 403


# --------------------------------------------------------------------------- issuing and publishing


class Mailbox:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture()
def smtp(settings: Any) -> Iterator[Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.DEFAULT_FROM_EMAIL = "vanban@so.example.vn"
    try:
        yield mailbox
    finally:
        controller.stop()


def _configure_issuance(
    agency: Agency, pki: DemoPKI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quản trị's part: the agency's key, the seal, the demo root as trusted."""
    monkeypatch.setenv(PASSWORD_ENV, pki.password)
    p12, p12_sha = issuance.store_configuration_file(
        agency.pk, "khoa", pki.agency_p12.read_bytes(), ".p12", secret=True
    )
    key = SigningKey.objects.create(
        agency=agency,
        name="Khoá cơ quan",
        purpose=SigningKey.Purpose.AGENCY,
        kind=SigningKey.Kind.PKCS12,
        p12_path=p12,
        p12_sha256=p12_sha,
        password_env=PASSWORD_ENV,
    )
    _, seal = write_specimens(tmp_path / "mau")
    seal_path, seal_sha = issuance.store_configuration_file(agency.pk, "con-dau", seal.read_bytes(), ".png")
    trust_path, trust_sha = issuance.store_configuration_file(
        agency.pk, "tin-cay", pki.root_path.read_bytes(), ".pem"
    )
    IssuanceSettings.objects.update_or_create(
        agency=agency,
        defaults={
            "agency_key": key,
            "seal_path": seal_path,
            "seal_sha256": seal_sha,
            "trust_path": trust_path,
            "trust_sha256": trust_sha,
        },
    )


def _issue_decision(run: ResultsRun, people: dict[Role, Any], pki: DemoPKI, tmp_path: Path) -> IssuedDocument:
    """Submitted by the chuyên viên, approved by the lãnh đạo, signed by the Quyết định's signer on their own
    computer and uploaded, issued by the văn thư."""
    decision = run.document_version.documents.get(kind=DocumentKind.QUYET_DINH)  # type: ignore[union-attr]
    draft = issuance.submit(decision, people[Role.SO_STAFF])
    assert (draft.doc_type, draft.signer_name) == ("QĐ", DIRECTOR_NAME)
    issuance.approve(draft, people[Role.SO_LEADER])
    source, signed = tmp_path / "qd.pdf", tmp_path / "qd.ky-duyet.pdf"
    source.write_bytes(draft.pdf.read_bytes())
    sign_documents(
        SignDocumentsRequest(files=((source, signed),), key=Pkcs12Key(pki.director_p12, pki.password))
    )
    upload = issuance.receive_upload(
        draft, SimpleUploadedFile("qd.ky-duyet.pdf", signed.read_bytes()), people[Role.SO_LEADER]
    )
    assert run_pending() == 1
    upload.refresh_from_db()
    assert upload.status == CheckStatus.ACCEPTED, upload.problems
    draft.refresh_from_db()
    issuance.start_issue(draft, people[Role.CLERK], vn_today())
    assert run_pending() == 1
    return IssuedDocument.objects.get(draft=draft)


def _mail(envelope: Any) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.content, policy=policy.default)  # type: ignore[return-value]


def _public_rows(page: str) -> list[list[str]]:
    table = re.search(r'<table id="ranking-table">(.*?)</table>', page, re.S)
    assert table is not None
    return [
        [
            " ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split())
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr data-unit[^>]*>(.*?)</tr>", table.group(1), re.S)
    ]


@pytest.mark.slow
def test_published_once_the_decision_is_issued_each_unit_its_own_notice_and_the_public_ranking(
    campaign: Campaign,
    so_people: dict[Role, Any],
    pki_server: DemoPKI,  # noqa: F811
    smtp: Mailbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    staff = client_for(so_people[Role.SO_STAFF])
    given = _seed(campaign, so_people[Role.SO_STAFF])
    run = _run_from_system(staff, campaign)
    ranked_so = _subs(campaign, "so")[1]
    commune = _subs(campaign, "xa")[0]
    silent = _subs(campaign, "so")[15]
    people = {
        "so": [
            make_user("so-a-cv", Role.UNIT_STAFF, campaign.agency, ranked_so.unit),
            make_user("so-a-ld", Role.UNIT_LEADER, campaign.agency, ranked_so.unit),
        ],
        "xa": [make_user("xa-a-ld", Role.UNIT_LEADER, campaign.agency, commune.unit)],
        "silent": [make_user("so-b-cv", Role.UNIT_STAFF, campaign.agency, silent.unit)],
    }
    for n, user in enumerate(people["so"] + people["xa"] + people["silent"]):
        user.email = f"nguoi{n}@donvi.example.vn"
        user.save()
    no_address = make_user("xa-b-cv", Role.UNIT_STAFF, campaign.agency, _subs(campaign, "xa")[1].unit)
    unit_a = client_for(people["so"][0])
    anonymous = Client()
    public_url = f"/xep-hang/{campaign.agency.code}/{campaign.slug}/"

    # Before publication: nothing public, no notice in the units' accounts; publishing is refused.
    assert "Chưa có kết quả nào được công bố" in anonymous.get("/xep-hang/").content.decode()
    assert anonymous.get(public_url).status_code == 404
    assert anonymous.get(public_url + "quyet-dinh.pdf").status_code == 404
    notice_a = ResultDocument.objects.get(run=run, kind="thong_bao", unit_key=ranked_so.unit.code)
    assert "Chưa có thông báo kết quả nào" in unit_a.get("/theo-doi/thong-bao/").content.decode()
    assert unit_a.get(f"/theo-doi/thong-bao/{notice_a.pk}/pdf/").status_code == 404
    refused = staff.post(f"/ket-qua/{campaign.pk}/lan/{run.number}/cong-bo/", follow=True).content.decode()
    assert "chưa được ban hành" in refused and not Publication.objects.exists()

    _configure_issuance(campaign.agency, pki_server, tmp_path, monkeypatch)
    issued = _issue_decision(run, so_people, pki_server, tmp_path)
    page = staff.get(f"/ket-qua/{campaign.pk}/lan/{run.number}/").content.decode()
    assert f"Đã ban hành: số {issued.reference}" in page and 'id="publish-form"' in page
    assert anonymous.get(public_url).status_code == 404  # issued is not yet published

    # «Công bố kết quả»: a unit role may not; the Sở's chuyên viên does.
    assert unit_a.post(f"/ket-qua/{campaign.pk}/lan/{run.number}/cong-bo/").status_code in (403, 404)
    response = staff.post(f"/ket-qua/{campaign.pk}/lan/{run.number}/cong-bo/")
    assert response.status_code == 302
    publication = Publication.objects.get()
    assert publication.run_id == run.pk and publication.issued_id == issued.pk
    assert staff.post(f"/ket-qua/{campaign.pk}/lan/{run.number}/cong-bo/").status_code == 302
    assert Publication.objects.count() == 1  # once

    # The e-mails: one per unit with an address, to every such account of it.
    assert run_pending() == 1
    got = {tuple(sorted(e.rcpt_tos)): _mail(e) for e in smtp.envelopes}
    assert set(got) == {
        ("nguoi0@donvi.example.vn", "nguoi1@donvi.example.vn"),
        ("nguoi2@donvi.example.vn",),
        ("nguoi3@donvi.example.vn",),
    }
    mail = got[("nguoi0@donvi.example.vn", "nguoi1@donvi.example.vn")]
    assert (
        str(mail["Subject"]).strip().startswith("Thông báo kết quả đánh giá, xếp hạng mức độ chuyển đổi số")
    )
    body = mail.get_content()
    assert f"Kính gửi {ranked_so.unit.name}," in body and f"Quyết định số {issued.reference}" in body
    assert "http://testserver/theo-doi/thong-bao/" in body and f"http://testserver{public_url}" in body
    assert NoticeMail.objects.filter(publication=publication).count() == 3
    assert no_address.email == ""

    # Each unit finds its own notice, and only its own.
    notices = unit_a.get("/theo-doi/thong-bao/").content.decode()
    assert notice_a.label in notices and f"Quyết định số <strong>{issued.reference}</strong>" in notices
    assert (
        unit_a.get(f"/theo-doi/thong-bao/{notice_a.pk}/pdf/").getvalue()
        == Path(notice_a.path.with_suffix(".pdf")).read_bytes()
    )
    assert unit_a.get(f"/theo-doi/thong-bao/{notice_a.pk}/goc/").getvalue() == notice_a.path.read_bytes()
    notice_b = ResultDocument.objects.get(run=run, kind="thong_bao", unit_key=commune.unit.code)
    assert notice_b.label not in notices
    assert unit_a.get(f"/theo-doi/thong-bao/{notice_b.pk}/pdf/").status_code == 404
    assert client_for(people["xa"][0]).get(f"/theo-doi/thong-bao/{notice_b.pk}/pdf/").status_code == 200
    assert client_for(so_people[Role.SO_STAFF]).get("/theo-doi/thong-bao/").status_code == 403

    # The public ranking, without login: per tier rank, unit, points, band; the issued Quyết định.
    index = anonymous.get("/xep-hang/").content.decode()
    assert f"Số {issued.reference}" in index and public_url in index
    public = anonymous.get(public_url).content.decode()
    assert issued.reference in public and issued.issue_date.strftime("%d/%m/%Y") in public
    expected = _expected_ranking(campaign, given)
    for tier in ("so", "xa"):
        shown = _public_rows(anonymous.get(public_url, {"nhom": tier}).content.decode())
        want = sorted(
            (e for e in RankingEntry.objects.filter(run=run, tier_id=tier, status="ranked")),
            key=lambda e: e.position,
        )
        tier_of = {u.key: u.tier for u in plan_for(campaign).units}
        assert (
            len(shown)
            == len(want)
            == sum(1 for u, v in expected.items() if v[0] == "ranked" and tier_of[u] == tier)
        )
        for cells, e in zip(shown, want, strict=True):
            rank, unit, points, band = cells
            assert rank.replace(" (đồng hạng)", "") == str(expected[e.unit_id][1])
            assert unit == e.unit_name and band == e.band
            assert Decimal(points.replace(".", "").replace(",", ".")) == expected[e.unit_id][2]
    assert anonymous.get(public_url + "quyet-dinh.pdf").getvalue() == issued.path.read_bytes()

    # A later run, not published: nothing of it is public or in the units' accounts.
    # (Its scores uploaded as a corrected file, without PDFs: the quickest real run.)
    first_unit = _subs(campaign, "so")[0]
    corrected = b"".join(
        re.sub(rb";[0-9,]+;", b";0;", line, count=1)
        if line.startswith(first_unit.unit.code.encode() + b";")
        else line
        for line in ScoresUpload.objects.get()
        .path.joinpath("diem_tu_he_thong.csv")
        .read_bytes()
        .splitlines(True)
    )
    upload = staff.post(
        f"/ket-qua/{campaign.pk}/tai-len/", {"files": [SimpleUploadedFile("sua.csv", corrected)]}
    )
    assert upload.status_code == 302 and run_pending() == 1
    second = ResultsRun.objects.get(number=2)
    assert second.status == JobStatus.DONE and second.document_version is None  # no PDF: nothing to sign
    assert RankingEntry.objects.get(run=second, unit_id=first_unit.unit.code).points == Decimal("0")
    assert RankingEntry.objects.get(run=second, unit_id=first_unit.unit.code).points == Decimal("0")
    published = RankingEntry.objects.get(run=run, unit_id=first_unit.unit.code)
    assert published.points is not None and published.points > 0
    shown = {
        row[1]: row[2] for row in _public_rows(anonymous.get(public_url, {"nhom": "so"}).content.decode())
    }
    assert Decimal(shown[published.unit_name].replace(".", "").replace(",", ".")) == published.points
    later_notice = ResultDocument.objects.get(run=second, kind="thong_bao", unit_key=ranked_so.unit.code)
    assert unit_a.get(f"/theo-doi/thong-bao/{later_notice.pk}/pdf/").status_code == 404
    assert unit_a.get("/theo-doi/thong-bao/").content.decode().count('class="card" id="thong-bao-') == 1

    actions = list(AuditEvent.objects.values_list("action", flat=True))
    for action in (
        "cong_bo_ket_qua_bi_tu_choi",
        "cong_bo_ket_qua",
        "gui_thu_bao_ket_qua",
        "tai_thong_bao_ket_qua",
    ):
        assert action in actions, action


def test_a_unit_sent_within_its_extension_is_ranked_not_late(
    campaign: Campaign, so_people: dict[Role, Any]
) -> None:
    """Phú Thọ 2026 excludes late units; the tier's deadline is 23/01/2026. A unit the Sở extended to 30/01 and
    that sent on 25/01 is ranked and no document calls it late; a unit without an extension sending the same day
    is late and not ranked."""
    staff = so_people[Role.SO_STAFF]
    extended, late = _subs(campaign, "so")[:2]
    Extension.objects.create(
        campaign=campaign, unit=extended.unit, until=date(2026, 1, 28), reason="Mất điện", granted_by=staff
    )
    Extension.objects.create(  # the latest grant counts
        campaign=campaign,
        unit=extended.unit,
        until=date(2026, 1, 30),
        reason="Gia hạn thêm",
        granted_by=staff,
    )
    for sub, is_late in ((extended, False), (late, True)):
        Submission.objects.filter(pk=sub.pk).update(
            state=State.FINAL, started=True, late=is_late, submitted_at=at(LATE)
        )
        Entry.objects.filter(submission=sub).update(self_score=Decimal("0.5"), self_note="Chưa đạt tối đa")
    client = client_for(staff)
    response = client.post(f"/ket-qua/{campaign.pk}/tu-he-thong/", follow=True)
    assert "không có gia hạn đến ngày gửi" not in response.content.decode()
    assert run_pending() == 1
    run = ResultsRun.objects.get()
    assert run.status == JobStatus.DONE, (run.error, run.diagnostics)

    upload = ScoresUpload.objects.get()
    rows = list(
        csv.DictReader(io.StringIO(upload.path.joinpath(upload.files[0]["name"]).read_text()), delimiter=";")
    )
    assert {(r["don_vi"], r["ngay_nop"], r["han_nop"]) for r in rows} == {
        (extended.unit.code, "25/01/2026", "30/01/2026"),
        (late.unit.code, "25/01/2026", ""),
    }
    ranking = {e.unit_id: e for e in RankingEntry.objects.filter(run=run)}
    ok, bad = ranking[extended.unit.code], ranking[late.unit.code]
    assert (ok.status, ok.rank, ok.late, ok.note) == ("ranked", 1, False, "")
    assert (bad.status, bad.rank, bad.late) == ("excluded", None, True)
    assert "quá hạn nộp là chậm nhất ngày 23/01/2026" in bad.note

    proposal = ResultDocument.objects.get(run=run, kind="to_trinh")
    text = " ".join(p.text for p in DocxDocument(str(proposal.path)).paragraphs)
    assert f"{late.unit.name} (gửi kết quả ngày 25/01/2026, quá hạn nộp" in text
    assert f"{extended.unit.name} (gửi kết quả" not in text
    notice = ResultDocument.objects.get(run=run, kind="thong_bao", unit_key=extended.unit.code)
    said = " ".join(p.text for p in DocxDocument(str(notice.path)).paragraphs)
    assert "Xếp hạng: 1 trong số 1 sở, ban, ngành được xếp hạng" in said
    assert "quá hạn" not in said and "muộn" not in said and "không được chấm điểm" not in said

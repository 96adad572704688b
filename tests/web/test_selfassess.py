"""The unit's side of the online campaign through its pages: scores with a decimal comma, refusals beside the
field, autosave fragments, optimistic locking between two people, evidence uploads verified with the campaign's
policy (valid, tampered, not a PDF), the trình → trả lại → xác nhận flow with its receipt, the lock at the
deadline, who may open and download what, the explanations phase, and the history of the unit's scores."""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile

from signing.demo import attacks
from signing.demo.pki import CA, ROOT, DemoPKI
from tests.pki_fixtures import demo_pki, pki_server  # noqa: F401
from tests.web.assessment_support import (  # noqa: F401 - fixtures
    agency,
    appraiser,
    at,
    client_for,
    files_dir,
    make_user,
    submission_of,
    two_tier,
    unit_people,
)
from web.accounts.models import Role
from web.assessment import clock
from web.assessment.models import Entry, EvidenceFile, ScoreChange, Stage, State, Submission
from web.assessment.plans import plan_for
from web.assessment.services import save_appraisal
from web.assessment.states import take
from web.audit.models import AuditEvent
from web.evidence.services import save_policy, save_policy_file
from web.jobs.models import Job, JobStatus
from web.jobs.runner import run_pending

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def text_of(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def element(page: str, element_id: str) -> str:
    """The HTML of the element with this id (up to its closing tag of the same name, no nesting of that name)."""
    match = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>', page)
    assert match is not None, f"no element #{element_id}"
    tag = match.group(1)
    if tag == "input":
        return match.group(0)
    depth, pos = 1, match.end()
    pattern = re.compile(rf"<(/?){tag}\b[^>]*>")
    while depth:
        m = pattern.search(page, pos)
        assert m is not None
        depth += -1 if m.group(1) else 1
        pos = m.end()
    return page[match.start() : pos]


def first_entry(sub: Submission) -> Entry:
    return sub.entries.order_by("id").first()


def max_of(sub: Submission, entry: Entry) -> Any:
    return plan_for(sub.campaign).tier(sub.tier).row(entry.code).max_points


@pytest.fixture()
def unit(agency: Any, two_tier: Any) -> tuple[Submission, Any, Any]:
    """A sở's submission, its chuyên viên and lãnh đạo, with the clock inside the self-assessment window."""
    clock.set_now(at("20/01/2026 09:00"))
    sub = submission_of(two_tier, "so")
    staff, leader = unit_people(agency, sub)
    return sub, staff, leader


# --------------------------------------------------------------------------- scope


def test_a_unit_sees_only_its_own_campaigns_form_and_files(agency: Any, two_tier: Any, unit: Any) -> None:
    sub, staff, _ = unit
    other = submission_of(two_tier, "so", 1)
    other_staff, _ = unit_people(agency, other)
    client = client_for(staff)

    index = client.get("/tu-danh-gia/")
    assert index.status_code == 200
    page = index.content.decode()
    assert f"/tu-danh-gia/{sub.pk}/" in page and f"/tu-danh-gia/{other.pk}/" not in page
    assert "Tự đánh giá, chấm điểm: đang mở đến 24 giờ 00 ngày 23/01/2026." in text_of(page)
    assert "23/01/2026" in page and "Đang nhập số liệu" in page

    assert client.get(f"/tu-danh-gia/{other.pk}/").status_code == 404
    entry = first_entry(other)
    refused = client.post(
        f"/tu-danh-gia/{other.pk}/chi-so/{entry.pk}/luu/", {"score": "1", "note": "x", "version": 1}
    )
    assert refused.status_code == 404
    assert Entry.objects.get(pk=entry.pk).self_score is None

    # The other unit's file: its own people download it, this unit gets a 404 (not even a hint it exists).
    clock.set_now(at("20/01/2026 09:00"))
    upload = client_for(other_staff).post(
        f"/tu-danh-gia/{other.pk}/chi-so/{entry.pk}/tai-len/",
        {"file": SimpleUploadedFile("ke-hoach.pdf", attacks.sample_pdf(["KE HOACH"]))},
    )
    assert upload.status_code == 302, upload.content.decode()
    evidence = EvidenceFile.objects.get(entry=entry)
    assert client_for(other_staff).get(f"/tu-danh-gia/{other.pk}/tep/{evidence.pk}/").status_code == 200
    assert client.get(f"/tu-danh-gia/{other.pk}/tep/{evidence.pk}/").status_code == 404
    assert client.get(f"/tu-danh-gia/{sub.pk}/tep/{evidence.pk}/").status_code == 404

    # Appraisers: only those assigned this tier (and this indicator's field) download it.
    index_code = plan_for(two_tier).tier("so").row(entry.code).index_code
    assigned = appraiser(agency, two_tier, "td-so", tiers=["so"])
    field = appraiser(agency, two_tier, "td-linh-vuc", tiers=["so"], indices=[index_code])
    elsewhere = appraiser(agency, two_tier, "td-xa", tiers=["xa"])
    other_field = appraiser(agency, two_tier, "td-khac", tiers=["so"], indices=["khong-co"])
    url = f"/tu-danh-gia/{other.pk}/tep/{evidence.pk}/"
    assert client_for(assigned).get(url).status_code == 200
    assert client_for(field).get(url).status_code == 200
    assert client_for(elsewhere).get(url).status_code == 404
    assert client_for(other_field).get(url).status_code == 404
    so_staff = make_user("cv-so", Role.SO_STAFF, agency)
    assert client_for(so_staff).get(url).status_code == 200
    # The Sở reads the form; it cannot write on it.
    assert client_for(so_staff).get(f"/tu-danh-gia/{other.pk}/").status_code == 200
    assert (
        client_for(so_staff)
        .post(f"/tu-danh-gia/{other.pk}/chi-so/{entry.pk}/luu/", {"score": "1", "note": "x", "version": 1})
        .status_code
        == 403
    )
    assert client_for(so_staff).get("/tu-danh-gia/").status_code == 403


# --------------------------------------------------------------------------- scores


def test_scores_take_a_decimal_comma_and_refusals_show_beside_the_field(unit: Any) -> None:
    sub, staff, _ = unit
    client = client_for(staff)
    entry = first_entry(sub)
    top = max_of(sub, entry)
    url = f"/tu-danh-gia/{sub.pk}/chi-so/{entry.pk}/luu/"

    page = client.get(f"/tu-danh-gia/{sub.pk}/").content.decode()
    row = element(page, f"chi-so-{entry.pk}")
    tier_row = plan_for(sub.campaign).tier("so").row(entry.code)
    for shown in (tier_row.name, tier_row.method, tier_row.evidence, "Điểm tối đa"):
        assert html.escape(shown) in row or shown in text_of(row)
    assert 'name="score"' in row and 'name="note"' in row and 'type="file"' in row

    # Above the maximum: refused, the message beside the score, what was typed still in the box.
    above = client.post(url, {"score": f"{top + 1},5", "note": "", "version": entry.version})
    assert above.status_code == 400
    body = above.content.decode()
    assert "Điểm tối đa của chỉ số này là" in text_of(element(body, f"loi-score-{entry.pk}"))
    assert f'value="{top + 1},5"' in element(body, f"diem-{entry.pk}")
    # Below the maximum without an explanation: the message beside the explanation.
    bare = client.post(url, {"score": "0,5", "note": "  ", "version": entry.version})
    assert bare.status_code == 400
    assert "hãy ghi giải trình" in text_of(element(bare.content.decode(), f"loi-note-{entry.pk}"))
    nonsense = client.post(url, {"score": "tám", "note": "x", "version": entry.version})
    assert "không phải là số điểm" in text_of(element(nonsense.content.decode(), f"loi-score-{entry.pk}"))
    entry.refresh_from_db()
    assert entry.self_score is None and entry.version == 1  # nothing half-saved

    saved = client.post(url, {"score": "0,5", "note": "Mới có dự thảo kế hoạch", "version": entry.version})
    assert saved.status_code == 302 and saved["Location"].endswith(f"#chi-so-{entry.pk}")
    entry.refresh_from_db()
    assert str(entry.self_score) == "0.50" and entry.self_note == "Mới có dự thảo kế hoạch"
    page = client.get(f"/tu-danh-gia/{sub.pk}/").content.decode()
    assert 'value="0,5"' in element(page, f"diem-{entry.pk}")
    assert "Đã lưu chỉ số" in page
    assert "Tổng điểm tự đánh giá: 0,5" in text_of(element(page, "tong-diem"))
    assert AuditEvent.objects.filter(action="luu_diem_tu_danh_gia", object_id=str(entry.pk)).exists()


def test_autosave_returns_the_rows_pieces_with_the_new_version_and_totals(unit: Any) -> None:
    sub, staff, _ = unit
    client = client_for(staff)
    entries = list(sub.entries.order_by("id")[:2])
    first, second = entries
    top = max_of(sub, first)
    answer = client.post(
        f"/tu-danh-gia/{sub.pk}/chi-so/{first.pk}/luu/",
        {"score": str(top).replace(".", ","), "note": "", "version": 1},
        **HTMX,
    )
    assert answer.status_code == 200
    body = answer.content.decode()
    assert "<html" not in body
    assert element(body, f"v-{first.pk}") == (
        f'<input type="hidden" name="version" id="v-{first.pk}" value="2" hx-swap-oob="true">'
    )
    status = text_of(element(body, f"tt-{first.pk}"))
    assert status.startswith("Đã lưu lúc") and status.endswith("(Chuyên viên đơn vị).")
    assert f"Tổng điểm tự đánh giá: {top}" in text_of(element(body, "tong-diem"))
    # The inputs themselves are not sent back: what the person types meanwhile is never replaced.
    assert f'id="diem-{first.pk}"' not in body

    # A refused autosave: 200 (htmx swaps it), the message beside the field, the version unchanged.
    refused = client.post(
        f"/tu-danh-gia/{sub.pk}/chi-so/{second.pk}/luu/", {"score": "1,25", "note": "", "version": 1}, **HTMX
    )
    assert refused.status_code == 200
    body = refused.content.decode()
    assert "hãy ghi giải trình" in text_of(element(body, f"loi-note-{second.pk}"))
    assert 'value="1"' in element(body, f"v-{second.pk}")
    assert "Sửa theo thông báo" in text_of(element(body, f"tt-{second.pk}")) and refused["X-Chua-Luu"] == "1"
    assert Entry.objects.get(pk=second.pk).self_score is None


def test_the_list_of_indicators_without_a_score_follows_each_autosave(unit: Any) -> None:
    """The note above «Trình lãnh đạo» is swapped with the totals: after the last indicator is saved it says
    nothing is missing, as the totals' «Đã nhập 45/45» does, and a reload agrees."""
    sub, staff, _ = unit
    client = client_for(staff)
    entries = list(sub.entries.order_by("id"))
    last, before_last = entries[-1], entries[-2]
    Entry.objects.filter(pk__in=[e.pk for e in entries[:-2]]).update(self_score=0, self_note="Chưa có")

    def note_of(fragment: str) -> str:
        return " ".join(re.sub(r"<[^>]+>", "", element(fragment, "chua-nhap")).split())

    page = client.get(f"/tu-danh-gia/{sub.pk}/").content.decode()
    assert note_of(page).startswith(f"Còn 2 chỉ số chưa nhập điểm: {before_last.code}, {last.code}. ")

    def autosave(entry: Entry) -> str:
        top = max_of(sub, entry)
        answer = client.post(
            f"/tu-danh-gia/{sub.pk}/chi-so/{entry.pk}/luu/",
            {"score": str(top).replace(".", ","), "note": "", "version": entry.version},
            **HTMX,
        )
        assert answer.status_code == 200
        return answer.content.decode()

    body = autosave(before_last)
    assert 'id="chua-nhap" hx-swap-oob="true"' in body
    assert note_of(body) == (
        f"Còn 1 chỉ số chưa nhập điểm: {last.code}. Chỉ số chưa nhập điểm được tính 0 điểm."
    )
    body = autosave(last)
    count = len(entries)
    assert f"Đã nhập {count}/{count} chỉ số" in text_of(element(body, "tong-diem"))
    assert 'id="chua-nhap" hx-swap-oob="true"' in body and note_of(body) == ""

    page = client.get(f"/tu-danh-gia/{sub.pk}/").content.decode()
    assert note_of(page) == "" and "chưa nhập điểm" not in text_of(page) and "{#" not in page
    assert "Trình lãnh đạo" in page


def test_two_people_saving_one_indicator_the_second_is_told_and_nothing_is_overwritten(
    agency: Any, unit: Any
) -> None:
    sub, staff, _ = unit
    colleague = make_user("so-cv-2", Role.UNIT_STAFF, agency, sub.unit, "Trần Thị Hai")
    entry = first_entry(sub)
    top = max_of(sub, entry)
    url = f"/tu-danh-gia/{sub.pk}/chi-so/{entry.pk}/luu/"
    # Both opened the form at version 1.
    assert (
        client_for(staff).post(url, {"score": str(top), "note": "", "version": 1}, **HTMX).status_code == 200
    )
    late = client_for(colleague).post(
        url, {"score": "2", "note": "Chỉ phân công cấp phó", "version": 1}, **HTMX
    )
    body = late.content.decode()
    block = element(body, f"nhap-{entry.pk}")
    assert 'hx-swap-oob="true"' in block.split(">", 1)[0]
    message = text_of(element(block, f"xung-dot-{entry.pk}"))
    assert "Chuyên viên đơn vị đã lưu chỉ số này lúc" in message and "chưa được lưu" in message
    assert "Nội dung bạn vừa nhập (chưa lưu): điểm 2; giải trình «Chỉ phân công cấp phó»" in message
    # The boxes show what the other person saved, with its version: a deliberate second save may follow.
    assert f'value="{str(top).replace(".", ",")}"' in element(block, f"diem-{entry.pk}")
    assert 'value="2"' in element(block, f"v-{entry.pk}")
    entry.refresh_from_db()
    assert entry.self_score == top and entry.version == 2
    assert ScoreChange.objects.filter(entry=entry).count() == 1

    # Without JavaScript: the whole page, status 409, the same message beside the row.
    page = client_for(colleague).post(url, {"score": "2", "note": "Chỉ phân công cấp phó", "version": 1})
    assert page.status_code == 409
    assert "đã lưu chỉ số này" in text_of(element(page.content.decode(), f"xung-dot-{entry.pk}"))
    again = client_for(colleague).post(url, {"score": "2", "note": "Chỉ phân công cấp phó", "version": 2})
    assert again.status_code == 302
    assert Entry.objects.get(pk=entry.pk).self_score == 2


# --------------------------------------------------------------------------- evidence


@pytest.fixture()
def trusted_policy(unit: Any, agency: Any, pki_server: DemoPKI) -> DemoPKI:  # noqa: F811
    """The campaign's policy trusts the demo root, with the demo CAs' CRLs uploaded beside it."""
    sub = unit[0]
    so_staff = make_user("cv-so-chinh-sach", Role.SO_STAFF, agency)
    for name, data in (
        ("goc-mau.crt", Path(pki_server.root_path).read_bytes()),
        ("ca.crl", pki_server.crl_der(CA)),
        ("root.crl", pki_server.crl_der(ROOT)),
    ):
        save_policy_file(sub.campaign, so_staff, SimpleUploadedFile(name, data))
    policy = {
        "name": "Đợt đánh giá 2026 (thử)",
        "trust_anchors": ["goc-mau.crt"],
        "use_trust_store": False,
        "accept_unsigned": False,
        "revocation": {"mode": "hard-fail", "online": True, "crl_files": ["ca.crl", "root.crl"]},
    }
    save_policy(sub.campaign, yaml.safe_dump(policy, allow_unicode=True), so_staff)
    return pki_server


def test_uploaded_pdfs_are_stored_as_sent_and_verified_with_the_campaigns_policy(
    unit: Any, trusted_policy: DemoPKI, settings: Any
) -> None:
    settings.VANBAN_VERIFY_JOBS = 1
    sub, staff, _ = unit
    client = client_for(staff)
    entry = first_entry(sub)
    url = f"/tu-danh-gia/{sub.pk}/chi-so/{entry.pk}/tai-len/"
    director = attacks.load_signer(trusted_policy.director_p12, trusted_policy.password)
    signed = attacks.sign_bytes(attacks.sample_pdf(["QUYET DINH PHAN CONG"]), director)
    forged = attacks.change_content(signed)

    # A valid signed PDF, through htmx: the row shows it at once, waiting; the job brings the verdict.
    answer = client.post(url, {"file": SimpleUploadedFile("Quyết định phân công.pdf", signed)}, **HTMX)
    assert answer.status_code == 200
    body = answer.content.decode()
    good = EvidenceFile.objects.get(entry=entry, name="Quyết định phân công.pdf")
    line = element(body, f"tep-file-{good.pk}")
    assert "Đang kiểm tra" in text_of(line) and 'hx-trigger="every 2s"' in line
    assert good.verdict == EvidenceFile.Verdict.PENDING and good.stage == Stage.SELF
    job = Job.objects.get(kind="selfassess.verify_file")
    assert job.params == {"file_id": good.pk}
    assert run_pending() == 1
    assert Job.objects.get(pk=job.pk).status == JobStatus.DONE
    polled = client.get(f"/tu-danh-gia/{sub.pk}/tep/{good.pk}/trang-thai/", **HTMX).content.decode()
    assert "Hợp lệ" in text_of(polled) and "every 2s" not in polled
    good.refresh_from_db()
    assert good.verdict == EvidenceFile.Verdict.VALID and "không bị thay đổi sau khi ký" in good.verdict_text

    # Stored byte for byte, its SHA-256 recorded, read-only, downloadable as sent.
    assert good.path.read_bytes() == signed
    assert good.sha256 == hashlib.sha256(signed).hexdigest() and good.size == len(signed)
    assert str(sub.campaign.folder) in str(good.path) and not good.path.stat().st_mode & 0o222
    download = client.get(f"/tu-danh-gia/{sub.pk}/tep/{good.pk}/")
    assert b"".join(download.streaming_content) == signed

    # A PDF changed after signing, verified inline (the bench's setting): refused, with the reason and advice.
    settings.VANBAN_VERIFY_INLINE = True
    assert client.post(url, {"file": SimpleUploadedFile("bao-cao.pdf", forged)}).status_code == 302
    bad = EvidenceFile.objects.get(entry=entry, name="bao-cao.pdf")
    assert bad.verdict == EvidenceFile.Verdict.INVALID
    assert "bị thay đổi sau khi ký" in bad.verdict_text and bad.advice
    page = client.get(f"/tu-danh-gia/{sub.pk}/").content.decode()
    shown = text_of(element(page, f"tep-file-{bad.pk}"))
    assert "Không hợp lệ" in shown and bad.verdict_text in shown and f"Cần làm: {bad.advice}" in shown
    assert "Hợp lệ" in text_of(element(page, f"tep-file-{good.pk}"))
    # The same words as `vanban verify` on the same file with the same policy.
    from letters.usecases.evidence import verify_one_file
    from web.evidence.services import policy_dir, policy_of

    direct = verify_one_file(
        bad.path, policy_text=policy_of(sub.campaign).text, policy_file=policy_dir(sub.campaign) / "x.yaml"
    )
    assert (direct.explanation, direct.advice) == (bad.verdict_text, bad.advice)
    assert bad.report["verdict"].startswith("Không hợp lệ")

    # Not a PDF (by its content, whatever its name): refused with a message beside the input, nothing kept.
    before = sorted(p.name for p in good.path.parent.iterdir())
    word = b"PK\x03\x04" + b"\x00" * 26 + b"[Content_Types].xml" + b"\x00" * 100
    refused = client.post(url, {"file": SimpleUploadedFile("bien-ban.pdf", word)})
    assert refused.status_code == 400
    message = text_of(element(refused.content.decode(), f"loi-upload-{entry.pk}"))
    assert "không phải PDF" in message and "Word" in message
    empty = client.post(url, {"file": SimpleUploadedFile("rong.pdf", b"")}, **HTMX)
    assert "rỗng" in text_of(element(empty.content.decode(), f"loi-upload-{entry.pk}"))
    settings.VANBAN_MAX_UPLOAD_MB = 0
    big = client.post(url, {"file": SimpleUploadedFile("lon.pdf", signed)}, **HTMX)
    assert "vượt giới hạn 0 MB" in text_of(element(big.content.decode(), f"loi-upload-{entry.pk}"))
    assert sorted(p.name for p in good.path.parent.iterdir()) == before
    assert EvidenceFile.objects.filter(entry=entry).count() == 2

    # Withdrawn while editable: left out of the submission, the bytes stay.
    settings.VANBAN_MAX_UPLOAD_MB = 200
    out = client.post(f"/tu-danh-gia/{sub.pk}/tep/{bad.pk}/rut/", **HTMX)
    assert "Đã rút tệp «bao-cao.pdf»" in text_of(out.content.decode())
    bad.refresh_from_db()
    assert bad.withdrawn_at is not None and bad.path.read_bytes() == forged
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"tai_len_tai_lieu_kiem_chung", "tai_ve_tai_lieu_kiem_chung", "rut_tai_lieu_kiem_chung"} <= actions


# --------------------------------------------------------------------------- the flow and the receipt


def test_submit_send_back_with_a_comment_submit_again_and_confirm_with_a_receipt(unit: Any) -> None:
    sub, staff, leader = unit
    staff_client, leader_client = client_for(staff), client_for(leader)
    entry = first_entry(sub)
    staff_client.post(
        f"/tu-danh-gia/{sub.pk}/chi-so/{entry.pk}/luu/", {"score": "0,5", "note": "Mới dự thảo", "version": 1}
    )
    staff_client.post(
        f"/tu-danh-gia/{sub.pk}/chi-so/{entry.pk}/tai-len/",
        {"file": SimpleUploadedFile("du-thao.pdf", attacks.sample_pdf(["DU THAO"]))},
    )
    page = staff_client.get(f"/tu-danh-gia/{sub.pk}/").content.decode()
    assert (
        "Trình lãnh đạo" in page and "Xác nhận số liệu" not in page and "Còn 44 chỉ số chưa nhập điểm" in page
    )
    # The leader reads while the chuyên viên drafts, with no button and the reason.
    leader_page = leader_client.get(f"/tu-danh-gia/{sub.pk}/").content.decode()
    assert "Chuyên viên của đơn vị đang nhập số liệu" in leader_page and 'name="score"' not in leader_page

    assert (
        staff_client.post(f"/tu-danh-gia/{sub.pk}/thao-tac/trinh_lanh_dao/", {"version": 1}).status_code
        == 302
    )
    sub.refresh_from_db()
    assert sub.state == State.AWAITING_APPROVAL
    staff_page = staff_client.get(f"/tu-danh-gia/{sub.pk}/").content.decode()
    assert "đang chờ duyệt" in staff_page and 'name="score"' not in staff_page
    # The leader edits while reviewing.
    review = leader_client.get(f"/tu-danh-gia/{sub.pk}/").content.decode()
    assert 'name="score"' in review and "Trả lại chuyên viên" in review and "Xác nhận số liệu" in review
    second = sub.entries.order_by("id")[1]
    edited = leader_client.post(
        f"/tu-danh-gia/{sub.pk}/chi-so/{second.pk}/luu/", {"score": "5", "note": "Lãnh đạo sửa", "version": 1}
    )
    assert edited.status_code == 302 and str(Entry.objects.get(pk=second.pk).self_score) == "5.00"

    # «Trả lại» needs a comment: beside the field, nothing changes.
    bare = leader_client.post(f"/tu-danh-gia/{sub.pk}/thao-tac/tra_lai/", {"version": 2, "comment": " "})
    assert bare.status_code == 400
    assert "Hãy ghi ý kiến" in text_of(element(bare.content.decode(), "loi-thao-tac-tra_lai"))
    sub.refresh_from_db()
    assert sub.state == State.AWAITING_APPROVAL
    back = leader_client.post(
        f"/tu-danh-gia/{sub.pk}/thao-tac/tra_lai/", {"version": 2, "comment": "Bổ sung kế hoạch đã ký"}
    )
    assert back.status_code == 302
    history = text_of(element(staff_client.get(f"/tu-danh-gia/{sub.pk}/").content.decode(), "y-kien"))
    assert (
        "Trả lại chuyên viên" in history
        and "Bổ sung kế hoạch đã ký" in history
        and "Lãnh đạo đơn vị" in history
    )

    # A stale button (the page was read before the send-back) is refused with a message.
    stale = staff_client.post(f"/tu-danh-gia/{sub.pk}/thao-tac/trinh_lanh_dao/", {"version": 1}, follow=True)
    assert "người khác thay đổi hoặc chuyển trạng thái" in stale.content.decode()
    assert (
        staff_client.post(f"/tu-danh-gia/{sub.pk}/thao-tac/trinh_lanh_dao/", {"version": 3}).status_code
        == 302
    )
    # The chuyên viên cannot confirm; the leader can.
    refused = staff_client.post(f"/tu-danh-gia/{sub.pk}/thao-tac/xac_nhan/", {"version": 4}, follow=True)
    assert "Vai trò của bạn không được thực hiện thao tác «Xác nhận số liệu»" in refused.content.decode()
    done = leader_client.post(f"/tu-danh-gia/{sub.pk}/thao-tac/xac_nhan/", {"version": 4})
    assert done.status_code == 302 and done["Location"] == f"/tu-danh-gia/{sub.pk}/bien-nhan/"
    sub.refresh_from_db()
    assert sub.state == State.SUBMITTED and sub.receipt_sha256

    # The receipt: JSON whose SHA-256 is the code, and a printable page with the time, scores and files.
    data = staff_client.get(f"/tu-danh-gia/{sub.pk}/bien-nhan/tai-ve.json")
    assert data["Content-Disposition"].startswith("attachment")
    assert hashlib.sha256(data.content).hexdigest() == sub.receipt_sha256
    receipt = text_of(staff_client.get(f"/tu-danh-gia/{sub.pk}/bien-nhan/").content.decode())
    evidence = EvidenceFile.objects.get(entry=entry)
    for expected in (
        "BIÊN NHẬN SỐ LIỆU TỰ ĐÁNH GIÁ",
        sub.unit.name,
        "09:00 ngày 20/01/2026",
        sub.receipt_sha256,
        "du-thao.pdf",
        evidence.sha256,
        "Mới dự thảo",
        "Lãnh đạo đơn vị",
    ):
        assert expected in receipt, expected
    assert f"{entry.code} " in receipt and " 0,5 " in receipt
    printable = staff_client.get(f"/tu-danh-gia/{sub.pk}/bien-nhan/tai-ve.html")
    assert (
        printable["Content-Disposition"].startswith("attachment")
        and sub.receipt_sha256 in printable.content.decode()
    )
    assert "Đã gửi Sở lúc 09:00 ngày 20/01/2026; Sở sẽ thẩm định." in text_of(
        staff_client.get("/tu-danh-gia/").content.decode()
    )
    # Locked now, for both.
    for c in (staff_client, leader_client):
        page = c.get(f"/tu-danh-gia/{sub.pk}/").content.decode()
        assert 'name="score"' not in page and "đã được lãnh đạo đơn vị xác nhận và gửi Sở" in page
    again = leader_client.post(
        f"/tu-danh-gia/{sub.pk}/chi-so/{entry.pk}/luu/",
        {"score": "1", "note": "x", "version": entry.version + 1},
    )
    assert again.status_code == 400 and "không sửa được" in text_of(again.content.decode())
    assert str(Entry.objects.get(pk=entry.pk).self_score) == "0.50"


def test_the_form_is_read_only_after_the_deadline(unit: Any) -> None:
    sub, staff, _ = unit
    client = client_for(staff)
    entry = first_entry(sub)
    clock.set_now(at("24/01/2026 00:00"))
    page = client.get(f"/tu-danh-gia/{sub.pk}/").content.decode()
    assert "đã khóa lúc 24 giờ 00 ngày 23/01/2026" in text_of(page)
    assert 'name="score"' not in page and 'type="file"' not in page and "Trình lãnh đạo" not in page
    late = client.post(
        f"/tu-danh-gia/{sub.pk}/chi-so/{entry.pk}/luu/", {"score": "1", "note": "x", "version": 1}
    )
    assert late.status_code == 400 and "đã khóa" in late.content.decode()
    upload = client.post(
        f"/tu-danh-gia/{sub.pk}/chi-so/{entry.pk}/tai-len/",
        {"file": SimpleUploadedFile("muon.pdf", attacks.sample_pdf(["MUON"]))},
    )
    assert upload.status_code == 400 and not EvidenceFile.objects.filter(entry=entry).exists()
    assert Entry.objects.get(pk=entry.pk).self_score is None
    index = text_of(client.get("/tu-danh-gia/").content.decode())
    assert "đã khóa lúc 24 giờ 00 ngày 23/01/2026" in index and "Nhập số liệu" not in index


def test_a_form_locked_by_the_deadline_says_so_once_and_in_its_badge(agency: Any, unit: Any) -> None:
    """The stored state stays «Đang nhập số liệu»; what the unit reads combines it with its closed window."""
    from web.assessment.models import Extension

    sub, staff, leader = unit
    client = client_for(staff)
    page = client.get(f"/tu-danh-gia/{sub.pk}/").content.decode()
    assert "Đang nhập số liệu" in text_of(page) and "Đã khóa" not in text_of(page)

    clock.set_now(at("24/01/2026 00:05"))
    locked = "Tự đánh giá, chấm điểm: đã khóa lúc 24 giờ 00 ngày 23/01/2026; liên hệ Sở nếu cần gia hạn."
    for person in (staff, leader):
        page = client_for(person).get(f"/tu-danh-gia/{sub.pk}/").content.decode()
        assert text_of(page).count(locked) == 1, person
        assert text_of(element(page, "trang-thai")) == "Đã khóa (quá hạn, chưa gửi)"
        assert "Đang nhập số liệu" not in text_of(page)
        steps = re.search(r'<ol class="steps">(.*?)</ol>', page, re.S)
        assert steps is not None and '<li class="bad">Nhập số liệu: đã khóa</li>' in steps.group(1)
        assert '<li class="now">' not in steps.group(1)
    index = text_of(client.get("/tu-danh-gia/").content.decode())
    assert "Đã khóa (quá hạn, chưa gửi)" in index and "Đang nhập số liệu" not in index
    sub.refresh_from_db()
    assert sub.state == State.DRAFT  # only the display changed

    # Submitted to the leader before the close: the same lock, named on the leader's step.
    Submission.objects.filter(pk=sub.pk).update(state=State.AWAITING_APPROVAL)
    page = client_for(leader).get(f"/tu-danh-gia/{sub.pk}/").content.decode()
    assert text_of(element(page, "trang-thai")) == "Đã khóa (quá hạn, chưa gửi)"
    assert '<li class="bad">Lãnh đạo duyệt: đã khóa</li>' in page
    # A reason of its own (the chuyên viên waiting for the leader) is still said, once, below the window.
    clock.set_now(at("22/01/2026 09:00"))
    page = client_for(staff).get(f"/tu-danh-gia/{sub.pk}/").content.decode()
    assert text_of(element(page, "trang-thai")) == "Chờ lãnh đạo duyệt"
    assert "đang chờ duyệt: chuyên viên không sửa được nữa" in text_of(page)

    # An extension opens the form again: the badge is the state again.
    Submission.objects.filter(pk=sub.pk).update(state=State.DRAFT)
    clock.set_now(at("24/01/2026 00:05"))
    from datetime import date

    Extension.objects.create(
        campaign=sub.campaign, unit=sub.unit, until=date(2026, 1, 30), reason="Mất điện", granted_by=leader
    )
    page = client.get(f"/tu-danh-gia/{sub.pk}/").content.decode()
    assert text_of(element(page, "trang-thai")) == "Đang nhập số liệu" and 'name="score"' in page


# --------------------------------------------------------------------------- explanations and history


def _to_explanations(agency: Any, sub: Submission, staff: Any, leader: Any) -> tuple[Entry, Any]:
    """Score one indicator, submit, appraise it lower with a comment, and open the explanations window."""
    entry = first_entry(sub)
    top = max_of(sub, entry)
    client_for(staff).post(
        f"/tu-danh-gia/{sub.pk}/chi-so/{entry.pk}/luu/", {"score": str(top), "note": "", "version": 1}
    )
    client_for(staff).post(
        f"/tu-danh-gia/{sub.pk}/chi-so/{entry.pk}/tai-len/",
        {"file": SimpleUploadedFile("phan-cong.pdf", attacks.sample_pdf(["PHAN CONG"]))},
    )
    take(sub, "trinh_lanh_dao", staff)
    from web.assessment.services import confirm

    confirm(sub, leader)
    so_staff = make_user("cv-so-td", Role.SO_STAFF, agency, full_name="Nguyễn Văn Thẩm")
    clock.set_now(at("27/01/2026 10:00"))
    take(sub, "bat_dau_tham_dinh", so_staff)
    entry.refresh_from_db()
    save_appraisal(
        entry,
        so_staff,
        round_no=1,
        accept=False,
        score="10",
        reason="Văn bản phân công chưa ký số",
        seen_version=entry.version,
    )
    # The others decided too: the state machine opens the explanations only once every indicator has one.
    Entry.objects.filter(submission=sub).exclude(pk=entry.pk).update(
        score_1=0, comment_1="Không có số liệu", appraised_1_by=so_staff, appraised_1_at=clock.now()
    )
    take(sub, "yeu_cau_giai_trinh", so_staff)
    clock.set_now(at("10/02/2026 08:30"))
    entry.refresh_from_db()
    return entry, so_staff


def test_explanations_accept_answers_and_new_files_but_no_score_changes(agency: Any, unit: Any) -> None:
    sub, staff, leader = unit
    entry, _ = _to_explanations(agency, sub, staff, leader)
    client = client_for(staff)
    page = client.get(f"/tu-danh-gia/{sub.pk}/").content.decode()
    row = text_of(element(page, f"chi-so-{entry.pk}"))
    assert "Thẩm định lần 1: 10 điểm" in row and "Văn bản phân công chưa ký số" in row
    assert "Giải trình, bổ sung: đang mở đến 24 giờ 00 ngày 13/02/2026." in text_of(page)
    assert 'name="answer"' in page and 'name="score"' not in page
    # Files sent with the self-assessment cannot be withdrawn now.
    old_file = EvidenceFile.objects.get(entry=entry)
    assert f"/tep/{old_file.pk}/rut/" not in page

    answer_url = f"/tu-danh-gia/{sub.pk}/chi-so/{entry.pk}/giai-trinh/"
    seen = entry.version
    saved = client.post(answer_url, {"answer": "Đã bổ sung bản ký số", "version": entry.version}, **HTMX)
    assert f'value="{entry.version + 1}"' in element(saved.content.decode(), f"v-{entry.pk}")
    # Another session that read the old version is told, and nothing is overwritten.
    stale = client_for(leader).post(answer_url, {"answer": "Khác", "version": entry.version}, **HTMX)
    stale_block = element(stale.content.decode(), f"nhap-{entry.pk}")
    assert "đã lưu nội dung giải trình" in text_of(stale_block) and "Đã bổ sung bản ký số" in stale_block
    entry.refresh_from_db()
    assert entry.answer == "Đã bổ sung bản ký số" and entry.version == seen + 1
    changes = ScoreChange.objects.filter(entry=entry).count()

    # Scores and notes stay as sent.
    refused = client.post(
        f"/tu-danh-gia/{sub.pk}/chi-so/{entry.pk}/luu/", {"score": "5", "note": "x", "version": entry.version}
    )
    assert refused.status_code == 400 and "không sửa được" in text_of(refused.content.decode())
    also = client.post(answer_url, {"answer": "x", "score": "5", "version": entry.version})
    assert also.status_code == 400
    entry.refresh_from_db()
    assert entry.self_score == max_of(sub, entry) and entry.answer == "Đã bổ sung bản ký số"
    assert ScoreChange.objects.filter(entry=entry).count() == changes

    # New evidence belongs to the explanations stage.
    added = client.post(
        f"/tu-danh-gia/{sub.pk}/chi-so/{entry.pk}/tai-len/",
        {"file": SimpleUploadedFile("phan-cong-ky-so.pdf", attacks.sample_pdf(["BAN KY SO"]))},
        **HTMX,
    )
    assert "phan-cong-ky-so.pdf" in added.content.decode()
    new = EvidenceFile.objects.get(entry=entry, name="phan-cong-ky-so.pdf")
    assert new.stage == Stage.EXPLANATIONS
    assert client.post(f"/tu-danh-gia/{sub.pk}/tep/{old_file.pk}/rut/").status_code == 302
    assert EvidenceFile.objects.get(pk=old_file.pk).withdrawn_at is None

    # Only the leader sends the explanations.
    assert "thao-tac/gui_giai_trinh" not in page
    leader_page = client_for(leader).get(f"/tu-danh-gia/{sub.pk}/").content.decode()
    assert "thao-tac/gui_giai_trinh" in leader_page
    sub.refresh_from_db()
    sent = client_for(leader).post(
        f"/tu-danh-gia/{sub.pk}/thao-tac/gui_giai_trinh/", {"version": sub.version}
    )
    assert sent.status_code == 302
    sub.refresh_from_db()
    assert sub.state == State.REAPPRAISAL and sub.explanations_sent_at is not None
    locked = client.post(answer_url, {"answer": "muộn", "version": entry.version})
    assert locked.status_code == 400 and Entry.objects.get(pk=entry.pk).answer == "Đã bổ sung bản ký số"


def test_the_unit_sees_the_history_of_its_own_scores_with_the_appraisers_change(
    agency: Any, two_tier: Any, unit: Any
) -> None:
    sub, staff, leader = unit
    entry, _ = _to_explanations(agency, sub, staff, leader)
    page = client_for(staff).get(f"/tu-danh-gia/{sub.pk}/lich-su-diem/")
    assert page.status_code == 200
    text = text_of(page.content.decode())
    top = str(max_of(sub, entry)).replace(".", ",")
    assert "Tự đánh giá" in text and "Chuyên viên đơn vị" in text
    assert f"Thẩm định lần 1 {top} 10 Văn bản phân công chưa ký số" in text
    assert "Nguyễn Văn Thẩm" in text
    # Another unit's people cannot read it.
    other = submission_of(two_tier, "so", 1)
    other_staff, _ = unit_people(agency, other)
    assert client_for(other_staff).get(f"/tu-danh-gia/{sub.pk}/lich-su-diem/").status_code == 404


def test_a_campaign_file_that_does_not_read_is_said_plainly(unit: Any) -> None:
    sub, staff, _ = unit
    campaign = sub.campaign
    campaign.source = campaign.source.replace("tiers:", "tiers: [", 1)
    campaign.version += 1
    campaign.save()
    client = client_for(staff)
    page = client.get(f"/tu-danh-gia/{sub.pk}/")
    assert page.status_code == 503 and "đang được Sở chỉnh sửa" in page.content.decode()
    assert "đang được Sở chỉnh sửa" in client.get("/tu-danh-gia/").content.decode()

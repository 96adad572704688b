"""The appraisers' and the Sở's pages (web/appraisal): who appraises what (a department its indices, a district its
communes, the Sở the communes only in a two-tier campaign), round 1 with reasons and history, conflicts between
two appraisers, the checks behind «Chốt điểm» and «Kết thúc giải trình», the whole chain through the pages, bulk
transitions, and the index page's query count with hundreds of units."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from letters.core.vn import time_text
from tests.web.assessment_support import (  # noqa: F401 - fixtures
    agency,
    appraiser,
    at,
    client_for,
    files_dir,
    fill_and_submit,
    make_user,
    many_submissions,
    submission_of,
    three_tier,
    two_tier,
    unit_people,
)
from tests.web.browser import chromium, page  # noqa: F401 - fixtures
from web.accounts.models import Role, Unit
from web.assessment import clock
from web.assessment.models import Entry, EvidenceFile, ScoreChange, Stage, State, StateChange, Submission
from web.assessment.plans import plan_for
from web.assessment.services import save_appraisal

pytestmark = pytest.mark.django_db

PT_SUBMIT = "20/01/2026 09:00"  # inside Phú Thọ 2026's self-assessment (12/01–23/01/2026)
BRVT_SUBMIT = "30/10/2024 09:00"  # inside Bà Rịa - Vũng Tàu 2024's (28/10–04/11/2024)


def so_staff(agency: Any, name: str = "cv-so") -> Any:
    return make_user(name, Role.SO_STAFF, agency, full_name="Nguyễn Văn Chuyên")


def page_url(sub: Submission) -> str:
    return reverse("appraisal:submission", args=[sub.pk])


def entry_url(entry: Entry) -> str:
    return reverse("appraisal:entry", args=[entry.submission_id, entry.pk])


def html(response: Any) -> str:
    return response.content.decode()


def take_on_page(client: Any, sub: Submission, action: str, comment: str = "") -> str:
    """Press a transition's button on the submission page; the page it comes back to."""
    sub.refresh_from_db()
    response = client.post(
        reverse("appraisal:transition", args=[sub.pk]),
        {"action": action, "version": sub.version, "comment": comment},
        follow=True,
    )
    assert response.status_code == 200
    return html(response)


def version_shown(page: str, entry: Entry) -> int:
    found = re.search(rf'id="form-{entry.pk}".*?name="version" value="(\d+)"', page, re.S)
    assert found, f"no appraisal form for {entry.code}"
    return int(found.group(1))


def entry_of(sub: Submission, code: str) -> Entry:
    return Entry.objects.get(submission=sub, code=code)


def first_code_of_index(sub: Submission, index_code: str) -> str:
    return next(r.code for r in plan_for(sub.campaign).tier(sub.tier).rows if r.index_code == index_code)


def accept_all(sub: Submission, user: Any, round_no: int = 1) -> None:
    for e in Entry.objects.filter(submission=sub, appraised_1_at__isnull=True):
        save_appraisal(e, user, round_no=round_no, accept=True, score=None, reason="", seen_version=e.version)


# --------------------------------------------------------------------------- who appraises what


def test_a_department_appraiser_scores_only_its_index_with_a_reason_kept_in_history(
    agency: Any, two_tier: Any
) -> None:
    sub = fill_and_submit(agency, submission_of(two_tier, "so"), PT_SUBMIT)
    commune = submission_of(two_tier, "xa")
    dept = appraiser(agency, two_tier, "so-tai-chinh", body="Sở Tài chính", tiers=["so"], indices=["2"])
    client = client_for(dept)

    listing = html(client.get(reverse("appraisal:index")))
    assert sub.unit.name in listing and commune.unit.name not in listing
    assert "Sở Tài chính: nhóm Các sở, ban, ngành; chỉ số chính 2" in listing
    assert client.get(page_url(commune)).status_code == 404

    page = take_on_page(client_for(so_staff(agency)), sub, "bat_dau_tham_dinh")
    assert "Đã chuyển sang thẩm định lần 1." in page
    mine = entry_of(sub, first_code_of_index(sub, "2"))
    other = entry_of(sub, first_code_of_index(sub, "1"))
    page = html(client.get(page_url(sub)))
    assert f'id="form-{mine.pk}"' in page and f'id="form-{other.pk}"' not in page
    assert "Bạn được phân công thẩm định chỉ số chính 2; các chỉ số khác chỉ xem." in page

    refused = client.post(entry_url(other), {"decision": "accept", "version": other.version})
    assert refused.status_code == 403
    assert entry_of(sub, other.code).appraised_1_at is None

    # Below the unit's score without a reason: refused beside the reason field, nothing saved.
    no_reason = client.post(
        entry_url(mine), {"decision": "score", "score": "0,5", "reason": " ", "version": mine.version}
    )
    assert no_reason.status_code == 400
    body = html(no_reason)
    field = re.search(rf'<label for="reason-{mine.pk}">.*?</div>\s*</div>', body, re.S)
    assert field and "Hãy ghi lý do khi điểm thẩm định khác điểm của đơn vị." in field.group(0)
    assert 'value="0,5"' in body  # what the person typed is kept
    assert (
        entry_of(sub, mine.code).score_1 is None
        and not ScoreChange.objects.filter(entry=mine, stage=Stage.APPRAISAL_1).exists()
    )

    saved = client.post(
        entry_url(mine),
        {"decision": "score", "score": "0,5", "reason": "Văn bản chưa có chữ ký số", "version": mine.version},
    )
    assert saved.status_code == 302 and saved["Location"].endswith(f"#chi-so-{mine.pk}")
    mine.refresh_from_db()
    assert mine.score_1 == Decimal("0.50") and mine.comment_1 == "Văn bản chưa có chữ ký số"
    change = ScoreChange.objects.get(entry=mine, stage=Stage.APPRAISAL_1)
    assert change.old == mine.self_score and change.new == Decimal("0.50")
    assert change.by_name == "Thẩm định viên so-tai-chinh"

    history = html(client.get(reverse("appraisal:history", args=[sub.pk])))
    row = re.search(
        rf'<tr data-code="{re.escape(mine.code)}" data-stage="tham_dinh_1">(.*?)</tr>', history, re.S
    )
    assert row is not None
    cells = row.group(1)
    for text in (
        time_text(change.at),
        "Thẩm định lần 1",
        "Thẩm định viên so-tai-chinh",
        "0,5",
        "Văn bản chưa có chữ ký số",
    ):
        assert text in cells
    assert "Bắt đầu thẩm định lần 1" in history  # the state changes are listed too


def test_a_district_appraiser_sees_and_appraises_only_its_own_communes(agency: Any, three_tier: Any) -> None:
    vungtau = Unit.objects.get(agency=agency, code="vungtau")
    own = Submission.objects.filter(campaign=three_tier, unit__parent=vungtau).order_by("id")
    foreign = Submission.objects.filter(campaign=three_tier, tier="xa").exclude(unit__parent=vungtau).first()
    assert own.count() >= 2 and foreign is not None
    mine = fill_and_submit(agency, own[0], BRVT_SUBMIT)
    theirs = fill_and_submit(agency, foreign, BRVT_SUBMIT)
    district = appraiser(
        agency, three_tier, "ubnd-vung-tau", body="UBND thành phố Vũng Tàu", tiers=["xa"], parent_unit=vungtau
    )
    client = client_for(district)

    listing = html(client.get(reverse("appraisal:index")))
    for sub in own:
        assert sub.unit.name in listing
    assert foreign.unit.name not in listing
    assert "các đơn vị trực thuộc" in listing

    page = take_on_page(client, mine, "bat_dau_tham_dinh")
    assert "Đã chuyển sang thẩm định lần 1." in page
    e = mine.entries.order_by("id").first()
    assert client.post(entry_url(e), {"decision": "accept", "version": e.version}).status_code == 302
    assert entry_of(mine, e.code).score_1 == e.self_score

    # The other district's commune does not exist for this person, whatever the URL.
    assert client.get(page_url(theirs)).status_code == 404
    assert (
        client.post(
            reverse("appraisal:transition", args=[theirs.pk]), {"action": "bat_dau_tham_dinh"}
        ).status_code
        == 404
    )
    other_entry = theirs.entries.order_by("id").first()
    assert client.post(entry_url(other_entry), {"decision": "accept", "version": 1}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == State.SUBMITTED


def test_the_sos_staff_appraise_communes_in_a_two_tier_campaign_but_not_in_a_three_tier_one(
    agency: Any, two_tier: Any, three_tier: Any
) -> None:
    cv = so_staff(agency)
    client = client_for(cv)
    # Three tiers: the district starts and appraises; the Sở watches.
    vungtau = Unit.objects.get(agency=agency, code="vungtau")
    commune3 = fill_and_submit(
        agency,
        Submission.objects.filter(campaign=three_tier, unit__parent=vungtau).order_by("id")[0],
        BRVT_SUBMIT,
    )
    page = take_on_page(client, commune3, "bat_dau_tham_dinh")
    assert "Bạn không được thực hiện thao tác «Bắt đầu thẩm định lần 1» với đơn vị này." in page
    district = appraiser(agency, three_tier, "ubnd-vt", tiers=["xa"], parent_unit=vungtau)
    take_on_page(client_for(district), commune3, "bat_dau_tham_dinh")
    page = html(client.get(page_url(commune3)))
    assert 'id="form-' not in page
    assert "do UBND các huyện, thị xã, thành phố thẩm định" in page
    e3 = commune3.entries.order_by("id").first()
    assert client.post(entry_url(e3), {"decision": "accept", "version": e3.version}).status_code == 403
    assert entry_of(commune3, e3.code).appraised_1_at is None

    # Two tiers: the Sở appraises the communes itself.
    commune2 = fill_and_submit(agency, submission_of(two_tier, "xa"), PT_SUBMIT)
    take_on_page(client, commune2, "bat_dau_tham_dinh")
    e2 = commune2.entries.order_by("id").first()
    page = html(client.get(page_url(commune2)))
    assert version_shown(page, e2) == e2.version
    assert client.post(entry_url(e2), {"decision": "accept", "version": e2.version}).status_code == 302
    assert entry_of(commune2, e2.code).appraised_1_at is not None


# --------------------------------------------------------------------------- conflicts, refusals


def test_a_second_appraiser_saving_over_a_newer_decision_is_refused_and_shown_the_other_value(
    agency: Any, two_tier: Any
) -> None:
    sub = fill_and_submit(agency, submission_of(two_tier, "so"), PT_SUBMIT)
    first = appraiser(agency, two_tier, "tdv-a", tiers=["so"])
    second = appraiser(agency, two_tier, "tdv-b", tiers=["so"])
    take_on_page(client_for(first), sub, "bat_dau_tham_dinh")
    e = sub.entries.order_by("id").first()
    a, b = client_for(first), client_for(second)
    seen_a = version_shown(html(a.get(page_url(sub))), e)
    seen_b = version_shown(html(b.get(page_url(sub))), e)
    assert seen_a == seen_b

    ok = a.post(
        entry_url(e),
        {"decision": "score", "score": "10", "reason": "Thiếu quy chế", "version": seen_a},
        HTTP_HX_REQUEST="true",
    )
    assert ok.status_code == 200 and "Đã lưu." in html(ok)
    assert 'id="tien-do" hx-swap-oob="true"' in html(ok) and "1/45 chỉ số đã có quyết định lần 1" in html(ok)

    late = b.post(
        entry_url(e),
        {"decision": "score", "score": "5", "reason": "Chưa đủ minh chứng", "version": seen_b},
        HTTP_HX_REQUEST="true",
    )
    body = html(late)
    assert late.status_code == 200 and f'id="chi-so-{e.pk}"' in body
    assert "Thẩm định viên tdv-a đã lưu chỉ số này lúc" in body and "Điểm hiện tại là 10." in body
    assert 'value="5"' in body  # the second appraiser's typing is kept for a deliberate second save
    e.refresh_from_db()
    assert e.score_1 == Decimal("10.00") and e.appraised_1_by == first
    # Without htmx the same refusal comes back on the whole page, with a 409.
    plain = b.post(entry_url(e), {"decision": "accept", "version": seen_b})
    assert plain.status_code == 409 and "Điểm hiện tại là 10." in html(plain)
    assert ScoreChange.objects.filter(entry=e, stage=Stage.APPRAISAL_1).count() == 1


def test_the_provisional_total_follows_each_saved_row_and_a_reload(agency: Any, two_tier: Any) -> None:
    """«Tổng điểm sau thẩm định (tạm tính)» comes back with the row's save (out of band, as the progress does):
    12,5 appraised as 10 takes 997,5 to 995, round 2 moves it again, and a reload shows the same."""
    sub = submission_of(two_tier, "so")
    first = sub.entries.order_by("id").first()
    sub = fill_and_submit(agency, sub, PT_SUBMIT, scores={first.code: "12,5"})
    tdv = appraiser(agency, two_tier, "tdv-tong", tiers=["so"])
    client = client_for(tdv)
    take_on_page(client, sub, "bat_dau_tham_dinh")

    def total(page: str) -> str:
        found = re.search(r'<(\w+) id="tong-cuoi"[^>]*>(.*?)</\1>', page, re.S)
        assert found is not None, "no provisional total"
        return found.group(2).strip()

    assert total(html(client.get(page_url(sub)))) == "997,5"
    e = entry_of(sub, first.code)
    saved = client.post(
        entry_url(e),
        {"decision": "score", "score": "10", "reason": "Thiếu quy chế", "version": e.version},
        HTTP_HX_REQUEST="true",
    )
    body = html(saved)
    assert saved.status_code == 200 and "Đã lưu." in body
    assert 'id="tong-cuoi" hx-swap-oob="true"' in body and total(body) == "995"
    assert total(html(client.get(page_url(sub)))) == "995"
    # Accepting the unit's score again puts it back.
    e.refresh_from_db()
    back = client.post(entry_url(e), {"decision": "accept", "version": e.version}, HTTP_HX_REQUEST="true")
    assert total(html(back)) == "997,5"
    # A refused save changes nothing, and says the total as it stands.
    e.refresh_from_db()
    refused = client.post(
        entry_url(e),
        {"decision": "score", "score": "3", "reason": "", "version": e.version},
        HTTP_HX_REQUEST="true",
    )
    assert total(html(refused)) == "997,5" and entry_of(sub, e.code).score_1 == Decimal("12.5")


def test_closing_the_scores_is_refused_while_indicators_are_unappraised(agency: Any, two_tier: Any) -> None:
    sub = fill_and_submit(agency, submission_of(two_tier, "so"), PT_SUBMIT)
    cv = so_staff(agency)
    client = client_for(cv)
    take_on_page(client, sub, "bat_dau_tham_dinh")
    codes = list(sub.entries.order_by("id").values_list("code", flat=True))
    e = entry_of(sub, codes[0])
    save_appraisal(e, cv, round_no=1, accept=True, score=None, reason="", seen_version=e.version)

    page = take_on_page(client, sub, "chot_diem")
    assert (
        f"Chưa thể chốt điểm: còn {len(codes) - 1} chỉ số chưa có điểm thẩm định lần 1 ({codes[1]}, {codes[2]}"
        in page
    )
    sub.refresh_from_db()
    assert sub.state == State.IN_APPRAISAL
    refusal = StateChange.objects.get(submission=sub, action="chot_diem", accepted=False)
    assert refusal.comment.startswith("Chưa thể chốt điểm")
    page = take_on_page(client, sub, "yeu_cau_giai_trinh")
    assert "Chưa thể chuyển đơn vị giải trình" in page

    accept_all(sub, cv)
    page = take_on_page(client, sub, "chot_diem")
    assert "Đã chốt điểm cuối cùng của đơn vị." in page
    sub.refresh_from_db()
    assert sub.state == State.FINAL and sub.final_at is not None

    # Closed: a save from a page still open is refused beside the row, with or without htmx.
    e.refresh_from_db()
    data = {"decision": "score", "score": "1", "reason": "Sửa muộn", "version": e.version}
    late = client.post(entry_url(e), data, HTTP_HX_REQUEST="true")
    assert late.status_code == 200
    assert "«Đã có kết quả cuối cùng»: không trong thời gian thẩm định" in html(late)
    assert client.post(entry_url(e), data).status_code == 400
    assert entry_of(sub, e.code).score_1 == e.score_1
    # The Sở's leader reads everything and changes nothing.
    leader = client_for(make_user("ld-so", Role.SO_LEADER, agency, full_name="Lãnh đạo Sở"))
    page = html(leader.get(page_url(sub)))
    assert "Tổng điểm cuối cùng" in page and 'id="form-' not in page and 'id="chuyen-trang-thai"' not in page
    assert leader.post(entry_url(e), data).status_code == 403


def test_an_unscored_indicator_cannot_be_accepted_only_scored(agency: Any, two_tier: Any) -> None:
    sub = submission_of(two_tier, "so")
    first = sub.entries.order_by("id").first().code
    # Every indicator but the first at its maximum; then the first is cleared again before submitting.
    fill_and_submit(agency, sub, PT_SUBMIT)
    Entry.objects.filter(submission=sub, code=first).update(self_score=None)
    cv = so_staff(agency)
    client = client_for(cv)
    take_on_page(client, sub, "bat_dau_tham_dinh")
    e = entry_of(sub, first)
    response = client.post(entry_url(e), {"decision": "accept", "version": e.version})
    assert response.status_code == 400
    assert "Đơn vị chưa chấm điểm chỉ số này nên không có điểm để chấp nhận" in html(response)
    assert (
        client.post(
            entry_url(e),
            {"decision": "score", "score": "0", "reason": "Đơn vị không chấm", "version": e.version},
        ).status_code
        == 302
    )


# --------------------------------------------------------------------------- the whole chain


def test_the_whole_chain_through_the_pages_and_the_final_scores(
    agency: Any, two_tier: Any, files_dir: Any
) -> None:
    sub = fill_and_submit(agency, submission_of(two_tier, "xa"), PT_SUBMIT)
    assert sub.state == State.SUBMITTED
    cv = so_staff(agency)
    client = client_for(cv)
    rows = {r.code: r for r in plan_for(two_tier).tier("xa").rows}
    codes = list(sub.entries.order_by("id").values_list("code", flat=True))
    lowered, kept = codes[0], codes[1]

    clock.set_now(at("27/01/2026 09:00"))
    page = take_on_page(client, sub, "bat_dau_tham_dinh")
    assert "Thẩm định lần 1: với mỗi chỉ số" in page
    for code in codes:
        e = entry_of(sub, code)
        if code in (lowered, kept):
            data = {
                "decision": "score",
                "score": "5",
                "reason": f"Chỉ số {code}: thiếu văn bản",
                "version": e.version,
            }
        else:
            data = {"decision": "accept", "version": e.version}
        assert client.post(entry_url(e), data).status_code == 302, code
    page = html(client.get(page_url(sub)))
    assert f"{len(codes)}/{len(codes)} chỉ số đã có quyết định lần 1" in page

    page = take_on_page(client, sub, "yeu_cau_giai_trinh")
    assert "Đơn vị đã được mở để giải trình, bổ sung." in page
    # The unit answers (its own page is another helper's; the model stands in for it) and adds a file.
    e = entry_of(sub, lowered)
    e.answer = "Đơn vị bổ sung quyết định kiện toàn Ban Chỉ đạo."
    e.save(update_fields=["answer"])
    content = b"%PDF-1.7 quyet dinh kien toan"
    stored = files_dir / "giai-trinh" / "qd-kien-toan.pdf"
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(content)
    added = EvidenceFile.objects.create(
        entry=e,
        stage=Stage.EXPLANATIONS,
        name="qd-kien-toan.pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        stored="giai-trinh/qd-kien-toan.pdf",
        verdict=EvidenceFile.Verdict.VALID,
        verdict_text="Chữ ký số hợp lệ của UBND xã.",
    )

    clock.set_now(at("10/02/2026 09:00"))  # inside the window 09/02–13/02/2026
    page = take_on_page(client, sub, "dong_giai_trinh")
    assert "Đơn vị còn thời hạn giải trình đến 24 giờ 00 ngày 13/02/2026" in page
    clock.set_now(at("14/02/2026 00:00"))  # 24h00 of 13/02/2026
    page = take_on_page(client, sub, "dong_giai_trinh")
    assert "Đã kết thúc giải trình; bắt đầu thẩm định lần 2." in page

    assert "Chỉ số không có quyết định lần 2 giữ nguyên điểm thẩm định lần 1" in page
    assert "Đơn vị bổ sung quyết định kiện toàn Ban Chỉ đạo." in page
    item = re.search(rf'<li class="added" data-file="{added.pk}">(.*?)</li>', page, re.S)
    assert item and "Bổ sung khi giải trình" in item.group(1) and "Hợp lệ" in item.group(1)
    link = re.search(rf'data-file="{added.pk}">\s*<a href="([^"]+)">qd-kien-toan.pdf</a>', page)
    assert link is not None
    download = client.get(link.group(1))
    assert download.status_code == 200 and b"".join(download.streaming_content) == content

    e = entry_of(sub, lowered)
    maximum = rows[lowered].max_points
    no_reason = client.post(
        entry_url(e), {"decision": "score", "score": str(maximum), "reason": "", "version": e.version}
    )
    assert no_reason.status_code == 400 and "Hãy ghi lý do" in html(no_reason)
    assert (
        client.post(
            entry_url(e),
            {
                "decision": "score",
                "score": str(maximum),
                "reason": "Đã bổ sung quyết định có chữ ký số",
                "version": e.version,
            },
        ).status_code
        == 302
    )

    page = take_on_page(client, sub, "chot_diem")
    assert "Đã chốt điểm cuối cùng của đơn vị." in page
    sub.refresh_from_db()
    assert sub.state == State.FINAL
    finals = {e.code: e for e in sub.entries.all()}
    assert finals[lowered].score_2 == maximum and finals[lowered].final_score == maximum  # round 2 set
    assert finals[kept].score_2 is None and finals[kept].final_score == Decimal("5.00")  # round 1 stands
    assert all(finals[c].final_score == rows[c].max_points for c in codes if c not in (lowered, kept))
    total = sum(e.final_score for e in finals.values())
    from letters.core.vn import points_text

    assert f'<span id="tong-cuoi">{points_text(total)}</span>' in page and "Tổng điểm cuối cùng" in page
    actions = list(StateChange.objects.filter(submission=sub, accepted=True).values_list("action", flat=True))
    assert actions == [
        "trinh_lanh_dao",
        "xac_nhan",
        "bat_dau_tham_dinh",
        "yeu_cau_giai_trinh",
        "dong_giai_trinh",
        "chot_diem",
    ]


# --------------------------------------------------------------------------- many units at once


def test_bulk_transitions_report_what_succeeded_and_why_others_were_refused(
    agency: Any, two_tier: Any
) -> None:
    subs = [fill_and_submit(agency, submission_of(two_tier, "so", i), PT_SUBMIT) for i in range(2)]
    draft = submission_of(two_tier, "so", 5)
    cv = so_staff(agency)
    client = client_for(cv)
    listing = html(client.get(reverse("appraisal:index"), {"dot": two_tier.pk, "nhom": "so"}))
    assert 'id="thao-tac-hang-loat"' in listing and 'name="chon"' in listing

    response = client.post(
        reverse("appraisal:bulk"),
        {
            "dot": two_tier.pk,
            "nhom": "so",
            "action": "bat_dau_tham_dinh",
            "pham_vi": "chon",
            "chon": [s.pk for s in subs] + [draft.pk],
        },
        follow=True,
    )
    page = html(response)
    assert "«Bắt đầu thẩm định lần 1»: 2 đơn vị thành công, 1 đơn vị không thực hiện được." in page
    assert (
        f"{draft.unit.name}: Không thể «Bắt đầu thẩm định lần 1» khi bài đang ở trạng thái «Đang nhập số liệu»."
        in page
    )
    assert set(Submission.objects.filter(pk__in=[s.pk for s in subs]).values_list("state", flat=True)) == {
        State.IN_APPRAISAL
    }

    accept_all(subs[0], cv)
    response = client.post(
        reverse("appraisal:bulk"),
        {"dot": two_tier.pk, "nhom": "so", "action": "chot_diem", "pham_vi": "tat_ca"},
        follow=True,
    )
    page = html(response)
    assert "«Chốt điểm»: 1 đơn vị thành công, 1 đơn vị không thực hiện được." in page
    assert f"{subs[1].unit.name}: Chưa thể chốt điểm: còn 45 chỉ số" in page
    assert Submission.objects.get(pk=subs[0].pk).state == State.FINAL

    # All of a tier needs a tier; an appraiser has no Sở-only actions.
    response = client.post(
        reverse("appraisal:bulk"),
        {"dot": two_tier.pk, "action": "chot_diem", "pham_vi": "tat_ca"},
        follow=True,
    )
    assert "Hãy chọn một nhóm đơn vị" in html(response)
    dept = appraiser(agency, two_tier, "tdv", tiers=["so"])
    response = client_for(dept).post(
        reverse("appraisal:bulk"),
        {"dot": two_tier.pk, "nhom": "so", "action": "chot_diem", "pham_vi": "tat_ca"},
        follow=True,
    )
    assert "Hãy chọn một thao tác được phép." in html(response)
    assert Submission.objects.get(pk=subs[1].pk).state == State.IN_APPRAISAL


def test_the_index_answers_in_a_bounded_number_of_queries_with_hundreds_of_units(
    agency: Any, two_tier: Any, django_assert_max_num_queries: Any
) -> None:
    many_submissions(two_tier, "xa", 300)
    cv = so_staff(agency)
    dept = appraiser(agency, two_tier, "tdv-chi-so", indices=["1", "3"])
    for user, mine in ((cv, False), (dept, True)):
        client = client_for(user)
        client.get(reverse("appraisal:index"))  # the session and the plan's cache warmed
        with django_assert_max_num_queries(14):
            response = client.get(reverse("appraisal:index"), {"dot": two_tier.pk, "nhom": "xa"})
        page = html(response)
        assert response.status_code == 200
        assert page.count('data-submission="') == 100 and "Trang 1/4 (330 đơn vị)" in page
        assert ("Chỉ số của bạn" in page) is mine
    page = html(
        client_for(cv).get(reverse("appraisal:index"), {"dot": two_tier.pk, "nhom": "xa", "trang": 4})
    )
    assert page.count('data-submission="') == 30


def test_evidence_links_follow_the_assignment_and_pages_are_closed_to_units_and_other_districts(
    agency: Any, two_tier: Any, three_tier: Any, files_dir: Any
) -> None:
    def stored_file(sub: Submission, code: str, name: str) -> EvidenceFile:
        (files_dir / name).write_bytes(b"%PDF-1.7 " + name.encode())
        return EvidenceFile.objects.create(
            entry=entry_of(sub, code),
            name=name,
            size=9 + len(name),
            sha256="0" * 64,
            stored=name,
            verdict=EvidenceFile.Verdict.UNSIGNED,
            verdict_text="Tệp không có chữ ký số.",
            advice="Ký số văn bản rồi tải lên lại.",
        )

    files_dir.mkdir(parents=True, exist_ok=True)
    vungtau = Unit.objects.get(agency=agency, code="vungtau")
    commune = Submission.objects.filter(campaign=three_tier, unit__parent=vungtau).order_by("id")[0]
    f = stored_file(commune, commune.entries.order_by("id").first().code, "a.pdf")
    other_district = (
        Submission.objects.filter(campaign=three_tier, tier="xa")
        .exclude(unit__parent=vungtau)
        .first()
        .unit.parent
    )
    own = appraiser(agency, three_tier, "own", tiers=["xa"], parent_unit=vungtau)
    other = appraiser(agency, three_tier, "other", tiers=["xa"], parent_unit=other_district)
    page = html(client_for(own).get(page_url(commune)))
    link = re.search(rf'data-file="{f.pk}">\s*<a href="([^"]+)">a.pdf</a>', page)
    assert link is not None
    item = re.search(rf'data-file="{f.pk}">(.*?)</li>', page, re.S).group(1)
    assert "Chưa có chữ ký số" in item and "Tệp không có chữ ký số." in item
    assert "Cách khắc phục: Ký số văn bản rồi tải lên lại." in item
    assert client_for(own).get(link.group(1)).status_code == 200
    assert client_for(other).get(link.group(1)).status_code == 404
    assert client_for(other).get(page_url(commune)).status_code == 404
    assert client_for(other).get(reverse("appraisal:history", args=[commune.pk])).status_code == 404
    staff, _ = unit_people(agency, commune)
    assert client_for(staff).get(reverse("appraisal:index")).status_code == 403
    assert client_for(staff).get(page_url(commune)).status_code == 403

    # A department appraiser reads the other indices' file names, and opens only its own indices' files.
    sub = fill_and_submit(agency, submission_of(two_tier, "so"), PT_SUBMIT)
    mine = stored_file(sub, first_code_of_index(sub, "2"), "cua-toi.pdf")
    theirs = stored_file(sub, first_code_of_index(sub, "1"), "khong-phai.pdf")
    dept = appraiser(agency, two_tier, "so-tc", tiers=["so"], indices=["2"])
    page = html(client_for(dept).get(page_url(sub)))
    assert re.search(rf'data-file="{mine.pk}">\s*<a href=', page)
    assert re.search(rf'data-file="{theirs.pk}">\s*<span title=[^>]*>khong-phai.pdf</span>', page)


@pytest.mark.django_db(transaction=True)
@pytest.mark.browser
@pytest.mark.slow
def test_in_a_browser_a_row_saves_in_place_and_a_refusal_stays_beside_its_field(
    agency: Any, two_tier: Any, page: Any
) -> None:
    from tests.web.assessment_support import PASSWORD
    from tests.web.browser import log_in, screenshot

    sub = fill_and_submit(agency, submission_of(two_tier, "xa"), PT_SUBMIT)
    cv = so_staff(agency)
    many_submissions(two_tier, "xa", 3, state=State.IN_APPRAISAL)
    client = client_for(cv)
    take_on_page(client, sub, "bat_dau_tham_dinh")
    first, second = list(sub.entries.order_by("id")[:2])
    save_appraisal(first, cv, round_no=1, accept=True, score=None, reason="", seen_version=first.version)

    log_in(page, "cv-so", PASSWORD)
    page.goto(reverse("appraisal:index") + f"?dot={two_tier.pk}&nhom=xa")
    assert page.locator("#don-vi tbody tr").count() == 33  # the 30 communes of the file and 3 more
    screenshot(page, "tham-dinh-danh-sach")
    page.goto(page_url(sub))
    row = page.locator(f"#chi-so-{second.pk}")
    row.locator("input[name=score]").fill("3")
    row.get_by_role("button", name="Lưu điểm thẩm định").click()
    row = page.locator(f"#chi-so-{second.pk}")
    row.locator(".error").wait_for()
    assert "Hãy ghi lý do" in row.locator(".error").inner_text()
    assert row.locator("input[name=score]").input_value() == "3"
    row.locator("textarea[name=reason]").fill("Quyết định chưa có chữ ký số")
    row.get_by_role("button", name="Lưu điểm thẩm định").click()
    page.locator(f"#chi-so-{second.pk} .saved").wait_for()
    assert "2/42 chỉ số đã có quyết định lần 1" in page.locator("#tien-do").inner_text()
    assert entry_of(sub, second.code).score_1 == Decimal("3.00")
    assert page.url.endswith(page_url(sub))  # no reload: the row was swapped in place
    screenshot(page, "tham-dinh-don-vi")
    page.goto(reverse("appraisal:history", args=[sub.pk]))
    assert "Quyết định chưa có chữ ký số" in page.locator("#lich-su-diem").inner_text()
    screenshot(page, "tham-dinh-lich-su")
    # Round 2 after the unit's explanations: the answer and the file added are beside the indicator.
    from web.appraisal.services import take_checked

    accept_all(sub, cv)
    take_checked(sub, "yeu_cau_giai_trinh", cv)
    Entry.objects.filter(pk=second.pk).update(answer="Đơn vị đã ký số lại quyết định và gửi bổ sung.")
    EvidenceFile.objects.create(
        entry=second,
        stage=Stage.EXPLANATIONS,
        name="quyet-dinh-ky-so.pdf",
        size=8,
        sha256="1" * 64,
        stored="x.pdf",
        verdict=EvidenceFile.Verdict.VALID,
        verdict_text="Chữ ký số hợp lệ.",
    )
    clock.set_now(at("14/02/2026 08:00"))
    take_checked(sub, "dong_giai_trinh", cv)
    page.goto(page_url(sub))
    row = page.locator(f"#chi-so-{second.pk}")
    assert "Đơn vị đã ký số lại quyết định" in row.locator(".answer").inner_text()
    assert row.locator("li.added .badge.added").is_visible()
    assert row.get_by_role("button", name="Giữ điểm lần 1 (3 điểm)").is_visible()
    screenshot(page, "tham-dinh-lan-2")

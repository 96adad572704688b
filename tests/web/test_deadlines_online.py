"""Deadlines from the campaign file: windows opening at 00:00 of a phase's first day and closing at 24:00 of its
last in Việt Nam whatever the server's zone, the three-tier chain, the late rules, the Sở's extensions (field
errors, audit, the unit's form reopening and locking again), the deadlines page and the demo clock."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup

from tests.web.assessment_support import (  # noqa: F401 - fixtures
    agency,
    at,
    client_for,
    files_dir,
    make_user,
    submission_of,
    three_tier,
    two_tier,
    unit_people,
)
from web.accounts.models import Agency, Role
from web.assessment import clock
from web.assessment.models import Extension, State, Submission
from web.assessment.plans import plan_for
from web.assessment.services import WriteRefused, confirm, save_self_score
from web.assessment.states import TransitionRefused, take
from web.assessment.windows import explanations, for_unit, self_assessment
from web.audit.models import AuditEvent
from web.campaigns.models import Campaign
from web.deadlines import services

pytestmark = pytest.mark.django_db


def page(response: Any) -> BeautifulSoup:
    assert response.status_code in (200, 400), response.status_code
    return BeautifulSoup(response.content.decode(), "html.parser")


def text(node: Any) -> str:
    return " ".join(node.get_text(" ").split())


@pytest.fixture()
def so_staff(agency: Agency) -> Any:
    return make_user("chuyenvien", Role.SO_STAFF, agency, full_name="Nguyễn Thị Lan")


def with_late_rule(campaign: Campaign, rule: str) -> Campaign:
    campaign.source, n = re.subn(r"late_rule: \w+", f"late_rule: {rule}", campaign.source)
    assert n == 1
    campaign.version += 1
    campaign.save()
    campaign.write_yaml()
    return campaign


# --------------------------------------------------------------------------- windows


@pytest.fixture()
def server_elsewhere(settings: Any) -> Iterator[None]:
    """A server in New York configured for UTC: deadlines must not move."""
    old = os.environ.get("TZ")
    settings.TIME_ZONE = "UTC"  # Django sets the process's TZ to it: the OS zone is set after
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()


def _windows_of(campaign: Campaign) -> tuple[Any, Any]:
    plan = plan_for(campaign)
    return self_assessment(plan, "xa"), explanations(plan, "xa")


def test_a_window_opens_at_00h00_and_closes_at_24h00_in_vietnam(two_tier: Campaign) -> None:
    own, expl = _windows_of(two_tier)
    assert own.opens == datetime(2026, 1, 12, 0, 0, tzinfo=clock.VN)
    assert own.closes == datetime(2026, 1, 24, 0, 0, tzinfo=clock.VN)
    assert own.closes.astimezone(UTC) == datetime(2026, 1, 23, 17, 0, tzinfo=UTC)
    assert not own.writable(at("11/01/2026 23:59")) and own.writable(at("12/01/2026 00:00"))
    assert own.writable(at("23/01/2026 23:59")) and not own.writable(at("24/01/2026 00:00"))
    assert (expl.opens, expl.closes) == (
        datetime(2026, 2, 9, tzinfo=clock.VN),
        datetime(2026, 2, 14, tzinfo=clock.VN),
    )
    assert own.status(at("20/01/2026 09:00")) == (
        "Tự đánh giá, chấm điểm: đang mở đến 24 giờ 00 ngày 23/01/2026."
    )
    assert own.status(at("05/01/2026 09:00")) == "Tự đánh giá, chấm điểm: mở từ ngày 12/01/2026."


def test_the_same_windows_on_a_server_in_another_time_zone(
    agency: Agency, two_tier: Campaign, server_elsewhere: None
) -> None:
    from django.utils import timezone

    assert timezone.get_current_timezone_name() == "UTC" and time.strftime("%Z") in ("EST", "EDT")
    own, _ = _windows_of(two_tier)
    assert own.closes == datetime(2026, 1, 23, 17, 0, tzinfo=UTC)
    # 23/01 18:00 in New York is already 24/01 in Việt Nam: the form is locked, today is the 24th.
    clock.set_now(datetime(2026, 1, 23, 17, 0, 30, tzinfo=UTC))
    assert clock.today() == date(2026, 1, 24)
    sub = submission_of(two_tier, "xa")
    staff, _ = unit_people(agency, sub)
    entry = sub.entries.order_by("id").first()
    with pytest.raises(WriteRefused, match="đã khóa lúc 24 giờ 00 ngày 23/01/2026"):
        save_self_score(entry, staff, score="0", note="Chưa có", seen_version=entry.version)
    clock.set_now(datetime(2026, 1, 23, 16, 59, tzinfo=UTC))  # 23:59 in Việt Nam
    assert clock.today() == date(2026, 1, 23)
    save_self_score(entry, staff, score="0", note="Chưa có", seen_version=entry.version)


def test_the_clock_set_to_24h00_reads_24h00_not_a_second_before(two_tier: Campaign) -> None:
    future = datetime.now(clock.VN).replace(microsecond=0) + timedelta(days=400)
    for target in (future, at("24/01/2026 00:00")):
        clock.set_now(target)
        assert timedelta(0) <= clock.now() - target < timedelta(seconds=2)


def test_three_tiers_chain_a_communes_deadline_before_its_districts(three_tier: Campaign) -> None:
    """Bà Rịa - Vũng Tàu 2024: sở and districts send by 04/11; communes send to their district by 05/11, and the
    district forwards them to the Sở by 08/11 (the communes' ranking deadline)."""
    plan = plan_for(three_tier)
    commune, district, so = (self_assessment(plan, t) for t in ("xa", "huyen", "so"))
    assert district.last_day == so.last_day == date(2024, 11, 4)
    assert commune.last_day == date(2024, 11, 5)
    assert commune.closes == datetime(2024, 11, 6, tzinfo=clock.VN)
    forwards = plan.tier("xa").deadline
    assert forwards == date(2024, 11, 8) and commune.last_day < forwards
    assert commune.opens == district.opens == datetime(2024, 10, 28, tzinfo=clock.VN)
    sub = submission_of(three_tier, "xa")
    assert for_unit(plan, three_tier.pk, sub.unit_id, "xa", "tu_danh_gia").closes == commune.closes
    rows = {r.tier.id: r for r in services.tier_rows(three_tier, plan, [], at("05/11/2024 09:00"))}
    assert rows["xa"].submit_to.startswith("UBND các huyện") and rows["huyen"].forwards == (
        (plan.tier("xa").name, date(2024, 11, 8)),
    )
    assert "đang mở đến 24 giờ 00 ngày 05/11/2024" in rows["xa"].status
    assert "đã khóa lúc 24 giờ 00 ngày 04/11/2024" in rows["huyen"].status


def test_an_extension_moves_the_close_to_24h00_of_its_day(two_tier: Campaign, so_staff: Any) -> None:
    sub = submission_of(two_tier, "xa")
    plan = plan_for(two_tier)
    clock.set_now(at("22/01/2026 10:00"))
    services.grant_extension(two_tier, sub.unit, "tu_danh_gia", date(2026, 1, 30), "Sự cố mạng", so_staff)
    window = for_unit(plan, two_tier.pk, sub.unit_id, "xa", "tu_danh_gia")
    assert window.extended and window.closes == datetime(2026, 1, 31, tzinfo=clock.VN)
    assert window.status(at("30/01/2026 12:00")) == (
        "Tự đánh giá, chấm điểm: đang mở đến 24 giờ 00 ngày 30/01/2026 (đã được gia hạn)."
    )
    other = submission_of(two_tier, "xa", 1)
    assert not for_unit(plan, two_tier.pk, other.unit_id, "xa", "tu_danh_gia").extended


# --------------------------------------------------------------------------- extensions


def test_an_extension_reopens_the_units_form_until_its_day_and_a_revocation_locks_it(
    agency: Agency, two_tier: Campaign, so_staff: Any
) -> None:
    sub = submission_of(two_tier, "xa")
    staff, leader = unit_people(agency, sub)
    entry = sub.entries.order_by("id").first()
    clock.set_now(at("26/01/2026 09:00"))
    with pytest.raises(WriteRefused, match="đã khóa"):
        save_self_score(entry, staff, score="0", note="Chưa có", seen_version=entry.version)
    client = client_for(so_staff)
    url = f"/thoi-han/{two_tier.pk}/don-vi/{sub.unit_id}/"
    granted = client.post(url, {"phase": "tu_danh_gia", "until": "2026-01-28", "reason": "Đơn vị mất điện"})
    assert granted.status_code == 302
    ext = Extension.objects.get(campaign=two_tier, unit=sub.unit)
    assert (ext.until, ext.reason, ext.granted_by) == (date(2026, 1, 28), "Đơn vị mất điện", so_staff)
    event = AuditEvent.objects.get(action="gia_han")
    assert event.before["han"] == "23/01/2026" and event.after == {
        "don_vi": sub.unit.name,
        "giai_doan": "Tự đánh giá, chấm điểm",
        "han": "28/01/2026",
        "ly_do": "Đơn vị mất điện",
    }
    assert event.user == so_staff and event.agency_id_value == agency.pk
    shown = page(client.get(url))
    assert "Đã gia hạn cho" in text(shown.select_one(".messages"))
    assert "Tự đánh giá, chấm điểm: đang mở đến 24 giờ 00 ngày 28/01/2026 (đã được gia hạn)." in text(
        shown.select_one("#thoi-han-don-vi")
    )
    assert "Đơn vị mất điện" in text(shown.select_one("#extensions"))
    # The unit writes and submits until 24h00 of the 28th.
    entry = save_self_score(entry, staff, score="0", note="Chưa có", seen_version=entry.version)
    clock.set_now(at("28/01/2026 23:59"))
    take(sub, "trinh_lanh_dao", staff)
    take(sub, "tra_lai", leader, comment="Bổ sung")
    clock.set_now(at("29/01/2026 00:00"))
    with pytest.raises(WriteRefused, match="đã khóa lúc 24 giờ 00 ngày 28/01/2026"):
        save_self_score(entry, staff, score="0", note="Chưa có", seen_version=entry.version)
    # Extended again, then revoked: back to the campaign's own date, both in the log.
    clock.set_now(at("29/01/2026 08:00"))
    assert (
        client.post(
            url, {"phase": "tu_danh_gia", "until": "31/01/2026", "reason": "Đề nghị lần 2"}
        ).status_code
        == 302
    )
    save_self_score(entry, staff, score="0", note="Vẫn chưa có", seen_version=entry.version)
    revoked = client.post(
        f"/thoi-han/{two_tier.pk}/don-vi/{sub.unit_id}/thu-hoi/",
        {"phase": "tu_danh_gia", "revoke_reason": "Gia hạn nhầm đơn vị"},
    )
    assert revoked.status_code == 302
    latest = Extension.objects.filter(unit=sub.unit).order_by("-granted_at", "-id").first()
    assert (latest.until, latest.reason) == (date(2026, 1, 23), "Thu hồi gia hạn: Gia hạn nhầm đơn vị")
    event = AuditEvent.objects.get(action="thu_hoi_gia_han")
    assert (event.before["han"], event.after["han"]) == ("31/01/2026", "23/01/2026")
    with pytest.raises(TransitionRefused, match="đã khóa lúc 24 giờ 00 ngày 23/01/2026"):
        take(sub, "trinh_lanh_dao", staff)
    assert Extension.objects.filter(unit=sub.unit).count() == 3  # nothing rewritten: the history stays
    history = page(client.get(url)).select("#extensions tbody tr")
    assert len(history) == 3 and "Gia hạn nhầm đơn vị" in text(history[0])


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"until": "2026-01-20", "reason": "x"},
            "until",
            "phải sau hạn hiện tại của đơn vị (24 giờ 00 ngày 23/01/2026)",
        ),
        ({"until": "23/01/2026", "reason": "x"}, "until", "phải sau hạn hiện tại"),
        ({"until": "30/02/2026", "reason": "x"}, "until", "không tồn tại"),
        ({"until": "mai", "reason": "x"}, "until", "không phải là ngày hợp lệ"),
        ({"until": "", "reason": "x"}, "until", "Hãy chọn ngày"),
        ({"until": "2026-01-30", "reason": "  "}, "reason", "Hãy ghi lý do gia hạn"),
        ({"until": "2026-01-30", "reason": "x", "phase": "tham_dinh_1"}, "phase", "Giai đoạn không hợp lệ"),
    ],
)
def test_a_wrong_extension_is_refused_beside_its_field_and_nothing_is_saved(
    two_tier: Campaign, so_staff: Any, data: dict[str, str], field: str, message: str
) -> None:
    clock.set_now(at("20/01/2026 09:00"))
    sub = submission_of(two_tier, "so")
    response = client_for(so_staff).post(
        f"/thoi-han/{two_tier.pk}/don-vi/{sub.unit_id}/", {"phase": "tu_danh_gia", **data}
    )
    assert response.status_code == 400
    html = page(response)
    errors = html.select_one(f"#{field}-errors")
    assert errors is not None and message in text(errors), text(html.select_one("#gia-han"))
    # What was typed stays in the form.
    assert html.select_one("#extension-form textarea").get_text().strip() == data["reason"].strip()
    assert not Extension.objects.exists() and not AuditEvent.objects.filter(action="gia_han").exists()


def test_every_mistake_of_the_extension_form_is_shown_at_once(two_tier: Campaign, so_staff: Any) -> None:
    clock.set_now(at("20/01/2026 09:00"))
    sub = submission_of(two_tier, "so")
    response = client_for(so_staff).post(
        f"/thoi-han/{two_tier.pk}/don-vi/{sub.unit_id}/", {"phase": "tu_danh_gia", "until": "2026-01-20"}
    )
    html = page(response)
    assert "Hãy ghi lý do gia hạn" in text(html.select_one("#reason-errors"))
    assert "phải sau hạn hiện tại" in text(html.select_one("#until-errors"))
    assert html.select_one("#extension-form input[name=until]")["value"] == "2026-01-20"


def test_an_extension_already_past_or_of_a_phase_without_a_close_is_refused(
    three_tier: Campaign, so_staff: Any
) -> None:
    sub = submission_of(three_tier, "so")
    clock.set_now(at("20/11/2024 09:00"))
    with pytest.raises(services.ExtensionRefused, match="đã qua") as past:
        services.grant_extension(three_tier, sub.unit, "tu_danh_gia", date(2024, 11, 10), "x", so_staff)
    assert past.value.field == "until"
    with pytest.raises(services.ExtensionRefused, match="không có thời hạn") as none:
        services.grant_extension(three_tier, sub.unit, "giai_trinh", date(2024, 12, 1), "x", so_staff)
    assert none.value.field == "phase"
    with pytest.raises(services.ExtensionRefused, match="không được gia hạn"):
        services.revoke_extension(three_tier, sub.unit, "tu_danh_gia", "x", so_staff)
    assert not Extension.objects.exists()


def test_an_explanations_extension_opens_that_window_only(
    agency: Agency, two_tier: Campaign, so_staff: Any
) -> None:
    sub = submission_of(two_tier, "so")
    _, leader = unit_people(agency, sub)
    Submission.objects.filter(pk=sub.pk).update(state=State.EXPLANATIONS)
    clock.set_now(at("16/02/2026 09:00"))
    with pytest.raises(TransitionRefused, match="Giải trình, bổ sung: đã khóa lúc 24 giờ 00 ngày 13/02/2026"):
        take(sub, "gui_giai_trinh", leader)
    services.grant_extension(
        two_tier, sub.unit, "giai_trinh", date(2026, 2, 17), "Chờ văn bản của Sở Nội vụ", so_staff
    )
    assert not for_unit(plan_for(two_tier), two_tier.pk, sub.unit_id, "so", "tu_danh_gia").extended
    assert take(sub, "gui_giai_trinh", leader).state == State.REAPPRAISAL


# --------------------------------------------------------------------------- late rule, late marking, the flag


def test_last_rule_a_confirmation_after_the_close_is_marked_late_and_shown(
    agency: Agency, two_tier: Campaign, so_staff: Any
) -> None:
    with_late_rule(two_tier, "last")
    late_sub, on_time = submission_of(two_tier, "so", 0), submission_of(two_tier, "so", 1)
    still = submission_of(two_tier, "so", 2)
    clock.set_now(at("23/01/2026 16:00"))
    staff, leader = unit_people(agency, on_time)
    take(on_time, "trinh_lanh_dao", staff)
    assert not confirm(on_time, leader).late
    clock.set_now(at("25/01/2026 09:00"))
    staff, leader = unit_people(agency, late_sub)
    take(late_sub, "trinh_lanh_dao", staff)
    done = confirm(late_sub, leader)
    assert done.late and done.state == State.SUBMITTED and done.receipt_sha256
    overdue = services.overdue_submissions(two_tier)
    assert still in overdue and late_sub not in overdue and on_time not in overdue
    html = page(client_for(so_staff).get(f"/thoi-han/{two_tier.pk}/?nhom=so"))
    assert "xếp cuối" in text(html.select_one("#quy-dinh-nop-muon"))
    assert "Nộp muộn" in text(html.select_one(f"#don-vi-{late_sub.unit_id}"))
    assert "Đã gửi" in text(html.select_one(f"#don-vi-{on_time.unit_id}"))
    assert "Quá hạn, chưa gửi" in text(html.select_one(f"#don-vi-{still.unit_id}"))
    assert "vẫn gửi được nhưng bị ghi là nộp muộn" in text(html.select_one("#nhom-so"))


def test_exclude_rule_refuses_after_the_close_and_flags_the_units_that_did_not_send(
    agency: Agency, two_tier: Campaign, so_staff: Any
) -> None:
    sub = submission_of(two_tier, "xa")
    staff, leader = unit_people(agency, sub)
    clock.set_now(at("23/01/2026 10:00"))
    take(sub, "trinh_lanh_dao", staff)
    clock.set_now(at("24/01/2026 00:00"))
    with pytest.raises(TransitionRefused, match="đã khóa lúc 24 giờ 00 ngày 23/01/2026; liên hệ Sở"):
        confirm(sub, leader)
    assert Submission.objects.get(pk=sub.pk).state == State.AWAITING_APPROVAL
    flagged = services.overdue_submissions(two_tier)
    assert len(flagged) == Submission.objects.filter(campaign=two_tier).count()
    html = page(client_for(so_staff).get(f"/thoi-han/{two_tier.pk}/?nhom=xa&chi=qua-han"))
    rows = html.select("#units tbody tr")
    assert len(rows) == Submission.objects.filter(campaign=two_tier, tier="xa").count()
    assert all("Quá hạn, chưa gửi" in text(r) for r in rows)
    assert "không được xếp hạng" in text(html.select_one("#quy-dinh-nop-muon"))
    counts = html.select_one("#nhom-xa").select("td.num")
    assert [text(c) for c in counts] == [str(len(rows)), str(len(rows)), "0"]


# --------------------------------------------------------------------------- the page and who reaches it


def test_the_deadlines_page_shows_each_tiers_windows_and_units(two_tier: Campaign, so_staff: Any) -> None:
    clock.set_now(at("20/01/2026 09:00"))
    html = page(client_for(so_staff).get("/thoi-han/"))
    assert text(html.select_one("h1")) == "Thời hạn, gia hạn và nhắc hạn"
    assert "09:00 ngày 20/01/2026" in text(html.select_one("#gio-he-thong"))
    row = text(html.select_one("#nhom-xa"))
    for expected in (
        "00 giờ 00 ngày 12/01/2026",
        "24 giờ 00 ngày 23/01/2026",
        "09/02/2026 – 24 giờ 00 ngày 13/02/2026",
        "đang mở đến 24 giờ 00 ngày 23/01/2026",
    ):
        assert expected in row, row
    units = html.select("#units tbody tr")
    assert len(units) == Submission.objects.filter(campaign=two_tier, tier="so").count()
    first = submission_of(two_tier, "so")
    link = html.select_one(f"#don-vi-{first.unit_id} a")
    assert link["href"] == f"/thoi-han/{two_tier.pk}/don-vi/{first.unit_id}/"
    assert html.select_one("#remind-form button").get_text() == "Gửi nhắc hạn ngay"
    tabs = html.select("#don-vi .tier-tabs a")
    assert [t.get_text().split(" (")[0] for t in tabs] == [t.short for t in plan_for(two_tier).tiers]
    assert client_for(so_staff).get(f"/thoi-han/{two_tier.pk}/?nhom=khong-co").status_code == 404


@pytest.mark.parametrize(
    "role", [Role.SO_LEADER, Role.CLERK, Role.UNIT_STAFF, Role.UNIT_LEADER, Role.APPRAISER]
)
def test_only_the_sos_chuyen_vien_and_quan_tri_manage_deadlines(
    agency: Agency, two_tier: Campaign, role: Role
) -> None:
    sub = submission_of(two_tier, "so")
    user = make_user(
        f"nguoi-{role}", role, agency, sub.unit if role in (Role.UNIT_STAFF, Role.UNIT_LEADER) else None
    )
    client = client_for(user)
    for url in (
        "/thoi-han/",
        f"/thoi-han/{two_tier.pk}/",
        f"/thoi-han/{two_tier.pk}/don-vi/{sub.unit_id}/",
        "/thoi-han/dong-ho/",
    ):
        assert client.get(url).status_code == 403, url
    refused = client.post(
        f"/thoi-han/{two_tier.pk}/don-vi/{sub.unit_id}/",
        {"phase": "tu_danh_gia", "until": "2026-01-30", "reason": "x"},
    )
    assert refused.status_code == 403 and not Extension.objects.exists()
    assert client.post("/thoi-han/nhac-han/").status_code == 403
    admin = make_user("quantri", Role.ADMIN, agency)
    assert client_for(admin).get(f"/thoi-han/{two_tier.pk}/").status_code == 200


def test_another_agencys_staff_find_nothing_and_strangers_log_in_first(two_tier: Campaign) -> None:
    other = Agency.objects.create(
        code="stttt-bg", name="Sở Thông tin và Truyền thông Bắc Giang", abbreviation="STTTT"
    )
    staff = make_user("cv-bg", Role.SO_STAFF, other)
    client = client_for(staff)
    sub = submission_of(two_tier, "so")
    assert "Chưa có đợt đánh giá trực tuyến nào" in text(
        page(client.get("/thoi-han/")).select_one("#chua-co-dot")
    )
    assert client.get(f"/thoi-han/{two_tier.pk}/").status_code == 404
    assert client.get(f"/thoi-han/{two_tier.pk}/don-vi/{sub.unit_id}/").status_code == 404
    assert (
        client.post(
            f"/thoi-han/{two_tier.pk}/don-vi/{sub.unit_id}/thu-hoi/", {"phase": "tu_danh_gia"}
        ).status_code
        == 404
    )
    from django.test import Client

    anonymous = Client().get("/thoi-han/")
    assert anonymous.status_code == 302 and "/tai-khoan/" in anonymous["Location"]


def test_a_unit_of_another_campaign_is_not_found(
    agency: Agency, two_tier: Campaign, three_tier: Campaign, so_staff: Any
) -> None:
    brvt_unit = submission_of(three_tier, "huyen").unit
    response = client_for(so_staff).get(f"/thoi-han/{two_tier.pk}/don-vi/{brvt_unit.pk}/")
    assert response.status_code == 404
    # Both campaigns are listed, each page with its own tiers.
    html = page(client_for(so_staff).get(f"/thoi-han/{three_tier.pk}/"))
    assert {a.get_text() for a in html.select("nav.tier-tabs")[0].select("a")} == {"phutho-2026", "brvt-2024"}
    assert html.select_one("#nhom-huyen") is not None and html.select_one("#nhom-xa") is not None


# --------------------------------------------------------------------------- the demo clock


def test_the_demo_clock_walks_the_service_through_the_year(two_tier: Campaign, so_staff: Any) -> None:
    client = client_for(so_staff)
    clock.reset()
    html = page(client.get("/thoi-han/dong-ho/"))
    assert text(html.select_one("h1")) == "Đồng hồ của bản mẫu"
    assert "đúng giờ thực" in text(html.select_one("#gio-he-thong"))
    moments = [text(r) for r in html.select("#moc tr")]
    assert any("Mở «Tự đánh giá" in m and "08:00 ngày 12/01/2026" in m for m in moments), moments
    set_to = client.post("/thoi-han/dong-ho/", {"day": "23/01/2026", "at": "23:30"})
    assert set_to.status_code == 302
    assert abs(clock.now() - at("23/01/2026 23:30")) < timedelta(seconds=5)
    event = AuditEvent.objects.get(action="dat_dong_ho")
    assert event.after == {"gio": "23:30 ngày 23/01/2026"} and event.user == so_staff
    html = page(client.get("/thoi-han/dong-ho/"))
    assert "23:30 ngày 23/01/2026" in text(html.select_one("#gio-he-thong"))
    assert "đã chỉnh" in text(html.select_one("#gio-he-thong"))
    assert "đang mở đến 24 giờ 00 ngày 23/01/2026" in text(
        page(client.get("/thoi-han/")).select_one("#nhom-so")
    )
    bad = client.post("/thoi-han/dong-ho/", {"day": "23/01/2026", "at": "25:00"})
    assert bad.status_code == 400 and "không phải là giờ hợp lệ" in text(page(bad).select_one("#at-errors"))
    bad = client.post("/thoi-han/dong-ho/", {"day": "31/02/2026", "at": "08:00"})
    assert "không tồn tại" in text(page(bad).select_one("#day-errors"))
    assert abs(clock.now() - at("23/01/2026 23:30")) < timedelta(seconds=5)
    assert client.post("/thoi-han/dong-ho/", {"reset": "1"}).status_code == 302
    assert clock.shift() == timedelta(0)


def test_the_demo_clock_does_not_exist_outside_demo_mode(settings: Any, so_staff: Any) -> None:
    settings.VANBAN_CLOCK_ADJUSTABLE = False
    client = client_for(so_staff)
    assert client.get("/thoi-han/dong-ho/").status_code == 404
    assert client.post("/thoi-han/dong-ho/", {"day": "23/01/2026", "at": "08:00"}).status_code == 404
    assert "Đồng hồ của bản mẫu" not in client.get("/thoi-han/").content.decode()

"""The Sở's dashboard of an online campaign: the counts per tier read back from the page against a seeded mix of
states, each unit's state, deadline (with its extension) and submission time, the filters, the XLSX export read
back with openpyxl, a page whose number of queries does not grow with the number of units, and who may see it."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tests.web.assessment_support import (  # noqa: F401 - fixtures
    agency,
    at,
    client_for,
    files_dir,
    make_user,
    three_tier,
    two_tier,
)
from web.accounts.models import Agency, Role, Unit
from web.assessment import clock
from web.assessment.models import Extension, State, Submission
from web.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

KEYS = (
    "chua_bat_dau",
    "dang_nhap",
    "cho_duyet",
    "qua_han",
    "da_gui",
    "nop_muon",
    "dang_tham_dinh",
    "da_co_ket_qua",
)
SENT = "22/01/2026 10:15"

# Per tier, by position of the unit in the tier (in creation order): its state, whether it started, was late.
SEED: dict[str, dict[int, tuple[str, bool, bool]]] = {
    "so": {
        3: (State.DRAFT, True, False),
        4: (State.DRAFT, True, False),
        5: (State.AWAITING_APPROVAL, True, False),
        6: (State.SUBMITTED, True, False),
        7: (State.SUBMITTED, True, True),
        8: (State.IN_APPRAISAL, True, False),
        9: (State.EXPLANATIONS, True, False),
        10: (State.REAPPRAISAL, True, False),
        11: (State.FINAL, True, True),
    },
    "xa": {0: (State.SUBMITTED, True, False), 1: (State.FINAL, True, False), 2: (State.DRAFT, True, False)},
}


def _category(state: str, started: bool) -> str:
    if state == State.DRAFT:
        return "dang_nhap" if started else "chua_bat_dau"
    return {
        State.AWAITING_APPROVAL: "cho_duyet",
        State.SUBMITTED: "da_gui",
        State.FINAL: "da_co_ket_qua",
    }.get(state, "dang_tham_dinh")


def _seed(campaign: Any) -> dict[str, dict[str, int]]:
    """Move the seeded units to their states; return the counts they imply, computed from SEED alone, as seen
    after the deadline without any extension (every unit not sent is then overdue)."""
    expected: dict[str, dict[str, int]] = {}
    for tier, plan in SEED.items():
        subs = list(Submission.objects.filter(campaign=campaign, tier=tier).order_by("id"))
        counts = dict.fromkeys((*KEYS, "tong"), 0)
        for n, sub in enumerate(subs):
            state, started, late = plan.get(n, (State.DRAFT, False, False))
            sent = state not in (State.DRAFT, State.AWAITING_APPROVAL)
            Submission.objects.filter(pk=sub.pk).update(
                state=state, started=started, late=late, submitted_at=at(SENT) if sent else None
            )
            counts[_category(state, started)] += 1
            counts["nop_muon"] += late
            counts["qua_han"] += not sent
            counts["tong"] += 1
        expected[tier] = counts
    expected[""] = {k: sum(expected[t][k] for t in SEED) for k in (*KEYS, "tong")}
    return expected


def _counts(page: str) -> dict[str, dict[str, int]]:
    table = re.search(r'<table[^>]*id="counts"[^>]*>(.*?)</table>', page, re.S)
    assert table is not None
    found: dict[str, dict[str, int]] = {}
    for tier, row in re.findall(r'<tr data-tier="([^"]*)">(.*?)</tr>', table.group(1), re.S):
        cells = re.findall(r'<t[dh] class="num" data-key="([^"]+)">(.*?)</t[dh]>', row, re.S)
        found[tier] = {key: int(re.sub(r"<[^>]+>", "", value)) for key, value in cells}
    return found


def _units(page: str) -> dict[str, list[str]]:
    table = re.search(r'<table id="units">(.*?)</table>', page, re.S)
    assert table is not None
    rows = {}
    for code, row in re.findall(r'<tr data-unit="([^"]+)"[^>]*>(.*?)</tr>', table.group(1), re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        rows[code] = [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells]
    return rows


@pytest.fixture()
def staff(agency: Agency) -> Any:
    return make_user("chuyenvien-so", Role.SO_STAFF, agency, full_name="Chuyên viên Sở")


def test_counts_per_tier_and_every_unit_with_its_deadline(agency: Agency, two_tier: Any, staff: Any) -> None:
    expected = _seed(two_tier)
    extended = Submission.objects.filter(campaign=two_tier, tier="so").order_by("id")[4]
    Extension.objects.create(
        campaign=two_tier, unit=extended.unit, until=date(2026, 1, 30), reason="Mất điện", granted_by=staff
    )
    clock.set_now(at("26/01/2026 09:00"))  # after the deadline: units not sent are overdue
    page = client_for(staff).get("/theo-doi/").content.decode()

    for tier in ("so", ""):  # the extended unit is not overdue until its own deadline
        expected[tier]["qua_han"] -= 1
    assert _counts(page) == expected
    assert expected["so"] == {
        "chua_bat_dau": 8,
        "dang_nhap": 2,
        "cho_duyet": 1,
        "qua_han": 10,
        "da_gui": 2,
        "nop_muon": 2,
        "dang_tham_dinh": 3,
        "da_co_ket_qua": 1,
        "tong": 17,
    }
    units = _units(page)
    assert len(units) == Submission.objects.filter(campaign=two_tier).count() == 47
    sent = Submission.objects.filter(campaign=two_tier, tier="so").select_related("unit").order_by("id")[7]
    _, name, tier, state, deadline, submitted, late = units[sent.unit.code]
    assert (name, tier, state) == (sent.unit.name, "Các sở, ban, ngành", "Đã gửi Sở")
    assert (deadline, submitted, late) == ("23/01/2026", "10:15 22/01/2026", "Nộp muộn")
    # The extended unit's deadline is its own, and it is not overdue until then.
    assert units[extended.unit.code][3:5] == ["Đang nhập", "30/01/2026 gia hạn"]
    not_started = (
        Submission.objects.filter(campaign=two_tier, tier="xa").select_related("unit").order_by("id")[5]
    )
    assert units[not_started.unit.code][3] == "Chưa bắt đầu quá hạn, chưa gửi"
    explaining = (
        Submission.objects.filter(campaign=two_tier, tier="so").select_related("unit").order_by("id")[9]
    )
    assert units[explaining.unit.code][4] == "23/01/2026 giải trình đến 13/02/2026"

    # Filters: the late units of one tier, then one count's units; a count cell links to its units.
    late = _units(
        client_for(staff).get("/theo-doi/", {"nhom": "so", "trang_thai": "nop_muon"}).content.decode()
    )
    assert len(late) == 2 and all(r[6] == "Nộp muộn" for r in late.values())
    drafting = _units(client_for(staff).get("/theo-doi/", {"trang_thai": "dang_nhap"}).content.decode())
    assert len(drafting) == expected[""]["dang_nhap"] == 3
    assert f'href="?dot={two_tier.pk}&amp;nhom=so&amp;trang_thai=cho_duyet#don-vi">1</a>' in page

    # The overdue units: a column per tier, a filter, each listed unit marked so, the extended one not.
    assert f'href="?dot={two_tier.pk}&amp;nhom=so&amp;trang_thai=qua_han#don-vi">10</a>' in page
    assert '<option value="qua_han">Quá hạn, chưa gửi</option>' in page
    overdue = _units(
        client_for(staff).get("/theo-doi/", {"nhom": "so", "trang_thai": "qua_han"}).content.decode()
    )
    assert len(overdue) == 10 and all(r[3].endswith("quá hạn, chưa gửi") for r in overdue.values())
    assert extended.unit.code not in overdue and not_started.unit.code not in overdue  # (a commune)
    everywhere = _units(client_for(staff).get("/theo-doi/", {"trang_thai": "qua_han"}).content.decode())
    assert len(everywhere) == expected[""]["qua_han"] == 38 and not_started.unit.code in everywhere
    assert AuditEvent.objects.filter(action="xem_theo_doi").count() == 5

    # Before the deadline nobody is overdue; at 24h00 of its last day the extended unit is not yet.
    clock.set_now(at("23/01/2026 23:59"))
    before = _counts(client_for(staff).get("/theo-doi/").content.decode())
    assert before[""]["qua_han"] == 0
    clock.set_now(at("30/01/2026 23:59"))
    assert _counts(client_for(staff).get("/theo-doi/").content.decode())["so"]["qua_han"] == 10
    clock.set_now(at("31/01/2026 00:00"))
    assert _counts(client_for(staff).get("/theo-doi/").content.decode())["so"]["qua_han"] == 11


def test_the_export_is_the_same_table_with_dates_as_dates(agency: Agency, two_tier: Any, staff: Any) -> None:
    expected = _seed(two_tier)
    clock.set_now(at("26/01/2026 09:00"))
    client = client_for(staff)
    response = client.get("/theo-doi/xuat.xlsx", {"dot": two_tier.pk})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="theo-doi-phutho-2026-')
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Đơn vị", "Tổng hợp"]
    units = list(wb["Đơn vị"].iter_rows(values_only=True))
    assert units[0] == (
        "STT",
        "Đơn vị",
        "Mã đơn vị",
        "Nhóm đơn vị",
        "Trạng thái",
        "Hạn tự đánh giá",
        "Được gia hạn",
        "Hạn giải trình",
        "Thời điểm gửi Sở",
        "Nộp muộn",
    )
    page_units = _units(client.get("/theo-doi/").content.decode())
    assert [r[2] for r in units[1:]] == list(page_units)  # same units, same order
    for row in units[1:]:
        number, name, code, tier, state, deadline, _, _, submitted, late = row
        assert page_units[code][1:3] == [name, tier] and page_units[code][3].startswith(state)
        assert deadline == datetime(2026, 1, 23)  # a date cell, not text
        assert submitted in (None, datetime(2026, 1, 22, 10, 15))
        assert (late == "Có") == (page_units[code][6] == "Nộp muộn")
    sheet = wb["Đơn vị"]
    assert sheet.cell(2, 6).number_format == "DD/MM/YYYY" and sheet.cell(2, 6).is_date
    summary = list(wb["Tổng hợp"].iter_rows(values_only=True))
    assert summary[0] == (
        "Nhóm đơn vị",
        "Chưa bắt đầu",
        "Đang nhập",
        "Chờ lãnh đạo duyệt",
        "Quá hạn, chưa gửi",
        "Đã gửi Sở",
        "Nộp muộn",
        "Đang thẩm định",
        "Đã có kết quả",
        "Tổng số đơn vị",
    )
    by_tier = {r[0]: r[1:10] for r in summary[1:4]}
    assert by_tier["Tổng số"][3] == 39  # every unit not sent, after the deadline (no extension here)
    assert by_tier["Các sở, ban, ngành"] == tuple(expected["so"][k] for k in (*KEYS, "tong"))
    assert by_tier["UBND các xã, phường"] == tuple(expected["xa"][k] for k in (*KEYS, "tong"))
    assert by_tier["Tổng số"] == tuple(expected[""][k] for k in (*KEYS, "tong"))

    # Filtered export: the same filter as the page.
    filtered = client.get("/theo-doi/xuat.xlsx", {"dot": two_tier.pk, "nhom": "so", "trang_thai": "nop_muon"})
    rows = list(load_workbook(io.BytesIO(filtered.content))["Đơn vị"].iter_rows(values_only=True))[1:]
    assert len(rows) == 2 and {r[9] for r in rows} == {"Có"}
    overdue = client.get("/theo-doi/xuat.xlsx", {"dot": two_tier.pk, "trang_thai": "qua_han"})
    rows = list(load_workbook(io.BytesIO(overdue.content))["Đơn vị"].iter_rows(values_only=True))[1:]
    assert len(rows) == 39 and {r[4] for r in rows} <= {"Chưa bắt đầu", "Đang nhập", "Chờ lãnh đạo duyệt"}
    assert AuditEvent.objects.filter(action="xuat_theo_doi").count() == 3


def _bulk(campaign: Any, count: int) -> None:
    units = Unit.objects.bulk_create(
        [
            Unit(agency_id=campaign.agency_id, code=f"them-{i}", name=f"UBND xã Thêm {i:04d}")
            for i in range(count)
        ]
    )
    subs = Submission.objects.bulk_create(
        [
            Submission(
                agency_id=campaign.agency_id,
                campaign=campaign,
                unit=u,
                tier="xa",
                state=(State.DRAFT, State.SUBMITTED, State.FINAL)[i % 3],
                started=i % 2 == 0,
                late=i % 7 == 0,
                submitted_at=at(SENT) if i % 3 else None,
            )
            for i, u in enumerate(units)
        ]
    )
    Extension.objects.bulk_create(
        [
            Extension(campaign=campaign, unit_id=s.unit_id, until=date(2026, 2, 2), reason="Lý do")
            for s in subs[::10]
        ]
    )


def test_the_number_of_queries_does_not_grow_with_the_units(
    agency: Agency, two_tier: Any, staff: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(staff)
    client.get("/theo-doi/")  # sessions, caches and the campaign file warmed
    with CaptureQueriesContext(connection) as small:
        assert client.get("/theo-doi/").status_code == 200
    _bulk(two_tier, 300)
    assert Submission.objects.filter(campaign=two_tier).count() == 347
    with django_assert_max_num_queries(12):
        page = client.get("/theo-doi/").content.decode()
    with CaptureQueriesContext(connection) as large:
        client.get("/theo-doi/")
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    assert len(_units(page)) == 347 and _counts(page)[""]["tong"] == 347
    with django_assert_max_num_queries(12):
        assert client.get("/theo-doi/xuat.xlsx").status_code == 200

    # After the deadline, the overdue column and its filter: bounded as well, and the same units as the
    # deadlines page's rule (each unit's own window, its extension included) finds one by one.
    from web.deadlines.services import overdue_submissions

    clock.set_now(at("26/01/2026 09:00"))
    with django_assert_max_num_queries(12):
        page = client.get("/theo-doi/", {"trang_thai": "qua_han"}).content.decode()
    listed = _units(page)
    by_rule = {s.unit.code for s in overdue_submissions(two_tier, clock.now())}
    assert set(listed) == by_rule and _counts(page)[""]["qua_han"] == len(by_rule)
    assert 0 < len(by_rule) < 347
    assert "them-0" not in by_rule and "them-3" in by_rule  # them-0's extension runs to 02/02/2026


def test_only_the_sos_people_of_the_agency_see_it(agency: Agency, two_tier: Any, staff: Any) -> None:
    sub = Submission.objects.filter(campaign=two_tier).select_related("unit").first()
    assert sub is not None
    for role in (Role.SO_LEADER, Role.CLERK, Role.ADMIN):
        assert client_for(make_user(f"so-{role.value}", role, agency)).get("/theo-doi/").status_code == 200
    for role in (Role.UNIT_STAFF, Role.UNIT_LEADER, Role.APPRAISER):
        user = make_user(f"khac-{role.value}", role, agency, sub.unit if role != Role.APPRAISER else None)
        assert client_for(user).get("/theo-doi/").status_code == 403
        assert client_for(user).get("/theo-doi/xuat.xlsx").status_code == 403
    other = Agency.objects.create(code="so-khac", name="Sở khác", abbreviation="SK")
    outsider = client_for(make_user("so-khac-cv", Role.SO_STAFF, other))
    page = outsider.get("/theo-doi/").content.decode()
    assert "Chưa có đợt đánh giá nào được tổ chức trực tuyến" in page and sub.unit.name not in page
    assert outsider.get("/theo-doi/", {"dot": two_tier.pk}).status_code == 404
    assert outsider.get("/theo-doi/xuat.xlsx", {"dot": two_tier.pk}).status_code == 404
    from django.test import Client

    assert Client().get("/theo-doi/").status_code == 302  # to the login page


def test_a_three_tier_campaign_shows_each_tiers_own_deadline(
    agency: Agency, three_tier: Any, staff: Any
) -> None:
    from web.assessment.plans import plan_for
    from web.assessment.windows import self_assessment

    plan = plan_for(three_tier)
    page = client_for(staff).get("/theo-doi/").content.decode()
    counts = _counts(page)
    assert [t for t in counts if t] == ["so", "huyen", "xa"]
    assert counts[""]["tong"] == counts[""]["chua_bat_dau"] == len(plan.units)
    units = _units(page)
    for sub in Submission.objects.filter(campaign=three_tier).select_related("unit"):
        last = self_assessment(plan, sub.tier).last_day
        assert last is not None and units[sub.unit.code][4] == last.strftime("%d/%m/%Y")

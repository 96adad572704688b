"""Letters from the campaign's facts: every fact where a real letter states it, the clause library's variants
chosen from the facts and by name, sections added, hidden, moved and numbered, and wording errors at their line."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from docx import Document

from letters.campaign.load import load_campaign
from letters.campaign.model import Campaign, DocumentKind
from letters.checking import check_campaign
from letters.core.errors import Diagnostic, Severity
from letters.documents.builders import build
from letters.documents.clauses import clauses_page
from letters.documents.coverage import campaign_facts, missing_facts
from letters.documents.render import render_documents
from letters.indicators.tiers import from_campaign_model

ROOT = Path(__file__).resolve().parent.parent
KH, CV = DocumentKind.KE_HOACH, DocumentKind.CONG_VAN

# A campaign with a distinctive value in every field the letters state: a city, an e-government (CQĐT)
# campaign on the previous year's data, three tiers with the district appraising and publishing its communes,
# an online system with accounts, departments appraising their fields, a focal-point deadline, a month-only
# milestone, contacts of every kind.
CITY: dict[str, Any] = {
    "campaign": {
        "kind": "CQĐT",
        "year": 2024,
        "issue_year": 2025,
        "name": "đánh giá mức độ Chính quyền điện tử của các cơ quan nhà nước thành phố Cần Thơ năm 2024",
        "late_rule": "last",
        "evidence_rule": "Tài liệu kiểm chứng phải là bản điện tử ký số Zeta-77.",
        "system_name": "Cổng Kiểm Định Quạ Đen",
        "system_url": "https://qua-den.cantho.gov.vn/danh-gia",
        "data_period_start": "01/01/2024",
        "data_period_end": "31/12/2024",
        "accounts": {"staff": 2, "leader": 1, "appraiser": 3, "sent_with": "Phụ lục Tài khoản Ô-Mê-Ga"},
    },
    "issuer": {
        "parent": "UBND thành phố Cần Thơ",
        "name": "Sở Thông tin và Truyền thông",
        "abbreviation": "STTTT",
        "drafting_unit": "CNTTVT",
        "drafting_unit_name": "Phòng Xích Đạo Tím",
        "place": "Cần Thơ",
        "address": "Số 7 Đường Ngân Hà",
        "phone": "0292.7777777",
        "email": "so-qua-den@cantho.gov.vn",
    },
    "legal_bases": [
        {
            "number": "9191/QĐ-UBND",
            "date": "29/02/2024",
            "issuer": "Ủy ban nhân dân thành phố",
            "title": "về việc ban hành Bộ tiêu chí đánh giá mức độ Chính quyền điện tử",
        }
    ],
    "tiers": [
        {"id": "so", "name": "Các sở, ban, ngành", "agency": "sở, ban, ngành", "units": ["Sở Tư pháp"]},
        {
            "id": "huyen",
            "name": "UBND các quận, huyện",
            "short": "cấp huyện",
            "agency": "UBND cấp huyện",
            "units": [{"id": "ninhkieu", "name": "UBND quận Ninh Kiều"}],
        },
        {
            "id": "xa",
            "name": "UBND các xã, phường, thị trấn",
            "short": "cấp xã",
            "agency": "UBND cấp xã",
            "appraised_by": "huyen",
            "published_by": "huyen",
            "units": [{"name": "UBND phường Tân An", "parent": "ninhkieu"}],
        },
    ],
    "phases": [
        {"id": "tu_danh_gia", "name": "Tự đánh giá", "start": "03/03/2025", "end": "21/03/2025"},
        {
            "id": "tham_dinh_1",
            "name": "Thẩm định",
            "start": "24/03/2025",
            "end": "11/04/2025",
            "lead": "Sở Thông tin và Truyền thông",
            "partners": "Cục Thống kê Sao Hỏa",
        },
        {"id": "cong_bo", "name": "Công bố kết quả", "month": "06/2025"},
    ],
    "deadlines": [
        {"id": "dau_moi", "kind": "focal_point", "tiers": ["so", "huyen"], "date": "26/02/2025"},
        {"id": "tu_danh_gia", "tiers": ["so", "huyen"], "date": "21/03/2025", "what": "kết quả Zeta tự chấm"},
        {"id": "xa_nop_huyen", "tiers": ["xa"], "to": "huyen", "date": "14/03/2025"},
        {"id": "huyen_tong_hop", "tiers": ["huyen"], "aggregates": "xa", "date": "19/03/2025"},
    ],
    "signer": {"title": "Giám đốc", "name": "Nguyễn Văn Bảy"},
    "contacts": [
        {
            "name": "Trần Thị Lam",
            "honorific": "bà",
            "title": "chuyên viên",
            "phone": "0911222333",
            "email": "lam.tt@cantho.gov.vn",
            "zalo": "https://zalo.me/g/quaden99",
        },
        {"kind": "office", "name": "Phòng Xích Đạo Tím", "phone": "0292.1111111"},
        {
            "kind": "company",
            "name": "Công ty Sao Băng",
            "role": "hỗ trợ kỹ thuật Hệ thống",
            "phone": "1900.5555",
        },
    ],
    "appraisers": [{"name": "Sở Nội vụ", "scope": "nhân lực Omega"}],
    "documents": {
        "ke_hoach": {"copies_to": ["Chủ tịch UBND thành phố (b/c)"]},
        "cong_van": {
            "recipients": ["Các sở, ban, ngành", "UBND các quận, huyện"],
            "attachments": [{"title": "Danh mục Tài liệu Rồng Vàng"}],
        },
    },
}


def _campaign(tmp_path: Path, data: dict[str, Any], name: str = "hs.yaml") -> Campaign:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_campaign(path)


def _lines(campaign: Campaign, kind: DocumentKind) -> list[str]:
    return [b.text for b in build(campaign, kind).blocks]


def _text(campaign: Campaign, kind: DocumentKind) -> str:
    return "\n".join(_lines(campaign, kind))


def _docx_text(path: Path) -> str:
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


# --------------------------------------------------------------------------- every fact, where it belongs


def test_every_fact_is_stated_where_a_real_letter_states_it_and_nowhere_else(tmp_path: Path) -> None:
    campaign = _campaign(tmp_path, CITY)
    docs = {d.kind: _docx_text(d.path) for d in render_documents(campaign, tmp_path / "out")}
    plan, letter = docs[KH], docs[CV]
    both = (plan, letter)
    # Each value, in the documents that should state it.
    expected: dict[str, tuple[str, ...]] = {
        "https://qua-den.cantho.gov.vn/danh-gia": both,
        "Cổng Kiểm Định Quạ Đen": both,
        "01/01/2024": (letter,),
        "31/12/2024": (letter,),
        "Zeta-77": both,
        "được xếp cuối nhóm": (letter,),
        "năm 2025": both,  # the draft's date line: the year of issue, not the year assessed
        "Phụ lục Tài khoản Ô-Mê-Ga": both,
        "02 tài khoản chuyên viên": (letter,),
        "03 tài khoản": (letter,),
        "Số 7 Đường Ngân Hà": (letter,),
        "0292.7777777": (letter,),
        "so-qua-den@cantho.gov.vn": (letter,),
        "Phòng Xích Đạo Tím": both,
        "9191/QĐ-UBND": both,
        "từ ngày 03/3/2025 đến hết ngày 21/3/2025 (19 ngày)": (plan,),
        "Từ ngày 24/3/2025 đến hết ngày 11/4/2025 (19 ngày)": (plan,),
        "Tháng 6/2025": (plan,),
        "Cục Thống kê Sao Hỏa": (plan,),
        "26/02/2025": both,
        "gửi kết quả Zeta tự chấm về Sở Thông tin và Truyền thông": (letter,),
        "14/3/2025": (letter,),
        "19/3/2025": both,
        "Trần Thị Lam": both,
        "0911222333": both,
        "lam.tt@cantho.gov.vn": both,
        "https://zalo.me/g/quaden99": both,
        "Công ty Sao Băng (hỗ trợ kỹ thuật Hệ thống)": both,
        "Sở Nội vụ": both,
        "nhân lực Omega": (plan,),
        "Danh mục Tài liệu Rồng Vàng": (letter,),
        "UBND cấp huyện thẩm định kết quả tự đánh giá của UBND cấp xã trực thuộc": (plan,),
        "UBND cấp huyện công bố kết quả đánh giá của UBND cấp xã trực thuộc": (plan,),
    }
    for value, where in expected.items():
        for text in where:
            assert value in text, (value, "ke_hoach" if text is plan else "cong_van")
    # Nothing the campaign does not say: a CQĐT campaign of a city.
    for kind, text in ((KH, plan), (CV, letter)):
        assert "DTI" not in text, kind
        assert "tỉnh" not in text.lower(), kind  # no "trên địa bàn tỉnh", no "Chủ tịch UBND tỉnh"
        body = _text(campaign, kind)
        assert "theo  và" not in body and "  " not in body, kind  # nothing left blank inside a sentence
    assert "trên địa bàn thành phố" in letter and "Chủ tịch UBND thành phố" in plan
    # The focal-point deadline is not written as a deadline for results.
    focal = [line for line in letter.splitlines() if "26/02/2025" in line]
    assert len(focal) == 1 and "cán bộ đầu mối" in focal[0] and "kết quả" not in focal[0]
    assert missing_facts(campaign, [plan, letter]) == []


def test_every_fact_the_file_gives_is_known_to_the_coverage_list() -> None:
    campaign = load_campaign(ROOT / "examples" / "brvt-2024.yaml")
    fields = {f.field for f in campaign_facts(campaign)}
    assert {
        "campaign.evidence_rule",
        "campaign.data_period_start",
        "legal_bases[2].number",
        "contacts[1].phone",
    } <= fields


def test_check_warns_about_a_fact_no_document_states(tmp_path: Path) -> None:
    data = copy.deepcopy(CITY)
    data["documents"]["cong_van"]["sections"] = [{"id": "lien_he", "hide": True}]
    data["documents"]["ke_hoach"]["sections"] = [{"id": "ket_thuc", "hide": True}]
    path = tmp_path / "hs.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    warnings = {d.field: d for d in check_campaign(path) if d.severity is Severity.WARNING}
    # The contacts are stated in no document any more: the lines that did are hidden.
    assert "contacts[1].phone" in warnings and "contacts[1].zalo" in warnings
    message = warnings["contacts[1].phone"].message
    assert "0911222333" in message and "không xuất hiện trong văn bản nào" in message
    assert warnings["contacts[1].phone"].line is not None


def test_a_campaign_of_another_kind_says_nothing_of_dti_even_in_its_forms(tmp_path: Path) -> None:
    from letters.forms.annexes import render_annexes

    (tmp_path / "cqdt.yaml").write_text(
        "id: cqdt-xa\nversion: '1'\nname: Bộ tiêu chí đánh giá mức độ Chính quyền điện tử cấp xã\nmax_points: 100\n"
        "indices:\n  - code: '1'\n    name: Hạ tầng\n    max_points: 100\n    components:\n"
        "      - {code: '1.1', name: Mạng nội bộ, max_points: 60, method: 'Có: 60 điểm', evidence: Báo cáo, source: Xã}\n"
        "      - {code: '1.2', name: Máy tính, max_points: 40, method: 'Đủ: 40 điểm', evidence: Báo cáo, source: Xã}\n",
        encoding="utf-8",
    )
    data = copy.deepcopy(CITY)
    for tier in data["tiers"]:
        tier["indicators"] = "cqdt.yaml"
    campaign = _campaign(tmp_path, data)
    files = render_annexes(campaign, tmp_path / "phu-luc", force=True)
    for f in files:
        if f.path.suffix == ".docx":
            text = _docx_text(f.path)
        else:
            from openpyxl import load_workbook

            wb = load_workbook(f.path)
            text = "\n".join(
                str(c.value) for ws in wb for row in ws.iter_rows(max_row=4) for c in row if c.value
            )
        assert "DTI" not in text and "CHUYỂN ĐỔI SỐ" not in text.upper(), f.path.name
        assert "CHÍNH QUYỀN ĐIỆN TỬ" in text.upper(), f.path.name


def test_a_cqdt_campaign_on_a_dti_indicator_set_is_warned(tmp_path: Path) -> None:
    data = copy.deepcopy(CITY)
    for tier in data["tiers"]:
        tier["indicators"] = "cap-so-mau"
    path = tmp_path / "hs.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    warnings = [d for d in check_campaign(path) if d.field == "tiers[1].indicators"]
    assert warnings and "Chính quyền điện tử (CQĐT)" in warnings[0].message


def test_the_ranking_takes_the_results_deadline_not_the_focal_point_one(tmp_path: Path) -> None:
    data = copy.deepcopy(CITY)
    for tier in data["tiers"]:
        tier["indicators"] = "cap-so-mau"
    inputs = from_campaign_model(_campaign(tmp_path, data))
    assert {t.id: t.deadline.isoformat() if t.deadline else None for t in inputs.tiers} == {
        "so": "2025-03-21",
        "huyen": "2025-03-21",
        "xa": "2025-03-19",
    }


# --------------------------------------------------------------------------- variants chosen from the facts

BASE: dict[str, Any] = {
    "campaign": {"year": 2024, "name": "đánh giá chỉ số chuyển đổi số tỉnh Hà Giang năm 2024"},
    "issuer": {
        "parent": "UBND tỉnh Hà Giang",
        "name": "Sở Thông tin và Truyền thông",
        "abbreviation": "STTTT",
        "drafting_unit": "CNTT",
        "place": "Hà Giang",
    },
    "legal_bases": [
        {"number": "12/QĐ-UBND", "date": "05/01/2024", "issuer": "UBND tỉnh", "title": "ban hành Bộ chỉ số"}
    ],
    "tiers": [
        {"id": "so", "name": "Các sở, ban, ngành", "agency": "sở, ban, ngành"},
        {"id": "xa", "name": "UBND các xã, phường", "agency": "UBND cấp xã"},
    ],
    "phases": [{"id": "tu_danh_gia", "name": "Tự đánh giá", "start": "01/11/2024", "end": "15/11/2024"}],
    "deadlines": [{"id": "nop", "tiers": ["so", "xa"], "date": "15/11/2024"}],
    "signer": {"title": "Giám đốc", "name": "Lò Văn Chín"},
    "contacts": [{"name": "Vàng Thị Mai", "honorific": "bà", "phone": "0219.3333333"}],
}


def _base(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        node = data
        *path, last = dotted.split("__")
        for part in path:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return data


def test_online_system_or_paper(tmp_path: Path) -> None:
    paper = _text(_campaign(tmp_path, _base(), "giay.yaml"), CV)
    assert (
        "- Các sở, ban, ngành; UBND các xã, phường gửi kết quả đánh giá, tài liệu kiểm chứng kèm theo văn bản về "
        "Sở Thông tin và Truyền thông chậm nhất ngày 15/11/2024." in paper.splitlines()
    )
    assert "Hệ thống" not in paper
    assert "sau thời hạn nêu trên" not in paper  # no rule for late units chosen, none stated
    online = _campaign(tmp_path, _base(campaign__system_url="https://dti.hagiang.gov.vn"), "mang.yaml")
    letter = _text(online, CV)
    assert (
        "- Việc tự đánh giá, thẩm định kết quả chỉ số DTI của các sở, ban, ngành, UBND cấp xã được thực hiện trực "
        "tuyến trên Hệ thống đánh giá chỉ số DTI tại địa chỉ https://dti.hagiang.gov.vn (sau đây gọi tắt là Hệ "
        "thống)." in letter.splitlines()
    )
    assert "trên Hệ thống chậm nhất ngày 15/11/2024. Sau thời hạn này, Hệ thống tự khoá" in letter
    assert "Bước 1: Kê khai số liệu:" in _text(online, KH)


def test_dti_or_cqdt(tmp_path: Path) -> None:
    dti = _text(_campaign(tmp_path, _base(), "dti.yaml"), CV)
    assert "hướng dẫn cách đánh giá, chấm điểm chỉ số DTI tại" in dti
    cqdt = _campaign(
        tmp_path,
        _base(
            campaign__kind="CQĐT", campaign__name="đánh giá mức độ Chính quyền điện tử tỉnh Hà Giang năm 2024"
        ),
        "cqdt.yaml",
    )
    letter, plan = _text(cqdt, CV), _text(cqdt, KH)
    assert "hướng dẫn cách đánh giá, chấm điểm mức độ Chính quyền điện tử tại" in letter
    assert "theo Bộ tiêu chí đánh giá mức độ Chính quyền điện tử" in plan
    assert "DTI" not in letter + plan and "chuyển đổi số" not in (letter + plan).lower()


def test_two_or_three_tiers_and_who_appraises_the_communes(tmp_path: Path) -> None:
    two = _text(_campaign(tmp_path, _base(), "hai.yaml"), CV)
    assert "huyện" not in two and "Lưu ý" not in two
    three = _base()
    three["tiers"] = [
        BASE["tiers"][0],
        {
            "id": "huyen",
            "name": "UBND các huyện, thành phố",
            "agency": "UBND cấp huyện",
            "units": [{"id": "h1", "name": "UBND huyện Vị Xuyên"}],
        },
        {
            "id": "xa",
            "name": "UBND các xã, thị trấn",
            "agency": "UBND cấp xã",
            "appraised_by": "huyen",
            "units": [{"name": "UBND xã Đạo Đức", "parent": "h1"}],
        },
    ]
    three["deadlines"] = [
        {"id": "nop", "tiers": ["so", "huyen"], "date": "15/11/2024"},
        {"id": "xa_nop", "tiers": ["xa"], "to": "huyen", "date": "12/11/2024"},
        {"id": "huyen_tong_hop", "tiers": ["huyen"], "aggregates": "xa", "date": "15/11/2024"},
    ]
    campaign = _campaign(tmp_path, three, "ba.yaml")
    letter, plan = _text(campaign, CV), _text(campaign, KH)
    assert (
        "- UBND các xã, thị trấn gửi kết quả đánh giá, tài liệu kiểm chứng kèm theo văn bản về UBND cấp huyện trên "
        "địa bàn chậm nhất ngày 12/11/2024 để thẩm định. Sau đó, UBND cấp huyện tổng hợp kết quả đánh giá, thẩm "
        "định của UBND các xã, thị trấn trực thuộc, các tài liệu kiểm chứng kèm theo văn bản và gửi về Sở Thông "
        "tin và Truyền thông chậm nhất ngày 15/11/2024." in letter.splitlines()
    )
    assert (
        "- UBND cấp huyện không thực hiện đánh giá, thẩm định cho UBND cấp xã trực thuộc thì UBND cấp xã không "
        "được tính điểm, xếp hạng chỉ số DTI." in letter.splitlines()
    )
    assert (
        "- UBND các huyện, thành phố tổ chức đánh giá, thẩm định kết quả tự đánh giá của UBND cấp xã trực thuộc."
        in plan
    )
    # Appraised by the Sở (no appraised_by): the communes send straight to the Sở, as in two-tier campaigns.
    assert "trực thuộc" not in two


def test_province_or_city(tmp_path: Path) -> None:
    province = _campaign(tmp_path, _base(), "tinh.yaml")
    assert "trên địa bàn tỉnh năm 2024" in _text(province, CV)
    assert "- Trình Chủ tịch UBND tỉnh công bố kết quả xác định chỉ số DTI năm 2024." in _lines(province, KH)
    assert province.campaign.scope == "các cơ quan nhà nước trên địa bàn tỉnh Hà Giang"
    city_data = _base(
        issuer__parent="UBND thành phố Hải Phòng",
        issuer__place="Hải Phòng",
        campaign__name="đánh giá chỉ số chuyển đổi số thành phố Hải Phòng năm 2024",
    )
    city_data["legal_bases"][0]["issuer"] = "UBND thành phố"
    city = _campaign(tmp_path, city_data, "tp.yaml")
    assert "trên địa bàn thành phố năm 2024" in _text(city, CV)
    assert "- Trình Chủ tịch UBND thành phố công bố kết quả xác định chỉ số DTI năm 2024." in _lines(city, KH)
    assert city.campaign.scope == "các cơ quan nhà nước trên địa bàn thành phố Hải Phòng"
    assert "tỉnh" not in _text(city, CV) + _text(city, KH)


def test_data_of_the_current_or_the_previous_year(tmp_path: Path) -> None:
    current = _campaign(
        tmp_path,
        _base(campaign__data_period_start="01/11/2023", campaign__data_period_end="31/10/2024"),
        "nay.yaml",
    )
    assert "Số liệu tự đánh giá tính từ ngày 01/11/2023 đến hết ngày 31/10/2024." in _lines(current, CV)
    previous = _campaign(
        tmp_path,
        _base(
            campaign__issue_year=2025,
            campaign__data_period_start="01/01/2024",
            campaign__data_period_end="31/12/2024",
            phases=[{"id": "tu_danh_gia", "name": "Tự đánh giá", "start": "06/01/2025", "end": "17/01/2025"}],
            deadlines=[{"id": "nop", "tiers": ["so", "xa"], "date": "17/01/2025"}],
        ),
        "truoc.yaml",
    )
    lines = _lines(previous, CV)
    assert (
        "Số liệu tự đánh giá là số liệu năm 2024 (tính từ ngày 01/01/2024 đến hết ngày 31/12/2024)." in lines
    )
    assert any(line.endswith("phù hợp trong năm 2025.") for line in _lines(previous, KH))


def test_a_variant_chosen_by_name_and_one_the_facts_choose(tmp_path: Path) -> None:
    data = _base(campaign__steering_committee="Ban Chỉ đạo Chuyển đổi số tỉnh Hà Giang")
    letter = _lines(_campaign(tmp_path, data, "bcd.yaml"), CV)
    assert (
        "- Các cơ quan, đơn vị, địa phương gửi kết quả đánh giá về cơ quan thường trực Ban Chỉ đạo Chuyển đổi số "
        "tỉnh Hà Giang (Sở Thông tin và Truyền thông tỉnh Hà Giang) cụ thể:" in letter
    )
    assert letter[-1].startswith("Kết quả đánh giá là cơ sở để Ban Chỉ đạo Chuyển đổi số tỉnh Hà Giang")
    data["documents"] = {
        "cong_van": {"sections": [{"id": "thoi_han", "use": "theo_nhom"}, {"id": "ket", "use": "tran_trong"}]}
    }
    chosen = _lines(_campaign(tmp_path, data, "chon.yaml"), CV)
    assert "Sở Thông tin và Truyền thông kính đề nghị:" in chosen[-6] + " ".join(chosen)
    assert chosen[-1] == "Trân trọng./."


def test_a_tier_without_its_own_form_or_guide(tmp_path: Path) -> None:
    data = _base()
    data["tiers"][0].update(form="", annex="")
    data["tiers"][1].update(form="", annex="Phụ lục A")
    lines = _lines(_campaign(tmp_path, data), CV)
    assert (
        "- Các sở, ban, ngành thực hiện đánh giá, chấm điểm theo Bộ chỉ số đánh giá chuyển đổi số." in lines
    )
    assert (
        "- UBND các xã, phường thực hiện đánh giá, chấm điểm theo Phụ lục A hướng dẫn cung cấp tài liệu kiểm chứng."
        in lines
    )


def test_contacts_of_every_kind(tmp_path: Path) -> None:
    data = _base()
    data["contacts"] = [
        {
            "kind": "office",
            "name": "Phòng Công nghệ thông tin",
            "title": "Sở Thông tin và Truyền thông",
            "phone": "0219.1234567",
        },
        {
            "kind": "company",
            "name": "Công ty VNPT Hà Giang",
            "role": "hỗ trợ kỹ thuật",
            "email": "hotro@vnpt.vn",
        },
    ]
    letter = _lines(_campaign(tmp_path, data), CV)
    assert (
        "Thông tin liên hệ: Phòng Công nghệ thông tin, Sở Thông tin và Truyền thông, điện thoại: 0219.1234567; "
        "Công ty VNPT Hà Giang (hỗ trợ kỹ thuật), thư điện tử: hotro@vnpt.vn." in letter
    )


def test_month_only_milestone(tmp_path: Path) -> None:
    data = _base()
    data["phases"].append({"id": "cong_bo", "name": "Công bố kết quả", "month": "06/2025"})
    campaign = _campaign(tmp_path, data)
    assert "- Thời gian: Tháng 6/2025." in _lines(campaign, KH)
    assert campaign.phase("cong_bo").end.isoformat() == "2025-06-30"
    data["phases"][-1]["end"] = "20/06/2025"
    path = tmp_path / "sai.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    errors = [d for d in check_campaign(path) if d.severity is Severity.ERROR]
    assert errors and "không ghi cả hai" in errors[0].message


# --------------------------------------------------------------------------- sections: add, hide, move, number


def test_sections_added_hidden_moved_and_numbered(tmp_path: Path) -> None:
    data = _base()
    data["documents"] = {
        "ke_hoach": {
            "sections": [
                {"id": "hoi_dong", "hide": True},
                {
                    "id": "tap_huan",
                    "after": "tu_danh_gia",
                    "title": "Tập huấn sử dụng biểu mẫu",
                    "text": "Sở tổ chức tập huấn.",
                },
                {"id": "yeu_cau", "before": "muc_dich"},
            ]
        },
        "cong_van": {"headings": "I.", "sections": [{"id": "lien_he", "title": "Liên hệ"}]},
    }
    campaign = _campaign(tmp_path, data)
    plan = build(campaign, KH).blocks
    heads = [b.text for b in plan if b.kind in ("h1", "h2")]
    assert heads[:5] == [
        "1. Yêu cầu:",
        "I. MỤC ĐÍCH, YÊU CẦU",
        "1. Mục đích:",
        "II. NỘI DUNG",
        "1. Thực hiện đánh giá, chấm điểm chỉ số DTI:",
    ]
    assert "2. Tập huấn sử dụng biểu mẫu:" in heads
    assert not any("Hội đồng" in b.text for b in plan)
    letter = [b.text for b in build(campaign, CV).blocks if b.kind == "h1"]
    assert letter == [
        "I. Đánh giá chỉ số DTI",
        "II. Nội dung và thời hạn thực hiện",
        "III. Thời gian gửi kết quả đánh giá",
        "IV. Liên hệ",
    ]


def test_older_wording_overrides_still_work(tmp_path: Path) -> None:
    data = _base()
    data["documents"] = {
        "ke_hoach": {"wording": {"noi_dung": "# II. NỘI DUNG\nChỉ một câu.", "ket_thuc": ""}}
    }
    plan = _lines(_campaign(tmp_path, data), KH)
    assert "II. NỘI DUNG" in plan and "Chỉ một câu." in plan
    assert not any(
        "Thực hiện đánh giá, chấm điểm" in line for line in plan
    )  # the group's sections go with it
    assert not any(line.startswith("Trong quá trình thực hiện") for line in plan)


def test_clause_list_is_current() -> None:
    committed = (ROOT / "docs" / "clauses.md").read_text(encoding="utf-8")
    assert clauses_page() == committed, "run `make docs` and commit docs/clauses.md"


# --------------------------------------------------------------------------- wording errors at their line


def _errors(tmp_path: Path, cong_van: str) -> tuple[list[Diagnostic], list[str]]:
    """Check the base campaign with `cong_van` as its documents.cong_van entry, written as a user writes YAML."""
    path = tmp_path / "hs.yaml"
    text = (
        yaml.safe_dump(_base(), allow_unicode=True, sort_keys=False) + "documents:\n  cong_van:\n" + cong_van
    )
    path.write_text(text, encoding="utf-8")
    return [d for d in check_campaign(path) if d.severity is Severity.ERROR], text.splitlines()


def _line_of(lines: list[str], needle: str) -> int:
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_an_unknown_variant_names_the_ones_there_are(tmp_path: Path) -> None:
    errors, lines = _errors(tmp_path, "    sections:\n      - {id: thoi_han, use: gui_ngay}\n")
    assert errors[0].field == "documents.cong_van.sections[1].use"
    assert "gui_ve_so, theo_he_thong, theo_nhom" in errors[0].message and "«thoi_han»" in errors[0].message
    assert errors[0].line == _line_of(lines, "use: gui_ngay")
    assert len(errors) == 1


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("Đoạn có *một dấu sao chưa đóng.", ["dấu * chưa được đóng", "viết \\*"]),
        ("1. Đánh giá mức độ:", ["thiếu dấu đề mục", "## Đánh giá mức độ:", "\\1."]),
        ("II. NỘI DUNG", ["thiếu dấu đề mục", "# NỘI DUNG"]),
        ("Liên hệ {{ contacts[0].name }}.", ["đếm từ 1", "[1]"]),
        ("Liên hệ {{ contacts[2].name }}.", ["có 1 mục"]),
        ("Hạn {{ deadlines.khong_co.by }}.", ["«khong_co»"]),
    ],
)
def test_wording_errors_name_the_section_and_the_line(tmp_path: Path, line: str, words: list[str]) -> None:
    errors, lines = _errors(
        tmp_path,
        "    sections:\n      - id: them\n        after: mo_dau\n        text: |\n"
        f"          Dòng đầu không sai.\n          {line}\n          Dòng cuối.\n",
    )
    assert len(errors) == 1, errors
    error = errors[0]
    assert "đoạn «them»" in error.message
    for word in words:
        assert word in error.message, (word, error.message)
    assert error.field == "documents.cong_van.sections[1].text"
    assert error.line == _line_of(lines, line.split("{{")[0].strip()[:12])


def test_an_escaped_heading_number_and_star_are_plain_text(tmp_path: Path) -> None:
    data = _base()
    data["documents"] = {
        "cong_van": {"sections": [{"id": "them", "after": "mo_dau", "text": "\\1. Một câu.\nGiá 5 \\* 3."}]}
    }
    lines = _lines(_campaign(tmp_path, data), CV)
    assert "1. Một câu." in lines and "Giá 5 * 3." in lines


def test_a_new_section_needs_a_place_and_a_footnote_its_phrase(tmp_path: Path) -> None:
    errors, lines = _errors(tmp_path, "    sections:\n      - id: them\n        text: Câu.\n")
    assert "«after: <tên đoạn>»" in errors[0].message and errors[0].line == _line_of(lines, "id: them")
    errors, lines = _errors(
        tmp_path, '    footnotes:\n      "1":\n        text: Ghi chú\n        after: cụm từ không có\n'
    )
    assert "không tìm thấy cụm từ «cụm từ không có» trong văn bản để đặt dấu chú thích" in errors[0].message
    assert errors[0].field == "documents.cong_van.footnotes.1.after"
    assert errors[0].line == _line_of(lines, "after: cụm từ không có")

"""One deadline semantics: a deadline is the last day on time ("đến hết ngày X"), written "chậm nhất ngày X" in
the công văn, the Kế hoạch, the Quyết định and the notices alike, and the ranking counts day X as on time."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from docx import Document

from letters.campaign.load import load_campaign
from letters.core.vn import deadline_text
from letters.documents.render import render_documents
from letters.indicators.tiers import from_campaign_model
from letters.results.example import make_example_scores
from letters.results.pipeline import ResultsRun, run_results
from tests.conftest import EXAMPLES
from tests.docx_read import body_text


def _lines(path: Path) -> list[str]:
    return body_text(path).splitlines()


def test_deadline_phrase() -> None:
    assert deadline_text(date(2023, 10, 24)) == "chậm nhất ngày 24/10/2023"


def test_letters_and_plans_write_each_deadline_the_same_way(
    rendered_examples: dict[str, dict[str, Path]],
) -> None:
    bg = rendered_examples["bacgiang-2023"]
    # Bắc Giang assesses on its online system: the letter's deadline is when the system locks.
    assert (
        "- Các sở, cơ quan thuộc UBND tỉnh; UBND các huyện, thành phố hoàn thành tự đánh giá, chấm điểm, gắn tài "
        "liệu kiểm chứng và xác nhận kết quả trên Hệ thống chậm nhất ngày 24/10/2023. Sau thời hạn này, Hệ thống "
        "tự khoá, các cơ quan, đơn vị không nhập được số liệu tự đánh giá." in _lines(bg["cong_van"])
    )
    # Its file chooses no rule for late units, so its letter states none.
    assert not any("sau thời hạn nêu trên" in line for line in _lines(bg["cong_van"]))
    plan = _lines(bg["ke_hoach"])
    # The plan's self-assessment ends on the very day the letter names.
    assert (
        "Thời gian thực hiện tự đánh giá, chấm điểm chỉ số DTI của các cơ quan, đơn vị từ ngày 10/10/2023 đến "
        "hết ngày 24/10/2023 (15 ngày)." in plan
    )
    assert "- Thời gian: Chậm nhất ngày 14/12/2023." in plan  # a phase with only an end
    # The file says the account list goes out with the plan (campaign.accounts.sent_with), so the plan points at
    # it; test_plan_points_at_an_accounts_annex_only_when_one_is_sent covers a campaign that sends none.
    assert any("tài khoản truy cập Hệ thống tại phụ lục kèm theo" in line for line in plan)

    brvt = _lines(rendered_examples["brvt-2024"]["cong_van"])
    assert (
        "- Các cơ quan, đơn vị gửi kết quả đánh giá về Sở Thông tin và Truyền thông sau thời hạn nêu trên thì "
        "không được chấm điểm, xếp hạng." in brvt
    )
    assert (
        "- Các sở, ban, ngành; UBND các huyện, thị xã, thành phố gửi kết quả đánh giá, tài liệu kiểm chứng kèm "
        "theo văn bản về Sở Thông tin và Truyền thông chậm nhất ngày 04/11/2024." in brvt
    )
    assert (
        "- UBND các xã, phường, thị trấn gửi kết quả đánh giá, tài liệu kiểm chứng kèm theo văn bản về UBND cấp "
        "huyện trên địa bàn chậm nhất ngày 05/11/2024 để thẩm định. Sau đó, UBND cấp huyện tổng hợp kết quả "
        "đánh giá, thẩm định của UBND các xã, phường, thị trấn trực thuộc, các tài liệu kiểm chứng kèm theo văn "
        "bản và gửi về Sở Thông tin và Truyền thông chậm nhất ngày 08/11/2024." in brvt
    )
    assert (
        "Thời gian thực hiện tự đánh giá, chấm điểm Chỉ số Chuyển đổi số của các cơ quan, đơn vị từ ngày "
        "28/10/2024 đến hết ngày 04/11/2024 (8 ngày)." in _lines(rendered_examples["brvt-2024"]["ke_hoach"])
    )

    gl = _lines(rendered_examples["gialai-2023"]["cong_van"])
    assert (
        "+ Kết quả tự đánh giá và báo cáo của các sở, ban, ngành thuộc UBND tỉnh và Ủy ban nhân dân cấp huyện: "
        "Chậm nhất ngày 22/12/2023." in gl
    )
    assert (
        "Thời gian thực hiện tự đánh giá, chấm điểm mức độ Chuyển đổi số của các cơ quan, đơn vị từ ngày "
        "06/12/2023 đến hết ngày 22/12/2023 (17 ngày)."
        in _lines(rendered_examples["gialai-2023"]["ke_hoach"])
    )
    # No "(xem như xếp hạng cuối)" right after "không được xếp hạng": one rule, stated once.
    assert any(
        line.endswith(
            "Cơ quan, đơn vị, địa phương gửi kết quả đánh giá sau thời hạn nêu trên được xếp cuối nhóm; cơ "
            "quan, đơn vị, địa phương không gửi kết quả đánh giá thì không được xếp hạng."
        )
        for line in gl
    )
    for docs in rendered_examples.values():
        for path in docs.values():
            text = body_text(path)
            assert "xem như xếp hạng cuối" not in text and "trước ngày" not in text.lower(), path


def test_default_last_rule_sentence(example_copy: Path, tmp_path: Path) -> None:
    path = example_copy / "bacgiang-2023.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("  kind: DTI\n", "  kind: DTI\n  late_rule: last\n", 1),
        encoding="utf-8",
    )
    docs = {d.kind.value: d.path for d in render_documents(load_campaign(path), tmp_path / "out")}
    assert (
        "- Cơ quan, đơn vị, địa phương gửi kết quả đánh giá sau thời hạn nêu trên được xếp cuối nhóm; cơ quan, "
        "đơn vị, địa phương không gửi kết quả đánh giá thì không được xếp hạng." in _lines(docs["cong_van"])
    )


@pytest.fixture(scope="module")
def results_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[ResultsRun, Path]:
    campaign = load_campaign(EXAMPLES / "bacgiang-2023.yaml")
    inputs = from_campaign_model(campaign)
    base = tmp_path_factory.mktemp("deadlines")
    scores = make_example_scores(inputs.units, inputs.tiers, base / "scores", seed=11, year=2023, forms=False)
    return run_results(campaign, scores, base / "out", workers=1), base / "out"


def test_decision_and_notice_write_the_deadline_as_the_letter_does(
    results_run: tuple[ResultsRun, Path],
) -> None:
    run, out = results_run
    late = [u for u in run.results.all_units() if u.late]
    assert len(late) == 1 and late[0].submitted_on == date(2023, 10, 27)
    unit = late[0]
    why = "gửi kết quả ngày 27/10/2023, quá hạn nộp là chậm nhất ngày 24/10/2023"
    decision = Document(str(out / "2023-quyet-dinh-du-thao.docx"))
    rows = [[c.text for c in r.cells] for t in decision.tables for r in t.rows]
    row = next(r for r in rows if len(r) > 2 and r[1] == unit.unit.name)
    assert row[-1] == f"G{why[1:]}; không được chấm điểm, xếp hạng"
    notice = out / "thong-bao" / f"2023-thong-bao-ket-qua-{unit.unit.id}.docx"
    assert f"{unit.unit.name} không được chấm điểm, xếp hạng chỉ số DTI năm 2023, vì {why}." in _lines(notice)
    # Units whose results arrived on the deadline day itself are on time.
    on_the_day = [u for u in run.results.all_units() if u.submitted_on == date(2023, 10, 24)]
    assert on_the_day and all(not u.late for u in on_the_day)


def test_plan_points_at_an_accounts_annex_only_when_one_is_sent(example_copy: Path, tmp_path: Path) -> None:
    path = example_copy / "bacgiang-2023.yaml"
    no_list = path.read_text(encoding="utf-8").replace(
        "  accounts:\n    sent_with: phụ lục       # danh sách tài khoản trên Hệ thống gửi kèm Kế hoạch\n",
        "",
        1,
    )
    path.write_text(no_list, encoding="utf-8")
    docs = {d.kind.value: d.path for d in render_documents(load_campaign(path), tmp_path / "none")}
    assert not any("tài khoản" in line for line in _lines(docs["ke_hoach"]))
    path.write_text(
        no_list.replace(
            "    archive: [VT, Phòng CNTT]\n    sections:",
            "    archive: [VT, Phòng CNTT]\n    attachments:\n"
            "      - title: Phụ lục danh sách tài khoản truy cập Hệ thống\n    sections:",
            1,
        ),
        encoding="utf-8",
    )
    docs = {d.kind.value: d.path for d in render_documents(load_campaign(path), tmp_path / "out")}
    assert (
        "Các cơ quan, đơn vị sử dụng tài khoản truy cập Hệ thống tại Phụ lục danh sách tài khoản truy cập Hệ "
        "thống kèm theo để tiến hành tự đánh giá, chấm điểm chỉ số DTI (lưu ý các đơn vị đổi lại mật khẩu mới "
        "sau khi nhận được mật khẩu này)." in _lines(docs["ke_hoach"])
    )

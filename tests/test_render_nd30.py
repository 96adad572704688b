"""Rendered documents meet NĐ 30/2020 Phụ lục I, read back with python-docx."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn

from tests.docx_read import body_text, effective, seed_body, similarity
from tests.nd30_assert import check_all, check_typed_title


def test_bacgiang_plan_format(rendered_examples: dict[str, dict[str, Path]]) -> None:
    path = rendered_examples["bacgiang-2023"]["ke_hoach"]
    doc = check_all(
        path,
        parent="UBND TỈNH BẮC GIANG",
        issuer="SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        number_prefix="Số: /KH-STTTT",
        place_date="Bắc Giang, ngày      tháng      năm 2023",
        signer_lines=["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"],
        signer_name="Nguyễn Gia Phong",
    )
    check_typed_title(
        doc,
        "KẾ HOẠCH",
        "Thực hiện đánh giá, xếp loại mức độ chuyển đổi số của các cơ quan nhà nước "
        "trên địa bàn tỉnh Bắc Giang năm 2023",
    )
    headings = [p.text for p in doc.paragraphs if p.style.name == "VB Mục cấp 1"]
    assert headings == ["I. MỤC ĐÍCH, YÊU CẦU", "II. NỘI DUNG", "III. TỔ CHỨC THỰC HIỆN"]
    sub = [p.text for p in doc.paragraphs if p.style.name == "VB Mục cấp 2"]
    assert sub[:2] == ["1. Mục đích:", "2. Yêu cầu:"]
    numbers = [int(t.split(".")[0]) for t in sub[2:7]]
    assert numbers == [1, 2, 3, 4, 5]  # the seed skipped 2; vanban numbers from the phases


def test_gialai_letter_format(rendered_examples: dict[str, dict[str, Path]]) -> None:
    path = rendered_examples["gialai-2023"]["cong_van"]
    doc = check_all(
        path,
        parent="UBND TỈNH GIA LAI",
        issuer="SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        number_prefix="Số: 2138/STTTT-CNTT",
        place_date="Gia Lai, ngày 06 tháng 12 năm 2023",
        signer_lines=["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"],
        signer_name="Lê Thị Thu Hương",
    )
    vv_cell = doc.tables[0].rows[2].cells[0]
    vv = [p for p in vv_cell.paragraphs if p.text.strip()][0]
    # Broken into even lines (explicit breaks) when longer than the column.
    assert vv.text.replace("\n", " ") == "V/v tổ chức đánh giá mức độ Chuyển đổi số năm 2023"
    assert 12 <= effective(vv, "size").pt <= 13 and not effective(vv, "bold")
    assert vv.paragraph_format.space_before is None or vv.paragraph_format.space_before.pt == 6
    assert vv.style.paragraph_format.space_before.pt == 6
    # Several recipients: "Kính gửi:" then a dashed list, ';' after each and '.' after the last.
    paras = [p.text for p in doc.paragraphs if p.text.strip()]
    i = paras.index("Kính gửi:")
    assert paras[i + 1 : i + 4] == [
        "- Các sở, ban, ngành thuộc UBND tỉnh;",
        "- Ủy ban nhân dân các huyện, thị xã, thành phố;",
        "- Ủy ban nhân dân các xã, phường, thị trấn.",
    ]
    items = [p for p in doc.paragraphs if p.text.startswith("- Các sở, ban, ngành thuộc")]
    head = [p for p in doc.paragraphs if p.text == "Kính gửi:"][0]
    assert items[0].style.paragraph_format.left_indent > head.style.paragraph_format.left_indent
    copies = [p.text for p in doc.tables[-1].rows[0].cells[0].paragraphs if p.text.strip()]
    assert copies[1] == "- Như trên;" and copies[-1] == "- Lưu: VT, P. CNTT."


def test_footnote_is_a_real_word_footnote(rendered_examples: dict[str, dict[str, Path]]) -> None:
    path = rendered_examples["gialai-2023"]["cong_van"]
    with zipfile.ZipFile(path) as z:
        notes = z.read("word/footnotes.xml").decode()
        document = z.read("word/document.xml").decode()
        rels = z.read("word/_rels/document.xml.rels").decode()
    assert "Sở Tư pháp đã gửi kết quả tự đánh giá" in notes
    assert 'w:footnoteReference w:id="1"' in document
    assert "footnotes.xml" in rels
    assert "\u27e6" not in document  # no marker left behind


def test_single_recipient_on_the_same_line(example_copy: Path, tmp_path: Path) -> None:
    from letters.campaign.load import load_campaign
    from letters.documents.render import render_documents

    path = example_copy / "bacgiang-2023.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "      - Các sở, cơ quan thuộc UBND tỉnh\n      - UBND các huyện, thành phố\n    copies_to:\n      - Lãnh đạo Sở",
        "      - Ủy ban nhân dân tỉnh Bắc Giang\n    copies_to:\n      - Lãnh đạo Sở",
    )
    path.write_text(text, encoding="utf-8")
    [doc] = render_documents(load_campaign(path), tmp_path, ["cong_van"])  # type: ignore[list-item]
    paras = [p.text for p in Document(str(doc.path)).paragraphs if p.text.strip()]
    assert "Kính gửi: Ủy ban nhân dân tỉnh Bắc Giang" in paras
    assert "Kính gửi:" not in paras


def test_brvt_letter_format(rendered_examples: dict[str, dict[str, Path]]) -> None:
    path = rendered_examples["brvt-2024"]["cong_van"]
    check_all(
        path,
        parent="UBND TỈNH BÀ RỊA - VŨNG TÀU",
        issuer="SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        number_prefix="Số: /STTTT-CĐSBCVT",
        place_date="Bà Rịa - Vũng Tàu, ngày 25 tháng 10 năm 2024",
        signer_lines=["GIÁM ĐỐC"],
        signer_name="Đỗ Hữu Hiền",
    )


def test_every_example_document_passes_nd30(rendered_examples: dict[str, dict[str, Path]]) -> None:
    from letters.campaign.load import load_campaign
    from tests.conftest import EXAMPLES

    for name, docs in rendered_examples.items():
        campaign = load_campaign(EXAMPLES / f"{name}.yaml")
        for kind, path in docs.items():
            spec = campaign.documents.get(kind)  # type: ignore[call-overload]
            signer = (spec.signer if spec and spec.signer else None) or campaign.signer
            check_all(
                path,
                parent=campaign.issuer.parent.upper(),
                issuer=campaign.issuer.name.upper(),
                number_prefix="Số:",
                place_date=Document(str(path)).tables[0].rows[1].cells[1].paragraphs[0].text,
                signer_lines=signer.lines,
                signer_name=signer.name,
            )


def test_seed_letters_reproduced(rendered_examples: dict[str, dict[str, Path]]) -> None:
    pairs = [
        ("bacgiang-2023", "ke_hoach", "bacgiang-2023-ke-hoach.txt"),
        ("brvt-2024", "cong_van", "brvt-2024-cong-van-huong-dan.txt"),
        ("gialai-2023", "cong_van", "gialai-2023-cong-van-2138.txt"),
    ]
    for example, kind, seed in pairs:
        ratio = similarity(body_text(rendered_examples[example][kind]), seed_body(seed))
        assert ratio >= 0.9, (example, ratio)


def test_day_counts_are_computed_not_copied(rendered_examples: dict[str, dict[str, Path]]) -> None:
    text = body_text(rendered_examples["bacgiang-2023"]["ke_hoach"])
    assert "Từ ngày 30/11/2023 đến hết ngày 10/12/2023 (11 ngày)" in text  # the seed says 12
    assert "(12 ngày)" not in text
    assert "từ ngày 10/10/2023 đến hết ngày 24/10/2023 (15 ngày)" in text
    assert "từ ngày 20/11/2023 đến hết ngày 29/11/2023 (10 ngày)" in text
    assert "Từ ngày 25/10/2023 đến hết ngày 19/11/2023 (26 ngày)" in text


DATE = re.compile(r"\b\d{2}/\d{1,2}/\d{4}\b")


def _date_phrases(text: str) -> dict[str, set[str]]:
    """For each date in the text, the phrases it occurs in ('chậm nhất ngày X', 'từ ngày X đến hết ngày Y (n ngày)')."""
    phrases: dict[str, set[str]] = {}
    for m in re.finditer(
        r"(?:[Tt]ừ ngày \S+ đến hết ngày \S+ \(\d+ ngày\))|(?:([Tt]rước|[Cc]hậm nhất) ngày \d{2}/\d{1,2}/\d{4})",
        text,
    ):
        for d in DATE.findall(m.group(0)):
            phrases.setdefault(d, set()).add(m.group(0).lower())
    return phrases


def test_same_deadline_reads_the_same_in_every_document(
    rendered_examples: dict[str, dict[str, Path]],
) -> None:
    for docs in rendered_examples.values():
        seen: dict[str, set[str]] = {}
        for path in docs.values():
            for d, forms in _date_phrases(body_text(path)).items():
                seen.setdefault(d, set()).update(forms)
        for d, forms in seen.items():
            # One deadline semantics: the last day, "chậm nhất ngày X"; "trước ngày X" would exclude X.
            assert not any(f.startswith("trước") for f in forms), (d, forms)
            ranges = {f for f in forms if f.startswith("từ")}
            assert len(ranges) <= 1 or len({f.split(" (")[0].split("đến hết")[0] for f in ranges}) == len(
                ranges
            ), (d, forms)


def test_uppercase_is_vietnamese_aware(rendered_examples: dict[str, dict[str, Path]]) -> None:
    doc = Document(str(rendered_examples["bacgiang-2023"]["ke_hoach"]))
    texts = [p.text for p in doc.paragraphs]
    assert "III. TỔ CHỨC THỰC HIỆN" in texts
    header = doc.tables[0].rows[0].cells[0].paragraphs[1].text
    assert header == header.upper() and "TRUYỀN THÔNG" in header.replace("\n", " ")
    assert not any("Đánh GIÁ" in t for t in texts)


def test_page_number_field_in_header(rendered_examples: dict[str, dict[str, Path]]) -> None:
    doc = Document(str(rendered_examples["bacgiang-2023"]["ke_hoach"]))
    instr = doc.sections[0].header._element.findall(".//" + qn("w:instrText"))
    assert any(i.text.strip() == "PAGE" for i in instr)

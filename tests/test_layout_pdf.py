"""Pages that hold together, read on the PDF LibreOffice makes, for every document type of every example.

Each example campaign renders its Kế hoạch, công văn hướng dẫn, Biểu số (DOCX), Phụ lục, Tờ trình, Quyết
định with its ranking appendices, a few Thông báo kết quả and the resubmission letter; all are converted in
one batch, then every page is checked as a director would read it (tests/pdf_layout.py): the signer's name
never on a page without body text, no page holding a table's header and a single row, no header or title line
the word processor wrapped, no lone word on a title's last line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from letters.campaign.load import load_campaign
from letters.campaign.model import Campaign, Province, Signer
from letters.documents.resubmission import write_resubmission_letter
from letters.indicators.tiers import from_campaign_model
from letters.pdf.convert import convert_files
from letters.results.example import make_example_scores
from letters.results.pipeline import run_results
from letters.usecases.documents import RenderRequest, render_campaign
from signing.verify.letter_data import resubmission_body
from signing.verify.model import FileResult
from tests.conftest import EXAMPLES
from tests.pdf_layout import layout_problems, lines_of, pdf_words

pytestmark = pytest.mark.soffice

EXAMPLE_NAMES = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))
NOTICES_PER_EXAMPLE = 4


def _with_province(campaign: Campaign) -> Campaign:
    """Examples that stop at the guidance letter get a province, so their results documents are laid out too."""
    if campaign.province is not None:
        return campaign
    signer = Signer(delegation="KT", authority="Chủ tịch", title="Phó Chủ tịch", name="Nguyễn Văn An")
    province = Province(
        name=f"Ủy ban nhân dân tỉnh {campaign.issuer.place}", place=campaign.issuer.place, signer=signer
    )
    return campaign.model_copy(update={"province": province})


def _letter_body(campaign: Campaign) -> tuple[list[str], str]:
    units = [u.name for t in campaign.tiers for u in t.units][:3]
    results = [
        FileResult(
            f"{u}/bao-cao-{k}.pdf", u, "TOTAL_FAILED", "HASH_FAILURE", "Nội dung bị sửa sau khi ký.", False
        )
        for k, u in enumerate(units)
    ] + [FileResult(f"{units[0]}/ke-hoach.pdf", units[0], "TOTAL_PASSED", None, "Hợp lệ.", True)]
    return units, resubmission_body(results, deadline_text=f"ngày 10/11/{campaign.campaign.year}")


def _every_document(example: Path, out: Path) -> list[Path]:
    rendered = render_campaign(RenderRequest(example, out / "van-ban"))
    docs = [f.path for f in rendered.documents if f.path.suffix == ".docx"]
    campaign = _with_province(load_campaign(example))
    inputs = from_campaign_model(campaign)
    scores = make_example_scores(
        inputs.units, inputs.tiers, out / "diem", year=campaign.campaign.year, forms=False
    )
    run = run_results(campaign, scores, out / "ket-qua", workers=1)
    documents = run.outputs.documents
    notices = sorted(documents.notices, key=lambda p: p.stat().st_size, reverse=True)
    docs += [documents.proposal, documents.decision, *notices[:NOTICES_PER_EXAMPLE]]
    units, body = _letter_body(campaign)
    docs.append(write_resubmission_letter(campaign, units, body, out / "nop-lai"))
    return docs


@pytest.fixture(scope="session")
def laid_out(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[Path, Path]]]:
    """Every document of every example as (DOCX, PDF), converted in one LibreOffice batch."""
    base = tmp_path_factory.mktemp("layout")
    docs = {name: _every_document(EXAMPLES / f"{name}.yaml", base / name) for name in EXAMPLE_NAMES}
    pairs = [(d, d.with_suffix(".pdf")) for paths in docs.values() for d in paths]
    convert_files(pairs, workers=2)
    return {name: [(d, d.with_suffix(".pdf")) for d in paths] for name, paths in docs.items()}


def _kinds(pairs: list[tuple[Path, Path]]) -> set[str]:
    names = [d.name for d, _ in pairs]
    wanted = {
        "ke-hoach": "-ke-hoach-",
        "cong-van": "-cong-van-huong-dan-",
        "bieu-so": "-bieu-",
        "phu-luc": "-phu-luc-",
        "to-trinh": "-to-trinh-",
        "quyet-dinh": "-quyet-dinh-",
        "thong-bao": "-thong-bao-ket-qua-",
        "nop-lai": "cong-van-de-nghi-nop-lai",
    }
    return {kind for kind, mark in wanted.items() if any(mark in n for n in names)}


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_every_document_type_is_laid_out(laid_out: dict[str, list[tuple[Path, Path]]], example: str) -> None:
    assert _kinds(laid_out[example]) == {
        "ke-hoach",
        "cong-van",
        "bieu-so",
        "phu-luc",
        "to-trinh",
        "quyet-dinh",
        "thong-bao",
        "nop-lai",
    }


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_pages_hold_together(laid_out: dict[str, list[tuple[Path, Path]]], example: str) -> None:
    problems = [p for docx, pdf in laid_out[example] for p in layout_problems(docx, pdf)]
    assert not problems, "\n".join(problems)


def test_each_appendix_of_the_decision_numbers_its_own_pages(
    laid_out: dict[str, list[tuple[Path, Path]]],
) -> None:
    """NĐ 30: each phụ lục is numbered on its own, from 1, and its first page shows no number."""
    for example in EXAMPLE_NAMES:
        pdf = next(p for d, p in laid_out[example] if "-quyet-dinh-" in d.name)
        pages = pdf_words(pdf)
        numbers = []
        for words in pages:
            top = [line.text for line in lines_of(words) if line.y0 < 50]
            numbers.append(top[0] if top else "")
        starts = [
            i
            for i, words in enumerate(pages)
            if any(ln.text.startswith("Phụ lục") for ln in lines_of(words)[:2])
        ]
        assert len(starts) >= 2, example  # every example has two tiers or more
        for a, b in zip(starts, [*starts[1:], len(pages)], strict=True):
            assert numbers[a] == "", (example, a)
            assert numbers[a + 1 : b] == [str(k) for k in range(2, b - a + 1)], (example, numbers)


def test_the_check_sees_a_signature_block_alone(tmp_path: Path) -> None:
    """The check itself: a letter whose signature block was pushed onto a page of its own is reported."""
    from docx import Document
    from docx.enum.text import WD_BREAK

    campaign = load_campaign(EXAMPLES / "gialai-2023.yaml")
    units, body = _letter_body(campaign)
    letter = Document(str(write_resubmission_letter(campaign, units, body, tmp_path)))
    [p for p in letter.paragraphs if p.text.strip()][-1].runs[-1].add_break(WD_BREAK.PAGE)
    broken = tmp_path / "ngat-trang.docx"
    letter.save(str(broken))
    (pdf,) = convert_files([(broken, broken.with_suffix(".pdf"))], workers=1)
    problems = layout_problems(broken, pdf)
    assert any("chỉ có khối chữ ký" in p for p in problems), problems


def test_pdfs_carry_the_documents_title(laid_out: dict[str, list[tuple[Path, Path]]]) -> None:
    """LibreOffice takes the PDF's /Title and /Author from the DOCX's properties."""
    import pypdfium2 as pdfium
    from docx import Document

    for pairs in laid_out.values():
        for docx, pdf in pairs:
            core = Document(str(docx)).core_properties
            doc = pdfium.PdfDocument(str(pdf))
            try:
                meta = doc.get_metadata_dict()
            finally:
                doc.close()
            assert meta["Title"] == core.title and core.title, docx.name
            assert meta["Author"] == core.author and core.author, docx.name

"""Document builders: campaign → everything one document's template needs.

Each builder decides the header (number, ký hiệu, date), the title or V/v line, the Kính gửi
and Nơi nhận lists and the signer; the body comes from the wording sections.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from docxtpl import RichText

from letters.campaign.model import Campaign, DocumentKind, DocumentSpec, Signer
from letters.campaign.views import upper_first, wording_context
from letters.core import vn as cal
from letters.core.errors import VanbanError
from letters.core.properties import DocumentProperties
from letters.documents import layout as L
from letters.documents import markup, wording
from letters.documents.textmetrics import balanced_break
from templates_vb import TEMPLATES_DIR

FOOTNOTE_MARK = "\u27e6fn:{}\u27e7"
TABLE_MARK = "\u27e6table:{}\u27e7"
DRAFT_NUMBER = "        "  # left blank for the văn thư, wide enough for four digits


@dataclass(frozen=True)
class DocType:
    kind: DocumentKind
    title: str  # tên loại, upper case; empty for a công văn
    abbreviation: str  # KH, QĐ…; empty for a công văn
    template: str
    filename: str
    label: str  # how messages name the document


DOC_TYPES: dict[DocumentKind, DocType] = {
    DocumentKind.KE_HOACH: DocType(
        DocumentKind.KE_HOACH, "KẾ HOẠCH", "KH", "ke_hoach.docx", "ke-hoach", "Kế hoạch"
    ),
    DocumentKind.CONG_VAN: DocType(
        DocumentKind.CONG_VAN, "", "", "cong_van.docx", "cong-van-huong-dan", "Công văn hướng dẫn"
    ),
    DocumentKind.TO_TRINH: DocType(
        DocumentKind.TO_TRINH, "TỜ TRÌNH", "TTr", "to_trinh.docx", "to-trinh", "Tờ trình"
    ),
    DocumentKind.QUYET_DINH: DocType(
        DocumentKind.QUYET_DINH,
        "QUYẾT ĐỊNH",
        "QĐ",
        "quyet_dinh.docx",
        "quyet-dinh",
        "Quyết định công bố kết quả",
    ),
    DocumentKind.THONG_BAO: DocType(
        DocumentKind.THONG_BAO, "THÔNG BÁO", "TB", "thong_bao.docx", "thong-bao", "Thông báo kết quả"
    ),
}


@dataclass
class BuiltDocument:
    kind: DocumentKind
    label: str
    filename: str
    template: Path
    context: dict[str, Any]
    blocks: list[markup.Block]
    footnotes: dict[str, str] = field(default_factory=dict)
    tables: list[list[list[str]]] = field(default_factory=list)
    images: list[bytes] = field(default_factory=list)
    bold_rows: dict[int, set[int]] = field(default_factory=dict)
    table_weights: dict[int, list[float]] = field(default_factory=dict)
    properties: DocumentProperties | None = None


def issuing_body(parent: str | None, issuer: str) -> str:
    """The issuer as a document's author: 'Sở Thông tin và Truyền thông tỉnh Bắc Giang' (the parent body
    names the province), 'Ủy ban nhân dân tỉnh Bắc Giang'."""
    name = issuer
    if name == name.upper():  # written in capitals in the campaign file
        words = name.lower().split()
        name = " ".join([words[0].capitalize(), *words[1:]]) if words else name
    for prefix in ("UBND ", "Ủy ban nhân dân ", "Uỷ ban nhân dân "):
        if parent and parent.startswith(prefix) and parent[len(prefix) :] not in name:
            return f"{name} {parent[len(prefix) :]}"
    return name


def _lower_initial(text: str) -> str:
    """'Thực hiện đánh giá …' → 'thực hiện đánh giá …' after a tên loại; names ('Sở Y tế …') keep capitals."""
    words = text.split(maxsplit=2)
    first = words[0] if words else ""
    if len(words) > 1 and first[:1].isupper() and first[1:] == first[1:].lower() and words[1][:1].islower():
        return first[:1].lower() + text[1:]
    return text


def document_title(doc_type_title: str, subject: str, *, cong_van: bool) -> str:
    """What a register calls the document: tên loại and trích yếu ('Kế hoạch thực hiện …', 'Công văn về việc …')."""
    if cong_van:
        return f"Công văn về việc {subject}".strip()
    return f"{doc_type_title.capitalize()} {_lower_initial(subject)}".strip()


def header_name(text: str, *, bold: bool) -> RichText:
    width = (L.HEADER_LEFT_MM - 2 * L.CELL_MARGIN_MM) / L.MM_PER_PT
    return RichText(balanced_break(text, L.SIZE_AGENCY, width, bold=bold))


def reference(
    campaign: Campaign, doc_type: DocType, spec: DocumentSpec, *, issuer_abbr: str | None = None
) -> str:
    """Số và ký hiệu: '83/KH-STTTT' for typed documents, '2138/STTTT-CNTT' for a công văn."""
    number = spec.number.zfill(2) if spec.number else DRAFT_NUMBER
    issuer = campaign.issuer
    if doc_type.abbreviation:
        return f"{number}/{doc_type.abbreviation}-{issuer_abbr or issuer.abbreviation}"
    return f"{number}/{issuer.abbreviation}-{issuer.drafting_unit}"


def _list_item(text: str) -> str:
    return text.strip().removeprefix("-").strip().rstrip(";.").strip()


def copies_to(
    campaign: Campaign,
    spec: DocumentSpec,
    *,
    cong_van: bool,
    first: str | None = None,
    archive_default: list[str] | None = None,
) -> list[str]:
    items = [_list_item(i) for i in spec.copies_to]
    if first is None and cong_van and spec.recipients:
        first = "Như trên"
    if first and not any(i.lower() == first.lower() for i in items):
        items.insert(0, first)
    archive = spec.archive or archive_default or ["VT", campaign.issuer.drafting_unit]
    lines = [f"- {i};" for i in items]
    lines.append(f"- Lưu: {', '.join(_list_item(a) for a in archive)}.")
    return lines


def recipients(spec: DocumentSpec) -> list[str]:
    names = [_list_item(r) for r in spec.recipients]
    if len(names) == 1:
        return names
    return [f"{n};" for n in names[:-1]] + [f"{names[-1]}."] if names else []


def rich(
    block: markup.Block, footnotes: dict[str, str], tables: list[list[list[str]]], spec: DocumentSpec
) -> RichText:
    rt = RichText()
    if block.kind == "table":
        tables.append(block.rows)
        rt.add(TABLE_MARK.format(len(tables) - 1))
        return rt
    for span in block.spans:
        if span.footnote:
            note = spec.footnote_text(span.footnote)
            if note is None:
                raise VanbanError(
                    f"chú thích [^{span.footnote}] chưa có nội dung trong mục footnotes của văn bản"
                )
            footnotes[span.footnote] = note
            rt.add(FOOTNOTE_MARK.format(span.footnote))
        else:
            rt.add(span.text, bold=span.bold or None, italic=span.italic or None)
    return rt


def body_blocks(campaign: Campaign, kind: DocumentKind) -> list[markup.Block]:
    spec = campaign.document(kind)
    blocks = wording.compose(
        kind.value,
        dict(spec.wording),
        wording_context(campaign, kind.value),
        changes=spec.sections,
        headings=spec.headings,
    )
    return wording.anchor_footnotes(blocks, spec.footnote_anchors, kind.value)


def document_filename(campaign: Campaign, doc_type: DocType, spec: DocumentSpec) -> str:
    """'2023-ke-hoach-83.docx' once numbered, '2023-ke-hoach-du-thao.docx' while a draft."""
    suffix = f"-{spec.number}" if spec.number else "-du-thao"
    return f"{campaign.campaign.year}-{doc_type.filename}{suffix}.docx"


def template_path(campaign: Campaign, doc_type: DocType, spec: DocumentSpec) -> Path:
    if spec.template:
        path = Path(spec.template)
        return path if path.is_absolute() else campaign.base_dir() / path
    return TEMPLATES_DIR / doc_type.template


@dataclass
class Header:
    """What the header and title of a document say."""

    parent: str | None  # cơ quan chủ quản; None for UBND tỉnh
    issuer: str
    reference: str  # "83/KH-STTTT", with blanks in a draft
    place: str
    date: date | None
    year: int
    title: str = ""  # tên loại, empty for a công văn
    subject: str = ""


def assemble(
    kind: DocumentKind,
    label: str,
    filename: str,
    template: Path,
    header: Header,
    spec: DocumentSpec,
    signer: Signer,
    blocks: list[markup.Block],
    *,
    copies: list[str],
    recipients_list: list[str],
    cong_van: bool = False,
    tables: list[list[list[str]]] | None = None,
    appendices: list[dict[str, str]] | None = None,
    images: list[bytes] | None = None,
    bold_rows: dict[int, set[int]] | None = None,
    topic: str = "",
    title: str | None = None,
) -> BuiltDocument:
    """Everything one document's template needs; `topic` is what its properties say it is about (the
    campaign), `title` its name there when not tên loại and trích yếu."""
    footnotes: dict[str, str] = {}
    tables = tables if tables is not None else []
    body = [{"kind": b.kind, "rich": rich(b, footnotes, tables, spec), "text": b.text} for b in blocks]
    context: dict[str, Any] = {
        "has_parent": bool(header.parent),
        "parent_body": header_name(header.parent.upper(), bold=False) if header.parent else "",
        "issuing_body": header_name(header.issuer.upper(), bold=True),
        "number_line": f"Số: {header.reference}",
        "place_date": cal.place_and_date(header.place, header.date, header.year),
        "doc_type_title": header.title,
        "subject": header.subject,
        "vv": f"V/v {header.subject}" if cong_van else "",
        "recipients": recipients_list,
        "body": body,
        "copies_to": copies,
        "signer_lines": signer.lines,
        "signer_name": signer.name,
        "year": header.year,
        "reference": header.reference.strip(),
        "is_draft": header.date is None or header.reference.lstrip().startswith("/"),
        "appendices": appendices or [],
    }
    properties = DocumentProperties(
        title=title or document_title(header.title, header.subject, cong_van=cong_van),
        author=issuing_body(header.parent, header.issuer),
        subject=topic,
        category=label.split(":")[0],
        status="Dự thảo" if context["is_draft"] else "",
        keywords="" if context["is_draft"] else header.reference.strip(),
    )
    return BuiltDocument(
        kind,
        label,
        filename,
        template,
        context,
        blocks,
        footnotes,
        tables,
        list(images or []),
        dict(bold_rows or {}),
        properties=properties,
    )


def build(campaign: Campaign, kind: DocumentKind) -> BuiltDocument:
    doc_type = DOC_TYPES[kind]
    spec = campaign.document(kind)
    year = campaign.campaign.document_year
    cong_van = kind is DocumentKind.CONG_VAN
    subject = spec.subject or _default_subject(campaign, kind)
    header = Header(
        campaign.issuer.parent,
        campaign.issuer.name,
        reference(campaign, doc_type, spec),
        campaign.issuer.place,
        spec.date,
        year,
        doc_type.title,
        subject,
    )
    return assemble(
        kind,
        doc_type.label,
        document_filename(campaign, doc_type, spec),
        template_path(campaign, doc_type, spec),
        header,
        spec,
        spec.signer or campaign.signer,
        body_blocks(campaign, kind),
        copies=copies_to(campaign, spec, cong_van=cong_van),
        recipients_list=recipients(spec),
        cong_van=cong_van,
        topic=campaign_topic(campaign),
    )


def campaign_topic(campaign: Campaign) -> str:
    """What every document of the campaign is about, for its properties."""
    return upper_first(campaign.campaign.name)


def _default_subject(campaign: Campaign, kind: DocumentKind) -> str:
    if kind is DocumentKind.KE_HOACH:
        return f"Thực hiện {campaign.campaign.name}"
    return f"hướng dẫn đánh giá, chấm điểm {campaign.campaign.index_name} năm {campaign.campaign.year}"


TEMPLATE_VARIABLES = frozenset(
    [
        "parent_body",
        "issuing_body",
        "number_line",
        "place_date",
        "doc_type_title",
        "subject",
        "vv",
        "recipients",
        "body",
        "copies_to",
        "signer_lines",
        "signer_name",
        "year",
        "reference",
        "is_draft",
        "has_parent",
        "appendices",
        "heading",
        "title",
        "note",
        "fill_lines",
        "sign_boxes",
    ]
)


def build_letter(
    campaign: Campaign,
    *,
    subject: str,
    recipients_names: list[str],
    body: str,
    filename: str,
    label: str = "Công văn",
) -> BuiltDocument:
    """A công văn from the campaign's issuer with a body written elsewhere (in the wording markup), as a draft.

    Used for letters whose content comes from a process rather than from wording sections, such as the
    list of evidence files a unit must send again.
    """
    base = campaign.document(DocumentKind.CONG_VAN)
    spec = DocumentSpec(
        subject=subject,
        recipients=recipients_names,
        copies_to=["Lãnh đạo Sở"],
        archive=list(base.archive),
        signer=base.signer,
    )
    doc_type = DOC_TYPES[DocumentKind.CONG_VAN]
    header = Header(
        campaign.issuer.parent,
        campaign.issuer.name,
        reference(campaign, doc_type, spec),
        campaign.issuer.place,
        None,
        campaign.campaign.document_year,
        "",
        subject,
    )
    return assemble(
        DocumentKind.CONG_VAN,
        label,
        filename,
        TEMPLATES_DIR / doc_type.template,
        header,
        spec,
        spec.signer or campaign.signer,
        markup.parse(body),
        copies=copies_to(campaign, spec, cong_van=True),
        recipients_list=recipients(spec),
        cong_van=True,
        topic=campaign_topic(campaign),
    )

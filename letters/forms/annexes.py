"""Attachments issued with the công văn hướng dẫn (or the Kế hoạch, as the campaign says), one set per tier:
the self-assessment form (Biểu số, DOCX in landscape and XLSX for Excel) and the evidence guide (Phụ lục)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from letters.campaign.model import Campaign, DocumentKind
from letters.campaign.views import lower_first
from letters.core import vn as cal
from letters.core.files import atomic_write_bytes, check_writable
from letters.core.properties import DocumentProperties
from letters.core.vn import points_text, slugify
from letters.documents import markup
from letters.documents.builders import (
    DOC_TYPES,
    TABLE_MARK,
    BuiltDocument,
    campaign_topic,
    issuing_body,
    reference,
)
from letters.indicators.model import TierRef
from letters.indicators.sets import evidence_rows, form_rows
from templates_vb import TEMPLATES_DIR


def _note(campaign: Campaign) -> str:
    """'(Kèm theo Công văn số 2138/STTTT-CNTT ngày 06 tháng 12 năm 2023 của Sở …)', naming the document the
    annexes are issued with; its number and date stay blank (as NĐ 30 writes them) until it is issued."""
    host = campaign.annex_host()
    doc_type = DOC_TYPES[host]
    spec = campaign.document(host)
    ref = reference(campaign, doc_type, spec)
    number = ref.strip() if spec.number else f"      {ref.strip()}"
    blank = cal.blank_in_words(campaign.campaign.document_year)
    when = cal.in_words(spec.date) if spec.date and spec.number else blank
    name = doc_type.title.capitalize() if doc_type.title else "Công văn"
    return f"(Kèm theo {name} số {number} {when} của {campaign.issuer.text_name})"


def _properties(campaign: Campaign, label: str, title: str) -> DocumentProperties:
    host = campaign.document(campaign.annex_host())
    return DocumentProperties(
        title=f"{label}: {title}",
        author=issuing_body(campaign.issuer.parent, campaign.issuer.name),
        subject=campaign_topic(campaign),
        category="Biểu mẫu" if label.startswith("Biểu") else "Phụ lục",
        status="" if host.number and host.date else "Dự thảo",
    )


def _built(
    kind_label: str,
    filename: str,
    template: str,
    context: dict[str, Any],
    rows: list[list[str]],
    bold: set[int],
    weights: list[float] | None = None,
    properties: DocumentProperties | None = None,
) -> BuiltDocument:
    from docxtpl import RichText

    block = markup.Block("para", [markup.Span(TABLE_MARK.format(0))])
    context = {
        **context,
        "body": [{"kind": "para", "rich": RichText(TABLE_MARK.format(0)), "text": block.text}],
    }
    return BuiltDocument(
        DocumentKind.CONG_VAN,
        kind_label,
        filename,
        TEMPLATES_DIR / template,
        context,
        [block],
        tables=[rows],
        bold_rows={0: bold},
        table_weights={0: weights} if weights else {},
        properties=properties,
    )


def _form_title(campaign: Campaign, tier: TierRef) -> str:
    info = campaign.campaign
    return f"Biểu tự đánh giá, chấm điểm {info.index_name} năm {info.year} áp dụng đối với {lower_first(tier.name)}"


def build_form(campaign: Campaign, tier: TierRef) -> BuiltDocument:
    label = tier.form or "Biểu mẫu"
    rows = [
        [
            "STT",
            "Chỉ số",
            "Điểm tối đa",
            "Cách xác định và tính điểm",
            "Điểm tự đánh giá",
            "Tài liệu kiểm chứng",
            "Giải trình (nếu không đạt điểm tối đa)",
        ]
    ]
    bold = set()
    for r in form_rows(tier.indicator_set):
        if r.kind == "index":
            bold.add(len(rows))
        rows.append(
            [
                r.stt,
                r.name,
                points_text(r.max_points) if r.scored else "Không chấm điểm",
                r.method,
                "",
                "",
                "",
            ]
        )
    bold.add(len(rows))
    rows.append(["", "TỔNG ĐIỂM", points_text(tier.indicator_set.max_points), "", "", "", ""])
    year = campaign.campaign.year
    title = _form_title(campaign, tier)
    context = {
        "heading": label,
        "title": f"BIỂU TỰ ĐÁNH GIÁ, CHẤM ĐIỂM {campaign.campaign.index_name.upper()} NĂM {year}\n"
        f"ÁP DỤNG ĐỐI VỚI {tier.name.upper()}",
        "note": _note(campaign),
        "fill_lines": [
            "Tên cơ quan, đơn vị: ..............................................................................",
            "Người lập biểu: ........................................ Điện thoại: ....................",
        ],
        "sign_boxes": [
            {"title": "NGƯỜI LẬP BIỂU", "note": "(Ký, ghi rõ họ tên)"},
            {"title": "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ", "note": "(Ký tên, đóng dấu)"},
        ],
    }
    return _built(
        f"{label} ({lower_first(tier.name)})",
        f"{year}-{slugify(label)}-{tier.id}.docx",
        "bieu_mau.docx",
        context,
        rows,
        bold,
        weights=[5, 24, 8, 24, 9, 15, 15],
        properties=_properties(campaign, label, title),
    )


def build_evidence_guide(campaign: Campaign, tier: TierRef) -> BuiltDocument:
    label = tier.annex or "Phụ lục"
    rows = [["STT", "Chỉ số", "Tài liệu kiểm chứng", "Nguồn dữ liệu"]]
    bold = set()
    current = None
    for r in evidence_rows(tier.indicator_set):
        if r.index_code != current:
            current = r.index_code
            bold.add(len(rows))
            rows.append([r.index_code, r.index_name, "", ""])
        rows.append([r.stt, r.name, r.evidence, r.source])
    year = campaign.campaign.year
    title = (
        f"Hướng dẫn cung cấp tài liệu kiểm chứng {campaign.campaign.index_name} năm {year} "
        f"đối với {lower_first(tier.name)}"
    )
    context = {
        "heading": label,
        "title": f"HƯỚNG DẪN CUNG CẤP TÀI LIỆU KIỂM CHỨNG {campaign.campaign.index_name.upper()} NĂM {year}\n"
        f"ĐỐI VỚI {tier.name.upper()}",
        "note": _note(campaign),
        "fill_lines": [],
        "sign_boxes": [],
    }
    return _built(
        f"{label} ({lower_first(tier.name)})",
        f"{year}-{slugify(label)}-{tier.id}.docx",
        "phu_luc.docx",
        context,
        rows,
        bold,
        properties=_properties(campaign, label, title),
    )


@dataclass(frozen=True)
class AnnexFile:
    label: str
    path: Path


def render_annexes(
    campaign: Campaign,
    out_dir: Path,
    *,
    forms: bool = True,
    guides: bool = True,
    xlsx: bool = True,
    force: bool = False,
) -> list[AnnexFile]:
    """Every tier's Biểu số (DOCX and XLSX) and Phụ lục hướng dẫn tài liệu kiểm chứng into `out_dir`."""
    from letters.documents.render import render_bytes
    from letters.indicators.forms_xlsx import form_filename, write_form_xlsx
    from letters.indicators.tiers import from_campaign_model

    inputs = from_campaign_model(campaign)
    built: list[BuiltDocument] = []
    for tier in inputs.tiers:
        if forms:
            built.append(build_form(campaign, tier))
        if guides:
            built.append(build_evidence_guide(campaign, tier))
    sheets = (
        [(t, Path(out_dir) / form_filename(t.form or "Biểu mẫu", t.id)) for t in inputs.tiers]
        if forms and xlsx
        else []
    )
    for target in [Path(out_dir) / b.filename for b in built] + [p for _, p in sheets]:
        check_writable(target, force)
    out = [
        AnnexFile(b.label, atomic_write_bytes(Path(out_dir) / b.filename, render_bytes(b), force=force))
        for b in built
    ]
    for tier, path in sheets:
        write_form_xlsx(
            tier.indicator_set,
            path,
            tier_id=tier.id,
            tier_name=tier.name,
            form_label=tier.form or "Biểu mẫu",
            year=campaign.campaign.year,
            force=force,
            properties=_properties(campaign, tier.form or "Biểu mẫu", _form_title(campaign, tier)),
            index_name=campaign.campaign.index_name,
        )
        out.append(AnnexFile(f"{tier.form or 'Biểu mẫu'} Excel ({lower_first(tier.name)})", path))
    return out

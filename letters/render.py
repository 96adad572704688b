"""Rendering: a built document → a DOCX file, written atomically, never over a user's file."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import jinja2
from docx import Document
from docxtpl import DocxTemplate

from letters import postprocess
from letters.builders import DOC_TYPES, BuiltDocument, build
from letters.campaign import Campaign, DocumentKind
from letters.errors import VanbanError
from letters.fsutil import atomic_write_bytes, check_writable


@dataclass(frozen=True)
class Rendered:
    kind: DocumentKind
    label: str
    path: Path


def _jinja_env() -> jinja2.Environment:
    # Undefined names fail loudly: a blank where a deadline should be is worse than an error.
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)


def render_bytes(built: BuiltDocument) -> bytes:
    if not built.template.is_file():
        raise VanbanError(f"Không tìm thấy mẫu văn bản {built.template}.")
    # A DocxTemplate cannot be rendered twice (docxtpl #381), so each output gets a new one.
    tpl = DocxTemplate(str(built.template))
    try:
        tpl.render(built.context, jinja_env=_jinja_env(), autoescape=True)
    except jinja2.TemplateSyntaxError as exc:
        raise VanbanError(f"Mẫu {built.template.name} có thẻ sai cú pháp: {exc.message}",
                          hint="Chạy «vanban check» để biết đoạn văn có thẻ sai.") from None
    except jinja2.UndefinedError as exc:
        raise VanbanError(f"Mẫu {built.template.name} dùng biến không có: {exc.message}",
                          hint="Chạy «vanban check» để xem danh sách biến hợp lệ.") from None
    raw = io.BytesIO()
    tpl.save(raw)
    raw.seek(0)
    doc = Document(raw)
    postprocess.drop_empty_rule_after_empty(doc)
    postprocess.insert_tables(doc, built.tables)
    postprocess.size_rules(doc)
    postprocess.add_footnotes(doc, built.footnotes)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def render_documents(campaign: Campaign, out_dir: Path, kinds: Iterable[DocumentKind | str] | None = None,
                     *, force: bool = False) -> list[Rendered]:
    """Render the chosen documents (all by default) into `out_dir`; refuse to overwrite unless `force`."""
    chosen = [DocumentKind(k) for k in kinds] if kinds else list(DOC_TYPES)
    built = [build(campaign, kind) for kind in chosen]
    targets = [Path(out_dir) / b.filename for b in built]
    # Refuse before writing anything, so a refused run leaves no half-set of documents behind.
    for target in targets:
        check_writable(target, force)
    results = []
    for b, target in zip(built, targets, strict=True):
        atomic_write_bytes(target, render_bytes(b), force=force)
        results.append(Rendered(b.kind, b.label, target))
    return results

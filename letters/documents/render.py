"""Rendering: a built document → a DOCX file, written atomically, never over a user's file."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from letters.campaign.model import PLANNING_KINDS, Campaign, DocumentKind
from letters.core.files import atomic_write_bytes, check_writable
from letters.documents import postprocess
from letters.documents.builders import BuiltDocument, build
from letters.documents.engine import compiled

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendered:
    kind: DocumentKind
    label: str
    path: Path


def render_bytes(built: BuiltDocument) -> bytes:
    package = compiled(built.template).render(built.context)
    return postprocess.finish(
        package,
        tables=built.tables,
        footnotes=built.footnotes,
        images=built.images,
        bold_rows=built.bold_rows,
        weights=built.table_weights,
        properties=built.properties,
    )


def render_documents(
    campaign: Campaign,
    out_dir: Path,
    kinds: Iterable[DocumentKind | str] | None = None,
    *,
    force: bool = False,
    prebuilt: Mapping[DocumentKind, BuiltDocument] | None = None,
) -> list[Rendered]:
    """Render the chosen documents (all by default) into `out_dir`; refuse to overwrite unless `force`.

    `prebuilt` holds documents a check already built from the same campaign, so they are not built twice.
    """
    chosen = [DocumentKind(k) for k in kinds] if kinds else list(PLANNING_KINDS)
    ready = prebuilt or {}
    built = [ready[kind] if kind in ready else build(campaign, kind) for kind in chosen]
    targets = [Path(out_dir) / b.filename for b in built]
    # Refuse before writing anything, so a refused run leaves no half-set of documents behind.
    for target in targets:
        check_writable(target, force)
    results = []
    for b, target in zip(built, targets, strict=True):
        log.debug("rendering %s from template %s to %s", b.kind.value, b.template.name, target)
        atomic_write_bytes(target, render_bytes(b), force=force)
        results.append(Rendered(b.kind, b.label, target))
    return results

"""Use cases on a campaign's documents: check a campaign file, render its letters, forms and PDFs."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from letters.campaign.model import Campaign, DocumentKind
from letters.campaign.timeline import Timeline, build_timeline
from letters.checking import CampaignCheck, inspect_campaign
from letters.core.errors import Diagnostic, DiagnosticsError, Severity
from letters.core.files import atomic_write_bytes, check_writable, staged_outputs
from letters.core.progress import Progress

log = logging.getLogger(__name__)

# The names a user types for each output (`--kind` on the command line, checkboxes on the web).
LETTER_KINDS: dict[str, DocumentKind] = {"ke-hoach": DocumentKind.KE_HOACH, "cong-van": DocumentKind.CONG_VAN}
ANNEX_KINDS: tuple[str, ...] = ("bieu-mau", "phu-luc")
ALL_KINDS: tuple[str, ...] = tuple(sorted([*LETTER_KINDS, *ANNEX_KINDS]))
ANNEX_DIR = "phu-luc"


@dataclass(frozen=True)
class OutputFile:
    """One file a use case wrote, with the label a user reads next to it."""

    label: str
    path: Path
    kind: str = ""  # a letter's DocumentKind value ("ke_hoach", "cong_van"); "" for forms and guides


@dataclass(frozen=True)
class CheckRequest:
    campaign_file: Path
    kinds: tuple[str, ...] = ()


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic]
    timeline: Timeline | None = None  # every phase and deadline per tier, when the campaign has no error

    @property
    def ok(self) -> bool:
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)


def _letter_kinds(kinds: tuple[str, ...]) -> list[DocumentKind] | None:
    chosen = [LETTER_KINDS[k] for k in kinds if k in LETTER_KINDS]
    return chosen or None


def check_campaign(request: CheckRequest) -> CheckResult:
    """Every error and warning in the campaign file, its indicator sets, wording and templates, and the
    campaign's timeline when it has no error."""
    check = inspect_campaign(request.campaign_file, _letter_kinds(request.kinds))
    timeline = build_timeline(check.campaign) if check.campaign is not None else None
    return CheckResult(check.diagnostics, timeline)


@dataclass(frozen=True)
class CalendarRequest:
    campaign_file: Path
    out_file: Path  # an .ics file
    force: bool = False


def export_calendar(request: CalendarRequest) -> tuple[Path, Timeline]:
    """The campaign's phases and deadlines as an iCalendar file (all-day events, reminders before deadlines)."""
    check = load_checked_campaign(request.campaign_file, build_letters=False)
    assert check.campaign is not None
    timeline = build_timeline(check.campaign)
    from letters.campaign.timeline import to_ics

    check_writable(request.out_file, request.force)
    return atomic_write_bytes(request.out_file, to_ics(timeline), force=request.force), timeline


def load_checked_campaign(
    campaign_file: Path, kinds: tuple[str, ...] = (), *, build_letters: bool = True
) -> CampaignCheck:
    """The campaign, loaded and checked once; DiagnosticsError listing every error when it has any.

    Without `build_letters` the plan and guidance letter are not built (a results run months later must not
    fail on the wording of a letter issued long ago).
    """
    check = inspect_campaign(campaign_file, _letter_kinds(kinds) if build_letters else [])
    if check.errors or check.campaign is None:
        raise DiagnosticsError(check.diagnostics, str(campaign_file))
    return check


@dataclass(frozen=True)
class CampaignUnit:
    """One assessed unit of a campaign, with its tier."""

    tier_id: str
    tier_name: str
    key: str  # the unit's id, or the slug of its name
    name: str


def campaign_units(campaign_file: Path) -> list[CampaignUnit]:
    """The campaign's units, tier by tier, in the file's order.

    Read from the tiers section alone, so a campaign with an error elsewhere (a wrong date, a missing signer)
    still lists its units; DiagnosticsError when the tiers section itself is wrong.
    """
    from letters.campaign.load import load_sections
    from letters.campaign.model import Tier

    loaded = load_sections(campaign_file)
    tiers = loaded.sections.get("tiers")
    if tiers is None:
        tier_errors = [d for d in loaded.errors if (d.field or "").startswith("tiers")] or loaded.errors
        raise DiagnosticsError(tier_errors, str(campaign_file))
    return [CampaignUnit(t.id, t.name, u.key, u.name) for t in tiers if isinstance(t, Tier) for u in t.units]


@dataclass(frozen=True)
class RenderRequest:
    campaign_file: Path
    out_dir: Path
    kinds: tuple[str, ...] = ()  # names from ALL_KINDS; empty means every document
    pdf: bool = False
    pdfa: bool = False
    force: bool = False
    progress: Progress | None = None  # (PDFs made, PDFs to make) during the conversion


@dataclass
class RenderResult:
    campaign: Campaign
    documents: list[OutputFile] = field(default_factory=list)
    pdfs: list[OutputFile] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        return [f.path for f in self.documents + self.pdfs]


def render_campaign(request: RenderRequest) -> RenderResult:
    """The plan and guidance letter, each tier's forms and evidence guides, and optionally their PDFs.

    Everything is written into a staging folder and moved into `out_dir` only when all of it succeeded, so a
    failed run leaves nothing behind and never replaces a user's file unless `force` is set.
    """
    from letters.documents.render import render_documents
    from letters.forms.annexes import render_annexes

    unknown = [k for k in request.kinds if k not in ALL_KINDS]
    if unknown:
        raise ValueError(f"unknown document kinds: {unknown}")
    check = load_checked_campaign(request.campaign_file, request.kinds)
    assert check.campaign is not None
    campaign = check.campaign
    wanted = set(request.kinds) or set(ALL_KINDS)
    letters = [LETTER_KINDS[k] for k in sorted(wanted & set(LETTER_KINDS))]
    result = RenderResult(campaign, warnings=check.warnings)
    with staged_outputs(request.out_dir, force=request.force) as stage:
        written: list[OutputFile] = []
        if letters:
            for r in render_documents(campaign, stage, letters, force=True, prebuilt=check.built):
                log.info("rendered %s", r.path.name)
                written.append(OutputFile(r.label, r.path, r.kind.value))
        if wanted & set(ANNEX_KINDS):
            annexes = render_annexes(
                campaign,
                stage / ANNEX_DIR,
                forms="bieu-mau" in wanted,
                guides="phu-luc" in wanted,
                force=True,
            )
            written += [OutputFile(a.label, a.path) for a in annexes]
        pairs = [(f.path, f.path.with_suffix(".pdf")) for f in written if f.path.suffix == ".docx"]
        if not request.pdf and not request.pdfa:
            pairs = []
        # Refuse before the slow conversion rather than after it.
        for path in [f.path for f in written] + [pdf for _, pdf in pairs]:
            check_writable(request.out_dir / path.relative_to(stage), request.force)
        pdfs: list[OutputFile] = []
        if pairs:
            from letters.pdf.convert import convert_files

            kind = "PDF/A-2b" if request.pdfa else "PDF"
            converted = convert_files(pairs, pdfa=request.pdfa, force=True, progress=request.progress)
            pdfs = [OutputFile(f"bản {kind}", p) for p in converted]
    result.documents = [
        OutputFile(f.label, request.out_dir / f.path.relative_to(stage), f.kind) for f in written
    ]
    result.pdfs = [OutputFile(f.label, request.out_dir / f.path.relative_to(stage)) for f in pdfs]
    return result


def convert_documents(
    files: list[Path],
    *,
    pdfa: bool = False,
    force: bool = False,
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """A PDF beside each DOCX or XLSX, converted by one LibreOffice pool for the whole batch."""
    from letters.pdf.convert import convert_files

    pairs = [(f, f.with_suffix(".pdf")) for f in files]
    return convert_files(pairs, pdfa=pdfa, force=force, workers=workers, progress=progress)


def preview_pages(pdf: Path, out_dir: Path, *, dpi: int = 70) -> list[Path]:
    """PNG images of every page of a PDF in `out_dir` (trang-01.png, …), to preview it in a browser."""
    from letters.pdf.preview import page_images

    return page_images(pdf, out_dir, dpi=dpi)


# --------------------------------------------------------------------------- the campaign file edited in forms

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"


def bundled_examples() -> list[Path]:
    """The example campaign files shipped with vanban (examples/*.yaml), by file name."""
    return sorted(EXAMPLES_DIR.glob("*.yaml"))


@dataclass(frozen=True)
class CampaignSchema:
    """What a form generator needs about the campaign file: the model whose fields it walks, the sections a
    file must have, and the words for choices and patterns that the reference page uses too."""

    model: type[Campaign]
    required_sections: tuple[str, ...]
    choice_labels: Mapping[Enum, str]
    pattern_text: Mapping[str, str]


def campaign_schema() -> CampaignSchema:
    from letters.campaign.model import REQUIRED_SECTIONS
    from letters.campaign.reference import CHOICE_LABELS, PATTERN_TEXT

    return CampaignSchema(Campaign, tuple(REQUIRED_SECTIONS), CHOICE_LABELS, PATTERN_TEXT)


# Documents whose wording can be previewed from the campaign file alone; the results documents need scores.
PREVIEW_KINDS: tuple[str, ...] = (DocumentKind.KE_HOACH.value, DocumentKind.CONG_VAN.value)


@dataclass(frozen=True)
class WordingVariant:
    name: str
    text: str
    when: str | None = None


@dataclass(frozen=True)
class WordingSection:
    """One section of a document's clause library, in document order."""

    key: str
    title: str | None
    group: str | None
    variants: tuple[WordingVariant, ...]


def wording_sections(kind: str) -> list[WordingSection]:
    """The sections of a document kind's clause library with their standard wordings."""
    from letters.documents import wording

    return [
        WordingSection(
            s.key, s.title, s.group, tuple(WordingVariant(v.name, v.text, v.when) for v in s.variants)
        )
        for s in wording.default_sections(DocumentKind(kind).value)
    ]


@dataclass(frozen=True)
class PreviewBlock:
    """A paragraph of a preview: its markup kind (h1, h2, h3, basis, center, para, bullet, sub, table) and
    its content as HTML in which every character of the text is escaped."""

    kind: str
    html: str


def _span_html(span: Any) -> str:
    import html

    if span.footnote:
        return f"<sup>[{html.escape(span.footnote)}]</sup>"
    text = html.escape(span.text)
    if span.italic:
        text = f"<em>{text}</em>"
    if span.bold:
        text = f"<strong>{text}</strong>"
    return text


def _block_html(block: Any) -> PreviewBlock:
    import html

    if block.kind == "table":
        rows = []
        for i, row in enumerate(block.rows):
            cell = "th" if i == 0 else "td"
            rows.append("<tr>" + "".join(f"<{cell}>{html.escape(c)}</{cell}>" for c in row) + "</tr>")
        return PreviewBlock("table", "<table>" + "".join(rows) + "</table>")
    return PreviewBlock(block.kind, "".join(_span_html(s) for s in block.spans))


def preview_wording(campaign_file: Path, kind: str, section: str, text: str | None) -> list[PreviewBlock]:
    """One section of a plan or guidance letter as the document would word it, with `text` as its own wording
    (None or blank: the standard wording the campaign chooses), every other section left out.

    DiagnosticsError when the campaign file has errors (the wording needs a valid campaign); WordingError, at
    its place, when the text does not render. [] when the section is not in the document for this campaign.
    """
    from letters.campaign.load import load_campaign
    from letters.campaign.model import SectionSpec
    from letters.campaign.views import wording_context
    from letters.documents import wording

    doc_kind = DocumentKind(kind)
    if doc_kind.value not in PREVIEW_KINDS:
        raise ValueError(f"no preview for {kind}")
    campaign = load_campaign(campaign_file)
    spec = campaign.document(doc_kind)
    context = wording_context(campaign, doc_kind.value)
    own = (text or "").strip() or None
    overrides = dict(spec.wording)
    changes = list(spec.sections)
    if own is not None:
        overrides.pop(section, None)
        mine = [i for i, c in enumerate(changes) if c.id == section]
        for i in mine:
            changes[i] = changes[i].model_copy(update={"text": own, "use": None, "hide": False})
        if not mine:
            changes.append(SectionSpec(id=section, text=own))
    elif overrides.get(section) is None and not any(c.id == section and (c.text or c.use) for c in changes):
        # The standard wording: name the variant the campaign's facts choose, so the section renders on its own
        # even when it belongs to a group whose other sections are left out of the preview.
        library = wording.library(doc_kind.value)
        if section in library:
            try:
                chosen = next(
                    (
                        v.name
                        for v in library[section].variants
                        if v.when is None or wording.environment().compile_expression(v.when)(**context)
                    ),
                    None,
                )
            except Exception:  # noqa: BLE001 - compose reports a broken condition in Vietnamese, at its place
                chosen = ""
            if chosen is None:
                return []
            if chosen:
                changes.append(SectionSpec(id=section, use=chosen))
    keys = [*wording.section_keys(doc_kind.value), *(c.id for c in spec.sections)]
    changes += [SectionSpec(id=k, hide=True) for k in dict.fromkeys(keys) if k != section]
    blocks = wording.compose(doc_kind.value, overrides, context, changes=changes, headings=spec.headings)
    return [_block_html(b) for b in blocks]

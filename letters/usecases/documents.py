"""Use cases on a campaign's documents: check a campaign file, render its letters, forms and PDFs."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from letters.campaign.model import Campaign, DocumentKind
from letters.checking import CampaignCheck, inspect_campaign
from letters.core.errors import Diagnostic, DiagnosticsError, Severity
from letters.core.files import check_writable, staged_outputs

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


@dataclass(frozen=True)
class CheckRequest:
    campaign_file: Path
    kinds: tuple[str, ...] = ()


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic]

    @property
    def ok(self) -> bool:
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)


def _letter_kinds(kinds: tuple[str, ...]) -> list[DocumentKind] | None:
    chosen = [LETTER_KINDS[k] for k in kinds if k in LETTER_KINDS]
    return chosen or None


def check_campaign(request: CheckRequest) -> CheckResult:
    """Every error and warning in the campaign file, its indicator sets, wording and templates."""
    return CheckResult(inspect_campaign(request.campaign_file, _letter_kinds(request.kinds)).diagnostics)


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
class RenderRequest:
    campaign_file: Path
    out_dir: Path
    kinds: tuple[str, ...] = ()  # names from ALL_KINDS; empty means every document
    pdf: bool = False
    pdfa: bool = False
    force: bool = False


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
                written.append(OutputFile(r.label, r.path))
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
            pdfs = [OutputFile(f"bản {kind}", p) for p in convert_files(pairs, pdfa=request.pdfa, force=True)]
    result.documents = [OutputFile(f.label, request.out_dir / f.path.relative_to(stage)) for f in written]
    result.pdfs = [OutputFile(f.label, request.out_dir / f.path.relative_to(stage)) for f in pdfs]
    return result


def convert_documents(
    files: list[Path], *, pdfa: bool = False, force: bool = False, workers: int | None = None
) -> list[Path]:
    """A PDF beside each DOCX or XLSX, converted by one LibreOffice pool for the whole batch."""
    from letters.pdf.convert import convert_files

    return convert_files([(f, f.with_suffix(".pdf")) for f in files], pdfa=pdfa, force=force, workers=workers)

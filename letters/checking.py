"""`vanban check`: every problem in a campaign file and the templates it uses, before rendering."""

from __future__ import annotations

from pathlib import Path

from letters.campaign.checks import cross_check
from letters.campaign.load import LoadResult, load_sections
from letters.campaign.model import PLANNING_KINDS, RESULTS_KINDS, DocumentKind
from letters.core.errors import Diagnostic, Severity, VanbanError
from letters.core.yamlsrc import field_path
from letters.documents.builders import TEMPLATE_VARIABLES, build
from letters.documents.lint import lint_template
from letters.documents.wording import WordingError


def check_campaign(path: Path, kinds: list[DocumentKind] | None = None) -> list[Diagnostic]:
    result = load_sections(Path(path))
    if result.source is None:
        return result.diagnostics
    result.diagnostics.extend(cross_check(result))
    if result.campaign is not None:
        result.diagnostics.extend(_check_indicator_sets(result))
        result.diagnostics.extend(_check_documents(result, kinds or list(PLANNING_KINDS)))
        result.diagnostics.extend(_check_results_wording(result))
    return sorted(result.diagnostics, key=lambda d: (d.severity is not Severity.ERROR, d.line or 0))


def _check_indicator_sets(result: LoadResult) -> list[Diagnostic]:
    """Each tier's indicator set: found, codes unique, components adding up to their index and the total."""
    from letters.indicators.sets import check_indicator_set, resolve_set_path

    campaign = result.campaign
    assert campaign is not None and result.source is not None
    out: list[Diagnostic] = []
    checked: set[Path] = set()
    for i, tier in enumerate(campaign.tiers):
        if not tier.indicators:
            continue
        loc: tuple[str | int, ...] = ("tiers", i, "indicators")
        try:
            path = resolve_set_path(tier.indicators, campaign.base_dir())
        except VanbanError as exc:
            out.append(
                Diagnostic(
                    Severity.ERROR,
                    f"{exc.message} {exc.hint or ''}".strip(),
                    file=str(result.source.path),
                    line=result.source.line_of(loc),
                    field=field_path(loc),
                )
            )
            continue
        if path not in checked:
            checked.add(path)
            out.extend(check_indicator_set(path))
    return out


RESULTS_CONTEXT = frozenset(
    {"province", "proposal", "decision", "result_tiers", "total_units", "appendix_text", "unit"}
)


def _check_results_wording(result: LoadResult) -> list[Diagnostic]:
    """The Tờ trình, Quyết định and notices render only once scores exist; catch their wording mistakes now."""
    import jinja2
    from jinja2 import meta

    from letters.campaign.views import wording_context
    from letters.documents import wording

    campaign = result.campaign
    assert campaign is not None and result.source is not None
    out: list[Diagnostic] = []
    for kind in RESULTS_KINDS:
        spec = campaign.documents.get(kind)
        if spec is None or not spec.wording:
            continue
        known = set(wording_context(campaign, kind.value)) | RESULTS_CONTEXT
        keys = wording.section_keys(kind.value)
        for key, text in spec.wording.items():
            loc: tuple[str | int, ...] = ("documents", kind.value, "wording", key)

            def add(message: str, loc: tuple[str | int, ...] = loc) -> None:
                out.append(
                    Diagnostic(
                        Severity.ERROR,
                        message,
                        file=str(result.source.path),  # type: ignore[union-attr]
                        line=result.source.line_of(loc),
                        field=field_path(loc),
                    )
                )  # type: ignore[union-attr]

            if key not in keys:
                add(f"không có đoạn «{key}» trong văn bản này; các đoạn có thể thay: {', '.join(keys)}")
                continue
            try:
                parsed = wording.environment().parse(text or "")
            except jinja2.TemplateSyntaxError as exc:
                add(f"cú pháp sai ở dòng {exc.lineno}: {exc.message}")
                continue
            for name in sorted(meta.find_undeclared_variables(parsed) - known):
                add(f"dùng biến không có: «{name}»")
    return out


def _check_documents(result: LoadResult, kinds: list[DocumentKind]) -> list[Diagnostic]:
    campaign = result.campaign
    assert campaign is not None and result.source is not None
    out: list[Diagnostic] = []
    linted: set[Path] = set()
    for kind in kinds:
        loc: tuple[str | int, ...] = ("documents", kind.value)
        try:
            built = build(campaign, kind)
        except WordingError as exc:
            where = (*loc, "wording", exc.key) if exc.override else loc
            out.append(
                Diagnostic(
                    Severity.ERROR,
                    str(exc),
                    file=str(result.source.path),
                    line=result.source.line_of(where),
                    field=field_path(where),
                )
            )
            continue
        except VanbanError as exc:
            out.append(
                Diagnostic(
                    Severity.ERROR,
                    exc.message,
                    file=str(result.source.path),
                    line=result.source.line_of(loc),
                    field=field_path(loc),
                )
            )
            continue
        if built.template not in linted:
            linted.add(built.template)
            out.extend(lint_template(built.template, TEMPLATE_VARIABLES))
    return out

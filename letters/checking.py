"""`vanban check`: every problem in a campaign file and the templates it uses, before rendering.

The check builds each document to find wording mistakes; the built documents are kept so that rendering
after a successful check does not parse the campaign or build the documents a second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from letters.campaign.checks import cross_check
from letters.campaign.load import LoadResult, load_sections
from letters.campaign.model import PLANNING_KINDS, RESULTS_KINDS, Campaign, DocumentKind
from letters.core.errors import Diagnostic, Severity, VanbanError
from letters.core.yamlsrc import field_path
from letters.documents import jinja_messages
from letters.documents.builders import TEMPLATE_VARIABLES, BuiltDocument, build
from letters.documents.lint import lint_template
from letters.documents.wording import WordingError, locate


@dataclass
class CampaignCheck:
    """What checking a campaign file found, and what it built on the way."""

    path: Path
    diagnostics: list[Diagnostic]
    campaign: Campaign | None = None
    built: dict[DocumentKind, BuiltDocument] = field(default_factory=dict)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]


def inspect_campaign(path: Path, kinds: list[DocumentKind] | None = None) -> CampaignCheck:
    """Load the campaign once, check every section, its indicator sets, wording and templates.

    `kinds` names the letters to build and check (None: the plan and the guidance letter; []: none).
    """
    result = load_sections(Path(path))
    check = CampaignCheck(Path(path), result.diagnostics)
    if result.source is None:
        return check
    result.diagnostics.extend(cross_check(result.source, result.sections))
    if result.campaign is not None:
        result.diagnostics.extend(_check_indicator_sets(result))
        result.diagnostics.extend(
            _check_documents(result, list(PLANNING_KINDS) if kinds is None else kinds, check.built)
        )
        result.diagnostics.extend(_check_results_wording(result))
        result.diagnostics.extend(_check_facts_shown(result, check.built))
    check.diagnostics = sorted(
        result.diagnostics, key=lambda d: (d.severity is not Severity.ERROR, d.line or 0)
    )
    if not check.errors:
        check.campaign = result.campaign
    return check


def check_campaign(path: Path, kinds: list[DocumentKind] | None = None) -> list[Diagnostic]:
    return inspect_campaign(path, kinds).diagnostics


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
            found = check_indicator_set(path)
            out.extend(found)
            if not any(d.severity is Severity.ERROR for d in found):
                out.extend(_check_set_kind(result, i, path))
    return out


def _check_set_kind(result: LoadResult, tier_index: int, path: Path) -> list[Diagnostic]:
    """A Chính quyền điện tử campaign whose forms would list a digital-transformation set, or the reverse."""
    from letters.indicators.sets import load_indicator_set

    campaign = result.campaign
    assert campaign is not None and result.source is not None
    try:
        name = load_indicator_set(path).name
    except VanbanError:
        return []
    kind = campaign.campaign.kind.value
    lowered = name.lower()
    wrong = (
        ("chuyển đổi số" in lowered and "chính quyền điện tử" not in lowered)
        if kind == "CQĐT"
        else ("chính quyền điện tử" in lowered and "chuyển đổi số" not in lowered)
    )
    if not wrong:
        return []
    loc: tuple[str | int, ...] = ("tiers", tier_index, "indicators")
    topic = "Chính quyền điện tử (CQĐT)" if kind == "CQĐT" else "chuyển đổi số (DTI)"
    return [
        Diagnostic(
            Severity.WARNING,
            f"đợt đánh giá về {topic} nhưng nhóm này dùng bộ chỉ số «{name}»: biểu mẫu sẽ liệt kê chỉ số của "
            "bộ này dưới tên đợt đánh giá. Ghi bộ chỉ số đúng loại trong «indicators», hoặc sửa «kind»",
            file=str(result.source.path),
            line=result.source.line_of(loc),
            field=field_path(loc),
        )
    ]


RESULTS_CONTEXT = frozenset(
    {
        "province",
        "proposal",
        "decision",
        "result_tiers",
        "total_units",
        "submitted_units",
        "appendix_text",
        "unit",
    }
)


def _check_results_wording(result: LoadResult) -> list[Diagnostic]:
    """The Tờ trình, Quyết định and notices render only once scores exist; catch their wording mistakes now."""
    import jinja2
    from jinja2 import meta

    from letters.campaign.views import wording_context
    from letters.documents import wording

    campaign = result.campaign
    assert campaign is not None and result.source is not None
    source = result.source  # a local, so the closure below keeps the narrowed type
    out: list[Diagnostic] = []
    for kind in RESULTS_KINDS:
        spec = campaign.documents.get(kind)
        if spec is None or not (spec.wording or spec.sections):
            continue
        known = set(wording_context(campaign, kind.value)) | RESULTS_CONTEXT | {"choice"}
        keys = wording.section_keys(kind.value)
        if spec.sections:
            try:
                wording.plan_sections(
                    kind.value, {k: v for k, v in spec.wording.items() if k in keys}, spec.sections
                )
            except wording.WordingError as exc:
                located = wording.locate(exc, source, kind.value)
                out.append(
                    Diagnostic(
                        Severity.ERROR,
                        located.message,
                        file=str(source.path),
                        line=located.line,
                        field=located.field,
                    )
                )
        texts: list[tuple[str, str | None, tuple[str | int, ...]]] = [
            (key, text, ("documents", kind.value, "wording", key)) for key, text in spec.wording.items()
        ]
        texts += [
            (change.id, change.text, ("documents", kind.value, "sections", i, "text"))
            for i, change in enumerate(spec.sections)
            if change.text
        ]
        for key, text, loc in texts:

            def add(message: str, loc: tuple[str | int, ...] = loc) -> None:
                out.append(
                    Diagnostic(
                        Severity.ERROR,
                        message,
                        file=str(source.path),
                        line=source.line_of(loc),
                        field=field_path(loc),
                    )
                )

            if key not in keys and loc[2] == "wording":
                add(f"không có đoạn «{key}» trong văn bản này; các đoạn có thể thay: {', '.join(keys)}")
                continue
            try:
                parsed = wording.environment().parse(text or "")
                wording.environment().from_string(text or "")  # compiling finds unknown filters and tests
            except jinja2.TemplateSyntaxError as exc:
                add(f"cú pháp sai ở dòng {exc.lineno}: {jinja_messages.syntax_text(exc)}")
                continue
            for name in sorted(meta.find_undeclared_variables(parsed) - known):
                add(f"dùng biến không có: «{name}»")
    return out


def _check_facts_shown(result: LoadResult, built: dict[DocumentKind, BuiltDocument]) -> list[Diagnostic]:
    """A field the user filled in that neither the Kế hoạch nor the công văn states."""
    from letters.documents.coverage import built_texts, missing_facts

    campaign = result.campaign
    if campaign is None or result.source is None or not all(k in built for k in PLANNING_KINDS):
        return []
    source = result.source
    return [
        Diagnostic(
            Severity.WARNING,
            f"«{fact.value}» ({fact.label}) không xuất hiện trong văn bản nào của đợt đánh giá (Kế hoạch, công văn "
            "hướng dẫn): mẫu câu đã chọn hoặc lời văn riêng bỏ qua thông tin này. Chọn mẫu câu có thông tin "
            "này, thêm một đoạn nêu nó, hoặc bỏ trường nếu không cần",
            file=str(source.path),
            line=source.line_of(fact.loc),
            field=fact.field,
        )
        for fact in missing_facts(campaign, built_texts({k: built[k] for k in PLANNING_KINDS}))
    ]


def _check_documents(
    result: LoadResult, kinds: list[DocumentKind], built_out: dict[DocumentKind, BuiltDocument]
) -> list[Diagnostic]:
    campaign = result.campaign
    assert campaign is not None and result.source is not None
    out: list[Diagnostic] = []
    linted: set[Path] = set()
    for kind in kinds:
        loc: tuple[str | int, ...] = ("documents", kind.value)
        try:
            built = build(campaign, kind)
        except WordingError as exc:
            located = locate(exc, result.source, kind.value)
            out.append(
                Diagnostic(
                    Severity.ERROR,
                    located.message if not located.hint else f"{located.message}. {located.hint}",
                    file=str(result.source.path),
                    line=located.line,
                    field=located.field,
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
        built_out[kind] = built
        if built.template not in linted:
            linted.add(built.template)
            out.extend(lint_template(built.template, TEMPLATE_VARIABLES))
    return out

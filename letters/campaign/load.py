"""Campaign file → validated model, with every problem located by line and field, in Vietnamese.

Each top-level section is validated on its own so that one broken section does not hide the
mistakes in the others: a user fixing a file wants the whole list at once.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from letters.campaign.checks import cross_check
from letters.campaign.model import REQUIRED_SECTIONS, SECTION_MODELS, Campaign
from letters.core.errors import Diagnostic, DiagnosticsError, Severity
from letters.core.validation import validation_diagnostics
from letters.core.yamlsrc import SourceDoc, load_yaml

SECTION_TITLES = {
    "campaign": "thông tin đợt đánh giá",
    "issuer": "cơ quan ban hành",
    "legal_bases": "căn cứ",
    "tiers": "nhóm đơn vị",
    "phases": "các giai đoạn",
    "deadlines": "hạn nộp",
    "signer": "người ký",
    "contacts": "người liên hệ",
    "appraisers": "cơ quan thẩm định theo lĩnh vực",
    "calendar": "lịch làm việc",
    "province": "UBND tỉnh",
    "results": "quy tắc xếp hạng",
    "documents": "văn bản",
}


@dataclass
class LoadResult:
    source: SourceDoc | None
    campaign: Campaign | None
    sections: dict[str, Any] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]


def load_sections(path: Path) -> LoadResult:
    """Parse and validate every section; keep what is valid so later checks can still run."""
    try:
        doc = load_yaml(path)
    except DiagnosticsError as exc:
        return LoadResult(None, None, diagnostics=list(exc.diagnostics))
    result = LoadResult(doc, None, diagnostics=list(doc.duplicate_keys))
    data = doc.data
    if not isinstance(data, dict):
        result.diagnostics.append(
            Diagnostic(
                Severity.ERROR,
                "tệp chiến dịch phải gồm các mục dạng «tên: giá trị» ở cấp ngoài cùng",
                file=str(path),
                line=1,
            )
        )
        return result
    for key in data:
        if key not in SECTION_MODELS:
            close = difflib.get_close_matches(str(key), list(SECTION_MODELS), n=1)
            hint = f"; có phải ý bạn là «{close[0]}»?" if close else ""
            result.diagnostics.append(
                Diagnostic(
                    Severity.ERROR,
                    f"mục «{key}» không được hỗ trợ{hint}",
                    file=str(path),
                    line=doc.line_of((key,)),
                    field=str(key),
                )
            )
    for name, model in SECTION_MODELS.items():
        if name not in data:
            if name in REQUIRED_SECTIONS:
                result.diagnostics.append(
                    Diagnostic(
                        Severity.ERROR,
                        f"thiếu mục «{name}» ({SECTION_TITLES[name]})",
                        file=str(path),
                        line=1,
                        field=name,
                    )
                )
            continue
        try:
            result.sections[name] = TypeAdapter(model).validate_python(data[name])
        except ValidationError as exc:
            result.diagnostics.extend(validation_diagnostics(exc, doc, model, prefix=(name,)))
    if not result.errors:
        result.campaign = Campaign.model_validate({**result.sections, "source": Path(path)})
    return result


def load_campaign(path: Path) -> Campaign:
    """The validated campaign, or DiagnosticsError listing every structural error."""
    result = load_sections(path)
    if result.source is not None:
        result.diagnostics.extend(cross_check(result.source, result.sections))
    if result.errors or result.campaign is None:
        raise DiagnosticsError(result.diagnostics, str(path))
    return result.campaign

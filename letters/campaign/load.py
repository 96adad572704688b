"""Campaign file → validated model, with every problem located by line and field, in Vietnamese.

Each top-level section is validated on its own so that one broken section does not hide the
mistakes in the others: a user fixing a file wants the whole list at once.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from letters.campaign.model import REQUIRED_SECTIONS, SECTION_MODELS, Campaign
from letters.core.errors import Diagnostic, DiagnosticsError, Severity
from letters.core.yamlsrc import Loc, SourceDoc, field_path, load_yaml

SECTION_TITLES = {
    "campaign": "thông tin đợt đánh giá",
    "issuer": "cơ quan ban hành",
    "legal_bases": "căn cứ",
    "tiers": "nhóm đơn vị",
    "phases": "các giai đoạn",
    "deadlines": "hạn nộp",
    "signer": "người ký",
    "contacts": "người liên hệ",
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


def _unwrap(tp: Any) -> Any:
    """Strip Annotated/Optional wrappers to reach the model or container type."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = args[0] if len(args) == 1 else tp
            if len(args) != 1:
                return tp
        else:
            return tp


def _walk(tp: Any, loc: Loc) -> tuple[Any, str | None]:
    """Follow `loc` through the model types; return the type reached and its Vietnamese title."""
    title = None
    for part in loc:
        tp = _unwrap(tp)
        origin = typing.get_origin(tp)
        if isinstance(part, int) and origin is list:
            tp = typing.get_args(tp)[0]
        elif origin is dict:
            tp = typing.get_args(tp)[1]
        elif isinstance(tp, type) and issubclass(tp, BaseModel) and part in tp.model_fields:
            info = tp.model_fields[str(part)]
            title = info.title
            tp = info.annotation
        else:
            return None, title
    return _unwrap(tp), title


def _message(err: Any, model: Any, loc: Loc) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    inp = err.get("input")
    _, title = _walk(model, loc)
    what = f"«{title}»" if title else "giá trị"
    if kind == "missing":
        return f"thiếu {what} (bắt buộc phải có)"
    if kind == "extra_forbidden":
        parent, _ = _walk(model, loc[:-1])
        choices = (
            list(parent.model_fields) if isinstance(parent, type) and issubclass(parent, BaseModel) else []
        )
        close = difflib.get_close_matches(str(loc[-1]), choices, n=1)
        hint = (
            f"; có phải ý bạn là «{close[0]}»?"
            if close
            else (f"; các trường hợp lệ: {', '.join(choices)}" if choices else "")
        )
        return f"trường «{loc[-1]}» không được hỗ trợ{hint}"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", err["msg"])).removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        return f"{what} «{inp}» không đúng dạng quy định"
    if kind in ("string_too_short", "too_short"):
        return f"{what} quá ngắn hoặc bị bỏ trống"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{what} phải là số nguyên, không phải «{inp}»"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = ctx.get("ge", ctx.get("le", ctx.get("gt", ctx.get("lt"))))
        rel = {
            "greater_than_equal": "không nhỏ hơn",
            "less_than_equal": "không lớn hơn",
            "greater_than": "lớn hơn",
            "less_than": "nhỏ hơn",
        }[kind]
        return f"{what} phải {rel} {bound}, không phải {inp}"
    if kind == "enum":
        return f"{what} «{inp}» không hợp lệ; chỉ nhận: {ctx.get('expected', '')}"
    if kind in ("string_type",):
        return f"{what} phải là chữ, không phải «{inp}»"
    if kind in ("list_type",):
        return f"{what} phải là một danh sách (mỗi mục bắt đầu bằng «- »)"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"{what} phải gồm các trường con (dạng «tên: giá trị»)"
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing"):
        return f"{what} «{inp}» không phải là ngày hợp lệ (viết dạng ngày/tháng/năm)"
    if kind == "bool_type" or kind == "bool_parsing":
        return f"{what} phải là có (true) hoặc không (false)"
    return f"{what} không hợp lệ ({err['msg']})"


def _section_diagnostics(doc: SourceDoc, name: str, model: Any, exc: ValidationError) -> list[Diagnostic]:
    out = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        full = (name, *loc)
        out.append(
            Diagnostic(
                Severity.ERROR,
                _message(err, model, loc),
                file=str(doc.path),
                line=doc.line_of(full),
                field=field_path(full),
            )
        )
    return out


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
            result.diagnostics.extend(_section_diagnostics(doc, name, model, exc))
    if not result.errors:
        result.campaign = Campaign.model_validate({**result.sections, "source": Path(path)})
    return result


def load_campaign(path: Path) -> Campaign:
    """The validated campaign, or DiagnosticsError listing every structural error."""
    from letters.campaign.checks import cross_check

    result = load_sections(path)
    if result.source is not None:
        result.diagnostics.extend(cross_check(result))
    if result.errors or result.campaign is None:
        raise DiagnosticsError(result.diagnostics, str(path))
    return result.campaign

"""pydantic validation errors → located Vietnamese diagnostics, for every YAML file vanban reads.

The campaign file and the verification policy both go through `validation_diagnostics`: the same wording,
list positions counted from 1 (as a user counts the dashes in the file), the line of the value at fault,
and never pydantic's English text, whatever type failed.
"""

from __future__ import annotations

import difflib
import enum
import re
import types
import typing
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, BeforeValidator, ValidationError

from letters.core import vn
from letters.core.errors import Diagnostic, Severity

if TYPE_CHECKING:  # PyYAML loads only when a YAML file is read (`vanban verify` without a policy file)
    from letters.core.yamlsrc import Loc, SourceDoc

# --------------------------------------------------------------------------- date fields


def _to_date(value: Any) -> Any:
    """dd/mm/yyyy or ISO text, a YAML date, or blank (None); a date that does not exist is an error."""
    if value is None:
        return None
    if isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, bool | int | float):
        # YAML reads 20231105 or 5.11 as a number; name it as the user typed it, not as a type error.
        raise ValueError(
            f"«{_shown(value)}» không phải là ngày; hãy viết theo dạng ngày/tháng/năm, ví dụ 05/11/2024"
        )
    try:
        return vn.parse_date(value)
    except vn.DateFormatError as exc:
        raise ValueError(exc.message) from None


VnDate = Annotated[date, BeforeValidator(_to_date)]
"""A date as users write it (05/11/2024 or 2024-11-05): every model read from YAML uses this, not `date`."""
OptDate = Annotated[date | None, BeforeValidator(_to_date)]


# --------------------------------------------------------------------------- walking the model


def _unwrap(tp: Any) -> Any:
    """Strip Annotated and Optional wrappers to reach the model or container type."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


@dataclass
class _Place:
    """Where an error sits: the YAML path (pydantic's own markers removed) and what the model says of it."""

    loc: Loc
    tp: Any  # the type expected there, unwrapped; None when the path leaves the model
    title: str | None
    parent: Any  # the type holding the last part of the path
    in_key: bool  # the error is about a mapping's key, not its value


def _place(model: Any, raw: tuple[Any, ...]) -> _Place:
    loc: list[str | int] = []
    tp: Any = _unwrap(model)
    parent: Any = None
    title: str | None = None
    in_key = False
    for part in raw:
        if isinstance(part, str) and part.startswith("function-"):
            continue  # pydantic names the validator function here; the user never wrote it
        if part == "[key]":
            in_key = True
            continue
        origin = typing.get_origin(tp)
        if isinstance(part, str) and origin in (typing.Union, types.UnionType):
            # A union names the member it tried ("str", "list[str]"); follow it if it is one we can see.
            members = [_unwrap(a) for a in typing.get_args(tp) if a is not type(None)]
            named = [m for m in members if getattr(m, "__name__", repr(m)) == part or repr(m) == part]
            tp = named[0] if named else None
            continue
        loc.append(part)
        parent = tp
        if isinstance(part, int) and origin in (list, tuple, set, frozenset):
            args = typing.get_args(tp)
            tp = _unwrap(args[0]) if args else None
        elif origin is dict:
            args = typing.get_args(tp)
            tp = _unwrap(args[1]) if len(args) == 2 else None
        elif _is_model(tp) and part in tp.model_fields:
            info = tp.model_fields[str(part)]
            title = info.title
            tp = _unwrap(info.annotation)
        else:
            tp, title = None, None
    return _Place(tuple(loc), tp, title, parent, in_key)


# --------------------------------------------------------------------------- wording


def _shown(value: Any) -> str:
    """A value as the user typed it in YAML (true, not True)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _quoted(value: Any) -> str:
    """' «value»' for a scalar the user typed; nothing for a whole list or mapping (too long to repeat)."""
    if isinstance(value, str | int | float | bool | date):
        text = _shown(value)
        return f" «{text if len(text) <= 60 else text[:57] + '…'}»"
    return ""


def _choices(tp: Any, ctx: dict[str, Any]) -> str:
    """The values accepted, from the model's Enum or Literal when reachable, else from pydantic's context."""
    values: list[str] = []
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        values = [str(m.value) for m in tp]
    elif typing.get_origin(tp) is typing.Literal:
        values = [str(a) for a in typing.get_args(tp)]
    else:
        values = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
    return ", ".join(values)


_COMPARE = {
    "greater_than": ("gt", "lớn hơn"),
    "greater_than_equal": ("ge", "không nhỏ hơn"),
    "less_than": ("lt", "nhỏ hơn"),
    "less_than_equal": ("le", "không lớn hơn"),
}


def _number(value: Any) -> str:
    return vn.number(value) if isinstance(value, int | float) and not isinstance(value, bool) else str(value)


def explain(err: Any, place: _Place) -> str:
    """One pydantic error as a Vietnamese sentence (without the location, which the Diagnostic carries)."""
    kind: str = err["type"]
    ctx: dict[str, Any] = err.get("ctx") or {}
    inp = err.get("input")
    what = f"«{place.title}»" if place.title else "giá trị"
    if place.in_key:
        key = place.loc[-1] if place.loc else inp
        key_types = typing.get_args(place.parent)
        choices = _choices(_unwrap(key_types[0]) if key_types else None, ctx)
        return f"mục «{key}» không được hỗ trợ" + (f"; chỉ nhận: {choices}" if choices else "")
    if kind == "missing":
        return f"thiếu {what} (bắt buộc phải có)"
    if kind == "extra_forbidden":
        name = str(place.loc[-1]) if place.loc else str(inp)
        fields = list(place.parent.model_fields) if _is_model(place.parent) else []
        close = difflib.get_close_matches(name, fields, n=1)
        if close:
            hint = f"; có phải ý bạn là «{close[0]}»?"
        else:
            hint = f"; các trường hợp lệ: {', '.join(fields)}" if fields else ""
        return f"trường «{name}» không được hỗ trợ (viết sai tên?){hint}"
    if kind in ("value_error", "assertion_error"):
        text = str(ctx.get("error", ""))
        return text.removeprefix("Value error, ").removeprefix("Assertion failed, ") or f"{what} không hợp lệ"
    if inp is None and (kind.endswith("_type") or kind.endswith("_parsing")):
        # `name:` with nothing after it: YAML reads null, pydantic complains about the type.
        return f"{what} đang để trống (bắt buộc phải có giá trị)"
    if kind in ("enum", "literal_error"):
        choices = _choices(place.tp, ctx)
        return f"{what} không hợp lệ:{_quoted(inp)}" + (f"; chỉ nhận: {choices}" if choices else "")
    if kind in ("int_type", "int_parsing", "int_parsing_size", "int_from_float"):
        return f"{what} phải là số nguyên, không phải{_quoted(inp) or ' một danh sách hay nhóm trường'}"
    if kind in ("float_type", "float_parsing", "finite_number") or kind.startswith("decimal_"):
        return f"{what} phải là số, không phải{_quoted(inp) or ' một danh sách hay nhóm trường'}"
    if kind in _COMPARE:
        key, rel = _COMPARE[kind]
        return f"{what} phải {rel} {_number(ctx.get(key, ''))}, không phải {_number(inp)}"
    if kind == "multiple_of":
        return f"{what} phải là bội số của {_number(ctx.get('multiple_of', ''))}"
    if kind in ("bool_type", "bool_parsing"):
        return f"{what} phải là true hoặc false (có hoặc không), không phải{_quoted(inp) or ' danh sách'}"
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"{what}{_quoted(inp)} không phải là ngày hợp lệ; hãy viết theo dạng ngày/tháng/năm, ví dụ 05/11/2024"
    if kind in ("string_type", "string_unicode", "string_sub_type"):
        return f"{what} phải là chữ, không phải{_quoted(inp) or ' một danh sách hay nhóm trường'}"
    if kind == "string_pattern_mismatch":
        return f"{what}{_quoted(inp)} không đúng dạng quy định"
    if kind == "string_too_short":
        return f"{what} quá ngắn hoặc bị bỏ trống (cần ít nhất {ctx.get('min_length', 1)} ký tự)"
    if kind == "string_too_long":
        return f"{what} quá dài (nhiều nhất {ctx.get('max_length', '')} ký tự)"
    if kind == "too_short":
        need = ctx.get("min_length", 1)
        return f"{what} bị bỏ trống" if need == 1 else f"{what} cần ít nhất {need} mục"
    if kind == "too_long":
        return f"{what} có quá nhiều mục (nhiều nhất {ctx.get('max_length', '')})"
    if kind in ("list_type", "tuple_type", "set_type", "frozen_set_type", "iterable_type"):
        return f"{what} phải là một danh sách (mỗi mục một dòng bắt đầu bằng «- », hoặc [a, b])"
    if kind in ("dict_type", "model_type", "model_attributes_type", "dataclass_type", "mapping_type"):
        return f"{what} phải gồm các trường con (mỗi dòng dạng «tên: giá trị»)"
    if kind == "path_type":
        return f"{what} phải là đường dẫn tệp, không phải{_quoted(inp) or ' một danh sách hay nhóm trường'}"
    if kind == "none_required":
        return f"{what} phải để trống"
    return f"{what}{_quoted(inp)} không hợp lệ"


def validation_diagnostics(
    exc: ValidationError, doc: SourceDoc, model: Any, *, prefix: Loc = ()
) -> list[Diagnostic]:
    """Every error of `exc` (raised validating `model`, the part of `doc` at `prefix`) as a Diagnostic
    naming the file, the line and the field (list positions from 1), worded in Vietnamese."""
    from letters.core.yamlsrc import field_path

    out = []
    for err in exc.errors():
        place = _place(model, tuple(err["loc"]))
        full = (*prefix, *place.loc)
        out.append(
            Diagnostic(
                Severity.ERROR,
                explain(err, place),
                file=str(doc.path),
                line=doc.line_of(full),
                field=field_path(full) or None,
            )
        )
    return out


__all__ = ["OptDate", "VnDate", "explain", "validation_diagnostics"]

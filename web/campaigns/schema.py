"""The campaign file's shape as forms see it, read from the pydantic models (as the reference page is).

Nothing here names a campaign field: a field added to the model appears in the forms with its Vietnamese title,
description, choices and constraints, and a type this walker does not know is edited as a YAML fragment.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, BeforeValidator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from letters.usecases.documents import CampaignSchema, campaign_schema

Loc = tuple[str | int, ...]

# How a value is edited: one input (text, textarea, int, float, date, bool, choice), one line per item of a list
# of plain values (lines), a nested model inline (model), rows of a list of models (models), one page per key
# of a mapping keyed by a choice (mapping), key/value rows (pairs), or the value written as YAML (raw).
SCALAR_KINDS = frozenset({"text", "textarea", "int", "float", "date", "bool", "choice"})
# Long free text is edited in a text area; every other text in a one-line input.
TEXTAREA_NAMES = frozenset({"text", "evidence_rule", "note"})
# A list of models whose items have at most this many fields is edited inline, as a table, on its parent's page.
INLINE_LIST_FIELDS = 4


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    help: str
    kind: str
    required: bool
    choices: tuple[tuple[Any, str], ...] = ()
    model: type[BaseModel] | None = None  # models, model, mapping: the model of an item / the value
    item_kind: str = ""  # lines: how each line is read (text, date, int)
    keys: tuple[str, ...] = ()  # mapping: the allowed keys
    shorthand: str | None = None  # models: an item may be written as this field's value alone
    pattern: str = ""  # words for the pattern the value must follow, shown under the field
    default: Any = None

    @property
    def is_scalar(self) -> bool:
        return self.kind in SCALAR_KINDS

    @property
    def inline(self) -> bool:
        """Whether a list of models is edited on its parent's page rather than on a page of its own."""
        return (
            self.kind == "models"
            and self.model is not None
            and len(fields_of(self.model)) <= INLINE_LIST_FIELDS
            and all(f.is_scalar or f.kind == "lines" for f in fields_of(self.model))
        )


@dataclass(frozen=True)
class Node:
    """What sits at a path of the campaign file: the field that holds it and how it is edited."""

    loc: Loc
    spec: FieldSpec
    parents: tuple[FieldSpec, ...] = field(default_factory=tuple)


def schema() -> CampaignSchema:
    return campaign_schema()


def unwrap(tp: Any) -> tuple[Any, list[Any]]:
    """Strip Annotated and Optional; the bare type and the Annotated metadata met on the way."""
    metadata: list[Any] = []
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp, *extra = typing.get_args(tp)
            metadata.extend(extra)
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp, metadata
            tp = args[0]
        else:
            return tp, metadata


def _label(value: Any) -> str:
    raw = value.value if isinstance(value, Enum) else value
    words = schema().choice_labels.get(value) if isinstance(value, Enum) else None
    return f"{raw} ({words})" if words else str(raw)


def _scalar_kind(tp: Any) -> tuple[str, tuple[tuple[Any, str], ...]]:
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        values = typing.get_args(tp)
        return "choice", tuple((v, _label(v)) for v in values)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return "choice", tuple((v.value, _label(v)) for v in tp)
    if tp is bool:
        return "bool", ()
    if tp is int:
        return "int", ()
    if tp is float:
        return "float", ()
    if tp is date:
        return "date", ()
    if tp is str:
        return "text", ()
    return "", ()


def _shorthand(metadata: list[Any]) -> str | None:
    """The field an item may be written as alone ('- Sở Nội vụ' for {name: Sở Nội vụ}), found by asking the
    item's own before-validator what it makes of a bare text."""
    for meta in metadata:
        if isinstance(meta, BeforeValidator):
            try:
                made = meta.func("x")  # type: ignore[call-arg]
            except Exception:  # noqa: BLE001 - a validator that refuses text has no shorthand
                continue
            if isinstance(made, dict) and len(made) == 1 and next(iter(made.values())) == "x":
                return str(next(iter(made)))
    return None


def _pattern(info: FieldInfo) -> str:
    _, extra = unwrap(info.annotation)
    for meta in [*info.metadata, *extra]:
        pattern = getattr(meta, "pattern", None)
        if pattern:
            return schema().pattern_text.get(pattern, f"theo mẫu {pattern}")
    return ""


def _default(info: FieldInfo) -> Any:
    if info.is_required():
        return None
    value = info.get_default(call_default_factory=True, validated_data={})
    return None if value is PydanticUndefined else value


def spec_of(name: str, info: FieldInfo) -> FieldSpec:
    bare, metadata = unwrap(info.annotation)
    label = (info.title or name).strip()
    common = {
        "name": name,
        "label": label[:1].upper() + label[1:],
        "help": (info.description or "").strip(),
        "required": info.is_required(),
        "pattern": _pattern(info),
        "default": _default(info),
    }
    kind, choices = _scalar_kind(bare)
    if kind:
        if kind == "text" and name in TEXTAREA_NAMES:
            kind = "textarea"
        return FieldSpec(kind=kind, choices=choices, **common)
    origin = typing.get_origin(bare)
    if isinstance(bare, type) and issubclass(bare, BaseModel):
        return FieldSpec(kind="model", model=bare, **common)
    if origin is list:
        item, item_meta = unwrap(typing.get_args(bare)[0])
        if isinstance(item, type) and issubclass(item, BaseModel):
            return FieldSpec(kind="models", model=item, shorthand=_shorthand(item_meta), **common)
        item_kind, _ = _scalar_kind(item)
        if item_kind in ("text", "date", "int", "float"):
            return FieldSpec(kind="lines", item_kind=item_kind, **common)
    if origin is dict:
        key, value = (unwrap(a)[0] for a in typing.get_args(bare))
        if (
            isinstance(value, type)
            and issubclass(value, BaseModel)
            and isinstance(key, type)
            and issubclass(key, Enum)
        ):
            return FieldSpec(kind="mapping", model=value, keys=tuple(str(k.value) for k in key), **common)
        value_kind, _ = _scalar_kind(value)
        if key is str and value_kind == "text":
            return FieldSpec(kind="pairs", **common)
    return FieldSpec(kind="raw", **common)


@lru_cache(maxsize=64)
def fields_of(model: type[BaseModel]) -> tuple[FieldSpec, ...]:
    """The model's fields in file order, as forms edit them (fields kept out of the file are left out)."""
    return tuple(spec_of(name, info) for name, info in model.model_fields.items() if not info.exclude)


def sections() -> tuple[FieldSpec, ...]:
    """The top-level sections of the campaign file, in file order."""
    return fields_of(schema().model)


def resolve(loc: Loc) -> Node:
    """The field at `loc` (a section, a field of an item, an item of a list, a document of `documents`)."""
    if not loc or not isinstance(loc[0], str):
        raise KeyError(loc)
    specs = {s.name: s for s in sections()}
    spec = specs[loc[0]]
    parents: list[FieldSpec] = []
    for part in loc[1:]:
        parents.append(spec)
        if spec.kind == "models" and isinstance(part, int) and spec.model is not None:
            spec = FieldSpec(
                name=str(part),
                label=f"{spec.label} thứ {part + 1}",
                help="",
                kind="model",
                required=True,
                model=spec.model,
            )
        elif (
            spec.kind == "mapping" and isinstance(part, str) and part in spec.keys and spec.model is not None
        ):
            spec = FieldSpec(
                name=part,
                label=choice_label_of(spec, part),
                help="",
                kind="model",
                required=False,
                model=spec.model,
            )
        elif spec.kind == "model" and isinstance(part, str) and spec.model is not None:
            by_name = {f.name: f for f in fields_of(spec.model)}
            if part not in by_name:
                raise KeyError(loc)
            spec = by_name[part]
        else:
            raise KeyError(loc)
    return Node(tuple(loc), spec, tuple(parents))


def choice_label_of(spec: FieldSpec, key: str) -> str:
    """The words for a key of a mapping keyed by a choice ('cong_van' → 'Công văn hướng dẫn')."""
    for value, words in schema().choice_labels.items():
        if isinstance(value, Enum) and str(value.value) == key:
            return words
    return key


def is_required_section(name: str) -> bool:
    return name in schema().required_sections

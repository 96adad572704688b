"""Django forms generated from the campaign model, and the edits they make to the YAML tree.

A page edits one place of the file: a model (a section such as `issuer`, a document of `documents`) or a list of
models (`phases`, the units of a tier). Its fields come from `schema.fields_of`; a nested model is edited inline
(`campaign.accounts`), a short list of small models as an inline table (`results.bands`), anything larger on a
page of its own reached by a link. Forms are lenient: what the user typed is stored even when `vanban check` will
find it wrong, and the finding is then shown beside the field; only a YAML fragment that cannot be read is
refused, with the reason beside it. A save changes only the values whose input changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.forms.formsets import BaseFormSet, formset_factory
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from web.campaigns import yamledit as ye
from web.campaigns.schema import FieldSpec, Loc, fields_of, resolve

EMPTY_CHOICE = ("", "— để trống —")
# Rows one list may have (a tier's units: a province has a few hundred communes).
MAX_ROWS = 3000


@dataclass(frozen=True)
class Flat:
    """One input: a field of the page's model, or of a model nested in it (`accounts__staff`)."""

    key: str
    rel: Loc
    spec: FieldSpec
    chain: tuple[FieldSpec, ...] = ()  # the nested model fields on the way, outermost first


@dataclass(frozen=True)
class Sub:
    """A list or mapping inside the page's model: an inline table, or a link to its own page."""

    rel: Loc
    spec: FieldSpec
    inline: bool


def layout(model: Any, rel: Loc = (), chain: tuple[FieldSpec, ...] = ()) -> tuple[list[Flat], list[Sub]]:
    flats: list[Flat] = []
    subs: list[Sub] = []
    for spec in fields_of(model):
        here = (*rel, spec.name)
        if spec.kind == "model" and spec.model is not None:
            inner_flats, inner_subs = layout(spec.model, here, (*chain, spec))
            flats += inner_flats
            subs += inner_subs
        elif spec.kind == "models":
            subs.append(Sub(here, spec, inline=spec.inline and not chain))
        elif spec.kind == "mapping" or (spec.kind == "pairs" and spec.name == "wording"):
            subs.append(Sub(here, spec, inline=False))
        else:
            flats.append(Flat("__".join(str(p) for p in here), here, spec, chain))
    return flats, subs


# --------------------------------------------------------------------------- values shown and read back


def _norm(text: Any) -> str:
    return str(text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _lines(text: Any) -> list[str]:
    return [line.strip() for line in _norm(text).split("\n") if line.strip()]


def initial_of(spec: FieldSpec, value: Any) -> Any:
    if spec.kind == "bool":
        if value is None:
            return bool(spec.default)
        return value if isinstance(value, bool) else str(value).strip().lower() in ("true", "yes", "có", "1")
    if spec.kind == "lines":
        if isinstance(value, list):
            return "\n".join(ye.shown(v) for v in value)
        return ye.shown(value)
    if spec.kind in ("raw", "pairs"):
        return ye.dump_value(value) if value is not None else ""
    return ye.shown(value)


def _number(text: str) -> int | float | None:
    t = text.replace(" ", "")
    if re.fullmatch(r"[+-]?\d+", t):
        return int(t)
    if re.fullmatch(r"[+-]?\d+[.,]\d+", t):
        return float(t.replace(",", "."))
    return None


def stored(spec: FieldSpec, value: Any, old: Any) -> Any:
    """The form's value as it goes into the file; None when the key is to be left out."""
    if spec.kind == "bool":
        return None if bool(value) == bool(spec.default) and old is None else bool(value)
    if spec.kind == "lines":
        items: list[Any] = []
        for line in _lines(value):
            n = _number(line) if spec.item_kind in ("int", "float") else None
            items.append(n if n is not None else ye.text_value(line))
        return ye.new_list(items, old) if items else None
    if spec.kind in ("raw", "pairs"):
        return value if value not in (None, "") else None
    text = _norm(value) if spec.kind != "textarea" else str(value or "").replace("\r\n", "\n").strip()
    if not text:
        return None
    if spec.kind in ("int", "float"):
        n = _number(text)
        if n is not None and (spec.kind == "float" or isinstance(n, int)):
            return n
    if spec.kind == "choice":
        for choice, _ in spec.choices:
            if str(choice) == text:
                return choice if not isinstance(choice, str) else ye.text_value(choice, old)
    return ye.text_value(text, old)


def changed(spec: FieldSpec, initial: Any, value: Any) -> bool:
    if spec.kind == "bool":
        return bool(initial) != bool(value)
    if spec.kind == "lines":
        return _lines(initial) != _lines(value)
    return _norm(initial) != _norm(value)


class RawYamlField(forms.CharField):
    """A value this form does not know how to edit field by field, written as YAML."""

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if not text:
            return ""
        try:
            return ye.load_value(text)
        except ye.YamlTextError as exc:
            raise forms.ValidationError(f"Không đọc được: {exc.message}.") from None


def _widget_attrs(spec: FieldSpec) -> dict[str, str]:
    attrs: dict[str, str] = {}
    if spec.kind == "date":
        attrs.update(placeholder="ngày/tháng/năm, ví dụ 05/11/2026", inputmode="numeric")
    elif spec.kind in ("int", "float"):
        attrs["inputmode"] = "numeric" if spec.kind == "int" else "decimal"
    if spec.default not in (None, "", [], {}) and spec.kind in ("text", "int", "float"):
        attrs["placeholder"] = f"bỏ trống là {ye.shown(spec.default)}"
    return attrs


def form_field(spec: FieldSpec, initial: Any) -> forms.Field:
    common: dict[str, Any] = {"required": False, "label": spec.label}
    if spec.kind == "bool":
        return forms.BooleanField(**common)
    if spec.kind == "choice":
        empty = EMPTY_CHOICE
        if spec.default not in (None, ""):
            empty = ("", f"— để trống: {ye.shown(getattr(spec.default, 'value', spec.default))} —")
        choices: list[tuple[str, str]] = [empty, *((str(v), words) for v, words in spec.choices)]
        if initial and str(initial) not in {c for c, _ in choices}:
            choices.append((str(initial), f"{initial} (không hợp lệ)"))
        return forms.ChoiceField(choices=choices, **common)
    if spec.kind == "lines":
        rows = min(max(len(_lines(initial)) + 1, 2), 14)
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": rows, "class": "lines"}), strip=False, **common
        )
    if spec.kind in ("raw", "pairs"):
        return RawYamlField(widget=forms.Textarea(attrs={"rows": 5, "class": "code"}), strip=False, **common)
    if spec.kind == "textarea":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), strip=False, **common)
    return forms.CharField(widget=forms.TextInput(attrs=_widget_attrs(spec)), **common)


class NodeForm(forms.Form):
    """The inputs of one model (with the models nested in it)."""

    def __init__(self, *args: Any, flats: list[Flat], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.flats = flats
        for flat in flats:
            self.fields[flat.key] = form_field(flat.spec, self.initial.get(flat.key))

    def changes(self) -> dict[str, Any]:
        """The inputs whose value differs from what the page showed: only these are written."""
        out = {}
        for flat in self.flats:
            value = self.cleaned_data.get(flat.key)
            # A YAML fragment is compared as typed: reading and writing it again may space it differently.
            shown = self.data.get(self.add_prefix(flat.key)) if flat.spec.kind in ("raw", "pairs") else value
            if changed(flat.spec, self.initial.get(flat.key), shown):
                out[flat.key] = value
        return out


class RowForm(NodeForm):
    orig = forms.IntegerField(required=False, widget=forms.HiddenInput)


def initial_for(flats: list[Flat], values: Any) -> dict[str, Any]:
    return {f.key: initial_of(f.spec, ye.get(values, f.rel) if values is not None else None) for f in flats}


def _order_of(model: Any) -> list[str]:
    return [f.name for f in fields_of(model)]


def apply(mapping: CommentedMap, model: Any, flats: list[Flat], changes: dict[str, Any]) -> None:
    """Write the changed inputs into `mapping` (the model's place in the tree), creating nested models as needed
    and dropping those left empty."""
    by_key = {f.key: f for f in flats}
    for key, value in changes.items():
        flat = by_key[key]
        parent = mapping
        parent_model = model
        for spec in flat.chain:
            child = parent.get(spec.name)
            if not isinstance(child, CommentedMap):
                child = CommentedMap()
                ye.set_key(parent, spec.name, child, _order_of(parent_model))
            parent, parent_model = child, spec.model
        name = flat.rel[-1]
        assert isinstance(name, str)
        new = stored(flat.spec, value, parent.get(name))
        if new is None:
            ye.delete_key(parent, name)
        else:
            ye.set_key(parent, name, new, _order_of(parent_model))
        # A nested model emptied of its last value goes away with it.
        for depth in range(len(flat.chain), 0, -1):
            holder = ye.get(mapping, tuple(s.name for s in flat.chain[: depth - 1]))
            name = flat.chain[depth - 1].name
            if (
                isinstance(holder, CommentedMap)
                and isinstance(holder.get(name), CommentedMap)
                and not holder[name]
            ):
                del holder[name]


# --------------------------------------------------------------------------- lists of models


class BaseRows(BaseFormSet):
    def clean(self) -> None:
        super().clean()
        seen: set[int] = set()
        for form in self.forms:
            orig = form.cleaned_data.get("orig") if hasattr(form, "cleaned_data") else None
            if orig is not None:
                if orig in seen:
                    form.cleaned_data["orig"] = None  # a copied row is a new row
                seen.add(orig)


@dataclass
class ListEditor:
    """The rows of a list of models: edit, add, remove and reorder, each kept item keeping its comments.

    `items` is the list as read for showing (plain values); `result` applies the posted rows to the same list in
    the round-trip tree.
    """

    loc: Loc
    spec: FieldSpec
    items: Any
    data: Any = None
    prefix: str = "rows"
    flats: list[Flat] = field(init=False)
    subs: list[Sub] = field(init=False)
    formset: BaseFormSet = field(init=False)

    def __post_init__(self) -> None:
        assert self.spec.model is not None
        self.flats, self.subs = layout(self.spec.model)
        items = self.items if isinstance(self.items, list) else []
        initial = []
        for i, item in enumerate(items):
            values = self._as_map(item)
            initial.append({**initial_for(self.flats, values), "orig": i, "ORDER": i + 1})
        factory = formset_factory(
            RowForm,
            formset=BaseRows,
            extra=0,
            can_delete=True,
            can_order=True,
            max_num=MAX_ROWS,
            absolute_max=MAX_ROWS,
        )
        self.formset = factory(
            self.data, initial=initial, prefix=self.prefix, form_kwargs={"flats": self.flats}
        )

    def _as_map(self, item: Any) -> Any:
        if self.spec.shorthand and not isinstance(item, dict):
            return {self.spec.shorthand: item}
        return item

    def is_valid(self) -> bool:
        return bool(self.formset.is_valid())

    def result(self, seq: Any) -> tuple[bool, list[Any], list[int | None]]:
        """(whether anything changed, the new items, each new item's old position), `seq` being the list in the
        round-trip tree."""
        items = list(seq) if isinstance(seq, list) else []
        new: list[Any] = []
        origins: list[int | None] = []
        touched = False
        for form in self.formset.ordered_forms:
            orig = form.cleaned_data.get("orig")
            if orig is not None and not 0 <= orig < len(items):
                orig = None
            changes = form.changes()
            if orig is not None:
                item = items[orig]
                if changes:
                    touched = True
                    item = self._edited(item, changes)
                new.append(item)
                origins.append(orig)
            else:
                if not changes:
                    continue  # an added row left blank
                touched = True
                new.append(self._created(changes, items))
                origins.append(None)
        if origins != list(range(len(items))):
            touched = True
        return touched, new, origins

    def _edited(self, item: Any, changes: dict[str, Any]) -> Any:
        assert self.spec.model is not None
        if isinstance(item, CommentedMap):
            apply(item, self.spec.model, self.flats, changes)
            return item
        mapping = CommentedMap()
        if self.spec.shorthand:
            mapping[self.spec.shorthand] = item
        apply(mapping, self.spec.model, self.flats, changes)
        return self._compact(mapping, item)

    def _created(self, values: dict[str, Any], items: list[Any]) -> Any:
        assert self.spec.model is not None
        mapping = CommentedMap()
        apply(mapping, self.spec.model, self.flats, values)
        uses_shorthand = not items or any(not isinstance(i, dict) for i in items)
        return self._compact(mapping, None) if uses_shorthand else mapping

    def _compact(self, mapping: CommentedMap, old: Any) -> Any:
        """An item with only its shorthand field is written as that value alone ('- Sở Nội vụ')."""
        key = self.spec.shorthand
        if key and list(mapping) == [key]:
            return ye.text_value(str(mapping[key]), old if isinstance(old, str) else None)
        return mapping


def write_list(tree: CommentedMap, loc: Loc, editor: ListEditor) -> bool:
    """Apply a list editor's rows at `loc`; False when nothing changed."""
    touched, items, origins = editor.result(ye.get(tree, loc))
    if not touched:
        return False
    set_at(tree, loc, items, origins)
    return True


def set_at(tree: CommentedMap, loc: Loc, items: list[Any], origins: list[int | None]) -> None:
    parent = ensure_map(tree, loc[:-1])
    name = loc[-1]
    assert isinstance(name, str)
    old = parent.get(name)
    if not items:
        ye.delete_key(parent, name)
    elif isinstance(old, CommentedSeq):
        ye.replace_items(old, items, origins)
    else:
        ye.set_key(parent, name, ye.new_list(items), _keys_order(loc[:-1]))
    prune(tree, loc[:-1])


def _keys_order(loc: Loc) -> list[str]:
    """The order of keys at `loc`: the model's fields, or a mapping's keys (the document kinds)."""
    if not loc:
        from web.campaigns.schema import sections

        return [s.name for s in sections()]
    spec = resolve(loc).spec
    if spec.kind == "mapping":
        return list(spec.keys)
    return _order_of(spec.model) if spec.model is not None else []


def ensure_map(tree: CommentedMap, loc: Loc) -> CommentedMap:
    """The mapping at `loc`, created (in the file's order) when missing."""
    node = tree
    for n, part in enumerate(loc):
        if isinstance(part, int):
            node = node[part]
            continue
        child = node.get(part)
        if isinstance(child, list) and n + 1 < len(loc) and isinstance(loc[n + 1], int):
            node = child  # type: ignore[assignment]
            continue
        if not isinstance(child, CommentedMap):
            child = CommentedMap()
            ye.set_key(node, part, child, _keys_order(loc[:n]))
        node = child
    return node


def prune(tree: CommentedMap, loc: Loc) -> None:
    """Drop mappings left empty on the way to `loc` (a document whose last field was cleared stays, as `{}`)."""
    for n in range(len(loc), 0, -1):
        holder = ye.get(tree, loc[: n - 1])
        name = loc[n - 1]
        if isinstance(name, int) or not isinstance(holder, CommentedMap):
            return
        value = holder.get(name)
        if not (isinstance(value, CommentedMap) and not value):
            return
        if n >= 2 and resolve(loc[: n - 1]).spec.kind == "mapping":
            return
        del holder[name]


def row_count(value: Any) -> int:
    return len(value) if isinstance(value, (list, dict)) else 0

"""What an edit page shows and saves, for any place of the campaign file: the inputs, rows and links, each with
the check's findings beside it, and the edit the posted forms make to the YAML tree."""

from __future__ import annotations

import copy
import html
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from django import forms
from django.forms.widgets import Input
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from letters.core.errors import VanbanError
from letters.core.vn import parse_date
from letters.usecases.documents import PREVIEW_KINDS, WordingSection, wording_sections
from web.campaigns import editors as ed
from web.campaigns import yamledit as ye
from web.campaigns.diagnostics import Board, Finding
from web.campaigns.schema import (
    INLINE_LIST_FIELDS,
    FieldSpec,
    Loc,
    Node,
    choice_label_of,
    fields_of,
    resolve,
    sections,
)


def escape(value: Any) -> str:
    """HTML-escaped text, as django.utils.html.escape gives it, without its lazy-string wrapper (called some
    twenty thousand times for a tier of 250 units)."""
    return html.escape(str(value))


def loc_to_url(loc: Loc) -> str:
    """('tiers', 1, 'units') → 'tiers/2/units': positions count from 1 in addresses, as in messages."""
    return "/".join(str(p + 1) if isinstance(p, int) else p for p in loc)


def url_to_loc(path: str) -> Loc | None:
    loc: list[str | int] = []
    for part in path.strip("/").split("/"):
        if not part:
            return None
        if part.isdigit():
            if int(part) < 1:
                return None
            loc.append(int(part) - 1)
        else:
            loc.append(part)
    return tuple(loc)


def anchor_of(path: str) -> str:
    """The id of a field's block on its page ('phases[2].end' → 'f-phases-2-end'), for links to it."""
    return "f-" + re.sub(r"[^a-z0-9_]+", "-", path.lower()).strip("-") if path else ""


def edit_url(campaign_id: int, loc: Loc) -> str:
    return reverse("campaigns:edit", args=[campaign_id, loc_to_url(loc)])


def is_wording(node: Node) -> bool:
    return node.spec.name == "wording" and len(node.loc) == 3 and node.loc[0] == "documents"


def is_page(node: Node) -> bool:
    """Whether a place of the file has an edit page of its own (else it is edited on its parent's page)."""
    if len(node.loc) == 1:
        return True
    spec, parent = node.spec, node.parents[-1] if node.parents else None
    if is_wording(node):
        return True
    if spec.kind == "models":
        # A short list of small models is a table on its parent's page when that parent is a page itself (a
        # section, a document), not a row of a list or a model nested in another (`editors.layout` agrees).
        holder = resolve(node.loc[:-1])
        return not (spec.inline and holder.spec.kind == "model" and is_page(holder))
    if spec.kind == "mapping":
        return True
    return spec.kind == "model" and parent is not None and parent.kind == "mapping"


def page_of(loc: Loc | None) -> Loc | None:
    """The page on which a finding at `loc` is shown."""
    if not loc or not isinstance(loc[0], str) or loc[0] not in {s.name for s in sections()}:
        return None
    best: Loc = loc[:1]
    for n in range(2, len(loc) + 1):
        try:
            node = resolve(loc[:n])
        except KeyError:
            break
        if is_page(node):
            best = loc[:n]
    return best


# --------------------------------------------------------------------------- what the template shows


def widget_html(bf: forms.BoundField) -> SafeString:
    """An input as HTML, written here rather than through Django's widget templates: a tier of 250 units has
    1,500 inputs, and rendering each through a template would take most of the page's time."""
    field = bf.field
    widget = field.widget
    attrs: dict[str, Any] = dict(widget.attrs)
    if field.disabled:
        attrs["disabled"] = True
    value = bf.value()

    def attributes(extra: dict[str, Any]) -> str:
        parts = []
        for key, v in {**extra, **attrs}.items():
            if v is True:
                parts.append(f" {key}")
            elif v is not False and v is not None:
                parts.append(f' {key}="{escape(v)}"')
        return "".join(parts)

    base: dict[str, Any] = {"name": bf.html_name, "id": bf.auto_id or None}
    if isinstance(widget, forms.CheckboxInput):
        return mark_safe(
            f'<input type="checkbox"{attributes({**base, "checked": widget.check_test(value)})}>'
        )
    if isinstance(widget, forms.Select) and not widget.allow_multiple_selected:
        current = "" if value is None else str(value)
        options = "".join(
            f'<option value="{escape(v)}"{" selected" if str(v) == current else ""}>{escape(label)}</option>'
            for v, label in widget.choices
        )
        return mark_safe(f"<select{attributes(base)}>{options}</select>")
    if isinstance(widget, forms.Textarea):
        return mark_safe(f"<textarea{attributes(base)}>\n{escape('' if value is None else value)}</textarea>")
    if isinstance(widget, Input) and not isinstance(widget, forms.FileInput):
        shown = widget.format_value(value)
        return mark_safe(f'<input type="{widget.input_type}"{attributes({**base, "value": shown})}>')
    return SafeString(bf.as_widget())


@dataclass
class FieldView:
    bf: forms.BoundField
    spec: FieldSpec
    loc: Loc
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]

    @property
    def help(self) -> str:
        parts = [self.spec.help]
        if self.spec.pattern:
            parts.append(f"Viết: {self.spec.pattern}.")
        if self.spec.kind == "lines":
            parts.append("Mỗi mục một dòng.")
        sentences = [p[:1].upper() + p[1:] for p in parts if p]
        return " ".join(t if t.endswith((".", ":", ")", "»")) else t + "." for t in sentences).replace(
            "`", ""
        )

    @cached_property
    def path(self) -> str:
        """The field's path as messages name it ('phases[2].end'); '' for an added row."""
        return "" if any(isinstance(p, int) and p < 0 for p in self.loc) else ed_path(self.loc, ())

    @property
    def anchor(self) -> str:
        return anchor_of(self.path)

    @property
    def html(self) -> SafeString:
        return widget_html(self.bf)

    @property
    def wide(self) -> bool:
        return self.spec.kind in ("textarea", "lines", "raw", "pairs")


@dataclass
class LinkView:
    label: str
    url: str
    count: int
    loc: Loc
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.is_error)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if not f.is_error)


@dataclass
class RowView:
    form: Any  # the formset's form, or a `_LiteForm` when nothing was posted
    fields: list[FieldView]
    links: list[LinkView]
    loc: Loc | None
    title: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def path(self) -> str:
        return ed_path(self.loc, ()) if self.loc is not None else ""

    @property
    def orig_html(self) -> SafeString:
        return widget_html(self.form["orig"])

    @property
    def order_html(self) -> SafeString:
        return widget_html(self.form["ORDER"])

    @property
    def delete_html(self) -> SafeString:
        return widget_html(self.form["DELETE"])


@dataclass
class TableView:
    """A list of models as rows (a formset)."""

    prefix: str
    label: str
    help: str
    editor: ed.ListEditor
    rows: list[RowView]
    empty: RowView
    loc: Loc
    compact: bool  # few fields: one row per line, as a table
    findings: list[Finding] = field(default_factory=list)
    html: SafeString = SafeString("")  # the rows of a compact table, once the page knows who looks at it

    @property
    def management(self) -> Any:
        return self.editor.formset.management_form

    @property
    def columns(self) -> list[FieldSpec]:
        return [f.spec for f in self.empty.fields]

    def compact_rows(self, can_edit: bool) -> SafeString:
        """The rows of a compact table as HTML, written here for the same reason as `widget_html`: a list of a few
        hundred units is thousands of template lookups otherwise. The template `_table.html` has the same markup
        for the row an «add» button inserts."""
        return mark_safe("".join(_compact_row(row, can_edit) for row in self.rows))


def findings_html(items: list[Finding]) -> str:
    if not items:
        return ""
    out = []
    for d in items:
        where = f' <span class="where">({escape(d.where)})</span>' if d.where else ""
        role = ' role="alert"' if d.is_error else ""
        out.append(
            f'<li class="finding {escape(d.severity)}"{role}><strong>{d.label}:</strong> {escape(d.message)}{where}</li>'
        )
    return '<ul class="findings">' + "".join(out) + "</ul>"


def _compact_row(row: RowView, can_edit: bool) -> str:
    cells = []
    for f in row.fields:
        state = " has-error" if f.errors or f.bf.errors else " has-warning" if f.warnings else ""
        anchor = f' id="{f.anchor}"' if f.anchor else ""
        path = f' data-path="{escape(f.path)}"' if f.path else ""
        errors = "".join(f'<div class="error">{escape(e)}</div>' for e in f.bf.errors)
        cells.append(
            f'<td><div{anchor} class="field{state}" data-field="{f.bf.html_name}"{path}>'
            f'<label for="{f.bf.auto_id}">{escape(f.spec.label)}</label>{f.html}{errors}{findings_html(f.findings)}'
            "</div></td>"
        )
    if can_edit:
        controls = (
            f'<div class="row-controls">{row.orig_html}<label class="order" title="Thứ tự">{row.order_html}</label>'
            '<button type="button" class="small" data-move="up" title="Chuyển lên" aria-label="Chuyển lên">↑</button>'
            '<button type="button" class="small" data-move="down" title="Chuyển xuống" aria-label="Chuyển xuống">'
            f'↓</button><label class="check delete">{row.delete_html} Xoá</label></div>'
        )
    else:
        controls = f"{row.orig_html}{row.form['ORDER'].as_hidden()}"
    path = f' data-path="{escape(row.path)}"' if row.path else ""
    return f"<tr data-row{path}>{''.join(cells)}<td>{controls}{findings_html(row.findings)}</td></tr>"


def _field_views(form: ed.NodeForm, base: Loc, board: Board) -> list[FieldView]:
    views = []
    for flat in form.flats:
        loc = board.anchor((*base, *flat.rel))
        views.append(FieldView(form[flat.key], flat.spec, loc))
    return views


def _row_title(item: Any, index: int, spec: FieldSpec) -> str:
    values = {spec.shorthand: item} if spec.shorthand and not isinstance(item, dict) else item
    if isinstance(values, dict):
        for key in ("name", "title", "id", "number"):
            if values.get(key):
                return f"{index + 1}. {ye.shown(values[key])}"
    return f"{index + 1}."


class _LiteBound:
    """What writing one input of a row needs (`widget_html`, `_compact_row`) when nothing was posted: the
    formset's name and id for it and its initial value, without the form and bound field Django would make."""

    __slots__ = ("_value", "auto_id", "field", "html_name", "name")
    errors: tuple[str, ...] = ()

    def __init__(self, field: forms.Field, name: str, html_name: str, value: Any) -> None:
        self.field, self.name, self.html_name, self.auto_id = field, name, html_name, f"id_{html_name}"
        self._value = value

    def value(self) -> Any:
        return self.field.prepare_value(self._value)

    def _attrs(self) -> dict[str, Any]:
        # As BoundField.build_widget_attrs: the rows' fields are never required and have no help text.
        return {**({"disabled": True} if self.field.disabled else {}), "id": self.auto_id}

    def as_widget(self) -> SafeString:
        return SafeString(self.field.widget.render(self.html_name, self.value(), attrs=self._attrs()))

    def as_hidden(self) -> SafeString:
        return SafeString(forms.HiddenInput().render(self.html_name, self.value(), attrs=self._attrs()))


class _LiteForm:
    """An unbound row of a list editor as its page shows it: the same names, ids and values as the formset's form
    at `index`, its fields shared with the other rows. A tier of 250 units is 250 forms of six fields otherwise, and
    making them (and collecting them afterwards) was most of the page's time."""

    def __init__(
        self,
        prefix: str,
        index: int,
        flats: list[ed.Flat],
        fields: dict[str, forms.Field],
        initial: dict[str, Any],
    ) -> None:
        self.prefix, self.index, self.flats, self.fields, self.initial = prefix, index, flats, fields, initial

    def __getitem__(self, key: str) -> _LiteBound:
        field = self.fields[key]
        value = self.initial.get(key, field.initial)
        return _LiteBound(
            field, key, f"{self.prefix}-{self.index}-{key}", value() if callable(value) else value
        )


def _lite_forms(editor: ed.ListEditor) -> list[_LiteForm]:
    """The formset's rows for showing, as `_LiteForm`s; fields whose shape depends on the row's value (a choice
    outside its list, a text area sized to its lines) are made per row, as the formset would."""
    formset = editor.formset
    ordering = formset.get_ordering_widget()
    shared: dict[str, forms.Field] = {
        "orig": copy.deepcopy(ed.RowForm.base_fields["orig"]),  # a page may disable it: never the class's own
        "ORDER": forms.IntegerField(label="Order", required=False, widget=ordering),
        "DELETE": forms.BooleanField(label="Delete", required=False),
    }
    per_row = {f.key for f in editor.flats if f.spec.kind in ("choice", "lines")}
    for flat in editor.flats:
        if flat.key not in per_row:
            shared[flat.key] = ed.form_field(flat.spec, None)
    rows = []
    for index, initial in enumerate(formset.initial or []):
        fields = dict(shared)
        for flat in editor.flats:
            if flat.key in per_row:
                fields[flat.key] = ed.form_field(flat.spec, initial.get(flat.key))
        rows.append(_LiteForm(formset.prefix, index, editor.flats, fields, initial))
    return rows


def _table(
    campaign_id: int, loc: Loc, spec: FieldSpec, items: Any, data: Any, prefix: str, board: Board
) -> TableView:
    editor = ed.ListEditor(loc, spec, items, data, prefix)
    board.anchor(loc)
    rows = []
    existing = items if isinstance(items, list) else []
    compact = len(editor.flats) <= INLINE_LIST_FIELDS and not editor.subs
    # Nothing posted: a compact table's rows are only written out, so they need no forms.
    row_forms: list[Any] = _lite_forms(editor) if data is None and compact else list(editor.formset.forms)
    for form in row_forms:
        orig = form.initial.get("orig")
        row_loc = board.anchor((*loc, orig)) if isinstance(orig, int) else None
        base = row_loc if row_loc is not None else (*loc, -1)
        fields = (
            _field_views(form, base, board)
            if row_loc is not None
            else [FieldView(form[f.key], f.spec, (*loc, -1, *f.rel)) for f in form.flats]
        )
        links = []
        if row_loc is not None:
            value = existing[orig]
            for sub in editor.subs:
                sub_loc = board.anchor((*row_loc, *sub.rel))
                links.append(
                    LinkView(
                        sub.spec.label,
                        edit_url(campaign_id, sub_loc),
                        ed.row_count(ye.get(value, sub.rel)),
                        sub_loc,
                    )
                )
        title = _row_title(existing[orig], orig, spec) if row_loc is not None else "Dòng mới"
        rows.append(RowView(form, fields, links, row_loc, title))
    empty_form = editor.formset.empty_form
    empty = RowView(
        empty_form, [FieldView(empty_form[f.key], f.spec, ()) for f in empty_form.flats], [], None, "Dòng mới"
    )
    return TableView(prefix, spec.label, spec.help, editor, rows, empty, loc, compact)


def _fill(board: Board, fields: list[FieldView], links: list[LinkView], tables: list[TableView]) -> None:
    for f in fields:
        f.findings = board.at(f.loc)
    for link in links:
        link.findings = board.within(link.loc)
    for t in tables:
        t.findings = board.at(t.loc)
        for row in t.rows:
            if row.loc is not None:
                row.findings = board.at(row.loc)
            for f in row.fields:
                f.findings = board.at(f.loc) if row.loc is not None else []
            for link in row.links:
                link.findings = board.within(link.loc)


# --------------------------------------------------------------------------- pages


@dataclass
class Page:
    """An edit page: `kind` picks the template part (model, list, mapping, wording)."""

    kind: str
    node: Node
    board: Board
    form: ed.NodeForm | None = None
    fields: list[FieldView] = field(default_factory=list)
    tables: list[TableView] = field(default_factory=list)
    links: list[LinkView] = field(default_factory=list)
    keys: list[dict[str, Any]] = field(default_factory=list)
    wording: list[dict[str, Any]] = field(default_factory=list)
    wording_form: forms.Form | None = None
    timeline: dict[str, Any] | None = None
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)

    @property
    def loc(self) -> Loc:
        return self.node.loc

    @property
    def groups(self) -> list[dict[str, Any]]:
        """The page's inputs, those of each nested model together under its title (`campaign.accounts`)."""
        out: list[dict[str, Any]] = []
        flats = {f.key: f for f in self.form.flats} if self.form is not None else {}
        for view in self.fields:
            chain = flats[view.bf.name].chain if view.bf.name in flats else ()
            title = " › ".join(s.label for s in chain)
            if not out or out[-1]["title"] != title:
                out.append({"title": title, "fields": []})
            out[-1]["fields"].append(view)
        return out

    def is_valid(self) -> bool:
        ok = True
        if self.form is not None:
            ok = self.form.is_valid() and ok
        if self.wording_form is not None:
            ok = self.wording_form.is_valid() and ok
        for t in self.tables:
            ok = t.editor.is_valid() and ok
        return ok

    def all_forms(self) -> list[forms.Form]:
        out: list[forms.Form] = []
        if self.form is not None:
            out.append(self.form)
        if self.wording_form is not None:
            out.append(self.wording_form)
        for t in self.tables:
            out += [
                row.form for row in t.rows
            ]  # a compact table's rows share their fields when nothing was posted
        return out

    def apply(self, tree: CommentedMap) -> bool:
        """Make the posted edit in `tree`; False when the forms changed nothing."""
        if self.kind == "wording":
            return self._apply_wording(tree)
        touched = False
        if self.form is not None:
            changes = self.form.changes()
            if changes:
                model = self.node.spec.model
                values = ye.get(tree, self.loc)
                for flat in self.form.flats:
                    if flat.key in changes:
                        where = ed_path(self.loc, flat.rel)
                        self.before[where] = ye.shown(ye.get(values, flat.rel)) if values is not None else ""
                        self.after[where] = _summary_value(changes[flat.key])
                mapping = ed.ensure_map(tree, self.loc)
                ed.apply(mapping, model, self.form.flats, changes)
                touched = True
        for t in self.tables:
            if ed.write_list(tree, t.loc, t.editor):
                where = ed_path(t.loc, ())
                self.before[where] = f"{ed.row_count(t.editor.items)} mục"
                self.after[where] = f"{ed.row_count(ye.get(tree, t.loc))} mục"
                touched = True
        if touched and len(self.loc) > 0:
            ed.prune(tree, self.loc)
        return touched

    def _apply_wording(self, tree: CommentedMap) -> bool:
        assert self.wording_form is not None
        doc_loc = self.loc[:2]
        touched = False
        for row in self.wording:
            key = row["key"]
            new = str(self.wording_form.cleaned_data.get(key) or "").replace("\r\n", "\n").strip()
            if new == row["text"].strip():
                continue
            touched = True
            self.before[f"{ed_path(doc_loc, ())}.{key}"] = row["text"]
            self.after[f"{ed_path(doc_loc, ())}.{key}"] = new
            doc = ed.ensure_map(tree, doc_loc)
            _set_wording(doc, key, new, row)
        if touched:
            ed.prune(tree, doc_loc)
        return touched


def ed_path(loc: Loc, rel: Loc) -> str:
    from letters.core.yamlsrc import field_path

    return field_path((*loc, *rel))


def _summary_value(value: Any) -> Any:
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    return ye.shown(value)


def build_page(
    campaign_id: int, node: Node, tree: dict[str, Any], data: Any, findings: list[Finding]
) -> Page:
    """The page for `node`; `tree` is the file as read for showing (`yamledit.read`), `data` the posted form."""
    loc = node.loc
    if is_wording(node):
        return _wording_page(node, tree, data, findings)
    board = Board(findings, loc)
    spec = node.spec
    if spec.kind == "models":
        table = _table(campaign_id, loc, spec, ye.get(tree, loc), data, str(loc[-1]), board)
        page = Page("list", node, board, tables=[table])
        if loc in (("phases",), ("deadlines",)):
            page.timeline = timeline(tree, findings)
        _fill(board, [], [], page.tables)
        return page
    if spec.kind == "mapping":
        page = Page("mapping", node, board)
        values = ye.get(tree, loc)
        for key in spec.keys:
            key_loc = board.anchor((*loc, key))
            present = isinstance(values, dict) and key in values
            page.keys.append(
                {
                    "key": key,
                    "label": choice_label_of(spec, key),
                    "present": present,
                    "url": edit_url(campaign_id, key_loc),
                    "loc": key_loc,
                }
            )
        for row in page.keys:
            row["findings"] = board.within(row["loc"])
            row["errors"] = sum(1 for f in row["findings"] if f.is_error)
            row["warnings"] = len(row["findings"]) - row["errors"]
        return page
    if spec.kind != "model" or spec.model is None:
        raise KeyError(loc)
    values = ye.get(tree, loc)
    flats, subs = ed.layout(spec.model)
    form = ed.NodeForm(data, flats=flats, initial=ed.initial_for(flats, values))
    page = Page("model", node, board, form=form, fields=_field_views(form, loc, board))
    for sub in subs:
        sub_loc = board.anchor((*loc, *sub.rel))
        if sub.inline:
            prefix = "__".join(str(p) for p in sub.rel)
            page.tables.append(
                _table(campaign_id, sub_loc, sub.spec, ye.get(values, sub.rel), data, prefix, board)
            )
        else:
            label = sub.spec.label if sub.spec.name != "wording" else "Lời văn từng đoạn (có xem trước)"
            page.links.append(
                LinkView(
                    label, edit_url(campaign_id, sub_loc), ed.row_count(ye.get(values, sub.rel)), sub_loc
                )
            )
    _fill(board, page.fields, page.links, page.tables)
    return page


# --------------------------------------------------------------------------- the wording of a document


def _wording_page(node: Node, tree: dict[str, Any], data: Any, findings: list[Finding]) -> Page:
    kind = str(node.loc[1])
    doc_loc = node.loc[:2]
    board = Board(findings, doc_loc)
    found = ye.get(tree, doc_loc)
    doc: dict[str, Any] = found if isinstance(found, dict) else {}
    own: dict[str, Any] = doc["wording"] if isinstance(doc.get("wording"), dict) else {}
    changes: list[Any] = doc["sections"] if isinstance(doc.get("sections"), list) else []
    library: list[WordingSection] = wording_sections(kind)
    keys = [s.key for s in library]
    rows: list[dict[str, Any]] = []
    by_id: dict[str, tuple[int, Any]] = {}
    for i, change in enumerate(changes):
        if isinstance(change, dict) and isinstance(change.get("id"), str):
            by_id.setdefault(change["id"], (i, change))
    for section in library:
        rows.append(_wording_row(section.key, section, own, by_id, doc_loc, board))
    for cid in by_id:
        if cid not in keys:
            rows.append(_wording_row(cid, None, own, by_id, doc_loc, board))
    # Every other field of the document has its own page: findings there are not this page's.
    doc_model = resolve(doc_loc).spec.model
    assert doc_model is not None
    for spec in fields_of(doc_model):
        if spec.name not in ("wording", "sections"):
            board.anchor((*doc_loc, spec.name))
    for row in rows:
        row["findings"] = [f for loc in row["anchors"] for f in board.at(loc)]
    form = forms.Form(data, initial={r["key"]: r["text"] for r in rows})
    for r in rows:
        form.fields[r["key"]] = forms.CharField(
            required=False,
            label=r["label"],
            strip=False,
            widget=forms.Textarea(attrs={"rows": max(3, min(12, r["text"].count("\n") + 3))}),
        )
        r["bf"] = form[r["key"]]
        r["html"] = widget_html(r["bf"])
    page = Page("wording", node, board, wording=rows, wording_form=form)
    page.timeline = {"previewable": kind in PREVIEW_KINDS}
    return page


def _wording_row(
    key: str,
    section: WordingSection | None,
    own: dict[str, Any],
    by_id: dict[str, tuple[int, Any]],
    doc_loc: Loc,
    board: Board,
) -> dict[str, Any]:
    anchors: list[Loc] = [board.anchor((*doc_loc, "wording", key))]
    text, where, note = "", "", ""
    entry = by_id.get(key)
    if key in own:
        text = ye.shown(own[key])
        where = "wording"
        if not text:
            note = "Đoạn này đang bị bỏ (lời văn để trống trong mục wording)."
    if entry is not None:
        i, change = entry
        anchors += [board.anchor((*doc_loc, "sections", i)), board.anchor((*doc_loc, "sections", i, "text"))]
        if not where and change.get("text") is not None:
            text, where = ye.shown(change.get("text")), "sections"
        if change.get("hide"):
            note = "Đoạn này đang bị bỏ (hide) trong «Các đoạn của văn bản»."
        elif change.get("use"):
            note = f"Đang dùng mẫu câu «{change.get('use')}»."
    label = section.title if section is not None and section.title else key
    return {
        "key": key,
        "label": label,
        "section": section,
        "variants": section.variants if section is not None else (),
        "text": text,
        "where": where,
        "note": note,
        "anchors": anchors,
        "added": section is None,
    }


def _set_wording(doc: CommentedMap, key: str, text: str, row: dict[str, Any]) -> None:
    """Write a section's own wording where it already is (`wording` or `sections[].text`), else as a new item of
    `sections`; an emptied text gives the section back its standard wording."""
    if row["where"] == "wording":
        own = doc["wording"]
        if text:
            own[key] = ye.text_value(text, own.get(key))
        else:
            del own[key]
            if not own:
                del doc["wording"]
        return
    changes = doc.get("sections")
    entry = (
        next((c for c in changes if isinstance(c, CommentedMap) and c.get("id") == key), None)
        if isinstance(changes, list)
        else None
    )
    if entry is not None:
        if text:
            ye.set_key(
                entry, "text", ye.text_value(text, entry.get("text")), [f.name for f in _section_fields()]
            )
            ye.delete_key(entry, "use")
        else:
            ye.delete_key(entry, "text")
            if list(entry) == ["id"]:
                changes.remove(entry)
                if not changes:
                    del doc["sections"]
        return
    if not text:
        return
    item = CommentedMap()
    item["id"] = key
    item["text"] = ye.text_value(text)
    if isinstance(changes, CommentedSeq):
        changes.append(item)
    else:
        ye.set_key(
            doc,
            "sections",
            ye.new_list([item]),
            [f.name for f in fields_of(resolve(("documents", "ke_hoach")).spec.model)],
        )


def _section_fields() -> tuple[FieldSpec, ...]:
    spec = resolve(("documents", "ke_hoach", "sections")).spec
    assert spec.model is not None
    return fields_of(spec.model)


# --------------------------------------------------------------------------- the timeline of phases and deadlines


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    try:
        return parse_date(value)
    except (VanbanError, ValueError, TypeError):
        return None


def _month(value: Any) -> tuple[date, date] | None:
    text = ye.shown(value).strip()
    try:
        month, year = (int(p) for p in text.split("/"))
        first = date(year, month, 1)
    except ValueError:
        return None
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def timeline(tree: dict[str, Any], findings: list[Finding]) -> dict[str, Any] | None:
    """Phases as bars and deadlines as marks on one axis, read leniently from the file as it is now."""
    bars: list[dict[str, Any]] = []
    phases = tree.get("phases") if isinstance(tree.get("phases"), list) else []
    for i, phase in enumerate(phases):
        if not isinstance(phase, dict):
            continue
        span = _month(phase["month"]) if phase.get("month") else None
        start, end = span if span else (_date(phase.get("start")), _date(phase.get("end")))
        if end is None:
            continue
        bars.append(
            {
                "kind": "phase",
                "index": i,
                "name": ye.shown(phase.get("name") or phase.get("id")),
                "start": start or end,
                "end": end,
                "loc": ("phases", i),
            }
        )
    deadlines = tree.get("deadlines") if isinstance(tree.get("deadlines"), list) else []
    for i, deadline in enumerate(deadlines):
        if not isinstance(deadline, dict):
            continue
        day = _date(deadline.get("date"))
        if day is None:
            continue
        name = ye.shown(deadline.get("what") or deadline.get("id"))
        bars.append(
            {
                "kind": "deadline",
                "index": i,
                "name": f"Hạn nộp: {name}",
                "start": day,
                "end": day,
                "loc": ("deadlines", i),
            }
        )
    if not bars:
        return None
    first: date = min(b["start"] for b in bars)
    last: date = max(b["end"] for b in bars)
    days = (last - first).days + 1
    for b in bars:
        b["left"] = round((b["start"] - first).days / days * 100, 2)
        b["width"] = max(round(((b["end"] - b["start"]).days + 1) / days * 100, 2), 0.8)
        found = [f for f in findings if f.loc is not None and f.loc[:2] == b["loc"]]
        b["state"] = "bad" if any(f.is_error for f in found) else "warn" if found else "ok"
        b["dates"] = (
            b["start"].strftime("%d/%m/%Y")
            if b["start"] == b["end"]
            else (f"{b['start'].strftime('%d/%m/%Y')} – {b['end'].strftime('%d/%m/%Y')}")
        )
    ticks = []
    month = date(first.year, first.month, 1)
    while month <= last:
        if month >= first:
            ticks.append(
                {"left": round((month - first).days / days * 100, 2), "label": month.strftime("%m/%Y")}
            )
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return {
        "bars": bars,
        "ticks": ticks,
        "first": first.strftime("%d/%m/%Y"),
        "last": last.strftime("%d/%m/%Y"),
    }

"""Document wording: a clause library per document, chosen from the campaign's facts, changed section by section.

A wording file (wording/<kind>.md) is a sequence of sections in document order. Each opens with a line

    @@ key [in group] [| heading title]

and holds one or more named variants, the standard ways real letters word that part:

    %% name [hides other_key, …] [when <Jinja expression>]

A section without `%%` lines has one variant, `mac_dinh`. The default variant is the first whose `when` holds
on the campaign (a variant without `when` always holds); none holding leaves the section out. A variant that
`hides` a section takes its place (a combined opening sentence hides the separate căn cứ lines). Sections `in`
a group follow it: hiding or rewriting the group's own section does the same to them. A title is the section's
heading when the document is divided into headed parts (`documents.<kind>.headings`).

Each variant is Jinja text over the campaign views (letters.campaign.views) that renders to markup
(letters.documents.markup). A campaign file chooses a variant by name, hides, moves or adds sections
(`documents.<kind>.sections`), or rewrites a section (`sections[].text`, or the older `wording` mapping); its
own text may use the same variables, so a user's sentence still states computed dates. Headings are numbered
once the body is assembled (I., 1., a)), whatever was hidden, moved or added.

Lists count from 1 in wording, as in every message: `contacts[1]` is the first contact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from letters.campaign.model import SectionSpec
from letters.campaign.views import Markup, join_vi, lower_first, upper_first
from letters.core import vn as cal
from letters.core.errors import VanbanError
from letters.core.yamlsrc import Loc, SourceDoc, field_path, load_yaml
from letters.documents import jinja_messages, markup

WORDING_DIR = Path(__file__).resolve().parent / "wording"
_SECTION = re.compile(
    r"^@@[ \t]*([a-z0-9_]+)(?:[ \t]+in[ \t]+([a-z0-9_]+))?(?:[ \t]*\|[ \t]*(.*?))?[ \t]*$", re.M
)
_VARIANT = re.compile(
    r"^%%[ \t]*([a-z0-9_]+)(?:[ \t]+hides[ \t]+([a-z0-9_, \t]+?))?(?:[ \t]+when[ \t]+(.+?))?[ \t]*$", re.M
)
DEFAULT_VARIANT = "mac_dinh"
_COMMENT = re.compile(r"\{#.*?#\}", re.S)
LEVEL_OF_HEADINGS = {"I.": 1, "1.": 2}


class WordingError(VanbanError, ValueError):
    """A mistake in a section's wording, naming the section; `loc` is where its text sits in the campaign
    file (None for the library's own text), `template_line` the line within that text when known, `snippet`
    the words to look for in the file."""

    def __init__(
        self,
        key: str,
        message: str,
        *,
        override: bool,
        loc: Loc | None = None,
        template_line: int | None = None,
        snippet: str | None = None,
        hint: str | None = None,
        subject: str | None = None,
    ) -> None:
        where = "lời văn riêng" if override else "lời văn mặc định"
        super().__init__(f"{subject or f'đoạn «{key}» ({where})'}: {message}", hint=hint)
        self.key = key
        self.override = override
        self.loc = loc
        self.template_line = template_line
        self.snippet = snippet


class ListIndexError(Exception):
    """`contacts[0]` in wording: lists count from 1 there, as they do in every message."""

    def __init__(self, index: int, length: int) -> None:
        super().__init__(index, length)
        self.index = index
        self.length = length

    def text(self) -> str:
        if self.index == 0:
            return "danh sách trong lời văn đếm từ 1: mục đầu tiên là [1], không phải [0]"
        return f"vị trí [{self.index}] vượt quá số mục của danh sách (có {self.length} mục, đếm từ 1)"


def _description(text: str) -> str:
    """The `{# … #}` comment a section or variant opens with: what it says, for docs/clauses.md."""
    m = re.match(r"\s*\{#(.*?)#\}", text, re.S)
    return " ".join(m.group(1).split()) if m else ""


@dataclass(frozen=True)
class Variant:
    name: str
    text: str
    when: str | None = None
    hides: tuple[str, ...] = ()

    @property
    def description(self) -> str:
        return _description(self.text)


@dataclass(frozen=True)
class Section:
    key: str
    text: str  # the first variant's text
    variants: tuple[Variant, ...] = ()
    group: str | None = None
    title: str | None = None
    description: str = ""

    def variant(self, name: str) -> Variant | None:
        return next((v for v in self.variants if v.name == name), None)

    @property
    def variant_names(self) -> list[str]:
        return [v.name for v in self.variants]


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup):
        return str(value)
    if isinstance(value, str):
        return markup.escape(value)
    if value is None:
        return ""
    return value


class _WordingEnvironment(SandboxedEnvironment):
    def getitem(self, obj: Any, argument: Any) -> Any:
        # Positions count from 1 in wording; negative positions keep their meaning (-1 is the last item).
        if isinstance(obj, (list, tuple)) and isinstance(argument, int) and not isinstance(argument, bool):
            if argument == 0 or argument > len(obj):
                raise ListIndexError(argument, len(obj))
            if argument > 0:
                argument -= 1
        return super().getitem(obj, argument)


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    # Sandboxed: wording comes from campaign files that staff pass around by e-mail.
    env = _WordingEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
        keep_trailing_newline=True,
    )
    env.filters["lower_first"] = lower_first
    env.filters["join_vi"] = join_vi
    env.filters["upper_first"] = upper_first
    env.filters["date"] = cal.short
    env.filters["in_words"] = cal.in_words
    env.filters["two_digits"] = lambda n: f"{int(n):02d}"  # "01 tài khoản", as letters count
    return env


def load_sections(text: str) -> list[Section]:
    """Parse a wording file: '@@' section headers, '%%' variant headers, Jinja text."""
    heads = list(_SECTION.finditer(text))
    if not heads or text[: heads[0].start()].strip():
        raise ValueError("tệp lời văn phải bắt đầu bằng một dòng «@@ tên_đoạn»")
    sections: list[Section] = []
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        body = text[head.end() : end].strip("\n")
        marks = list(_VARIANT.finditer(body))
        variants: list[Variant] = []
        preamble = body[: marks[0].start()] if marks else body
        if not marks or _COMMENT.sub("", preamble).strip():
            variants.append(Variant(DEFAULT_VARIANT, preamble.strip("\n")))
        for j, mark in enumerate(marks):
            vend = marks[j + 1].start() if j + 1 < len(marks) else len(body)
            hides = tuple(h.strip() for h in (mark.group(2) or "").split(",") if h.strip())
            variants.append(Variant(mark.group(1), body[mark.end() : vend].strip("\n"), mark.group(3), hides))
        sections.append(
            Section(
                head.group(1),
                variants[0].text,
                tuple(variants),
                head.group(2),
                head.group(3),
                _description(preamble) if marks else "",
            )
        )
    return sections


@lru_cache(maxsize=16)
def default_sections(doc_kind: str) -> tuple[Section, ...]:
    return tuple(load_sections((WORDING_DIR / f"{doc_kind}.md").read_text(encoding="utf-8")))


def section_keys(doc_kind: str) -> list[str]:
    return [s.key for s in default_sections(doc_kind)]


def library(doc_kind: str) -> dict[str, Section]:
    return {s.key: s for s in default_sections(doc_kind)}


@lru_cache(maxsize=512)
def _compiled(text: str) -> jinja2.Template:
    # Compiling is most of the cost of a section; a mail merge renders the same sections hundreds of times.
    return environment().from_string(text)


@lru_cache(maxsize=256)
def _condition(expression: str) -> Any:
    return environment().compile_expression(expression)


def _template_line(tb: TracebackType | None) -> int | None:
    """The line of the wording text where rendering failed (Jinja maps its frames back to the text)."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _render(
    key: str, text: str, context: Mapping[str, Any], *, override: bool, loc: Loc | None = None
) -> list[markup.Block]:
    def error(
        message: str, line: int | None = None, snippet: str | None = None, hint: str | None = None
    ) -> None:
        raise WordingError(
            key, message, override=override, loc=loc, template_line=line, snippet=snippet, hint=hint
        ) from None

    try:
        rendered = _compiled(text).render(context)
    except jinja2.TemplateSyntaxError as exc:
        error(f"cú pháp sai ở dòng {exc.lineno}: {jinja_messages.syntax_text(exc)}", exc.lineno)
    except ListIndexError as exc:
        error(exc.text(), _template_line(exc.__traceback__))
    except jinja2.UndefinedError as exc:
        error(f"dùng biến không có: {_undefined_name(exc)}", _template_line(exc.__traceback__))
    except jinja2.exceptions.SecurityError as exc:
        error("biểu thức truy cập thứ không được phép dùng", _template_line(exc.__traceback__))
    except ZeroDivisionError as exc:
        error("không tính được biểu thức: chia cho 0", _template_line(exc.__traceback__))
    except (TypeError, ValueError, AttributeError, ArithmeticError, jinja2.TemplateError) as exc:
        # Python's own text ("unsupported operand type(s)…") is English and names Python types.
        error(
            "không tính được biểu thức (giá trị sai kiểu, ví dụ cộng chữ với số, hoặc gọi thứ không phải hàm)",
            _template_line(exc.__traceback__),
        )
    try:
        return markup.parse(rendered)
    except markup.MarkupError as exc:
        error(exc.message, None, exc.text, exc.hint)
    raise AssertionError("unreachable")


def _undefined_name(exc: jinja2.UndefinedError) -> str:
    msg = str(exc.message or exc)
    m = re.search(r"'([^']+)' is undefined", msg)
    if m:
        return f"«{m.group(1)}»"
    m = re.search(r"has no attribute '([^']+)'", msg)
    if m:
        return f"«{m.group(1)}» (thuộc tính hoặc mã chưa khai báo)"
    m = re.search(r"has no element (\S+)", msg)
    if m:
        return f"mục «{m.group(1)}» (chưa khai báo)"
    return msg


# --------------------------------------------------------------------------- the user's changes


@dataclass
class _Entry:
    key: str
    section: Section | None  # None for a section the campaign adds
    group: str | None = None
    chosen: str | None = None  # variant the campaign names
    text: str | None = None  # the campaign's own wording
    text_loc: Loc | None = None
    hidden: bool = False
    title: str | None = None
    title_loc: Loc | None = None
    level: int | None = None


def _spec_loc(doc_kind: str, *rest: str | int) -> Loc:
    return ("documents", doc_kind, *rest)


def plan_sections(
    doc_kind: str,
    overrides: Mapping[str, str | None],
    changes: Sequence[SectionSpec] = (),
) -> list[_Entry]:
    """The library's sections with the campaign's choices applied; every mistake a WordingError at its place."""
    lib = default_sections(doc_kind)
    keys = [s.key for s in lib]
    entries = [_Entry(s.key, s, s.group) for s in lib]
    by_key = {e.key: e for e in entries}

    for key, text in overrides.items():
        if key not in by_key:
            raise WordingError(
                key,
                f"không có đoạn này trong văn bản; các đoạn có thể thay: {', '.join(keys)}",
                override=True,
                loc=_spec_loc(doc_kind, "wording", key),
            )
        entry = by_key[key]
        if text:
            entry.text, entry.text_loc = text, _spec_loc(doc_kind, "wording", key)
        else:
            entry.hidden = True

    for i, change in enumerate(changes):
        loc = _spec_loc(doc_kind, "sections", i)
        found = by_key.get(change.id)
        if found is None:
            if not (change.text or change.title):
                raise WordingError(
                    change.id,
                    "không có đoạn này trong văn bản; đoạn thêm mới cần «text» (lời văn) hoặc «title» (đề mục). "
                    f"Các đoạn có sẵn: {', '.join(keys)}",
                    override=True,
                    loc=(*loc, "id"),
                )
            if not (change.after or change.before):
                raise WordingError(
                    change.id,
                    "đoạn thêm mới cần «after: <tên đoạn>» hoặc «before: <tên đoạn>» để biết đặt ở đâu",
                    override=True,
                    loc=(*loc, "id"),
                )
            found = _Entry(change.id, None)
            entries.append(found)
            by_key[change.id] = found
        elif change.text and found.text_loc and found.text_loc[2] == "wording":
            raise WordingError(
                change.id,
                f"lời văn của đoạn này đã ghi ở mục wording; chỉ ghi ở một nơi (sections[{i + 1}].text hoặc "
                f"wording.{change.id})",
                override=True,
                loc=(*loc, "text"),
            )
        entry = found
        if change.use:
            section = entry.section
            if section is None or section.variant(change.use) is None:
                names = ", ".join(section.variant_names) if section else "không có (đoạn thêm mới)"
                raise WordingError(
                    change.id,
                    f"không có mẫu câu «{change.use}» cho đoạn này; các mẫu câu: {names}",
                    override=True,
                    loc=(*loc, "use"),
                )
            entry.chosen = change.use
        if change.hide:
            entry.hidden = True
        if change.text:
            entry.text, entry.text_loc = change.text, (*loc, "text")
        if change.title:
            entry.title, entry.title_loc = change.title, (*loc, "title")
        if change.level:
            entry.level = change.level
        anchor = change.after or change.before
        if anchor:
            if anchor not in by_key or anchor == change.id:
                raise WordingError(
                    change.id,
                    f"không có đoạn «{anchor}» để đặt đoạn này {'sau' if change.after else 'trước'}; các đoạn: "
                    f"{', '.join(e.key for e in entries if e.key != change.id)}",
                    override=True,
                    loc=(*loc, "after" if change.after else "before"),
                )
            entries = _move(entries, change.id, anchor, after=bool(change.after))
    return entries


def _block_of(entries: list[_Entry], key: str) -> list[_Entry]:
    """A section with the sections of its group that follow it."""
    start = next(i for i, e in enumerate(entries) if e.key == key)
    end = start + 1
    while end < len(entries) and entries[end].group == key:
        end += 1
    return entries[start:end]


def _move(entries: list[_Entry], key: str, anchor: str, *, after: bool) -> list[_Entry]:
    moving = _block_of(entries, key)
    rest = [e for e in entries if e not in moving]
    target = _block_of(rest, anchor) if after else [next(e for e in rest if e.key == anchor)]
    at = rest.index(target[-1]) + 1 if after else rest.index(target[0])
    return rest[:at] + moving + rest[at:]


def _choose(entry: _Entry, context: Mapping[str, Any]) -> Variant | None:
    section = entry.section
    if section is None:
        return None
    if entry.chosen:
        return section.variant(entry.chosen)
    for variant in section.variants:
        if variant.when is None:
            return variant
        try:
            holds = _condition(variant.when)(**context)
        except (jinja2.TemplateError, TypeError, ValueError, AttributeError, LookupError) as exc:
            raise WordingError(
                entry.key, f"điều kiện chọn mẫu câu «{variant.name}» sai: {exc}", override=False
            ) from None
        if holds:
            return variant
    return None


def compose(
    doc_kind: str,
    overrides: Mapping[str, str | None],
    context: Mapping[str, Any],
    *,
    changes: Sequence[SectionSpec] = (),
    headings: str | None = None,
) -> list[markup.Block]:
    """The document body: the library's sections in the campaign's order, each in its chosen or own wording,
    headings numbered."""
    entries = plan_sections(doc_kind, overrides, changes)
    chosen = {e.key: _choose(e, context) for e in entries if not e.hidden and e.text is None}
    # Sections may word themselves after another's choice (the forms section states the evidence rule, so
    # the notes section does not repeat it).
    names = {e.key: "" for e in entries} | {e.key: "rieng" for e in entries if e.text is not None}
    context = {**context, "choice": names | {k: v.name for k, v in chosen.items() if v}}
    explicit = {e.key for e in entries if e.chosen or e.text}
    hidden = {e.key for e in entries if e.hidden}
    for v in chosen.values():
        hidden.update(h for h in (v.hides if v else ()) if h not in explicit)
    # A group's own section hidden or rewritten takes its sections with it (the older `wording: {noi_dung: …}`).
    for e in entries:
        if e.group and (e.group in hidden or any(x.key == e.group and x.text for x in entries)):
            if e.key not in explicit:
                hidden.add(e.key)
    blocks: list[markup.Block] = []
    for e in entries:
        if e.key in hidden:
            continue
        if e.text is not None:
            body = _render(e.key, e.text, context, override=True, loc=e.text_loc)
        else:
            variant = chosen.get(e.key)
            body = _render(e.key, variant.text, context, override=False) if variant else []
        title = e.title or (e.section.title if e.section and headings else None)
        if title and (body or e.title):
            level = e.level or _title_level(headings, blocks, e)
            blocks.append(_heading(e, title, level, context))
        blocks.extend(body)
    return markup.number_headings(blocks)


def _title_level(headings: str | None, before: list[markup.Block], entry: _Entry) -> int:
    """A section's heading level: the document's choice, else the level of the heading before it (one deeper
    right after a part's own heading)."""
    if headings in LEVEL_OF_HEADINGS and entry.section is not None:
        return LEVEL_OF_HEADINGS[headings]
    for i in range(len(before) - 1, -1, -1):
        if before[i].kind in ("h1", "h2", "h3"):
            level = int(before[i].kind[1])
            return min(level + 1, 3) if i == len(before) - 1 else level
    return LEVEL_OF_HEADINGS.get(headings or "", 2)


def _heading(entry: _Entry, title: str, level: int, context: Mapping[str, Any]) -> markup.Block:
    text = title.strip()
    if "{" in text:
        rendered = _render(entry.key, text, context, override=entry.title is not None, loc=entry.title_loc)
        text = rendered[0].text if rendered else ""
    if level == 2 and not text.endswith(":"):
        text += ":"
    block = markup.parse(f"{'#' * level} {markup.escape(text)}")[0]
    return replace(block, line=0)


# --------------------------------------------------------------------------- footnotes placed by a phrase


def anchor_footnotes(
    blocks: list[markup.Block], anchors: Mapping[str, str], doc_kind: str
) -> list[markup.Block]:
    """Put each footnote mark right after the first occurrence of its phrase."""
    out = list(blocks)
    for label, phrase in anchors.items():
        for bi, block in enumerate(out):
            spans = _split_after(block.spans, phrase, label)
            if spans is not None:
                out[bi] = replace(block, spans=spans)
                break
        else:
            raise WordingError(
                f"[^{label}]",
                f"không tìm thấy cụm từ «{phrase}» trong văn bản để đặt dấu chú thích; chép đúng một cụm từ có "
                "trong văn bản",
                override=True,
                loc=_spec_loc(doc_kind, "footnotes", label, "after"),
                subject=f"chú thích [^{label}]",
            )
    return out


def _split_after(spans: list[markup.Span], phrase: str, label: str) -> list[markup.Span] | None:
    for si, span in enumerate(spans):
        at = span.text.find(phrase)
        if at < 0 or span.footnote:
            continue
        cut = at + len(phrase)
        head = replace(span, text=span.text[:cut])
        mark = markup.Span("", span.bold, span.italic, footnote=label)
        tail = [replace(span, text=span.text[cut:])] if span.text[cut:] else []
        return [*spans[:si], head, mark, *tail, *spans[si + 1 :]]
    return None


# --------------------------------------------------------------------------- errors at their line


def locate(exc: WordingError, source: SourceDoc | Path | None, doc_kind: str) -> WordingError:
    """Point a wording error at the campaign file: the line of the wording that failed when it can be found,
    else the line of its field; the library's own text points at the document's entry."""
    loc: Loc = exc.loc if exc.loc is not None else ("documents", doc_kind)
    doc: SourceDoc | None = None
    if isinstance(source, SourceDoc):
        doc = source
    elif source is not None:
        try:
            doc = load_yaml(source)
        except (VanbanError, OSError):
            doc = None  # the file changed or went away since it was loaded: name the field without a line
    line = None
    if doc is not None:
        line = doc.line_of(loc)
        if exc.loc is not None and line is not None:
            line = _line_in_value(doc, exc, line) or line
    exc.located(file=doc.path if doc else source if isinstance(source, Path) else None, line=line)
    exc.located(field=field_path(loc))
    return exc


def located(exc: WordingError, source: Path | None, doc_kind: str) -> WordingError:
    """Older name of `locate`, for errors only rendering reveals (a notice rendered in a worker process)."""
    return locate(exc, source, doc_kind)


def _value_lines(lines: list[str], key_line: int) -> tuple[int, list[str]]:
    """The value that starts at `key_line` (1-based): its first line and its lines (a block scalar's lines start
    below its key)."""
    raw = lines[key_line - 1]
    indent = len(raw) - len(raw.lstrip())
    rest = raw.split(":", 1)[1].strip() if ":" in raw else ""
    start = key_line + 1 if rest[:1] in ("|", ">") else key_line
    end = start
    while end < len(lines):
        nxt = lines[end]
        if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= indent:
            break
        end += 1
    return start, lines[start - 1 : max(end, start)]


def _probes(text: str) -> Iterable[str]:
    """Shorter and shorter pieces of a line's fixed words, to find it in the file whatever the variables
    printed and however YAML folded it."""
    chunks = [c.strip(" -+#|*>^\t") for c in re.split(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", text)]
    best = max(chunks, key=len, default="")
    for width in (40, 24, 12, 6):
        if len(best) >= min(width, 4):
            yield best[:width]


def _line_in_value(doc: SourceDoc, exc: WordingError, key_line: int) -> int | None:
    try:
        lines = doc.path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    if not 0 < key_line <= len(lines):
        return None
    start, value = _value_lines(lines, key_line)
    literal = start > key_line and lines[key_line - 1].split(":", 1)[-1].strip().startswith("|")
    if literal and exc.template_line is not None and 0 < exc.template_line <= len(value):
        return start + exc.template_line - 1  # a literal block keeps the text's lines as they are
    wanted: list[str] = []
    if exc.snippet:
        wanted.append(exc.snippet)
    if exc.template_line is not None:
        text = _override_text(doc, exc)
        if text is not None:
            own = text.splitlines()
            if 0 < exc.template_line <= len(own):
                wanted.append(own[exc.template_line - 1])
    for phrase in wanted:
        for probe in _probes(phrase):
            for i, line in enumerate(value):
                if probe in line:
                    return start + i
    return None


def _override_text(doc: SourceDoc, exc: WordingError) -> str | None:
    node: Any = doc.data
    for part in exc.loc or ():
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node if isinstance(node, str) else None

"""The small markup in which document wording is written, one paragraph per line.

    # MỤC ĐÍCH, YÊU CẦU          level-1 heading (bold), numbered I., II. … by `number_headings`
    >> Căn cứ …;                  căn cứ line (italic, as a decision sets them)
    ^^ QUYẾT ĐỊNH:                centred bold line
    ## Mục đích:                  level-2 heading (bold), numbered 1., 2. …
    ### …                         level-3 heading (italic), numbered a), b) …
    - item / + sub-item           dash and plus lists, written as the letters write them
    | a | b |                     table rows (first row is the header)
    **bold**, *italic*, ***both***, [^1] footnote reference, \\* a literal asterisk
    \\1. …                        a paragraph that begins like a heading number

Users write it in the campaign file to replace a default paragraph; staff who know Word and
chat apps already type *this* and **this**, so it costs them nothing to learn. A line that starts like a
heading ("II. NỘI DUNG", "2. Thời gian gửi kết quả:") but lacks its mark is an error, not a plain paragraph:
it is nearly always a forgotten "#".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from letters.core.errors import VanbanError
from letters.core.vn import roman

BLOCK_KINDS = ("h1", "h2", "h3", "basis", "center", "para", "bullet", "sub", "table", "figure")

_INLINE = re.compile(r"\\(?P<esc>[*\\\[])|\[\^(?P<fn>[^\]\s]+)\]|(?P<mark>\*{1,3})")


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False
    footnote: str | None = None


@dataclass
class Block:
    kind: str
    spans: list[Span] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    line: int = 0

    @property
    def text(self) -> str:
        if self.kind == "table":
            return "\n".join(" | ".join(r) for r in self.rows)
        return "".join(s.text for s in self.spans)


class MarkupError(VanbanError, ValueError):
    def __init__(self, line: int, message: str, *, text: str = "", hint: str | None = None) -> None:
        super().__init__(f"dòng {line} của lời văn: {message}", hint=hint)
        # Not `line`: for a VanbanError that is the line in the campaign file, which the caller knows.
        self.text_line = line
        self.text = text  # the offending line, so the caller can find it in the campaign file


STAR_HINT = "Muốn in dấu * thì viết \\*; in đậm viết **chữ**, nghiêng viết *chữ*."
HEADING_HINT = (
    "Đề mục viết «# Tên mục» (cấp I., II.), «## Tên mục:» (cấp 1., 2.), «### Tên mục» (cấp a), b)); số thứ tự "
    "được đánh tự động. Đoạn văn bắt đầu bằng số thì viết dấu \\ ở đầu dòng, ví dụ «\\1. …»."
)
# "II. NỘI DUNG" or "2. Thời gian gửi kết quả:" typed without its "#": a heading, not a paragraph.
_BARE_HEADING = re.compile(r"^(?:(?P<roman>[IVX]{1,4})\.|(?P<num>\d{1,2})\.)\s+(?P<rest>\S.*)$")
_TYPED_NUMBER = re.compile(r"^\s*(?:[IVXLC]+\.|\d+(?:\.\d+)*\.|[a-zđ]\))\s+")
_LETTERS = "abcdđeghiklmnopqrstuvxy"


def parse_inline(text: str, line: int = 0) -> list[Span]:
    spans: list[Span] = []
    bold = italic = False
    buf: list[str] = []

    def flush() -> None:
        if buf:
            spans.append(Span("".join(buf), bold, italic))
            buf.clear()

    pos = 0
    for m in _INLINE.finditer(text):
        buf.append(text[pos : m.start()])
        pos = m.end()
        if m.group("esc"):
            buf.append(m.group("esc"))
        elif m.group("fn"):
            flush()
            spans.append(Span("", bold, italic, footnote=m.group("fn")))
        else:
            flush()
            n = len(m.group("mark"))
            if n in (2, 3):
                bold = not bold
            if n in (1, 3):
                italic = not italic
    buf.append(text[pos:])
    flush()
    if bold or italic:
        raise MarkupError(line, f"dấu * chưa được đóng trong «{text.strip()}»", text=text, hint=STAR_HINT)
    return [s for s in spans if s.text or s.footnote]


def _table_row(line: str) -> list[str]:
    cells = line.strip().strip("|").split("|")
    return [c.strip() for c in cells]


def parse(text: str) -> list[Block]:
    blocks: list[Block] = []
    in_table = False
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line.startswith("|"):
            in_table = False
        if not line:
            continue
        if line.startswith("|"):
            if set(line.replace("|", "").strip()) <= set("-: "):
                continue  # the |---| separator row of a markdown table
            if in_table:
                blocks[-1].rows.append(_table_row(line))
            else:
                blocks.append(Block("table", rows=[_table_row(line)], line=no))
                in_table = True
            continue
        kind, body = "para", line
        if line.startswith("\\") and line[1:2] not in ("*", "\\", "["):
            blocks.append(Block("para", parse_inline(line[1:], no), line=no))
            continue
        for prefix, k in (("### ", "h3"), ("## ", "h2"), ("# ", "h1"), (">> ", "basis"), ("^^ ", "center")):
            if line.startswith(prefix):
                kind, body = k, line[len(prefix) :]
                break
        else:
            if line.startswith("- ") or line == "-":
                kind = "bullet"
            elif line.startswith("+ "):
                kind = "sub"
            else:
                _refuse_bare_heading(line, no)
        blocks.append(Block(kind, parse_inline(body, no), line=no))
    return blocks


def _refuse_bare_heading(line: str, no: int) -> None:
    m = _BARE_HEADING.match(line)
    if m is None:
        return
    rest = m.group("rest").strip()
    if m.group("num") and not (
        rest.endswith(":") or (len(rest) <= 80 and not rest.endswith((".", ";", ",")))
    ):
        return  # a numbered sentence ("1. Sở Nội vụ chủ trì …; …."), as a khoản is written
    mark = "#" if m.group("roman") else "##"
    raise MarkupError(
        no,
        f"«{_clip(line)}» trông như một đề mục nhưng thiếu dấu đề mục: viết «{mark} {_clip(rest)}»",
        text=line,
        hint=HEADING_HINT,
    )


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def heading_label(level: int, n: int) -> str:
    """'II.' for the second level-1 heading, '3.' at level 2, 'c)' at level 3."""
    if level == 1:
        return f"{roman(n)}."
    if level == 2:
        return f"{n}."
    return f"{_LETTERS[(n - 1) % len(_LETTERS)]})"


def number_headings(blocks: list[Block]) -> list[Block]:
    """Number every heading by its place: I., II. at level 1; 1., 2. under each; a), b) under those.

    A number the text already carries is replaced, so hiding, adding or moving a section never leaves a gap
    or a repeat.
    """
    counters = [0, 0, 0]
    out: list[Block] = []
    for block in blocks:
        if block.kind not in ("h1", "h2", "h3") or not block.spans:
            out.append(block)
            continue
        level = int(block.kind[1])
        counters[level - 1] += 1
        for deeper in range(level, 3):
            counters[deeper] = 0
        first = block.spans[0]
        body = _TYPED_NUMBER.sub("", first.text, count=1)
        label = heading_label(level, counters[level - 1])
        spans = [Span(f"{label} {body}", first.bold, first.italic, first.footnote), *block.spans[1:]]
        out.append(Block(block.kind, spans, block.rows, block.line))
    return out


def escape(text: str) -> str:
    """Make data safe to insert into markup: a unit called 'A*B' stays 'A*B'."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("[", "\\[")

"""The small markup in which document wording is written, one paragraph per line.

    # I. MỤC ĐÍCH, YÊU CẦU        level-1 heading (bold)
    >> Căn cứ …;                  căn cứ line (italic, as a decision sets them)
    ^^ QUYẾT ĐỊNH:                centred bold line
    ## 1. Mục đích:               level-2 heading (bold)
    ### a) …                      level-3 heading (italic)
    - item / + sub-item           dash and plus lists, written as the letters write them
    | a | b |                     table rows (first row is the header)
    **bold**, *italic*, ***both***, [^1] footnote reference, \\* a literal asterisk

Users write it in the campaign file to replace a default paragraph; staff who know Word and
chat apps already type *this* and **this**, so it costs them nothing to learn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from letters.core.errors import VanbanError

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
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"dòng {line} của lời văn: {message}")
        # Not `line`: for a VanbanError that is the line in the campaign file, which the caller knows.
        self.text_line = line


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
        raise MarkupError(line, f"dấu * chưa được đóng trong «{text.strip()}»")
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
        for prefix, k in (("### ", "h3"), ("## ", "h2"), ("# ", "h1"), (">> ", "basis"), ("^^ ", "center")):
            if line.startswith(prefix):
                kind, body = k, line[len(prefix) :]
                break
        else:
            if line.startswith("- ") or line == "-":
                kind = "bullet"
            elif line.startswith("+ "):
                kind = "sub"
        blocks.append(Block(kind, parse_inline(body, no), line=no))
    return blocks


def escape(text: str) -> str:
    """Make data safe to insert into markup: a unit called 'A*B' stays 'A*B'."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("[", "\\[")

"""Errors and diagnostics shown to users, always worded in Vietnamese."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class VanbanError(Exception):
    """A user-facing failure. `message` is Vietnamese and names the file, line or field at fault."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  Gợi ý: {self.hint}"


class OutputExistsError(VanbanError):
    def __init__(self, path: Path) -> None:
        super().__init__(
            f"Tệp đã tồn tại: {path}. vanban không ghi đè tệp của người dùng.",
            hint="Chọn thư mục khác với --out, xoá tệp cũ, hoặc thêm --force để ghi đè.",
        )


class ToolMissingError(VanbanError):
    """An external program (LibreOffice, SoftHSM2, poppler) is not installed."""


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def label(self) -> str:
        return "LỖI" if self is Severity.ERROR else "CẢNH BÁO"


@dataclass(frozen=True)
class Diagnostic:
    """One finding about an input file, located as precisely as the input allows."""

    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None
    extra: dict[str, str] = dataclasses.field(default_factory=dict, compare=False)

    def format(self) -> str:
        where = []
        if self.file:
            where.append(self.file + (f":{self.line}" if self.line else ""))
        elif self.line:
            where.append(f"dòng {self.line}")
        if self.field:
            where.append(f"trường «{self.field}»")
        loc = ", ".join(where)
        return f"{self.severity.label}: {loc + ': ' if loc else ''}{self.message}"


class DiagnosticsError(VanbanError):
    """Raised when an input has errors; carries every diagnostic found, not just the first."""

    def __init__(self, diagnostics: list[Diagnostic], source: str | None = None) -> None:
        errors = [d for d in diagnostics if d.severity is Severity.ERROR]
        head = f"{source}: " if source else ""
        super().__init__(
            head + f"có {len(errors)} lỗi cần sửa.\n" + "\n".join(d.format() for d in diagnostics)
        )
        self.diagnostics = diagnostics

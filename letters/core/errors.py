"""Errors and diagnostics shown to users, always worded in Vietnamese."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any


class VanbanError(Exception):
    """A user-facing failure. `message` is Vietnamese; `file`, `line` and `field` say where the fault is.

    Every subclass survives pickling (results are rendered in worker processes, and an error raised there
    must reach the user as it is, not as a broken pool): `__reduce__` rebuilds the instance from its
    attributes without calling a subclass's own `__init__`, whatever its signature.
    """

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.file = str(file) if file is not None else None
        self.line = line
        self.field = field

    @property
    def location(self) -> str:
        """'campaign.yaml:12, trường «phases[2].end»', or '' when the error is not tied to a place."""
        return self._location(with_file=True)

    def _location(self, *, with_file: bool) -> str:
        where = []
        if self.file and with_file:
            where.append(self.file + (f":{self.line}" if self.line else ""))
        elif self.line:
            where.append(f"dòng {self.line}")
        if self.field:
            where.append(f"trường «{self.field}»")
        return ", ".join(where)

    def located(
        self, *, file: str | Path | None = None, line: int | None = None, field: str | None = None
    ) -> VanbanError:
        """Fill in the place where a caller that knows more than the raiser can: never overwrites."""
        if self.file is None and file is not None:
            self.file = str(file)
        if self.line is None:
            self.line = line
        if self.field is None:
            self.field = field
        return self

    def diagnostic(self) -> Diagnostic:
        text = self.message if not self.hint else f"{self.message} {self.hint}"
        return Diagnostic(Severity.ERROR, text, file=self.file, line=self.line, field=self.field)

    def __str__(self) -> str:
        # Many messages already name their file in the sentence; the prefix would only repeat it.
        loc = self._location(with_file=not (self.file and self.file in self.message))
        text = f"{loc}: {self.message}" if loc else self.message
        return text if not self.hint else f"{text}\n  Gợi ý: {self.hint}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


def _rebuild(cls: type[VanbanError], args: tuple[Any, ...], state: dict[str, Any]) -> VanbanError:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


@contextlib.contextmanager
def portable_errors() -> Iterator[None]:
    """Around a job run in a worker process: whatever escapes must be unpicklable in the parent.

    An exception the parent cannot unpickle turns into BrokenProcessPool there, which hides the cause; a
    VanbanError always travels, anything else is replaced by a RuntimeError carrying its type and text.
    """
    try:
        yield
    except VanbanError:
        raise
    except Exception as exc:
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:  # noqa: BLE001 - any failure to travel is the case handled here
            raise RuntimeError(f"{type(exc).__name__}: {exc}") from None
        raise


class OutputExistsError(VanbanError):
    def __init__(self, path: Path) -> None:
        super().__init__(
            f"Tệp đã tồn tại: {path}. vanban không ghi đè tệp của người dùng.",
            hint="Chọn tên tệp hoặc thư mục ra khác, xoá tệp cũ, hoặc thêm --force để ghi đè.",
            file=path,
        )


class ToolMissingError(VanbanError):
    """An external program (LibreOffice, SoftHSM2, poppler) is not installed."""


# What the operating system said, in words a user reads: never the English strerror.
_OS_ERRORS: dict[int, str] = {
    errno.EACCES: "không có quyền truy cập",
    errno.EPERM: "hệ điều hành không cho phép thao tác này",
    errno.ENOENT: "không tồn tại",
    errno.ENOTDIR: "một phần của đường dẫn là tệp chứ không phải thư mục",
    errno.EISDIR: "đây là một thư mục, không phải tệp",
    errno.EEXIST: "đã có tệp hoặc thư mục trùng tên",
    errno.ENOTEMPTY: "thư mục không trống",
    errno.ENOSPC: "ổ đĩa đã đầy",
    errno.EDQUOT: "đã dùng hết hạn mức dung lượng trên ổ đĩa",
    errno.EFBIG: "tệp quá lớn",
    errno.EROFS: "ổ đĩa chỉ cho phép đọc",
    errno.EBUSY: "tệp đang bị chương trình khác sử dụng (bị khoá)",
    errno.ETXTBSY: "tệp đang bị chương trình khác sử dụng (bị khoá)",
    errno.EAGAIN: "tệp đang bị khoá hoặc tài nguyên đang bận",
    errno.ENAMETOOLONG: "tên tệp hoặc đường dẫn quá dài",
    errno.ELOOP: "đường dẫn có liên kết vòng",
    errno.EMFILE: "đang mở quá nhiều tệp cùng lúc",
    errno.ENFILE: "hệ thống đang mở quá nhiều tệp",
    errno.EIO: "lỗi đọc, ghi trên thiết bị lưu trữ",
    errno.EXDEV: "không chuyển tệp được giữa hai ổ đĩa khác nhau",
    errno.EINVAL: "tên tệp hoặc tham số không hợp lệ",
    errno.ENOMEM: "không đủ bộ nhớ",
    errno.ETIMEDOUT: "quá thời gian chờ",
    errno.ECONNREFUSED: "máy chủ từ chối kết nối",
    errno.ECONNRESET: "kết nối bị ngắt",
    errno.EHOSTUNREACH: "không tới được máy chủ",
    errno.ENETUNREACH: "không có kết nối mạng",
    errno.EADDRINUSE: "cổng mạng đang được chương trình khác dùng",
    errno.EPIPE: "chương trình nhận dữ liệu đã dừng",
}
# Windows reports a file open in Word or Excel as a sharing or lock violation, not as an errno.
_WINERRORS: dict[int, str] = {
    32: "tệp đang được mở trong chương trình khác (bị khoá)",
    33: "tệp đang được mở trong chương trình khác (bị khoá)",
}
_OS_HINTS: dict[int, str] = {
    errno.EACCES: "Kiểm tra quyền ghi trên thư mục, hoặc chọn thư mục khác.",
    errno.EPERM: "Kiểm tra quyền ghi trên thư mục, hoặc chọn thư mục khác.",
    errno.EROFS: "Chọn thư mục trên ổ đĩa ghi được.",
    errno.ENOSPC: "Giải phóng dung lượng ổ đĩa rồi chạy lại.",
    errno.EDQUOT: "Giải phóng dung lượng ổ đĩa rồi chạy lại.",
    errno.EBUSY: "Đóng tệp trong chương trình đang mở nó (Word, Excel…) rồi chạy lại.",
    errno.ETXTBSY: "Đóng tệp trong chương trình đang mở nó (Word, Excel…) rồi chạy lại.",
    errno.ENOTDIR: "Đổi tên hoặc chuyển tệp đang đứng ở vị trí thư mục, hoặc chọn thư mục khác.",
}


def os_error_text(exc: OSError) -> str:
    """What went wrong, in Vietnamese, from the error number (the OS's own text is English)."""
    winerror = getattr(exc, "winerror", None)
    if winerror in _WINERRORS:
        return _WINERRORS[winerror]
    if exc.errno in _OS_ERRORS:
        return _OS_ERRORS[exc.errno]
    if exc.errno:
        return f"lỗi hệ điều hành (mã {errno.errorcode.get(exc.errno, exc.errno)})"
    return "lỗi hệ điều hành"


def os_error(exc: OSError, action: str, path: str | Path | None = None) -> VanbanError:
    """A VanbanError for an OS failure: `action` is the Vietnamese verb phrase ("Không ghi được tệp")."""
    target = path if path is not None else exc.filename
    where = f" {target}" if target is not None else ""
    error = VanbanError(
        f"{action}{where}: {os_error_text(exc)}.",
        hint=_OS_HINTS.get(exc.errno or 0),
        file=target,
    )
    return error


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

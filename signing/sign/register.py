"""Register of issued numbers (sổ đăng ký văn bản đi), one SQLite file shared by every issuer.

NĐ 30 Điều 15: numbers run from 01 on 1 January to 31 December, are unique within the year and
never reused. A series is (agency, year, document type). A number is handed out inside a write
transaction (BEGIN IMMEDIATE) that stays open while the document is issued: concurrent issuers
queue on the lock, and a failed issuance rolls back so the series keeps no gaps.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from letters.core.errors import VanbanError
from letters.core.files import make_dirs
from letters.core.vn import iso_vn, vn_now

_SCHEMA = """
CREATE TABLE IF NOT EXISTS issued (
    agency TEXT NOT NULL,
    year INTEGER NOT NULL,
    doc_type TEXT NOT NULL,
    number INTEGER NOT NULL,
    reference TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    document TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (agency, year, doc_type, number)
)
"""


def format_number(number: int) -> str:
    """NĐ 30: numbers below 10 get a leading zero ("05"); others are written as they are."""
    return f"{number:02d}"


def reference_for(number: int, symbol: str) -> str:
    """Số và ký hiệu: "83/KH-STTTT"."""
    return f"{format_number(number)}/{symbol}"


@dataclass(frozen=True)
class Entry:
    agency: str
    year: int
    doc_type: str
    number: int
    reference: str
    issued_on: date
    document: str


class Reservation:
    """A number held under the register's write lock until `record` is called and the block exits."""

    def __init__(self, conn: sqlite3.Connection, agency: str, year: int, doc_type: str, number: int) -> None:
        self._conn = conn
        self.agency = agency
        self.year = year
        self.doc_type = doc_type
        self.number = number
        self.recorded = False

    @property
    def formatted(self) -> str:
        return format_number(self.number)

    def record(self, reference: str, issued_on: date, document: str) -> None:
        self._conn.execute(
            "INSERT INTO issued VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.agency,
                self.year,
                self.doc_type,
                self.number,
                reference,
                issued_on.isoformat(),
                document,
                iso_vn(vn_now()),
            ),
        )
        self.recorded = True


_SQLITE_REASONS = (
    ("unable to open", "không mở được tệp (đường dẫn là thư mục, hoặc không có quyền)"),
    ("not a database", "tệp không phải sổ đăng ký (SQLite)"),
    ("malformed", "tệp sổ đăng ký bị hỏng"),
    ("locked", "sổ đang bị người khác khoá"),
    ("busy", "sổ đang bị người khác khoá"),
    ("readonly", "sổ chỉ cho phép đọc"),
    ("disk i/o", "lỗi đọc, ghi trên ổ đĩa"),
    ("full", "ổ đĩa đã đầy"),
)


def _sqlite_reason(exc: sqlite3.Error) -> str:
    # SQLite's own messages are English.
    text = str(exc).lower()
    return next((vi for key, vi in _SQLITE_REASONS if key in text), "lỗi cơ sở dữ liệu SQLite")


class NumberRegister:
    def __init__(self, path: Path, *, lock_timeout: float = 120.0) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout

    def _connect(self) -> sqlite3.Connection:
        make_dirs(self.path.parent)
        try:
            conn = sqlite3.connect(self.path, timeout=self.lock_timeout, isolation_level=None)
            self._setup(conn)
        except sqlite3.DatabaseError as exc:
            raise VanbanError(
                f"Không mở được sổ đăng ký số văn bản {self.path}: {_sqlite_reason(exc)}.",
                hint="Kiểm tra đường dẫn --register và quyền ghi thư mục; tệp phải là sổ do vanban tạo.",
            ) from exc
        return conn

    def _setup(self, conn: sqlite3.Connection) -> None:
        """WAL mode and the schema, retried while another issuer holds the lock.

        SQLite does not run its busy handler for every lock taken while switching journal mode or creating
        the table, so two văn thư opening a new register at the same moment could otherwise fail at once.
        """
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.01
        while True:
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(_SCHEMA)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    @contextlib.contextmanager
    def reserve(self, agency: str, doc_type: str, year: int) -> Iterator[Reservation]:
        """Hold the next number of the series; it is kept only if `record` was called and no error occurred."""
        agency, doc_type = _clean(agency, "cơ quan"), _clean(doc_type, "loại văn bản")
        conn = self._connect()
        try:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise VanbanError(
                    f"Sổ đăng ký {self.path} đang bị khoá quá {self.lock_timeout:.0f} giây.",
                    hint="Có người khác đang ban hành văn bản; thử lại sau ít phút.",
                ) from exc
            (last,) = conn.execute(
                "SELECT COALESCE(MAX(number), 0) FROM issued WHERE agency=? AND year=? AND doc_type=?",
                (agency, year, doc_type),
            ).fetchone()
            reservation = Reservation(conn, agency, year, doc_type, last + 1)
            try:
                yield reservation
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            if reservation.recorded:
                conn.execute("COMMIT")
            else:
                conn.execute("ROLLBACK")
        finally:
            conn.close()

    def allocate(
        self, agency: str, doc_type: str, on: date, document: str, symbol: str | None = None
    ) -> Entry:
        """Take the next number without issuing a file (e.g. for a paper document)."""
        with self.reserve(agency, doc_type, on.year) as r:
            reference = reference_for(r.number, symbol or f"{doc_type}-{agency}")
            r.record(reference, on, document)
        return Entry(agency, on.year, doc_type, r.number, reference, on, document)

    def entries(
        self, agency: str | None = None, year: int | None = None, doc_type: str | None = None
    ) -> list[Entry]:
        conn = self._connect()
        try:
            rows = conn.execute(
                "SELECT agency, year, doc_type, number, reference, issued_on, document FROM issued "
                "WHERE (? IS NULL OR agency=?) AND (? IS NULL OR year=?) AND (? IS NULL OR doc_type=?) "
                "ORDER BY agency, year, doc_type, number",
                (agency, agency, year, year, doc_type, doc_type),
            ).fetchall()
        finally:
            conn.close()
        return [Entry(a, y, t, n, ref, date.fromisoformat(d), doc) for a, y, t, n, ref, d, doc in rows]


def _clean(value: str, what: str) -> str:
    value = value.strip()
    if not value or any(ch.isspace() or ch in "/" for ch in value):
        raise VanbanError(f"Mã {what} «{value}» không hợp lệ: không được trống, chứa dấu cách hay dấu «/».")
    return value

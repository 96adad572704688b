"""Register of issued numbers (sổ đăng ký văn bản đi), one SQLite file shared by every issuer.

NĐ 30 Điều 15: numbers run from 01 on 1 January to 31 December, are unique within the year and
never reused. A series is (agency, year, document type). A number is handed out inside a write
transaction (BEGIN IMMEDIATE) that stays open while the document is issued: concurrent issuers
queue on the lock, and a failed issuance rolls back so the series keeps no gaps.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from letters.core.errors import VanbanError
from letters.core.files import file_mode, make_dirs
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
    draft TEXT,
    PRIMARY KEY (agency, year, doc_type, number)
)
"""
# Registers made before drafts were recorded lack the column; it is added on first open.
_DRAFT_COLUMN = "ALTER TABLE issued ADD COLUMN draft TEXT"
_DRAFT_INDEX = "CREATE INDEX IF NOT EXISTS issued_draft ON issued (draft)"
_COLUMNS = "agency, year, doc_type, number, reference, issued_on, document, draft"


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
    draft: str | None = None  # identity of the signed draft it was issued from (see signing.sign.issue)


def _entry(row: tuple[str, int, str, int, str, str, str, str | None]) -> Entry:
    agency, year, doc_type, number, reference, issued_on, document, draft = row
    return Entry(agency, year, doc_type, number, reference, date.fromisoformat(issued_on), document, draft)


class Reservation:
    """Numbers held under the register's write lock: `number` is the next one, each `record` takes it and
    moves on, so a batch gets consecutive numbers. Kept only if the block exits without an error."""

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

    def issued_from(self, draft: str) -> Entry | None:
        """The entry already issued from this signed draft, read under the lock (so no race can slip by)."""
        return _find_draft(self._conn, draft)

    def record(self, reference: str, issued_on: date, document: str, draft: str | None = None) -> None:
        self._conn.execute(
            f"INSERT INTO issued ({_COLUMNS}, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.agency,
                self.year,
                self.doc_type,
                self.number,
                reference,
                issued_on.isoformat(),
                document,
                draft,
                iso_vn(vn_now()),
            ),
        )
        self.number += 1
        self.recorded = True


def _find_draft(conn: sqlite3.Connection, draft: str) -> Entry | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM issued WHERE draft=? ORDER BY year, number LIMIT 1", (draft,)
    ).fetchone()
    return _entry(row) if row else None


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
        new = not self.path.exists()
        try:
            conn = sqlite3.connect(self.path, timeout=self.lock_timeout, isolation_level=None)
            self._setup(conn)
            if new:
                self._share()
        except sqlite3.DatabaseError as exc:
            raise VanbanError(
                f"Không mở được sổ đăng ký số văn bản {self.path}: {_sqlite_reason(exc)}.",
                hint="Kiểm tra đường dẫn --register và quyền ghi thư mục; tệp phải là sổ do vanban tạo.",
            ) from exc
        return conn

    def _share(self) -> None:
        """SQLite creates the register 0644 whatever the umask; every văn thư of the office writes to it, so
        it (and its WAL files) gets the mode the user's umask gives any new file."""
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.chmod(f"{self.path}{suffix}", file_mode())

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
                columns = {row[1] for row in conn.execute("PRAGMA table_info(issued)")}
                if "draft" not in columns:
                    conn.execute(_DRAFT_COLUMN)
                conn.execute(_DRAFT_INDEX)
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
            number = r.number
            reference = reference_for(number, symbol or f"{doc_type}-{agency}")
            r.record(reference, on, document)
        return Entry(agency, on.year, doc_type, number, reference, on, document)

    def issued_from(self, draft: str) -> Entry | None:
        """The entry already issued from this signed draft, if any (checked again under the lock on issue)."""
        if not self.path.exists():
            return None
        conn = self._connect()
        try:
            return _find_draft(conn, draft)
        finally:
            conn.close()

    def entries(
        self, agency: str | None = None, year: int | None = None, doc_type: str | None = None
    ) -> list[Entry]:
        conn = self._connect()
        try:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM issued "
                "WHERE (? IS NULL OR agency=?) AND (? IS NULL OR year=?) AND (? IS NULL OR doc_type=?) "
                "ORDER BY agency, year, doc_type, number",
                (agency, agency, year, year, doc_type, doc_type),
            ).fetchall()
        finally:
            conn.close()
        return [_entry(row) for row in rows]


def _clean(value: str, what: str) -> str:
    value = value.strip()
    if not value or any(ch.isspace() or ch in "/" for ch in value):
        raise VanbanError(f"Mã {what} «{value}» không hợp lệ: không được trống, chứa dấu cách hay dấu «/».")
    return value

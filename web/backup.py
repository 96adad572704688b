"""`vanban backup` and `vanban restore`: the whole service in one ZIP file, the database and the data folder's files.

The database goes in as Django's serialised records (every model, primary keys kept, references to content types
and permissions by natural key, datetimes to the microsecond), so a backup taken on SQLite restores on PostgreSQL
and back. The archive also records the migrations the database had: a restore migrates an empty database to that
state, loads the records, then migrates to the running version. Every file carries its SHA-256, checked before
anything is written.

Archive layout:
    manifest.json   format, version, when, the database vendor, migrations, record counts, every file's hash
    database.json   the records
    data/…          the data folder's files (not the SQLite database itself, not static files, not the secret key)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import json
import os
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from letters.core.errors import VanbanError

FORMAT = "vanban-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATABASE = "database.json"
FILES = "data"
# Not data: Django rebuilds them (content types, permissions at migrate) or they must not outlive the server
# (sessions), and the static files come with the program.
SKIPPED_MODELS = frozenset({"contenttypes.contenttype", "auth.permission", "sessions.session"})
SQLITE_SUFFIXES = (".sqlite3", ".sqlite", ".db")
CHUNK = 1024 * 1024

Echo = Callable[[str], None]


@dataclass
class Manifest:
    created_at: str
    vanban_version: str
    vendor: str
    migrations: dict[str, str]
    records: dict[str, int]
    database_sha256: str
    files: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, **self.__dict__}

    @classmethod
    def from_json(cls, data: Any, archive: Path) -> Manifest:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise VanbanError(f"Tệp {archive} không phải tệp sao lưu của vanban.", file=archive)
        if data.get("version") != VERSION:
            raise VanbanError(
                f"Tệp sao lưu {archive} có định dạng phiên bản {data.get('version')}, phiên bản vanban này "
                f"chỉ đọc được phiên bản {VERSION}.",
                hint="Dùng phiên bản vanban đã tạo tệp sao lưu này.",
                file=archive,
            )
        try:
            return cls(**{k: data[k] for k in cls.__dataclass_fields__})
        except (KeyError, TypeError) as exc:
            raise VanbanError(f"Tệp sao lưu {archive} bị hỏng (thiếu mục {exc}).", file=archive) from exc

    @property
    def created_text(self) -> str:
        """When the backup was made, as people read it: «15:44 ngày 30/11/2026» (Vietnam time)."""
        from letters.core.vn import VN_TZ

        try:
            moment = dt.datetime.fromisoformat(self.created_at).astimezone(VN_TZ)
        except ValueError:
            return self.created_at
        return f"{moment:%H:%M} ngày {moment:%d/%m/%Y}"

    @property
    def total_bytes(self) -> int:
        return sum(int(f["size"]) for f in self.files)


# --- what to save ----------------------------------------------------------------------------------------------


def _excluded_paths() -> set[Path]:
    """Inside the data folder but not data: the live SQLite database (dumped as records), static files, the key."""
    from django.conf import settings
    from django.db import connection

    skip = {Path(settings.DATA_DIR) / "secret-key", Path(settings.STATIC_ROOT)}
    if connection.vendor == "sqlite":
        name = Path(str(connection.settings_dict["NAME"]))
        skip |= {name, *(name.with_name(name.name + s) for s in ("-wal", "-shm", "-journal"))}
    return {p.resolve() for p in skip}


def _data_files() -> Iterator[tuple[Path, str]]:
    """(path, name in the archive) for every regular file of the data folder, in a stable order."""
    from django.conf import settings

    root = Path(settings.DATA_DIR).resolve()
    skip = _excluded_paths()
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if (here / d).resolve() not in skip)
        for name in sorted(names):
            path = here / name
            if path.resolve() in skip or path.is_symlink() or not path.is_file():
                continue
            yield path, f"{FILES}/{path.relative_to(root).as_posix()}"


def _models() -> list[Any]:
    from django.apps import apps
    from django.core import serializers

    app_list = {config: None for config in apps.get_app_configs()}
    ordered = serializers.sort_dependencies(app_list.items(), allow_cycles=True)
    return [
        m
        for m in ordered
        if m._meta.managed and not m._meta.proxy and m._meta.label_lower not in SKIPPED_MODELS
    ]


def _precise_encoder() -> type[json.JSONEncoder]:
    from django.core.serializers.json import DjangoJSONEncoder

    class PreciseEncoder(DjangoJSONEncoder):
        """Django's encoder cuts datetimes to milliseconds; a backup keeps the microseconds."""

        def default(self, o: Any) -> Any:
            if isinstance(o, dt.datetime | dt.time):
                return o.isoformat()
            return super().default(o)

    return PreciseEncoder


def _applied_migrations() -> dict[str, str]:
    """The last applied migration of each app (the one no other applied migration of the app builds on)."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection)
    applied = set(loader.applied_migrations)
    last: dict[str, str] = {}
    for app, name in sorted(applied):
        node = loader.graph.node_map.get((app, name))
        if node is None:
            continue
        if not any(child.key in applied and child.key[0] == app for child in node.children):
            last[app] = name
    return last


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def _consistent_copy(path: Path) -> Iterator[Path]:
    """A SQLite file (a number register) copied through SQLite's backup API, so a write in progress is never
    caught half-way; any other file as it is."""
    if path.suffix not in SQLITE_SUFFIXES:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="vanban-backup-") as tmp:
        copy = Path(tmp) / path.name
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                target = sqlite3.connect(copy)
                with target:
                    source.backup(target)
                target.close()
            finally:
                source.close()
        except sqlite3.DatabaseError:
            yield path  # not a SQLite database after all: the bytes as they are
            return
        yield copy


def create(target: Path, echo: Echo | None = None) -> Manifest:
    """Write the archive to `target` (never over an existing file); the service may keep running."""
    from django.conf import settings
    from django.core import serializers
    from django.db import connection, transaction

    from letters.core.files import atomic_path
    from web.audit.log import record

    echo = echo or (lambda _m: None)
    target = Path(target)
    if target.resolve().is_relative_to(Path(settings.DATA_DIR).resolve()):
        raise VanbanError(
            f"Không ghi tệp sao lưu vào trong thư mục dữ liệu ({settings.DATA_DIR}).",
            hint="Chọn một thư mục khác, tốt nhất trên ổ đĩa hoặc máy khác.",
        )
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", allowZip64=True) as archive:
        record("sao_luu_du_lieu", note=f"Sao lưu vào tệp {target.name}")
        with tempfile.TemporaryDirectory(prefix="vanban-backup-") as work:
            dump = Path(work) / DATABASE
            counts: dict[str, int] = {}
            # One snapshot of every table where the database offers it (PostgreSQL's repeatable read).
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                models = _models()
                for model in models:
                    counts[model._meta.label_lower] = model._base_manager.count()
                with dump.open("w", encoding="utf-8") as fh:
                    rows = itertools.chain.from_iterable(
                        model._base_manager.order_by("pk").iterator(chunk_size=2000) for model in models
                    )
                    serializers.serialize(
                        "json", rows, stream=fh, use_natural_foreign_keys=True, cls=_precise_encoder()
                    )
                migrations = _applied_migrations()
            echo(f"Cơ sở dữ liệu: {sum(counts.values())} bản ghi.")
            archive.write(dump, DATABASE, compress_type=zipfile.ZIP_DEFLATED)
            manifest = Manifest(
                created_at=dt.datetime.now(dt.UTC).isoformat(),
                vanban_version=_version(),
                vendor=connection.vendor,
                migrations=migrations,
                records={k: v for k, v in counts.items() if v},
                database_sha256=_sha256(dump),
            )
        for path, name in _data_files():
            with _consistent_copy(path) as source:
                # Stored, not deflated: PDFs, images and archives are compressed already.
                archive.write(source, name, compress_type=zipfile.ZIP_STORED)
                manifest.files.append(
                    {"path": name, "size": source.stat().st_size, "sha256": _sha256(source)}
                )
        echo(f"Tệp dữ liệu: {len(manifest.files)} tệp, {_megabytes(manifest.total_bytes)}.")
        archive.writestr(
            MANIFEST, json.dumps(manifest.to_json(), ensure_ascii=False, indent=1), zipfile.ZIP_DEFLATED
        )
    return manifest


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("vanban")
    except PackageNotFoundError:
        return "0"


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB".replace(".", ",")


# --- reading an archive ------------------------------------------------------------------------------------------


def _safe_member(name: str, archive: Path) -> PurePosixPath:
    path = PurePosixPath(name)
    if (
        path.is_absolute()
        or "\\" in name
        or any(part in ("", ".", "..") for part in path.parts)
        or path.parts[0] != FILES
        or len(path.parts) < 2
    ):
        raise VanbanError(f"Tệp sao lưu {archive} có đường dẫn không hợp lệ: {name!r}.", file=archive)
    return path


def check(archive: Path) -> Manifest:
    """Read the manifest and check every member against it (names, sizes, SHA-256) before anything is restored."""
    archive = Path(archive)
    try:
        with zipfile.ZipFile(archive) as zf:
            try:
                manifest = Manifest.from_json(json.loads(zf.read(MANIFEST)), archive)
            except KeyError:
                raise VanbanError(f"Tệp {archive} không phải tệp sao lưu của vanban.", file=archive) from None
            members = {info.filename: info for info in zf.infolist() if not info.is_dir()}
            expected = {MANIFEST, DATABASE, *(f["path"] for f in manifest.files)}
            if set(members) != expected:
                extra = sorted(set(members) - expected)[:3]
                missing = sorted(expected - set(members))[:3]
                raise VanbanError(
                    f"Tệp sao lưu {archive} không khớp với danh mục của nó"
                    + (f" (thừa {', '.join(extra)})" if extra else "")
                    + (f" (thiếu {', '.join(missing)})" if missing else "")
                    + ".",
                    file=archive,
                )
            for name, digest in [(DATABASE, manifest.database_sha256)] + [
                (f["path"], f["sha256"]) for f in manifest.files
            ]:
                if name != DATABASE:
                    _safe_member(name, archive)
                sha = hashlib.sha256()
                with zf.open(name) as fh:
                    while chunk := fh.read(CHUNK):
                        sha.update(chunk)
                if sha.hexdigest() != digest:
                    raise VanbanError(
                        f"Tệp sao lưu {archive} bị hỏng: «{name}» không đúng mã băm SHA-256 đã ghi.",
                        hint="Dùng một bản sao lưu khác.",
                        file=archive,
                    )
    except zipfile.BadZipFile as exc:
        raise VanbanError(f"Tệp {archive} không phải tệp ZIP hợp lệ ({exc}).", file=archive) from exc
    except OSError as exc:
        from letters.core.errors import os_error

        raise os_error(exc, "Không đọc được tệp sao lưu", archive) from exc
    return manifest


# --- restoring ---------------------------------------------------------------------------------------------------


def folder_is_empty(folder: Path) -> bool:
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


@contextlib.contextmanager
def set_aside(folder: Path, *, force: bool) -> Iterator[None]:
    """Make room for a restore: refuse a folder that holds data unless forced; when forced, keep its content
    aside until the restore has succeeded, and put it back if it fails."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise VanbanError(f"{folder} không phải thư mục.", file=folder)
    if folder_is_empty(folder):
        yield
        return
    if not force:
        raise VanbanError(
            f"Thư mục dữ liệu {folder} đã có dữ liệu; khôi phục sẽ thay toàn bộ dữ liệu đó.",
            hint="Khôi phục vào một thư mục trống (--data), hoặc thêm --force nếu chắc chắn muốn thay.",
            file=folder,
        )
    aside = folder.with_name(f".{folder.name}.truoc-khoi-phuc-{dt.datetime.now():%Y%m%d%H%M%S}")
    folder.rename(aside)
    folder.mkdir()
    try:
        yield
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        aside.rename(folder)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def _database_has_data() -> bool:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from web.accounts.models import Agency

    tables = set(connection.introspection.table_names())
    return any(
        model._meta.db_table in tables and model._base_manager.exists()
        for model in (get_user_model(), Agency)
    )


def _migrate_to(migrations: dict[str, str], archive: Path) -> None:
    """Bring the schema to the state the records were saved in (missing apps: their newest state)."""
    from django.core.management.sql import emit_post_migrate_signal
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    unknown = sorted(f"{app}.{name}" for app, name in migrations.items() if (app, name) not in graph.nodes)
    if unknown:
        raise VanbanError(
            f"Tệp sao lưu {archive} được tạo bằng phiên bản vanban mới hơn phiên bản này "
            f"(chưa biết {', '.join(unknown[:3])}).",
            hint="Cập nhật vanban rồi khôi phục lại.",
            file=archive,
        )
    targets = [(app, migrations.get(app, name)) for app, name in graph.leaf_nodes()]
    executor.migrate(targets, plan=executor.migration_plan(targets))
    # Content types and permissions, which the records refer to by natural key.
    emit_post_migrate_signal(0, False, connection.alias)


def restore(
    archive: Path, *, force: bool = False, echo: Echo | None = None, manifest: Manifest | None = None
) -> Manifest:
    """Restore into the configured database and data folder (which the caller has emptied or set aside)."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction

    from web.audit.log import record

    echo = echo or (lambda _m: None)
    archive = Path(archive).resolve()
    manifest = manifest or check(archive)
    data_dir = Path(settings.DATA_DIR)
    replace = _database_has_data()
    if replace and not force:
        raise VanbanError(
            "Cơ sở dữ liệu đã có dữ liệu; khôi phục sẽ thay toàn bộ dữ liệu đó.",
            hint="Khôi phục vào một cơ sở dữ liệu trống, hoặc thêm --force nếu chắc chắn muốn thay.",
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".khoi-phuc-", dir=data_dir) as staging_name:
        staging = Path(staging_name)
        with zipfile.ZipFile(archive) as zf:
            with zf.open(DATABASE) as src, (staging / DATABASE).open("wb") as dst:
                shutil.copyfileobj(src, dst, CHUNK)
            for entry in manifest.files:
                relative = _safe_member(entry["path"], archive).relative_to(FILES)
                target = staging / FILES / Path(*relative.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(entry["path"]) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst, CHUNK)
                if _sha256(target) != entry["sha256"]:  # the archive changed since it was checked
                    raise VanbanError(f"Tệp sao lưu {archive} bị hỏng ở «{entry['path']}».", file=archive)

        def load() -> None:
            if replace:
                call_command("flush", interactive=False, verbosity=0)
            _migrate_to(manifest.migrations, archive)
            call_command("loaddata", str(staging / DATABASE), verbosity=0)
            call_command("migrate", interactive=False, verbosity=0)

        # All or nothing. PostgreSQL rolls back schema changes too, so the whole restore is one transaction;
        # SQLite cannot migrate inside one, and a restore there starts from a fresh database file anyway
        # (loaddata is itself one transaction).
        if connection.vendor == "postgresql":
            with transaction.atomic():
                load()
        else:
            load()
        echo(f"Cơ sở dữ liệu: {sum(manifest.records.values())} bản ghi.")
        for entry in manifest.files:
            relative = PurePosixPath(entry["path"]).relative_to(FILES)
            source, target = staging / FILES / Path(*relative.parts), data_dir / Path(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
        echo(f"Tệp dữ liệu: {len(manifest.files)} tệp, {_megabytes(manifest.total_bytes)}.")
    record("khoi_phuc_du_lieu", note=f"Khôi phục từ tệp {archive.name} (sao lưu lúc {manifest.created_text})")
    return manifest

"""Atomic, non-clobbering writes: a user's file is never overwritten silently or left half-written.

Every failure of the operating system on an output (read-only or full disk, missing permission, a file
where a folder should be, a file locked by another program) becomes a VanbanError naming the path in
Vietnamese. Files and folders get the modes the user's umask asks for, like any file they create
themselves, so colleagues on a shared folder can open them.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from letters.core.errors import OutputExistsError, VanbanError, os_error

log = logging.getLogger(__name__)

_UMASK_LOCK = threading.Lock()
# Errors that, raised while the temporary file is being filled, can only be about writing it.
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO})


@functools.cache
def umask() -> int:
    """The process umask, read once. Linux shows it in /proc; elsewhere it can only be read by setting it."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def file_mode() -> int:
    return 0o666 & ~umask()


def dir_mode() -> int:
    return 0o777 & ~umask()


def _file_in_the_way(path: Path) -> Path | None:
    """The nearest existing ancestor of `path` when it is not a folder (so nothing can be created below it)."""
    for ancestor in path.parents:
        if ancestor.exists() or ancestor.is_symlink():
            return None if ancestor.is_dir() else ancestor
    return None


def _not_a_folder(blocker: Path, path: Path) -> VanbanError:
    where = f"Không ghi được {path}: " if blocker != path else "Không ghi được vào thư mục "
    return VanbanError(
        f"{where}{blocker} là một tệp, không phải thư mục.",
        hint="Chọn thư mục khác, hoặc đổi tên tệp đang đứng ở vị trí đó.",
        file=path,
    )


def check_writable(path: Path, force: bool) -> None:
    """Refuse before any work when `path` cannot take a new file: it exists (without force), or is a folder."""
    path = Path(path)
    if path.is_dir():
        raise VanbanError(
            f"Không ghi được tệp {path}: đã có thư mục trùng tên.",
            hint="Chọn tên hoặc thư mục khác, hoặc xoá thư mục đó.",
            file=path,
        )
    if path.exists() and not force:
        raise OutputExistsError(path)
    blocker = _file_in_the_way(path)
    if blocker is not None:
        raise _not_a_folder(blocker, path)


def make_dirs(path: Path) -> None:
    """`mkdir -p` whose failures are a VanbanError naming the folder."""
    path = Path(path)
    blocker = path if path.exists() and not path.is_dir() else _file_in_the_way(path)
    if blocker is not None:
        raise _not_a_folder(blocker, path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_error(exc, "Không tạo được thư mục", path) from exc


@contextlib.contextmanager
def atomic_path(path: Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it is renamed over `path` in one step."""
    path = Path(path)
    check_writable(path, force)
    make_dirs(path.parent)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise os_error(exc, "Không ghi được tệp", path) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        try:
            yield tmp
        except OSError as exc:
            if exc.errno in _WRITE_ERRNOS or exc.filename in (tmp_name, tmp):
                raise os_error(exc, "Không ghi được tệp", path) from exc
            raise
        if not force and path.exists():
            raise OutputExistsError(path)
        try:
            # mkstemp makes the file 0600; the user's umask decides, as for any file they create.
            os.chmod(tmp, file_mode())
            os.replace(tmp, path)
        except OSError as exc:
            raise os_error(exc, "Không ghi được tệp", path) from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def atomic_write_bytes(path: Path, data: bytes, *, force: bool = False) -> Path:
    with atomic_path(path, force=force) as tmp:
        try:
            tmp.write_bytes(data)
        except OSError as exc:
            raise os_error(exc, "Không ghi được tệp", path) from exc
    return Path(path)


def atomic_write_text(path: Path, text: str, *, force: bool = False) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"), force=force)


@contextlib.contextmanager
def staged_outputs(out_dir: Path, *, force: bool = False) -> Iterator[Path]:
    """Yield an empty staging folder beside `out_dir`; on success move everything written there into `out_dir`.

    A command that fails half-way must leave nothing behind, and one that succeeds must not clobber a user's
    file: every target is checked before the first one is moved, and on any error the staging folder goes.
    The folder sits next to `out_dir` so the final moves are renames on the same file system. When `out_dir`
    does not exist yet, the staging folder itself becomes it in one rename; otherwise files move one by one,
    and a failure among the moves puts back what was already moved.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise _not_a_folder(out_dir, out_dir)
    blocker = _file_in_the_way(out_dir)
    if blocker is not None:
        raise _not_a_folder(blocker, out_dir)
    # Resolved, so that a symlinked output folder gets its staging folder on its own file system.
    parent = out_dir.resolve().parent
    new_parents = [p for p in (parent, *parent.parents) if not p.exists()]  # deepest first
    make_dirs(parent)
    try:
        try:
            stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=parent))
            os.chmod(stage, dir_mode())
        except OSError as exc:
            raise os_error(exc, "Không ghi được vào thư mục", out_dir) from exc
        try:
            yield stage
            _move_into_place(stage, out_dir, force)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    except BaseException:
        for folder in new_parents:  # folders made only for this run go with it
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _move_into_place(stage: Path, out_dir: Path, force: bool) -> None:
    files = sorted(p for p in stage.rglob("*") if p.is_file() or p.is_symlink())
    if not files:
        return
    if not out_dir.exists() and not out_dir.is_symlink():
        try:
            os.rename(stage, out_dir)
            log.debug("staged outputs moved to %s", out_dir)
            return
        except OSError:
            pass  # created meanwhile, or a file system that refuses: move file by file below
    targets = [(p, out_dir / p.relative_to(stage)) for p in files]
    for _, target in targets:
        check_writable(target, force)
    backups = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".old", dir=stage.parent))
    moved: list[tuple[Path, Path | None]] = []  # target, and where the file it replaced waits meanwhile
    created = sorted(
        {
            folder
            for _, target in targets
            for folder in (target.parent, *target.parent.parents)
            if (folder == out_dir or out_dir in folder.parents) and not folder.exists()
        },
        key=lambda folder: len(folder.parts),
    )
    try:
        for n, (source, target) in enumerate(targets):
            make_dirs(target.parent)
            if target.exists():
                backup = backups / str(n)
                _rename(target, backup, target)
                moved.append((target, backup))
                _rename(source, target, target)
            else:
                _rename(source, target, target)
                moved.append((target, None))
    except BaseException:
        for target, saved in reversed(moved):
            with contextlib.suppress(OSError):
                if saved is None:
                    target.unlink(missing_ok=True)
                elif saved.exists():
                    os.replace(saved, target)
        for folder in reversed(created):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    finally:
        shutil.rmtree(backups, ignore_errors=True)
    log.debug("staged outputs moved into %s (%d files)", out_dir, len(targets))


def _rename(source: Path, target: Path, shown: Path) -> None:
    try:
        os.replace(source, target)
    except OSError as exc:
        raise os_error(exc, "Không ghi được tệp", shown) from exc

"""Standard logging for the command line: silent by default, technical detail on request.

Library modules log with `logging.getLogger(__name__)`; what a user normally reads comes from the
commands themselves, in Vietnamese. `--verbose` adds debug lines (and tracebacks) on stderr, `--log-file`
keeps them in a file to send to the developers. Messages of other libraries (pyHanko, fontTools…) are
in English and are only shown from warning level up, and only when asked for.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

OUR_LOGGERS = ("letters", "signing")
FORMAT = "%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s"

_installed: list[logging.Handler] = []


def setup_logging(verbose: bool, log_file: Path | None) -> None:
    """Install the handlers for one command run; calling it again replaces what the last call installed."""
    teardown_logging()
    root = logging.getLogger()
    handlers: list[logging.Handler] = []
    if verbose:
        # Bound to the stderr of this run (click's test runner swaps sys.stderr per invocation).
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handlers.append(stream)
    if log_file is not None:
        from letters.core.errors import os_error
        from letters.core.files import check_writable, make_dirs

        check_writable(Path(log_file), force=True)  # names the log file when a folder is in the way
        make_dirs(Path(log_file).parent)
        try:
            file_handler = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as exc:
            raise os_error(exc, "Không mở được tệp nhật ký", log_file) from exc
        file_handler.setFormatter(logging.Formatter(FORMAT))
        handlers.append(file_handler)
    if not handlers:
        # Without any handler, Python prints warnings of any library to stderr in English by itself.
        handlers.append(logging.NullHandler())
    for handler in handlers:
        root.addHandler(handler)
        _installed.append(handler)
    # Debug lines of vanban itself; other libraries keep the root's level (warnings and up).
    for name in OUR_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if (verbose or log_file) else logging.NOTSET)


def teardown_logging() -> None:
    """Remove and close the handlers `setup_logging` installed (the log file is complete afterwards)."""
    root = logging.getLogger()
    for name in OUR_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)
    while _installed:
        handler = _installed.pop()
        root.removeHandler(handler)
        handler.close()

"""Job kinds: a function per kind, registered by the app that owns the work.

A job function takes the Job and a `progress(done, total, message)` callback, does its work through the use
cases, and returns a JSON-serialisable result; a `VanbanError` becomes the job's Vietnamese error message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Progress = Callable[[int, int, str], None]
JobFunction = Callable[[Any, Progress], Any]

_KINDS: dict[str, JobFunction] = {}


def job_kind(name: str) -> Callable[[JobFunction], JobFunction]:
    def register(func: JobFunction) -> JobFunction:
        if name in _KINDS and _KINDS[name] is not func:
            raise ValueError(f"job kind {name!r} registered twice")
        _KINDS[name] = func
        return func

    return register


def function_for(kind: str) -> JobFunction:
    try:
        return _KINDS[kind]
    except KeyError:
        raise LookupError(f"unknown job kind {kind!r}") from None

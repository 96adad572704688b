"""How long steps report how far they got, without knowing who is watching.

A use case takes an optional `Progress` callback and calls it with (done, total) after each item; the command
line draws a bar from it (`progress_bars`: click's bars on stderr, only when stderr is a terminal, never in
logs, pipes or tests), the web service could push it to a page. `ProgressFactory` gives one callback per named
step, for runs made of several steps (the demo).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

Progress = Callable[[int, int], None]
"""Called with the number of items done so far and the total, after each item."""

ProgressFactory = Callable[[str], Progress]
"""A fresh `Progress` for the step with this Vietnamese label."""


def report(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


def step(factory: ProgressFactory | None, label: str) -> Progress | None:
    return factory(label) if factory is not None else None


class _Bar:
    """One step's bar, opened when the step reports its total and closed when it is done."""

    def __init__(self, label: str, bars: list[_Bar]) -> None:
        self.label = label
        self.done = 0
        self._bar: Any = None
        bars.append(self)

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            if total <= 0:
                return
            import click

            self._bar = click.progressbar(
                length=total, label=self.label, file=sys.stderr, show_pos=True, show_eta=total > 20
            )
            self._bar.__enter__()
        self._bar.update(max(0, done - self.done))
        self.done = done
        if done >= total:
            self.close()

    def clear(self) -> None:
        if self._bar is not None:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()

    def close(self) -> None:
        if self._bar is not None:
            bar, self._bar = self._bar, None
            bar.__exit__(None, None, None)


def stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


@contextlib.contextmanager
def progress_bars() -> Iterator[ProgressFactory | None]:
    """A factory of bars, one per step, or None when nobody would see them."""
    if not stderr_is_terminal():
        yield None
        return
    bars: list[_Bar] = []

    def factory(label: str) -> Progress:
        return _Bar(label, bars)

    try:
        yield factory
    finally:
        for bar in bars:
            bar.close()


@contextlib.contextmanager
def progress_bar(label: str) -> Iterator[Progress | None]:
    """One bar for a command that has one long step."""
    with progress_bars() as factory:
        yield factory(label) if factory is not None else None


def echo_above(progress: Progress | None, message: str, **style: Any) -> None:
    """Print a line without it landing on the bar: the bar is wiped and redrawn at its next update."""
    import click

    if isinstance(progress, _Bar):
        progress.clear()
    click.secho(message, **style)

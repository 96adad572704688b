"""Commands that read a campaign file and produce documents: check, render, demo."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Placeholder registration until the document commands land in this module."""

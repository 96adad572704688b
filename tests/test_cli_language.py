"""Everything the command line says is Vietnamese, click's own messages included."""

from __future__ import annotations

import click
from click.testing import CliRunner

from letters.cli.main import cli

ENGLISH = (
    "Usage:",
    "Options:",
    "Show this message",
    "does not exist",
    "Missing argument",
    "No such command",
    "Error:",
    "Commands:",
)


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [prefix]
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            out += _all_commands(cmd, (*prefix, name))
        else:
            out.append((*prefix, name))
    return out


def test_every_help_page_is_vietnamese() -> None:
    runner = CliRunner()
    for path in _all_commands(cli):
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Cách dùng:" in result.output and "Hiện hướng dẫn này rồi thoát." in result.output
        for word in ENGLISH:
            assert word not in result.output, (path, word)


def test_usage_errors_are_vietnamese_with_exit_code_2() -> None:
    runner = CliRunner()
    for args, expected in (
        (["check", "khong-co.yaml"], "không tồn tại"),
        (["render"], "Thiếu tham số"),
        (["rendr"], "Có phải ý bạn là"),
        (["render", "x.yaml", "--kind", "sai"], "không hợp lệ"),
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert expected in result.output and "Lỗi:" in result.output, (args, result.output)
        assert not any(word in result.output for word in ("Error:", "Usage:", "does not exist"))

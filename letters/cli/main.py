"""The `vanban` command. Thin: parses arguments, calls the library, prints Vietnamese messages."""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Callable
from typing import Any

import click

from letters.cli import i18n as cli_i18n
from letters.core.errors import VanbanError

cli_i18n.install()

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# Each module listed here exposes `register(group: click.Group) -> None` and adds its own commands.
COMMAND_MODULES: tuple[str, ...] = (
    "letters.cli.results",
    "letters.cli.documents",
    "letters.cli.verify",
    "letters.cli.sign",
)


class VanbanGroup(click.Group):
    """Turns library errors into short Vietnamese messages; tracebacks only with --verbose."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VanbanError as exc:
            if ctx.find_root().params.get("verbose"):
                traceback.print_exc()
            click.secho(str(exc), fg="red", err=True)
            ctx.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("Đã dừng theo yêu cầu người dùng.", err=True)
            ctx.exit(130)
        except Exception as exc:  # noqa: BLE001 - the last line of defence for users
            if ctx.find_root().params.get("verbose"):
                traceback.print_exc()
            click.secho(
                f"Lỗi không mong đợi: {type(exc).__name__}: {exc}\n"
                "Chạy lại với --verbose để xem chi tiết và gửi cho nhóm phát triển.",
                fg="red",
                err=True,
            )
            ctx.exit(1)


@click.group(cls=VanbanGroup, context_settings=CONTEXT_SETTINGS)
@click.option("--verbose", "-v", is_flag=True, help="In chi tiết lỗi (traceback) khi có sự cố.")
@click.version_option(package_name="vanban", message="vanban %(version)s")
def cli(verbose: bool) -> None:
    """vanban: soạn, ký số và kiểm tra văn bản đợt đánh giá chuyển đổi số (DTI)
    theo Nghị định 30/2020/NĐ-CP.

    Bắt đầu với: vanban demo
    """


def _register_all() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        register: Callable[[click.Group], None] = module.register
        register(cli)


_register_all()
cli_i18n.localise_usage(cli)


def main() -> None:
    cli(prog_name="vanban")


if __name__ == "__main__":
    sys.exit(main())

"""The `vanban` command. Thin: parses arguments, calls the library, prints Vietnamese messages."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import click

from letters.cli import i18n as cli_i18n
from letters.core.errors import VanbanError, os_error
from letters.core.logs import setup_logging, teardown_logging

cli_i18n.install()

log = logging.getLogger(__name__)

UNEXPECTED_HINT = "Chạy lại với --verbose để xem chi tiết kỹ thuật (hoặc --log-file TỆP để lưu lại) và gửi cho nhóm phát triển."

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# Each module listed here exposes `register(group: click.Group) -> None` and adds its own commands.
COMMAND_MODULES: tuple[str, ...] = (
    "letters.cli.results",
    "letters.cli.documents",
    "letters.cli.verify",
    "letters.cli.sign",
    "letters.cli.serve",
    "letters.cli.remind",
)


def _fail(message: str, code: int) -> None:
    # The traceback goes to the log (stderr with --verbose, the file with --log-file); users read one line.
    log.debug("command failed", exc_info=True)
    click.secho(message, fg="red", err=True)
    raise click.exceptions.Exit(code)


class VanbanGroup(click.Group):
    """Turns every failure into a short Vietnamese message; tracebacks only with --verbose or --log-file."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VanbanError as exc:
            _fail(str(exc), exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            _fail("Đã dừng theo yêu cầu người dùng.", 130)
        except OSError as exc:
            # A file the library did not expect to fail on (its own code maps the usual cases).
            _fail(str(os_error(exc, "Không đọc hoặc ghi được")), 1)
        except MemoryError:
            _fail("Không đủ bộ nhớ để hoàn thành lệnh. Hãy đóng bớt chương trình khác rồi chạy lại.", 1)
        except BrokenProcessPool:
            _fail(
                "Một tiến trình xử lý song song dừng đột ngột (có thể do thiếu bộ nhớ). " + UNEXPECTED_HINT, 1
            )
        except Exception as exc:  # noqa: BLE001 - the last line of defence for users
            _fail(f"Lỗi không mong đợi ({type(exc).__name__}). {UNEXPECTED_HINT}", 1)


@click.group(cls=VanbanGroup, context_settings=CONTEXT_SETTINGS)
@click.option(
    "--verbose", "-v", is_flag=True, help="In chi tiết kỹ thuật (nhật ký, traceback khi có lỗi) ra màn hình."
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Ghi nhật ký chi tiết (kèm traceback khi có lỗi) vào tệp này.",
)
@click.version_option(package_name="vanban", message="vanban %(version)s")
@click.pass_context
def cli(ctx: click.Context, verbose: bool, log_file: Path | None) -> None:
    """vanban: soạn, ký số và kiểm tra văn bản đợt đánh giá chuyển đổi số (DTI)
    theo Nghị định 30/2020/NĐ-CP.

    Bắt đầu với: vanban demo
    """
    setup_logging(verbose, log_file)
    ctx.call_on_close(teardown_logging)
    log.debug("command %s", ctx.invoked_subcommand)


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
    main()

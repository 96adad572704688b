"""`vanban demo`: the whole product on the bundled example campaigns, in one command."""

from __future__ import annotations

from pathlib import Path

import click

from letters.load import load_campaign
from letters.render import render_documents

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"


def example_files() -> list[Path]:
    return sorted(EXAMPLES_DIR.glob("*.yaml"))


def run_demo(out_dir: Path, echo: click.echo = click.echo) -> dict[str, list[Path]]:  # type: ignore[valid-type]
    """Render every example campaign into `out_dir/<example>/`; the demo owns that folder."""
    produced: dict[str, list[Path]] = {}
    for example in example_files():
        campaign = load_campaign(example)
        target = out_dir / example.stem
        rendered = render_documents(campaign, target, force=True)
        produced[example.stem] = [r.path for r in rendered]
        echo(f"{example.name}:")
        for r in rendered:
            echo(f"  {r.label}: {r.path}")
    return produced


@click.command("demo")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("outputs"),
              show_default=True, help="Thư mục ghi kết quả chạy thử.")
def demo_cmd(out_dir: Path) -> None:
    """Chạy thử toàn bộ sản phẩm trên các hồ sơ chiến dịch mẫu trong thư mục examples/."""
    click.echo(f"Tạo văn bản từ các hồ sơ mẫu vào {out_dir.resolve()} ...")
    run_demo(out_dir)
    click.secho(f"Xong. Mở thư mục {out_dir.resolve()} để xem văn bản.", fg="green")

"""Page images of a PDF (poppler's pdftoppm), for a preview in a browser without a PDF viewer."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from letters.core.errors import ToolMissingError, VanbanError
from letters.core.files import make_dirs

_INSTALL_HINT = "Cài gói poppler-utils (sudo apt-get install poppler-utils)."


def page_images(pdf: Path, out_dir: Path, *, dpi: int = 70, timeout: float = 120.0) -> list[Path]:
    """One PNG per page in `out_dir` (trang-01.png, trang-02.png, …), in page order.

    The images are made in a temporary folder beside `out_dir` and moved in only when every page is done, so a
    failed run leaves no partial preview.
    """
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise ToolMissingError(
            "Không tìm thấy chương trình pdftoppm để tạo ảnh xem trước.", hint=_INSTALL_HINT
        )
    make_dirs(out_dir.parent)
    with tempfile.TemporaryDirectory(prefix=f".{out_dir.name}.", dir=out_dir.parent) as tmp:
        try:
            subprocess.run(
                [tool, "-r", str(dpi), "-png", str(pdf), str(Path(tmp) / "p")],
                check=True,
                capture_output=True,
                timeout=timeout,
            )
        except subprocess.CalledProcessError as exc:
            raise VanbanError(
                f"Không tạo được ảnh xem trước của {pdf.name}: tệp PDF không đọc được.",
                hint=exc.stderr.decode(errors="replace").strip()[:300] or None,
            ) from exc
        except subprocess.TimeoutExpired as exc:
            raise VanbanError(f"Tạo ảnh xem trước của {pdf.name} quá {timeout:.0f} giây; đã dừng.") from exc
        # pdftoppm pads the page number to the width of the page count: sort numerically, rename plainly.
        made = sorted(Path(tmp).glob("p-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        if not made:
            raise VanbanError(f"Tệp PDF {pdf.name} không có trang nào.")
        staged = Path(tmp) / "out"
        staged.mkdir()
        pages = []
        for n, image in enumerate(made, 1):
            target = staged / f"trang-{n:02d}.png"
            image.rename(target)
            pages.append(out_dir / target.name)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staged.rename(out_dir)
    return pages

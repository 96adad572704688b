"""Commands for the results side of a campaign: forms, example scores, checking indicator sets, ranking."""

from __future__ import annotations

from pathlib import Path

import click

from letters.core.errors import Diagnostic, Severity, VanbanError
from letters.core.progress import progress_bars


def _print_diagnostics(diags: list[Diagnostic], limit: int = 40) -> None:
    for d in diags[:limit]:
        click.secho(d.format(), fg="red" if d.severity is Severity.ERROR else "yellow", err=True)
    if len(diags) > limit:
        click.echo(f"… và {len(diags) - limit} thông báo khác.", err=True)


def register(group: click.Group) -> None:
    @group.command("forms")
    @click.argument("campaign", type=click.Path(dir_okay=False, path_type=Path))
    @click.option(
        "--out",
        "out_dir",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Thư mục ghi biểu mẫu Excel.",
    )
    @click.option("--force", is_flag=True, help="Ghi đè tệp đã có.")
    def forms_cmd(campaign: Path, out_dir: Path, force: bool) -> None:
        """Tạo biểu mẫu tự đánh giá Excel (.xlsx) cho từng nhóm đơn vị của đợt đánh giá."""
        from letters.usecases.results import FormsRequest, write_blank_forms

        for p in write_blank_forms(FormsRequest(campaign, out_dir, force)):
            click.echo(f"Đã tạo biểu mẫu: {p}")

    @group.command("indicators")
    @click.argument("sets", nargs=-1)
    def indicators_cmd(sets: tuple[str, ...]) -> None:
        """Kiểm tra bộ chỉ số (mã có sẵn hoặc tệp YAML): mã trùng, tổng điểm các chỉ số.

        Không ghi tham số thì kiểm tra mọi bộ chỉ số có sẵn.
        """
        from letters.core.vn import number
        from letters.usecases.results import check_indicator_sets

        failed = False
        for report in check_indicator_sets(sets, Path.cwd()):
            errors = [d for d in report.diagnostics if d.severity is Severity.ERROR]
            if errors:
                failed = True
                click.secho(f"{report.path}: {len(errors)} lỗi", fg="red")
            else:
                click.echo(
                    f"{report.path}: hợp lệ: {report.name}, phiên bản {report.version}, {report.indices} chỉ số "
                    f"chính, {report.components} chỉ số thành phần, {number(report.max_points)} điểm."
                )
            _print_diagnostics(report.diagnostics)
        if failed:
            raise VanbanError(
                "Có bộ chỉ số chưa hợp lệ; sửa các lỗi ở trên (số dòng là dòng trong tệp YAML)."
            )

    @group.command("example-scores")
    @click.argument("campaign", type=click.Path(dir_okay=False, path_type=Path))
    @click.option(
        "--out",
        "out_dir",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Thư mục ghi dữ liệu điểm mẫu.",
    )
    @click.option(
        "--seed", default=2024, show_default=True, help="Hạt giống ngẫu nhiên (cùng hạt giống, cùng dữ liệu)."
    )
    @click.option("--no-forms", is_flag=True, help="Chỉ tạo tệp CSV, không tạo biểu mẫu Excel đã điền.")
    @click.option("--force", is_flag=True, help="Ghi đè tệp đã có.")
    def example_scores_cmd(campaign: Path, out_dir: Path, seed: int, no_forms: bool, force: bool) -> None:
        """Tạo dữ liệu điểm tự đánh giá mẫu (CSV và biểu mẫu Excel đã điền) để chạy thử."""
        from letters.usecases.results import ExampleScoresRequest, write_example_scores

        csv_path = write_example_scores(ExampleScoresRequest(campaign, out_dir, seed, not no_forms, force))
        click.echo(f"Đã tạo dữ liệu điểm mẫu: {csv_path}")

    @group.command("results")
    @click.argument("campaign", type=click.Path(dir_okay=False, path_type=Path))
    @click.argument("scores", type=click.Path(exists=True, path_type=Path))
    @click.option(
        "--out",
        "out_dir",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Thư mục ghi bảng xếp hạng, Tờ trình, Quyết định và thông báo kết quả.",
    )
    @click.option(
        "--late-rule",
        type=click.Choice(["exclude", "last"]),
        default=None,
        help="Đơn vị nộp muộn: exclude (không chấm điểm) hoặc last (xếp hạng cuối). "
        "Mặc định theo tệp đợt đánh giá.",
    )
    @click.option(
        "--rank-by",
        type=click.Choice(["points", "dti"]),
        default=None,
        help="Xếp hạng theo tổng điểm (points) hay theo chỉ số DTI làm tròn 4 chữ số (dti). "
        "Mặc định theo tệp đợt đánh giá.",
    )
    @click.option("--charts", is_flag=True, help="Ghi thêm biểu đồ điểm từng đơn vị thành tệp PNG riêng.")
    @click.option(
        "--pdf",
        is_flag=True,
        help="Tạo thêm bản PDF của Tờ trình, Quyết định và mọi thông báo (cần LibreOffice).",
    )
    @click.option(
        "--ignore-errors", is_flag=True, help="Vẫn xếp hạng khi dữ liệu điểm có lỗi (điểm lỗi tính là 0)."
    )
    @click.option("--force", is_flag=True, help="Ghi đè tệp đã có.")
    def results_cmd(
        campaign: Path,
        scores: Path,
        out_dir: Path,
        late_rule: str | None,
        rank_by: str | None,
        charts: bool,
        pdf: bool,
        ignore_errors: bool,
        force: bool,
    ) -> None:
        """Đọc điểm tự đánh giá, kiểm tra, tính chỉ số và xếp hạng; tạo Tờ trình, Quyết định công bố kết quả
        (kèm phụ lục xếp hạng từng nhóm) và thông báo kết quả cho từng đơn vị.

        ĐIỂM là thư mục chứa các biểu mẫu Excel (.xlsx) đơn vị đã điền (tạo bằng vanban forms), hoặc một
        tệp CSV (UTF-8, phân cách bằng dấu chấm phẩy hoặc dấu phẩy), mỗi dòng một chỉ số thành phần của
        một đơn vị:

        \b
          don_vi        tên đơn vị (Sở Tư pháp) hoặc mã đơn vị (so-tu-phap)
          ma_chi_so     mã chỉ số thành phần như trong bộ chỉ số (1.2)
          diem          điểm tự đánh giá; viết 8,5 hoặc 8.5
          giai_trinh    giải trình, bắt buộc khi điểm thấp hơn điểm tối đa
          ngay_nop      (không bắt buộc) ngày đơn vị nộp, NN/TT/NNNN: sau hạn
                        nộp là nộp muộn, xử lý theo --late-rule
          han_nop       (không bắt buộc) hạn nộp riêng khi đơn vị được gia hạn,
                        NN/TT/NNNN: thay hạn nộp của nhóm; không sớm hơn hạn đó
          da_tham_dinh  (không bắt buộc) có/không: cấp xã đã được cấp huyện
                        thẩm định chưa (khi hồ sơ yêu cầu thẩm định)

        Tiêu đề cột viết tiếng Việt cũng được (Đơn vị, Mã chỉ số, Điểm, Giải trình, Ngày nộp, Hạn nộp, Đã
        thẩm định). Với thư mục biểu mẫu Excel, ngày nộp, hạn nộp riêng và thẩm định ghi trong tệp tiep_nhan.csv
        (cột don_vi, ngay_nop, han_nop, da_tham_dinh) đặt cùng thư mục. Tạo dữ liệu mẫu để thử: vanban
        example-scores.
        """
        from letters.core.vn import number
        from letters.usecases.results import ResultsRequest, run_results

        with progress_bars() as progress:
            outcome = run_results(
                ResultsRequest(
                    campaign,
                    scores,
                    out_dir,
                    late_rule=late_rule,  # type: ignore[arg-type]  # click.Choice admits only these
                    rank_by=rank_by,  # type: ignore[arg-type]
                    chart_files=charts,
                    ignore_errors=ignore_errors,
                    force=force,
                    pdf=pdf,
                    progress=progress,
                )
            )
        _print_diagnostics(outcome.diagnostics)
        for tr in outcome.results.tiers:
            missing = f" (trong đó {len(tr.missing)} đơn vị chưa nộp)" if tr.missing else ""
            click.echo(
                f"{tr.tier.name}: {len(tr.ranked)} đơn vị được xếp hạng, "
                f"{len(tr.excluded)} đơn vị không xếp hạng{missing}; "
                f"bình quân {number(tr.average_points)} điểm."
            )
        files = outcome.files
        click.echo(f"Đã ghi: {files.ranking_xlsx}")
        click.echo(f"Đã ghi: {files.ranking_csv}")
        if files.charts:
            click.echo(f"Đã vẽ {len(files.charts)} biểu đồ vào {files.charts[0].parent}")
        docs = files.documents
        click.echo(
            f"Đã tạo {len(docs.files)} văn bản: Tờ trình, Quyết định và {len(docs.notices)} thông báo kết quả "
            f"(thư mục {out_dir / 'thong-bao'})."
        )
        if outcome.pdfs:
            click.echo(f"Đã tạo {len(outcome.pdfs)} bản PDF, đặt cạnh từng văn bản.")
        for name in outcome.without_notice:
            click.echo(f"Không lập thông báo cho {name}: đây là cơ quan ban hành thông báo.")
        if outcome.missing:
            # Last on screen, so it is not scrolled away by the list of files.
            click.secho(
                f"CẢNH BÁO: {len(outcome.missing)} đơn vị chưa nộp kết quả tự đánh giá hợp lệ; các văn bản ghi "
                "các đơn vị này là «chưa nộp», không chấm điểm, không xếp hạng:",
                fg="yellow",
                bold=True,
                err=True,
            )
            for m in outcome.missing:
                click.secho(f"  - {m.unit} ({m.tier}): {m.reason}", fg="yellow", err=True)

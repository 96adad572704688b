"""Commands for the results side of a campaign: forms, example scores, checking indicator sets, ranking.

The campaign file is read with the full campaign model (so mistakes are reported by line) and adapted
to the records the results code takes (letters.results_inputs).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import click

from letters.core.errors import Diagnostic, DiagnosticsError, Severity, VanbanError


def _vn(value: Decimal) -> str:
    return format(value, "f").replace(".", ",")


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
        from letters.results.inputs import load_for_results, write_forms

        _, camp = load_for_results(campaign)
        for p in write_forms(camp, out_dir, force=force):
            click.echo(f"Đã tạo biểu mẫu: {p}")

    @group.command("indicators")
    @click.argument("sets", nargs=-1)
    def indicators_cmd(sets: tuple[str, ...]) -> None:
        """Kiểm tra bộ chỉ số (mã có sẵn hoặc tệp YAML): mã trùng, tổng điểm các chỉ số.

        Không ghi tham số thì kiểm tra mọi bộ chỉ số có sẵn.
        """
        from letters.indicators.sets import (
            builtin_set_ids,
            check_indicator_set,
            load_indicator_set,
            resolve_set_path,
        )

        failed = False
        for ref in sets or tuple(builtin_set_ids()):
            path = resolve_set_path(ref, Path.cwd())
            diags = check_indicator_set(path)
            errors = [d for d in diags if d.severity is Severity.ERROR]
            if errors:
                failed = True
                click.secho(f"{path}: {len(errors)} lỗi", fg="red")
            else:
                ind = load_indicator_set(path)
                n = sum(1 for _ in ind.components())
                click.echo(
                    f"{path}: hợp lệ: {ind.name}, phiên bản {ind.version}, {len(ind.indices)} chỉ số chính, "
                    f"{n} chỉ số thành phần, {_vn(ind.max_points)} điểm."
                )
            _print_diagnostics(diags)
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
        from letters.results.example import make_example_scores
        from letters.results.inputs import load_for_results

        _, camp = load_for_results(campaign)
        csv_path = make_example_scores(
            camp.units, camp.tiers, out_dir, seed, year=camp.year, forms=not no_forms, force=force
        )
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
        ignore_errors: bool,
        force: bool,
    ) -> None:
        """Đọc điểm tự đánh giá, kiểm tra, tính chỉ số và xếp hạng; tạo Tờ trình, Quyết định công bố kết quả
        (kèm phụ lục xếp hạng từng nhóm) và thông báo kết quả cho từng đơn vị.

        ĐIỂM là tệp CSV (cột don_vi, ma_chi_so, diem, giai_trinh) hoặc thư mục chứa các biểu mẫu
        Excel đơn vị đã điền.
        """
        from dataclasses import replace

        from letters.results.inputs import load_for_results
        from letters.results.pipeline import (
            CHARTS_DIR,
            compute_campaign_results,
            ranking_rules,
            write_outputs,
        )

        full, _ = load_for_results(campaign)
        rules = ranking_rules(full)
        rules = replace(rules, late_policy=late_rule or rules.late_policy, rank_by=rank_by or rules.rank_by)
        results = compute_campaign_results(full, scores, rules)
        if results.errors and not ignore_errors:
            raise DiagnosticsError(results.diagnostics, source=f"Dữ liệu điểm {scores}")
        _print_diagnostics(results.diagnostics)
        paths = write_outputs(full, results, out_dir, force=force, chart_files=charts)
        for tr in results.tiers:
            click.echo(
                f"{tr.tier.name}: {len(tr.ranked)} đơn vị được xếp hạng, "
                f"{len(tr.excluded)} đơn vị không xếp hạng; bình quân {_vn(tr.average_points)} điểm."
            )
        for p in paths[:2]:
            click.echo(f"Đã ghi: {p}")
        if charts:
            click.echo(f"Đã vẽ biểu đồ vào {out_dir / CHARTS_DIR}")
        docs = [p for p in paths if p.suffix == ".docx"]
        click.echo(
            f"Đã tạo {len(docs)} văn bản: Tờ trình, Quyết định và {len(docs) - 2} thông báo kết quả "
            f"(thư mục {out_dir / 'thong-bao'})."
        )

"""Commands for the results side of a campaign: forms, example scores, checking indicator sets, ranking.

The campaign file is read here through a small adapter (year, tiers, units, deadlines, late rule) so these
commands work on their own; `load_results_campaign` is the single place to swap for the full campaign model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import yaml

from letters.errors import Diagnostic, DiagnosticsError, Severity, VanbanError
from letters.forms_xlsx import write_tier_forms
from letters.indicators import builtin_set_ids, check_indicator_set, load_indicator_set, resolve_set_path
from letters.ranking import RankingRules, Results, compute_results, write_ranking_csv, write_ranking_xlsx
from letters.results_model import TierRef, Unit, make_unit
from letters.scores import UnitIndex, parse_date

RANKING_XLSX = "xep_hang.xlsx"
RANKING_CSV = "xep_hang.csv"
CHARTS_DIR = "bieu_do"


@dataclass(frozen=True)
class ResultsCampaign:
    """What the results commands need from a campaign file."""

    path: Path
    year: int
    tiers: list[TierRef]
    units: list[Unit]
    late_rule: str = "exclude"


def _date(value: Any, where: str, path: Path) -> date | None:
    if value in (None, ""):
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise VanbanError(f"{path}: {where}: «{value}» không phải ngày hợp lệ (dd/mm/yyyy).")
    return parsed


def _tier_deadlines(raw: dict[str, Any], path: Path) -> dict[str, date]:
    """Last day (inclusive) on which each tier's results may reach the issuing Sở.

    A deadline sent to another tier (communes to their district) is not the Sở's; a deadline that
    "aggregates" a tier (the district forwarding its communes) is.
    """
    direct: dict[str, date] = {}
    via: dict[str, date] = {}
    for i, d in enumerate(raw.get("deadlines") or [], 1):
        if not isinstance(d, dict):
            continue
        when = _date(d.get("date"), f"hạn nộp thứ {i}", path)
        if when is None:
            continue
        if d.get("aggregates"):
            # The district forwarding its communes: the communes' deadline, not the district's own.
            via[str(d["aggregates"])] = when
        elif not d.get("to"):
            for tier_id in d.get("tiers") or []:
                direct[str(tier_id)] = when
    return {**direct, **via}


def load_results_campaign(path: Path) -> ResultsCampaign:
    """Read year, tiers (with their indicator sets and units), deadlines and the late rule."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise VanbanError(f"Không đọc được tệp đợt đánh giá {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise VanbanError(f"Tệp đợt đánh giá {path} sai cú pháp YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise VanbanError(f"Tệp đợt đánh giá {path} phải là một bảng YAML.")
    info = raw.get("campaign") or {}
    year = info.get("year", raw.get("year"))
    if not isinstance(year, int):
        raise VanbanError(f"{path}: thiếu năm đánh giá («campaign: year:»).")
    deadlines = _tier_deadlines(raw, path)
    tiers: list[TierRef] = []
    pending: list[tuple[str, str, str | None, str | None]] = []
    for i, t in enumerate(raw.get("tiers") or [], 1):
        if not isinstance(t, dict) or not t.get("id"):
            raise VanbanError(f"{path}: nhóm đơn vị thứ {i} trong «tiers» thiếu «id».")
        tier_id = str(t["id"])
        if not t.get("indicators"):
            raise VanbanError(f"{path}: nhóm «{tier_id}» chưa chỉ ra bộ chỉ số («indicators»).",
                              hint=f"Dùng một bộ có sẵn ({', '.join(builtin_set_ids())}) hoặc đường dẫn tệp YAML.")
        ind = load_indicator_set(str(t["indicators"]), base_dir=path.parent)
        deadline = _date(t.get("deadline"), f"hạn nộp của nhóm «{tier_id}»", path) or deadlines.get(tier_id)
        tiers.append(TierRef(tier_id, str(t.get("name") or tier_id), ind, str(t.get("form") or ""),
                             str(t.get("annex") or ""), deadline))
        for u in t.get("units") or []:
            if isinstance(u, str):
                pending.append((u, tier_id, None, None))
            elif isinstance(u, dict) and u.get("name"):
                pending.append((str(u["name"]), tier_id, u.get("id"), u.get("parent")))
            else:
                raise VanbanError(f"{path}: nhóm «{tier_id}» có một đơn vị thiếu tên («name»).")
    if not tiers:
        raise VanbanError(f"{path}: chưa có nhóm đơn vị nào («tiers»).")
    late_rule = str(info.get("late_rule") or "exclude")
    return ResultsCampaign(path, year, tiers, _resolve_units(pending, path), late_rule)


def _resolve_units(pending: list[tuple[str, str, str | None, str | None]], path: Path) -> list[Unit]:
    """Units with ids (slug of the name when missing) and their parent resolved to a unit id."""
    plain = [make_unit(name, tier, id=uid) for name, tier, uid, _ in pending]
    index = UnitIndex(plain)
    units: list[Unit] = []
    seen: dict[str, str] = {}
    for unit, (_, _, _, parent) in zip(plain, pending, strict=True):
        if unit.id in seen:
            raise VanbanError(f"{path}: mã đơn vị «{unit.id}» dùng cho cả «{seen[unit.id]}» và «{unit.name}».",
                              hint="Ghi «id» riêng cho một trong hai đơn vị.")
        seen[unit.id] = unit.name
        parent_id = None
        if parent:
            found = index.find(str(parent))
            if found is None:
                raise VanbanError(f"{path}: đơn vị cấp trên «{parent}» của «{unit.name}» không có trong danh sách.")
            parent_id = found.id
        units.append(Unit(unit.id, unit.name, unit.tier, parent_id))
    return units


def from_campaign_model(campaign: Any) -> ResultsCampaign:
    """Adapt the full campaign model (letters.campaign.Campaign, duck-typed) to the results inputs."""
    source = Path(campaign.source) if getattr(campaign, "source", None) else Path("campaign.yaml")
    raw_deadlines = [
        {"date": d.date, "tiers": list(d.tiers), "to": d.to, "aggregates": d.aggregates}
        for d in campaign.deadlines
    ]
    deadlines = _tier_deadlines({"deadlines": raw_deadlines}, source)
    tiers = []
    pending: list[tuple[str, str, str | None, str | None]] = []
    for t in campaign.tiers:
        if not t.indicators:
            raise VanbanError(f"{source}: nhóm «{t.id}» chưa chỉ ra bộ chỉ số («indicators»).")
        ind = load_indicator_set(t.indicators, base_dir=source.parent)
        tiers.append(TierRef(t.id, t.name, ind, t.form or "", t.annex or "", deadlines.get(t.id)))
        pending += [(u.name, t.id, u.id, u.parent) for u in t.units]
    units = _resolve_units(pending, source)
    return ResultsCampaign(source, campaign.campaign.year, tiers, units, str(campaign.campaign.late_rule))


def write_forms(campaign: ResultsCampaign, out_dir: Path, *, force: bool = False) -> list[Path]:
    """One blank self-assessment workbook per tier."""
    return write_tier_forms(campaign.tiers, out_dir, year=campaign.year, force=force)


def write_results(results: Results, out_dir: Path, *, year: int | None = None, force: bool = False,
                  charts: bool = False, workers: int = 2) -> list[Path]:
    """The ranking as XLSX and CSV, and optionally one chart PNG per scored unit."""
    out_dir = Path(out_dir)
    paths = [write_ranking_xlsx(results, out_dir / RANKING_XLSX, year=year, force=force),
             write_ranking_csv(results, out_dir / RANKING_CSV, force=force)]
    if charts:
        from letters.results_chart import write_unit_charts

        paths += write_unit_charts(results, out_dir / CHARTS_DIR, workers=workers, force=force)
    return paths


def results_demo(campaign: ResultsCampaign, out_dir: Path, *, seed: int = 2024, force: bool = False,
                 charts: bool = True) -> tuple[Results, list[Path]]:
    """The whole results side in one call, for the demo: blank forms, example scores (CSV + filled forms,
    with a tie, a late unit and an unappraised commune), ranking XLSX/CSV and one chart per unit."""
    from letters.results_example import make_example_scores

    out_dir = Path(out_dir)
    paths = write_forms(campaign, out_dir / "bieu_mau", force=force)
    scores = make_example_scores(campaign.units, campaign.tiers, out_dir / "diem_mau", seed, year=campaign.year,
                                 force=force)
    rules = RankingRules(late_policy=campaign.late_rule)
    results = compute_results(campaign.units, campaign.tiers, scores, rules)
    paths += [scores] + write_results(results, out_dir, year=campaign.year, force=force, charts=charts)
    return results, paths


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
    @click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
                  help="Thư mục ghi biểu mẫu Excel.")
    @click.option("--force", is_flag=True, help="Ghi đè tệp đã có.")
    def forms_cmd(campaign: Path, out_dir: Path, force: bool) -> None:
        """Tạo biểu mẫu tự đánh giá Excel (.xlsx) cho từng nhóm đơn vị của đợt đánh giá."""
        camp = load_results_campaign(campaign)
        for p in write_forms(camp, out_dir, force=force):
            click.echo(f"Đã tạo biểu mẫu: {p}")

    @group.command("indicators")
    @click.argument("sets", nargs=-1)
    def indicators_cmd(sets: tuple[str, ...]) -> None:
        """Kiểm tra bộ chỉ số (mã có sẵn hoặc tệp YAML): mã trùng, tổng điểm các chỉ số.

        Không ghi tham số thì kiểm tra mọi bộ chỉ số có sẵn.
        """
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
                click.echo(f"{path}: hợp lệ: {ind.name}, phiên bản {ind.version}, {len(ind.indices)} chỉ số chính, "
                           f"{n} chỉ số thành phần, {_vn(ind.max_points)} điểm.")
            _print_diagnostics(diags)
        if failed:
            raise VanbanError("Có bộ chỉ số chưa hợp lệ; sửa các lỗi ở trên (số dòng là dòng trong tệp YAML).")

    @group.command("example-scores")
    @click.argument("campaign", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
                  help="Thư mục ghi dữ liệu điểm mẫu.")
    @click.option("--seed", default=2024, show_default=True, help="Hạt giống ngẫu nhiên (cùng hạt giống, cùng dữ liệu).")
    @click.option("--no-forms", is_flag=True, help="Chỉ tạo tệp CSV, không tạo biểu mẫu Excel đã điền.")
    @click.option("--force", is_flag=True, help="Ghi đè tệp đã có.")
    def example_scores_cmd(campaign: Path, out_dir: Path, seed: int, no_forms: bool, force: bool) -> None:
        """Tạo dữ liệu điểm tự đánh giá mẫu (CSV và biểu mẫu Excel đã điền) để chạy thử."""
        from letters.results_example import make_example_scores

        camp = load_results_campaign(campaign)
        csv_path = make_example_scores(camp.units, camp.tiers, out_dir, seed, year=camp.year,
                                       forms=not no_forms, force=force)
        click.echo(f"Đã tạo dữ liệu điểm mẫu: {csv_path}")

    @group.command("results")
    @click.argument("campaign", type=click.Path(dir_okay=False, path_type=Path))
    @click.argument("scores", type=click.Path(exists=True, path_type=Path))
    @click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
                  help="Thư mục ghi bảng xếp hạng.")
    @click.option("--late-rule", type=click.Choice(["exclude", "last"]), default=None,
                  help="Đơn vị nộp muộn: exclude (không chấm điểm) hoặc last (xếp hạng cuối). "
                       "Mặc định theo tệp đợt đánh giá.")
    @click.option("--rank-by", type=click.Choice(["points", "dti"]), default="points", show_default=True,
                  help="Xếp hạng theo tổng điểm (points) hay theo chỉ số DTI làm tròn 4 chữ số (dti).")
    @click.option("--charts", is_flag=True, help="Vẽ biểu đồ điểm từng đơn vị (PNG).")
    @click.option("--ignore-errors", is_flag=True,
                  help="Vẫn xếp hạng khi dữ liệu điểm có lỗi (điểm lỗi tính là 0).")
    @click.option("--force", is_flag=True, help="Ghi đè tệp đã có.")
    def results_cmd(campaign: Path, scores: Path, out_dir: Path, late_rule: str | None, rank_by: str,
                    charts: bool, ignore_errors: bool, force: bool) -> None:
        """Đọc điểm tự đánh giá (thư mục biểu mẫu Excel hoặc tệp CSV), kiểm tra, tính chỉ số DTI và xếp hạng.

        SCORES là tệp CSV (cột don_vi, ma_chi_so, diem, giai_trinh) hoặc thư mục chứa các biểu mẫu
        Excel đơn vị đã điền.
        """
        camp = load_results_campaign(campaign)
        rules = RankingRules(late_policy=late_rule or camp.late_rule, rank_by=rank_by)
        results = compute_results(camp.units, camp.tiers, scores, rules)
        if results.errors and not ignore_errors:
            raise DiagnosticsError(results.diagnostics, source=f"Dữ liệu điểm {scores}")
        _print_diagnostics(results.diagnostics)
        paths = write_results(results, out_dir, year=camp.year, force=force, charts=charts)
        for tr in results.tiers:
            click.echo(f"{tr.tier.name}: {len(tr.ranked)} đơn vị được xếp hạng, "
                       f"{len(tr.excluded)} đơn vị không xếp hạng; bình quân {_vn(tr.average_points)} điểm.")
        for p in paths[:2]:
            click.echo(f"Đã ghi: {p}")
        if len(paths) > 2:
            click.echo(f"Đã vẽ {len(paths) - 2} biểu đồ vào {out_dir / CHARTS_DIR}")

"""Realistic example scores for the demo and the benchmark: a CSV export and the matching filled XLSX forms.

The data is random but reproducible (seeded), and always contains the cases the rules must handle: two units
with exactly the same points (đồng hạng), one unit that submitted after its tier's deadline, and one commune
whose district did not appraise it.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from letters.core.files import atomic_write_bytes
from letters.core.vn import number, short, vn_today
from letters.indicators.forms_xlsx import FilledRow, form_filename, write_form_xlsx
from letters.indicators.model import TierRef, Unit
from letters.indicators.sets import IndicatorSet

SCORES_CSV = "diem_tu_danh_gia.csv"
FORMS_DIR = "bieu_mau_da_dien"

_REASONS = (
    "Chưa bố trí đủ kinh phí trong năm nên chưa triển khai hết nội dung.",
    "Một số hệ thống do Trung ương triển khai, đơn vị chưa chủ động được số liệu.",
    "Đơn vị mới kiện toàn bộ máy, đang hoàn thiện hồ sơ.",
    "Số liệu tính đến hết kỳ đánh giá; phần còn lại hoàn thành trong quý I năm sau.",
    "Thiếu nhân lực chuyên trách công nghệ thông tin.",
    "Hạ tầng tại một số điểm chưa đáp ứng, đã đề xuất đầu tư.",
)
_EVIDENCE = (
    "Kế hoạch số {n}/KH-{abbr} ngày {d}",
    "Báo cáo số {n}/BC-{abbr} ngày {d}",
    "Quyết định số {n}/QĐ-{abbr} ngày {d}",
    "Ảnh chụp màn hình thống kê trên hệ thống, ngày {d}",
)


def _abbr(unit: Unit) -> str:
    letters = "".join(w[0] for w in unit.name.replace("Đ", "D").split() if w[:1].isalpha()).upper()
    return (letters or "DV")[:6]


def _unit_scores(ind: IndicatorSet, unit: Unit, rng: random.Random, year: int) -> dict[str, FilledRow]:
    strength = rng.uniform(0.35, 0.96)
    rows: dict[str, FilledRow] = {}
    for comp in ind.scored_components:
        full_chance = min(0.9, strength * 0.8)
        if rng.random() < full_chance:
            score = comp.max_points
        else:
            ratio = Decimal(str(max(0.0, min(1.0, rng.gauss(strength * 0.75, 0.2)))))
            score = (comp.max_points * ratio).quantize(Decimal("0.01"), ROUND_HALF_UP)
        d = date(year, 1, 1) + timedelta(days=rng.randrange(0, 300))
        evidence = rng.choice(_EVIDENCE).format(n=rng.randrange(12, 480), abbr=_abbr(unit), d=short(d))
        rows[comp.code] = FilledRow(score, evidence, rng.choice(_REASONS) if score < comp.max_points else "")
    return rows


def make_example_scores(
    units: Sequence[Unit],
    tiers: Sequence[TierRef],
    directory: Path,
    seed: int = 2024,
    *,
    year: int | None = None,
    forms: bool = True,
    force: bool = False,
) -> Path:
    """Write `directory/diem_tu_danh_gia.csv` (and, if `forms`, filled forms plus tiep_nhan.csv in
    `directory/bieu_mau_da_dien/`). Returns the CSV path. Deterministic for a given seed."""
    rng = random.Random(seed)
    directory = Path(directory)
    tier_by_id = {t.id: t for t in tiers}
    year = year or next((t.deadline.year for t in tiers if t.deadline), vn_today().year)
    filled: dict[str, dict[str, FilledRow]] = {}
    receipts: dict[str, tuple[date | None, str]] = {}

    by_tier: dict[str, list[Unit]] = {}
    for unit in units:
        if unit.tier in tier_by_id:
            by_tier.setdefault(unit.tier, []).append(unit)
    for tier_id, members in by_tier.items():
        tier = tier_by_id[tier_id]
        for unit in members:
            filled[unit.id] = _unit_scores(tier.indicator_set, unit, rng, year)
            deadline = tier.deadline or date(year, 11, 5)
            receipts[unit.id] = (deadline - timedelta(days=rng.randrange(0, 6)), "có" if unit.parent else "")

    # The cases the rules must handle, placed in the first tier large enough to hold them.
    big = next((m for m in by_tier.values() if len(m) >= 4), None)
    if big is not None:
        filled[big[2].id] = dict(filled[big[1].id])  # exact tie between the 2nd and 3rd units
        late = big[-1]
        deadline = tier_by_id[late.tier].deadline or date(year, 11, 5)
        receipts[late.id] = (deadline + timedelta(days=3), receipts[late.id][1])
    commune = next((u for u in units if u.parent and u.id in filled), None)
    if commune is not None:
        receipts[commune.id] = (receipts[commune.id][0], "không")

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(
        ["don_vi", "ma_chi_so", "diem", "giai_trinh", "tai_lieu_kiem_chung", "ngay_nop", "da_tham_dinh"]
    )
    for unit in units:
        if unit.id not in filled:
            continue
        submitted, appraised = receipts[unit.id]
        for code, row in filled[unit.id].items():
            writer.writerow(
                [
                    unit.id,
                    code,
                    number(row.score, grouping=False) if row.score is not None else "",
                    row.explanation,
                    row.evidence,
                    short(submitted) if submitted else "",
                    appraised,
                ]
            )
    csv_path = atomic_write_bytes(directory / SCORES_CSV, out.getvalue().encode("utf-8"), force=force)

    if forms:
        forms_dir = directory / FORMS_DIR
        rec = io.StringIO()
        rec_writer = csv.writer(rec, lineterminator="\n")
        rec_writer.writerow(["don_vi", "ngay_nop", "da_tham_dinh"])
        for unit in units:
            if unit.id not in filled:
                continue
            tier = tier_by_id[unit.tier]
            write_form_xlsx(
                tier.indicator_set,
                forms_dir / form_filename(tier.form or "Biểu mẫu", tier.id, unit.id),
                tier_id=tier.id,
                tier_name=tier.name,
                form_label=tier.form or "Biểu mẫu",
                year=year,
                unit_name=unit.name,
                filled=filled[unit.id],
                force=force,
            )
            submitted, appraised = receipts[unit.id]
            rec_writer.writerow([unit.id, short(submitted) if submitted else "", appraised])
        atomic_write_bytes(forms_dir / "tiep_nhan.csv", rec.getvalue().encode("utf-8"), force=force)
    return csv_path

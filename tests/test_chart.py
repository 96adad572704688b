"""The notice's chart: readable where it is printed, one scale for every index, the table's words."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from letters.campaign.load import load_campaign
from letters.documents import layout as L
from letters.indicators.tiers import from_campaign_model
from letters.results import chart
from letters.results.documents import _index_rows
from letters.results.example import make_example_scores
from letters.results.pipeline import compute_campaign_results
from letters.results.ranking import Results
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Results:
    campaign = load_campaign(EXAMPLES / "bacgiang-2023.yaml")
    inputs = from_campaign_model(campaign)
    scores = make_example_scores(
        inputs.units, inputs.tiers, tmp_path_factory.mktemp("diem"), year=2023, forms=False
    )
    return compute_campaign_results(campaign, scores)


def test_drawn_for_the_width_it_is_printed_at_with_lettering_of_at_least_8_pt(results: Results) -> None:
    unit = next(u for u in results.all_units() if u.scored)
    png = chart.unit_chart_png(unit, results.tier(unit.tier_id).average)
    img = Image.open(io.BytesIO(png))
    dpi = img.info["dpi"][0]
    assert abs(img.width / dpi * 25.4 - L.FIGURE_WIDTH_MM) < 0.5  # placed at this width: 1 px = 1 px
    assert chart.LETTER_PT >= 8
    # The font drawn is that size at that resolution.
    font = chart._font(chart._px(chart.LETTER_PT, round(dpi)))
    assert font.size / dpi * 72 >= 8 - 0.2


def test_one_scale_for_every_index_and_the_tables_words(results: Results) -> None:
    """Bars are shares of each index's maximum (a 500-point index is not a giant beside 100-point ones);
    the legend uses the column heads of the notice's table."""
    unit = next(u for u in results.tier("so").units if u.scored)
    head = _index_rows(unit, results.tier("so").average)[0]
    assert chart.UNIT_LABEL in head and chart.AVERAGE_LABEL in head
    full = {i.code: i.max_points for i in unit.indices}
    same_share = {i.code: i.max_points / 2 for i in unit.indices}
    unit_half = (
        unit.__class__(
            **{
                **unit.__dict__,
                "indices": [i.__class__(**{**i.__dict__, "points": full[i.code] / 2}) for i in unit.indices],
            }
        )
        if False
        else None
    )
    assert unit_half is None  # the drawing is checked below on pixels, not on objects
    png = chart.unit_chart_png(unit, {k: Decimal(v) for k, v in same_share.items()})
    img = Image.open(io.BytesIO(png)).convert("RGB")
    # Every average bar is half of its maximum: all orange bars end at the same x.
    ends = set()
    for y in range(img.height):
        xs = [x for x in range(img.width) if img.getpixel((x, y)) == chart.AVERAGE_COLOUR]
        if len(xs) > 100:  # a bar, not the legend's swatch
            ends.add(max(xs))
    assert len(ends) == 1, ends


def test_standalone_chart_files_have_a_title(results: Results, tmp_path: Path) -> None:
    paths = chart.write_unit_charts(results, tmp_path, workers=1)
    assert paths and all(p.suffix == ".png" for p in paths)
    with_title = Image.open(paths[0])
    without = Image.open(
        io.BytesIO(
            chart.unit_chart_png(
                results.unit(paths[0].stem), results.tier(results.unit(paths[0].stem).tier_id).average
            )
        )
    )
    assert with_title.height > without.height

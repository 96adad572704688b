"""What the web service needs to rank an online campaign with the existing results pipeline: the scores CSV in
the format `letters.results.scores` reads (so a run from the system's data is the same as a run from an
uploaded file, byte for byte), and who signs each results document (the Sở's signer the Tờ trình and the
notices, the province's the Quyết định), for the signing and issuance records."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from letters.core.vn import number, short

SCORES_HEADER = (
    "don_vi",
    "ma_chi_so",
    "diem",
    "giai_trinh",
    "tai_lieu_kiem_chung",
    "ngay_nop",
    "da_tham_dinh",
)
# Written only when some unit has an extension, so a campaign without one gives the same file as before.
DUE_COLUMN = "han_nop"


@dataclass(frozen=True)
class ScoreRow:
    """One indicator of one unit, as the Sở finally scored it."""

    unit: str  # the unit's id in the campaign
    code: str  # the component indicator's code
    points: Decimal | None  # None: never scored (the run then names the unit and the indicator)
    explanation: str = ""
    evidence: str = ""
    submitted_on: date | None = None  # the day the unit's data reached the Sở, in Việt Nam
    appraised: bool | None = None  # for a commune its district appraises: whether it did; None: not asked
    # The unit's own last day on time, when the Sở extended its self-assessment beyond its tier's deadline: the
    # ranking then judges `submitted_on` against this day, not the tier's.
    due_on: date | None = None


def scores_csv(rows: Iterable[ScoreRow]) -> bytes:
    """The rows as the scores CSV (UTF-8, semicolons, the documented column names; `han_nop` only when a unit
    has an extension); the same rows give the same bytes, so a run can be traced to exactly what it read."""
    rows = list(rows)
    with_due = any(row.due_on is not None for row in rows)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(SCORES_HEADER + ((DUE_COLUMN,) if with_due else ()))
    for row in rows:
        appraised = "" if row.appraised is None else ("có" if row.appraised else "không")
        cells = [
            row.unit,
            row.code,
            "" if row.points is None else number(row.points, grouping=False),
            " ".join(row.explanation.split()),
            " ".join(row.evidence.split()),
            short(row.submitted_on) if row.submitted_on else "",
            appraised,
        ]
        if with_due:
            cells.append(short(row.due_on) if row.due_on else "")
        writer.writerow(cells)
    return out.getvalue().encode("utf-8")


@dataclass(frozen=True)
class ResultsSigners:
    proposal: str  # Tờ trình: the Sở's signer
    decision: str  # Quyết định: the province's signer
    notice: str  # Thông báo kết quả: the Sở's signer


def results_signers(campaign_file: Path) -> ResultsSigners:
    """Who signs each results document, as the documents themselves print it (DiagnosticsError when the campaign
    file has errors)."""
    from letters.campaign.model import DocumentKind
    from letters.usecases.documents import load_checked_campaign

    campaign = load_checked_campaign(Path(campaign_file), build_letters=False).campaign
    assert campaign is not None  # load_checked_campaign raised otherwise

    def own(kind: DocumentKind) -> str | None:
        signer = campaign.document(kind).signer
        return signer.name if signer is not None else None

    province = campaign.province.signer.name if campaign.province is not None else ""
    return ResultsSigners(
        proposal=own(DocumentKind.TO_TRINH) or campaign.signer.name,
        decision=own(DocumentKind.QUYET_DINH) or province,
        notice=own(DocumentKind.THONG_BAO) or campaign.signer.name,
    )

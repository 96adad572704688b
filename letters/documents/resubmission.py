"""The công văn asking units to send again the evidence files that failed the signature check."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from letters.campaign.load import load_campaign
from letters.core import vn as cal
from letters.core.files import atomic_write_bytes
from letters.documents.builders import build_letter
from letters.documents.render import render_bytes

LETTER_NAME = "cong-van-de-nghi-nop-lai-tai-lieu.docx"


def write_resubmission_letter(
    campaign_path: Path, results: list[Any], out_dir: Path, *, deadline: date | None, force: bool = False
) -> Path | None:
    """Write the letter into `out_dir`; None when every file passed and nobody has to resubmit."""
    from signing.verify.letter_data import resubmission_body, resubmission_units

    units = resubmission_units(results)
    if not units:
        return None
    campaign = load_campaign(Path(campaign_path))
    body = resubmission_body(results, deadline_text=f"trước ngày {cal.short(deadline)}" if deadline else None)
    # The report speaks of "Sở" in general; the letter names the issuing body.
    body = body.replace("Sở đã kiểm tra", f"{campaign.issuer.text_name} đã kiểm tra", 1)
    body += "\nTrân trọng./."
    built = build_letter(
        campaign,
        subject=f"đề nghị bổ sung, nộp lại tài liệu kiểm chứng {campaign.campaign.index_name} năm {campaign.campaign.year}",
        recipients_names=units,
        body=body,
        filename=LETTER_NAME,
        label="Công văn đề nghị nộp lại tài liệu kiểm chứng",
    )
    return atomic_write_bytes(Path(out_dir) / LETTER_NAME, render_bytes(built), force=force)

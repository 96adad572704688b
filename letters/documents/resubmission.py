"""The công văn asking units to send again the evidence files that failed the signature check."""

from __future__ import annotations

from pathlib import Path

from letters.campaign.model import Campaign
from letters.core.files import atomic_write_bytes
from letters.documents.builders import build_letter
from letters.documents.render import render_bytes

LETTER_NAME = "cong-van-de-nghi-nop-lai-tai-lieu.docx"


def write_resubmission_letter(
    campaign: Campaign, units: list[str], body: str, out_dir: Path, *, force: bool = False
) -> Path:
    """Write the letter to `units` into `out_dir`; `body` is the letter's text in the wording markup."""
    # The verification report speaks of "Sở" in general; the letter names the issuing body.
    body = body.replace("Sở đã kiểm tra", f"{campaign.issuer.text_name} đã kiểm tra", 1)
    body += "\nTrân trọng./."
    info = campaign.campaign
    built = build_letter(
        campaign,
        subject=f"đề nghị bổ sung, nộp lại tài liệu kiểm chứng {info.index_name} năm {info.year}",
        recipients_names=units,
        body=body,
        filename=LETTER_NAME,
        label="Công văn đề nghị nộp lại tài liệu kiểm chứng",
    )
    return atomic_write_bytes(Path(out_dir) / LETTER_NAME, render_bytes(built), force=force)

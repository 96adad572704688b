"""Saving a campaign: a new version of its YAML text, written to the data folder, checked as `vanban check` does,
and audited. An invalid file is saved all the same (the user fixes it later): the check's findings are kept with it
and shown beside the fields they name."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from letters.core.errors import Diagnostic, Severity, VanbanError
from letters.core.vn import slugify
from letters.usecases.documents import CheckRequest, check_campaign
from web.audit.log import record
from web.campaigns.models import Campaign

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Saved:
    campaign: Campaign
    errors: int
    warnings: int

    @property
    def message(self) -> str:
        head = f"Đã lưu phiên bản {self.campaign.version}."
        if self.errors:
            return (
                f"{head} Hồ sơ còn {self.errors} lỗi và {self.warnings} cảnh báo, ghi ngay cạnh từng trường."
            )
        if self.warnings:
            return f"{head} Hồ sơ không có lỗi, có {self.warnings} cảnh báo."
        return f"{head} Hồ sơ không có lỗi, không có cảnh báo."


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _facts(source: str) -> dict[str, Any]:
    """The name and year the file states, read leniently: a file with errors still has a title in the list."""
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError:
        return {}
    info = data.get("campaign") if isinstance(data, dict) else None
    return info if isinstance(info, dict) else {}


SLUG_MAX = 50
# "UBND tỉnh Phú Thọ" → "Phú Thọ": the locality a campaign's address names.
_AUTHORITY = re.compile(
    r"^\s*(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)?\s*(?:tỉnh|thành phố|TP\.?)\s+", re.IGNORECASE
)


def _cut(slug: str, limit: int) -> str:
    """At most `limit` characters, cut between words only (a single longer word is cut where it must)."""
    if len(slug) <= limit:
        return slug
    head = slug[: limit + 1]
    at = head.rfind("-")
    return (slug[:at] if at > 0 else slug[:limit]).strip("-")


def _issuer(source: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError:
        return {}
    info = data.get("issuer") if isinstance(data, dict) else None
    return info if isinstance(info, dict) else {}


def slug_base(campaign: Campaign, file_name: str = "") -> str:
    """A short readable address for a new campaign: its locality and year ("phu-tho-2025"), else the uploaded
    file's name, else the issuer's abbreviation and year, else the first words of its name."""
    issuer = _issuer(campaign.source)
    place = issuer.get("place")
    if not (isinstance(place, str) and place.strip()):
        parent = issuer.get("parent")
        stripped = _AUTHORITY.sub("", parent) if isinstance(parent, str) else ""
        place = stripped if stripped != parent else ""
    year = str(campaign.year) if campaign.year else ""
    abbreviation = issuer.get("abbreviation")
    for candidate in (
        f"{place} {year}" if place.strip() else "",
        Path(file_name).stem if file_name else "",
        f"{abbreviation} {year}" if isinstance(abbreviation, str) and abbreviation.strip() else "",
    ):
        slug = slugify(candidate)
        if slug:
            return _cut(slug, SLUG_MAX)
    title = _cut(slugify(campaign.title), SLUG_MAX - len(year) - 1)
    if year and not title.endswith(year):
        title = f"{title}-{year}" if title else year
    return title or "dot-danh-gia"


def unique_slug(agency_id: int, base: str) -> str:
    """`base` made an address (at most SLUG_MAX characters, cut between words), free in the agency: "-2",
    "-3"… after it when taken."""
    base = _cut(slugify(base), SLUG_MAX) or "dot-danh-gia"
    slug, n = base, 2
    while Campaign.objects.filter(agency_id=agency_id, slug=slug).exists():
        suffix = f"-{n}"
        slug, n = f"{_cut(base, SLUG_MAX - len(suffix))}{suffix}", n + 1
    return slug


def _sync_facts(campaign: Campaign) -> None:
    facts = _facts(campaign.source)
    name = facts.get("name")
    if isinstance(name, str) and name.strip():
        campaign.title = name.strip()[:255]
    elif not campaign.title:
        campaign.title = "Đợt đánh giá chưa có tên"
    year = facts.get("year")
    if isinstance(year, int) and not isinstance(year, bool) and 0 < year < 10_000:
        campaign.year = year
    elif not campaign.year:
        from django.utils import timezone

        campaign.year = timezone.localdate().year


def _diagnostic_row(d: Diagnostic, own_file: Path) -> dict[str, Any]:
    other = d.file and Path(d.file).resolve() != own_file.resolve()
    return {
        "severity": d.severity.value,
        "message": d.message,
        "line": d.line,
        "field": d.field,
        # Another file's line (an indicator set, a template) is named with its file, never its full path.
        "file": Path(d.file).name if other and d.file else None,
    }


def run_check(campaign: Campaign) -> list[dict[str, Any]]:
    """Check the file as written in the data folder and keep the findings on the campaign."""
    path = campaign.yaml_path
    try:
        result = check_campaign(CheckRequest(path))
        rows = [_diagnostic_row(d, path) for d in result.diagnostics]
    except VanbanError as exc:
        rows = [_diagnostic_row(exc.diagnostic(), path)]
    except Exception:  # the save must never be lost to a fault of the checker
        log.exception("checking campaign %s failed", campaign.pk)
        rows = [
            {
                "severity": Severity.ERROR.value,
                "message": "Không kiểm tra được hồ sơ do lỗi trong vanban; hồ sơ vẫn được lưu. Hãy báo quản trị.",
                "line": None,
                "field": None,
                "file": None,
            }
        ]
    errors = sum(1 for r in rows if r["severity"] == Severity.ERROR.value)
    Campaign.objects.filter(pk=campaign.pk).update(
        diagnostics=rows,
        error_count=errors,
        warning_count=len(rows) - errors,
        checked_version=campaign.version,
    )
    campaign.diagnostics, campaign.error_count = rows, errors
    campaign.warning_count, campaign.checked_version = len(rows) - errors, campaign.version
    return rows


def ensure_written(campaign: Campaign) -> Path:
    """The campaign's YAML file in the data folder, as `source` says (written again if it differs)."""
    path = campaign.yaml_path
    try:
        if path.read_text(encoding="utf-8") == campaign.source:
            return path
    except (OSError, UnicodeDecodeError):
        pass
    return campaign.write_yaml()


def summary(campaign: Campaign) -> dict[str, Any]:
    return {
        "version": campaign.version,
        "title": campaign.title,
        "sha256": sha256(campaign.source),
        "lines": campaign.source.count("\n"),
    }


def save_source(
    campaign: Campaign,
    source: str,
    *,
    action: str,
    reason: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
    file_name: str = "",
) -> Saved:
    """Store `source` as the campaign's next version (the first when it is new), write it, check it, audit it.
    A new campaign's address comes from the file (`file_name`: the uploaded file's, when it says no locality)."""
    with transaction.atomic():
        if campaign.pk is None:
            campaign.source = source
            campaign.version = 1
            _sync_facts(campaign)
            if not campaign.slug:
                campaign.slug = unique_slug(campaign.agency_id, slug_base(campaign, file_name))
            campaign._change_reason = reason
            campaign.save()
            old = None
        else:
            current = Campaign.objects.select_for_update().get(pk=campaign.pk)
            old = summary(current)
            campaign.source = source
            campaign.version = current.version + 1
            _sync_facts(campaign)
            campaign._change_reason = reason
            campaign.save()
        # Written inside the transaction: a file that cannot be written leaves the previous version in place.
        campaign.write_yaml()
    rows = run_check(campaign)
    errors = sum(1 for r in rows if r["severity"] == Severity.ERROR.value)
    record(
        action,
        campaign,
        before={**(old or {}), **(before or {})} if old or before else None,
        after={**summary(campaign), "errors": errors, "warnings": len(rows) - errors, **(after or {})},
        note=note or reason,
    )
    return Saved(campaign, errors, len(rows) - errors)

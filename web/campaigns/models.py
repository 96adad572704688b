"""A campaign is its YAML campaign file (the source of truth shared with the CLI) plus what the service tracks
about it. The file is written to the data folder on every save, so use cases read it exactly as the CLI does."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Campaign(models.Model):
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="campaigns")
    slug = models.SlugField("mã", max_length=80)
    title = models.CharField("tên đợt đánh giá", max_length=255)
    year = models.PositiveIntegerField("năm đánh giá")
    source = models.TextField("tệp hồ sơ chiến dịch (YAML)")
    version = models.PositiveIntegerField("phiên bản", default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # What `vanban check` said about `source` after the last save: kept so pages show it without re-checking.
    diagnostics = models.JSONField("kết quả kiểm tra", default=list, blank=True)
    error_count = models.PositiveIntegerField("số lỗi", default=0)
    warning_count = models.PositiveIntegerField("số cảnh báo", default=0)
    checked_version = models.PositiveIntegerField("phiên bản đã kiểm tra", default=0)
    history = HistoricalRecords(
        excluded_fields=["diagnostics", "error_count", "warning_count", "checked_version"]
    )

    class Meta:
        verbose_name = "đợt đánh giá"
        verbose_name_plural = "đợt đánh giá"
        ordering = ["-year", "title"]
        constraints = [models.UniqueConstraint(fields=["agency", "slug"], name="campaign_slug_per_agency")]

    def __str__(self) -> str:
        return self.title

    @property
    def folder(self) -> Path:
        """Where the campaign's files live: its YAML file, generated documents, uploads."""
        return Path(settings.FILES_DIR) / f"agency-{self.agency_id}" / f"campaign-{self.pk}"

    @property
    def yaml_path(self) -> Path:
        return self.folder / "campaign.yaml"

    def write_yaml(self) -> Path:
        """The file the use cases read; relative paths in it (indicator sets, templates) resolve beside it."""
        from letters.core.files import atomic_write_text

        return atomic_write_text(self.yaml_path, self.source, force=True)

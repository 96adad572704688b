"""A campaign's documents as rendered: each "Tạo văn bản" makes a new numbered version in its own folder
(campaign folder / van-ban / v<N>), and versions are never changed or removed, so a draft approved for signing
keeps pointing at the exact files that were approved."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models


class VersionStatus(models.TextChoices):
    QUEUED = "queued", "Đang chờ"
    RENDERING = "rendering", "Đang tạo"
    READY = "ready", "Đã tạo xong"
    FAILED = "failed", "Lỗi"


class VersionOrigin(models.TextChoices):
    LETTERS = "van_ban", "Văn bản của đợt đánh giá"
    RESULTS = "ket_qua", "Văn bản kết quả (từ một lần tổng hợp kết quả)"


class DocumentVersion(models.Model):
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="document_versions"
    )
    number = models.PositiveIntegerField("phiên bản")
    status = models.CharField(
        "trạng thái", max_length=16, choices=VersionStatus.choices, default=VersionStatus.QUEUED
    )
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The campaign file exactly as rendered: what this version's documents say comes from this text.
    source = models.TextField("hồ sơ chiến dịch khi tạo")
    source_sha256 = models.CharField(max_length=64)
    signer_name = models.CharField("người ký", max_length=255, blank=True)
    annex_host = models.CharField("văn bản kèm biểu mẫu, phụ lục", max_length=32, blank=True)
    warnings = models.JSONField("cảnh báo", default=list, blank=True)
    error = models.TextField("lỗi", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("thời điểm tạo", auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A results run registers its Tờ trình, Quyết định and notices as a version of the campaign's documents, so
    # they are approved, signed and issued as the letters are (web.results registers them).
    origin = models.CharField(
        "nguồn", max_length=16, choices=VersionOrigin.choices, default=VersionOrigin.LETTERS
    )

    class Meta:
        verbose_name = "phiên bản văn bản"
        verbose_name_plural = "phiên bản văn bản"
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="document_version_per_campaign")
        ]

    def __str__(self) -> str:
        return f"{self.campaign}: văn bản phiên bản {self.number}"

    @property
    def folder(self) -> Path:
        return self.campaign.folder / "van-ban" / f"v{self.number}"

    @property
    def ready(self) -> bool:
        return self.status == VersionStatus.READY


class DocumentKind(models.TextChoices):
    KE_HOACH = "ke_hoach", "Kế hoạch"
    CONG_VAN = "cong_van", "Công văn"
    ANNEX = "annex", "Biểu mẫu, phụ lục"
    TO_TRINH = "to_trinh", "Tờ trình"
    QUYET_DINH = "quyet_dinh", "Quyết định"
    THONG_BAO = "thong_bao", "Thông báo kết quả"


# Register series (sổ đăng ký) of the documents that are issued with a number.
DOC_TYPES = {
    DocumentKind.KE_HOACH: "KH",
    DocumentKind.CONG_VAN: "CV",
    DocumentKind.TO_TRINH: "TTr",
    DocumentKind.QUYET_DINH: "QĐ",
    DocumentKind.THONG_BAO: "TB",
}


class Document(models.Model):
    """One document of a version: its Word or Excel file, its PDF and the PDF's page images."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, related_name="documents")
    order = models.PositiveIntegerField(default=0)
    kind = models.CharField("loại", max_length=16, choices=DocumentKind.choices)
    label = models.CharField("văn bản", max_length=255)
    office_path = models.CharField(max_length=500)  # relative to the version folder
    office_sha256 = models.CharField(max_length=64)
    office_size = models.BigIntegerField()
    pdf_path = models.CharField(max_length=500, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pdf_size = models.BigIntegerField(null=True, blank=True)
    pages = models.PositiveIntegerField("số trang", default=0)  # page images made for the preview
    # Who signs this document when it is not the version's signer: the province's leader signs the Quyết định
    # of a results version whose Tờ trình and notices the Sở's leader signs. Empty: the version's.
    signer_name = models.CharField("người ký", max_length=255, blank=True)

    class Meta:
        verbose_name = "văn bản"
        verbose_name_plural = "văn bản"
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return f"{self.label} (phiên bản {self.version.number})"

    @property
    def office_file(self) -> Path:
        return self.version.folder / self.office_path

    @property
    def pdf_file(self) -> Path | None:
        return self.version.folder / self.pdf_path if self.pdf_path else None

    @property
    def office_format(self) -> str:
        return Path(self.office_path).suffix.lstrip(".").lower()

    @property
    def preview_dir(self) -> Path:
        return self.version.folder / "xem-truoc" / Path(self.office_path).stem

    def page_image(self, page: int) -> Path:
        return self.preview_dir / f"trang-{page:02d}.png"

    @property
    def issuable(self) -> bool:
        """A letter that is signed and issued with a number (forms and guides go with one as attachments)."""
        return self.kind in DOC_TYPES and bool(self.pdf_path)

    @property
    def signer(self) -> str:
        """Who signs this document: its own signer when it has one, else its version's."""
        return self.signer_name or self.version.signer_name

    @property
    def doc_type(self) -> str:
        return DOC_TYPES.get(DocumentKind(self.kind), "")

"""Evidence checks of a campaign: the files units sent (stored as uploaded, never rewritten), the campaign's
verification policy, and each verification run with its verdicts, reports and resubmission letters.

A run's verdicts are kept as rows (the report page filters them without reading report.json); the reports the
use case wrote stay in the run's folder and are served as written."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from web.evidence.storage import files_path, size_text
from web.jobs.models import JobStatus

ALL_UNITS = ""  # unit_name of an archive whose first-level folders are the units
ALL_UNITS_LABEL = "Tất cả đơn vị (mỗi thư mục cấp một là một đơn vị)"
DEFAULT_POLICY_NAME = "Chính sách mặc định"
UNNAMED_POLICY_NAME = "Chính sách riêng của đợt đánh giá (chưa đặt tên)"


def name_of_policy(text: str) -> str:
    """A policy as pages name it: its `name:`, else words that say a saved policy (not the default) applies.

    The verifier names a policy without `name:` after its default; a page saying "Chính sách mặc định" for the
    campaign's own policy would tell the reader the wrong rules were applied."""
    if not text.strip():
        return DEFAULT_POLICY_NAME
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return UNNAMED_POLICY_NAME
    name = str(data.get("name") or "").strip() if isinstance(data, dict) else ""
    return name or UNNAMED_POLICY_NAME


class EvidenceUpload(models.Model):
    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        ZIP = "zip", "ZIP"

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="evidence_uploads"
    )
    unit_name = models.CharField("đơn vị", max_length=255, blank=True, db_index=True)
    unit_key = models.CharField("mã đơn vị", max_length=120, blank=True)
    kind = models.CharField("loại tệp", max_length=8, choices=Kind.choices)
    original_name = models.CharField("tên tệp", max_length=255)
    stored_path = models.CharField(max_length=500)
    size = models.BigIntegerField("dung lượng")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField("thời điểm tải lên", auto_now_add=True)
    # False once a later upload of the same name for the same unit replaced it, or it was withdrawn; the file
    # itself stays, and runs that used it keep pointing at it.
    active = models.BooleanField("đang dùng", default=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "tệp minh chứng"
        verbose_name_plural = "tệp minh chứng"
        ordering = ["unit_name", "original_name", "-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.unit_name or 'Tất cả đơn vị'}: {self.original_name}"

    @property
    def path(self) -> Path:
        return files_path(self.stored_path)

    @property
    def size_label(self) -> str:
        return size_text(self.size)

    @property
    def unit_label(self) -> str:
        return self.unit_name or ALL_UNITS_LABEL


class EvidencePolicy(models.Model):
    """The campaign's verification policy as YAML text; empty means the strict default policy."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    campaign = models.OneToOneField(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="evidence_policy"
    )
    text = models.TextField("chính sách kiểm tra (YAML)", blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "chính sách kiểm tra chữ ký số"
        verbose_name_plural = "chính sách kiểm tra chữ ký số"

    def __str__(self) -> str:
        return f"Chính sách kiểm tra: {self.campaign}"


class PolicyFile(models.Model):
    """A certificate or CRL the policy names (trust_anchors, revocation.crl_files), kept beside the policy."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="evidence_policy_files"
    )
    name = models.CharField("tên tệp", max_length=200)
    stored_path = models.CharField(max_length=500)
    size = models.BigIntegerField("dung lượng")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "tệp kèm chính sách"
        verbose_name_plural = "tệp kèm chính sách"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="policy_file_name_per_campaign")
        ]

    def __str__(self) -> str:
        return self.name


class VerificationRun(models.Model):
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="verification_runs"
    )
    number = models.PositiveIntegerField("lần kiểm tra")
    job = models.ForeignKey("jobs.Job", null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    error = models.TextField("lỗi", blank=True)
    policy_name = models.CharField("chính sách", max_length=255, blank=True)
    policy_text = models.TextField(blank=True)  # what was applied; "" for the default policy
    uploads = models.ManyToManyField(EvidenceUpload, related_name="runs")
    total_files = models.PositiveIntegerField(default=0)
    accepted_files = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True)
    warnings = models.JSONField(default=list)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = "lần kiểm tra chữ ký số"
        verbose_name_plural = "lần kiểm tra chữ ký số"
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["campaign", "number"], name="verification_run_number")]

    def __str__(self) -> str:
        return f"Lần kiểm tra {self.number}: {self.campaign}"

    @property
    def folder(self) -> Path:
        return self.campaign.folder / "minh-chung" / "kiem-tra" / f"lan-{self.number:03d}"

    @property
    def report_dir(self) -> Path:
        return self.folder / "bao-cao"

    @property
    def rejected_files(self) -> int:
        return self.total_files - self.accepted_files

    @property
    def policy_label(self) -> str:
        """The policy the run applied, named from its own text (rows written before the name was kept right
        show right too)."""
        return name_of_policy(self.policy_text)

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class VerifiedFile(models.Model):
    """One file's verdict in a run, as report.json has it."""

    run = models.ForeignKey(VerificationRun, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveIntegerField()
    unit = models.CharField("đơn vị", max_length=255)
    file = models.CharField("tệp", max_length=1000)
    indication = models.CharField(max_length=32)
    sub_indication = models.CharField(max_length=64, blank=True)
    kind = models.CharField(max_length=32)  # a verdict kind code (a pass with caveats is its own)
    accepted = models.BooleanField()
    verdict = models.CharField("kết quả", max_length=500)
    message = models.TextField("lý do", blank=True)
    action = models.TextField("đề nghị", blank=True)
    caveats = models.JSONField(default=list)
    signatures = models.JSONField(default=list)

    class Meta:
        ordering = ["position"]
        indexes = [
            models.Index(fields=["run", "unit"]),
            models.Index(fields=["run", "kind"]),
        ]

    def __str__(self) -> str:
        return self.file

    @property
    def name(self) -> str:
        return self.file.rsplit("/", 1)[-1]


class ResubmissionLetter(models.Model):
    """One version of the "công văn đề nghị nộp lại" made from a run; a new click makes a new version."""

    run = models.ForeignKey(VerificationRun, on_delete=models.CASCADE, related_name="letters")
    version = models.PositiveIntegerField("phiên bản")
    stored_path = models.CharField(max_length=500)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    deadline = models.DateField("hạn nộp lại", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "công văn đề nghị nộp lại"
        verbose_name_plural = "công văn đề nghị nộp lại"
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["run", "version"], name="letter_version_per_run")]

    def __str__(self) -> str:
        return f"Công văn đề nghị nộp lại, phiên bản {self.version}"

    @property
    def path(self) -> Path:
        return files_path(self.stored_path)

"""Results of a campaign: the scores uploaded (stored as sent), each results run with every problem found in the
scores, the ranking it produced (kept as rows for the ranking page) and the documents it wrote.

A failed run keeps its problems and changes nothing else: the campaign's current results are those of its
latest successful run."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models

from web.evidence.storage import files_path
from web.jobs.models import JobStatus


class ScoresUpload(models.Model):
    class Kind(models.TextChoices):
        CSV = "csv", "Tệp CSV"
        FORMS = "forms", "Biểu mẫu Excel đã điền"
        ZIP = "zip", "Tệp ZIP biểu mẫu Excel"

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="scores_uploads"
    )
    kind = models.CharField("loại", max_length=8, choices=Kind.choices)
    example = models.BooleanField("dữ liệu mẫu", default=False)
    # Built by the service from the online campaign's final scores («Tổng hợp kết quả từ hệ thống»), stored as an
    # upload would be: the run that reads it cannot tell the difference.
    from_system = models.BooleanField("tổng hợp từ hệ thống", default=False)
    folder = models.CharField(max_length=500)  # relative to FILES_DIR
    files = models.JSONField(default=list)  # [{"name", "size", "sha256"}], as stored
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "dữ liệu điểm"
        verbose_name_plural = "dữ liệu điểm"
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        names = ", ".join(f["name"] for f in self.files[:3])
        return f"{self.get_kind_display()}: {names}{'…' if len(self.files) > 3 else ''}"

    @property
    def path(self) -> Path:
        return files_path(self.folder)

    @property
    def names(self) -> str:
        return ", ".join(f["name"] for f in self.files)


class ResultsRun(models.Model):
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="results_runs")
    number = models.PositiveIntegerField("lần tổng hợp")
    upload = models.ForeignKey(ScoresUpload, on_delete=models.PROTECT, related_name="runs")
    pdf = models.BooleanField("kèm bản PDF", default=False)
    job = models.ForeignKey("jobs.Job", null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    error = models.TextField("lỗi", blank=True)
    # Every problem found in the scores: {"severity", "message", "file", "sheet", "row", "unit", "code"}.
    diagnostics = models.JSONField(default=list)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)
    # The campaign's document version its Tờ trình, Quyết định and notices were registered as (none for a run on
    # example scores): approved, signed and issued through web.documents and web.issuance.
    document_version = models.ForeignKey(
        "documents.DocumentVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "lần tổng hợp kết quả"
        verbose_name_plural = "lần tổng hợp kết quả"
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["campaign", "number"], name="results_run_number")]

    def __str__(self) -> str:
        return f"Lần tổng hợp {self.number}: {self.campaign}"

    @property
    def folder(self) -> Path:
        return self.campaign.folder / "ket-qua" / f"lan-{self.number:03d}"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def errors(self) -> list[dict[str, object]]:
        return [d for d in self.diagnostics if d.get("severity") == "error"]

    @property
    def warnings(self) -> list[dict[str, object]]:
        return [d for d in self.diagnostics if d.get("severity") != "error"]


class RankingEntry(models.Model):
    """One unit's line of a run's ranking, as the ranking CSV has it."""

    class Status(models.TextChoices):
        RANKED = "ranked", "Xếp hạng"
        RANKED_LAST = "ranked_last", "Nộp muộn, xếp cuối nhóm"
        EXCLUDED = "excluded", "Không xếp hạng"
        MISSING = "missing", "Chưa nộp"

    run = models.ForeignKey(ResultsRun, on_delete=models.CASCADE, related_name="ranking")
    position = models.PositiveIntegerField()
    tier_id = models.CharField(max_length=80)
    tier_name = models.CharField(max_length=255)
    rank = models.PositiveIntegerField(null=True)
    tied = models.BooleanField(default=False)
    unit_id = models.CharField(max_length=120)
    unit_name = models.CharField(max_length=255)
    points = models.DecimalField(max_digits=14, decimal_places=4, null=True)
    max_points = models.DecimalField(max_digits=14, decimal_places=4)
    dti = models.DecimalField(max_digits=8, decimal_places=6, null=True)
    percent = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    band = models.CharField(max_length=80, blank=True)
    cchc_points = models.DecimalField(max_digits=10, decimal_places=4, null=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    late = models.BooleanField(default=False)
    submitted_on = models.DateField(null=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["position"]
        indexes = [models.Index(fields=["run", "tier_id"])]

    def __str__(self) -> str:
        return f"{self.rank or '-'} {self.unit_name}"


class ResultDocument(models.Model):
    """A file a run wrote (ranking, Tờ trình, Quyết định, notices), served only through the results views."""

    class Kind(models.TextChoices):
        RANKING = "xep_hang", "Bảng xếp hạng"
        PROPOSAL = "to_trinh", "Tờ trình"
        DECISION = "quyet_dinh", "Quyết định"
        NOTICE = "thong_bao", "Thông báo kết quả"

    run = models.ForeignKey(ResultsRun, on_delete=models.CASCADE, related_name="documents")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    label = models.CharField(max_length=300)
    unit_name = models.CharField(max_length=255, blank=True)
    unit_key = models.CharField(
        max_length=120, blank=True
    )  # a notice's unit: its id in the campaign (Unit.code)
    # The same file registered among the campaign's documents (Tờ trình, Quyết định, notices of a real run).
    document = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stored_path = models.CharField(max_length=500)
    pdf_path = models.CharField(max_length=500, blank=True)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.label

    @property
    def path(self) -> Path:
        return files_path(self.stored_path)

    @property
    def name(self) -> str:
        return Path(self.stored_path).name

    @property
    def extension(self) -> str:
        return Path(self.stored_path).suffix.lstrip(".").upper()


class Publication(models.Model):
    """The results of a run made public, once its Quyết định was issued: each unit finds its notice in its
    account and is told by e-mail, and the ranking appears on the public page. Never undone: a corrected
    ranking is a later run, issued and published in turn (the public page shows the latest)."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="publications")
    run = models.OneToOneField(ResultsRun, on_delete=models.PROTECT, related_name="publication")
    issued = models.ForeignKey("issuance.IssuedDocument", on_delete=models.PROTECT, related_name="+")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField("thời điểm công bố", auto_now_add=True)
    mail_job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "công bố kết quả"
        verbose_name_plural = "công bố kết quả"
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return f"Công bố kết quả lần tổng hợp {self.run.number}: {self.campaign}"


class NoticeMail(models.Model):
    """The e-mail telling one unit its notice is in its account: one per unit and publication, never twice."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="mails")
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "thư báo kết quả"
        verbose_name_plural = "thư báo kết quả"
        constraints = [
            models.UniqueConstraint(fields=["publication", "unit"], name="one_notice_mail_per_unit")
        ]

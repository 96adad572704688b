"""The records of the online campaign.

One `Submission` per unit and campaign carries the state (changed only through `web.assessment.states`) and a
version for optimistic locking; one `Entry` per indicator carries the unit's score and explanation and the
appraisers' scores of both rounds, each with its own version. Every change of a score is a `ScoreChange` row
(who, when, from what, to what, why); every state change a `StateChange` row. Evidence files are stored byte
for byte with their SHA-256 and never rewritten: a file the unit withdraws is marked, not deleted.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models


def clock_now() -> Any:
    from web.assessment.clock import now

    return now()


class State(models.TextChoices):
    DRAFT = "nhap", "Đang nhập số liệu"
    AWAITING_APPROVAL = "cho_duyet", "Chờ lãnh đạo duyệt"
    SUBMITTED = "da_gui", "Đã gửi Sở"
    IN_APPRAISAL = "tham_dinh_1", "Đang thẩm định lần 1"
    EXPLANATIONS = "giai_trinh", "Giải trình, bổ sung"
    REAPPRAISAL = "tham_dinh_2", "Đang thẩm định lần 2"
    FINAL = "hoan_thanh", "Đã có kết quả cuối cùng"


class Stage(models.TextChoices):
    """When a score or a file was given: the four moments the campaign's rules distinguish."""

    SELF = "tu_danh_gia", "Tự đánh giá"
    APPRAISAL_1 = "tham_dinh_1", "Thẩm định lần 1"
    EXPLANATIONS = "giai_trinh", "Giải trình"
    APPRAISAL_2 = "tham_dinh_2", "Thẩm định lần 2"


class Submission(models.Model):
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="submissions")
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="submissions")
    tier = models.CharField("nhóm đơn vị", max_length=40)
    state = models.CharField("trạng thái", max_length=16, choices=State.choices, default=State.DRAFT)
    version = models.PositiveIntegerField("phiên bản", default=1)
    started = models.BooleanField("đã bắt đầu nhập", default=False)
    late = models.BooleanField("nộp muộn", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField("thời điểm gửi Sở", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The receipt: the SHA-256 of the canonical JSON of the submitted scores, notes and files' hashes.
    receipt_sha256 = models.CharField("mã băm biên nhận", max_length=64, blank=True)
    receipt = models.JSONField("biên nhận", default=dict, blank=True)
    explanations_sent_at = models.DateTimeField("thời điểm gửi giải trình", null=True, blank=True)
    final_at = models.DateTimeField("thời điểm chốt điểm", null=True, blank=True)

    class Meta:
        verbose_name = "bài tự đánh giá"
        verbose_name_plural = "bài tự đánh giá"
        ordering = ["tier", "unit__name"]
        constraints = [models.UniqueConstraint(fields=["campaign", "unit"], name="one_submission_per_unit")]
        indexes = [models.Index(fields=["campaign", "state"])]

    def __str__(self) -> str:
        return f"{self.unit.name} ({self.get_state_display()})"


class Entry(models.Model):
    """One indicator of one submission: the unit's score and the appraisers' scores of both rounds."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="entries")
    code = models.CharField("mã chỉ số", max_length=40)
    self_score = models.DecimalField(
        "điểm tự đánh giá", max_digits=9, decimal_places=2, null=True, blank=True
    )
    self_note = models.TextField("giải trình, thuyết minh", blank=True)
    score_1 = models.DecimalField(
        "điểm thẩm định lần 1", max_digits=9, decimal_places=2, null=True, blank=True
    )
    comment_1 = models.TextField("ý kiến thẩm định lần 1", blank=True)
    appraised_1_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    appraised_1_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField("nội dung giải trình của đơn vị", blank=True)
    score_2 = models.DecimalField(
        "điểm thẩm định lần 2", max_digits=9, decimal_places=2, null=True, blank=True
    )
    comment_2 = models.TextField("ý kiến thẩm định lần 2", blank=True)
    appraised_2_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    appraised_2_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField("phiên bản", default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set by the writes from the service's clock (not auto_now): "đã lưu lúc …" agrees with the deadlines.
    updated_at = models.DateTimeField(default=clock_now)

    class Meta:
        verbose_name = "chỉ số"
        verbose_name_plural = "chỉ số"
        ordering = ["submission", "id"]
        constraints = [models.UniqueConstraint(fields=["submission", "code"], name="one_entry_per_indicator")]

    def __str__(self) -> str:
        return f"{self.submission.unit.name} · {self.code}"

    @property
    def final_score(self) -> Decimal | None:
        """Round 2 when it set a score, else round 1, else the unit's own."""
        for value in (self.score_2, self.score_1, self.self_score):
            if value is not None:
                return value
        return None


class EvidenceFile(models.Model):
    class Verdict(models.TextChoices):
        PENDING = "dang_kiem_tra", "Đang kiểm tra"
        VALID = "hop_le", "Hợp lệ"
        INVALID = "khong_hop_le", "Không hợp lệ"
        UNSIGNED = "chua_ky", "Chưa có chữ ký số"
        INDETERMINATE = "chua_xac_dinh", "Chưa xác định được"
        ERROR = "loi", "Không đọc được tệp"

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="files")
    stage = models.CharField("giai đoạn", max_length=16, choices=Stage.choices, default=Stage.SELF)
    name = models.CharField("tên tệp", max_length=255)
    size = models.PositiveBigIntegerField("dung lượng")
    sha256 = models.CharField("SHA-256", max_length=64)
    stored = models.CharField(max_length=500)  # relative to FILES_DIR, written once
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=clock_now)
    verdict = models.CharField(
        "kết quả kiểm tra", max_length=16, choices=Verdict.choices, default=Verdict.PENDING
    )
    verdict_text = models.TextField("giải thích", blank=True)
    advice = models.TextField("cách khắc phục", blank=True)
    report = models.JSONField("báo cáo kiểm tra", default=dict, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField("thời điểm rút tệp", null=True, blank=True)

    class Meta:
        verbose_name = "tài liệu kiểm chứng"
        verbose_name_plural = "tài liệu kiểm chứng"
        ordering = ["entry", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def path(self) -> Path:
        return Path(settings.FILES_DIR) / self.stored


class ScoreChange(models.Model):
    """One change of one score, kept for ever: the unit sees the history of its own scores."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="changes")
    stage = models.CharField("giai đoạn", max_length=16, choices=Stage.choices)
    old = models.DecimalField("điểm cũ", max_digits=9, decimal_places=2, null=True, blank=True)
    new = models.DecimalField("điểm mới", max_digits=9, decimal_places=2, null=True, blank=True)
    reason = models.TextField("lý do", blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField("người sửa", max_length=255, blank=True)
    at = models.DateTimeField(
        "thời điểm", default=clock_now
    )  # the service's clock: a demo's history reads in order

    class Meta:
        verbose_name = "lịch sử điểm"
        verbose_name_plural = "lịch sử điểm"
        ordering = ["entry", "at", "id"]


class StateChange(models.Model):
    """Every transition taken, and every one refused (accepted=False), with who asked."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="state_changes")
    action = models.CharField("thao tác", max_length=32)
    from_state = models.CharField("từ trạng thái", max_length=16, choices=State.choices)
    to_state = models.CharField("sang trạng thái", max_length=16, choices=State.choices)
    accepted = models.BooleanField("được chấp nhận", default=True)
    comment = models.TextField("ý kiến", blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField("người thực hiện", max_length=255, blank=True)
    at = models.DateTimeField(
        "thời điểm", default=clock_now
    )  # the service's clock: a demo's history reads in order

    class Meta:
        verbose_name = "chuyển trạng thái"
        verbose_name_plural = "chuyển trạng thái"
        ordering = ["submission", "at", "id"]


class Extension(models.Model):
    """More time for one unit in one phase, granted by the Sở with a reason (the latest grant counts)."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="extensions")
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="extensions")
    phase = models.CharField("giai đoạn", max_length=40, default="tu_danh_gia")
    until = models.DateField("gia hạn đến hết ngày")
    reason = models.TextField("lý do")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=clock_now)

    class Meta:
        verbose_name = "gia hạn"
        verbose_name_plural = "gia hạn"
        ordering = ["-granted_at", "-id"]


class Assignment(models.Model):
    """What an appraiser appraises in a campaign: some tiers (empty: all), some main indices (empty: all), and
    for a district's appraiser the communes under that district (`parent_unit`)."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    body = models.CharField("cơ quan thẩm định", max_length=255, blank=True)
    tiers = models.JSONField("nhóm đơn vị", default=list, blank=True)
    indices = models.JSONField("chỉ số chính", default=list, blank=True)
    parent_unit = models.ForeignKey(
        "accounts.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "phân công thẩm định"
        verbose_name_plural = "phân công thẩm định"
        constraints = [models.UniqueConstraint(fields=["campaign", "user"], name="one_assignment_per_user")]


class IssuedAccount(models.Model):
    """An account the Sở issued for a campaign (the first password is never stored: only the hash Django keeps)."""

    class Kind(models.TextChoices):
        STAFF = "chuyen_vien", "Chuyên viên nhập số liệu"
        LEADER = "lanh_dao", "Lãnh đạo phê duyệt"
        APPRAISER = "tham_dinh", "Thẩm định viên"

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="issued_accounts"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(
        "accounts.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("loại tài khoản", max_length=16, choices=Kind.choices)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "tài khoản đã cấp"
        verbose_name_plural = "tài khoản đã cấp"
        ordering = ["campaign", "unit__name", "kind"]
        constraints = [models.UniqueConstraint(fields=["campaign", "user"], name="one_issue_per_user")]


class ReminderSent(models.Model):
    """One reminder e-mail per unit, deadline and day count: a second run of the reminders sends nothing twice."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("accounts.Unit", on_delete=models.CASCADE, related_name="+")
    phase = models.CharField(max_length=40)
    deadline = models.DateField()
    days_before = models.IntegerField()
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit", "phase", "deadline", "days_before"],
                name="one_reminder_per_day_count",
            )
        ]


class ClockShift(models.Model):
    """The demo's and the tests' clock: how far the service's 'now' is moved from the real time. Honoured only
    when settings.VANBAN_CLOCK_ADJUSTABLE is on (demo mode, tests); a production service ignores it."""

    seconds = models.BigIntegerField(default=0)
    set_by = models.CharField(max_length=150, blank=True)
    set_at = models.DateTimeField(auto_now=True)

"""The record of signing and issuing a document as NĐ 30/2020 prescribes.

A `Draft` is one document version submitted for signing; the lãnh đạo approves it (its PDF's SHA-256 is what
was approved) or returns it. A `SignedDraft` is a signed copy of it, uploaded by the lãnh đạo or signed on the
server, kept byte for byte whether it was accepted or refused. An `IssuedDocument` is the issued PDF (number,
date, the agency's signature and seal), stored once and never modified: the record of the document.

Keys are described, never kept: a PKCS#12 file is stored in the data folder and its password is read from an
environment variable named in the record; a token's PIN likewise.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from letters.core.errors import VanbanError
from letters.core.vn import time_text

ENV_NAME = re.compile(r"^VANBAN_[A-Z0-9_]{1,60}$")
# Variables the service itself reads: a key's secret is never one of them.
RESERVED_ENV = frozenset(
    {
        "VANBAN_DATA",
        "VANBAN_SECRET_KEY",
        "VANBAN_DEBUG",
        "VANBAN_DEMO",
        "VANBAN_BROKER",
        "VANBAN_ALLOWED_HOSTS",
        "VANBAN_CSRF_ORIGINS",
        "VANBAN_LOG_LEVEL",
        "VANBAN_MAX_UPLOAD_MB",
        "VANBAN_LOGIN_MAX_FAILURES",
        "VANBAN_TRUST_DIR",
    }
)


def validate_env_name(value: str) -> None:
    if not ENV_NAME.match(value) or value in RESERVED_ENV:
        raise ValidationError(
            "Tên biến môi trường viết hoa, bắt đầu bằng VANBAN_, chỉ gồm chữ cái A–Z, chữ số và dấu gạch dưới "
            "(ví dụ VANBAN_P12_PASSWORD_GIAM_DOC), và không trùng biến cấu hình của vanban."
        )


def files_path(relative: str) -> Path:
    """A stored file from its path relative to the files folder, never outside it."""
    root = Path(settings.FILES_DIR).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise FileNotFoundError(relative)
    return path


def relative_path(path: Path) -> str:
    return Path(path).resolve().relative_to(Path(settings.FILES_DIR).resolve()).as_posix()


class SigningKey(models.Model):
    class Purpose(models.TextChoices):
        SIGNER = "signer", "Ký duyệt (người có thẩm quyền ký)"
        AGENCY = "agency", "Ký số của cơ quan khi ban hành (đóng dấu)"

    class Kind(models.TextChoices):
        PKCS12 = "pkcs12", "Tệp khoá PKCS#12 (.p12, .pfx)"
        PKCS11 = "pkcs11", "USB token, HSM (PKCS#11)"

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("tên khoá", max_length=200)
    purpose = models.CharField("dùng để", max_length=16, choices=Purpose.choices)
    kind = models.CharField("loại khoá", max_length=16, choices=Kind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="lãnh đạo dùng khoá",
    )
    p12_path = models.CharField(max_length=500, blank=True)
    p12_sha256 = models.CharField(max_length=64, blank=True)
    password_env = models.CharField(
        "biến môi trường chứa mật khẩu", max_length=80, blank=True, validators=[validate_env_name]
    )
    pkcs11_module = models.CharField("thư viện PKCS#11 (.so)", max_length=500, blank=True)
    token_label = models.CharField("nhãn token", max_length=200, blank=True)
    key_label = models.CharField("nhãn khoá", max_length=200, blank=True)
    cert_label = models.CharField("nhãn chứng thư", max_length=200, blank=True)
    pin_env = models.CharField(
        "biến môi trường chứa mã PIN", max_length=80, blank=True, validators=[validate_env_name]
    )
    image_path = models.CharField(max_length=500, blank=True)  # the signer's signature image (PNG)
    image_sha256 = models.CharField(max_length=64, blank=True)
    active = models.BooleanField("đang dùng", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "khoá ký số"
        verbose_name_plural = "khoá ký số"
        ordering = ["purpose", "name"]

    def __str__(self) -> str:
        return self.name

    def spec(self) -> Any:
        """The key as the signing use cases take it, with its secret read now from the environment."""
        from letters.usecases.signing import Pkcs11Key, Pkcs12Key

        if self.kind == self.Kind.PKCS12:
            return Pkcs12Key(files_path(self.p12_path), self._secret(self.password_env, "mật khẩu"))
        return Pkcs11Key(
            module=self.pkcs11_module,
            token_label=self.token_label,
            key_label=self.key_label,
            pin=self._secret(self.pin_env, "mã PIN"),
            cert_label=self.cert_label or None,
        )

    def _secret(self, env: str, what: str) -> str:
        value = os.environ.get(env, "") if env else ""
        if not value:
            raise VanbanError(
                f"Chưa có {what} của khoá «{self.name}»: biến môi trường {env or '(chưa khai báo)'} chưa được đặt "
                "trên máy chủ chạy vanban.",
                hint="Quản trị đặt biến môi trường này cho dịch vụ (và tiến trình xử lý tác vụ) rồi khởi động lại.",
            )
        return value

    @property
    def image(self) -> bytes | None:
        return files_path(self.image_path).read_bytes() if self.image_path else None


class IssuanceSettings(models.Model):
    """What the văn thư issues with, per agency: the agency's key, its seal image, the signature level."""

    class Level(models.TextChoices):
        B_B = "B-B", "PAdES B-B (chữ ký cơ bản)"
        B_T = "B-T", "PAdES B-T (kèm dấu thời gian)"
        B_LT = "B-LT", "PAdES B-LT (kèm dấu thời gian và thông tin thu hồi)"

    agency = models.OneToOneField("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    agency_key = models.ForeignKey(
        SigningKey,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="khoá ký số của cơ quan",
    )
    seal_path = models.CharField(max_length=500, blank=True)
    seal_sha256 = models.CharField(max_length=64, blank=True)
    trust_path = models.CharField(max_length=500, blank=True)  # roots trusted for the leaders' signatures
    trust_sha256 = models.CharField(max_length=64, blank=True)
    level = models.CharField("mức chữ ký", max_length=8, choices=Level.choices, default=Level.B_B)
    tsa_url = models.URLField("dịch vụ cấp dấu thời gian (TSA)", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "cấu hình ký số, ban hành"
        verbose_name_plural = "cấu hình ký số, ban hành"

    def __str__(self) -> str:
        return f"Cấu hình ký số, ban hành: {self.agency}"

    @property
    def seal(self) -> bytes | None:
        return files_path(self.seal_path).read_bytes() if self.seal_path else None

    @property
    def trust(self) -> tuple[Path, ...]:
        return (files_path(self.trust_path),) if self.trust_path else ()


class DraftStatus(models.TextChoices):
    SUBMITTED = "submitted", "Chờ duyệt"
    RETURNED = "returned", "Trả lại"
    APPROVED = "approved", "Đã duyệt, chờ ký"
    SIGNED = "signed", "Đã ký, chờ ban hành"
    ISSUING = "issuing", "Đang ban hành"
    ISSUED = "issued", "Đã ban hành"


# A document has at most one draft in these states: a returned one may be submitted again (re-rendered first).
OPEN_STATUSES = (
    DraftStatus.SUBMITTED,
    DraftStatus.APPROVED,
    DraftStatus.SIGNED,
    DraftStatus.ISSUING,
    DraftStatus.ISSUED,
)


class Draft(models.Model):
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="drafts")
    document = models.ForeignKey("documents.Document", on_delete=models.PROTECT, related_name="drafts")
    doc_type = models.CharField("loại văn bản (sổ đăng ký)", max_length=16)
    signer_name = models.CharField("người ký", max_length=255)
    pdf_sha256 = models.CharField("SHA-256 của bản dự thảo", max_length=64)
    status = models.CharField(
        "trạng thái", max_length=16, choices=DraftStatus.choices, default=DraftStatus.SUBMITTED
    )
    note = models.TextField("ghi chú khi trình", blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField("thời điểm trình", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField("thời điểm duyệt", null=True, blank=True)
    comment = models.TextField("ý kiến của lãnh đạo", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "dự thảo trình ký"
        verbose_name_plural = "dự thảo trình ký"
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.document.label} (phiên bản {self.document.version.number})"

    @property
    def pdf(self) -> Path:
        pdf = self.document.pdf_file
        if pdf is None:
            raise FileNotFoundError("no PDF")
        return pdf

    @property
    def folder(self) -> Path:
        return self.campaign.folder / "ky-so" / f"du-thao-{self.pk}"


class CheckStatus(models.TextChoices):
    CHECKING = "checking", "Đang kiểm tra"
    ACCEPTED = "accepted", "Hợp lệ"
    REFUSED = "refused", "Bị từ chối"


class SignedDraft(models.Model):
    class Source(models.TextChoices):
        UPLOAD = "upload", "Tải lên (ký trên máy của lãnh đạo)"
        SERVER = "server", "Ký trên máy chủ"

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    draft = models.ForeignKey(Draft, on_delete=models.PROTECT, related_name="signed")
    source = models.CharField("cách ký", max_length=16, choices=Source.choices)
    key = models.ForeignKey(SigningKey, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField("tên tệp", max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)
    size = models.BigIntegerField(null=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    status = models.CharField(
        "kết quả kiểm tra", max_length=16, choices=CheckStatus.choices, default=CheckStatus.CHECKING
    )
    problems = models.JSONField("lý do từ chối", default=list, blank=True)
    verdict = models.CharField("kết luận về chữ ký", max_length=500, blank=True)
    signer = models.CharField("người ký theo chứng thư", max_length=255, blank=True)
    signing_time = models.CharField("thời điểm ký", max_length=64, blank=True)
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField("thời điểm", auto_now_add=True)

    class Meta:
        verbose_name = "bản đã ký"
        verbose_name_plural = "bản đã ký"
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def path(self) -> Path:
        return files_path(self.stored_path)

    @property
    def signing_time_text(self) -> str:
        """'09:15 ngày 06/12/2026', Vietnam time: the check keeps the moment as ISO 8601 text."""
        return time_text(self.signing_time) if self.signing_time else ""


class IssuedDocument(models.Model):
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    # One issue per draft: the database refuses a second row whatever the race.
    draft = models.OneToOneField(Draft, on_delete=models.PROTECT, related_name="issued")
    signed_draft = models.ForeignKey(SignedDraft, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField("số")
    reference = models.CharField("số, ký hiệu", max_length=120)
    issue_date = models.DateField("ngày ban hành")
    date_text = models.CharField(max_length=120)
    agency_signing_time = models.CharField("thời điểm cơ quan ký", max_length=64)
    stored_path = models.CharField(max_length=500)
    original_name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    sha256 = models.CharField("SHA-256", max_length=64)
    attachments_done = models.BooleanField("đã ký số phụ lục", default=False)
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField("thời điểm ban hành", auto_now_add=True)

    class Meta:
        verbose_name = "văn bản đã ban hành"
        verbose_name_plural = "văn bản đã ban hành"
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.draft.document.label}"

    @property
    def path(self) -> Path:
        return files_path(self.stored_path)

    @property
    def agency_signing_time_text(self) -> str:
        return time_text(self.agency_signing_time) if self.agency_signing_time else ""


class IssuedAttachment(models.Model):
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    issued = models.ForeignKey(IssuedDocument, on_delete=models.PROTECT, related_name="attachments")
    document = models.ForeignKey("documents.Document", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=255)
    stored_path = models.CharField(max_length=500)
    original_name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    sha256 = models.CharField("SHA-256", max_length=64)

    class Meta:
        verbose_name = "phụ lục đã ban hành"
        verbose_name_plural = "phụ lục đã ban hành"
        ordering = ["issued", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def path(self) -> Path:
        return files_path(self.stored_path)

"""Who may do what: every person belongs to one agency (the Sở that runs campaigns) and, for units' staff, to
one unit of it. Records of the campaign's work carry their agency, and every query is scoped by it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    ADMIN = "quan_tri", "Quản trị"
    SO_STAFF = "chuyen_vien_so", "Chuyên viên Sở"
    SO_LEADER = "lanh_dao_so", "Lãnh đạo Sở"
    CLERK = "van_thu", "Văn thư"
    UNIT_STAFF = "chuyen_vien_don_vi", "Chuyên viên đơn vị"
    UNIT_LEADER = "lanh_dao_don_vi", "Lãnh đạo đơn vị"
    APPRAISER = "tham_dinh_vien", "Thẩm định viên"


SO_ROLES = frozenset({Role.ADMIN, Role.SO_STAFF, Role.SO_LEADER, Role.CLERK})
UNIT_ROLES = frozenset({Role.UNIT_STAFF, Role.UNIT_LEADER})


class Agency(models.Model):
    """The issuing body that runs campaigns (a Sở), the tenant every record belongs to."""

    name = models.CharField("tên cơ quan", max_length=255)
    code = models.SlugField("mã", max_length=40, unique=True)
    abbreviation = models.CharField("chữ viết tắt", max_length=40, help_text="Ví dụ STTTT, SKHCN.")
    province = models.CharField("tỉnh, thành phố", max_length=120, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "cơ quan"
        verbose_name_plural = "cơ quan"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """An assessed unit (a sở, ban, ngành; a district; a commune) of an agency's campaigns."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="units", verbose_name="cơ quan")
    code = models.CharField("mã đơn vị", max_length=80)
    name = models.CharField("tên đơn vị", max_length=255)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name="cấp trên",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "đơn vị"
        verbose_name_plural = "đơn vị"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="unit_code_per_agency")]

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="people", verbose_name="cơ quan"
    )
    role = models.CharField("vai trò", max_length=32, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="people", verbose_name="đơn vị"
    )
    full_name = models.CharField("họ tên", max_length=255, blank=True)
    must_change_password = models.BooleanField("phải đổi mật khẩu khi đăng nhập", default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "hồ sơ người dùng"
        verbose_name_plural = "hồ sơ người dùng"

    def __str__(self) -> str:
        return f"{self.full_name or self.user.get_username()} ({self.get_role_display()})"


class LoginFailure(models.Model):
    """A failed login, kept for the throttle window; shared by every server process through the database."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.GenericIPAddressField(null=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

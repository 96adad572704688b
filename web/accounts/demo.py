"""Sample users of every role for `vanban serve --demo`; their passwords are shown on the login page in demo mode
only, and they are never created outside it."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from web.accounts.models import Agency, Profile, Role, Unit


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: Role
    full_name: str
    unit_code: str | None = None

    @property
    def role_label(self) -> str:
        return str(self.role.label)


DEMO_AGENCY = {"code": "skhcn-mau", "name": "Sở Khoa học và Công nghệ (MẪU)", "abbreviation": "SKHCN"}
DEMO_UNIT = ("so-y-te", "Sở Y tế (MẪU)")

DEMO_ACCOUNTS = (
    DemoAccount("quantri.mau", "mau-quantri-2026", Role.ADMIN, "Quản trị (mẫu)"),
    DemoAccount("chuyenvien.mau", "mau-chuyenvien-2026", Role.SO_STAFF, "Nguyễn Văn An (mẫu)"),
    DemoAccount("lanhdao.mau", "mau-lanhdao-2026", Role.SO_LEADER, "Trần Thị Bình (mẫu)"),
    DemoAccount("vanthu.mau", "mau-vanthu-2026", Role.CLERK, "Lê Văn Cường (mẫu)"),
    DemoAccount("donvi.mau", "mau-donvi-2026", Role.UNIT_STAFF, "Phạm Thị Dung (mẫu)", DEMO_UNIT[0]),
    DemoAccount("lanhdaodv.mau", "mau-lanhdaodv-2026", Role.UNIT_LEADER, "Hoàng Văn Em (mẫu)", DEMO_UNIT[0]),
    DemoAccount("thamdinh.mau", "mau-thamdinh-2026", Role.APPRAISER, "Vũ Thị Giang (mẫu)"),
)


def load_demo_accounts() -> Agency:
    user_model = get_user_model()
    with transaction.atomic():
        agency, _ = Agency.objects.get_or_create(code=DEMO_AGENCY["code"], defaults=DEMO_AGENCY)
        unit, _ = Unit.objects.get_or_create(
            agency=agency, code=DEMO_UNIT[0], defaults={"name": DEMO_UNIT[1]}
        )
        for account in DEMO_ACCOUNTS:
            user, created = user_model.objects.get_or_create(username=account.username)
            if created:
                user.set_password(account.password)
                user.is_staff = account.role is Role.ADMIN
                user.is_superuser = account.role is Role.ADMIN
                user.save()
            Profile.objects.update_or_create(
                user=user,
                defaults={
                    "agency": agency,
                    "role": account.role,
                    "unit": unit if account.unit_code else None,
                    "full_name": account.full_name,
                    "must_change_password": False,
                },
            )
    return agency

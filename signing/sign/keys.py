"""What a signing request names: level, role, key and the Vietnamese clock. No heavy imports, so the
command line can offer these choices without loading pyHanko."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from pathlib import Path

VN_TZ = timezone(timedelta(hours=7), "+07:00")
"""Vietnam's offset. Vietnam keeps no daylight saving time, so a fixed offset is exact."""

SIGNER_FIELD = "ChuKyNguoiKy"
AGENCY_FIELD = "ChuKyCoQuan"
ATTACHMENT_FIELD = "ChuKyDinhKem"


class Level(StrEnum):
    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"


class Role(StrEnum):
    SIGNER = "signer"
    AGENCY = "agency"
    ATTACHMENT = "attachment"


def vn_now() -> datetime:
    return datetime.now(VN_TZ).replace(microsecond=0)


def iso_vn(moment: datetime) -> str:
    """ISO 8601 with Vietnam's offset: 2023-12-06T09:15:30+07:00."""
    return moment.astimezone(VN_TZ).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Pkcs12Key:
    path: Path
    password: str


@dataclass(frozen=True)
class Pkcs11Key:
    module: str
    token_label: str
    key_label: str
    pin: str
    cert_label: str | None = None  # defaults to key_label, the usual token layout


KeySpec = Pkcs12Key | Pkcs11Key

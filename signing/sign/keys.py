"""What a signing request names: level, role, key and the Vietnamese clock. No heavy imports, so the
command line can offer these choices without loading pyHanko."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

# The Vietnamese clock lives in letters.core.vn; re-exported for callers that take it from here.
from letters.core.vn import VN_TZ as VN_TZ
from letters.core.vn import iso_vn as iso_vn
from letters.core.vn import vn_now as vn_now

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

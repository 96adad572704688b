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


def display_name(native: object) -> str:
    """A certificate's subject as a Vietnamese reader expects it: "Họ tên (Tổ chức)".

    `native` is asn1crypto's `Name.native` (a dict of attribute names to values). The attribute labels
    asn1crypto would print ("Common Name: …, User ID: …") never reach a user.
    """
    if not isinstance(native, dict):
        return str(native)

    def first(key: str) -> str:
        value = native.get(key)
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        return str(value).strip() if value else ""

    person, org = first("common_name"), first("organization_name")
    if person and org and org != person:
        return f"{person} ({org})"
    return person or org or ", ".join(str(v) for v in native.values() if isinstance(v, str)) or "?"

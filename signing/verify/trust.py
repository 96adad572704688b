"""Trust anchors: reading certificate files, the local trust store and the pinned Vietnamese roots.

`vanban trust import` only admits a certificate whose SHA-256 fingerprint is pinned below or one the
user states explicitly (checked out of band), so a look-alike "Vietnam National Root CA" is refused.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import pem, x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

from letters.core.errors import VanbanError, os_error
from letters.core.files import atomic_write_bytes

# Source: /work/shared/corpus/vn-trust/README.md (official downloads of NEAC and Ban Cơ yếu Chính phủ).
PINNED_VN_CERTS: dict[str, str] = {
    "BAC8BF609AB420A8EE1780D74F4DE5C7F7184959D2A7375B0A75E4C29F0908E7": "Vietnam National Root CA (NEAC)",
    "F04BA4B459A7C9A1B971AD9B1CB833E695A80C79AEA63B174B66A70EDFE2FDB8": "RootCA chuyên dùng Chính phủ G2 (Ban Cơ yếu Chính phủ)",
    "D8CAB7A4AEF92E6BB2509D7C61CEE7B44F3731B2D21074963530277B366FAE4B": "CA phục vụ các cơ quan Nhà nước G2",
    "7D6BA5245317F9ED5D8BC765A4634D26AC6340D36B9F584DF3B52D9C4A81A306": "VNPT-CA SHA2",
}


def fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.dump()).hexdigest().upper()


def common_name(name: x509.Name) -> str:
    native = name.native
    return str(native.get("common_name") or name.human_friendly)


def is_self_signed(cert: x509.Certificate) -> bool:
    return cert.self_signed in ("maybe", "yes")


def read_certificates(path: Path) -> list[x509.Certificate]:
    """Certificates in a DER, PEM or PKCS#7 (.p7b/.p7c) file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise VanbanError(f"Không tìm thấy tệp chứng thư {path}.") from None
    except OSError as exc:
        raise os_error(exc, "Không đọc được tệp chứng thư", path) from None
    certs: list[x509.Certificate] = []
    try:
        if pem.detect(data):
            for kind, _, der in pem.unarmor(data, multiple=True):
                if kind == "CERTIFICATE":
                    certs.append(x509.Certificate.load(der))
                elif kind == "PKCS7":
                    certs.extend(_from_p7(der, der=True))
        else:
            try:
                cert = x509.Certificate.load(data)
                _ = cert.subject.native  # force parsing so a PKCS#7 blob is not mistaken for a certificate
                certs.append(cert)
            except (ValueError, TypeError):
                certs.extend(_from_p7(data, der=True))
    except (ValueError, TypeError) as exc:
        raise VanbanError(
            f"Tệp {path} không chứa chứng thư số đọc được.",
            hint="Dùng tệp .crt/.cer (DER hoặc PEM) hoặc .p7b tải từ trang chính thức của tổ chức chứng thực.",
        ) from exc
    if not certs:
        raise VanbanError(f"Tệp {path} không chứa chứng thư số nào.")
    return certs


def _from_p7(data: bytes, *, der: bool) -> list[x509.Certificate]:
    loaded = pkcs7.load_der_pkcs7_certificates(data)
    return [x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in loaded]


def default_store_dir() -> Path:
    env = os.environ.get("VANBAN_TRUST_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "vanban" / "trust"


@dataclass(frozen=True)
class ImportedCert:
    path: Path
    subject: str
    sha256: str
    pinned_as: str | None
    is_root: bool


def import_certificate(
    source: Path, *, store: Path | None = None, expected_sha256: str | None = None, force: bool = False
) -> list[ImportedCert]:
    """Add the certificates in `source` to the trust store after checking their fingerprints.

    Without `expected_sha256` every certificate must be one of PINNED_VN_CERTS; with it, the file must
    hold exactly one certificate with that fingerprint.
    """
    store = Path(store) if store else default_store_dir()
    certs = read_certificates(source)
    expected = expected_sha256.replace(":", "").replace(" ", "").upper() if expected_sha256 else None
    if expected is not None and len(certs) != 1:
        raise VanbanError(
            f"Tệp {source} chứa {len(certs)} chứng thư; khi ghi --sha256 tệp chỉ được chứa một."
        )
    imported: list[ImportedCert] = []
    for cert in certs:
        fp = fingerprint(cert)
        subject = common_name(cert.subject)
        pinned = PINNED_VN_CERTS.get(fp)
        if expected is not None:
            if fp != expected:
                raise VanbanError(
                    f"Từ chối nhập chứng thư «{subject}» trong {source}: dấu vân tay SHA-256 là {fp}, "
                    f"không khớp với giá trị đã khai {expected}.",
                    hint="Tệp có thể đã bị giả mạo. Tải lại từ trang chính thức và đối chiếu dấu vân tay.",
                )
        elif pinned is None:
            raise VanbanError(
                f"Từ chối nhập chứng thư «{subject}» trong {source}: dấu vân tay SHA-256 {fp} không khớp với "
                "chứng thư gốc nào của Việt Nam mà vanban đã ghim (Vietnam National Root CA, RootCA chuyên dùng "
                "Chính phủ G2, CA phục vụ các cơ quan Nhà nước G2, VNPT-CA SHA2).",
                hint="Nếu đây là chứng thư khác mà bạn đã đối chiếu dấu vân tay qua kênh chính thức, "
                "chạy lại với --sha256 <dấu vân tay>.",
            )
        target = store / f"{fp[:16].lower()}.crt"
        if target.exists() and not force:
            # Same fingerprint ⇒ same bytes: importing twice is harmless.
            pass
        else:
            atomic_write_bytes(target, cert.dump(), force=True)
        imported.append(ImportedCert(target, subject, fp, pinned, is_self_signed(cert)))
    return imported


def store_certificates(store: Path | None = None) -> list[x509.Certificate]:
    store = Path(store) if store else default_store_dir()
    if not store.is_dir():
        return []
    certs: list[x509.Certificate] = []
    for path in sorted(store.glob("*.crt")):
        certs.extend(read_certificates(path))
    return certs

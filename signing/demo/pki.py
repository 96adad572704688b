"""A demo public-key infrastructure for trying vanban and for its tests.

Everything here is clearly labelled as a sample ("MẪU - KHÔNG CÓ GIÁ TRỊ PHÁP LÝ"): it mimics the shape of
Vietnam's specialised-use CA (root CA -> agency CA -> personal / agency certificates) so that signing and
verification can be exercised end to end with real CRL, OCSP and RFC 3161 services (see signing.services),
but nothing issued here has any legal value.

The PKI lives in one directory (PEM certificates and keys, PKCS#12 bundles, `pki.json` metadata). Because the
CRL / OCSP / CA-issuer URLs are baked into the certificates, the HTTP port is chosen once at creation time
and stored in the metadata; `create_demo_pki` on an existing directory just loads it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from letters.core.errors import ToolMissingError, VanbanError
from letters.core.files import dir_mode

DEMO_P12_PASSWORD = "vanban-mau"
"""Password of every PKCS#12 file in a demo PKI (they are samples, so the password is public)."""

DEMO_LABEL = "MẪU - KHÔNG CÓ GIÁ TRỊ PHÁP LÝ"
AGENCY_NAME = "Sở Thông tin và Truyền thông tỉnh Bắc Giang (MẪU)"
DIRECTOR_NAME = "Nguyễn Gia Phong"
DIRECTOR_TITLE = "Phó Giám đốc"

METADATA_FILE = "pki.json"
FORMAT_VERSION = 1

# Labels of the certificates a demo PKI holds; each has <label>.pem, and those with keys <label>.key.pem.
ROOT = "root"
CA = "ca"
DIRECTOR = "director"
AGENCY = "agency"
TSA = "tsa"
OCSP = "ocsp"
REVOKED = "revoked"
EXPIRED = "expired"
FOREIGN_ROOT = "foreign-root"
FOREIGN_LEAF = "foreign-leaf"
# Certificates issued by the trusted demo CAs that are nevertheless unfit to sign documents: the verifier must
# name the real problem for each (tests of signing.verify; never used to sign the demo's own documents).
TLS_SERVER = "tls-server"  # web-server certificate (serverAuth/clientAuth only), with nonRepudiation set
CA_SIGNER = "ca-signer"  # a CA certificate (basicConstraints CA=true) used as a signer
RSA1024 = "rsa1024"  # 1024-bit RSA key
SHA1_CERT = "sha1-cert"  # certificate signed by its CA with sha1WithRSAEncryption
MD5_CERT = "md5-cert"  # certificate signed by its CA with md5WithRSAEncryption
NO_SIGNING_KU = "no-signing-ku"  # key usage without digitalSignature or nonRepudiation
UNFIT_LABELS = (TLS_SERVER, CA_SIGNER, RSA1024, SHA1_CERT, MD5_CERT, NO_SIGNING_KU)
ALL_LABELS = (
    ROOT,
    CA,
    DIRECTOR,
    AGENCY,
    TSA,
    OCSP,
    REVOKED,
    EXPIRED,
    FOREIGN_ROOT,
    FOREIGN_LEAF,
    *UNFIT_LABELS,
)
# A PKI created before the unfit identities existed still loads; it just lacks them.
_OPTIONAL_LABELS = frozenset(UNFIT_LABELS)
P12_LABELS = (DIRECTOR, AGENCY, REVOKED, EXPIRED, FOREIGN_LEAF, *UNFIT_LABELS)

# CRL files served by signing.services, keyed by the label of the issuing CA.
CRL_ISSUERS = {CA: "ca.crl", ROOT: "root.crl", FOREIGN_ROOT: "foreign-root.crl"}

_UTC = dt.UTC


def _name(
    cn: str,
    *,
    org: str,
    unit: str | None = None,
    title: str | None = None,
    uid: str | None = None,
    locality: str | None = "Bắc Giang",
) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if locality:
        attrs.append(x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, locality))
    attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    if unit:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    if title:
        attrs.append(x509.NameAttribute(NameOID.TITLE, title))
    if uid:
        attrs.append(x509.NameAttribute(NameOID.USER_ID, uid))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


@dataclass(frozen=True)
class DemoSigner:
    """Whom the demo's signing certificates name: the director who signs the documents and the agency that issues
    them. A caller whose campaign names another signer passes its own, so that a document signed with the demo
    key is signed by the person the document says (the signer check compares the names)."""

    name: str = DIRECTOR_NAME
    title: str = DIRECTOR_TITLE
    agency: str = AGENCY_NAME
    province: str = "Bắc Giang"


@dataclass(frozen=True)
class _Spec:
    """How to issue one certificate of the demo PKI."""

    label: str
    issuer: str | None  # None = self-signed
    subject: x509.Name
    kind: str  # "root", "ca", "signer", "tsa", "ocsp"; unfit signers: "tls", "subca", "encipher"
    not_before_days: float  # relative to creation time (negative = in the past)
    not_after_days: float
    revocation_urls: bool = True
    key_size: int = 2048
    digest: str = "sha256"  # hash of the issuer's signature on the certificate: sha256, sha1 or md5


def _specs(signer: DemoSigner | None = None) -> list[_Spec]:
    signer = signer or DemoSigner()
    org_ca = f"Ban Cơ yếu Chính phủ ({DEMO_LABEL})"
    demo = DEMO_LABEL
    return [
        _Spec(
            ROOT,
            None,
            _name("Root CA vanban MẪU", org=org_ca, unit=demo, locality=None),
            "root",
            -3 * 365,
            20 * 365,
        ),
        _Spec(
            CA,
            ROOT,
            _name("CA chuyên dùng MẪU", org=org_ca, unit=demo, locality=None),
            "ca",
            -3 * 365,
            10 * 365,
        ),
        _Spec(
            DIRECTOR,
            CA,
            _name(
                signer.name,
                org=signer.agency,
                title=signer.title,
                uid="CCCD:024000000001",
                unit=demo,
                locality=signer.province,
            ),
            "signer",
            -1,
            3 * 365,
        ),
        _Spec(
            AGENCY,
            CA,
            _name(
                signer.agency, org=signer.agency, uid="MST:2400000000", unit=demo, locality=signer.province
            ),
            "signer",
            -1,
            3 * 365,
        ),
        _Spec(
            TSA,
            CA,
            _name("Máy chủ cấp dấu thời gian MẪU", org=org_ca, unit=demo, locality=None),
            "tsa",
            -3 * 365 + 1,
            10 * 365 - 1,
        ),
        _Spec(OCSP, CA, _name("Máy chủ OCSP MẪU", org=org_ca, unit=demo, locality=None), "ocsp", -1, 3 * 365),
        _Spec(
            REVOKED,
            CA,
            _name(
                "Trần Văn Thu Hồi", org=AGENCY_NAME, title="Chuyên viên", uid="CCCD:024000000002", unit=demo
            ),
            "signer",
            -2,
            3 * 365,
        ),
        _Spec(
            EXPIRED,
            CA,
            _name("Lê Thị Hết Hạn", org=AGENCY_NAME, title="Chuyên viên", uid="CCCD:024000000003", unit=demo),
            "signer",
            -2 * 365,
            -365,
        ),
        _Spec(
            FOREIGN_ROOT,
            None,
            _name(
                "CA lạ không được tin cậy MẪU", org="Tổ chức không xác định (MẪU)", unit=demo, locality=None
            ),
            "root",
            -3 * 365,
            20 * 365,
        ),
        _Spec(
            FOREIGN_LEAF,
            FOREIGN_ROOT,
            _name("Phạm Văn Giả Mạo", org=AGENCY_NAME, title="Giám đốc", unit=demo),
            "signer",
            -1,
            3 * 365,
        ),
        _Spec(
            TLS_SERVER,
            CA,
            _name("congdichvu.bacgiang.gov.vn (MẪU)", org=AGENCY_NAME, unit=demo),
            "tls",
            -1,
            365,
        ),
        _Spec(
            CA_SIGNER,
            ROOT,
            _name("CA cấp dưới MẪU", org=org_ca, unit=demo, locality=None),
            "subca",
            -1,
            5 * 365,
        ),
        _Spec(
            RSA1024,
            CA,
            _name("Vũ Văn Khoá Ngắn", org=AGENCY_NAME, title="Chuyên viên", unit=demo),
            "signer",
            -1,
            365,
            key_size=1024,
        ),
        _Spec(
            SHA1_CERT,
            CA,
            _name("Hoàng Thị Sha Một", org=AGENCY_NAME, title="Chuyên viên", unit=demo),
            "signer",
            -1,
            365,
            digest="sha1",
        ),
        _Spec(
            MD5_CERT,
            CA,
            _name("Đinh Văn Em Đê Năm", org=AGENCY_NAME, title="Chuyên viên", unit=demo),
            "signer",
            -1,
            365,
            digest="md5",
        ),
        _Spec(
            NO_SIGNING_KU,
            CA,
            _name("Bùi Thị Mã Hoá", org=AGENCY_NAME, title="Chuyên viên", unit=demo),
            "encipher",
            -1,
            365,
        ),
    ]


def pick_free_port() -> int:
    """A currently free TCP port on 127.0.0.1 (the kernel's choice, so parallel runs rarely collide)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class DemoPKI:
    """A loaded demo PKI. Paths point into `directory`; certificates are `cryptography` objects."""

    directory: Path
    port: int
    password: str
    created: dt.datetime
    certs: dict[str, x509.Certificate]
    revoked: dict[int, dt.datetime]  # serial -> revocation time (all issued by the agency CA)
    _keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=dict, repr=False)

    # -- URLs of the services (signing.services.serve_pki serves them on `port`) --
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ocsp_url(self) -> str:
        return f"{self.base_url}/ocsp"

    @property
    def tsa_url(self) -> str:
        return f"{self.base_url}/tsa"

    def crl_url(self, issuer: str = CA) -> str:
        return f"{self.base_url}/crl/{CRL_ISSUERS[issuer]}"

    def cert_url(self, label: str) -> str:
        return f"{self.base_url}/certs/{label}.crt"

    # -- files --
    def cert_path(self, label: str) -> Path:
        return self.directory / f"{label}.pem"

    def key_path(self, label: str) -> Path:
        return self.directory / f"{label}.key.pem"

    def p12_path(self, label: str) -> Path:
        return self.directory / f"{label}.p12"

    @property
    def director_p12(self) -> Path:
        return self.p12_path(DIRECTOR)

    @property
    def agency_p12(self) -> Path:
        return self.p12_path(AGENCY)

    @property
    def revoked_p12(self) -> Path:
        return self.p12_path(REVOKED)

    @property
    def expired_p12(self) -> Path:
        return self.p12_path(EXPIRED)

    @property
    def foreign_p12(self) -> Path:
        return self.p12_path(FOREIGN_LEAF)

    @property
    def director_name(self) -> str:
        """The name the director's certificate gives (its common name)."""
        names = self.certs[DIRECTOR].subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value) if names else ""

    @property
    def root_path(self) -> Path:
        return self.cert_path(ROOT)

    # -- objects --
    @property
    def root_cert(self) -> x509.Certificate:
        return self.certs[ROOT]

    @property
    def ca_cert(self) -> x509.Certificate:
        return self.certs[CA]

    @property
    def chain(self) -> list[x509.Certificate]:
        """Intermediate then root: what a signer embeds after its own certificate."""
        return [self.certs[CA], self.certs[ROOT]]

    def key(self, label: str) -> rsa.RSAPrivateKey:
        if label not in self._keys:
            loaded = serialization.load_pem_private_key(self.key_path(label).read_bytes(), password=None)
            assert isinstance(loaded, rsa.RSAPrivateKey)
            self._keys[label] = loaded
        return self._keys[label]

    def issuer_label(self, label: str) -> str | None:
        return next((s.issuer for s in _specs() if s.label == label), None)

    def chain_for(self, label: str) -> list[x509.Certificate]:
        """Issuer certificates of `label`, nearest first, up to and including its root."""
        out: list[x509.Certificate] = []
        issuer = self.issuer_label(label)
        while issuer is not None:
            out.append(self.certs[issuer])
            issuer = self.issuer_label(issuer)
        return out

    def asn1_cert(self, label: str):  # -> asn1crypto.x509.Certificate (pyHanko's type)
        from asn1crypto import x509 as asn1_x509

        return asn1_x509.Certificate.load(self.certs[label].public_bytes(serialization.Encoding.DER))

    def asn1_key(self, label: str):  # -> asn1crypto.keys.PrivateKeyInfo
        from asn1crypto import keys as asn1_keys

        der = self.key(label).private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return asn1_keys.PrivateKeyInfo.load(der)

    def validation_context(self, *, allow_fetching: bool = True, **kwargs: object):
        """A pyHanko ValidationContext that trusts only this PKI's root (convenience for tests/demo)."""
        from pyhanko_certvalidator import ValidationContext

        return ValidationContext(
            trust_roots=[self.asn1_cert(ROOT)],
            other_certs=[self.asn1_cert(CA)],
            allow_fetching=allow_fetching,
            **kwargs,  # type: ignore[arg-type]
        )

    # -- revocation data --
    def crl_der(self, issuer: str = CA, *, now: dt.datetime | None = None) -> bytes:
        """A freshly signed CRL of `issuer` (valid for a week from `now`)."""
        now = now or dt.datetime.now(_UTC)
        issuer_cert = self.certs[issuer]
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer_cert.subject)
            .last_update(now - dt.timedelta(minutes=5))
            .next_update(now + dt.timedelta(days=7))
            .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key(issuer).public_key()),
                critical=False,
            )
        )
        if issuer == CA:
            for serial, when in sorted(self.revoked.items()):
                builder = builder.add_revoked_certificate(
                    x509.RevokedCertificateBuilder()
                    .serial_number(serial)
                    .revocation_date(when)
                    .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
                    .build()
                )
        return builder.sign(self.key(issuer), hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    @property
    def crl(self) -> bytes:
        """The agency CA's current CRL (DER), listing the revoked demo certificate."""
        return self.crl_der(CA)

    def label_for_issuer(self, issuer_name: x509.Name) -> str | None:
        for label in (CA, ROOT, FOREIGN_ROOT):
            if self.certs[label].subject == issuer_name:
                return label
        return None


# ---------------------------------------------------------------------------------------------- creation


def _new_key(size: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=size)


_DIGEST_INFO_PREFIX = {
    # DER DigestInfo headers of RFC 8017 §9.2, note 1.
    "sha1": bytes.fromhex("3021300906052b0e03021a05000414"),
    "md5": bytes.fromhex("3020300c06082a864886f70d020505000410"),
}


def _resign_weak(cert: x509.Certificate, issuer_key: rsa.RSAPrivateKey, digest: str) -> x509.Certificate:
    """`cert` re-signed by `issuer_key` with sha1WithRSA or md5WithRSA, which `cryptography` refuses to
    produce: PKCS#1 v1.5 done by hand, so the demo can hold the weak certificates verifiers must refuse."""
    import hashlib

    from asn1crypto import x509 as asn1_x509

    parsed = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    algo = {"algorithm": f"{digest}_rsa", "parameters": None}
    tbs = parsed["tbs_certificate"].copy()
    tbs["signature"] = algo
    tbs_der = tbs.dump(force=True)
    numbers = issuer_key.private_numbers()
    modulus = numbers.public_numbers.n
    size = (modulus.bit_length() + 7) // 8
    info = _DIGEST_INFO_PREFIX[digest] + hashlib.new(digest, tbs_der).digest()
    block = b"\x00\x01" + b"\xff" * (size - len(info) - 3) + b"\x00" + info
    value = pow(int.from_bytes(block, "big"), numbers.d, modulus).to_bytes(size, "big")
    der = asn1_x509.Certificate(
        {"tbs_certificate": tbs, "signature_algorithm": algo, "signature_value": value}
    ).dump()
    return x509.load_der_x509_certificate(der)


def _build_cert(
    spec: _Spec,
    key: rsa.RSAPrivateKey,
    issuer_cert: x509.Certificate | None,
    issuer_key: rsa.RSAPrivateKey,
    created: dt.datetime,
    base_url: str,
) -> x509.Certificate:
    issuer_name = issuer_cert.subject if issuer_cert is not None else spec.subject
    issuer_pub = issuer_key.public_key()
    b = (
        x509.CertificateBuilder()
        .subject_name(spec.subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_not_before(spec, created))
        .not_valid_after(created + dt.timedelta(days=spec.not_after_days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer_cert is not None:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_pub), critical=False)
    is_ca = spec.kind in ("root", "ca", "subca")
    b = b.add_extension(
        x509.BasicConstraints(ca=is_ca, path_length=(0 if spec.kind in ("ca", "subca") else None)),
        critical=True,
    )
    if spec.kind == "subca":
        ku = dict(key_cert_sign=True, crl_sign=True, digital_signature=True, content_commitment=True)
    elif is_ca:
        ku = dict(key_cert_sign=True, crl_sign=True, digital_signature=False, content_commitment=False)
    elif spec.kind in ("signer", "tls"):
        ku = dict(key_cert_sign=False, crl_sign=False, digital_signature=True, content_commitment=True)
    elif spec.kind == "encipher":
        ku = dict(key_cert_sign=False, crl_sign=False, digital_signature=False, content_commitment=False)
    else:
        ku = dict(key_cert_sign=False, crl_sign=False, digital_signature=True, content_commitment=False)
    b = b.add_extension(
        x509.KeyUsage(
            key_encipherment=spec.kind in ("tls", "encipher"),
            data_encipherment=spec.kind == "encipher",
            key_agreement=False,
            encipher_only=False,
            decipher_only=False,
            **ku,
        ),
        critical=True,
    )
    if spec.kind == "tsa":
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    elif spec.kind == "tls":
        b = b.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
    elif spec.kind == "ocsp":
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
        b = b.add_extension(x509.OCSPNoCheck(), critical=False)
    if spec.issuer is not None and spec.revocation_urls:
        crl_url = f"{base_url}/crl/{CRL_ISSUERS[spec.issuer]}"
        b = b.add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)]
            ),
            critical=False,
        )
        access = [
            x509.AccessDescription(
                x509.AuthorityInformationAccessOID.CA_ISSUERS,
                x509.UniformResourceIdentifier(f"{base_url}/certs/{spec.issuer}.crt"),
            )
        ]
        # Only the agency CA has an OCSP responder; higher levels are covered by their CRL.
        if spec.issuer == CA and spec.kind != "ocsp":
            access.insert(
                0,
                x509.AccessDescription(
                    x509.AuthorityInformationAccessOID.OCSP,
                    x509.UniformResourceIdentifier(f"{base_url}/ocsp"),
                ),
            )
        b = b.add_extension(x509.AuthorityInformationAccess(access), critical=False)
    cert = b.sign(issuer_key, hashes.SHA256())
    return cert if spec.digest == "sha256" else _resign_weak(cert, issuer_key, spec.digest)


# The demo signs and issues its example campaigns on their own dates (a 2023 plan is signed and numbered in
# 2023, never before the director signed it), so the director's and the agency's chain is valid from then on.
_BACKDATED = frozenset({ROOT, CA, DIRECTOR, AGENCY})
_VALID_SINCE = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def _not_before(spec: _Spec, created: dt.datetime) -> dt.datetime:
    start = created + dt.timedelta(days=spec.not_before_days)
    return min(start, _VALID_SINCE) if spec.label in _BACKDATED else start


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _write_pki(directory: Path, port: int, signer: DemoSigner | None = None) -> None:
    created = dt.datetime.now(_UTC).replace(microsecond=0)
    base_url = f"http://127.0.0.1:{port}"
    certs: dict[str, x509.Certificate] = {}
    keys: dict[str, rsa.RSAPrivateKey] = {}
    for spec in _specs(signer):
        key = keys[spec.label] = _new_key(spec.key_size)
        issuer_cert = certs[spec.issuer] if spec.issuer else None
        issuer_key = keys[spec.issuer] if spec.issuer else key
        certs[spec.label] = _build_cert(spec, key, issuer_cert, issuer_key, created, base_url)
        (directory / f"{spec.label}.pem").write_bytes(_pem(certs[spec.label]))
        key_file = directory / f"{spec.label}.key.pem"
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        key_file.chmod(0o600)
    spec_by_label = {s.label: s for s in _specs()}
    for label in P12_LABELS:
        chain = []
        issuer = spec_by_label[label].issuer
        while issuer is not None:
            chain.append(certs[issuer])
            issuer = spec_by_label[issuer].issuer
        data = pkcs12.serialize_key_and_certificates(
            label.encode(),
            keys[label],
            certs[label],
            chain,
            serialization.BestAvailableEncryption(DEMO_P12_PASSWORD.encode()),
        )
        (directory / f"{label}.p12").write_bytes(data)
    (directory / "chain.pem").write_bytes(_pem(certs[CA]) + _pem(certs[ROOT]))
    # Revoked one hour after issuance, i.e. well before anything can be signed with it.
    revoked_at = certs[REVOKED].not_valid_before_utc + dt.timedelta(hours=1)
    meta = {
        "format": FORMAT_VERSION,
        "description": f"PKI mẫu của vanban - {DEMO_LABEL}",
        "port": port,
        "password": DEMO_P12_PASSWORD,
        "created": created.isoformat(),
        "revoked": [
            {
                "label": REVOKED,
                "serial": f"{certs[REVOKED].serial_number:x}",
                "date": revoked_at.isoformat(),
                "reason": "key_compromise",
            }
        ],
    }
    (directory / METADATA_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")


def load_demo_pki(directory: Path) -> DemoPKI:
    directory = Path(directory)
    meta_path = directory / METADATA_FILE
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        certs = {
            label: x509.load_pem_x509_certificate((directory / f"{label}.pem").read_bytes())
            for label in ALL_LABELS
            if label not in _OPTIONAL_LABELS or (directory / f"{label}.pem").exists()
        }
        revoked = {int(r["serial"], 16): dt.datetime.fromisoformat(r["date"]) for r in meta["revoked"]}
        return DemoPKI(
            directory=directory,
            port=int(meta["port"]),
            password=str(meta["password"]),
            created=dt.datetime.fromisoformat(meta["created"]),
            certs=certs,
            revoked=revoked,
        )
    except (OSError, ValueError, KeyError) as exc:
        raise VanbanError(
            f"Thư mục PKI mẫu {directory} bị hỏng hoặc thiếu tệp.",
            hint="Xoá thư mục đó để vanban tạo lại PKI mẫu.",
        ) from exc


def create_demo_pki(directory: Path, *, port: int | None = None, signer: DemoSigner | None = None) -> DemoPKI:
    """Create the demo PKI in `directory`, or load it if the directory already holds one.

    `port` is the 127.0.0.1 port baked into the certificates' CRL/OCSP/CA-issuer URLs; a free one is
    picked when None. `signer` names the director and the agency (Bắc Giang's sample ones when None). Loading
    an existing PKI with a different explicit port or signer is an error, because neither can change without
    re-issuing every certificate.
    """
    directory = Path(directory)
    if (directory / METADATA_FILE).exists():
        pki = load_demo_pki(directory)
        if port is not None and port != pki.port:
            raise VanbanError(
                f"PKI mẫu trong {directory} đã được tạo với cổng {pki.port}, không thể đổi sang cổng {port}.",
                hint="Dùng cổng cũ, hoặc xoá thư mục để tạo PKI mẫu mới.",
            )
        if signer is not None and signer.name != pki.director_name:
            raise VanbanError(
                f"PKI mẫu trong {directory} đã được tạo cho người ký {pki.director_name}, không phải "
                f"{signer.name}.",
                hint="Dùng người ký cũ, hoặc xoá thư mục để tạo PKI mẫu mới.",
            )
        return pki
    if directory.exists() and any(directory.iterdir()):
        raise VanbanError(
            f"Thư mục {directory} đã có tệp khác nhưng không phải PKI mẫu của vanban; không ghi đè.",
            hint="Chọn một thư mục trống cho PKI mẫu.",
        )
    directory.parent.mkdir(parents=True, exist_ok=True)
    # Built beside the target and renamed into place, so a crash or a concurrent run never leaves half a PKI.
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        tmp.chmod(dir_mode())  # mkdtemp's 0700 would hide the demo's certificates from colleagues
        _write_pki(tmp, port if port is not None else pick_free_port(), signer)
        if directory.exists():
            try:
                directory.rmdir()
            except OSError:
                pass  # somebody else filled it meanwhile; the rename below fails and we load theirs
        try:
            os.rename(tmp, directory)
        except OSError:
            if not (directory / METADATA_FILE).exists():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return create_demo_pki(directory, port=port, signer=signer)


# ---------------------------------------------------------------------------------------------- NSS


def make_nss_db(directory: Path, certs: Iterable[x509.Certificate | Path]) -> Path:
    """Create an NSS database in `directory` trusting `certs` as CAs, for `pdfsig -nssdir <directory>`."""
    certutil = shutil.which("certutil")
    if certutil is None:
        raise ToolMissingError(
            "Không tìm thấy chương trình certutil (NSS) để tạo kho chứng thư cho pdfsig.",
            hint="Cài đặt: sudo apt-get install libnss3-tools",
        )
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    db = f"sql:{directory}"
    if not (directory / "cert9.db").exists():
        _run([certutil, "-N", "-d", db, "--empty-password"])
    for i, item in enumerate(certs):
        pem = item.read_bytes() if isinstance(item, Path) else _pem(item)
        cert_file = directory / f"trusted-{i}.pem"
        cert_file.write_bytes(pem)
        _run(
            [
                certutil,
                "-A",
                "-d",
                db,
                "-n",
                f"vanban-trusted-{i}",
                "-t",
                "CT,C,C",
                "-a",
                "-i",
                str(cert_file),
            ]
        )
    return directory


def _run(cmd: Sequence[str]) -> None:
    proc = subprocess.run(list(cmd), capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise VanbanError(f"Lệnh {Path(cmd[0]).name} thất bại (mã {proc.returncode}): {proc.stderr.strip()}")

"""Trust store import against the pinned Vietnamese root fingerprints."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from letters.cli.main import cli
from letters.core.errors import VanbanError
from signing.verify.trust import PINNED_VN_CERTS, import_certificate, read_certificates, store_certificates
from tests.conftest import shared_path
from tests.test_verify_fixtures import CORPUS

VN = CORPUS / "vn-trust"
needs_corpus = pytest.mark.usefixtures("vn_corpus")


@pytest.fixture()
def vn_corpus() -> Path:
    return shared_path("corpus", "vn-trust")


def _lookalike(tmp_path: Path) -> Path:
    """A self-signed certificate that copies the national root's name: must be refused."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Vietnam National Root CA"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ministry of Information and Communications"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=10))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "gia_mao.crt"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


@needs_corpus
def test_import_pinned_roots(tmp_path: Path) -> None:
    store = tmp_path / "store"
    for name in ("vnrca256.crt", "rootcag2.crt", "cpcag2.crt", "vnpt-ca-sha2.crt"):
        (item,) = import_certificate(VN / name, store=store)
        assert item.sha256 in PINNED_VN_CERTS and item.pinned_as
    assert len(store_certificates(store)) == 4
    # Importing the same certificate again is harmless.
    import_certificate(VN / "rootcag2.crt", store=store)
    assert len(store_certificates(store)) == 4


def test_lookalike_root_is_refused(tmp_path: Path) -> None:
    fake = _lookalike(tmp_path)
    with pytest.raises(VanbanError) as err:
        import_certificate(fake, store=tmp_path / "store")
    assert "Từ chối" in err.value.message and "Vietnam National Root CA" in err.value.message
    assert not (tmp_path / "store").exists() or not list((tmp_path / "store").iterdir())


def test_explicit_fingerprint(tmp_path: Path) -> None:
    fake = _lookalike(tmp_path)
    cert = x509.load_pem_x509_certificate(fake.read_bytes())
    fp = cert.fingerprint(hashes.SHA256()).hex()
    with pytest.raises(VanbanError, match="không khớp"):
        import_certificate(fake, store=tmp_path / "s", expected_sha256="00" * 32)
    (item,) = import_certificate(
        fake, store=tmp_path / "s", expected_sha256=":".join(fp[i : i + 2] for i in range(0, 64, 2))
    )
    assert item.pinned_as is None and item.sha256 == fp.upper()


def test_read_formats_and_errors(tmp_path: Path) -> None:
    bad = tmp_path / "rong.crt"
    bad.write_bytes(b"not a certificate")
    with pytest.raises(VanbanError, match="không chứa chứng thư"):
        read_certificates(bad)
    with pytest.raises(VanbanError, match="Không tìm thấy"):
        read_certificates(tmp_path / "khong_co.crt")


@needs_corpus
def test_cli_trust_import(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["trust", "import", str(VN / "rootcag2.crt"), "--store", str(tmp_path / "st")])
    assert ok.exit_code == 0, ok.output
    assert "RootCA chuyên dùng Chính phủ G2" in ok.output
    bad = runner.invoke(cli, ["trust", "import", str(_lookalike(tmp_path)), "--store", str(tmp_path / "st")])
    assert bad.exit_code == 1 and "Từ chối" in bad.output
    usage = runner.invoke(cli, ["trust", "import"])
    assert usage.exit_code == 2


@needs_corpus
def test_cli_trust_list(tmp_path: Path) -> None:
    runner = CliRunner()
    empty = runner.invoke(cli, ["trust", "list", "--store", str(tmp_path / "st")])
    assert empty.exit_code == 0 and "trống" in empty.output
    import_certificate(VN / "vnrca256.crt", store=tmp_path / "st")
    listed = runner.invoke(cli, ["trust", "list", "--store", str(tmp_path / "st")])
    assert "Vietnam National Root CA (đã ghim)" in listed.output

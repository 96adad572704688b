"""Session-wide demo PKI fixtures shared by the signing and verification tests.

Use them from a test module either by declaring the plugin (keeps ruff's F811 quiet):
    pytest_plugins = ("tests.pki_fixtures",)
or by importing the fixtures by name:
    from tests.pki_fixtures import demo_pki, pki_server, softhsm_token, nss_db  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from signing.demo.pki import DIRECTOR, DemoPKI, create_demo_pki, make_nss_db
from signing.demo.services import serve_pki
from signing.demo.token import TokenInfo, provision_softhsm
from tests.pki_helpers import blank_pdf_bytes, run_pdfsig

__all__ = ["blank_pdf_bytes", "demo_pki", "nss_db", "pki_server", "run_pdfsig", "softhsm_token"]

TOKEN_LABEL = "vanban-mau"
TOKEN_PIN = "123456"
TOKEN_SO_PIN = "12345678"


@pytest.fixture(scope="session")
def demo_pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPKI:
    """A fresh demo PKI (root -> agency CA -> director/agency/TSA/OCSP/revoked/expired, plus a foreign chain)."""
    # A fixed path per session: if the fixtures get instantiated twice (plugin + by-name import), both load
    # the same PKI, share one server and one SoftHSM2 directory (SoftHSM2 reads its config once per process).
    return create_demo_pki(tmp_path_factory.getbasetemp() / "vanban-demo-pki")


@pytest.fixture(scope="session")
def pki_server(demo_pki: DemoPKI) -> Iterator[DemoPKI]:
    """The demo PKI with its CRL/OCSP/TSA/CA-issuer services running on 127.0.0.1:demo_pki.port."""
    with serve_pki(demo_pki) as pki:
        yield pki


@pytest.fixture(scope="session")
def softhsm_token(demo_pki: DemoPKI, tmp_path_factory: pytest.TempPathFactory) -> TokenInfo:
    """A SoftHSM2 token holding the director's key and certificate (plus the CA chain)."""
    return provision_softhsm(
        tmp_path_factory.getbasetemp() / "vanban-softhsm",
        label=TOKEN_LABEL,
        pin=TOKEN_PIN,
        so_pin=TOKEN_SO_PIN,
        key_pem=demo_pki.key_path(DIRECTOR),
        cert=demo_pki.cert_path(DIRECTOR),
        key_label="director",
        ca_certs=demo_pki.chain,
    )


@pytest.fixture(scope="session")
def nss_db(demo_pki: DemoPKI, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An NSS database trusting the demo root, for `pdfsig -nssdir`."""
    directory = tmp_path_factory.getbasetemp() / "vanban-nssdb"
    if (directory / "cert9.db").exists():
        return directory
    return make_nss_db(directory, [demo_pki.root_cert])

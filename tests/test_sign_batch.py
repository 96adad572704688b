"""Signing many documents with one loaded key: the remembered container size keeps every file valid."""

from __future__ import annotations

from pathlib import Path

from signing.demo.attacks import sample_pdf
from signing.demo.pki import DemoPKI
from signing.sign.signer import Level, Pkcs12Key, Role, SigningTools, SignRequest, open_signer, sign_pdf_bytes
from tests.pki_fixtures import demo_pki, nss_db, pki_server  # noqa: F401
from tests.test_sign_support import assert_all_valid


def test_batch_of_b_b_signatures_all_valid(pki_server: DemoPKI, nss_db: Path, tmp_path: Path) -> None:  # noqa: F811
    request = SignRequest(role=Role.SIGNER, level=Level.B_B, image=None, prepare_issue_fields=False)
    with open_signer(Pkcs12Key(pki_server.director_p12, pki_server.password)) as signer:
        tools = SigningTools.for_request(signer, request)
        paths = []
        for n in range(3):
            result = sign_pdf_bytes(sample_pdf([f"Van ban so {n}"]), tools, request, source=f"doc{n}")
            path = tmp_path / f"doc{n}.pdf"
            path.write_bytes(result.pdf)
            paths.append(path)
        assert tools.reserved  # measured on the first document, reused for the next ones
        tools.reserved = 64  # far too small: signing must recover by measuring again
        result = sign_pdf_bytes(sample_pdf(["Van ban cuoi"]), tools, request, source="last")
        (tmp_path / "last.pdf").write_bytes(result.pdf)
        paths.append(tmp_path / "last.pdf")
    for path in paths:
        assert_all_valid(path, pki_server, nss_db, expected=1)

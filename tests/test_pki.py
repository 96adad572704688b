"""The demo PKI, its HTTP services (CRL, OCSP, TSA, CA issuers) and the SoftHSM2 token, checked end to end."""

from __future__ import annotations

import datetime as dt
import io
import socket
import threading
import urllib.request
from pathlib import Path

import pytest
from asn1crypto import algos, tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers, timestamps
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature

from letters.core.errors import VanbanError
from signing.demo import pki as pki_mod
from signing.demo.pki import DemoPKI, create_demo_pki, load_demo_pki
from signing.demo.services import serve_pki
from signing.demo.token import TokenInfo
from tests.pki_helpers import blank_pdf_bytes, run_pdfsig

pytest_plugins = ("tests.pki_fixtures",)


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.read()


def _post(url: str, body: bytes, content_type: str) -> tuple[int, str, bytes]:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": content_type}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.headers["Content-Type"], resp.read()


def _sign(pki: DemoPKI, label: str, *, lt: bool, field: str = "Sig1", src: bytes | None = None) -> bytes:
    signer = signers.SimpleSigner.load_pkcs12(pki.p12_path(label), passphrase=pki.password.encode())
    assert signer is not None
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        subfilter=SigSeedSubFilter.PADES,
        embed_validation_info=lt,
        validation_context=pki.validation_context() if lt else None,
    )
    out = io.BytesIO()
    signers.PdfSigner(
        meta, signer, timestamper=timestamps.HTTPTimeStamper(pki.tsa_url) if lt else None
    ).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(src or blank_pdf_bytes())), output=out)
    return out.getvalue()


def _validate(pki: DemoPKI, data: bytes, **vc_kwargs: object):
    sig = PdfFileReader(io.BytesIO(data)).embedded_signatures[-1]
    return validate_pdf_signature(sig, pki.validation_context(**vc_kwargs))


# ------------------------------------------------------------------------------------------- structure


def test_hierarchy_and_profiles(demo_pki: DemoPKI) -> None:
    root, ca = demo_pki.root_cert, demo_pki.ca_cert
    assert root.subject == root.issuer
    assert ca.issuer == root.subject
    for label in pki_mod.ALL_LABELS:
        subject = demo_pki.certs[label].subject.rfc4514_string()
        assert "MẪU" in subject, label
    director = demo_pki.certs[pki_mod.DIRECTOR]
    assert director.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "Nguyễn Gia Phong"
    assert director.issuer == ca.subject
    ku = director.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and ku.value.content_commitment
    aia = director.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    urls = {d.access_location.value for d in aia}
    assert urls == {demo_pki.ocsp_url, demo_pki.cert_url(pki_mod.CA)}
    cdp = director.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert cdp[0].full_name[0].value == demo_pki.crl_url() == f"http://127.0.0.1:{demo_pki.port}/crl/ca.crl"

    tsa_eku = demo_pki.certs[pki_mod.TSA].extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert tsa_eku.critical and list(tsa_eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    ocsp_cert = demo_pki.certs[pki_mod.OCSP]
    assert (
        ExtendedKeyUsageOID.OCSP_SIGNING
        in ocsp_cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    )
    ocsp_cert.extensions.get_extension_for_class(x509.OCSPNoCheck)

    now = dt.datetime.now(dt.UTC)
    assert demo_pki.certs[pki_mod.EXPIRED].not_valid_after_utc < now
    assert demo_pki.certs[pki_mod.FOREIGN_LEAF].issuer == demo_pki.certs[pki_mod.FOREIGN_ROOT].subject
    assert demo_pki.certs[pki_mod.FOREIGN_ROOT].subject != root.subject


def test_pkcs12_files_open_with_documented_password(demo_pki: DemoPKI) -> None:
    assert demo_pki.password == pki_mod.DEMO_P12_PASSWORD
    for label in pki_mod.P12_LABELS:
        bundle = pkcs12.load_pkcs12(demo_pki.p12_path(label).read_bytes(), demo_pki.password.encode())
        assert bundle.cert is not None and bundle.cert.certificate == demo_pki.certs[label]
        assert bundle.key is not None
        assert [c.certificate for c in bundle.additional_certs] == demo_pki.chain_for(label)
    with pytest.raises(ValueError):
        pkcs12.load_pkcs12(demo_pki.director_p12.read_bytes(), b"wrong")


def test_create_is_idempotent_and_port_is_fixed(demo_pki: DemoPKI) -> None:
    again = create_demo_pki(demo_pki.directory)
    assert again.port == demo_pki.port
    assert again.certs[pki_mod.DIRECTOR] == demo_pki.certs[pki_mod.DIRECTOR]
    with pytest.raises(VanbanError, match="cổng"):
        create_demo_pki(demo_pki.directory, port=demo_pki.port + 1)


def test_refuses_foreign_directory_and_reports_damage(tmp_path: Path) -> None:
    user_dir = tmp_path / "user"
    user_dir.mkdir()
    (user_dir / "notes.txt").write_text("của người dùng", encoding="utf-8")
    with pytest.raises(VanbanError, match="không ghi đè"):
        create_demo_pki(user_dir)
    assert (user_dir / "notes.txt").read_text(encoding="utf-8") == "của người dùng"
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / pki_mod.METADATA_FILE).write_text("{}", encoding="utf-8")
    with pytest.raises(VanbanError, match="bị hỏng"):
        load_demo_pki(broken)


# -------------------------------------------------------------------------------------------- services


def test_crl_endpoint_lists_the_revoked_certificate(pki_server: DemoPKI) -> None:
    crl = x509.load_der_x509_crl(_get(pki_server.crl_url()))
    assert crl.issuer == pki_server.ca_cert.subject
    assert crl.is_signature_valid(pki_server.ca_cert.public_key())
    revoked_serial = pki_server.certs[pki_mod.REVOKED].serial_number
    assert crl.get_revoked_certificate_by_serial_number(revoked_serial) is not None
    assert (
        crl.get_revoked_certificate_by_serial_number(pki_server.certs[pki_mod.DIRECTOR].serial_number) is None
    )
    root_crl = x509.load_der_x509_crl(_get(pki_server.crl_url(pki_mod.ROOT)))
    assert root_crl.is_signature_valid(pki_server.root_cert.public_key()) and len(root_crl) == 0
    assert x509.load_der_x509_certificate(_get(pki_server.cert_url(pki_mod.CA))) == pki_server.ca_cert
    with pytest.raises(urllib.error.HTTPError):
        _get(pki_server.base_url + "/crl/nope.crl")


@pytest.mark.parametrize(
    ("label", "expected"),
    [(pki_mod.DIRECTOR, ocsp.OCSPCertStatus.GOOD), (pki_mod.REVOKED, ocsp.OCSPCertStatus.REVOKED)],
)
def test_ocsp_answers_signed_status(pki_server: DemoPKI, label: str, expected: ocsp.OCSPCertStatus) -> None:
    cert = pki_server.certs[label]
    req = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(cert, pki_server.ca_cert, hashes.SHA256())
        .add_extension(x509.OCSPNonce(b"vanban-nonce-123"), critical=False)
        .build()
    )
    status, ctype, body = _post(
        pki_server.ocsp_url, req.public_bytes(serialization.Encoding.DER), "application/ocsp-request"
    )
    assert status == 200 and ctype == "application/ocsp-response"
    resp = ocsp.load_der_ocsp_response(body)
    assert resp.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert resp.certificate_status == expected
    assert resp.serial_number == cert.serial_number
    responder = resp.certificates[0]
    assert responder == pki_server.certs[pki_mod.OCSP]
    responder.public_key().verify(  # type: ignore[union-attr]
        resp.signature, resp.tbs_response_bytes, padding.PKCS1v15(), hashes.SHA256()
    )
    nonce = resp.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    assert nonce == b"vanban-nonce-123"
    if expected == ocsp.OCSPCertStatus.REVOKED:
        assert resp.revocation_time_utc == pki_server.revoked[cert.serial_number]


def test_ocsp_refuses_foreign_issuer(pki_server: DemoPKI) -> None:
    req = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(
            pki_server.certs[pki_mod.FOREIGN_LEAF], pki_server.certs[pki_mod.FOREIGN_ROOT], hashes.SHA1()
        )
        .build()
    )
    _, _, body = _post(
        pki_server.ocsp_url, req.public_bytes(serialization.Encoding.DER), "application/ocsp-request"
    )
    assert ocsp.load_der_ocsp_response(body).response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED


def test_tsa_issues_rfc3161_token(pki_server: DemoPKI) -> None:
    digest = hashes.Hash(hashes.SHA256())
    digest.update(b"Quyet dinh cong bo ket qua DTI")
    req = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "hashed_message": digest.finalize(),
            },
            "nonce": 424242,
            "cert_req": True,
        }
    )
    status, ctype, body = _post(pki_server.tsa_url, req.dump(), "application/timestamp-query")
    assert status == 200 and ctype == "application/timestamp-reply"
    resp = tsp.TimeStampResp.load(body)
    assert resp["status"]["status"].native == "granted"
    signed = resp["time_stamp_token"]["content"]
    tst_info = signed["encap_content_info"]["content"].parsed
    assert tst_info["nonce"].native == 424242
    assert (
        tst_info["message_imprint"]["hashed_message"].native
        == req["message_imprint"]["hashed_message"].native
    )
    gen_time = tst_info["gen_time"].native
    assert abs((gen_time - dt.datetime.now(dt.UTC)).total_seconds()) < 60
    tsa_der = pki_server.certs[pki_mod.TSA].public_bytes(serialization.Encoding.DER)
    assert any(c.chosen.dump() == tsa_der for c in signed["certificates"])


def test_server_stops_cleanly(tmp_path: Path) -> None:
    own = create_demo_pki(tmp_path / "pki")  # not the session PKI, whose server stays up meanwhile
    before = set(threading.enumerate())
    with serve_pki(own), serve_pki(own):  # nested users share one server
        assert _get(own.cert_url(pki_mod.ROOT))
        with socket.socket() as busy, pytest.raises(OSError):
            busy.bind(("127.0.0.1", own.port))
    assert set(threading.enumerate()) <= before
    with pytest.raises(urllib.error.URLError):
        _get(own.cert_url(pki_mod.ROOT))
    with socket.socket() as probe:  # the port is released
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", own.port))
        probe.listen()
        with pytest.raises(VanbanError, match=f"cổng 127.0.0.1:{own.port}"), serve_pki(own):
            pass  # somebody else holds the port: a Vietnamese error, not a traceback


# ------------------------------------------------------------------------------------ pyHanko & pdfsig


def test_pades_blt_signature_validates(pki_server: DemoPKI, nss_db: Path, tmp_path: Path) -> None:
    data = _sign(pki_server, pki_mod.DIRECTOR, lt=True)
    status = _validate(pki_server, data, allow_fetching=False)  # offline: only what B-LT embedded
    assert status.bottom_line, status.pretty_print_details()
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    reader = PdfFileReader(io.BytesIO(data))
    dss = reader.root["/DSS"]
    assert len(dss["/OCSPs"]) >= 1 and len(dss["/CRLs"]) >= 1
    out = tmp_path / "ky-lt.pdf"
    out.write_bytes(data)
    report = run_pdfsig(out, nss_db)
    assert "Signature is Valid" in report and "Certificate is Trusted" in report, report


def test_revoked_certificate_is_reported_revoked(pki_server: DemoPKI, nss_db: Path, tmp_path: Path) -> None:
    with pytest.raises(Exception, match="could not be validated"):
        _sign(pki_server, pki_mod.REVOKED, lt=True)  # pyHanko refuses to embed proof for a revoked signer
    data = _sign(pki_server, pki_mod.REVOKED, lt=False)
    for mode in ("soft-fail", "hard-fail"):
        status = _validate(pki_server, data, revocation_mode=mode)
        assert not status.bottom_line and status.revocation_details is not None
        assert (
            status.revocation_details.revocation_date
            == pki_server.revoked[pki_server.certs[pki_mod.REVOKED].serial_number]
        )
    out = tmp_path / "thu-hoi.pdf"
    out.write_bytes(data)
    report = run_pdfsig(out, nss_db)
    assert "Signature is Valid" in report and "Revoked" in report, report


def test_expired_and_foreign_certificates_fail(pki_server: DemoPKI) -> None:
    expired = _validate(pki_server, _sign(pki_server, pki_mod.EXPIRED, lt=False))
    assert expired.intact and not expired.bottom_line
    foreign = _validate(pki_server, _sign(pki_server, pki_mod.FOREIGN_LEAF, lt=False))
    assert foreign.intact and not foreign.trusted and not foreign.bottom_line


@pytest.mark.hsm
def test_softhsm_token_signs_with_pyhanko(
    pki_server: DemoPKI, softhsm_token: TokenInfo, nss_db: Path, tmp_path: Path
) -> None:
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    session = open_pkcs11_session(
        softhsm_token.module_path,
        token_criteria=TokenCriteria(label=softhsm_token.token_label),
        user_pin=softhsm_token.pin,
    )
    try:
        signer = PKCS11Signer(
            session,
            cert_label=softhsm_token.cert_label,
            key_label=softhsm_token.key_label,
            other_certs_to_pull=None,
        )
        assert signer.signing_cert.dump() == pki_server.asn1_cert(pki_mod.DIRECTOR).dump()
        meta = signers.PdfSignatureMetadata(
            field_name="ChuKyToken",
            subfilter=SigSeedSubFilter.PADES,
            embed_validation_info=True,
            validation_context=pki_server.validation_context(),
        )
        out = io.BytesIO()
        signers.PdfSigner(meta, signer, timestamper=timestamps.HTTPTimeStamper(pki_server.tsa_url)).sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(blank_pdf_bytes())), output=out
        )
    finally:
        session.close()
    status = _validate(pki_server, out.getvalue(), allow_fetching=False)
    assert status.bottom_line, status.pretty_print_details()
    pdf = tmp_path / "token.pdf"
    pdf.write_bytes(out.getvalue())
    report = run_pdfsig(pdf, nss_db)
    assert "Signature is Valid" in report and "Certificate is Trusted" in report, report

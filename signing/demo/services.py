"""CRL, OCSP, RFC 3161 time-stamping and CA-issuer services of a demo PKI, served over HTTP on 127.0.0.1.

Routes (the certificates of `signing.pki` point at them):
  GET  /crl/ca.crl, /crl/root.crl, /crl/foreign-root.crl   DER CRLs, freshly signed on each request
  POST /ocsp (application/ocsp-request), GET /ocsp/<base64>  OCSP answers from a delegated responder
  POST /tsa  (application/timestamp-query)                 RFC 3161 time-stamp tokens
  GET  /certs/<label>.crt                                   CA certificates (DER), for AIA caIssuers
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import logging
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from letters.core.errors import VanbanError, os_error_text
from signing.demo.pki import CA, CRL_ISSUERS, FOREIGN_ROOT, OCSP, ROOT, TSA, DemoPKI

log = logging.getLogger(__name__)

_SERVED_CERTS = (ROOT, CA, FOREIGN_ROOT)
_MAX_BODY = 1 << 20


class _PKIHandler(BaseHTTPRequestHandler):
    server: _PKIServer
    # HTTP/1.0 closes every connection after one exchange, so no handler thread outlives its request.
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        log.debug("pki-http %s " + format, self.address_string(), *args)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _fail(self, status: int, text: str) -> None:
        self._send(status, text.encode("utf-8"), "text/plain; charset=utf-8")

    def _body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > _MAX_BODY:
            self._fail(400, "bad request body")
            return None
        return self.rfile.read(length)

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        pki = self.server.pki
        path = urllib.parse.urlparse(self.path).path
        if path.startswith("/crl/"):
            issuer = next((lab for lab, name in CRL_ISSUERS.items() if path == f"/crl/{name}"), None)
            if issuer is None:
                return self._fail(404, "no such CRL")
            return self._send(200, pki.crl_der(issuer), "application/pkix-crl")
        if path.startswith("/certs/"):
            label = path.removeprefix("/certs/").removesuffix(".crt")
            if label not in _SERVED_CERTS:
                return self._fail(404, "no such certificate")
            der = pki.certs[label].public_bytes(serialization.Encoding.DER)
            return self._send(200, der, "application/pkix-cert")
        if path.startswith("/ocsp/"):
            try:
                raw = base64.b64decode(urllib.parse.unquote(path.removeprefix("/ocsp/")), validate=False)
            except ValueError:
                return self._fail(400, "bad OCSP request encoding")
            return self._send(200, self.server.ocsp_answer(raw), "application/ocsp-response")
        return self._fail(404, "not found")

    do_HEAD = do_GET

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        path = urllib.parse.urlparse(self.path).path
        if path == "/ocsp":
            body = self._body()
            if body is not None:
                self._send(200, self.server.ocsp_answer(body), "application/ocsp-response")
        elif path == "/tsa":
            body = self._body()
            if body is not None:
                status, reply = self.server.tsa_answer(body)
                self._send(status, reply, "application/timestamp-reply")
        else:
            self._fail(404, "not found")


class _PKIServer(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True  # server_close() joins every request thread

    def __init__(self, pki: DemoPKI) -> None:
        self.pki = pki
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        self._timestamper = DummyTimeStamper(
            tsa_cert=pki.asn1_cert(TSA),
            tsa_key=pki.asn1_key(TSA),
            certs_to_embed=SimpleCertificateStore.from_certs([pki.asn1_cert(CA), pki.asn1_cert(ROOT)]),
        )
        self._tsa_lock = threading.Lock()
        super().__init__(("127.0.0.1", pki.port), _PKIHandler)

    def ocsp_answer(self, raw: bytes) -> bytes:
        pki = self.pki
        try:
            req = ocsp.load_der_ocsp_request(raw)
        except ValueError:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.MALFORMED_REQUEST
            ).public_bytes(serialization.Encoding.DER)
        ca = pki.certs[CA]
        algo = req.hash_algorithm
        name_hash = _hash(algo, ca.subject.public_bytes())
        key_hash = _hash(algo, _spki_bits(ca))
        if req.issuer_name_hash != name_hash or req.issuer_key_hash != key_hash:
            # The responder is delegated by the agency CA only; anything else is not ours to answer.
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.UNAUTHORIZED
            ).public_bytes(serialization.Encoding.DER)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        serial = req.serial_number
        revoked_at = pki.revoked.get(serial)
        known = any(c.serial_number == serial and c.issuer == ca.subject for c in pki.certs.values())
        if revoked_at is not None:
            status, rev_time, reason = (
                ocsp.OCSPCertStatus.REVOKED,
                revoked_at,
                x509.ReasonFlags.key_compromise,
            )
        elif known:
            status, rev_time, reason = ocsp.OCSPCertStatus.GOOD, None, None
        else:
            status, rev_time, reason = ocsp.OCSPCertStatus.UNKNOWN, None, None
        responder = pki.certs[OCSP]
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response_by_hash(
                issuer_name_hash=req.issuer_name_hash,
                issuer_key_hash=req.issuer_key_hash,
                serial_number=serial,
                algorithm=algo,
                cert_status=status,
                this_update=now - dt.timedelta(minutes=1),
                next_update=now + dt.timedelta(days=1),
                revocation_time=rev_time,
                revocation_reason=reason,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, responder)
            .certificates([responder])
        )
        with contextlib.suppress(x509.ExtensionNotFound):
            nonce = req.extensions.get_extension_for_class(x509.OCSPNonce)
            builder = builder.add_extension(nonce.value, critical=False)
        return builder.sign(pki.key(OCSP), hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def tsa_answer(self, raw: bytes) -> tuple[int, bytes]:
        try:
            req = tsp.TimeStampReq.load(raw)
            req.native  # noqa: B018 - forces a full parse so malformed input fails here
        except (ValueError, TypeError):
            return 400, b""
        with self._tsa_lock:
            resp = self._timestamper.request_tsa_response(req)
        return 200, resp.dump()


def _hash(algo: hashes.HashAlgorithm, data: bytes) -> bytes:
    h = hashes.Hash(algo)
    h.update(data)
    return h.finalize()


def _spki_bits(cert: x509.Certificate) -> bytes:
    """The subjectPublicKey BIT STRING contents (what OCSP's issuerKeyHash covers)."""
    from asn1crypto import keys

    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return keys.PublicKeyInfo.load(spki)["public_key"].contents[1:]


@dataclass
class _Running:
    server: _PKIServer
    thread: threading.Thread
    users: int


_running: dict[int, _Running] = {}
_running_lock = threading.Lock()


@contextlib.contextmanager
def serve_pki(pki: DemoPKI) -> Iterator[DemoPKI]:
    """Serve the demo PKI's CRL/OCSP/TSA/CA-issuer endpoints on 127.0.0.1:`pki.port` for the `with` block.

    Nested or concurrent uses for the same port in one process share a single server, which stops when the
    last user leaves; no thread is left running afterwards.
    """
    with _running_lock:
        entry = _running.get(pki.port)
        if entry is None:
            try:
                server = _PKIServer(pki)
            except OSError as exc:
                raise VanbanError(
                    f"Không mở được dịch vụ PKI mẫu trên cổng 127.0.0.1:{pki.port}: {os_error_text(exc)}.",
                    hint="Có thể một tiến trình vanban khác đang chạy dịch vụ này; hãy dừng nó rồi thử lại.",
                ) from exc
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"vanban-pki-{pki.port}",
                daemon=True,
            )
            thread.start()
            entry = _running[pki.port] = _Running(server, thread, 0)
        entry.users += 1
    try:
        yield pki
    finally:
        with _running_lock:
            entry.users -= 1
            if entry.users == 0:
                del _running[pki.port]
                entry.server.shutdown()
                entry.server.server_close()
                entry.thread.join(timeout=10)

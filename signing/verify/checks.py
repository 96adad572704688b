"""Check one evidence file in-process and turn pyHanko's findings into an ETSI-style verdict.

Runs inside a worker process (see verify_pool); everything here must fail into a verdict, never raise.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import aiohttp
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509
from pyhanko.pdf_utils.misc import PdfDecodeLimitError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import (
    DEFAULT_DIFF_POLICY,
    DiffResult,
    ModificationLevel,
    SuspiciousModification,
)
from pyhanko.sign.fields import MDPPerm, enumerate_sig_fields
from pyhanko.sign.general import find_unique_cms_attribute
from pyhanko.sign.validation import async_validate_pdf_signature, async_validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers import Fetchers
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.fetchers.aiohttp_fetchers.util import LazySession
from pyhanko_certvalidator.fetchers.api import FetchLimits
from pyhanko_certvalidator.policy_decl import AcceptAllAlgorithms

from letters.core.vn import iso_vn, short, time_text, to_vn
from signing.verify import speedups as verify_speedups
from signing.verify.annotations import annotation_only_changes
from signing.verify.model import (
    INDICATION_VI,
    MODIFICATION_VI,
    SUB_INDICATION_VI,
    FileResult,
    Indication,
    SignatureReport,
    SubIndication,
    worst,
)
from signing.verify.policy import AllowedChange, Policy, RevocationMode, Sha1Rule, UnprovenTime
from signing.verify.trust import common_name, fingerprint

if TYPE_CHECKING:
    from signing.verify.changes import FileChanges, Finding

# pyHanko logs every rejected diff with a traceback; the verdict already carries the reason.
log = logging.getLogger(__name__)

logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)

SUPPORTED_SUBFILTERS = {"/adbe.pkcs7.detached", "/ETSI.CAdES.detached", "/ETSI.RFC3161"}


class _SystemTlsSession(LazySession):
    """pyHanko's lazy HTTP session, made with aiohttp's default TLS context (the system's CA store, loaded
    once when aiohttp is imported) rather than a second context loaded from certifi's bundle on the first
    fetch, which costs a one-file run some 45 ms. CRL and OCSP URLs are plain HTTP nearly always,
    and what they return is signed and checked whatever the transport."""

    def get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session


@dataclass
class VerifierSetup:
    """Everything a worker needs, prepared once per batch (plain bytes so it survives a fork or pickle)."""

    policy: Policy
    trust_roots: list[bytes] = field(default_factory=list)
    offline_crls: list[bytes] = field(default_factory=list)
    offline_ocsps: list[bytes] = field(default_factory=list)


class Verifier:
    """Per-process state: parsed anchors and one set of fetchers, so CRLs/OCSP are fetched once per batch."""

    def __init__(self, setup: VerifierSetup) -> None:
        verify_speedups.install()
        self.setup = setup
        self.policy = setup.policy
        self.roots = [x509.Certificate.load(b) for b in setup.trust_roots]
        self.offline_crls = [asn1_crl.CertificateList.load(b) for b in setup.offline_crls]
        self.offline_ocsps = [asn1_ocsp.OCSPResponse.load(b) for b in setup.offline_ocsps]
        self.online = self.policy.revocation.online and self.policy.revocation.mode is not RevocationMode.OFF
        # One event loop and one set of fetchers per process: aiohttp sessions are bound to their loop, and
        # the fetchers' caches are what keeps a batch from downloading the same CRL for every file.
        self.loop = asyncio.new_event_loop()
        self.backend = AIOHttpFetcherBackend(
            _SystemTlsSession(),  # type: ignore[arg-type]  # a LazySession, which the fetchers also accept
            per_request_timeout=10,
            limits=FetchLimits(max_requests=50_000, max_cert_requests=500),
        )
        self.fetchers: Fetchers | None = self.backend.get_fetchers() if self.online else None
        # The file being checked, and its strict change analysis once a signature does not cover it all.
        self._open: tuple[PdfFileReader, BinaryIO, int] | None = None
        self._changes: FileChanges | None = None

    def close(self) -> None:
        try:
            self.loop.run_until_complete(self.backend.close())
        finally:
            self.loop.close()

    # ---------------------------------------------------------------- entry point
    def verify(self, path: Path, display: str, unit: str) -> FileResult:
        log.debug("verifying %s (unit %s)", display, unit)
        try:
            result = self._verify(path, display, unit)
            log.debug("%s: %s %s", display, result.indication, result.sub_indication or "")
            return result
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - a verdict must come out whatever the file holds
            log.debug("%s could not be read", display, exc_info=True)
            return _file_result(
                display,
                unit,
                Indication.TOTAL_FAILED,
                SubIndication.FORMAT_FAILURE,
                _bomb_text(exc) or f"Tệp PDF hỏng, không đọc được cấu trúc{_why(exc)}.",
                self.policy,
                size=_size(path),
            )

    def _verify(self, path: Path, display: str, unit: str) -> FileResult:
        size = _size(path)
        limits = self.policy.limits
        if size == 0:
            return _file_result(
                display,
                unit,
                Indication.TOTAL_FAILED,
                SubIndication.FORMAT_FAILURE,
                "Tệp rỗng (0 byte).",
                self.policy,
                size=size,
            )
        if size > limits.max_file_mb * 1024 * 1024:
            return _file_result(
                display,
                unit,
                Indication.INDETERMINATE,
                SubIndication.GENERIC,
                f"Tệp quá lớn ({size / 1048576:.0f} MB, giới hạn {limits.max_file_mb} MB); "
                "chưa được kiểm tra.",
                self.policy,
                size=size,
            )
        with open(path, "rb") as fh:
            head = fh.read(1024)
            if b"%PDF-" not in head:
                return _file_result(
                    display,
                    unit,
                    Indication.TOTAL_FAILED,
                    SubIndication.FORMAT_FAILURE,
                    f"Không phải tệp PDF ({_guess_type(head)}).",
                    self.policy,
                    size=size,
                )
            fh.seek(0)
            try:
                reader = PdfFileReader(fh, strict=False)
                _ = reader.root
            except MemoryError:
                raise
            except Exception as exc:  # noqa: BLE001
                return _file_result(
                    display,
                    unit,
                    Indication.TOTAL_FAILED,
                    SubIndication.FORMAT_FAILURE,
                    _bomb_text(exc) or f"Tệp PDF hỏng hoặc bị cắt cụt, không đọc được{_why(exc)}.",
                    self.policy,
                    size=size,
                )
            if reader.encrypted:
                return _file_result(
                    display,
                    unit,
                    Indication.INDETERMINATE,
                    SubIndication.FORMAT_FAILURE,
                    "Tệp PDF được mã hoá (đặt mật khẩu); không kiểm tra được chữ ký.",
                    self.policy,
                    size=size,
                )
            sigs = self._check_signatures(reader, fh, size)
        return self._conclude(display, unit, sigs, size)

    # ---------------------------------------------------------------- signatures
    def _check_signatures(self, reader: PdfFileReader, fh: BinaryIO, size: int) -> list[SignatureReport]:
        reports: list[tuple[int, SignatureReport]] = []
        max_signed_end = 0
        embedded: list[EmbeddedPdfSignature] = []
        # One signature value attached to many fields is never genuine, and checking it once per field is
        # what lets 1,500 fields in a small file take minutes and a gigabyte: each is checked once.
        seen: dict[tuple[Any, ...], str] = {}
        reused: list[tuple[str, str]] = []
        for fq_name, sig_obj_ref, sig_field in enumerate_sig_fields(reader, filled_status=True):
            try:
                sig_obj = sig_obj_ref.get_object()
                sub = sig_obj.get("/SubFilter")
                sub_str = str(sub) if sub is not None else None
            except MemoryError:
                raise
            except Exception as exc:  # noqa: BLE001
                reports.append(
                    (1 << 30, _broken(str(fq_name), None, f"Không đọc được từ điển chữ ký{_why(exc)}."))
                )
                continue
            identity = _signature_identity(sig_obj_ref, sig_obj)
            first = next((seen[key] for key in identity if key in seen), None)
            if first is not None:
                reused.append((str(fq_name), first))
                continue
            seen.update(dict.fromkeys(identity, str(fq_name)))
            if sub_str not in SUPPORTED_SUBFILTERS:
                # pyHanko drops these from embedded_signatures; a signature we cannot check is not "no signature".
                reports.append(
                    (
                        1 << 30,
                        SignatureReport(
                            field_name=str(fq_name),
                            indication=Indication.INDETERMINATE.value,
                            sub_indication=SubIndication.FORMAT_FAILURE.value,
                            sub_filter=sub_str,
                            message=f"Chữ ký dùng định dạng {sub_str or '(không khai báo SubFilter)'} mà vanban chưa hỗ "
                            "trợ kiểm tra; không xác định được chữ ký có hợp lệ hay không.",
                            problems=["unsupported_subfilter"],
                        ),
                    )
                )
                continue
            try:
                emb = EmbeddedPdfSignature(reader, sig_field, fq_name)
                _ = emb.signed_revision
                br = emb.byte_range
                if len(br) % 2 == 0 and br:
                    max_signed_end = max(max_signed_end, int(br[-2]) + int(br[-1]))
                embedded.append(emb)
            except MemoryError:
                raise
            except Exception as exc:  # noqa: BLE001
                reports.append(
                    (
                        1 << 30,
                        _broken(str(fq_name), sub_str, f"Chữ ký hỏng hoặc trống, không đọc được{_why(exc)}."),
                    )
                )
        if reused:
            reports.append((1 << 30, _reused_report(reused)))
        cap = self.policy.limits.max_signatures
        if len(embedded) > cap:
            reports.append(
                (
                    1 << 30,
                    SignatureReport(
                        field_name=f"{len(embedded)} chữ ký",
                        indication=Indication.INDETERMINATE.value,
                        sub_indication=SubIndication.GENERIC.value,
                        message=f"Tệp có {len(embedded)} chữ ký số, vượt giới hạn {cap} chữ ký cho một tệp; "
                        "các chữ ký chưa được kiểm tra.",
                        problems=["too_many_signatures"],
                    ),
                )
            )
            return [r for _, r in sorted(reports, key=lambda pair: pair[0])]
        embedded.sort(key=lambda e: e.signed_revision)
        self._open, self._changes = (reader, fh, size), None
        sig_field_names = {str(e.field_name) for e in embedded}
        dss_data = self._read_dss(reader)
        for emb in embedded:
            reports.append((emb.signed_revision, self._check_one(emb, sig_field_names, dss_data)))
        reports.sort(key=lambda pair: pair[0])
        result = [r for _, r in reports]
        _settle_attested_changes(result, self.policy.accept_attested_changes)
        if embedded:
            tail_problem = _unexplained_tail(reader, fh, size, max_signed_end)
            if tail_problem:
                for rep in result:
                    if rep.kind == "signature":
                        _degrade(
                            rep,
                            Indication.TOTAL_FAILED,
                            SubIndication.FORMAT_FAILURE,
                            tail_problem,
                            "hidden_data",
                        )
                        rep.modification = "other"
                        rep.modification_detail = tail_problem
                        rep.message = _compose(rep)
        return result

    def _read_dss(self, reader: PdfFileReader) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {"certs": [], "crls": [], "ocsps": []}
        try:
            dss = DocumentSecurityStore.read_dss(reader)
        except MemoryError:
            raise
        except Exception:  # noqa: BLE001 - no DSS, or a broken one: nothing embedded to use
            return out
        try:
            out["certs"] = list(dss.load_certs())
            for ref in dss.ocsps:
                out["ocsps"].append(asn1_ocsp.OCSPResponse.load(ref.get_object().data))
            for ref in dss.crls:
                out["crls"].append(asn1_crl.CertificateList.load(ref.get_object().data))
        except MemoryError:
            raise
        except Exception:  # noqa: BLE001
            pass
        return out

    def _context(
        self,
        emb: EmbeddedPdfSignature,
        dss: dict[str, list[Any]],
        embedded_crls: list[Any],
        embedded_ocsps: list[Any],
        moment: dt.datetime | None = None,
        *,
        online: bool | None = None,
        relaxed: bool = False,
        soft: bool = False,
    ) -> ValidationContext:
        """`online`: may fetch (default: as the policy says); `relaxed`: accept weak algorithms (to learn what
        else is wrong once they are reported); `soft`: ignore missing revocation data (to learn whether that
        is the only problem)."""
        rev = self.policy.revocation
        # pyHanko's "hard-fail" passes when a certificate's revocation service merely cannot be reached
        # without revocation data; "require" is what "no revocation information is not a pass" means.
        mode = "require" if rev.mode is RevocationMode.HARD and not soft else "soft-fail"
        crls: list[Any] = []
        ocsps: list[Any] = []
        if rev.mode is not RevocationMode.OFF:
            crls = [*self.offline_crls, *dss["crls"], *embedded_crls]
            ocsps = [*self.offline_ocsps, *dss["ocsps"], *embedded_ocsps]
        fetch = self.online if online is None else online and self.online
        weak = {"md2", "md5"} if self.policy.sha1 is Sha1Rule.ACCEPT else {"md2", "md5", "sha1"}
        return ValidationContext(
            trust_roots=list(self.roots),
            other_certs=[*dss["certs"], *emb.other_embedded_certs],
            allow_fetching=fetch,
            fetchers=self.fetchers if fetch else None,
            crls=crls,
            ocsps=ocsps,
            revocation_mode=mode,
            weak_hash_algos=None if relaxed else weak,
            algorithm_usage_policy=AcceptAllAlgorithms() if relaxed else None,
            moment=moment,
            # Validating at a past moment: revocation data produced later still speaks about that moment.
            retroactive_revinfo=moment is not None,
        )

    def _run(self, emb: EmbeddedPdfSignature, is_ts: bool, vc: ValidationContext) -> Any:
        if is_ts:
            return self.loop.run_until_complete(async_validate_pdf_timestamp(emb, vc, skip_diff=True))
        # Key usage and extended key usage are judged by _judge_certificate, which names the problem; pyHanko
        # would only report an untrusted chain (and by default demands nonRepudiation alone).
        return self.loop.run_until_complete(
            async_validate_pdf_signature(
                emb, vc, skip_diff=True, key_usage_settings=KeyUsageConstraints(key_usage=set())
            )
        )

    def _validate(
        self,
        emb: EmbeddedPdfSignature,
        is_ts: bool,
        dss: dict[str, list[Any]],
        embedded_crls: list[Any],
        embedded_ocsps: list[Any],
        *,
        relaxed: bool = False,
    ) -> tuple[Any, ValidationContext]:
        """Validate with the revocation data at hand first (embedded B-LT data, offline files), and go to the
        network only when that does not settle the signer's status."""
        local = [*self.offline_crls, *self.offline_ocsps, *dss["crls"], *dss["ocsps"]]
        local += [*embedded_crls, *embedded_ocsps]
        attempts = [False, True] if self.online and local else [True]
        status: Any = None
        vc: ValidationContext | None = None
        for online in attempts:
            vc = self._context(emb, dss, embedded_crls, embedded_ocsps, online=online, relaxed=relaxed)
            status = self._run(emb, is_ts, vc)
            if online or status.revocation_details is not None:
                break
            if status.trusted and _revocation_covered(emb.signer_cert, local):
                break
        assert vc is not None
        return status, vc

    def _only_revocation_missing(
        self,
        emb: EmbeddedPdfSignature,
        is_ts: bool,
        status: Any,
        dss: dict[str, list[Any]],
        embedded_crls: list[Any],
        embedded_ocsps: list[Any],
        *,
        relaxed: bool,
    ) -> bool:
        """True when the chain is untrusted only because some certificate's revocation status is unknown:
        pyHanko reports that as a general chain failure, so ask again with missing data tolerated."""
        if (
            status.trusted
            or status.revocation_details is not None
            or self.policy.revocation.mode is not RevocationMode.HARD
            or not (status.intact and status.valid)
        ):
            return False
        name = getattr(status.trust_problem_indic, "name", "")
        if name not in ("CERTIFICATE_CHAIN_GENERAL_FAILURE", "TRY_LATER", "REVOCATION_OUT_OF_BOUNDS_NO_POE"):
            return False
        vc = self._context(emb, dss, embedded_crls, embedded_ocsps, online=False, relaxed=relaxed, soft=True)
        return bool(self._run(emb, is_ts, vc).trusted)

    def _judge_certificate(
        self,
        rep: SignatureReport,
        emb: EmbeddedPdfSignature,
        cert: x509.Certificate,
        status: Any,
        dss: dict[str, list[Any]],
    ) -> bool:
        """Is the signer's certificate fit to sign documents, and are the algorithms strong enough? Each problem
        is recorded with its own sub-indication and words; returns whether there was any."""
        if status.validation_path is not None:
            chain = [
                c for c in status.validation_path.iter_certs(include_root=True) if c.dump() != cert.dump()
            ]
        else:
            chain = _issuer_chain(cert, [*emb.other_embedded_certs, *dss["certs"], *self.roots])
        try:
            digest = str(emb.signer_info["digest_algorithm"]["algorithm"].native)
        except MemoryError:
            raise
        except Exception:  # noqa: BLE001 - reported by the signature check itself
            digest = ""
        found = _unfit_certificate(cert, chain, digest, self.policy)
        for indication, sub, text, code in found:
            _degrade(rep, indication, sub, text, code)
        return bool(found)

    def _check_one(
        self, emb: EmbeddedPdfSignature, sig_fields: set[str], dss: dict[str, list[Any]]
    ) -> SignatureReport:
        is_ts = emb.sig_object_type == "/DocTimeStamp"
        rep = SignatureReport(
            field_name=str(emb.field_name),
            indication=Indication.TOTAL_PASSED.value,
            sub_indication=None,
            message="",
            kind="timestamp" if is_ts else "signature",
            sub_filter=str(emb.sig_object.get("/SubFilter")),
        )
        try:
            cert = emb.signer_cert
            _describe_cert(rep, cert)
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001
            if "does not match" in str(exc):
                # The ESS signing-certificate attribute names another certificate: the one shipped was swapped.
                _degrade(
                    rep,
                    Indication.TOTAL_FAILED,
                    SubIndication.SIG_CRYPTO_FAILURE,
                    "Chứng thư số kèm theo chữ ký không phải chứng thư đã dùng để ký (chứng thư bị tráo).",
                    "crypto",
                )
            else:
                log.debug("no signer certificate: %s", _short(exc))
                _degrade(
                    rep,
                    Indication.INDETERMINATE,
                    SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
                    "Không tìm thấy chứng thư số của người ký trong chữ ký.",
                    "no_signer_cert",
                )
            rep.modification = "unknown"
            rep.message = _compose(rep)
            return rep
        embedded_crls, embedded_ocsps = _adobe_revinfo(emb)

        # Diff analysis first, on its own: if it raises, the change after signing is unexplained and the
        # signature must not pass, but the cryptographic and trust checks below still run for the report.
        diff_error: str | None = None
        try:
            emb.compute_integrity_info(diff_policy=DEFAULT_DIFF_POLICY)
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001
            diff_error = _vi_problem(exc) or "không phân tích được phần được bổ sung sau khi ký"
        revocation_gap = False
        try:
            status, vc = self._validate(emb, is_ts, dss, embedded_crls, embedded_ocsps)
            if not is_ts:
                unfit = self._judge_certificate(rep, emb, cert, status, dss)
                if unfit and not (status.intact and status.valid and status.trusted):
                    # pyHanko refuses weak algorithms with a generic "invalid chain" or "invalid signature":
                    # they are named above; what it says once they are accepted is what else is wrong.
                    status, vc = self._validate(emb, is_ts, dss, embedded_crls, embedded_ocsps, relaxed=True)
                status, vc = self._at_timestamp_if_expired(
                    emb, status, vc, dss, embedded_crls, embedded_ocsps, rep
                )
            revocation_gap = self._only_revocation_missing(
                emb, is_ts, status, dss, embedded_crls, embedded_ocsps, relaxed=bool(rep.problems)
            )
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001
            _degrade(
                rep,
                Indication.TOTAL_FAILED,
                SubIndication.FORMAT_FAILURE,
                f"Chữ ký không kiểm tra được do cấu trúc hỏng{_why(exc)}.",
                "broken_signature",
            )
            rep.coverage = "unknown"
            rep.message = _compose(rep)
            return rep

        rep.digest_algorithm = getattr(status, "md_algorithm", None)
        if is_ts:
            rep.timestamp_time = _fmt_time(getattr(status, "timestamp", None))
        else:
            rep.claimed_time = _fmt_time(status.signer_reported_dt)
            tsv = status.timestamp_validity
            if tsv is not None and tsv.intact and tsv.valid and tsv.trusted:
                rep.timestamp_time = _fmt_time(tsv.timestamp)

        # Integrity and cryptography.
        if not status.intact:
            _degrade(
                rep,
                Indication.TOTAL_FAILED,
                SubIndication.HASH_FAILURE,
                "Nội dung đã ký bị thay đổi: giá trị băm của vùng dữ liệu được ký không khớp với chữ ký.",
                "hash",
            )
        elif not status.valid:
            _degrade(
                rep,
                Indication.TOTAL_FAILED,
                SubIndication.SIG_CRYPTO_FAILURE,
                "Giá trị chữ ký không khớp với khoá công khai của chứng thư số kèm theo "
                "(chữ ký bị giả mạo hoặc chứng thư bị tráo).",
                "crypto",
            )

        # Coverage and modifications after signing.
        self._judge_modifications(rep, emb, status, sig_fields, diff_error)

        # Trust, revocation, policy constraints (meaningless for a signature that does not verify).
        if status.intact and status.valid:
            self._judge_trust(
                rep, status, cert, vc, embedded_crls, embedded_ocsps, dss, revocation_gap=revocation_gap
            )
        else:
            rep.revocation_status = "chưa kiểm tra (chữ ký không hợp lệ)"
        if not is_ts:
            tsv = status.timestamp_validity
            if tsv is not None and not (tsv.intact and tsv.valid and tsv.trusted):
                # After the signer's own problems: an untrusted signer usually explains an untrusted TSA too.
                _degrade(
                    rep,
                    Indication.INDETERMINATE,
                    SubIndication.NO_POE,
                    "Dấu thời gian kèm chữ ký không hợp lệ hoặc không được tin cậy.",
                    "bad_timestamp",
                )
            self._judge_policy(rep, status, cert)
        rep.message = _compose(rep)
        return rep

    def _at_timestamp_if_expired(
        self,
        emb: EmbeddedPdfSignature,
        status: Any,
        vc: ValidationContext,
        dss: dict[str, list[Any]],
        embedded_crls: list[Any],
        embedded_ocsps: list[Any],
        rep: SignatureReport,
    ) -> tuple[Any, ValidationContext]:
        """A certificate that expired after signing is fine if a trusted timestamp proves the signature
        existed while it was valid (EN 319 102-1 past signature validation, simplified): re-check the chain
        at the timestamp's time."""
        tsv = status.timestamp_validity
        cert = emb.signer_cert
        if (
            status.trusted
            or not _expired(cert)
            or tsv is None
            or not (tsv.intact and tsv.valid and tsv.trusted)
        ):
            return status, vc
        when = tsv.timestamp
        validity = cert["tbs_certificate"]["validity"]
        if not (validity["not_before"].native <= when <= validity["not_after"].native):
            return status, vc
        relaxed = bool(rep.problems)
        past_vc = self._context(emb, dss, embedded_crls, embedded_ocsps, moment=when, relaxed=relaxed)
        past = self._run(emb, False, past_vc)
        if not past.trusted:
            if self.policy.revocation.mode is RevocationMode.HARD and past.revocation_details is None:
                soft_vc = self._context(
                    emb, dss, embedded_crls, embedded_ocsps, moment=when, relaxed=relaxed, soft=True
                )
                if self._run(emb, False, soft_vc).trusted:
                    # EN 319 102-1: the time is proven, the certificate's status at that time is not.
                    _degrade(
                        rep,
                        Indication.INDETERMINATE,
                        SubIndication.REVOCATION_OUT_OF_BOUNDS_NO_POE,
                        f"Chứng thư số đã hết hạn lúc {time_text(validity['not_after'].native)}; dấu thời gian "
                        f"chứng minh chữ ký được tạo lúc {time_text(when)}, khi chứng thư còn hiệu lực, nhưng "
                        "không có thông tin thu hồi (CRL/OCSP) cho thời điểm đó: tệp không lưu kèm thông tin thu "
                        "hồi (ký ở mức B-LT) và không lấy được qua mạng.",
                        "revocation_at_signing_time",
                    )
            return status, vc
        rep.details.append(
            f"Chứng thư số đã hết hạn lúc {time_text(validity['not_after'].native)}, nhưng dấu thời gian chứng "
            f"minh chữ ký được tạo lúc {time_text(when)}, khi chứng thư còn hiệu lực."
        )
        return past, past_vc

    def _strict_findings(self, emb: EmbeddedPdfSignature) -> list[Finding]:
        """The strict change analysis (changes.py) of what was added after `emb`; loaded, and the file's
        revisions indexed, only when a signature does not cover the whole file."""
        if self._open is None:
            return []
        if self._changes is None:
            from signing.verify.changes import FileChanges

            self._changes = FileChanges(*self._open)
        return self._changes.findings_for(emb)

    def _judge_modifications(
        self,
        rep: SignatureReport,
        emb: EmbeddedPdfSignature,
        status: Any,
        sig_fields: set[str],
        diff_error: str | None,
    ) -> None:
        coverage = status.coverage
        rep.coverage = {
            SignatureCoverageLevel.ENTIRE_FILE: "entire_file",
            SignatureCoverageLevel.ENTIRE_REVISION: "entire_revision",
        }.get(coverage, "partial")
        if coverage < SignatureCoverageLevel.ENTIRE_REVISION:
            rep.modification = "unknown"
            _degrade(
                rep,
                Indication.TOTAL_FAILED,
                SubIndication.FORMAT_FAILURE,
                "Vùng dữ liệu được ký (ByteRange) bất thường: chữ ký không phủ trọn phiên bản tài liệu "
                "nên phần không được ký có thể đã bị thay đổi.",
                "coverage",
            )
            return
        if coverage == SignatureCoverageLevel.ENTIRE_FILE:
            rep.modification = "none"
            return
        # pyHanko's analysis was the first pass; this stricter one (changes.py, which says where pyHanko is
        # lenient) can only make the verdict worse, and
        # names what changed where pyHanko could not analyse the update.
        strict = self._strict_findings(emb)
        if strict:
            from signing.verify.changes import describe_changes

            rep.modification = "other"
            rep.modification_detail = describe_changes(strict)
            _degrade(
                rep,
                Indication.TOTAL_FAILED,
                SubIndication.FORMAT_FAILURE,
                f"Tệp đã bị thay đổi sau khi ký: {rep.modification_detail}.",
                "modified",
            )
            return
        if diff_error is not None:
            rep.modification = "unknown"
            rep.modification_detail = diff_error
            _degrade(
                rep,
                Indication.TOTAL_FAILED,
                SubIndication.FORMAT_FAILURE,
                "Tệp có phần được bổ sung sau khi ký mà không phân tích được; không thể khẳng định nội dung "
                "hiển thị là nội dung đã ký.",
                "modified",
            )
            return
        diff = getattr(emb, "diff_result", None)
        allowed = set(self.policy.allowed_changes)
        suspicious = isinstance(diff, SuspiciousModification) or (
            isinstance(diff, DiffResult) and diff.modification_level == ModificationLevel.OTHER
        )
        added = annotation_only_changes(emb.reader, emb.signed_revision) if suspicious else None
        if added:
            rep.modification = "annotations"
            rep.modification_detail = "thêm " + ", ".join(
                f"{n} chú thích {k}" for k, n in Counter(added).items()
            )
            docmdp = emb.docmdp_level
            if docmdp is not None and docmdp.value < MDPPerm.ANNOTATE.value:
                _degrade(
                    rep,
                    Indication.TOTAL_FAILED,
                    SubIndication.FORMAT_FAILURE,
                    "Tệp được chứng thực (DocMDP) không cho phép thêm chú thích, nhưng đã bị thêm chú thích "
                    "sau khi ký.",
                    "modified",
                )
                return
        elif isinstance(diff, SuspiciousModification) or diff is None:
            rep.modification = "other"
            # pyHanko says what it refused in English (the strict pass above names changes in Vietnamese).
            rep.modification_detail = _vi_problem(diff) if diff is not None else None
        elif isinstance(diff, DiffResult):
            level = diff.modification_level
            if level in (ModificationLevel.NONE,):
                rep.modification = "none"
            elif level == ModificationLevel.LTA_UPDATES:
                rep.modification = "signatures"
            elif level == ModificationLevel.FORM_FILLING:
                only_sigs = all(name in sig_fields for name in diff.changed_form_fields)
                rep.modification = "signatures" if only_sigs else "form_filling"
                if not only_sigs:
                    rep.modification_detail = ", ".join(sorted(diff.changed_form_fields))
            elif level == ModificationLevel.ANNOTATIONS:
                rep.modification = "annotations"
            else:
                rep.modification = "other"
        ok = (
            rep.modification in ("none", "signatures")
            or (rep.modification == "form_filling" and AllowedChange.FORM_FILLING in allowed)
            or (rep.modification == "annotations" and AllowedChange.ANNOTATIONS in allowed)
        )
        if status.docmdp_ok is False and rep.modification != "annotations":
            ok = False  # the certifying signature's DocMDP level forbids these changes
        elif not ok and rep.modification in ("form_filling", "annotations"):
            # NĐ 30 workflow: the leader signs, the clerk fills number/date, the agency seal signs last.
            # Decided once every signature is known (see _settle_attested_changes).
            rep.problems.append(_PENDING_CHANGE)
            return
        if not ok:
            what = MODIFICATION_VI[rep.modification]
            _degrade(
                rep,
                Indication.TOTAL_FAILED,
                SubIndication.FORMAT_FAILURE,
                f"Tệp đã bị thay đổi sau khi ký ({what}); thay đổi này không được chấp nhận.",
                "modified",
            )
        elif rep.modification in ("form_filling", "annotations"):
            # Accepted by policy, but a reader should know: a comment can sit on top of the signed text.
            rep.details.append(
                f"Sau khi ký có {MODIFICATION_VI[rep.modification]} "
                f"({rep.modification_detail or 'không rõ chi tiết'}); chính sách cho phép thay đổi "
                "này, nhưng cần xem nội dung đã ký nếu có nghi ngờ."
            )

    def _judge_trust(
        self,
        rep: SignatureReport,
        status: Any,
        cert: x509.Certificate,
        vc: ValidationContext,
        embedded_crls: list[Any],
        embedded_ocsps: list[Any],
        dss: dict[str, list[Any]],
        *,
        revocation_gap: bool = False,
    ) -> None:
        details = status.revocation_details
        if details is not None:
            when = time_text(details.revocation_date)
            rep.revocation_status = f"đã bị thu hồi từ {when}"
            who = "chứng thư của tổ chức cấp" if details.ca_revoked else "chứng thư số"
            _degrade(
                rep,
                Indication.TOTAL_FAILED,
                SubIndication.REVOKED,
                f"{who.capitalize()} đã bị thu hồi từ {when}.",
                "revoked",
            )
        if not status.trusted:
            indic = status.trust_problem_indic
            name = getattr(indic, "name", None) or "NO_CERTIFICATE_CHAIN_FOUND"
            if name in ("REVOKED", "REVOKED_NO_POE", "REVOKED_CA_NO_POE") and details is None:
                _degrade(
                    rep,
                    Indication.TOTAL_FAILED,
                    SubIndication.REVOKED,
                    "Chứng thư số đã bị thu hồi.",
                    "revoked",
                )
            elif "revocation_at_signing_time" in rep.problems:
                rep.revocation_status = "không có thông tin thu hồi tại thời điểm ký"
            elif name == "EXPIRED" or _expired(cert):
                _degrade(
                    rep,
                    Indication.INDETERMINATE,
                    SubIndication.EXPIRED,
                    f"Chứng thư số đã hết hạn lúc {time_text(cert['tbs_certificate']['validity']['not_after'].native)}"
                    " và không có bằng chứng (dấu thời gian, thông tin thu hồi lưu kèm) cho thấy chữ ký được "
                    "tạo khi chứng thư còn hiệu lực.",
                    "expired",
                )
            elif name == "NOT_YET_VALID" or _not_yet_valid(cert):
                _degrade(
                    rep,
                    Indication.INDETERMINATE,
                    SubIndication.NOT_YET_VALID,
                    "Chứng thư số chưa có hiệu lực tại thời điểm kiểm tra.",
                    "not_yet_valid",
                )
            elif (
                name in ("NO_CERTIFICATE_CHAIN_FOUND", "CHAIN_CONSTRAINTS_FAILURE")
                and status.validation_path is None
            ):
                _degrade(
                    rep,
                    Indication.INDETERMINATE,
                    SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
                    f"Chứng thư số do «{rep.issuer}» cấp, không thuộc hệ thống chứng thực được tin cậy trong "
                    "đợt đánh giá (không dẫn tới chứng thư gốc nào được tin cậy).",
                    "untrusted",
                )
            elif (revocation_gap or name == "TRY_LATER") and [
                p for p in rep.problems if p != _PENDING_CHANGE
            ]:
                # Something the unit must fix is already named; the unknown status is only recorded, so that
                # the letter asks for the fix rather than talking about the Sở's network.
                rep.revocation_status = "chưa xác định được (không có thông tin thu hồi)"
            elif revocation_gap or name == "TRY_LATER":
                rep.revocation_status = "chưa xác định được (không có thông tin thu hồi)"
                where = (
                    "máy kiểm tra không kết nối được tới dịch vụ kiểm tra thu hồi (OCSP/CRL) của tổ chức chứng "
                    f"thực{_ocsp_url(cert, 'trực tuyến') or _crl_url(cert, 'trực tuyến')}"
                    if self.online
                    else "chính sách không cho tải thông tin thu hồi qua mạng"
                )
                _degrade(
                    rep,
                    Indication.INDETERMINATE,
                    SubIndication.TRY_LATER,
                    "Chưa xác định được chứng thư số có bị thu hồi hay không: "
                    f"{where}, tệp không lưu kèm thông tin thu hồi và không có tệp CRL phù hợp. Chưa thể kết "
                    "luận chữ ký hợp lệ.",
                    "revocation_unavailable",
                )
            elif rep.indication != Indication.TOTAL_FAILED.value or details is None:
                sub = SubIndication.__members__.get(name, SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE)
                _degrade(
                    rep,
                    Indication.INDETERMINATE,
                    sub,
                    "Không kiểm tra được chuỗi chứng thực của chứng thư số (từ chứng thư của người ký tới "
                    f"chứng thư gốc của tổ chức chứng thực): {SUB_INDICATION_VI.get(sub.value, sub.value)}.",
                    "chain",
                )
        if rep.revocation_status is None:
            rep.revocation_status, rep.revocation_source = self._revocation_info(
                cert, status, vc, embedded_crls, embedded_ocsps, dss
            )
            if (
                rep.revocation_source is None
                and status.trusted
                and self.policy.revocation.mode is RevocationMode.SOFT
            ):
                rep.caveats.append(
                    "Chưa kiểm tra được chứng thư số có bị thu hồi hay không (không có mạng, tệp không lưu kèm "
                    "thông tin thu hồi, không có tệp CRL); chính sách kiểm tra cho phép chấp nhận khi thiếu thông tin "
                    "thu hồi nên tệp vẫn được chấp nhận. Nên kiểm tra lại khi có mạng."
                )

    def _revocation_info(
        self,
        cert: x509.Certificate,
        status: Any,
        vc: ValidationContext,
        embedded_crls: list[Any],
        embedded_ocsps: list[Any],
        dss: dict[str, list[Any]],
    ) -> tuple[str, str | None]:
        if self.policy.revocation.mode is RevocationMode.OFF:
            return "không kiểm tra (theo chính sách)", None
        if not status.trusted:
            return "chưa kiểm tra (chuỗi chứng thực không hợp lệ)", None
        # Same order as the validation uses them: embedded data, offline files, then the network.
        sources: list[tuple[str, list[Any], str]] = [
            ("ocsp", [*embedded_ocsps, *dss["ocsps"]], "OCSP lưu kèm trong tệp"),
            ("crl", [*embedded_crls, *dss["crls"]], "CRL lưu kèm trong tệp"),
            ("ocsp", self.offline_ocsps, "tệp OCSP ngoại tuyến"),
            ("crl", self.offline_crls, "tệp CRL ngoại tuyến"),
        ]
        if self.fetchers is not None:
            try:
                fetched_o = list(self.fetchers.ocsp_fetcher.fetched_responses_for_cert(cert))
            except MemoryError:
                raise
            except Exception:  # noqa: BLE001
                fetched_o = []
            try:
                fetched_c = list(self.fetchers.crl_fetcher.fetched_crls_for_cert(cert))
            except MemoryError:
                raise
            except Exception:  # noqa: BLE001
                fetched_c = []
            sources += [("ocsp", fetched_o, "OCSP trực tuyến"), ("crl", fetched_c, "CRL tải trực tuyến")]
        for kind, items, label in sources:
            for item in items:
                if kind == "ocsp" and _ocsp_covers(item, cert):
                    return "còn hiệu lực (chưa bị thu hồi)", label + _ocsp_url(cert, label)
                if kind == "crl" and _crl_covers(item, cert):
                    return "còn hiệu lực (chưa bị thu hồi)", label + _crl_url(cert, label)
        if self.policy.revocation.mode is RevocationMode.HARD:
            return "còn hiệu lực", "thông tin thu hồi kiểm tra được"
        return "chưa kiểm tra được (không có thông tin thu hồi; chính sách cho phép bỏ qua)", None

    def _judge_policy(self, rep: SignatureReport, status: Any, cert: x509.Certificate) -> None:
        policy = self.policy
        if policy.allowed_issuers and status.validation_path is not None:
            cas = [c for c in status.validation_path.iter_certs(include_root=True) if c.dump() != cert.dump()]
            if not any(
                _issuer_matches(rule.name, rule.sha256, ca) for rule in policy.allowed_issuers for ca in cas
            ):
                names = ", ".join(r.name or r.sha256 or "" for r in policy.allowed_issuers)
                _degrade(
                    rep,
                    Indication.INDETERMINATE,
                    SubIndication.CHAIN_CONSTRAINTS_FAILURE,
                    f"Chứng thư số do «{rep.issuer}» cấp, không thuộc các tổ chức chứng thực được chấp nhận "
                    f"trong đợt đánh giá ({names}).",
                    "issuer_not_allowed",
                )
        window = policy.signing_time
        if window.not_before or window.not_after:
            start, end = window.not_before, window.not_after
            span = f"{short(start) if start else '…'} – {short(end) if end else '…'}"
            # Only a trusted timestamp proves when the signature was made; the claimed time is whatever the
            # signer's computer clock said.
            proven = _parse_time(rep.timestamp_time)
            when = proven or _parse_time(rep.claimed_time)
            if proven is None and window.without_timestamp is UnprovenTime.INDETERMINATE:
                _degrade(
                    rep,
                    Indication.INDETERMINATE,
                    SubIndication.NO_POE,
                    "Thời điểm ký chưa được chứng thực: chữ ký không kèm dấu thời gian hợp lệ, nên không chứng "
                    f"minh được chữ ký được tạo trong thời gian quy định ({span}).",
                    "unproven_time",
                )
            elif when is None:
                _degrade(
                    rep,
                    Indication.INDETERMINATE,
                    SubIndication.SIG_CONSTRAINTS_FAILURE,
                    "Chữ ký không ghi thời điểm ký nên không đối chiếu được với thời gian quy định.",
                    "no_signing_time",
                )
            else:
                day = to_vn(when).date()
                basis = "theo dấu thời gian" if proven else "do máy của người ký tự ghi"
                if (start and day < start) or (end and day > end):
                    _degrade(
                        rep,
                        Indication.INDETERMINATE,
                        SubIndication.SIG_CONSTRAINTS_FAILURE,
                        f"Thời điểm ký {short(day)} ({basis}) nằm ngoài khoảng thời gian quy định ({span}).",
                        "signing_time",
                    )
                elif proven is None:
                    rep.caveats.append(
                        f"Thời điểm ký chưa được chứng thực: chữ ký không kèm dấu thời gian, ngày ký {short(day)} "
                        f"do máy của người ký tự ghi (khoảng thời gian quy định: {span})."
                    )

    # ---------------------------------------------------------------- file verdict
    def _conclude(self, display: str, unit: str, sigs: list[SignatureReport], size: int) -> FileResult:
        real = [s for s in sigs if s.kind == "signature"]
        if not sigs:
            msg = "Tệp không có chữ ký số."
            if self.policy.accept_unsigned:
                msg += " Chính sách của đợt đánh giá chấp nhận bản chụp (scan) không ký số."
            return _file_result(display, unit, Indication.NO_SIGNATURE, None, msg, self.policy, size=size)
        indication = worst([s.indication for s in sigs])
        if not real and indication == Indication.TOTAL_PASSED.value:
            # Only document timestamps: proves existence, not who signed.
            res = _file_result(
                display,
                unit,
                Indication.NO_SIGNATURE,
                None,
                "Tệp chỉ có dấu thời gian, không có chữ ký số của người ký.",
                self.policy,
                size=size,
            )
            res.signatures = sigs
            return res
        dominant = next((s for s in sigs if s.indication == indication), sigs[0])
        sub = dominant.sub_indication if indication != Indication.TOTAL_PASSED.value else None
        if indication == Indication.TOTAL_PASSED.value:
            who = "; ".join(
                f"{s.signer or '?'} ({s.organisation or s.issuer or ''})".replace(" ()", "") for s in real
            )
            changes = sorted({s.modification for s in real} - {"none", "signatures"})
            after = (
                "tài liệu không bị thay đổi sau khi ký"
                if not changes
                else "thay đổi sau khi ký ("
                + ", ".join(MODIFICATION_VI[c] for c in changes)
                + ") được chấp nhận"
            )
            msg = f"Hợp lệ: {len(real)} chữ ký số hợp lệ, {after}. Người ký: {who}."
            notes = list(dict.fromkeys(c for s in sigs for c in s.caveats))
            if notes:
                msg += " Lưu ý: " + " ".join(notes)
        else:
            bad = [s for s in sigs if s.indication != Indication.TOTAL_PASSED.value]
            parts = [
                f"Chữ ký «{s.field_name}»{' của ' + s.signer if s.signer else ''}: {s.message}" for s in bad
            ]
            msg = f"{INDICATION_VI[indication]}. " + " ".join(parts)
        result = _file_result(
            display,
            unit,
            Indication(indication),
            SubIndication(sub) if sub else None,
            msg,
            self.policy,
            size=size,
        )
        result.signatures = sigs
        result.caveats = list(dict.fromkeys(c for s in sigs for c in s.caveats))
        result.action = action_for(result, self.policy)
        return result


# -------------------------------------------------------------------- helpers


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _short(exc: object, limit: int = 300) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:limit]


# What pyHanko's reader and asn1crypto say about a broken file (in English), in the words of the reports; the
# first marker found in the lower-cased text wins, so the more specific ones come first.
_PROBLEMS_VI: tuple[tuple[str, str], ...] = (
    ("eof marker", "không có dấu kết thúc tệp %%EOF: tệp bị cắt cụt hoặc chưa được tải về hết"),
    ("eol marker", "phần cuối tệp không đúng chuẩn PDF"),
    ("startxref", "không tìm thấy vị trí bảng tham chiếu chéo (startxref)"),
    ("xref", "bảng tham chiếu chéo (xref) bị hỏng"),
    ("cross-reference", "bảng tham chiếu chéo (xref) bị hỏng"),
    ("trailer", "phần cuối tệp (trailer) bị hỏng"),
    ("header", "phần đầu tệp không đúng chuẩn PDF"),
    ("object stream", "luồng đối tượng (object stream) bị hỏng"),
    ("encrypt", "thông tin mã hoá của tệp bị hỏng"),
    ("insufficient data", "dữ liệu bị cắt cụt"),
    ("malformed", "cấu trúc tệp không đúng chuẩn PDF"),
)


def _vi_problem(exc: object) -> str | None:
    """What went wrong, in Vietnamese, or None when vanban has no words for it. pyHanko's own text goes to
    the log only (shown with --verbose): reports and the console carry no English."""
    log.debug("detail: %s: %s", type(exc).__name__, _short(exc))
    if isinstance(exc, KeyError) and exc.args and str(exc.args[0]).startswith("/"):
        return f"thiếu khoá {exc.args[0]}"  # a PDF name, such as /Size in the trailer
    text = str(exc).lower()
    return next((words for marker, words in _PROBLEMS_VI if marker in text), None)


def _why(exc: object) -> str:
    """' (what went wrong)' to end a Vietnamese sentence with, or '' when there are no words for it."""
    problem = _vi_problem(exc)
    return f" ({problem})" if problem else ""


def _guess_type(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "tệp nén ZIP hoặc tệp Word/Excel (.docx/.xlsx)"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "tệp Word/Excel đời cũ (.doc/.xls)"
    if head.startswith(b"\xff\xd8"):
        return "ảnh JPEG"
    if head.startswith(b"\x89PNG"):
        return "ảnh PNG"
    return "không nhận ra định dạng"


def _broken(name: str, sub: str | None, message: str) -> SignatureReport:
    return SignatureReport(
        field_name=name,
        indication=Indication.TOTAL_FAILED.value,
        sub_indication=SubIndication.FORMAT_FAILURE.value,
        sub_filter=sub,
        message=message,
        problems=["broken_signature"],
    )


_PENDING_CHANGE = "pending_change"


def _settle_attested_changes(reports: list[SignatureReport], allowed: bool) -> None:
    """Form filling after a signature is accepted when a later signature, itself valid and covering the
    whole rest of the file, attests the filled-in document; otherwise it is a change nobody signed."""
    real = [r for r in reports if r.kind == "signature"]
    last = reports[-1] if reports else None
    attested = allowed and (
        last is not None
        and last.indication == Indication.TOTAL_PASSED.value
        and last.modification in ("none", "signatures")
        and _PENDING_CHANGE not in last.problems
        and last.kind == "signature"
    )
    for rep in real:
        if _PENDING_CHANGE not in rep.problems:
            continue
        rep.problems.remove(_PENDING_CHANGE)
        what = MODIFICATION_VI[rep.modification]
        if attested and last is not None and rep is not last:
            rep.details.append(
                f"Sau khi ký có {what}; phần thay đổi này được chữ ký số sau cùng "
                f"(«{last.field_name}» của {last.signer or '?'}) xác nhận."
            )
        else:
            _degrade(
                rep,
                Indication.TOTAL_FAILED,
                SubIndication.FORMAT_FAILURE,
                f"Tệp đã bị thay đổi sau khi ký ({what}) mà không có chữ ký số nào xác nhận thay đổi này.",
                "modified",
            )
        rep.message = _compose(rep)


_IND_RANK = {
    Indication.TOTAL_PASSED.value: 0,
    Indication.INDETERMINATE.value: 1,
    Indication.TOTAL_FAILED.value: 2,
}


def _degrade(rep: SignatureReport, indication: Indication, sub: SubIndication, text: str, code: str) -> None:
    """Record a problem; the verdict keeps the most severe one (first found wins among equals)."""
    rep.problems.append(code)
    rep.details.append(text)
    if _IND_RANK[indication.value] > _IND_RANK[rep.indication]:
        rep.indication = indication.value
        rep.sub_indication = sub.value


def _compose(rep: SignatureReport) -> str:
    return " ".join(rep.details) if rep.details else "Chữ ký hợp lệ."


def _describe_cert(rep: SignatureReport, cert: x509.Certificate) -> None:
    subj = cert.subject.native
    rep.signer = str(subj.get("common_name") or cert.subject.human_friendly)
    org = subj.get("organization_name")
    rep.organisation = str(org[0] if isinstance(org, list) else org) if org else None
    rep.issuer = common_name(cert.issuer)
    rep.serial = format(cert.serial_number, "X")
    rep.signer_cert_sha256 = fingerprint(cert)


def _adobe_revinfo(emb: EmbeddedPdfSignature) -> tuple[list[Any], list[Any]]:
    try:
        archival = find_unique_cms_attribute(
            emb.signer_info["signed_attrs"], "adobe_revocation_info_archival"
        )
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - attribute absent or malformed
        return [], []
    crls = list(archival["crl"]) if archival["crl"] else []
    ocsps = list(archival["ocsp"]) if archival["ocsp"] else []
    return crls, ocsps


def _ocsp_covers(resp: Any, cert: x509.Certificate) -> bool:
    try:
        basic = resp["response_bytes"]["response"].parsed
        for single in basic["tbs_response_data"]["responses"]:
            if single["cert_id"]["serial_number"].native == cert.serial_number:
                return True
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001
        return False
    return False


def _crl_covers(item: Any, cert: x509.Certificate) -> bool:
    try:
        return item.issuer.dump() == cert.issuer.dump()
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001
        return False


def _ocsp_url(cert: x509.Certificate, label: str) -> str:
    if "trực tuyến" not in label:
        return ""
    urls = cert.ocsp_urls
    return f" ({urls[0]})" if urls else ""


def _crl_url(cert: x509.Certificate, label: str) -> str:
    if "trực tuyến" not in label:
        return ""
    for dp in cert.crl_distribution_points:
        urls = [n.native for n in dp["distribution_point"].chosen if n.name == "uniform_resource_identifier"]
        if urls:
            return f" ({urls[0]})"
    return ""


def _issuer_matches(name: str | None, sha256: str | None, ca: x509.Certificate) -> bool:
    if sha256 and fingerprint(ca) == sha256:
        return True
    if name:
        want = " ".join(name.split()).casefold()
        return want in (
            " ".join(common_name(ca.subject).split()).casefold(),
            " ".join(ca.subject.human_friendly.split()).casefold(),
        )
    return False


def _expired(cert: x509.Certificate) -> bool:
    return bool(cert["tbs_certificate"]["validity"]["not_after"].native < dt.datetime.now(dt.UTC))


def _not_yet_valid(cert: x509.Certificate) -> bool:
    return bool(cert["tbs_certificate"]["validity"]["not_before"].native > dt.datetime.now(dt.UTC))


def _fmt_time(value: Any) -> str | None:
    if value is None:
        return None
    return iso_vn(value) if isinstance(value, dt.datetime) else str(value)


def _parse_time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _bomb_text(exc: BaseException) -> str | None:
    if isinstance(exc, PdfDecodeLimitError):
        return (
            "Tệp chứa dữ liệu nén giải nén ra lớn bất thường (nghi là «bom nén»); vanban dừng đọc tệp để bảo vệ "
            "máy kiểm tra."
        )
    return None


def _signature_identity(ref: Any, sig_obj: Any) -> tuple[tuple[Any, ...], ...]:
    """Keys under which a signature value is known: its object, and its /Contents with its /ByteRange (so a
    copy of the same dictionary under another object number is recognised too)."""
    keys: list[tuple[Any, ...]] = []
    reference = getattr(ref, "reference", None)
    if reference is not None:
        keys.append(("object", reference.idnum, reference.generation))
    try:
        contents = bytes(sig_obj.get("/Contents") or b"")
        byte_range = tuple(int(v) for v in sig_obj.get("/ByteRange") or ())
        if contents:
            keys.append(("value", hashlib.sha256(contents).digest(), byte_range))
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - a broken dictionary is reported by the signature check itself
        pass
    return tuple(keys)


def _reused_report(reused: list[tuple[str, str]]) -> SignatureReport:
    names = [name for name, _ in reused]
    shown = ", ".join(f"«{n}»" for n in names[:5]) + (
        f" và {len(names) - 5} trường khác" if len(names) > 5 else ""
    )
    first = reused[0][1]
    return SignatureReport(
        field_name=names[0] if len(names) == 1 else f"{len(names)} trường chữ ký",
        indication=Indication.TOTAL_FAILED.value,
        sub_indication=SubIndication.FORMAT_FAILURE.value,
        message=f"{len(names)} trường chữ ký ({shown}) dùng lại chữ ký số của trường «{first}». Mỗi chữ ký số chỉ "
        "thuộc về một trường: chữ ký đã bị nhân bản sau khi ký.",
        problems=["reused_signature"],
    )


def _revocation_covered(cert: x509.Certificate, items: list[Any]) -> bool:
    return any(
        _ocsp_covers(item, cert) if isinstance(item, asn1_ocsp.OCSPResponse) else _crl_covers(item, cert)
        for item in items
    )


def _issuer_chain(cert: x509.Certificate, pool: list[x509.Certificate]) -> list[x509.Certificate]:
    """The issuers of `cert` found in `pool` by name, nearest first (to describe the chain when pyHanko found
    no trusted path; not a trust decision)."""
    chain: list[x509.Certificate] = []
    current = cert
    for _ in range(8):
        if current.self_signed != "no":
            break
        issuer = next(
            (
                c
                for c in pool
                if c.subject == current.issuer and c.dump() != current.dump() and c not in chain
            ),
            None,
        )
        if issuer is None:
            break
        chain.append(issuer)
        current = issuer
    return chain


# extendedKeyUsage purposes compatible with signing documents (RFC 5280 §4.2.1.12: when the extension is
# present, the key may only be used for the purposes it lists).
_DOCUMENT_SIGNING_EKU = {
    "1.3.6.1.5.5.7.3.4",  # emailProtection: S/MIME, carried by most personal signing certificates
    "1.3.6.1.5.5.7.3.36",  # id-kp-documentSigning (RFC 9336)
    "1.2.840.113583.1.1.5",  # Adobe Authentic Documents Trust
    "1.3.6.1.4.1.311.10.3.12",  # Microsoft document signing
    "1.3.6.1.4.1.311.10.3.1",  # Microsoft trust list signing, seen on some agency certificates
    "2.5.29.37.0",  # anyExtendedKeyUsage
}
_EKU_VI = {
    "1.3.6.1.5.5.7.3.1": "xác thực máy chủ web (TLS)",
    "1.3.6.1.5.5.7.3.2": "xác thực người dùng khi đăng nhập",
    "1.3.6.1.5.5.7.3.3": "ký mã chương trình",
    "1.3.6.1.5.5.7.3.8": "cấp dấu thời gian",
    "1.3.6.1.5.5.7.3.9": "ký phản hồi OCSP",
}
_HASH_VI = {"md2": "MD2", "md5": "MD5", "sha1": "SHA-1"}
_STRONG_CURVES = {
    "secp256r1",
    "secp384r1",
    "secp521r1",
    "brainpoolp256r1",
    "brainpoolp384r1",
    "brainpoolp512r1",
}

Problem = tuple[Indication, SubIndication, str, str]


def _weak_hash(name: str | None, policy: Policy) -> bool:
    return name in ("md2", "md5") or (name == "sha1" and policy.sha1 is Sha1Rule.REJECT)


def _weak_key(cert: x509.Certificate) -> str | None:
    """How the certificate's public key falls short, or None."""
    key = cert.public_key
    algo, bits = key.algorithm, key.bit_size
    if algo in ("rsa", "rsassa_pss") and bits < 2048:
        return f"khoá RSA chỉ dài {bits} bit, ngắn hơn mức tối thiểu 2048 bit"
    if algo == "dsa" and bits < 2048:
        return f"khoá DSA chỉ dài {bits} bit, ngắn hơn mức tối thiểu 2048 bit"
    if algo == "ec":
        kind, curve = key.curve
        if bits < 256 or (kind == "named" and curve not in _STRONG_CURVES) or kind != "named":
            label = curve if kind == "named" else "tự định nghĩa"
            return f"khoá dùng đường cong elliptic {label} ({bits} bit), yếu hơn mức tối thiểu 256 bit"
    return None


def _unfit_certificate(
    cert: x509.Certificate, chain: list[x509.Certificate], digest: str, policy: Policy
) -> list[Problem]:
    """Why the signer's certificate must not sign documents, or why its algorithms cannot be trusted.

    EN 319 102-1: usage constraints on the signing certificate are X.509 validation constraints
    (CHAIN_CONSTRAINTS_FAILURE); algorithms below the policy's strength are CRYPTO_CONSTRAINTS_FAILURE."""
    out: list[Problem] = []
    chain_fail = (Indication.INDETERMINATE, SubIndication.CHAIN_CONSTRAINTS_FAILURE)
    crypto_fail = (Indication.INDETERMINATE, SubIndication.CRYPTO_CONSTRAINTS_FAILURE)
    sha1_note = ", chính sách của đợt đánh giá không chấp nhận"
    basic = cert.basic_constraints_value
    if basic is not None and basic["ca"].native:
        out.append(
            (
                *chain_fail,
                "Chứng thư số dùng để ký là chứng thư của một tổ chức chứng thực (CA), dùng để cấp chứng thư cho "
                "người khác, không phải chứng thư ký số của cá nhân hay cơ quan.",
                "ca_signer",
            )
        )
    usage = cert.key_usage_value
    if usage is not None and not ({"digital_signature", "non_repudiation"} & set(usage.native)):
        out.append(
            (
                *chain_fail,
                "Chứng thư số không được cấp để ký số: mục đích sử dụng khoá ghi trong chứng thư không có "
                "«chữ ký số» (digitalSignature) hay «chống chối bỏ» (nonRepudiation).",
                "key_usage",
            )
        )
    purposes = cert.extended_key_usage_value
    if purposes is not None:
        dotted = [p.dotted for p in purposes]
        if not _DOCUMENT_SIGNING_EKU & set(dotted):
            named = ", ".join(dict.fromkeys(_EKU_VI.get(d, d) for d in dotted)) or "không ghi mục đích nào"
            out.append(
                (
                    *chain_fail,
                    f"Chứng thư số chỉ được cấp để {named}; đây không phải chứng thư dùng để ký văn bản.",
                    "ext_key_usage",
                )
            )
    if _weak_hash(digest, policy):
        name = _HASH_VI[digest]
        out.append(
            (
                *crypto_fail,
                f"Chữ ký được tạo bằng thuật toán băm {name} đã lỗi thời, không còn an toàn"
                f"{sha1_note if digest == 'sha1' else ''}.",
                "sha1" if digest == "sha1" else "weak_digest",
            )
        )
    weak = _weak_key(cert)
    if weak:
        out.append((*crypto_fail, f"Chứng thư số có {weak}; chữ ký như vậy không còn an toàn.", "weak_key"))
    if _weak_hash(cert.hash_algo, policy):
        name = _HASH_VI[cert.hash_algo]
        out.append(
            (
                *crypto_fail,
                f"Chứng thư số dùng thuật toán băm {name} đã lỗi thời: tổ chức chứng thực «{common_name(cert.issuer)}» "
                f"ký chứng thư bằng {name}{sha1_note if cert.hash_algo == 'sha1' else ''}.",
                "weak_certificate",
            )
        )
    for ca in chain:
        who = common_name(ca.subject)
        weak = _weak_key(ca)
        if weak:
            out.append((*crypto_fail, f"Chứng thư của tổ chức chứng thực «{who}» có {weak}.", "weak_chain"))
        if ca.self_signed == "no" and _weak_hash(ca.hash_algo, policy):
            out.append(
                (
                    *crypto_fail,
                    f"Chứng thư của tổ chức chứng thực «{who}» dùng thuật toán băm {_HASH_VI[ca.hash_algo]} đã lỗi "
                    "thời.",
                    "weak_chain",
                )
            )
    return out


_STARTXREF = re.compile(rb"startxref\s+(\d+)")
_EOF = re.compile(rb"%%EOF")
_WS = b" \t\r\n\x00\x0c"


def _unexplained_tail(reader: PdfFileReader, fh: BinaryIO, size: int, signed_end: int) -> str | None:
    """Bytes after the signed ranges must be exactly the revisions pyHanko parsed (and judged), nothing else.

    Catches data appended after the last %%EOF and revisions hidden behind a final startxref that points
    back at the signed revision, both invisible to pyHanko's diff analysis.
    """
    if signed_end <= 0 or signed_end >= size:
        return None
    xrefs = reader.xrefs
    known: set[int] = set()
    for rev in range(xrefs.total_revisions):
        try:
            known.add(int(xrefs.get_startxref_for_revision(rev)))
        except MemoryError:
            raise
        except Exception:  # noqa: BLE001
            continue
    later_revisions = sum(1 for off in known if off >= signed_end)
    startxrefs: dict[int, int] = {}
    eofs: set[int] = set()
    pos = signed_end
    while pos < size:
        # Overlapping windows; matches are keyed by absolute offset so none is counted twice.
        fh.seek(pos)
        buf = fh.read((1 << 20) + 64)
        if not buf:
            break
        for m in _STARTXREF.finditer(buf):
            startxrefs[pos + m.start()] = int(m.group(1))
        for m in _EOF.finditer(buf):
            eofs.add(pos + m.end())
        pos += 1 << 20
    eof_count = len(eofs)
    last_eof_end = max(eofs) if eofs else -1
    startxref_values = list(startxrefs.values())
    if eof_count == 0:
        return "Có dữ liệu lạ được ghi thêm vào sau vùng đã ký (không phải một phiên bản PDF hợp lệ)."
    unknown = [o for o in startxref_values if o not in known]
    if unknown or len(startxref_values) != later_revisions or eof_count != later_revisions:
        return (
            "Tệp chứa phiên bản bị che giấu sau phiên bản đã ký (bảng tham chiếu chéo không được trình đọc PDF "
            "dùng tới); nội dung hiển thị có thể khác nội dung đã ký."
        )
    fh.seek(last_eof_end)
    rest = fh.read(4096)
    if rest.strip(_WS) or fh.read(1):
        return "Có dữ liệu lạ được ghi thêm vào sau dấu kết thúc tệp (%%EOF) cuối cùng."
    return None


# -------------------------------------------------------------------- verdict → file result

_ACTIONS: dict[str, str] = {
    "hash": "Nộp lại bản PDF gốc đã ký số; không chỉnh sửa tệp sau khi ký.",
    "crypto": "Ký số lại tệp bằng chứng thư số hợp lệ của cơ quan rồi nộp lại.",
    "modified": "Nộp lại bản PDF đã ký số, không chỉnh sửa, thêm trang hay chú thích sau khi ký.",
    "hidden_data": "Nộp lại bản PDF đã ký số, không chỉnh sửa sau khi ký.",
    "coverage": "Ký số lại tệp bằng phần mềm ký số được cấp phép rồi nộp lại.",
    "broken_signature": "Ký số lại tệp rồi nộp lại.",
    "unsupported_subfilter": "Ký số lại tệp theo định dạng PAdES (ETSI.CAdES.detached) hoặc adbe.pkcs7.detached.",
    "revoked": "Ký số lại bằng chứng thư số còn hiệu lực rồi nộp lại.",
    "expired": "Ký số lại bằng chứng thư số còn hiệu lực (hoặc ký kèm dấu thời gian) rồi nộp lại.",
    "not_yet_valid": "Ký số lại bằng chứng thư số đã có hiệu lực rồi nộp lại.",
    "untrusted": "Ký số lại bằng chứng thư số do tổ chức chứng thực được công nhận cấp rồi nộp lại.",
    "issuer_not_allowed": "Ký số lại bằng chứng thư số chuyên dùng do Ban Cơ yếu Chính phủ cấp (hoặc tổ chức "
    "chứng thực được chấp nhận) rồi nộp lại.",
    "signing_time": "Ký số lại trong thời gian quy định của đợt đánh giá rồi nộp lại.",
    "no_signing_time": "Ký số lại tệp (phần mềm ký phải ghi thời điểm ký) rồi nộp lại.",
    "unproven_time": "Ký số lại tệp kèm dấu thời gian (chọn ký có dấu thời gian trong phần mềm ký số) rồi nộp lại.",
    "sha1": "Ký số lại bằng phần mềm ký số dùng thuật toán băm SHA-256 rồi nộp lại (không cần đổi chứng thư số).",
    "weak_digest": "Ký số lại bằng phần mềm ký số dùng thuật toán băm SHA-256 rồi nộp lại (không cần đổi chứng thư "
    "số).",
    "ca_signer": "Ký số lại bằng chứng thư số cấp cho người có thẩm quyền hoặc cho cơ quan (không dùng chứng thư "
    "của tổ chức chứng thực) rồi nộp lại.",
    "key_usage": "Ký số lại bằng chứng thư số dùng để ký (chứng thư ký số của người có thẩm quyền hoặc của cơ quan "
    "trên USB token hay ký số từ xa) rồi nộp lại.",
    "ext_key_usage": "Ký số lại bằng chứng thư số dùng để ký văn bản của người có thẩm quyền hoặc của cơ quan (không "
    "dùng chứng thư của máy chủ web) rồi nộp lại.",
    "weak_key": "Liên hệ tổ chức chứng thực để được cấp chứng thư số mới (khoá RSA từ 2048 bit trở lên), ký số lại "
    "rồi nộp lại.",
    "weak_certificate": "Liên hệ tổ chức chứng thực để được cấp chứng thư số mới (dùng thuật toán SHA-256), ký số "
    "lại rồi nộp lại.",
    "weak_chain": "Ký số lại bằng chứng thư số do tổ chức chứng thực được công nhận cấp theo chuẩn hiện hành rồi "
    "nộp lại.",
    "no_signer_cert": "Ký số lại tệp rồi nộp lại.",
    "chain": "Ký số lại bằng chứng thư số hợp lệ rồi nộp lại.",
    "revocation_unavailable": "Sở kiểm tra lại khi máy có kết nối mạng Internet, hoặc tải tệp danh sách chứng thư bị "
    "thu hồi (CRL) từ trang của tổ chức chứng thực và khai báo trong mục revocation.crl_files của tệp chính sách; "
    "đơn vị không phải nộp lại.",
    "revocation_at_signing_time": "Ký số lại bằng chứng thư số còn hiệu lực, ở mức B-LT (lưu kèm thông tin thu hồi), "
    "rồi nộp lại.",
    "bad_timestamp": "Ký số lại tệp rồi nộp lại.",
    "reused_signature": "Nộp lại bản PDF gốc đã ký số, không chỉnh sửa sau khi ký.",
    "too_many_signatures": "Nộp lại tệp chỉ gồm các chữ ký số cần thiết.",
}


def action_for(result: FileResult, policy: Policy) -> str | None:
    if result.accepted:
        return None
    if result.indication == Indication.NO_SIGNATURE.value:
        return "Ký số tệp minh chứng bằng chứng thư số của cơ quan rồi nộp lại."
    for sig in result.signatures:
        for code in sig.problems:
            if code in _ACTIONS:
                return _ACTIONS[code]
    return "Kiểm tra lại tệp và nộp lại bản PDF đã ký số hợp lệ."


def _file_result(
    display: str,
    unit: str,
    indication: Indication,
    sub: SubIndication | None,
    message: str,
    policy: Policy,
    *,
    size: int | None = None,
) -> FileResult:
    accepted = indication is Indication.TOTAL_PASSED or (
        indication is Indication.NO_SIGNATURE and policy.accept_unsigned
    )
    result = FileResult(
        file=display,
        unit=unit,
        indication=indication.value,
        sub_indication=sub.value if sub else None,
        message=message,
        accepted=accepted,
        size=size,
    )
    if not accepted and not result.signatures:
        if indication is Indication.NO_SIGNATURE:
            result.action = "Ký số tệp minh chứng bằng chứng thư số của cơ quan rồi nộp lại."
        elif sub is SubIndication.FORMAT_FAILURE:
            result.action = "Nộp lại tệp PDF đúng định dạng, không hỏng, không đặt mật khẩu, đã ký số."
        else:
            result.action = "Nộp lại tệp (tệp nhỏ hơn hoặc tách thành nhiều tệp) đã ký số."
    return result


def failure_result(
    display: str, unit: str, message: str, policy: Policy, size: int | None = None
) -> FileResult:
    """Verdict for a file whose check could not complete (timeout, memory cap, crashed worker)."""
    return _file_result(
        display, unit, Indication.INDETERMINATE, SubIndication.GENERIC, message, policy, size=size
    )

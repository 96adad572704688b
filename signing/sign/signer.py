"""PAdES signing (B-B, B-T, B-LT) with a PKCS#12 file or a PKCS#11 token, with NĐ 30 appearances.

Roles (Phụ lục I, Mục II.8 and Điều 13 of NĐ 30/2020/NĐ-CP):
- signer: the person with signing authority; their signature image (blue PNG) is centred between
  the chức vụ line and the name line. Blank number/date are covered with fillable fields first.
- agency: the issuing agency (văn thư); its red seal image at real size covers the left third of
  the signer's image.
- attachment: an attachment in its own file; no image, text top right of page 1 with the main
  document's số/ký hiệu and the signing time in ISO 8601 with Vietnam's offset.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError, get_pyca_cryptography_hash
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, PdfSigningSession, SigDSSPlacementPreference
from pyhanko.stamp import BaseStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, RevokedError
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from letters.core.errors import VanbanError, os_error, os_error_text
from letters.core.files import atomic_write_bytes, check_writable
from letters.core.vn import iso_vn, time_text, to_vn, vn_now
from signing.sign.appearance import (
    attachment_stamp_style,
    image_stamp_style,
    load_png,
)
from signing.sign.keys import (  # noqa: E402 - re-exported: callers import these from signing.sign
    AGENCY_FIELD,
    ATTACHMENT_FIELD,
    SIGNER_FIELD,
    KeySpec,
    Level,
    Pkcs11Key,
    Pkcs12Key,
    Role,
    display_name,
)
from signing.sign.stamp_fields import add_issue_fields
from signing.sign.stamp_layout import Box, PdfText, find_header_blanks
from signing.sign.stamp_place import attachment_widget, seal_widget, signer_widget

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignRequest:
    role: Role = Role.SIGNER
    level: Level = Level.B_B
    tsa_url: str | None = None
    trust_roots: tuple[Path, ...] = ()
    image: bytes | None = None  # PNG: signature for the signer, seal for the agency
    seal_diameter_mm: float = 38.0
    reference: str | None = None  # "83/KH-STTTT", shown on attachments and named in /Reason
    signing_time: datetime | None = None
    signer_name: str | None = None  # the name line to sign above; found automatically when None
    location: str | None = None
    prepare_issue_fields: bool = True


@dataclass(frozen=True)
class SignResult:
    pdf: bytes
    field_name: str
    signing_time: datetime
    widget: Box | None
    page: int
    signer_subject: str
    issue_fields_added: tuple[str, ...] = field(default_factory=tuple)

    @property
    def signing_time_iso(self) -> str:
        return iso_vn(self.signing_time)


# --------------------------------------------------------------------------- keys


def read_file(path: Path, what: str) -> bytes:
    """The bytes of a file the user named; `what` says in Vietnamese what it should be."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise VanbanError(f"Không tìm thấy {what}: {path}.") from exc
    except OSError as exc:
        raise os_error(exc, f"Không đọc được {what}", path) from exc


class _BatchSimpleSigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner re-parses the private key for every signature and signs twice per
    document (the first time only to size the signature container). For a key loaded once and
    used for a whole batch both are wasted work: keep the parsed key, answer the sizing call with
    zero bytes of the right length."""

    pyca_key: PrivateKeyTypes | None = None

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        key = self.pyca_key
        if not isinstance(key, RSAPrivateKey):
            return await super().async_sign_raw(data, digest_algorithm, dry_run)
        if dry_run:
            return bytes((key.key_size + 7) // 8)
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism != "rsassa_pkcs1v15":
            return self.sign_raw(data, digest_algorithm)
        return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


def load_pkcs12_signer(path: Path, password: str) -> signers.SimpleSigner:
    data = read_file(path, "tệp khoá PKCS#12")
    try:
        key, cert, others = pkcs12.load_key_and_certificates(data, password.encode("utf-8"))
    except ValueError as exc:
        raise VanbanError(
            f"Sai mật khẩu tệp khoá PKCS#12 {path}, hoặc tệp không phải PKCS#12.",
            hint="Mật khẩu lấy từ biến môi trường VANBAN_P12_PASSWORD hoặc nhập khi được hỏi.",
        ) from exc
    if key is None or cert is None:
        raise VanbanError(f"Tệp PKCS#12 {path} không chứa khoá bí mật và chứng thư số của người ký.")
    # What SimpleSigner.load_pkcs12_data does, from the objects decrypted above: decrypting the file again
    # (the key derivation is deliberately slow) cost a twelfth of signing one document.
    from pyhanko.keys.internal import (
        translate_pyca_cryptography_cert_to_asn1,
        translate_pyca_cryptography_key_to_asn1,
    )
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    registry = SimpleCertificateStore()
    registry.register_multiple({translate_pyca_cryptography_cert_to_asn1(c) for c in others})
    signer = _BatchSimpleSigner(
        signing_key=translate_pyca_cryptography_key_to_asn1(key),
        signing_cert=translate_pyca_cryptography_cert_to_asn1(cert),
        cert_registry=registry,
    )
    signer.pyca_key = key
    return signer


@contextlib.contextmanager
def open_signer(spec: KeySpec) -> Iterator[signers.Signer]:
    """Load a key once; reuse the signer for many documents (opening a token is slow)."""
    if isinstance(spec, Pkcs12Key):
        yield load_pkcs12_signer(spec.path, spec.password)
        return
    with _pkcs11_signer(spec) as signer:
        yield signer


@contextlib.contextmanager
def _pkcs11_signer(spec: Pkcs11Key) -> Iterator[signers.Signer]:
    import pkcs11
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign import pkcs11 as p11

    if not Path(spec.module).is_file():
        raise VanbanError(
            f"Không tìm thấy thư viện PKCS#11 {spec.module}.",
            hint="Kiểm tra đường dẫn --pkcs11-module (trình điều khiển token của nhà cung cấp).",
        )
    try:
        session = p11.open_pkcs11_session(
            spec.module, token_criteria=TokenCriteria(label=spec.token_label), user_pin=spec.pin
        )
    except pkcs11.exceptions.PinIncorrect as exc:
        raise VanbanError(
            f"Sai mã PIN của token «{spec.token_label}».",
            hint="Nhập lại PIN; nhập sai nhiều lần token có thể bị khoá.",
        ) from exc
    except pkcs11.exceptions.PinLocked as exc:
        raise VanbanError(f"Token «{spec.token_label}» đã bị khoá PIN.") from exc
    except (pkcs11.exceptions.PinLenRange, pkcs11.exceptions.ArgumentsBad) as exc:
        raise VanbanError(f"Mã PIN của token «{spec.token_label}» không đúng độ dài.") from exc
    except p11.PKCS11Error as exc:
        raise VanbanError(
            f"Không tìm thấy token có nhãn «{spec.token_label}».",
            hint="Cắm token vào máy, kiểm tra --token-label.",
        ) from exc
    except (OSError, RuntimeError, pkcs11.exceptions.PKCS11Error) as exc:
        reason = f": {os_error_text(exc)}" if isinstance(exc, OSError) else f" ({type(exc).__name__})"
        raise VanbanError(f"Không mở được token «{spec.token_label}» qua {spec.module}{reason}.") from exc
    try:
        signer = p11.PKCS11Signer(
            session,
            key_label=spec.key_label,
            cert_label=spec.cert_label or spec.key_label,
            other_certs_to_pull=None,
        )
        try:
            # Pull key and certificate now, so a missing key fails before anything is written.
            if signer.signing_cert is None:
                raise VanbanError("missing cert")
        except (pkcs11.exceptions.NoSuchKey, p11.PKCS11Error, VanbanError, KeyError) as exc:
            raise VanbanError(
                f"Không tìm thấy khoá hoặc chứng thư số có nhãn «{spec.key_label}» trên token «{spec.token_label}».",
                hint="Kiểm tra --key-label (xem danh sách bằng: pkcs11-tool --list-objects).",
            ) from exc
        yield signer
    finally:
        with contextlib.suppress(Exception):
            session.close()


def _subject(signer: signers.Signer) -> str:
    cert = signer.signing_cert
    return display_name(cert.subject.native) if cert is not None else "?"


def _check_validity(signer: signers.Signer, at: datetime) -> None:
    cert = signer.signing_cert
    if cert is None:
        raise VanbanError("Không có chứng thư số của người ký.")
    crypto_cert = x509.load_der_x509_certificate(cert.dump())
    who = _common_name(cert)
    if at < crypto_cert.not_valid_before_utc:
        raise VanbanError(
            f"Chứng thư số của «{who}» chưa có hiệu lực (từ {time_text(crypto_cert.not_valid_before_utc)})."
        )
    if at > crypto_cert.not_valid_after_utc:
        raise VanbanError(
            f"Chứng thư số của «{who}» đã hết hạn từ {time_text(crypto_cert.not_valid_after_utc)}.",
            hint="Gia hạn chứng thư số với tổ chức cung cấp dịch vụ chứng thực rồi ký lại.",
        )


def _common_name(cert: asn1_x509.Certificate) -> str:
    try:
        return str(cert.subject.native.get("common_name") or display_name(cert.subject.native))
    except Exception:  # odd subjects: the attribute values, without asn1crypto's English labels
        return "?"


# --------------------------------------------------------------------------- input checks


def open_pdf(data: bytes, source: str) -> PdfFileReader:
    return open_for_update(data, source).prev


def open_for_update(data: bytes, source: str) -> IncrementalPdfFileWriter:
    """Parse once: the incremental writer's reader also serves every check made before signing."""
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise VanbanError(f"Tệp {source} không phải tệp PDF.")
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        reader = writer.prev
        encrypted = reader.encrypted
        if not encrypted:
            int(reader.root["/Pages"]["/Count"])
    except (PdfError, KeyError, ValueError, TypeError, IndexError) as exc:
        raise VanbanError(
            f"Tệp PDF {source} bị hỏng, không đọc được.",
            hint="Xuất lại PDF từ tệp gốc (DOCX) rồi ký lại.",
        ) from exc
    if encrypted:
        raise VanbanError(
            f"Tệp PDF {source} được mã hoá (đặt mật khẩu): vanban không ký tệp mã hoá.",
            hint="Xuất lại PDF không đặt mật khẩu rồi ký lại.",
        )
    return writer


# --------------------------------------------------------------------------- fields


def _field_name(reader: PdfFileReader, base: str) -> str:
    existing = {name for name, _, _ in fields.enumerate_sig_fields(reader)}
    if base not in existing:
        return base
    n = 2
    while f"{base}{n}" in existing:
        n += 1
    return f"{base}{n}"


# --------------------------------------------------------------------------- signing


def _reason(request: SignRequest, when: datetime) -> str:
    stamp = f"thời gian ký: {iso_vn(when)}"
    ref = f" số {request.reference}" if request.reference else ""
    if request.role is Role.SIGNER:
        return f"Người có thẩm quyền ký văn bản{ref}; {stamp}"
    if request.role is Role.AGENCY:
        return f"Cơ quan ban hành ký số văn bản{ref}; {stamp}"
    return f"Cơ quan ban hành ký số tệp đính kèm văn bản{ref}; {stamp}"


def load_trust_roots(trust_roots: Sequence[Path]) -> list[asn1_x509.Certificate]:
    from pyhanko.keys import load_cert_from_pemder

    roots = []
    for path in trust_roots:
        try:
            roots.append(load_cert_from_pemder(str(path)))
        except OSError as exc:
            raise os_error(exc, "Không đọc được chứng thư gốc tin cậy", path) from exc
        except ValueError as exc:
            raise VanbanError(
                f"Tệp {path} không chứa chứng thư gốc tin cậy đọc được (cần tệp PEM hoặc DER)."
            ) from exc
    return roots


def _check_request(request: SignRequest) -> None:
    if request.level in (Level.B_T, Level.B_LT) and not request.tsa_url:
        raise VanbanError(f"Mức {request.level} cần dấu thời gian: hãy cho địa chỉ máy chủ TSA (--tsa URL).")
    if request.level is Level.B_LT and not request.trust_roots:
        raise VanbanError(
            "Mức B-LT cần chứng thư gốc tin cậy để thu thập thông tin thu hồi (--trust ROOT.pem)."
        )
    if request.role is Role.ATTACHMENT and not request.reference:
        raise VanbanError('Ký tệp đính kèm cần số và ký hiệu của văn bản chính (--reference "83/KH-STTTT").')


class _PdfSigner(signers.PdfSigner):
    """pyHanko takes the signing time from the local clock and zone; NĐ 30 wants Vietnam's offset."""

    def __init__(self, *args: object, signing_time: datetime, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._signing_time = signing_time

    def init_signing_session(
        self, pdf_out: BasePdfFileWriter, existing_fields_only: bool = False
    ) -> PdfSigningSession:
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._signing_time
        return session


@dataclass
class SigningTools:
    """What is reusable across many documents: key, TSA client and validation context."""

    signer: signers.Signer
    timestamper: timestamps.TimeStamper | None = None
    trust_roots: list[asn1_x509.Certificate] = field(default_factory=list)
    # Bytes the signature container took last time (B-B only): pyHanko otherwise signs a dummy first to
    # measure it, doubling the private-key operations, and for B-B the size does not change between documents.
    reserved: int | None = None

    @classmethod
    def for_request(cls, signer: signers.Signer, request: SignRequest) -> SigningTools:
        _check_request(request)
        tsa = (
            timestamps.HTTPTimeStamper(request.tsa_url, timeout=20)
            if request.tsa_url and request.level != Level.B_B
            else None
        )
        roots = load_trust_roots(request.trust_roots) if request.level is Level.B_LT else []
        return cls(signer=signer, timestamper=tsa, trust_roots=roots)


def sign_pdf_bytes(
    data: bytes,
    tools: SigningTools,
    request: SignRequest,
    *,
    source: str = "PDF",
    prepared_writer: IncrementalPdfFileWriter | None = None,
    text: PdfText | None = None,
) -> SignResult:
    """Sign `data` in an incremental update and return the new file's bytes. Never touches any file.

    `prepared_writer` (an unused writer over `data`) and `text` (the page text of `data`, or of a file with the same
    pages) save parsing the file again when the caller already did.
    """
    _check_request(request)
    writer = prepared_writer if prepared_writer is not None else open_for_update(data, source)
    reader = writer.prev
    when = to_vn(request.signing_time or vn_now()).replace(microsecond=0)
    _check_validity(tools.signer, when.astimezone(UTC))

    image = load_png(request.image, "chữ ký/con dấu") if request.image else None
    # Analysed lazily, once per page, shared by every placement step.
    text = text if text is not None else PdfText(data, source)
    widget: Box | None = None
    page = 0
    stamp_style: BaseStampStyle | None = None
    params: dict[str, str] = {}
    if request.role is Role.SIGNER:
        base = SIGNER_FIELD
        if image is not None:
            page, widget = signer_widget(text, image, source, request.signer_name)
            stamp_style = image_stamp_style(image)
    elif request.role is Role.AGENCY:
        base = AGENCY_FIELD
        if image is not None:
            page, widget = seal_widget(
                reader, text, image, request.seal_diameter_mm, source, request.signer_name, SIGNER_FIELD
            )
            stamp_style = image_stamp_style(image)
    else:
        base = ATTACHMENT_FIELD
        page, widget = attachment_widget(reader)
        stamp_style = attachment_stamp_style()
        params = {"reference": request.reference or "", "signed_at": iso_vn(when)}

    name = _field_name(reader, base)
    added: list[str] = []
    # Reading the page text costs a few milliseconds: only when it is needed anyway.
    needs_text = image is not None or (request.role is Role.SIGNER and request.prepare_issue_fields)
    header = find_header_blanks(text, source) if needs_text and len(text) else None
    if header is not None and request.role is Role.SIGNER and request.prepare_issue_fields:
        added = add_issue_fields(writer, header)
    # /Location: the place name of the document's own "<Địa danh>, ngày ... " line.
    location = request.location or (header.place if header is not None else None)

    async def run() -> None:
        # The HTTP session for OCSP/CRL fetching belongs to this document's event loop; close it here.
        backend = AIOHttpFetcherBackend() if request.level is Level.B_LT else None
        vc = (
            ValidationContext(
                trust_roots=tools.trust_roots,
                allow_fetching=True,
                revocation_mode="hard-fail",
                fetcher_backend=backend,
            )
            if backend is not None
            else None
        )
        meta = signers.PdfSignatureMetadata(
            field_name=name,
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=_reason(request, when),
            location=location,
            embed_validation_info=request.level is Level.B_LT,
            validation_context=vc,
            use_pades_lta=False,
            # Revocation data in the signature's own revision: the newest signature then covers the
            # whole file, as tools without incremental-update analysis expect of a B-LT file.
            dss_settings=DSSContentSettings(
                placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, include_vri=False
            ),
        )
        spec = fields.SigFieldSpec(
            sig_field_name=name,
            on_page=page,
            # pyHanko's hint says int, but it writes the rectangle as PDF reals; rounding would move the stamp.
            box=widget.as_tuple() if widget else None,  # type: ignore[arg-type]
        )
        pdf_signer = _PdfSigner(
            meta,
            signer=tools.signer,
            timestamper=tools.timestamper,
            stamp_style=stamp_style,
            new_field_spec=spec,
            signing_time=when,
        )
        try:
            await pdf_signer.async_sign_pdf(
                writer, output=out, appearance_text_params=params or None, bytes_reserved=reserve
            )
        finally:
            if backend is not None:
                await backend.close()

    out = io.BytesIO()
    reserve = tools.reserved if request.level is Level.B_B else None
    try:
        try:
            asyncio.run(run())
        except SigningError:
            if reserve is None:
                raise
            # The remembered size was too small (another key?): measure again, as pyHanko does by default.
            writer = open_for_update(data, source)
            if header is not None and request.role is Role.SIGNER and request.prepare_issue_fields:
                added = add_issue_fields(writer, header)
            out, reserve, tools.reserved = io.BytesIO(), None, None
            asyncio.run(run())
    except (PathBuildingError, PathValidationError) as exc:
        raise VanbanError(
            "Không xác thực được chứng thư số của người ký để nhúng thông tin thu hồi (B-LT).",
            hint="Chứng thư có thể đã bị thu hồi, hoặc chưa có chứng thư gốc tin cậy (--trust).",
        ) from exc
    except timestamps.TimestampRequestError as exc:
        raise VanbanError(
            f"Không lấy được dấu thời gian từ máy chủ TSA {request.tsa_url}.",
            hint="Kiểm tra địa chỉ --tsa và kết nối mạng; chạy lại với --verbose để xem chi tiết.",
        ) from exc
    except SigningError as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, RevokedError):
            raise VanbanError(
                f"Chứng thư số của người ký đã bị thu hồi (theo OCSP/CRL): không ký {source}.",
                hint="Liên hệ tổ chức cung cấp dịch vụ chứng thực để được cấp chứng thư mới.",
            ) from exc
        if isinstance(cause, (PathBuildingError, PathValidationError)):
            raise VanbanError(
                f"Không xác thực được chứng thư số của người ký ({type(cause).__name__}): không ký {source}.",
                hint="Kiểm tra chứng thư gốc tin cậy (--trust) và kết nối tới dịch vụ OCSP/CRL.",
            ) from exc
        raise VanbanError(
            f"Không ký được {source}.", hint="Chạy lại với --verbose để xem chi tiết kỹ thuật."
        ) from exc
    except Exception as exc:
        import pkcs11

        if isinstance(exc, pkcs11.exceptions.PKCS11Error):
            raise VanbanError(f"Token từ chối thao tác ký: {type(exc).__name__}.") from exc
        if "requests" in type(exc).__module__ or isinstance(exc, ConnectionError):
            raise VanbanError(
                "Không kết nối được dịch vụ chứng thực (TSA/OCSP/CRL).",
                hint="Kiểm tra kết nối mạng và địa chỉ dịch vụ; chạy lại với --verbose để xem chi tiết.",
            ) from exc
        raise
    signed = out.getvalue()
    if request.level is Level.B_B and tools.reserved is None:
        tools.reserved = _contents_size(signed)
    return SignResult(
        pdf=signed,
        field_name=name,
        signing_time=when,
        widget=widget,
        page=page,
        signer_subject=_subject(tools.signer),
        issue_fields_added=tuple(added),
    )


def _contents_size(pdf: bytes) -> int | None:
    """Length of the newest signature's /Contents hex placeholder, the unit pyHanko's bytes_reserved counts in."""
    at = pdf.rfind(b"/Contents <")
    if at < 0:
        return None
    end = pdf.find(b">", at)
    return (end - at - len(b"/Contents <")) if end > 0 else None


def read_input(path: Path) -> bytes:
    return read_file(path, "tệp PDF")


def sign_file(
    input_path: Path, output_path: Path, key: KeySpec, request: SignRequest, *, force: bool = False
) -> SignResult:
    """Sign `input_path` into `output_path` (atomic; refuses to overwrite unless `force`)."""
    input_path, output_path = Path(input_path), Path(output_path)
    refuse_same_file(input_path, output_path)
    check_writable(output_path, force)
    data = read_input(input_path)
    log.info("signing %s as %s, PAdES %s", input_path, request.role.value, request.level.value)
    with open_signer(key) as signer:
        tools = SigningTools.for_request(signer, request)
        result = sign_pdf_bytes(data, tools, request, source=str(input_path))
    atomic_write_bytes(output_path, result.pdf, force=force)
    log.info("signed %s into %s: field %s", input_path, output_path, result.field_name)
    return result


def refuse_same_file(input_path: Path, output_path: Path) -> None:
    """vanban never writes over the file it reads."""
    if output_path.exists() and input_path.exists() and output_path.resolve() == input_path.resolve():
        raise VanbanError(
            f"Tệp ra trùng tệp vào ({input_path}): vanban không sửa tệp gốc.",
            hint="Chọn tên tệp ra khác.",
        )

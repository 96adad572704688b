"""Use cases of the signer and the văn thư: sign PDFs, issue a signed draft, make specimen images.

Keys are described by `Pkcs12Key` / `Pkcs11Key`; secrets are asked for at the edge (CLI, web), never here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from letters.core.errors import VanbanError
from letters.core.files import atomic_write_bytes, check_writable
from letters.core.vn import iso_vn, vn_today
from signing.sign.keys import KeySpec, Level, Pkcs11Key, Pkcs12Key, Role

if TYPE_CHECKING:
    from signing.sign.issue import IssuedDocument

__all__ = [
    "DEFAULT_REGISTER",
    "IssueDocumentRequest",
    "KeySpec",
    "Level",
    "Pkcs11Key",
    "Pkcs12Key",
    "Role",
    "SignAndIssueRequest",
    "SignDocumentsRequest",
    "iso_vn",
    "issue_document",
    "sign_and_issue",
    "sign_documents",
    "write_specimens",
]

log = logging.getLogger(__name__)

DEFAULT_REGISTER = "so-dang-ky-van-ban.sqlite"


@dataclass(frozen=True)
class SignDocumentsRequest:
    files: tuple[tuple[Path, Path], ...]  # (input PDF, output PDF) pairs
    key: KeySpec
    role: Role = Role.SIGNER
    level: Level = Level.B_B
    tsa_url: str | None = None
    trust_roots: tuple[Path, ...] = ()
    image: bytes | None = None  # signature image (signer) or seal (agency); none for attachments
    seal_diameter_mm: float = 38.0
    reference: str | None = None  # the main document's number, for attachments
    signer_name: str | None = None
    force: bool = False


def sign_documents(request: SignDocumentsRequest) -> list[SignedFile]:
    """Sign every file with one key, loaded (and its PIN checked) once.

    All files are signed before any is written, so a failure on the tenth file leaves no output at all.
    """
    from signing.sign.signer import SigningTools, SignRequest, open_signer, read_input, sign_pdf_bytes

    if request.role is Role.ATTACHMENT and request.image is not None:
        raise VanbanError("Tệp đính kèm được ký không kèm ảnh (Nghị định 30): bỏ ảnh chữ ký, con dấu.")
    outputs = [out for _, out in request.files]
    for source, out in request.files:
        if out.exists() and source.exists() and out.resolve() == source.resolve():
            raise VanbanError(
                f"Tệp ra trùng tệp vào ({source}): vanban không sửa tệp gốc.", hint="Chọn tên tệp ra khác."
            )
        check_writable(out, request.force)
    if len(set(outputs)) != len(outputs):
        raise VanbanError("Hai tệp vào được ghi ra cùng một tệp; chọn tên tệp ra khác nhau.")
    sign_request = SignRequest(
        role=request.role,
        level=request.level,
        tsa_url=request.tsa_url,
        trust_roots=request.trust_roots,
        image=request.image,
        seal_diameter_mm=request.seal_diameter_mm,
        reference=request.reference,
        signer_name=request.signer_name,
    )
    signed: list[tuple[Path, bytes, SignedFile]] = []
    with open_signer(request.key) as signer:
        tools = SigningTools.for_request(signer, sign_request)
        for source, out in request.files:
            result = sign_pdf_bytes(read_input(source), tools, sign_request, source=str(source))
            log.info("signed %s", source)
            signed.append(
                (
                    out,
                    result.pdf,
                    SignedFile(
                        source,
                        out,
                        result.signer_subject,
                        result.field_name,
                        result.signing_time_iso,
                        bool(result.issue_fields_added),
                    ),
                )
            )
    written: list[Path] = []
    try:
        for out, pdf, _ in signed:
            written.append(atomic_write_bytes(out, pdf, force=request.force))
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return [info for _, _, info in signed]


@dataclass(frozen=True)
class SignedFile:
    source: Path
    output: Path
    signer_subject: str
    field_name: str
    signing_time_iso: str
    issue_fields_added: bool


@dataclass(frozen=True)
class IssueDocumentRequest:
    signed_draft: Path
    output: Path
    key: KeySpec
    doc_type: str  # KH, QĐ, TB, CV …: each has its own number sequence
    agency: str  # the issuing body's abbreviation, e.g. STTTT
    issue_date: date | None = None  # today in Vietnam when not given
    register: Path | None = None  # DEFAULT_REGISTER beside the output when not given
    level: Level = Level.B_B
    tsa_url: str | None = None
    trust_roots: tuple[Path, ...] = ()
    seal: bytes | None = None
    seal_diameter_mm: float = 38.0
    force: bool = False


@dataclass(frozen=True)
class IssuedFile:
    output: Path
    reference: str
    date_text: str
    agency_signing_time_iso: str
    register: Path


def issue_document(request: IssueDocumentRequest) -> IssuedFile:
    """Number, date and seal a draft the signer has signed, as the văn thư does (NĐ 30)."""
    from signing.sign.issue import IssueRequest, issue_file
    from signing.sign.register import NumberRegister

    register_path = request.register or request.output.parent / DEFAULT_REGISTER
    issue = IssueRequest(
        doc_type=request.doc_type,
        agency=request.agency,
        issue_date=request.issue_date or vn_today(),
        level=request.level,
        tsa_url=request.tsa_url,
        trust_roots=request.trust_roots,
        seal=request.seal,
        seal_diameter_mm=request.seal_diameter_mm,
    )
    result = issue_file(
        request.signed_draft,
        request.output,
        request.key,
        NumberRegister(register_path),
        issue,
        force=request.force,
    )
    log.info("issued %s as %s", request.output, result.reference)
    return IssuedFile(
        request.output,
        result.reference,
        result.date_text,
        iso_vn(result.agency_signature.signing_time),
        register_path,
    )


def write_specimens(out_dir: Path, *, force: bool = False) -> list[Path]:
    """A blue specimen signature and a red specimen seal, both marked «MẪU», to try signing with."""
    from signing.sign.appearance import specimen_seal_png, specimen_signature_png

    targets = [out_dir / "chu-ky-mau.png", out_dir / "con-dau-mau.png"]
    for target in targets:
        check_writable(target, force)
    return [
        atomic_write_bytes(targets[0], specimen_signature_png(), force=force),
        atomic_write_bytes(targets[1], specimen_seal_png(), force=force),
    ]


@dataclass(frozen=True)
class SignAndIssueRequest:
    draft: Path
    out_dir: Path
    director: KeySpec
    agency: KeySpec
    doc_type: str
    agency_code: str
    register: Path
    issue_date: date | None = None
    attachments: tuple[Path, ...] = ()
    signature_image: bytes | None = None  # specimen images when not given
    seal_image: bytes | None = None
    level: Level = Level.B_B
    tsa_url: str | None = None
    trust_roots: tuple[Path, ...] = ()
    force: bool = False


def sign_and_issue(request: SignAndIssueRequest) -> IssuedDocument:
    """The whole NĐ 30 flow for one document: the signer signs, the văn thư numbers, dates and seals it, and
    the agency signs its attachments."""
    from signing.sign.issue import sign_and_issue as run_flow

    return run_flow(
        request.draft,
        request.out_dir,
        director=request.director,
        agency=request.agency,
        register_path=request.register,
        doc_type=request.doc_type,
        agency_code=request.agency_code,
        issue_date=request.issue_date,
        attachments=request.attachments,
        signature_png=request.signature_image,
        seal_png=request.seal_image,
        level=request.level,
        tsa_url=request.tsa_url,
        trust_roots=request.trust_roots,
        force=request.force,
    )


def read_image(path: Path) -> bytes:
    """A signature or seal picture, checked now so that a bad file is named before any PDF is signed."""
    from signing.sign.appearance import load_png
    from signing.sign.signer import read_file

    data = read_file(path, "ảnh chữ ký, con dấu")
    load_png(data, str(path))
    return data

"""Use cases of the signer and the văn thư: sign PDFs, issue a signed draft, make specimen images.

Keys are described by `Pkcs12Key` / `Pkcs11Key`; secrets are asked for at the edge (CLI, web), never here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from letters.core.errors import VanbanError
from letters.core.files import atomic_write_bytes, check_writable
from letters.core.progress import Progress, report
from letters.core.vn import iso_vn, vn_today
from signing.sign.keys import KeySpec, Level, Pkcs11Key, Pkcs12Key, Role

if TYPE_CHECKING:
    from signing.sign.issue import IssuedDocument

__all__ = [
    "DEFAULT_REGISTER",
    "IssueDocumentRequest",
    "IssueDocumentsRequest",
    "KeySpec",
    "Level",
    "Pkcs11Key",
    "Pkcs12Key",
    "Role",
    "SignAndIssueRequest",
    "SignDocumentsRequest",
    "iso_vn",
    "issue_document",
    "issue_documents",
    "pdf_pairs",
    "sign_and_issue",
    "sign_documents",
    "write_specimens",
]

log = logging.getLogger(__name__)

DEFAULT_REGISTER = "so-dang-ky-van-ban.sqlite"


def pdf_pairs(inputs: Sequence[Path], out_dir: Path) -> tuple[tuple[Path, Path], ...]:
    """(input, output) for every PDF named or found in a named folder, outputs under `out_dir` with the same
    names (a folder's subfolders kept), in a stable order: the order in which `issue` hands out numbers."""
    pairs: list[tuple[Path, Path]] = []
    out_resolved = out_dir.resolve()
    for given in inputs:
        if given.is_dir():
            found = sorted(
                p
                for p in given.rglob("*")
                if p.suffix.lower() == ".pdf" and p.is_file() and out_resolved not in p.resolve().parents
            )
            if not found:
                raise VanbanError(f"Thư mục {given} không có tệp PDF nào.")
            pairs += [(p, out_dir / p.relative_to(given)) for p in found]
        elif given.is_file():
            pairs.append((given, out_dir / given.name))
        else:
            raise VanbanError(f"Không tìm thấy tệp hoặc thư mục {given}.")
    return tuple(pairs)


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
    progress: Progress | None = None
    workers: int | None = None  # processes for a PKCS#12 batch; one per core when None


def sign_documents(request: SignDocumentsRequest) -> list[SignedFile]:
    """Sign every file with one key, loaded (and its PIN checked) once.

    All files are signed before any is written, so a failure on the tenth file leaves no output at all.
    """
    from signing.sign.batch import map_documents, sign_job, worker_count
    from signing.sign.signer import (
        SigningTools,
        SignRequest,
        open_signer,
        read_input,
        refuse_same_file,
        sign_pdf_bytes,
    )

    if request.role is Role.ATTACHMENT and request.image is not None:
        raise VanbanError("Tệp đính kèm được ký không kèm ảnh (Nghị định 30): bỏ ảnh chữ ký, con dấu.")
    outputs = [out for _, out in request.files]
    for source, out in request.files:
        refuse_same_file(source, out)
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
    total = len(request.files)
    with open_signer(request.key) as signer:
        tools = SigningTools.for_request(signer, sign_request)  # a wrong password or level fails here
        workers = worker_count(request.key, total, request.workers)
        if workers > 1:
            jobs = [(read_input(source), str(source), sign_request) for source, _ in request.files]
            results = map_documents(
                request.key, sign_request, sign_job, jobs, workers=workers, progress=request.progress
            )
        else:
            results = []
            for n, (source, _) in enumerate(request.files, 1):
                results.append(sign_pdf_bytes(read_input(source), tools, sign_request, source=str(source)))
                report(request.progress, n, total)
    for (source, out), result in zip(request.files, results, strict=True):
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
    fields = {k: v for k, v in vars(request).items() if k not in ("signed_draft", "output")}
    many = IssueDocumentsRequest(files=((request.signed_draft, request.output),), **fields)
    return issue_documents(many)[0]


@dataclass(frozen=True)
class IssueDocumentsRequest:
    files: tuple[tuple[Path, Path], ...]  # (signed draft, issued PDF) pairs, numbered in this order
    key: KeySpec
    doc_type: str
    agency: str
    issue_date: date | None = None
    register: Path | None = None  # DEFAULT_REGISTER beside the first output when not given
    level: Level = Level.B_B
    tsa_url: str | None = None
    trust_roots: tuple[Path, ...] = ()
    seal: bytes | None = None
    seal_diameter_mm: float = 38.0
    force: bool = False
    progress: Progress | None = None
    workers: int | None = None  # processes for a PKCS#12 batch; one per core when None


def issue_documents(request: IssueDocumentsRequest) -> list[IssuedFile]:
    """Issue many signed drafts with the key loaded once: consecutive numbers in the order given, all or none.

    A draft already issued (by its signed bytes) or an issue date before a draft's last signature is refused
    with a Vietnamese message naming the number, the dates and the file.
    """
    from signing.sign.issue import IssueRequest, issue_files
    from signing.sign.register import NumberRegister
    from signing.verify import speedups

    # Issuing runs pyHanko's difference analysis on every draft (is filling still form filling for the
    # signer's signature?): the verifier's parsing fixes give the same answers in a third less time.
    speedups.install()
    if not request.files:
        raise VanbanError("Không có văn bản nào để ban hành.")
    if len({out for _, out in request.files}) != len(request.files):
        raise VanbanError("Hai văn bản được ghi ra cùng một tệp; chọn tên tệp ra khác nhau.")
    register_path = request.register or request.files[0][1].parent / DEFAULT_REGISTER
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
    results = issue_files(
        request.files,
        request.key,
        NumberRegister(register_path),
        issue,
        force=request.force,
        progress=request.progress,
        workers=request.workers,
    )
    issued = []
    for (_, output), result in zip(request.files, results, strict=True):
        log.info("issued %s as %s", output, result.reference)
        issued.append(
            IssuedFile(
                output,
                result.reference,
                result.date_text,
                iso_vn(result.agency_signature.signing_time),
                register_path,
            )
        )
    return issued


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
    # Given when the document is dated in the past (the demo's example campaigns): the signer's and the
    # agency's signing times, which the issue date may not precede.
    director_signing_time: datetime | None = None
    agency_signing_time: datetime | None = None


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
        director_signing_time=request.director_signing_time,
        agency_signing_time=request.agency_signing_time,
    )


def read_image(path: Path) -> bytes:
    """A signature or seal picture, checked now so that a bad file is named before any PDF is signed."""
    from signing.sign.appearance import load_png
    from signing.sign.signer import read_file

    data = read_file(path, "ảnh chữ ký, con dấu")
    load_png(data, str(path))
    return data

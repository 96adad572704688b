"""Issuance (ban hành): number and date filled by the văn thư, then the agency's signature with its seal.

The director has already signed the draft, whose number and date were blank and covered by
fillable fields (signing.stamp_fields). Issuance takes the next number from the register, fills
the fields in one incremental update and applies the agency's signature in another, so the
director's signature stays valid (pyHanko: ModificationLevel.FORM_FILLING).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields as sig_fields
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, DiffResult, ModificationLevel
from pyhanko.sign.validation.status import SignatureCoverageLevel

from letters.core.errors import VanbanError
from letters.core.files import atomic_write_bytes, check_writable
from letters.core.vn import in_words, iso_vn, pad_day, pad_month, short, time_text, to_vn, vn_today
from signing.sign.batch import map_documents, worker_count
from signing.sign.register import Entry, NumberRegister, format_number, reference_for
from signing.sign.signer import (
    KeySpec,
    Level,
    Role,
    SigningTools,
    SignRequest,
    SignResult,
    open_for_update,
    open_signer,
    read_input,
    refuse_same_file,
    sign_pdf_bytes,
)
from signing.sign.stamp_fields import (
    DAY_FIELD,
    MONTH_FIELD,
    NUMBER_FIELD,
    YEAR_FIELD,
    IssueField,
    fill_issue_fields,
    read_issue_fields,
)
from signing.sign.stamp_layout import PdfText, find_header_blanks


@dataclass(frozen=True)
class IssueRequest:
    doc_type: str  # register series: "KH", "QĐ", ... or the drafting unit for a công văn
    agency: str  # "STTTT"
    issue_date: date
    level: Level = Level.B_B
    tsa_url: str | None = None
    trust_roots: tuple[Path, ...] = ()
    seal: bytes | None = None
    seal_diameter_mm: float = 38.0
    signing_time: datetime | None = None

    def sign_request(self, role: Role, reference: str, image: bytes | None) -> SignRequest:
        return SignRequest(
            role=role,
            level=self.level,
            tsa_url=self.tsa_url,
            trust_roots=self.trust_roots,
            image=image,
            seal_diameter_mm=self.seal_diameter_mm,
            reference=reference,
            signing_time=self.signing_time,
        )


@dataclass(frozen=True)
class IssueResult:
    pdf: bytes
    number: int
    reference: str  # "83/KH-STTTT"
    date_text: str  # "ngày 06 tháng 12 năm 2023"
    filled: dict[str, IssueField]
    agency_signature: SignResult

    @property
    def signing_time_iso(self) -> str:
        return self.agency_signature.signing_time_iso


@dataclass(frozen=True)
class Draft:
    """What issuance needs to know about a signed draft before it takes a number."""

    symbol: str
    printed_year: int | None
    fields: dict[str, IssueField]
    # SHA-256 of the revision the newest signature covers: the same signed draft, copied, renamed or saved
    # again by a viewer that appends an update, keeps it, so the register recognises it.
    identity: str = ""
    signed_at: datetime | None = None  # the latest signing time the draft's signatures state
    # One signature, covering the whole file, restricting no change: filling the number and date is then form
    # filling by construction (tests prove it), and pyHanko's difference analysis can be spared.
    untouched: bool = False
    # The parse made while inspecting, reused to fill the fields and to place the seal (parsing a signed
    # PDF again costs more than filling it). The writer serves one fill only: it is taken from the list.
    unused_writer: list[IncrementalPdfFileWriter] = field(default_factory=list, repr=False, compare=False)
    text: PdfText | None = field(default=None, repr=False, compare=False)


def _signed_state(reader: PdfFileReader, data: bytes) -> tuple[str, datetime | None, bool]:
    signatures = reader.embedded_signatures
    newest = max(signatures, key=lambda sig: sig.signed_revision)
    start, _, gap, last = (int(x) for x in list(newest.byte_range)[:4])
    identity = hashlib.sha256(data[start : gap + last]).hexdigest()
    times = [t for t in (sig.self_reported_timestamp for sig in signatures) if t is not None]
    untouched = (
        len(signatures) == 1
        and newest.evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE
        and newest.docmdp_level is None
        and newest.fieldmdp is None
    )
    return identity, max((to_vn(t) for t in times), default=None), untouched


def inspect_draft(data: bytes, source: str, doc_type: str, agency: str) -> Draft:
    writer = open_for_update(data, source)
    reader = writer.prev
    signed = list(sig_fields.enumerate_sig_fields(reader, filled_status=True))
    if not signed:
        raise VanbanError(
            f"{source} chưa có chữ ký số của người có thẩm quyền.",
            hint="Người ký duyệt ký trước (vanban sign --role signer), văn thư ban hành sau.",
        )
    issue_fields = read_issue_fields(reader)
    if NUMBER_FIELD not in issue_fields:
        raise VanbanError(
            f"{source} không có ô để điền số văn bản.",
            hint="Dự thảo phải để trống số («Số:      /KH-STTTT») và được ký bằng vanban sign "
            "--role signer: lệnh này tạo ô điền số, ngày trước khi người có thẩm quyền ký.",
        )
    if issue_fields[NUMBER_FIELD].value:
        raise VanbanError(
            f"{source} đã được cấp số «{issue_fields[NUMBER_FIELD].value}»: văn bản này đã được ban hành.",
            hint="Mỗi văn bản chỉ được ban hành một lần; số đã cấp không dùng lại.",
        )
    text = PdfText(data, source)
    header = find_header_blanks(text, source)
    symbol = header.symbol or f"{doc_type}-{agency}"
    identity, signed_at, untouched = _signed_state(reader, data)
    return Draft(
        symbol=symbol,
        printed_year=header.printed_year,
        fields=issue_fields,
        identity=identity,
        signed_at=signed_at,
        untouched=untouched,
        unused_writer=[writer],
        text=text,
    )


def check_issue_date(draft: Draft, on: date, source: str) -> None:
    """NĐ 30: a document is issued on or after the day it was signed, never before, in the year it prints."""
    if draft.printed_year is not None and draft.printed_year != on.year:
        raise VanbanError(
            f"Ngày ban hành {short(on)} không thuộc năm {draft.printed_year} in trên văn bản {source}.",
            hint="Sửa năm trong dự thảo (hoặc để trống năm) rồi trình ký lại.",
        )
    if draft.signed_at is not None and on < draft.signed_at.date():
        raise VanbanError(
            f"Ngày ban hành {short(on)} sớm hơn ngày người có thẩm quyền ký văn bản {source} "
            f"({time_text(draft.signed_at)}): văn bản chỉ được ban hành từ ngày ký trở đi.",
            hint=f"Chọn ngày ban hành từ {short(draft.signed_at.date())} trở đi (--date NN/TT/NNNN).",
        )


def already_issued_error(entry: Entry, source: str) -> VanbanError:
    return VanbanError(
        f"Bản dự thảo đã ký {source} đã được ban hành: số {entry.reference}, ngày {short(entry.issued_on)} "
        f"(tệp {entry.document}). Mỗi văn bản chỉ được cấp một số.",
        hint=f"Dùng bản đã ban hành {entry.document}; muốn ban hành văn bản khác, trình ký lại bản dự thảo mới.",
    )


def fill_number_and_date(
    data: bytes, draft: Draft, number: int, on: date, source: str
) -> tuple[bytes, dict[str, IssueField]]:
    check_issue_date(draft, on, source)
    values = {NUMBER_FIELD: format_number(number)}
    for name, text in (
        (DAY_FIELD, pad_day(on)),
        (MONTH_FIELD, pad_month(on)),
        (YEAR_FIELD, str(on.year)),
    ):
        if name in draft.fields:
            values[name] = text
    if draft.printed_year is None and YEAR_FIELD not in draft.fields:
        raise VanbanError(f"Không tìm thấy chỗ ghi năm ban hành trong {source}.")
    if draft.unused_writer:
        writer = draft.unused_writer.pop()
    else:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    filled = fill_issue_fields(writer, values)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), filled


def check_earlier_signatures(pdf: bytes | PdfFileReader, source: str) -> None:
    """Refuse to issue if the changes made so far would count as more than form filling for any
    earlier signature: a validator would then flag the director's signature."""
    reader = pdf if isinstance(pdf, PdfFileReader) else PdfFileReader(io.BytesIO(pdf), strict=False)
    for sig in reader.embedded_signatures:
        sig.compute_integrity_info(diff_policy=DEFAULT_DIFF_POLICY)
        result = sig.diff_result
        level = result.modification_level if isinstance(result, DiffResult) else None
        if level is None or level > ModificationLevel.FORM_FILLING:
            raise VanbanError(
                f"Điền số và ngày vào {source} sẽ làm chữ ký «{sig.field_name}» bị coi là đã bị sửa đổi "
                f"({level.name if level else result}); vanban dừng, không ban hành.",
                hint="Tệp có thể đã bị chỉnh sửa sau khi ký. Hãy trình ký lại từ bản dự thảo gốc.",
            )


def issue_pdf_bytes(
    data: bytes,
    tools: SigningTools,
    number: int,
    request: IssueRequest,
    *,
    source: str = "PDF",
    draft: Draft | None = None,
) -> IssueResult:
    """Fill number and date, then sign as the agency. The caller owns numbering (see issue_file)."""
    draft = draft or inspect_draft(data, source, request.doc_type, request.agency)
    filled_pdf, filled = fill_number_and_date(data, draft, number, request.issue_date, source)
    # One parse of the filled file serves the check and the agency's signature.
    writer = open_for_update(filled_pdf, source)
    if not draft.untouched:  # revisions after a signature, or several signatures: analyse every change
        check_earlier_signatures(writer.prev, source)
    reference = reference_for(number, draft.symbol)
    signed = sign_pdf_bytes(
        filled_pdf,
        tools,
        request.sign_request(Role.AGENCY, reference, request.seal),
        source=source,
        prepared_writer=writer,
        text=draft.text,
    )
    return IssueResult(
        pdf=signed.pdf,
        number=number,
        reference=reference,
        date_text=in_words(request.issue_date),
        filled=filled,
        agency_signature=signed,
    )


def issue_file(
    input_path: Path,
    output_path: Path,
    key: KeySpec,
    register: NumberRegister,
    request: IssueRequest,
    *,
    force: bool = False,
) -> IssueResult:
    """Issue a signed draft: the number is taken from `register` only if the output is written."""
    return issue_files([(input_path, output_path)], key, register, request, force=force)[0]


Progress = Callable[[int, int], None]  # (documents done, total)


def issue_files(
    pairs: Sequence[tuple[Path, Path]],
    key: KeySpec,
    register: NumberRegister,
    request: IssueRequest,
    *,
    force: bool = False,
    progress: Progress | None = None,
    workers: int | None = None,
) -> list[IssueResult]:
    """Issue many signed drafts with one key and consecutive numbers, in the order given.

    All of them or none: the numbers are held under the register's lock while every draft is filled and
    signed, the files are written, and only then are the numbers recorded. A failure on any file writes no
    file and takes no number. A draft already issued (the register knows its signed bytes) is refused, and so
    is an issue date before the draft's last signature. With a PKCS#12 key and many drafts the work is spread
    over `workers` processes (default: one per core).
    """
    items = [(Path(i), Path(o)) for i, o in pairs]
    for input_path, output_path in items:
        refuse_same_file(input_path, output_path)
        check_writable(output_path, force)
    datas = [read_input(input_path) for input_path, _ in items]
    sources = [str(input_path) for input_path, _ in items]
    sign_request = request.sign_request(Role.AGENCY, "", request.seal)
    parallel = worker_count(key, len(items), workers)
    drafts: list[Draft] = []
    if parallel == 1:
        # Every refusal before the key is opened (and a PIN asked for).
        drafts = [
            inspect_draft(data, source, request.doc_type, request.agency)
            for data, source in zip(datas, sources, strict=True)
        ]
        _check_drafts(drafts, sources, request.issue_date, register.issued_from)
    written: list[Path] = []
    with open_signer(key) as signer:
        tools = SigningTools.for_request(signer, sign_request)  # a wrong password or level fails here
        try:
            with register.reserve(request.agency, request.doc_type, request.issue_date.year) as slot:
                first = slot.number
                if parallel > 1:
                    jobs = [
                        _IssueJob(data, source, first + n, request)
                        for n, (data, source) in enumerate(zip(datas, sources, strict=True))
                    ]
                    done = map_documents(
                        key, sign_request, _issue_job, jobs, workers=parallel, progress=progress
                    )
                    results = [result for result, _ in done]
                    identities = [identity for _, identity in done]
                else:
                    results = []
                    for n, (data, source, draft) in enumerate(zip(datas, sources, drafts, strict=True)):
                        results.append(
                            issue_pdf_bytes(data, tools, first + n, request, source=source, draft=draft)
                        )
                        if progress is not None:
                            progress(n + 1, len(items))
                    identities = [d.identity for d in drafts]
                # Again under the lock: someone may have issued one of these drafts since we looked.
                _check_identities(identities, sources, slot.issued_from)
                for (_, output_path), result in zip(items, results, strict=True):
                    written.append(atomic_write_bytes(output_path, result.pdf, force=force))
                for (_, output_path), result, identity in zip(items, results, identities, strict=True):
                    slot.record(result.reference, request.issue_date, str(output_path), identity)
        except BaseException:
            for path in written:  # the numbers were not recorded: leave no issued file
                path.unlink(missing_ok=True)
            raise
    return results


@dataclass(frozen=True)
class _IssueJob:
    data: bytes
    source: str
    number: int
    request: IssueRequest


def _issue_job(tools: SigningTools, job: _IssueJob) -> tuple[IssueResult, str]:
    """One draft, in a worker process: every check the single-process path makes, then fill and seal."""
    request = job.request
    draft = inspect_draft(job.data, job.source, request.doc_type, request.agency)
    check_issue_date(draft, request.issue_date, job.source)
    result = issue_pdf_bytes(job.data, tools, job.number, request, source=job.source, draft=draft)
    return result, draft.identity


def _check_drafts(
    drafts: Sequence[Draft], sources: Sequence[str], on: date, issued_from: Callable[[str], Entry | None]
) -> None:
    for draft, source in zip(drafts, sources, strict=True):
        check_issue_date(draft, on, source)
    _check_identities([d.identity for d in drafts], sources, issued_from)


def _check_identities(
    identities: Sequence[str], sources: Sequence[str], issued_from: Callable[[str], Entry | None]
) -> None:
    seen: dict[str, str] = {}
    for identity, source in zip(identities, sources, strict=True):
        if identity in seen:
            raise VanbanError(
                f"{source} và {seen[identity]} là cùng một bản dự thảo đã ký: "
                "mỗi văn bản chỉ được ban hành một lần."
            )
        seen[identity] = source
        entry = issued_from(identity)
        if entry is not None:
            raise already_issued_error(entry, source)


def sign_attachment_bytes(
    data: bytes, tools: SigningTools, reference: str, request: IssueRequest, *, source: str = "PDF"
) -> SignResult:
    return sign_pdf_bytes(data, tools, request.sign_request(Role.ATTACHMENT, reference, None), source=source)


# --------------------------------------------------------------------------- demo / batch entry point


@dataclass(frozen=True)
class IssuedDocument:
    signed_draft: Path  # the director's signature only
    issued: Path  # number, date, agency seal
    attachments: tuple[Path, ...]
    number: int
    reference: str
    date_text: str
    signing_time_iso: str
    extra: dict[str, str] = field(default_factory=dict)


def sign_and_issue(
    draft_pdf: Path,
    out_dir: Path,
    *,
    director: KeySpec,
    agency: KeySpec,
    register_path: Path,
    doc_type: str,
    agency_code: str,
    issue_date: date | None = None,
    attachments: Sequence[Path] = (),
    signature_png: bytes | None = None,
    seal_png: bytes | None = None,
    level: Level = Level.B_B,
    tsa_url: str | None = None,
    trust_roots: Sequence[Path] = (),
    force: bool = False,
    director_signing_time: datetime | None = None,
    agency_signing_time: datetime | None = None,
) -> IssuedDocument:
    """The whole NĐ 30 flow for one document: director signs, văn thư numbers, dates, seals, signs attachments.

    Writes <stem>.ky-duyet.pdf (director's signature), <stem>.ban-hanh.pdf (issued) and, for each
    attachment, <attachment stem>.ban-hanh.pdf into `out_dir`; a "-du-thao" (draft) suffix is dropped. Missing images default to the
    clearly labelled specimens of signing.appearance.
    """
    from signing.sign.appearance import specimen_seal_png, specimen_signature_png

    draft_pdf, out_dir = Path(draft_pdf), Path(out_dir)
    on = issue_date or vn_today()
    signed_path = out_dir / f"{_base(draft_pdf)}.ky-duyet.pdf"
    issued_path = out_dir / f"{_base(draft_pdf)}.ban-hanh.pdf"
    attachment_out = [out_dir / f"{_base(Path(a))}.ban-hanh.pdf" for a in attachments]
    for path in (signed_path, issued_path, *attachment_out):
        check_writable(path, force)
    request = IssueRequest(
        doc_type=doc_type,
        agency=agency_code,
        issue_date=on,
        level=level,
        tsa_url=tsa_url,
        trust_roots=tuple(Path(p) for p in trust_roots),
        seal=seal_png if seal_png is not None else specimen_seal_png(),
        signing_time=agency_signing_time,
    )
    director_request = SignRequest(
        role=Role.SIGNER,
        level=level,
        tsa_url=tsa_url,
        trust_roots=request.trust_roots,
        image=signature_png if signature_png is not None else specimen_signature_png(),
        signing_time=director_signing_time,
    )
    data = read_input(draft_pdf)
    with open_signer(director) as signer:
        signed = sign_pdf_bytes(
            data, SigningTools.for_request(signer, director_request), director_request, source=str(draft_pdf)
        )
    atomic_write_bytes(signed_path, signed.pdf, force=force)
    result = issue_file(signed_path, issued_path, agency, NumberRegister(register_path), request, force=force)
    with open_signer(agency) as signer:
        tools = SigningTools.for_request(
            signer, request.sign_request(Role.ATTACHMENT, result.reference, None)
        )
        for src, dst in zip(attachments, attachment_out, strict=True):
            att = sign_attachment_bytes(
                read_input(Path(src)), tools, result.reference, request, source=str(src)
            )
            atomic_write_bytes(dst, att.pdf, force=force)
    return IssuedDocument(
        signed_draft=signed_path,
        issued=issued_path,
        attachments=tuple(attachment_out),
        number=result.number,
        reference=result.reference,
        date_text=result.date_text,
        signing_time_iso=result.signing_time_iso,
    )


def _base(path: Path) -> str:
    stem = path.stem
    return stem.removesuffix("-du-thao") or stem


def describe(result: IssueResult) -> str:
    return f"Số {result.reference}, {result.date_text}; cơ quan ký lúc {iso_vn(result.agency_signature.signing_time)}"

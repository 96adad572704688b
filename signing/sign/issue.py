"""Issuance (ban hành): number and date filled by the văn thư, then the agency's signature with its seal.

The director has already signed the draft, whose number and date were blank and covered by
fillable fields (signing.stamp_fields). Issuance takes the next number from the register, fills
the fields in one incremental update and applies the agency's signature in another, so the
director's signature stays valid (pyHanko: ModificationLevel.FORM_FILLING).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields as sig_fields
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, DiffResult, ModificationLevel

from letters.core.errors import VanbanError
from letters.core.files import atomic_write_bytes, check_writable
from letters.core.vn import in_words, iso_vn, pad_day, pad_month, short, vn_today
from signing.sign.register import NumberRegister, format_number, reference_for
from signing.sign.signer import (
    KeySpec,
    Level,
    Role,
    SigningTools,
    SignRequest,
    SignResult,
    open_pdf,
    open_signer,
    read_input,
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
from signing.sign.stamp_layout import find_header_blanks


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


def inspect_draft(data: bytes, source: str, doc_type: str, agency: str) -> Draft:
    reader = open_pdf(data, source)
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
    header = find_header_blanks(data, source)
    symbol = header.symbol or f"{doc_type}-{agency}"
    return Draft(symbol=symbol, printed_year=header.printed_year, fields=issue_fields)


def fill_number_and_date(
    data: bytes, draft: Draft, number: int, on: date, source: str
) -> tuple[bytes, dict[str, IssueField]]:
    if draft.printed_year is not None and draft.printed_year != on.year:
        raise VanbanError(
            f"Ngày ban hành {short(on)} không thuộc năm {draft.printed_year} in trên văn bản {source}.",
            hint="Sửa năm trong dự thảo (hoặc để trống năm) rồi trình ký lại.",
        )
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
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    filled = fill_issue_fields(writer, values)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), filled


def check_earlier_signatures(pdf: bytes, source: str) -> None:
    """Refuse to issue if the changes made so far would count as more than form filling for any
    earlier signature: a validator would then flag the director's signature."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
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
    check_earlier_signatures(filled_pdf, source)
    reference = reference_for(number, draft.symbol)
    signed = sign_pdf_bytes(
        filled_pdf, tools, request.sign_request(Role.AGENCY, reference, request.seal), source=source
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
    input_path, output_path = Path(input_path), Path(output_path)
    if output_path.exists() and output_path.resolve() == input_path.resolve():
        raise VanbanError(f"Tệp ra trùng tệp vào ({input_path}): vanban không sửa tệp gốc.")
    check_writable(output_path, force)
    data = read_input(input_path)
    draft = inspect_draft(data, str(input_path), request.doc_type, request.agency)
    with open_signer(key) as signer:
        tools = SigningTools.for_request(signer, request.sign_request(Role.AGENCY, "", request.seal))
        written = False
        try:
            with register.reserve(request.agency, request.doc_type, request.issue_date.year) as slot:
                result = issue_pdf_bytes(
                    data, tools, slot.number, request, source=str(input_path), draft=draft
                )
                atomic_write_bytes(output_path, result.pdf, force=force)
                written = True
                slot.record(result.reference, request.issue_date, str(output_path))
        except BaseException:
            if written:
                output_path.unlink(missing_ok=True)  # the number was not recorded: leave no issued file
            raise
    return result


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
    )
    director_request = SignRequest(
        role=Role.SIGNER,
        level=level,
        tsa_url=tsa_url,
        trust_roots=request.trust_roots,
        image=signature_png if signature_png is not None else specimen_signature_png(),
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

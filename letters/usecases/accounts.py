"""The account list the Sở hands to the units: who logs in to the online system under which name, with which first
password. It is issued as a phụ lục of the Kế hoạch (DOCX laid out as NĐ 30/2020 lays out a phụ lục, and its
PDF) and as an Excel workbook for the staff who send each unit its lines.

The lists hold first passwords in clear: they are written atomically, readable by the service's user only, and
the caller deletes them once the accounts are handed over. Nothing here touches a database.
"""

from __future__ import annotations

import io
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from letters.campaign.model import Campaign, DocumentKind
from letters.core import vn as cal
from letters.core.files import atomic_write_bytes
from letters.core.properties import DocumentProperties, stamp_package

# Characters a person copies from paper without hesitating: none of 0/O/o/Q/D, 1/l/I/i/j, 2/Z/z, 5/S/s, 8/B,
# 6/G, g/q, u/v; no letter whose two cases look alike (C/c, K/k, P/p, X/x, Y/y) in both cases; and no W, M, m,
# the widest letters, so that a password keeps to one line of its column in the phụ lục.
READABLE_UPPER = "ACEFHJKLNPRTXY"
READABLE_LOWER = "abdefhnrt"
READABLE_DIGITS = "3479"
READABLE_ALPHABET = READABLE_UPPER + READABLE_LOWER + READABLE_DIGITS
PASSWORD_GROUPS = 3
PASSWORD_GROUP_LENGTH = 4

STEM = "danh-sach-tai-khoan"
PRIVATE_MODE = 0o600


@dataclass(frozen=True)
class AccountLine:
    """One row of the list: the account's holder, its tier, what it does, and how to log in the first time."""

    unit: str  # Tên cơ quan, đơn vị (an appraising body for an appraiser's account)
    group: str  # the tier's name, or «Thẩm định» for appraisers
    kind: str  # «Chuyên viên nhập số liệu», «Lãnh đạo phê duyệt», «Thẩm định viên»
    username: str
    password: str


@dataclass(frozen=True)
class AccountCounts:
    """How many accounts the campaign file gives each unit and each appraising department."""

    staff: int = 1
    leader: int = 1
    appraiser: int = 1


@dataclass(frozen=True)
class AccountListFiles:
    docx: Path
    xlsx: Path


def readable_password() -> str:
    """A random first password such as «Ka7e-Pt4r-Yh3b»: three groups of four characters (57 bits), with an
    upper-case letter, a lower-case letter and a digit, and no character that reads as another."""
    length = PASSWORD_GROUPS * PASSWORD_GROUP_LENGTH
    while True:
        chars = [secrets.choice(READABLE_ALPHABET) for _ in range(length)]
        if (
            any(c in READABLE_UPPER for c in chars)
            and any(c in READABLE_LOWER for c in chars)
            and any(c in READABLE_DIGITS for c in chars)
        ):
            break
    groups = ["".join(chars[i : i + PASSWORD_GROUP_LENGTH]) for i in range(0, length, PASSWORD_GROUP_LENGTH)]
    return "-".join(groups)


def _campaign(campaign_file: Path) -> Campaign:
    """The campaign's sections, validated (DiagnosticsError otherwise); the list needs no indicator set, so the
    full check, which reads every set, is not run again here."""
    from letters.campaign.load import load_campaign

    return load_campaign(Path(campaign_file))


def account_counts(campaign_file: Path) -> AccountCounts:
    """The campaign's `campaign.accounts` numbers (one of each when the file says nothing)."""
    accounts = _campaign(campaign_file).campaign.accounts
    if accounts is None:
        return AccountCounts()
    return AccountCounts(accounts.staff, accounts.leader, accounts.appraiser)


_ROMAN_ANNEX = re.compile(r"^phụ lục\s+([IVXLC]+)$", re.IGNORECASE)


def _annex_label(campaign: Campaign) -> str:
    """The phụ lục's label: as the campaign's `accounts.sent_with` names it («Phụ lục III»); else the next
    Roman numeral after the Kế hoạch's own phụ lục when the evidence guides go with it, else «Phụ lục»."""
    accounts = campaign.campaign.accounts
    if accounts is not None and accounts.sent_with:
        m = _ROMAN_ANNEX.match(accounts.sent_with.strip())
        if m:
            return f"Phụ lục {m.group(1).upper()}"
    if campaign.annex_host() is DocumentKind.KE_HOACH:
        labels = {campaign.annex_label(t) for t in campaign.tiers}
        numbered = [lab for lab in labels if _ROMAN_ANNEX.match(lab)]
        if numbered:
            return f"Phụ lục {cal.roman(len(numbered) + 1)}"
    return "Phụ lục"


def _note(campaign: Campaign) -> str:
    """«(Kèm theo Kế hoạch số 83/KH-STTTT ngày 06 tháng 12 năm 2023 của Sở …)»; the number and date stay
    blank, as a draft leaves them for the văn thư, until the Kế hoạch has them."""
    from letters.documents.builders import DOC_TYPES, reference

    doc_type = DOC_TYPES[DocumentKind.KE_HOACH]
    spec = campaign.document(DocumentKind.KE_HOACH)
    ref = reference(campaign, doc_type, spec)
    number = ref.strip() if spec.number else f"      {ref.strip()}"
    year = campaign.campaign.document_year
    when = cal.in_words(spec.date) if spec.date and spec.number else cal.blank_in_words(year)
    return f"(Kèm theo Kế hoạch số {number} {when} của {campaign.issuer.text_name})"


def _title(campaign: Campaign, *, reissue: bool) -> str:
    system = campaign.campaign.system_title
    head = "DANH SÁCH TÀI KHOẢN ĐƯỢC CẤP LẠI MẬT KHẨU" if reissue else "DANH SÁCH TÀI KHOẢN"
    return f"{head}\nTRUY CẬP {system.upper()} NĂM {campaign.campaign.year}"


def _properties(campaign: Campaign, *, reissue: bool, label: str) -> DocumentProperties:
    from letters.documents.builders import campaign_topic, issuing_body

    host = campaign.document(DocumentKind.KE_HOACH)
    what = "Danh sách tài khoản được cấp lại mật khẩu" if reissue else "Danh sách tài khoản"
    return DocumentProperties(
        title=f"{what} truy cập {campaign.campaign.system_title}"
        if reissue
        else f"{label}: {what} truy cập {campaign.campaign.system_title}",
        author=issuing_body(campaign.issuer.parent, campaign.issuer.name),
        subject=campaign_topic(campaign),
        category="Danh sách" if reissue else "Phụ lục",
        status="" if reissue or (host.number and host.date) else "Dự thảo",
    )


HEADER = ["STT", "Tên cơ quan, đơn vị", "Nhóm", "Loại tài khoản", "Tên đăng nhập", "Mật khẩu lần đầu"]


def _notes(campaign: Campaign) -> list[str]:
    info = campaign.campaign
    where = f" tại địa chỉ {info.system_url}" if info.system_url else ""
    return [
        "Ghi chú:",
        f"- Truy cập {info.system_title}{where}, đăng nhập bằng tên đăng nhập và mật khẩu lần đầu; Hệ thống "
        "yêu cầu đổi mật khẩu ngay ở lần đăng nhập đầu tiên.",
        "- Mật khẩu phân biệt chữ hoa, chữ thường, gồm ba nhóm ký tự nối bằng dấu gạch ngang; không có các "
        "ký tự dễ nhầm như 0 và O, 1 và l.",
        "- Tài khoản chuyên viên nhập số liệu tự đánh giá, tài liệu kiểm chứng; tài khoản lãnh đạo duyệt và "
        f"xác nhận số liệu gửi {campaign.issuer.text_name}. Mỗi tài khoản chỉ giao cho một người.",
    ]


def account_list_docx(campaign_file: Path, lines: Sequence[AccountLine], *, reissue: bool = False) -> bytes:
    """The phụ lục as a DOCX: «Phụ lục …», the title, «(Kèm theo Kế hoạch số …)», the table with STT, notes."""
    return _docx(_campaign(campaign_file), lines, reissue=reissue)


def _docx(campaign: Campaign, lines: Sequence[AccountLine], *, reissue: bool) -> bytes:
    from docxtpl import RichText

    from letters.documents import markup
    from letters.documents.builders import TABLE_MARK, BuiltDocument
    from letters.documents.render import render_bytes
    from templates_vb import TEMPLATES_DIR

    rows = [list(HEADER)]
    for i, line in enumerate(lines, start=1):
        rows.append([str(i), line.unit, line.group, line.kind, line.username, line.password])
    label = "" if reissue else _annex_label(campaign)
    body: list[dict[str, object]] = []
    blocks: list[markup.Block] = []
    for i, text in enumerate([TABLE_MARK.format(0), *_notes(campaign)]):
        lead = i == 1  # «Ghi chú:» in bold italics, as a note's lead-in
        block = markup.Block("para", [markup.Span(text, bold=lead, italic=lead)])
        blocks.append(block)
        rich = RichText()
        rich.add(text, bold=lead, italic=lead)
        body.append({"kind": "para", "rich": rich, "text": text})
    context: dict[str, object] = {
        "heading": label,
        "title": _title(campaign, reissue=reissue),
        "note": "" if reissue else _note(campaign),
        "fill_lines": [],
        "sign_boxes": [],
        "body": body,
    }
    built = BuiltDocument(
        DocumentKind.KE_HOACH,
        label or "Danh sách tài khoản",
        f"{STEM}.docx",
        # Landscape, as the Biểu mẫu: every user name and password stays on one line of its cell.
        TEMPLATES_DIR / "bieu_mau.docx",
        context,
        blocks,
        tables=[rows],
        bold_rows={0: {0}},
        table_weights={0: [12, 70, 30, 46, 50, 44]},
        properties=_properties(campaign, reissue=reissue, label=label),
    )
    return render_bytes(built)


def account_list_xlsx(campaign_file: Path, lines: Sequence[AccountLine], *, reissue: bool = False) -> bytes:
    """The same list as an Excel workbook: one header row (bold, frozen, filtered), one row per account."""
    return _xlsx(_campaign(campaign_file), lines, reissue=reissue)


def _xlsx(campaign: Campaign, lines: Sequence[AccountLine], *, reissue: bool) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook has its sheet
    ws.title = "Tài khoản"
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    font = Font(name="Times New Roman", size=12)
    ws.append(HEADER)
    for cell in ws[1]:
        cell.font = Font(name="Times New Roman", size=12, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
        cell.border = border
    for i, line in enumerate(lines, start=1):
        ws.append([i, line.unit, line.group, line.kind, line.username, line.password])
        for cell in ws[ws.max_row]:
            cell.font = font
            cell.border = border
            cell.alignment = Alignment(vertical="top", wrap_text=cell.column in (2, 3, 4))
        ws.cell(ws.max_row, 1).alignment = Alignment(horizontal="center", vertical="top")
        for col in (5, 6):
            ws.cell(ws.max_row, col).number_format = "@"
    for col, width in enumerate([6, 46, 24, 24, 34, 20], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    if lines:
        ws.auto_filter.ref = f"A1:F{ws.max_row}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    header, footer = ws.oddHeader, ws.oddFooter
    assert header is not None and footer is not None  # every worksheet is created with empty ones
    header.center.text = _title(campaign, reissue=reissue).replace("\n", " ")
    footer.center.text = "Trang &P/&N"
    out = io.BytesIO()
    wb.save(out)
    label = "" if reissue else _annex_label(campaign)
    return stamp_package(out.getvalue(), _properties(campaign, reissue=reissue, label=label))


def _private(path: Path) -> Path:
    # The lists hold passwords in clear: only the service's own user reads them.
    os.chmod(path, PRIVATE_MODE)
    return path


def write_account_list(
    campaign_file: Path, lines: Sequence[AccountLine], out_dir: Path, *, reissue: bool = False
) -> AccountListFiles:
    """Both files into `out_dir`, each written atomically; refuses to overwrite an existing list."""
    campaign = _campaign(campaign_file)
    docx = _docx(campaign, lines, reissue=reissue)
    xlsx = _xlsx(campaign, lines, reissue=reissue)
    out = Path(out_dir)
    return AccountListFiles(
        _private(atomic_write_bytes(out / f"{STEM}.docx", docx)),
        _private(atomic_write_bytes(out / f"{STEM}.xlsx", xlsx)),
    )


def account_list_pdf(docx: Path) -> Path:
    """The PDF of a list's DOCX beside it (LibreOffice), private like the DOCX."""
    from letters.usecases.documents import convert_documents

    (pdf,) = convert_documents([Path(docx)], force=True)
    return _private(pdf)

"""Read-only views of the campaign as the wording templates see them.

Every date a document states is formatted here, once, so the same deadline reads the same in
the Kế hoạch, the công văn and anything built later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from letters.campaign.model import Appraiser, Campaign, Contact, Deadline, Phase, Tier
from letters.core import vn as cal

_GENERIC_OPENERS = ("Các", "Những", "Mọi", "Toàn bộ")


class Markup(str):
    """Text already written in the wording markup (bold marks and all): wording prints it as it is, where it
    escapes every other value so that a unit called 'A*B' stays 'A*B'."""


def markup_escape(text: str) -> str:
    # The same rule as letters.documents.markup.escape, which this layer may not import.
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("[", "\\[")


def lower_first(text: str) -> str:
    """'Các sở, ban, ngành' → 'các sở, ban, ngành' mid-sentence; names ('Ủy ban nhân dân…', 'UBND…',
    'Sở Y tế') keep their capital, as NĐ 30 Phụ lục II requires for the names of bodies."""
    for opener in _GENERIC_OPENERS:
        if text.startswith(opener + " "):
            return opener.lower() + text[len(opener) :]
    return text


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def join_vi(items: list[str], last: str = " và ") -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + last + items[-1]


_LOCAL_BODY = ("UBND", "Ủy ban nhân dân", "Uỷ ban nhân dân")


def _strip_plural(text: str) -> str:
    """'các sở, ban, ngành' → 'sở, ban, ngành': how one names the members after a number or 'mỗi'."""
    text = lower_first(text)
    for opener in ("các ", "những ", "mọi "):
        if text.startswith(opener):
            return text[len(opener) :]
    return text


@dataclass(frozen=True)
class TierView:
    id: str
    appraised_by: str | None
    name: str
    short: str
    agency: str
    form: str
    annex: str
    units: list[str]
    published_by: str | None = None

    @classmethod
    def of(cls, tier: Tier, form: str | None = None, annex: str | None = None) -> TierView:
        """The tier as wording sees it; `form` and `annex` are its labels as the campaign numbers them."""
        return cls(
            tier.id,
            tier.appraised_by,
            tier.name,
            tier.short or tier.name,
            tier.agency or _strip_plural(tier.name),
            form if form is not None else tier.form or "",
            annex if annex is not None else tier.annex or "",
            [u.name for u in tier.units],
            tier.published_by,
        )

    @property
    def name_lower(self) -> str:
        return lower_first(self.name)

    @property
    def local(self) -> bool:
        """A tier of local governments (UBND cấp huyện, cấp xã) rather than departments."""
        return self.agency.startswith(_LOCAL_BODY) or self.name.startswith(_LOCAL_BODY)

    @property
    def instruments(self) -> Markup:
        """What the tier assesses itself by: '**Biểu số 01** và **Phụ lục I** hướng dẫn cung cấp tài liệu kiểm
        chứng', only the form, only the guide, or '' when the campaign issues neither."""
        parts = []
        if self.form:
            parts.append(f"**{markup_escape(self.form)}**")
        if self.annex:
            parts.append(f"**{markup_escape(self.annex)}** hướng dẫn cung cấp tài liệu kiểm chứng")
        return Markup(" và ".join(parts))

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class PhaseView:
    id: str
    name: str
    start_date: date | None
    end_date: date
    lead: str
    partners: str
    month: bool = False

    @classmethod
    def of(cls, phase: Phase) -> PhaseView:
        return cls(
            phase.id,
            phase.name,
            phase.start,
            phase.end,
            phase.lead or "",
            phase.partners or "",
            bool(phase.month),
        )

    @property
    def month_text(self) -> str:
        """'tháng 6/2023' for a phase given as a whole month."""
        return f"tháng {self.end_date.month}/{self.end_date.year}"

    @property
    def when(self) -> str:
        """The phase after 'Thời gian:': 'Tháng 6/2023', 'Từ ngày … đến hết ngày … (n ngày)', 'Chậm nhất ngày …'."""
        return upper_first(self.month_text if self.month else self.range)

    @property
    def start(self) -> str:
        return cal.short(self.start_date) if self.start_date else ""

    @property
    def end(self) -> str:
        return cal.short(self.end_date)

    @property
    def days(self) -> int:
        return cal.inclusive_days(self.start_date, self.end_date) if self.start_date else 0

    @property
    def range(self) -> str:
        """'từ ngày 10/10/2023 đến hết ngày 24/10/2023 (15 ngày)', or 'chậm nhất ngày …' without a start, or
        'trong tháng 6/2023' for a whole month."""
        if self.month:
            return f"trong {self.month_text}"
        if self.start_date is None:
            return self.by
        return cal.range_text(self.start_date, self.end_date)

    @property
    def by(self) -> str:
        """'chậm nhất ngày 15/12/2023': the end is the last day of the phase, as in `range`."""
        return cal.deadline_text(self.end_date)

    @property
    def before(self) -> str:
        """Older name of `by`, kept for wording written before it; it never says 'trước ngày'."""
        return self.by

    def __str__(self) -> str:
        return self.range


@dataclass(frozen=True)
class DeadlineView:
    id: str
    date_value: date
    tiers: list[TierView]
    to: TierView | None
    aggregates: TierView | None
    what: str
    kind: str = "results"
    own_what: str = ""  # what the campaign file wrote, '' when `what` is the standard wording

    @property
    def is_results(self) -> bool:
        return self.kind == "results"

    @property
    def date(self) -> str:
        return cal.short(self.date_value)

    @property
    def by(self) -> str:
        """'chậm nhất ngày 24/10/2023': a submission on that day is on time (the ranking uses the same rule)."""
        return cal.deadline_text(self.date_value)

    @property
    def before(self) -> str:
        """Older name of `by`, kept for wording written before it; it never says 'trước ngày'."""
        return self.by

    @property
    def who(self) -> str:
        """The submitting tiers as a sentence subject: 'Các sở, ban, ngành; UBND các huyện, …'."""
        names = [t.name for t in self.tiers]
        return "; ".join([names[0], *[lower_first(n) for n in names[1:]]]) if names else ""

    @property
    def of_whom(self) -> str:
        """The submitting tiers after 'của': 'các sở, ban, ngành thuộc UBND tỉnh và Ủy ban nhân dân cấp huyện'
        (departments by their tier's name, local governments by what each is called)."""
        return join_vi([t.agency if t.local else t.name_lower for t in self.tiers])

    def __str__(self) -> str:
        return self.by


def contact_text(contact: Contact) -> str:
    """'đồng chí Vũ Thanh Hòa, Phó trưởng phòng CNTT, điện thoại 0886070228' for a person; 'Phòng …, Sở …,
    điện thoại: 0254.3512226' for an office or a company."""
    person = contact.kind == "person"
    parts = [f"{contact.honorific} {contact.name}".strip() if person else contact.name]
    if contact.title:
        parts.append(contact.title)
    if contact.role:
        parts[-1] += f" ({contact.role})"
    sep = " " if person else ": "
    if contact.phone:
        parts.append(f"điện thoại{sep}{contact.phone}")
    if contact.email:
        parts.append(f"thư điện tử{sep}{contact.email}")
    if contact.zalo:
        parts.append(f"nhóm Zalo hỗ trợ: {contact.zalo}")
    return ", ".join(parts)


@dataclass(frozen=True)
class ContactView:
    """A contact as wording sees it: its parts, and the whole as one phrase (`text`)."""

    kind: str
    name: str
    honorific: str
    title: str
    role: str
    phone: str
    email: str
    zalo: str
    text: str

    @classmethod
    def of(cls, c: Contact) -> ContactView:
        return cls(
            c.kind,
            c.name,
            c.honorific if c.kind == "person" else "",
            c.title or "",
            c.role or "",
            c.phone or "",
            c.email or "",
            c.zalo or "",
            contact_text(c),
        )

    @property
    def who(self) -> str:
        """'ông Lê Duy Trung, chuyên viên …' or 'Phòng …, Sở …': the contact without phone and e-mail."""
        head = f"{self.honorific} {self.name}".strip()
        head = f"{head}, {self.title}" if self.title else head
        return f"{head} ({self.role})" if self.role else head

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class DataPeriodView:
    """The period the figures cover, and whether it is the year before the documents are issued."""

    start_date: date | None
    end_date: date | None
    year: int
    previous_year: bool

    @property
    def range(self) -> str:
        """'từ ngày 01/01/2025 đến hết ngày 31/12/2025', without a day count (a period, not a deadline)."""
        if self.start_date and self.end_date:
            return f"từ ngày {cal.short(self.start_date)} đến hết ngày {cal.short(self.end_date)}"
        if self.end_date:
            return f"đến hết ngày {cal.short(self.end_date)}"
        if self.start_date:
            return f"từ ngày {cal.short(self.start_date)}"
        return ""

    @property
    def whole_year(self) -> bool:
        return (
            self.start_date == date(self.year, 1, 1) and self.end_date == date(self.year, 12, 31)
        ) or not (self.start_date or self.end_date)


@dataclass(frozen=True)
class AppraiserView:
    name: str
    scope: str
    tiers: list[TierView]

    @classmethod
    def of(cls, a: Appraiser, by_id: dict[str, TierView]) -> AppraiserView:
        return cls(a.name, a.scope, [by_id[t] for t in a.tiers if t in by_id])

    @property
    def text(self) -> str:
        return f"{self.name} ({self.scope})"

    def __str__(self) -> str:
        return self.text


def issuer_contact(campaign: Campaign) -> str:
    """'Sở …, địa chỉ: …, điện thoại: …, thư điện tử: …', or '' when the issuer gives none of them."""
    issuer = campaign.issuer
    parts = [
        f"{label}: {value}"
        for label, value in (
            ("địa chỉ", issuer.address),
            ("điện thoại", issuer.phone),
            ("thư điện tử", issuer.email),
        )
        if value
    ]
    return ", ".join([issuer.text_name, *parts]) if parts else ""


def agencies_text(tiers: list[TierView]) -> str:
    """'các sở, ban, ngành, UBND cấp huyện, UBND cấp xã': each tier by what one of its units is called."""
    names = [t.agency for t in tiers]
    if not names:
        return ""
    first = names[0] if names[0].startswith(_LOCAL_BODY) else f"các {names[0]}"
    return ", ".join([first, *names[1:]])


def units_text(tiers: list[TierView]) -> str:
    """'các sở, ban, ngành, địa phương': the departments' tiers by name, the local governments as 'địa phương'."""
    own = [t.agency for t in tiers if not t.local]
    parts = [*own, "địa phương"] if any(t.local for t in tiers) else own
    if not own:
        return "các địa phương"
    return "các " + ", ".join(parts)


def wording_context(campaign: Campaign, doc_kind: str) -> dict[str, object]:
    from letters.campaign.model import DocumentKind

    info = campaign.campaign
    tiers = [TierView.of(t, campaign.form_label(t), campaign.annex_label(t)) for t in campaign.tiers]
    by_id = {t.id: t for t in tiers}
    phases = {p.id: PhaseView.of(p) for p in campaign.phases}

    def dl(d: Deadline) -> DeadlineView:
        return DeadlineView(
            d.id,
            d.date,
            [by_id[t] for t in d.tiers if t in by_id],
            by_id.get(d.to) if d.to else None,
            by_id.get(d.aggregates) if d.aggregates else None,
            d.what_text,
            d.kind,
            d.what or "",
        )

    deadlines = {d.id: dl(d) for d in campaign.deadlines}
    spec = campaign.document(DocumentKind(doc_kind))
    contacts = spec.contacts if spec.contacts is not None else campaign.contacts
    bases = [b for b in campaign.legal_bases if not b.cchc]
    locality = campaign.issuer.locality
    ubnd = f"UBND {locality}"
    period = None
    if info.data_period_start or info.data_period_end or info.document_year > info.year:
        period = DataPeriodView(
            info.data_period_start, info.data_period_end, info.year, info.document_year > info.year
        )
    results = campaign.results
    return {
        "rules": results,
        "campaign": info,
        "kind": info.kind.value,
        "year": info.year,
        "issuer": campaign.issuer,
        "bases": bases,
        "basis": next((b for b in bases if b.index_set), None) or (bases[0] if bases else None),
        "cchc_basis": next((b for b in campaign.legal_bases if b.cchc), None),
        "cchc": (
            {"multiplier": cal.number(results.cchc_multiplier), "divisor": cal.number(results.cchc_divisor)}
            if results.cchc_multiplier is not None
            else None
        ),
        "issue_year": info.document_year,
        "data_period": period,
        "locality": locality,
        "locality_name": campaign.issuer.locality_name,
        "ubnd": ubnd,
        "ubnd_full": f"Ủy ban nhân dân {locality}",
        "chair": f"Chủ tịch {ubnd}",
        # Who publishes the results: the Chủ tịch by default, the collective UBND when the campaign says so.
        "decision_body": (campaign.province.authority if campaign.province else None) or f"Chủ tịch {ubnd}",
        "system": info.system_title if info.system_url else "",
        "accounts": info.accounts,
        "submit_email": info.submit_email or campaign.issuer.email or "",
        "tiers": tiers,
        "tier": by_id,
        "tiers_text": join_vi([t.name_lower for t in tiers], last=", "),
        "agencies_text": agencies_text(tiers),
        "units_text": units_text(tiers),
        "appraised_tiers": [t for t in tiers if t.appraised_by and t.appraised_by in by_id],
        "appraisers": [AppraiserView.of(a, by_id) for a in campaign.appraisers],
        "phases": phases,
        "phase_list": list(phases.values()),
        "deadlines": deadlines,
        "deadline_list": list(deadlines.values()),
        "result_deadlines": [d for d in deadlines.values() if d.is_results],
        "other_deadlines": [d for d in deadlines.values() if not d.is_results],
        "signer": spec.signer or campaign.signer,
        "contacts": [ContactView.of(c) for c in contacts],
        "contact_list": [contact_text(c) for c in contacts],
        "issuer_contact": issuer_contact(campaign),
        "attachments": spec.attachments,
        "attachments_text": "; ".join(a.title for a in spec.attachments),
        "doc": spec,
    }

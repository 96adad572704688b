"""Read-only views of the campaign as the wording templates see them.

Every date a document states is formatted here, once, so the same deadline reads the same in
the Kế hoạch, the công văn and anything built later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from letters.campaign.model import Campaign, Contact, Deadline, Phase, Tier
from letters.core import vn as cal

_GENERIC_OPENERS = ("Các", "Những", "Mọi", "Toàn bộ")


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

    @classmethod
    def of(cls, tier: Tier, form: str | None = None, annex: str | None = None) -> TierView:
        """The tier as wording sees it; `form` and `annex` are its labels as the campaign numbers them."""
        return cls(
            tier.id,
            tier.appraised_by,
            tier.name,
            tier.short or tier.name,
            tier.agency or tier.name,
            form if form is not None else tier.form or "",
            annex if annex is not None else tier.annex or "",
            [u.name for u in tier.units],
        )

    @property
    def name_lower(self) -> str:
        return lower_first(self.name)

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

    @classmethod
    def of(cls, phase: Phase) -> PhaseView:
        return cls(phase.id, phase.name, phase.start, phase.end, phase.lead or "", phase.partners or "")

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
        """'từ ngày 10/10/2023 đến hết ngày 24/10/2023 (15 ngày)', or 'chậm nhất ngày …' without a start."""
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

    def __str__(self) -> str:
        return self.by


def contact_text(contact: Contact) -> str:
    parts = [f"{contact.honorific} {contact.name}".strip()]
    if contact.title:
        parts.append(contact.title)
    if contact.phone:
        parts.append(f"điện thoại {contact.phone}")
    if contact.email:
        parts.append(f"thư điện tử {contact.email}")
    return ", ".join(parts)


def wording_context(campaign: Campaign, doc_kind: str) -> dict[str, object]:
    from letters.campaign.model import DocumentKind

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
            d.what or "",
        )

    deadlines = {d.id: dl(d) for d in campaign.deadlines}
    spec = campaign.document(DocumentKind(doc_kind))
    contacts = spec.contacts if spec.contacts is not None else campaign.contacts
    return {
        "campaign": campaign.campaign,
        "year": campaign.campaign.year,
        "issuer": campaign.issuer,
        "bases": campaign.legal_bases,
        "basis": next((b for b in campaign.legal_bases if b.index_set), None)
        or (campaign.legal_bases[0] if campaign.legal_bases else None),
        "issue_year": campaign.campaign.document_year,
        # Who publishes the results: the Chủ tịch by default, the collective UBND when the campaign says so.
        "decision_body": (campaign.province.authority if campaign.province else None) or "Chủ tịch UBND tỉnh",
        "tiers": tiers,
        "tier": by_id,
        "tiers_text": join_vi([t.name_lower for t in tiers], last=", "),
        "phases": phases,
        "phase_list": list(phases.values()),
        "deadlines": deadlines,
        "deadline_list": list(deadlines.values()),
        "signer": spec.signer or campaign.signer,
        "contacts": contacts,
        "contact_list": [contact_text(c) for c in contacts],
        "attachments": spec.attachments,
        "attachments_text": "; ".join(a.title for a in spec.attachments),
        "doc": spec,
    }

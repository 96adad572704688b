"""Which facts of a campaign its letters state: every field a user fills in should be read by someone.

A fact is a value typed in the campaign file (a date, an address, a name, a rule) with the words that show it
in a document. `vanban check` warns about a fact that neither the Kế hoạch nor the công văn states (a wording
override or a variant that leaves it out), and `bench/typing_burden.py` counts them for the examples.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from letters.campaign.model import Campaign, DocumentKind
from letters.campaign.views import PhaseView, TierView, lower_first
from letters.core import vn as cal
from letters.core.yamlsrc import Loc, field_path
from letters.documents.builders import BuiltDocument


@dataclass(frozen=True)
class Fact:
    loc: Loc
    label: str  # what the field is, in Vietnamese
    value: str  # the value as the file gives it, for messages
    needles: tuple[str, ...]  # any one of these in a document shows the fact

    @property
    def field(self) -> str:
        return field_path(self.loc)


def _fact(loc: Loc, label: str, value: object, *needles: str) -> Fact:
    shown = str(value)
    return Fact(loc, label, shown, tuple(n for n in (needles or (shown,)) if n))


def campaign_facts(campaign: Campaign) -> list[Fact]:
    """Every fact of the campaign a plan or a guidance letter normally states."""
    info, issuer = campaign.campaign, campaign.issuer
    facts: list[Fact] = []
    c = ("campaign",)
    if info.system_url:
        facts.append(_fact((*c, "system_url"), "địa chỉ hệ thống đánh giá", info.system_url))
    if info.system_name:
        facts.append(_fact((*c, "system_name"), "tên hệ thống đánh giá", info.system_name))
    for name in ("data_period_start", "data_period_end"):
        day = getattr(info, name)
        if day:
            facts.append(_fact((*c, name), "kỳ số liệu", cal.short(day)))
    if info.evidence_rule:
        facts.append(_fact((*c, "evidence_rule"), "yêu cầu về tài liệu kiểm chứng", info.evidence_rule))
    if info.late_rule == "exclude":
        facts.append(_fact((*c, "late_rule"), "quy tắc nộp muộn", "exclude", "không được chấm điểm"))
    elif info.late_rule == "last":
        facts.append(_fact((*c, "late_rule"), "quy tắc nộp muộn", "last", "xếp cuối"))
    if info.issue_year:
        facts.append(_fact((*c, "issue_year"), "năm ban hành", info.issue_year, f"năm {info.issue_year}"))
    for name, label in (
        ("steering_committee", "Ban Chỉ đạo"),
        ("submit_via", "đường gửi văn bản kết quả"),
        ("submit_email", "thư điện tử nhận bản mềm"),
    ):
        if getattr(info, name):
            facts.append(_fact((*c, name), label, getattr(info, name)))
    if info.accounts:
        facts.append(_fact((*c, "accounts"), "tài khoản trên hệ thống", "accounts", "tài khoản"))
        if info.accounts.sent_with:
            facts.append(
                _fact((*c, "accounts", "sent_with"), "danh sách tài khoản gửi kèm", info.accounts.sent_with)
            )
    for name, label in (
        ("email", "thư điện tử của cơ quan"),
        ("phone", "điện thoại của cơ quan"),
        ("address", "địa chỉ của cơ quan"),
        ("drafting_unit_name", "tên đơn vị soạn thảo"),
    ):
        if getattr(issuer, name):
            facts.append(_fact(("issuer", name), label, getattr(issuer, name)))
    for i, basis in enumerate(campaign.legal_bases):
        facts.append(_fact(("legal_bases", i, "number"), "căn cứ", basis.number))
    facts += _tier_facts(campaign)
    for i, phase in enumerate(campaign.phases):
        view = PhaseView.of(phase)
        facts.append(_fact(("phases", i), "giai đoạn", phase.name, view.range, view.when, view.month_text))
        for name, label in (("lead", "cơ quan chủ trì"), ("partners", "cơ quan phối hợp")):
            if getattr(phase, name):
                facts.append(_fact(("phases", i, name), label, getattr(phase, name)))
    for i, deadline in enumerate(campaign.deadlines):
        facts.append(_fact(("deadlines", i, "date"), "hạn nộp", cal.short(deadline.date)))
        if deadline.what:
            facts.append(_fact(("deadlines", i, "what"), "nội dung phải nộp", deadline.what))
    for i, contact in enumerate(campaign.contacts):
        for name in ("name", "phone", "email", "zalo"):
            if getattr(contact, name):
                facts.append(_fact(("contacts", i, name), "người liên hệ", getattr(contact, name)))
    for i, appraiser in enumerate(campaign.appraisers):
        facts.append(_fact(("appraisers", i, "name"), "cơ quan thẩm định", appraiser.name))
        facts.append(_fact(("appraisers", i, "scope"), "lĩnh vực thẩm định", appraiser.scope))
    for kind, spec in campaign.documents.items():
        if kind not in (DocumentKind.KE_HOACH, DocumentKind.CONG_VAN):
            continue
        for j, attachment in enumerate(spec.attachments):
            facts.append(
                _fact(
                    ("documents", kind.value, "attachments", j, "title"), "tài liệu gửi kèm", attachment.title
                )
            )
    return facts


def _tier_facts(campaign: Campaign) -> list[Fact]:
    facts: list[Fact] = []
    views = {t.id: TierView.of(t) for t in campaign.tiers}
    for i, tier in enumerate(campaign.tiers):
        view = views[tier.id]
        facts.append(_fact(("tiers", i, "name"), "nhóm đơn vị", tier.name, tier.name, view.name_lower))
        for name in ("form", "annex"):
            if getattr(tier, name):
                facts.append(_fact(("tiers", i, name), "biểu mẫu, phụ lục", getattr(tier, name)))
        if tier.appraised_by:
            facts.append(
                _fact(
                    ("tiers", i, "appraised_by"),
                    "nhóm thẩm định",
                    tier.appraised_by,
                    f"{view.agency} trực thuộc",
                    f"{view.name_lower} trực thuộc",
                )
            )
        if tier.published_by:
            facts.append(
                _fact(
                    ("tiers", i, "published_by"),
                    "nhóm công bố kết quả",
                    tier.published_by,
                    f"công bố kết quả đánh giá của {view.agency}",
                    f"công bố kết quả đánh giá của {lower_first(view.name)}",
                )
            )
    return facts


def document_text(built: BuiltDocument) -> str:
    """Everything a reader sees in a built document: header, title, recipients, body, footnotes, signature."""
    ctx = built.context
    parts: list[str] = [
        str(ctx.get("number_line", "")),
        str(ctx.get("place_date", "")),
        str(ctx.get("subject", "")),
        *[str(r) for r in ctx.get("recipients", [])],
        *(b.text for b in built.blocks),
        *built.footnotes.values(),
        *[str(c) for c in ctx.get("copies_to", [])],
        *[str(s) for s in ctx.get("signer_lines", [])],
        str(ctx.get("signer_name", "")),
    ]
    return "\n".join(parts)


def missing_facts(campaign: Campaign, texts: Iterable[str]) -> list[Fact]:
    """The facts no document states."""
    whole = "\n".join(texts)
    flat = " ".join(whole.split())
    return [f for f in campaign_facts(campaign) if not any(" ".join(n.split()) in flat for n in f.needles)]


def built_texts(built: Mapping[DocumentKind, BuiltDocument]) -> list[str]:
    return [document_text(b) for b in built.values()]

"""The demo's campaign year (`vanban serve --demo`): the Phú Thọ 2026 example online, the demo unit accounts bound
to one of its units, the demo appraiser assigned, a mix of units already drafting, awaiting their leader and
submitted so the Sở's dashboard has something to show, and the clock inside the self-assessment window."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from letters.usecases.online import OnlinePlan
from web.accounts.models import Agency, Profile, Role
from web.assessment import clock
from web.assessment.models import Assignment, Entry, State, StateChange, Submission
from web.assessment.plans import plan_for
from web.assessment.services import ensure_submissions, receipt_for
from web.campaigns.models import Campaign

DEMO_CAMPAIGN = "phutho-2026"
DEMO_NOW = datetime(
    2026, 1, 20, 9, 0, tzinfo=clock.VN
)  # inside 12/01–23/01/2026, three days before the close


def load_demo_year(agency: Agency, echo: Callable[[str], None]) -> Campaign | None:
    campaign = Campaign.objects.filter(agency=agency, slug=DEMO_CAMPAIGN).first()
    if campaign is None:
        return None
    ensure_submissions(campaign)
    plan = plan_for(campaign)
    subs = list(Submission.objects.filter(campaign=campaign).select_related("unit").order_by("id"))
    with transaction.atomic():
        # The demo unit accounts belong to the campaign's Sở Y tế (or its first unit of the first tier).
        target = next((s for s in subs if s.unit.code == "so-y-te"), subs[0])
        Profile.objects.filter(agency=agency, role__in=[Role.UNIT_STAFF, Role.UNIT_LEADER]).update(
            unit=target.unit
        )
        for profile in Profile.objects.filter(agency=agency, role=Role.APPRAISER):
            Assignment.objects.get_or_create(
                campaign=campaign, user=profile.user, defaults={"body": agency.name, "tiers": []}
            )
        if not any(s.started for s in subs):
            _seed(plan, [s for s in subs if s.pk != target.pk])
    _trust_demo_root(agency, echo)
    if clock.adjustable() and clock.shift().total_seconds() == 0:
        clock.set_now(DEMO_NOW, by="vanban serve --demo")
    echo(
        f"Đợt đánh giá trực tuyến mẫu: {campaign.title}; đồng hồ của bản mẫu đặt ở "
        f"{clock.now().astimezone(clock.VN):%H:%M ngày %d/%m/%Y} (trong thời gian tự đánh giá)."
    )
    return campaign


def _seed(plan: OnlinePlan, others: list[Submission]) -> None:
    """Every third unit drafting, every fifth awaiting its leader, every seventh submitted; the rest untouched."""
    for i, sub in enumerate(others):
        if i % 3 and i % 5 and i % 7:
            continue
        tier = plan.tier(sub.tier)
        entries = {e.code: e for e in sub.entries.all()}
        for n, row in enumerate(tier.rows):
            entry = entries.get(row.code)
            if entry is None:
                continue
            full = (n + i) % 4 != 0
            entry.self_score = row.max_points if full else (row.max_points / 2).quantize(Decimal("0.01"))
            entry.self_note = "" if full else "Một phần nhiệm vụ chưa hoàn thành trong năm (dữ liệu mẫu)."
            entry.version += 1
        Entry.objects.bulk_update(entries.values(), ["self_score", "self_note", "version"])
        sub.started = True
        target = State.SUBMITTED if i % 7 == 0 else State.AWAITING_APPROVAL if i % 5 == 0 else State.DRAFT
        if target != State.DRAFT:
            StateChange.objects.create(
                submission=sub,
                action="du_lieu_mau",
                from_state=State.DRAFT,
                to_state=target,
                by_name="Dữ liệu mẫu",
            )
        if target == State.SUBMITTED:
            receipt = receipt_for(sub)
            sub.receipt, sub.receipt_sha256 = receipt.data, receipt.sha256
            sub.submitted_at = DEMO_NOW
        sub.state = target
        sub.save()


def _trust_demo_root(agency: Agency, echo: Callable[[str], None]) -> None:
    """The demo root in the agency's trusted roots, so evidence a visitor signs with the demo keys comes back
    valid on upload (revocation is answered by the demo's own OCSP and CRL services on 127.0.0.1)."""
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from django.conf import settings

    from letters.usecases.evidence import import_trusted_certificate, list_trusted_certificates
    from web.evidence.storage import trust_store_dir

    root = settings.DATA_DIR / "pki-mau" / "root.pem"
    store = trust_store_dir(agency.pk)
    if not root.is_file() or list_trusted_certificates(store)[1]:
        return  # no demo PKI, or the quản trị already chose the agency's roots
    der = x509.load_pem_x509_certificate(root.read_bytes()).public_bytes(Encoding.DER)
    import_trusted_certificate(root, store=store, expected_sha256=hashlib.sha256(der).hexdigest())
    echo("Đã tin cậy chứng thư gốc MẪU khi kiểm tra tài liệu kiểm chứng các đơn vị tải lên.")

"""Signing and issuance for `vanban serve --demo`: the demo PKI (clearly labelled MẪU) in the data folder, its
services on 127.0.0.1 for as long as the caller keeps them, and the demo agency configured with it: the agency's
key, the director's key for the demo lãnh đạo, specimen signature and seal, the demo root trusted.

The director of the demo PKI is the signer of the demo campaign whose documents carry this year (a draft prints
its year of issue, and an issue date must fall in it): signing that campaign's drafts with the demo key then
passes the check that the signer is the document's signer."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from letters.core.vn import vn_today
from web.accounts.models import Agency, Role
from web.campaigns.models import Campaign
from web.issuance.models import SigningKey
from web.issuance.services import settings_for, store_configuration_file

DEMO_PASSWORD_ENV = "VANBAN_DEMO_P12_PASSWORD"
PREFERRED_CAMPAIGN = "phutho-2026"  # the bundled example made to be issued in 2026


@dataclass(frozen=True)
class CampaignSigner:
    """What a campaign file says of its signer and issuer, read leniently (a demo never stops on a typo)."""

    campaign: Campaign
    document_year: int
    name: str
    title: str
    agency: str
    province: str


def _signer_of(campaign: Campaign) -> CampaignSigner | None:
    try:
        data = yaml.safe_load(campaign.source)
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict):
        return None
    info, signer, issuer = (
        data.get(k) if isinstance(data.get(k), dict) else {} for k in ("campaign", "signer", "issuer")
    )
    try:
        year = int(info.get("issue_year") or info.get("year") or 0)
    except (TypeError, ValueError):
        year = 0
    name = str(signer.get("name") or "").strip()
    if not name or not year:
        return None
    province = str(issuer.get("place") or "").strip()
    agency = str(issuer.get("name") or "").strip()
    return CampaignSigner(
        campaign=campaign,
        document_year=year,
        name=name,
        title=str(signer.get("title") or "").strip() or "Giám đốc",
        agency=f"{agency} tỉnh {province} (MẪU)" if agency and province else f"{agency or 'Cơ quan'} (MẪU)",
        province=province or "Việt Nam",
    )


def issuing_campaign(agency: Agency) -> CampaignSigner | None:
    """The demo campaign to sign and issue: one whose documents carry this year, the Phú Thọ 2026 example first;
    else the latest. None when the agency has no campaign that names a signer."""
    found = [s for c in Campaign.objects.filter(agency=agency).order_by("slug") if (s := _signer_of(c))]
    if not found:
        return None
    this_year = vn_today().year
    return min(
        found,
        key=lambda s: (s.document_year != this_year, s.campaign.slug != PREFERRED_CAMPAIGN, -s.document_year),
    )


def load_demo_signing(agency: Agency, echo: Callable[[str], None], services: contextlib.ExitStack) -> Any:
    """Create (or load) the demo PKI, configure the agency with it once, and start its services within
    `services`, which the caller closes when the process ends."""
    from letters.usecases.signing import write_specimens
    from signing.demo.pki import METADATA_FILE, DemoSigner, create_demo_pki
    from signing.demo.services import serve_pki

    chosen = issuing_campaign(agency)
    folder = settings.DATA_DIR / "pki-mau"
    signer = (
        DemoSigner(name=chosen.name, title=chosen.title, agency=chosen.agency, province=chosen.province)
        if chosen is not None
        else None
    )
    # A data folder from an earlier demo keeps its PKI: its keys are configured, and its certificates name
    # the signer they were made for.
    pki = create_demo_pki(folder, signer=None if (folder / METADATA_FILE).exists() else signer)
    # The demo keys' password is public (they sign nothing real); the service reads it like any key's secret.
    os.environ.setdefault(DEMO_PASSWORD_ENV, pki.password)
    if not SigningKey.objects.filter(agency=agency).exists():
        specimens = write_specimens(folder / "anh-mau", force=True)
        signature, seal = (p.read_bytes() for p in specimens)
        leader = get_user_model().objects.filter(profile__agency=agency, profile__role=Role.SO_LEADER).first()
        with transaction.atomic():
            agency_key = _key(
                agency, "Cơ quan (khoá MẪU)", SigningKey.Purpose.AGENCY, pki.agency_p12.read_bytes()
            )
            director = _key(
                agency,
                f"{(signer or DemoSigner()).title} {pki.director_name} (khoá MẪU)",
                SigningKey.Purpose.SIGNER,
                pki.director_p12.read_bytes(),
            )
            director.owner = leader
            director.image_path, director.image_sha256 = store_configuration_file(
                agency.pk, "anh-chu-ky", signature, ".png"
            )
            director.save()
            conf = settings_for(agency.pk)
            conf.agency_key = agency_key
            conf.seal_path, conf.seal_sha256 = store_configuration_file(agency.pk, "con-dau", seal, ".png")
            conf.trust_path, conf.trust_sha256 = store_configuration_file(
                agency.pk, "tin-cay-ky-duyet", pki.root_path.read_bytes(), ".pem"
            )
            conf.save()
    services.enter_context(serve_pki(pki))
    echo(
        f"Hạ tầng khoá MẪU (không có giá trị pháp lý) ở {pki.root_path.parent}, dịch vụ OCSP, CRL, dấu thời gian "
        f"trên 127.0.0.1:{pki.port}. Ký thử trên máy của lãnh đạo: VANBAN_P12_PASSWORD={pki.password} "
        f"vanban sign du-thao.pdf da-ky.pdf --p12 {pki.director_p12}"
    )
    if chosen is not None:
        if pki.director_name == chosen.name:
            echo(
                f"Trình ký, ban hành thử với đợt «{chosen.campaign.title}» (văn bản năm {chosen.document_year}): "
                f"khoá MẪU của lãnh đạo ký với tên {pki.director_name}, đúng người ký của đợt."
            )
        else:
            echo(
                f"Lưu ý: khoá MẪU trong thư mục dữ liệu này mang tên {pki.director_name}, không phải người ký "
                f"{chosen.name} của đợt «{chosen.campaign.title}»; dùng thư mục dữ liệu mới để thử ban hành."
            )
    return pki


def _key(agency: Agency, name: str, purpose: str, p12: bytes) -> SigningKey:
    path, sha = store_configuration_file(agency.pk, "khoa-ky-so", p12, ".p12", secret=True)
    return SigningKey.objects.create(
        agency=agency,
        name=name,
        purpose=purpose,
        kind=SigningKey.Kind.PKCS12,
        p12_path=path,
        p12_sha256=sha,
        password_env=DEMO_PASSWORD_ENV,
    )

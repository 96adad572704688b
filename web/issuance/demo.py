"""Signing and issuance for `vanban serve --demo`: the demo PKI (clearly labelled MẪU) in the data folder, its
services on 127.0.0.1 for as long as the server runs, and the demo agency configured with it: the agency's
key, the director's key for the demo lãnh đạo, specimen signature and seal, the demo root trusted."""

from __future__ import annotations

import atexit
import contextlib
import os
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from web.accounts.models import Agency, Role
from web.issuance.models import SigningKey
from web.issuance.services import settings_for, store_configuration_file

DEMO_PASSWORD_ENV = "VANBAN_DEMO_P12_PASSWORD"
_services = contextlib.ExitStack()  # the PKI services, for as long as the process runs
# Stopped at exit while their thread still runs: left to the garbage collector, the stop would wait forever on a
# thread the interpreter has already frozen.
atexit.register(_services.close)


def load_demo_signing(agency: Agency, echo: Callable[[str], None]) -> Any:
    from letters.usecases.signing import write_specimens
    from signing.demo.pki import create_demo_pki
    from signing.demo.services import serve_pki

    pki = create_demo_pki(settings.DATA_DIR / "pki-mau")
    # The demo keys' password is public (they sign nothing real); the service reads it like any key's secret.
    os.environ.setdefault(DEMO_PASSWORD_ENV, pki.password)
    if not SigningKey.objects.filter(agency=agency).exists():
        specimens = write_specimens(settings.DATA_DIR / "pki-mau" / "anh-mau", force=True)
        signature, seal = (p.read_bytes() for p in specimens)
        leader = get_user_model().objects.filter(profile__agency=agency, profile__role=Role.SO_LEADER).first()
        with transaction.atomic():
            agency_key = _key(
                agency, "Cơ quan (khoá MẪU)", SigningKey.Purpose.AGENCY, pki.agency_p12.read_bytes()
            )
            director = _key(
                agency,
                "Giám đốc Nguyễn Gia Phong (khoá MẪU)",
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
    _services.enter_context(serve_pki(pki))
    echo(
        f"Hạ tầng khoá MẪU (không có giá trị pháp lý) ở {pki.root_path.parent}, dịch vụ OCSP, CRL, dấu thời gian "
        f"trên 127.0.0.1:{pki.port}. Ký thử trên máy của lãnh đạo: VANBAN_P12_PASSWORD={pki.password} "
        f"vanban sign du-thao.pdf da-ky.pdf --p12 {pki.director_p12}"
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

"""External attack corpora: RUB-NDS shadow attacks and pyHanko's coverage anomalies."""

from __future__ import annotations

from pathlib import Path

import pytest
from asn1crypto import pem
from pyhanko.pdf_utils.reader import PdfFileReader

from signing.verify.api import verify_evidence
from signing.verify.policy import Policy, RevocationMode
from tests.conftest import shared_path
from tests.test_verify_fixtures import CORPUS

RUB = CORPUS / "pdf-attacks-rub"
ANOMALIES = CORPUS / "pdf-anomalies-pyhanko"


@pytest.fixture(autouse=True)
def _corpus_present() -> None:
    shared_path("corpus", "pdf-attacks-rub")
    shared_path("corpus", "pdf-anomalies-pyhanko")


def _embedded_signer_certs(files: list[Path], out: Path) -> list[Path]:
    """Extract each signer's self-signed certificate (the corpus README says to trust it explicitly)."""
    seen: dict[bytes, Path] = {}
    for f in files:
        with open(f, "rb") as fh:
            for sig in PdfFileReader(fh, strict=False).embedded_signatures:
                der = sig.signer_cert.dump()
                if der not in seen:
                    path = out / f"signer{len(seen)}.pem"
                    path.write_bytes(pem.armor("CERTIFICATE", der))
                    seen[der] = path
    return list(seen.values())


def _policy() -> Policy:
    # Self-signed test signers carry no revocation pointers; nothing to check online.
    return Policy(use_trust_store=False, revocation={"mode": RevocationMode.OFF})


def test_rub_shadow_attacks_stage3_pass_stage4_fail(tmp_path: Path) -> None:
    stage3 = sorted(RUB.rglob("3_*.pdf"))
    stage4 = sorted(RUB.rglob("4_*.pdf"))
    assert len(stage3) == 7 and len(stage4) == 8
    trust = _embedded_signer_certs(stage3, tmp_path)
    assert trust, "stage-3 files must carry the signer's certificate"
    run = verify_evidence([*stage3, *stage4], policy=_policy(), trust=trust, jobs=2)
    assert len(run.results) == 15
    for r in run.results:
        if r.file.startswith("3_"):
            assert r.indication == "TOTAL_PASSED", (r.file, r.message)
            assert r.signatures[0].coverage == "entire_file"
        else:
            assert r.indication == "TOTAL_FAILED", (r.file, r.message)
            assert r.sub_indication == "FORMAT_FAILURE"
            assert "sau khi ký" in r.message
            assert not r.accepted


def test_rub_stage4_without_trust_is_still_not_passed(tmp_path: Path) -> None:
    stage4 = sorted(RUB.rglob("4_*.pdf"))
    run = verify_evidence(stage4, policy=_policy(), jobs=0)
    assert all(r.indication == "TOTAL_FAILED" for r in run.results), [r.message for r in run.results]


def test_rub_stage4_fail_even_when_comments_and_form_filling_are_allowed(tmp_path: Path) -> None:
    stage3, stage4 = sorted(RUB.rglob("3_*.pdf")), sorted(RUB.rglob("4_*.pdf"))
    lenient = _policy().model_copy(
        update={
            "allowed_changes": Policy.model_validate(
                {"allowed_changes": ["annotations", "form_filling"]}
            ).allowed_changes
        }
    )
    run = verify_evidence(stage4, policy=lenient, trust=_embedded_signer_certs(stage3, tmp_path), jobs=0)
    assert all(r.indication == "TOTAL_FAILED" for r in run.results), [r.message for r in run.results]


def test_unsigned_stages_are_no_signature() -> None:
    run = verify_evidence(
        sorted(RUB.rglob("1_*.pdf")) + sorted(RUB.rglob("2_*.pdf")), policy=_policy(), jobs=0
    )
    assert run.results and all(r.indication == "NO_SIGNATURE" for r in run.results)
    assert all(not r.accepted for r in run.results)
    relaxed = verify_evidence(
        sorted(RUB.rglob("1_*.pdf")), policy=_policy().model_copy(update={"accept_unsigned": True}), jobs=0
    )
    assert all(r.accepted and r.indication == "NO_SIGNATURE" for r in relaxed.results)


def test_pyhanko_coverage_anomalies(tmp_path: Path) -> None:
    signed = [
        ANOMALIES / n
        for n in (
            "one-byterange.pdf",
            "signature-gap-too-big.pdf",
            "tail-uncovered.pdf",
            "weird-byterange.pdf",
        )
    ]
    trust = _embedded_signer_certs(signed, tmp_path)
    run = verify_evidence([*signed, ANOMALIES / "base.pdf"], policy=_policy(), trust=trust, jobs=0)
    results = {r.file: r for r in run.results}
    for name in (
        "one-byterange.pdf",
        "signature-gap-too-big.pdf",
        "tail-uncovered.pdf",
        "weird-byterange.pdf",
    ):
        r = results[name]
        assert r.indication == "TOTAL_FAILED" and r.sub_indication == "FORMAT_FAILURE", (name, r.message)
        assert r.signatures[0].coverage == "partial"
        assert "ByteRange" in r.message
    base = results["base.pdf"]
    assert base.indication != "TOTAL_PASSED" and not base.accepted
    assert base.signatures and base.signatures[0].indication == "TOTAL_FAILED"
    assert "không đọc được" in base.message

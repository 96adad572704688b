"""The project's own attack generator: every attack is caught, with the reason a user can act on."""

from __future__ import annotations

import pytest

from signing.demo import attacks
from signing.demo.pki import AGENCY
from tests.pki_helpers import run_pdfsig
from tests.test_verify_fixtures import Samples, VerifyFn

pytest_plugins = ("tests.pki_fixtures", "tests.test_verify_fixtures")

EXPECTED = {
    "content_changed": ("TOTAL_FAILED", "FORMAT_FAILURE", "sau khi ký"),
    "page_added": ("TOTAL_FAILED", "FORMAT_FAILURE", "sau khi ký"),
    "annotation_overlay": ("TOTAL_FAILED", "FORMAT_FAILURE", "sau khi ký"),
    "signed_byte_changed": ("TOTAL_FAILED", "HASH_FAILURE", "giá trị băm"),
    "hidden_revision": ("TOTAL_FAILED", "FORMAT_FAILURE", "che giấu"),
    "trailing_garbage": ("TOTAL_FAILED", "FORMAT_FAILURE", "dữ liệu lạ"),
}


def test_untouched_file_passes(samples: Samples, verify_one: VerifyFn) -> None:
    assert verify_one(samples.signed).indication == "TOTAL_PASSED"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_attack_is_caught(samples: Samples, verify_one: VerifyFn, name: str) -> None:
    tampered = attacks.ATTACKS[name](samples.signed)
    assert tampered != samples.signed
    r = verify_one(tampered)
    indication, sub, words = EXPECTED[name]
    assert (r.indication, r.sub_indication) == (indication, sub), r.message
    assert words in r.message and not r.accepted and r.action


def test_certificate_swap(samples: Samples, verify_one: VerifyFn) -> None:
    for data in (samples.signed, samples.signed_bb):
        r = verify_one(attacks.swap_certificate(data, samples.pki.asn1_cert(AGENCY).dump()))
        assert (r.indication, r.sub_indication) == ("TOTAL_FAILED", "SIG_CRYPTO_FAILURE")


def test_hidden_revision_fools_pdfsig_but_not_us(
    samples: Samples, nss_db, verify_one: VerifyFn, tmp_path
) -> None:
    """The point of the extra check: poppler calls this file valid, and pyHanko alone would too."""
    tampered = attacks.hidden_revision(samples.signed)
    path = tmp_path / "an.pdf"
    path.write_bytes(tampered)
    report = run_pdfsig(path, nss_db)
    assert "Signature is Valid" in report
    assert verify_one(tampered).indication == "TOTAL_FAILED"


def test_signed_samples_are_valid_for_pdfsig(samples: Samples, nss_db, tmp_path) -> None:
    path = tmp_path / "mau.pdf"
    path.write_bytes(samples.signed)
    report = run_pdfsig(path, nss_db)
    assert "Signature is Valid" in report and "Certificate is Trusted" in report


def test_annotation_policy(samples: Samples, verify_one: VerifyFn) -> None:
    """An annotation laid over signed text (an "evil annotation") is refused, even by a policy that accepts
    comments; the report names it and the page. (A comment in the margin: tests/test_verify_changes.py.)"""
    from signing.verify.policy import Policy

    overlay = attacks.overlay_annotation(samples.signed)
    for policy in (None, Policy(use_trust_store=False, allowed_changes=["annotations"])):
        r = verify_one(overlay, policy)
        assert (r.indication, r.sub_indication) == ("TOTAL_FAILED", "FORMAT_FAILURE"), r.message
        assert r.signatures[0].modification == "other"
        assert "chú thích FreeText trên trang 1 che nội dung đã ký" in r.message
    # Allowing annotations never lets content changes through.
    changed = verify_one(
        attacks.change_content(samples.signed),
        Policy(use_trust_store=False, allowed_changes=["annotations", "form_filling"]),
    )
    assert changed.indication == "TOTAL_FAILED" and changed.signatures[0].modification == "other"

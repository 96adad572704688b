"""Certificates fit for signing documents, and algorithms strong enough: each problem named as such, with its
own sub-indication, Vietnamese reason and action (never "chuỗi chứng thực không hợp lệ")."""

from __future__ import annotations

import datetime as dt

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from signing.demo.pki import (
    CA,
    CA_SIGNER,
    MD5_CERT,
    NO_SIGNING_KU,
    RSA1024,
    SHA1_CERT,
    TLS_SERVER,
)
from signing.verify.checks import _ACTIONS, _unfit_certificate
from signing.verify.model import SUB_INDICATION_VI, SubIndication
from signing.verify.policy import Policy
from tests.test_verify_fixtures import Samples, VerifyFn

pytest_plugins = ("tests.pki_fixtures", "tests.test_verify_fixtures")

# Words a generic chain failure used to give for all of these.
GENERIC = (
    "không dẫn tới",
    "Chuỗi chứng thực của chứng thư số không hợp lệ",
    "không thuộc hệ thống chứng thực",
)


@pytest.mark.parametrize(
    ("label", "sub", "words", "action_words"),
    [
        (TLS_SERVER, "CHAIN_CONSTRAINTS_FAILURE", "xác thực máy chủ web (TLS)", "máy chủ web"),
        (
            CA_SIGNER,
            "CHAIN_CONSTRAINTS_FAILURE",
            "chứng thư của một tổ chức chứng thực (CA)",
            "tổ chức chứng thực",
        ),
        (NO_SIGNING_KU, "CHAIN_CONSTRAINTS_FAILURE", "không được cấp để ký số", "chứng thư số dùng để ký"),
        (RSA1024, "CRYPTO_CONSTRAINTS_FAILURE", "khoá RSA chỉ dài 1024 bit", "2048 bit"),
        (
            SHA1_CERT,
            "CRYPTO_CONSTRAINTS_FAILURE",
            "chứng thư số dùng thuật toán băm SHA-1 đã lỗi thời",
            "SHA-256",
        ),
        (
            MD5_CERT,
            "CRYPTO_CONSTRAINTS_FAILURE",
            "chứng thư số dùng thuật toán băm MD5 đã lỗi thời",
            "SHA-256",
        ),
    ],
)
def test_unfit_certificates_are_named(
    samples: Samples, verify_one: VerifyFn, label: str, sub: str, words: str, action_words: str
) -> None:
    r = verify_one(samples.sign(label=label))
    assert (r.indication, r.sub_indication, r.accepted) == ("INDETERMINATE", sub, False), r.message
    assert words.casefold() in r.message.casefold()
    assert not any(g in r.message for g in GENERIC), r.message
    assert r.action and action_words in r.action
    # The certificate is otherwise in order (trusted chain, not revoked), and the report says so.
    assert r.signatures[0].revocation_status.startswith("còn hiệu lực"), r.signatures[0].revocation_status


def test_md5_digest_in_the_signature(samples: Samples, verify_one: VerifyFn) -> None:
    r = verify_one(samples.sign(md_algorithm="md5"))
    assert (r.indication, r.sub_indication) == ("INDETERMINATE", "CRYPTO_CONSTRAINTS_FAILURE")
    assert "thuật toán băm MD5 đã lỗi thời" in r.message and "không khớp" not in r.message
    assert r.action and "SHA-256" in r.action and "không cần đổi chứng thư" in r.action


def test_sha1_follows_the_policy(samples: Samples, verify_one: VerifyFn) -> None:
    data = samples.sign(label=SHA1_CERT)
    accepted = verify_one(data, Policy(use_trust_store=False, sha1="accept"))
    assert accepted.indication == "TOTAL_PASSED", accepted.message
    # MD5 stays refused whatever the policy says about SHA-1.
    md5 = verify_one(samples.sign(label=MD5_CERT), Policy(use_trust_store=False, sha1="accept"))
    assert md5.sub_indication == "CRYPTO_CONSTRAINTS_FAILURE" and "MD5" in md5.message


def test_unfit_certificate_from_an_untrusted_ca_says_both(samples: Samples, verify_one: VerifyFn) -> None:
    # Trusting nothing: the TLS certificate is unfit and, besides, not from a trusted CA.
    r = verify_one(samples.sign(label=TLS_SERVER), trust=False)
    assert r.sub_indication == "CHAIN_CONSTRAINTS_FAILURE"
    assert "máy chủ web" in r.message and "không thuộc hệ thống chứng thực" in r.message


def _ec_cert(samples: Samples, curve: ec.EllipticCurve) -> asn1_x509.Certificate:
    key = ec.generate_private_key(curve)
    now = dt.datetime.now(dt.UTC)
    ca = samples.pki.certs[CA]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Khoá EC")]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(samples.pki.key(CA), hashes.SHA256())
    )
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def test_weak_elliptic_curves(samples: Samples) -> None:
    weak = _unfit_certificate(_ec_cert(samples, ec.SECP192R1()), [], "sha256", Policy())
    assert [(p[1], p[3]) for p in weak] == [(SubIndication.CRYPTO_CONSTRAINTS_FAILURE, "weak_key")]
    assert "đường cong elliptic secp192r1 (192 bit)" in weak[0][2]
    assert _unfit_certificate(_ec_cert(samples, ec.SECP256R1()), [], "sha256", Policy()) == []


def test_every_sub_indication_and_problem_has_words() -> None:
    assert set(SubIndication) <= set(SUB_INDICATION_VI)
    assert all(text and text == text.strip() for text in SUB_INDICATION_VI.values())
    codes = {
        "ca_signer",
        "key_usage",
        "ext_key_usage",
        "weak_key",
        "weak_certificate",
        "weak_chain",
        "weak_digest",
        "sha1",
        "revocation_unavailable",
        "revocation_at_signing_time",
        "unproven_time",
        "reused_signature",
        "too_many_signatures",
    }
    assert codes <= set(_ACTIONS)

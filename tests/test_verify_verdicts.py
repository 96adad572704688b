"""Every verdict and sub-indication the verifier emits, on files signed with the demo PKI."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes

from signing.demo import attacks
from signing.demo.pki import AGENCY, EXPIRED, FOREIGN_LEAF, REVOKED, ROOT, create_demo_pki, pick_free_port
from signing.verify.policy import Policy
from tests.test_verify_fixtures import Samples, VerifyFn

pytest_plugins = ("tests.pki_fixtures", "tests.test_verify_fixtures")

STRICT = Policy(use_trust_store=False)


def test_valid_signature_details(samples: Samples, verify_one: VerifyFn) -> None:
    r = verify_one(samples.signed)
    assert (r.indication, r.sub_indication, r.accepted) == ("TOTAL_PASSED", None, True)
    assert r.unit == "Đơn vị thử" and r.action is None
    sig = r.signatures[0]
    assert sig.signer == "Nguyễn Gia Phong"
    assert sig.organisation and "Sở Thông tin và Truyền thông" in sig.organisation
    assert sig.issuer == "CA chuyên dùng MẪU"
    assert sig.serial and re.fullmatch(r"[0-9A-F]+", sig.serial)
    assert sig.claimed_time and sig.claimed_time.endswith("+07:00")
    assert sig.timestamp_time, "B-T signature must report the TSA time"
    assert sig.coverage == "entire_file" and sig.modification == "none"
    assert sig.revocation_status and sig.revocation_status.startswith("còn hiệu lực")
    assert sig.revocation_source and sig.revocation_source.startswith("OCSP trực tuyến")
    assert "Hợp lệ" in r.message and "Nguyễn Gia Phong" in r.message


def test_two_signatures_second_counts_as_signature_not_edit(samples: Samples, verify_one: VerifyFn) -> None:
    both = samples.sign(samples.signed_bb, AGENCY, field_name="Signature2")
    r = verify_one(both)
    assert r.indication == "TOTAL_PASSED", r.message
    assert [s.modification for s in r.signatures] == ["signatures", "none"]


def test_revoked(samples: Samples, verify_one: VerifyFn) -> None:
    r = verify_one(samples.sign(label=REVOKED))
    assert (r.indication, r.sub_indication) == ("TOTAL_FAILED", "REVOKED")
    assert "thu hồi" in r.message and r.signatures[0].revocation_status.startswith("đã bị thu hồi")
    assert r.action and "còn hiệu lực" in r.action


def test_expired(samples: Samples, verify_one: VerifyFn) -> None:
    r = verify_one(samples.sign(label=EXPIRED))
    assert (r.indication, r.sub_indication) == ("INDETERMINATE", "EXPIRED")
    assert "hết hạn" in r.message


def test_untrusted_chain(samples: Samples, verify_one: VerifyFn) -> None:
    r = verify_one(samples.sign(label=FOREIGN_LEAF))
    assert (r.indication, r.sub_indication) == ("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND")
    assert "CA lạ không được tin cậy MẪU" in r.message
    # Trusting nothing makes even the genuine signature untrusted, never "passed".
    r2 = verify_one(samples.signed, trust=False)
    assert r2.sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"


def test_hash_failure(samples: Samples, verify_one: VerifyFn) -> None:
    r = verify_one(attacks.flip_signed_byte(samples.signed))
    assert (r.indication, r.sub_indication) == ("TOTAL_FAILED", "HASH_FAILURE")


def test_swapped_certificate(samples: Samples, verify_one: VerifyFn) -> None:
    r = verify_one(attacks.swap_certificate(samples.signed_bb, samples.pki.asn1_cert(AGENCY).dump()))
    assert (r.indication, r.sub_indication) == ("TOTAL_FAILED", "SIG_CRYPTO_FAILURE")
    assert "tráo" in r.message


def test_unsupported_subfilter_is_counted_not_dropped(samples: Samples, verify_one: VerifyFn) -> None:
    # pyHanko drops /adbe.pkcs7.sha1 signatures from embedded_signatures; they must still be reported.
    data = samples.signed_bb.replace(
        b"/SubFilter /ETSI.CAdES.detached", b"/SubFilter /adbe.pkcs7.sha1     ", 1
    )
    assert data != samples.signed_bb
    r = verify_one(data)
    assert r.indication == "INDETERMINATE" and r.sub_indication == "FORMAT_FAILURE"
    assert r.signatures[0].sub_filter == "/adbe.pkcs7.sha1"
    assert "chưa hỗ trợ" in r.message


def test_allowed_issuers(samples: Samples, verify_one: VerifyFn) -> None:
    ok = verify_one(
        samples.signed_bb,
        STRICT.model_copy(
            update={
                "allowed_issuers": Policy.model_validate(
                    {"allowed_issuers": ["CA chuyên dùng MẪU"]}
                ).allowed_issuers
            }
        ),
    )
    assert ok.indication == "TOTAL_PASSED", ok.message
    root_fp = samples.pki.certs[ROOT].fingerprint(hashes.SHA256()).hex()
    by_fp = verify_one(
        samples.signed_bb,
        Policy.model_validate({"use_trust_store": False, "allowed_issuers": [{"sha256": root_fp}]}),
    )
    assert by_fp.indication == "TOTAL_PASSED", by_fp.message
    only_vgca = Policy.model_validate(
        {"use_trust_store": False, "allowed_issuers": ["CA phục vụ các cơ quan Nhà nước G2"]}
    )
    bad = verify_one(samples.signed_bb, only_vgca)
    assert (bad.indication, bad.sub_indication) == ("INDETERMINATE", "CHAIN_CONSTRAINTS_FAILURE")
    assert "CA phục vụ các cơ quan Nhà nước G2" in bad.message and not bad.accepted


def test_signing_time_window(samples: Samples, verify_one: VerifyFn) -> None:
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date()
    inside = Policy.model_validate(
        {
            "use_trust_store": False,
            "signing_time": {
                "not_before": str(today - dt.timedelta(days=1)),
                "not_after": str(today + dt.timedelta(days=1)),
            },
        }
    )
    assert verify_one(samples.signed, inside).indication == "TOTAL_PASSED"
    past = Policy.model_validate(
        {"use_trust_store": False, "signing_time": {"not_before": "2025-01-01", "not_after": "2025-12-31"}}
    )
    r = verify_one(samples.signed, past)
    assert (r.indication, r.sub_indication) == ("INDETERMINATE", "SIG_CONSTRAINTS_FAILURE")
    assert "01/01/2025 – 31/12/2025" in r.message


def test_sha1_policy(samples: Samples, verify_one: VerifyFn) -> None:
    sha1 = samples.sign(md_algorithm="sha1")
    r = verify_one(sha1)
    assert (r.indication, r.sub_indication) == ("INDETERMINATE", "CRYPTO_CONSTRAINTS_FAILURE")
    assert "SHA-1" in r.message
    ok = verify_one(sha1, Policy(use_trust_store=False, sha1="accept"))
    assert ok.indication == "TOTAL_PASSED" and ok.signatures[0].digest_algorithm == "sha1"


def test_form_filling_policy(samples: Samples, verify_one: VerifyFn) -> None:
    signed = samples.sign(attacks.sample_pdf(text_field="ghi_chu"))
    filled = attacks.fill_text_field(signed, "ghi_chu", "Da xem")
    strict = verify_one(filled)
    assert (strict.indication, strict.sub_indication) == ("TOTAL_FAILED", "FORMAT_FAILURE")
    assert strict.signatures[0].modification == "form_filling"
    lenient = verify_one(filled, Policy(use_trust_store=False, allowed_changes=["form_filling"]))
    assert lenient.indication == "TOTAL_PASSED" and "điền biểu mẫu" in lenient.message


def test_form_filling_attested_by_a_later_signature(samples: Samples, verify_one: VerifyFn) -> None:
    """NĐ 30 issuance: leader signs, number/date are filled in, the agency seal signs the result."""
    signed = samples.sign(attacks.sample_pdf(text_field="so_ky_hieu"))
    sealed = samples.sign(
        attacks.fill_text_field(signed, "so_ky_hieu", "123/QD-STTTT"), AGENCY, field_name="Signature2"
    )
    r = verify_one(sealed)
    assert r.indication == "TOTAL_PASSED", r.message
    first, last = r.signatures
    assert first.modification == "form_filling" and "xác nhận" in first.message
    assert last.modification == "none"
    refused = verify_one(sealed, Policy(use_trust_store=False, accept_attested_changes=False))
    assert (refused.indication, refused.sub_indication) == ("TOTAL_FAILED", "FORMAT_FAILURE")
    # A content change is never attested, even if someone signs afterwards.
    resigned = samples.sign(attacks.change_content(samples.signed_bb), AGENCY, field_name="Signature2")
    bad = verify_one(resigned)
    assert (bad.indication, bad.sub_indication) == ("TOTAL_FAILED", "FORMAT_FAILURE")
    assert bad.signatures[0].modification == "other" and bad.signatures[1].indication == "TOTAL_PASSED"


def test_unsigned(samples: Samples, verify_one: VerifyFn) -> None:
    r = verify_one(samples.base)
    assert (r.indication, r.sub_indication, r.accepted) == ("NO_SIGNATURE", None, False)
    assert r.action and "Ký số" in r.action
    assert verify_one(samples.base, Policy(use_trust_store=False, accept_unsigned=True)).accepted


@pytest.mark.parametrize("case", ["empty", "not_pdf", "truncated", "garbage_pdf", "docx"])
def test_broken_files_get_format_failure(samples: Samples, verify_one: VerifyFn, case: str) -> None:
    data = {
        "empty": b"",
        "not_pdf": b"\xff\xd8\xff\xe0 this is a jpeg",
        "truncated": samples.signed[: len(samples.signed) // 3],
        "garbage_pdf": b"%PDF-1.7\n" + bytes(range(256)) * 10,
        "docx": b"PK\x03\x04" + b"\x00" * 100,
    }[case]
    r = verify_one(data, jobs=1)
    assert r.indication in ("TOTAL_FAILED", "INDETERMINATE"), r
    assert r.indication != "TOTAL_PASSED" and r.sub_indication == "FORMAT_FAILURE"
    assert r.message and not r.accepted
    # The reader's complaint in Vietnamese ("EOF marker not found" is pyHanko's), English only in the log.
    assert not re.search(r"\b(not|found|marker|malformed|could|error|read)\b", r.message, re.IGNORECASE), (
        r.message
    )
    if case == "truncated":
        assert "không có dấu kết thúc tệp %%EOF" in r.message, r.message


def test_encrypted_pdf(samples: Samples, verify_one: VerifyFn) -> None:
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(samples.base)))
    writer.encrypt("matkhau")
    buf = io.BytesIO()
    writer.write(buf)
    r = verify_one(buf.getvalue())
    assert (r.indication, r.sub_indication) == ("INDETERMINATE", "FORMAT_FAILURE")
    assert "mã hoá" in r.message


def test_size_limit_and_timeout_give_generic(samples: Samples, verify_one: VerifyFn) -> None:
    big = samples.base + b"\n%" + b"x" * (1024 * 1024 + 10) + b"\n"
    r = verify_one(big, Policy(use_trust_store=False, limits={"max_file_mb": 1}), jobs=1)
    assert (r.indication, r.sub_indication) == ("INDETERMINATE", "GENERIC") and "quá lớn" in r.message
    slow = verify_one(
        samples.signed, Policy(use_trust_store=False, limits={"timeout_seconds": 0.001}), jobs=1
    )
    assert (slow.indication, slow.sub_indication) == ("INDETERMINATE", "GENERIC")
    assert "thời gian" in slow.message


def test_revocation_modes_without_network(tmp_path: Path) -> None:
    """A PKI whose CRL/OCSP URLs point at a closed port: soft-fail passes, hard-fail is TRY_LATER, an offline
    CRL file settles it, and revocation checking off is reported as such."""
    from signing.verify.api import verify_evidence

    pki = create_demo_pki(tmp_path / "pki", port=pick_free_port())
    signed = attacks.sign_bytes(attacks.sample_pdf(), attacks.load_signer(pki.director_p12, pki.password))
    revoked = attacks.sign_bytes(attacks.sample_pdf(), attacks.load_signer(pki.revoked_p12, pki.password))
    unit = tmp_path / "ev" / "Đơn vị"
    unit.mkdir(parents=True)
    (unit / "a.pdf").write_bytes(signed)
    (unit / "b_revoked.pdf").write_bytes(revoked)
    crl = tmp_path / "ca.crl"
    crl.write_bytes(pki.crl)
    root_crl = tmp_path / "root.crl"  # hard-fail needs revocation data for the intermediate CA too
    root_crl.write_bytes(pki.crl_der(ROOT))

    def run(**rev: object) -> dict[str, object]:
        pol = Policy.model_validate({"use_trust_store": False, "revocation": rev})
        res = verify_evidence([tmp_path / "ev"], policy=pol, trust=[pki.root_path], jobs=0)
        return {r.file.rsplit("/", 1)[-1]: r for r in res.results}

    soft = run(mode="soft-fail")
    assert soft["a.pdf"].indication == "TOTAL_PASSED"
    assert "không có thông tin thu hồi" in soft["a.pdf"].signatures[0].revocation_status
    hard = run(mode="hard-fail")
    assert (hard["a.pdf"].indication, hard["a.pdf"].sub_indication) == ("INDETERMINATE", "TRY_LATER")
    offline = run(mode="hard-fail", crl_files=[str(crl), str(root_crl)])
    assert offline["a.pdf"].indication == "TOTAL_PASSED"
    assert offline["a.pdf"].signatures[0].revocation_source == "tệp CRL ngoại tuyến"
    assert offline["b_revoked.pdf"].sub_indication == "REVOKED"
    off = run(mode="off")
    assert off["a.pdf"].signatures[0].revocation_status == "không kiểm tra (theo chính sách)"


def test_memory_cap_kills_only_that_file(samples: Samples, tmp_path: Path) -> None:
    """A decompression bomb under a tight RLIMIT_AS: that file is INDETERMINATE, the next one still checked.

    Run in a fresh interpreter: a worker forked from this long-lived test process would inherit its freed
    heap as address space it may reuse, which makes a 64 MB cap imprecise.
    """
    import json
    import subprocess
    import sys

    unit = tmp_path / "ev" / "Đơn vị"
    unit.mkdir(parents=True)
    (unit / "1_bom.pdf").write_bytes(attacks.objstm_bomb(300, noise_kb=2500))
    (unit / "2_tot.pdf").write_bytes(samples.signed_bb)
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from signing.verify.policy import Policy\n"
        "from signing.verify.api import verify_evidence\n"
        "pol = Policy(use_trust_store=False, revocation={'mode': 'off'}, limits={'memory_mb': int(sys.argv[3])})\n"
        "run = verify_evidence([Path(sys.argv[1])], policy=pol, trust=[Path(sys.argv[2])], jobs=1)\n"
        "print(json.dumps([[r.indication, r.sub_indication, r.message] for r in run.results]))\n"
    )
    repo = Path(__file__).resolve().parents[1]

    def run(cap: int) -> list[list[str]]:
        proc = subprocess.run(
            [sys.executable, "-c", script, str(unit.parent), str(samples.pki.root_path), str(cap)],
            capture_output=True,
            text=True,
            cwd=repo,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.strip().splitlines()[-1])

    bomb, good = run(64)
    assert bomb[:2] == ["INDETERMINATE", "GENERIC"] and "bộ nhớ" in bomb[2]
    assert good[0] == "TOTAL_PASSED", good
    # With the default cap pyHanko's own decode limit stops it: a broken file, not a crash.
    bomb, good = run(1024)
    assert bomb[:2] == ["TOTAL_FAILED", "FORMAT_FAILURE"] and good[0] == "TOTAL_PASSED"


def _short_lived_signer(
    pki, seconds: float, *, starts_in: float = -300, crl: bool = True, issuer: str | None = None
):  # -> (SimpleSigner, not_after)
    """A signing certificate from the demo CA (or `issuer`, a CA label issued by the root) valid from
    now+`starts_in` s to now+`seconds` s, its status published on the CA's CRL (`crl=False`: no revocation
    pointer at all)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from signing.demo.pki import CA

    issuer = issuer or CA
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    ca = pki.certs[issuer]
    cert = (
        cx509.CertificateBuilder()
        .subject_name(
            cx509.Name(
                [
                    cx509.NameAttribute(NameOID.COMMON_NAME, "Đỗ Văn Ngắn Hạn"),
                    cx509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sở thử nghiệm (MẪU)"),
                ]
            )
        )
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(cx509.random_serial_number())
        .not_valid_before(now + dt.timedelta(seconds=starts_in))
        .not_valid_after(now + dt.timedelta(seconds=seconds))
        .add_extension(
            cx509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(cx509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key()), critical=False)
    )
    if crl:
        point = cx509.DistributionPoint([cx509.UniformResourceIdentifier(pki.crl_url(CA))], None, None, None)
        cert = cert.add_extension(cx509.CRLDistributionPoints([point]), critical=False)
    cert = cert.sign(pki.key(issuer), hashes.SHA256())
    der_key = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs([pki.asn1_cert(issuer), pki.asn1_cert(ROOT)]),
    )
    return signer, now + dt.timedelta(seconds=seconds)


def test_expired_after_signing_passes_with_timestamp(samples: Samples, verify_one: VerifyFn) -> None:
    import time

    signer, not_after = _short_lived_signer(samples.pki, 4)
    with_ts = attacks.sign_bytes(samples.base, signer, tsa_url=samples.pki.tsa_url)
    without_ts = attacks.sign_bytes(samples.base, signer)
    time.sleep(max(0.0, (not_after - dt.datetime.now(dt.UTC)).total_seconds()) + 1.5)
    r = verify_one(with_ts)
    assert r.indication == "TOTAL_PASSED", r.message
    assert "hết hạn" in r.signatures[0].message and "dấu thời gian" in r.signatures[0].message
    r2 = verify_one(without_ts)
    assert (r2.indication, r2.sub_indication) == ("INDETERMINATE", "EXPIRED")


def test_not_yet_valid(samples: Samples, verify_one: VerifyFn) -> None:
    signer, _ = _short_lived_signer(samples.pki, 30 * 86400, starts_in=86400)
    r = verify_one(attacks.sign_bytes(samples.base, signer))
    assert (r.indication, r.sub_indication) == ("INDETERMINATE", "NOT_YET_VALID"), r.message


def test_no_signing_certificate(samples: Samples, verify_one: VerifyFn) -> None:
    r = verify_one(attacks.strip_certificates(samples.signed_bb))
    assert (r.indication, r.sub_indication) == ("INDETERMINATE", "NO_SIGNING_CERTIFICATE_FOUND"), r.message


def test_broken_timestamp_is_no_poe(samples: Samples, verify_one: VerifyFn) -> None:
    r = verify_one(attacks.corrupt_timestamp(samples.signed))
    assert (r.indication, r.sub_indication) == ("INDETERMINATE", "NO_POE"), r.message
    assert r.signatures[0].timestamp_time is None and "Dấu thời gian" in r.message

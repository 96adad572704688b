"""Files signed by the project's own signing module (PAdES B-LT) verify offline from embedded data."""

from __future__ import annotations

from signing.demo import attacks
from signing.sign.signer import Level, Role, SigningTools, SignRequest, load_pkcs12_signer, sign_pdf_bytes
from signing.verify.policy import Policy
from tests.test_verify_fixtures import Samples, VerifyFn

pytest_plugins = ("tests.pki_fixtures", "tests.test_verify_fixtures")


def test_b_lt_from_signing_module_verifies_offline(samples: Samples, verify_one: VerifyFn) -> None:
    pki = samples.pki
    request = SignRequest(
        role=Role.ATTACHMENT,
        level=Level.B_LT,
        tsa_url=pki.tsa_url,
        trust_roots=(pki.root_path,),
        reference="12/BC-STTTT",
    )
    signer = load_pkcs12_signer(pki.director_p12, pki.password)
    signed = sign_pdf_bytes(attacks.sample_pdf(), SigningTools.for_request(signer, request), request).pdf
    offline = Policy(use_trust_store=False, revocation={"mode": "hard-fail", "online": False})
    r = verify_one(signed, offline)
    assert r.indication == "TOTAL_PASSED", r.message
    sig = r.signatures[0]
    assert sig.revocation_source == "OCSP lưu kèm trong tệp" and sig.timestamp_time
    # The same file with its revocation data unusable (no network, none embedded) would be TRY_LATER:
    bare = verify_one(attacks.sign_bytes(samples.base, signer), offline)
    assert (bare.indication, bare.sub_indication) == ("INDETERMINATE", "TRY_LATER")

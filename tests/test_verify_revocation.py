"""No revocation information is not a pass: unknown status is INDETERMINATE (amber, with what to do), embedded
B-LT data is used first, and soft-fail (only when a policy says so) flags the file in every report."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from asn1crypto import crl as asn1_crl
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation.dss import DocumentSecurityStore

from signing.demo import attacks
from signing.demo.pki import (
    AGENCY,
    CA,
    CA_SIGNER,
    DIRECTOR,
    REVOKED,
    ROOT,
    DemoPKI,
    create_demo_pki,
    pick_free_port,
)
from signing.sign.signer import Level, Role, SigningTools, SignRequest, load_pkcs12_signer, sign_pdf_bytes
from signing.verify.api import verify_evidence
from signing.verify.model import FileResult
from signing.verify.policy import Policy
from tests.test_verify_fixtures import Samples, VerifyFn

pytest_plugins = ("tests.pki_fixtures", "tests.test_verify_fixtures")


@pytest.fixture(scope="module")
def unreachable_pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPKI:
    """A demo PKI whose CRL/OCSP/TSA URLs point at a closed port: an office PC without network."""
    return create_demo_pki(tmp_path_factory.mktemp("offline") / "pki", port=pick_free_port())


Check = Callable[..., FileResult]


@pytest.fixture()
def check_offline(unreachable_pki: DemoPKI, tmp_path: Path) -> Check:
    counter = {"n": 0}

    def run(data: bytes, policy: Policy | None = None, **rev: object) -> FileResult:
        counter["n"] += 1
        folder = tmp_path / f"c{counter['n']}" / "Đơn vị"
        folder.mkdir(parents=True)
        (folder / "tep.pdf").write_bytes(data)
        pol = policy or Policy.model_validate({"use_trust_store": False, "revocation": rev})
        (res,) = verify_evidence(
            [folder.parent], policy=pol, trust=[unreachable_pki.root_path], jobs=0
        ).results
        return res

    return run


def with_dss_crls(signed: bytes, crls: list[bytes]) -> bytes:
    """`signed` plus a DSS update holding `crls`: revocation data embedded after signing (PAdES B-LT), built
    by hand because pyHanko refuses to embed proof for a certificate it finds revoked."""
    buf = io.BytesIO(signed)
    contents = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0].pkcs7_content
    DocumentSecurityStore.add_dss(buf, contents, crls=[asn1_crl.CertificateList.load(c) for c in crls])
    return buf.getvalue()


def adobe_revinfo_signed(pki: DemoPKI, label: str, data: bytes) -> bytes:
    """adbe.pkcs7.detached with the revocation data inside the CMS (Adobe's revocation-info attribute)."""
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1",
        subfilter=fields.SigSeedSubFilter.ADOBE_PKCS7_DETACHED,
        embed_validation_info=True,
        validation_context=pki.validation_context(),
    )
    signer = attacks.load_signer(pki.p12_path(label), pki.password)
    out = io.BytesIO()
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    asyncio.run(signers.PdfSigner(meta, signer=signer).async_sign_pdf(writer, output=out))
    return out.getvalue()


def _sign(pki: DemoPKI, label: str) -> bytes:
    return attacks.sign_bytes(attacks.sample_pdf(), attacks.load_signer(pki.p12_path(label), pki.password))


# ------------------------------------------------------------------ unknown status is not a pass


def test_revoked_without_network_is_indeterminate_not_green(
    unreachable_pki: DemoPKI, check_offline: Check
) -> None:
    r = check_offline(_sign(unreachable_pki, REVOKED))
    assert (r.indication, r.sub_indication, r.accepted) == ("INDETERMINATE", "TRY_LATER", False)
    assert "Chưa xác định được chứng thư số có bị thu hồi hay không" in r.message
    assert "không kết nối được" in r.message and f"127.0.0.1:{unreachable_pki.port}" in r.message
    # What to do, for the Sở: connect, or give CRL files; the unit does not resend.
    assert (
        r.action
        and "mạng" in r.action
        and "revocation.crl_files" in r.action
        and "không phải nộp lại" in r.action
    )
    assert r.recheck and not r.caveats
    assert r.signatures[0].revocation_status.startswith("chưa xác định được")


def test_genuine_without_network_is_try_later_too(unreachable_pki: DemoPKI, check_offline: Check) -> None:
    r = check_offline(_sign(unreachable_pki, DIRECTOR))
    assert (r.indication, r.sub_indication) == ("INDETERMINATE", "TRY_LATER")
    offline = check_offline(_sign(unreachable_pki, DIRECTOR), online=False)
    assert (
        offline.sub_indication == "TRY_LATER"
        and "không cho tải thông tin thu hồi qua mạng" in offline.message
    )


def test_offline_crl_files_settle_the_status(
    unreachable_pki: DemoPKI, check_offline: Check, tmp_path: Path
) -> None:
    crls = []
    for label in (CA, ROOT):  # the signer's CA and, for the CA itself, the root
        path = tmp_path / f"{label}.crl"
        path.write_bytes(unreachable_pki.crl_der(label))
        crls.append(str(path))
    good = check_offline(_sign(unreachable_pki, DIRECTOR), crl_files=crls)
    assert good.indication == "TOTAL_PASSED" and good.signatures[0].revocation_source == "tệp CRL ngoại tuyến"
    bad = check_offline(_sign(unreachable_pki, REVOKED), crl_files=crls)
    assert (bad.indication, bad.sub_indication) == ("TOTAL_FAILED", "REVOKED")


# ------------------------------------------------------------------ embedded data first


def test_revoked_with_embedded_revocation_data_is_revoked_offline(
    unreachable_pki: DemoPKI, check_offline: Check
) -> None:
    crls = [unreachable_pki.crl_der(CA), unreachable_pki.crl_der(ROOT)]
    r = check_offline(with_dss_crls(_sign(unreachable_pki, REVOKED), crls))
    assert (r.indication, r.sub_indication) == ("TOTAL_FAILED", "REVOKED")
    assert "đã bị thu hồi từ" in r.message and r.signatures[0].revocation_status.startswith("đã bị thu hồi")
    assert r.action and "còn hiệu lực" in r.action
    genuine = check_offline(with_dss_crls(_sign(unreachable_pki, DIRECTOR), crls))
    assert genuine.indication == "TOTAL_PASSED", genuine.message
    assert genuine.signatures[0].revocation_source == "CRL lưu kèm trong tệp" and not genuine.caveats


def test_embedded_data_is_used_before_the_network(samples: Samples, verify_one: VerifyFn) -> None:
    """Revocation data in the file settles the status even where the network would answer (and could not
    be reached): the source reported is the file."""
    pki = samples.pki
    crls = [pki.crl_der(CA), pki.crl_der(ROOT)]
    r = verify_one(with_dss_crls(samples.signed_bb, crls))
    assert r.indication == "TOTAL_PASSED" and r.signatures[0].revocation_source == "CRL lưu kèm trong tệp"
    adobe = adobe_revinfo_signed(pki, DIRECTOR, samples.base)
    offline = Policy(use_trust_store=False, revocation={"online": False})
    a = verify_one(adobe, offline)
    assert a.indication == "TOTAL_PASSED", a.message
    assert a.signatures[0].sub_filter == "/adbe.pkcs7.detached"
    assert a.signatures[0].revocation_source.endswith("lưu kèm trong tệp")


# ------------------------------------------------------------------ soft-fail: accepted, flagged everywhere


def test_soft_fail_is_flagged_in_every_report(unreachable_pki: DemoPKI, tmp_path: Path) -> None:
    unit = tmp_path / "ev" / "UBND xã A"
    unit.mkdir(parents=True)
    (unit / "bao_cao.pdf").write_bytes(_sign(unreachable_pki, REVOKED))
    out = tmp_path / "out"
    pol = Policy.model_validate({"use_trust_store": False, "revocation": {"mode": "soft-fail"}})
    run = verify_evidence(
        [tmp_path / "ev"], policy=pol, trust=[unreachable_pki.root_path], out_dir=out, jobs=0
    )
    (r,) = run.results
    assert r.accepted and r.indication == "TOTAL_PASSED" and r.flagged
    assert r.indication_vi == "Hợp lệ, có lưu ý"
    assert "Lưu ý: Chưa kiểm tra được chứng thư số có bị thu hồi" in r.message
    # Said in words: the policy's value (soft-fail) is for the YAML file, not for the reader of a report.
    assert "cho phép chấp nhận khi thiếu thông tin thu hồi" in r.message and "soft-fail" not in r.message
    assert r.signatures[0].revocation_status.startswith("chưa kiểm tra được")
    assert "soft-fail" not in (r.signatures[0].revocation_status or "")

    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data[0]["caveats"] and "thu hồi" in data[0]["caveats"][0]
    rows = list(csv.DictReader(io.StringIO((out / "report.csv").read_bytes()[3:].decode("utf-8"))))
    assert rows[0]["Kết quả"] == "Hợp lệ, có lưu ý" and "thu hồi" in rows[0]["Lưu ý"]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert ">Hợp lệ, có lưu ý</span>" in page and "background:#fef7e0" in page
    letter = json.loads((out / "resubmission.json").read_text(encoding="utf-8"))
    assert letter["units"] == [] and letter["flagged"][0]["status"] == "accepted_with_caveats"
    assert letter["flagged"][0]["file"].endswith("bao_cao.pdf")


def test_try_later_files_are_rechecked_not_resubmitted(unreachable_pki: DemoPKI, tmp_path: Path) -> None:
    from signing.verify.letter_data import resubmission_body, resubmission_units

    unit = tmp_path / "ev" / "UBND xã B"
    unit.mkdir(parents=True)
    (unit / "a.pdf").write_bytes(_sign(unreachable_pki, DIRECTOR))
    run = verify_evidence(
        [tmp_path / "ev"], policy=Policy(use_trust_store=False), trust=[unreachable_pki.root_path], jobs=0
    )
    assert run.exit_code == 1 and run.results[0].recheck
    assert resubmission_units(run.results) == []
    body = resubmission_body(run.results, deadline_text=None)
    assert "Sở sẽ kiểm tra lại" in body and "không phải nộp lại" in body


# ------------------------------------------------------------------ genuine files still pass


@pytest.mark.parametrize("label", [DIRECTOR, AGENCY])
def test_genuine_files_of_each_identity_pass(samples: Samples, verify_one: VerifyFn, label: str) -> None:
    pki = samples.pki
    bb = samples.sign(label=label)
    bt = samples.sign(label=label, tsa_url=pki.tsa_url)
    request = SignRequest(
        role=Role.ATTACHMENT,
        level=Level.B_LT,
        tsa_url=pki.tsa_url,
        trust_roots=(pki.root_path,),
        reference="1/BC",
    )
    signer = load_pkcs12_signer(pki.p12_path(label), pki.password)
    blt = sign_pdf_bytes(samples.base, SigningTools.for_request(signer, request), request).pdf
    for name, data in (("B-B", bb), ("B-T", bt), ("B-LT", blt)):
        r = verify_one(data)
        assert (r.indication, r.accepted, r.caveats) == ("TOTAL_PASSED", True, []), (name, r.message)
    offline = verify_one(blt, Policy(use_trust_store=False, revocation={"online": False}))
    assert offline.indication == "TOTAL_PASSED", offline.message
    assert offline.signatures[0].revocation_source.endswith("lưu kèm trong tệp")


# ------------------------------------------------------------------ proven time, unknown status at that time


def test_expired_with_timestamp_but_no_revocation_data_for_then(samples: Samples, tmp_path: Path) -> None:
    """EN 319 102-1: a timestamp proves the signature predates expiry, but nothing tells whether the
    certificate was revoked then (it names no revocation service, the file embeds nothing):
    REVOCATION_OUT_OF_BOUNDS_NO_POE, not a pass and not "expired"."""
    from tests.test_verify_verdicts import _short_lived_signer

    pki = samples.pki
    # Issued by another CA under the root, whose CRL nobody has; the timestamp authority's CA is covered.
    signer, not_after = _short_lived_signer(pki, 4, crl=False, issuer=CA_SIGNER)
    data = attacks.sign_bytes(samples.base, signer, tsa_url=pki.tsa_url)
    time.sleep(max(0.0, (not_after - dt.datetime.now(dt.UTC)).total_seconds()) + 1.5)
    crls = []
    for label in (CA, ROOT):  # the timestamp authority's status is known, and the signer's CA's
        path = tmp_path / f"{label}.crl"
        path.write_bytes(pki.crl_der(label))
        crls.append(str(path))
    unit = tmp_path / "ev" / "Đơn vị"
    unit.mkdir(parents=True)
    (unit / "a.pdf").write_bytes(data)
    pol = Policy.model_validate(
        {"use_trust_store": False, "revocation": {"online": False, "crl_files": crls}}
    )
    (r,) = verify_evidence([tmp_path / "ev"], policy=pol, trust=[pki.root_path], jobs=0).results
    assert (r.indication, r.sub_indication) == ("INDETERMINATE", "REVOCATION_OUT_OF_BOUNDS_NO_POE"), r.message
    assert "không có thông tin thu hồi" in r.message and "dấu thời gian" in r.message
    assert r.action and "B-LT" in r.action

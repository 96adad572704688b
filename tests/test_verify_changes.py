"""Changes after signing are judged by what a reader sees (issue 10, part a).

Every attack is built here with the demo PKI, checked for verdict, sub-indication and the words of the
reason, and shown to a second reader (poppler's pdftotext) to prove the manipulation is visible. Genuine
files (several identities and PAdES levels, sequential signatures, timestamps, certified documents, the
NĐ 30 issuance flow) must still pass.
"""

from __future__ import annotations

import asyncio
import io
import subprocess
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.fields import MDPPerm

from signing.demo import attacks
from signing.demo import change_attacks as ca
from signing.demo.pki import AGENCY, DIRECTOR, DemoPKI
from signing.verify.annotations import annotation_only_changes
from signing.verify.changes import FileChanges
from signing.verify.model import FileResult
from signing.verify.policy import Policy
from tests.test_verify_fixtures import Samples, VerifyFn

pytest_plugins = ("tests.pki_fixtures", "tests.test_verify_fixtures")

COMMENTS_ALLOWED = Policy(use_trust_store=False, allowed_changes=["annotations"])


def pdftotext(data: bytes) -> str:
    proc = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, timeout=60)
    return proc.stdout.decode("utf-8", "replace")


def assert_visible(signed: bytes, tampered: bytes) -> None:
    """Poppler shows the manipulated file differently from what was signed."""
    assert pdftotext(tampered) != pdftotext(signed), "the manipulation is not visible to poppler"


def assert_caught(r: FileResult, words: list[str], sub: str = "FORMAT_FAILURE") -> None:
    assert (r.indication, r.sub_indication) == ("TOTAL_FAILED", sub), r.message
    assert not r.accepted and r.action
    for w in words:
        assert w in r.message, (w, r.message)


def signer(s: Samples, label: str) -> signers.SimpleSigner:
    return attacks.load_signer(s.pki.p12_path(label), s.pki.password)


# ------------------------------------------------------------------ attacks on a signed file

Build = Callable[[Samples], tuple[bytes, bytes]]


def _on_signed(attack: Callable[[bytes], bytes]) -> Build:
    return lambda s: (s.signed_bb, attack(s.signed_bb))


def _shadow(kind: str) -> Build:
    def build(s: Samples) -> tuple[bytes, bytes]:
        signed = s.sign(ca.shadowed_pdf(kind))
        reveal = ca.reveal_shadow_xobject if kind == "xobject" else ca.reveal_shadow_annotation
        return signed, reveal(signed)

    return build


def _sneaky(s: Samples) -> tuple[bytes, bytes]:
    return s.signed_bb, ca.sneaky_signature(s.signed_bb, signer(s, AGENCY))


def _hybrid_conflict(s: Samples) -> tuple[bytes, bytes]:
    number, content = ca._content_ref(s.signed_bb)
    old = ca._object_offset(s.signed_bb, number)
    forged = ca.stream_object(ca.forged_content(content))
    return s.signed_bb, ca.raw_update(
        s.signed_bb, {number: forged}, rows=[(number, "new")], style="hybrid", hybrid_rows=[(number, old)]
    )


def _certified(permission: MDPPerm, attack: str) -> Build:
    def build(s: Samples) -> tuple[bytes, bytes]:
        certified = ca.certify(s.base, signer(s, DIRECTOR), permission)
        if attack == "ssa":
            return certified, ca.sneaky_signature(certified, signer(s, AGENCY))
        if attack == "eaa":
            return certified, ca.evil_annotation(certified)
        return certified, ca.margin_note(certified)

    return build


COVERS = "trên trang 1 che nội dung đã ký"
# name: (build, policy, words of the reason)
CASES: dict[str, tuple[Build, Policy | None, list[str]]] = {
    "duplicate_xref_entry": (
        _on_signed(ca.duplicate_xref_entry),
        None,
        ["khai báo hai lần", "nội dung trang 1"],
    ),
    "endstream_trick": (_on_signed(ca.endstream_trick), None, ["khoá hai lần", "nội dung trang 1"]),
    "duplicate_key": (_on_signed(ca.duplicate_key), None, ["khoá hai lần", "trang 1"]),
    "objstm_index": (_on_signed(ca.objstm_index), None, ["luồng đối tượng", "hai lần"]),
    "hybrid_conflict": (_hybrid_conflict, None, ["khai báo hai lần", "nội dung trang 1"]),
    "isa_new_revision": (_on_signed(ca.isa_new_revision), None, ["bị ghi đè", "nội dung trang 1"]),
    "isa_unlisted_object": (_on_signed(ca.isa_unlisted_object), None, ["không được khai báo trong bảng"]),
    "page_added": (_on_signed(attacks.add_page), None, ["cây trang bị sửa"]),
    "shadow_xobject": (_shadow("xobject"), None, ["«shadow»", "trang 1"]),
    "shadow_annotation": (_shadow("annotation"), None, ["«shadow»", "trang 1"]),
    "info_steering": (_on_signed(ca.info_steering), None, ["/Info", "nội dung trang 1"]),
    "info_steering_comments_allowed": (
        _on_signed(ca.info_steering),
        COMMENTS_ALLOWED,
        ["/Info", "bị ghi đè"],
    ),
    "sneaky_signature": (_sneaky, None, [f"chữ ký «ChuKyThuHai» {COVERS}", "87%"]),
    "empty_signature_field": (
        _on_signed(ca.empty_signature_field),
        None,
        [f"ô chữ ký «ChuKyBoSung» (chưa ký) {COVERS}"],
    ),
    "evil_annotation_comments_allowed": (
        _on_signed(ca.evil_annotation),
        COMMENTS_ALLOWED,
        [f"chú thích FreeText {COVERS}"],
    ),
    "certified_p1_ssa": (_certified(MDPPerm.NO_CHANGES, "ssa"), None, [f"chữ ký «ChuKyThuHai» {COVERS}"]),
    "certified_p2_ssa": (_certified(MDPPerm.FILL_FORMS, "ssa"), None, [f"chữ ký «ChuKyThuHai» {COVERS}"]),
    "certified_p2_eaa": (
        _certified(MDPPerm.FILL_FORMS, "eaa"),
        COMMENTS_ALLOWED,
        [f"chú thích FreeText {COVERS}"],
    ),
    "certified_p3_eaa": (
        _certified(MDPPerm.ANNOTATE, "eaa"),
        COMMENTS_ALLOWED,
        [f"chú thích FreeText {COVERS}"],
    ),
    "certified_p2_comment": (
        _certified(MDPPerm.FILL_FORMS, "note"),
        COMMENTS_ALLOWED,
        ["DocMDP", "chú thích"],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_attack_is_caught_and_visible(samples: Samples, verify_one: VerifyFn, name: str) -> None:
    build, policy, words = CASES[name]
    signed, tampered = build(samples)
    assert_visible(signed, tampered)
    r = verify_one(tampered, policy)
    assert_caught(r, words)
    first = r.signatures[0]
    assert first.modification == "other" or "DocMDP" in r.message, first
    assert "không bị thay đổi" not in r.message and "chỉ thêm chữ ký" not in r.message


def test_isa_without_cross_reference(samples: Samples, verify_one: VerifyFn) -> None:
    """Objects appended with no xref, trailer or %%EOF: poppler rebuilds the file from them."""
    tampered = ca.isa_body_only(samples.signed_bb)
    assert_visible(samples.signed_bb, tampered)
    r = verify_one(tampered)
    assert (r.indication, r.sub_indication) == ("TOTAL_FAILED", "FORMAT_FAILURE"), r.message
    assert not r.accepted


@pytest.mark.parametrize("shape", ["one_byte_too_long", "second_endstream"])
def test_length_and_endstream_must_agree(samples: Samples, verify_one: VerifyFn, shape: str) -> None:
    """Streams rewritten after signing whose extent depends on whether a reader trusts /Length or looks for
    `endstream` (readers that scan, like some repair modes, see the forged operators)."""
    number, content = ca._content_ref(samples.signed_bb)
    forged = b"BT /F1 12 Tf 180 754 Td (99%) Tj ET"
    if shape == "one_byte_too_long":
        obj = b"<< /Length %d >>\nstream\n" % (len(content) + 1) + content + b"endstream"
        data = ca.raw_update(samples.signed_bb, {number: obj, 990: ca.stream_object(forged)})
    else:
        obj = (
            b"<< /Length %d >>\nstream\n" % len(content)
            + content
            + b"\nendstream\n"
            + forged
            + b"\nendstream"
        )
        data = ca.raw_update(samples.signed_bb, {number: obj})
    assert_caught(verify_one(data), ["endstream", "nội dung trang 1"])


def test_pyhanko_alone_is_fooled_by_the_parser_disagreements(samples: Samples) -> None:
    """Why the strict pass exists: pyHanko's own analysis calls these "only signatures were added"."""
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, DiffResult, ModificationLevel

    for attack in (
        ca.duplicate_xref_entry,
        ca.endstream_trick,
        ca.duplicate_key,
        ca.objstm_index,
        ca.isa_unlisted_object,
    ):
        tampered = attack(samples.signed_bb)
        emb = PdfFileReader(io.BytesIO(tampered), strict=False).embedded_signatures[0]
        emb.compute_integrity_info(diff_policy=DEFAULT_DIFF_POLICY)
        assert isinstance(emb.diff_result, DiffResult), attack.__name__
        assert emb.diff_result.modification_level <= ModificationLevel.LTA_UPDATES, attack.__name__


def test_sneaky_signature_names_both_signatures(samples: Samples, verify_one: VerifyFn) -> None:
    _, tampered = _sneaky(samples)
    r = verify_one(tampered)
    first, second = r.signatures
    assert first.indication == "TOTAL_FAILED" and "ChuKyThuHai" in (first.modification_detail or "")
    assert second.indication == "TOTAL_PASSED"  # the later signature itself is genuine; what it covers is not


def test_annotation_check_cannot_be_steered_through_info(samples: Samples) -> None:
    tampered = ca.info_steering(samples.signed_bb)
    reader = PdfFileReader(io.BytesIO(tampered), strict=False)
    emb = reader.embedded_signatures[0]
    assert annotation_only_changes(reader, emb.signed_revision) is None


# ------------------------------------------------------------------ genuine files still pass


def test_comment_in_the_margin(samples: Samples, verify_one: VerifyFn) -> None:
    noted = ca.margin_note(samples.signed_bb)
    assert_visible(samples.signed_bb, noted)
    refused = verify_one(noted)
    assert refused.indication == "TOTAL_FAILED" and refused.signatures[0].modification == "annotations"
    accepted = verify_one(noted, COMMENTS_ALLOWED)
    assert accepted.indication == "TOTAL_PASSED", accepted.message
    assert "FreeText" in (accepted.signatures[0].modification_detail or "")


def _sign_lt(pki: DemoPKI, data: bytes, label: str, field_name: str) -> bytes:
    async def run() -> bytes:
        from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

        backend = AIOHttpFetcherBackend()
        try:
            meta = signers.PdfSignatureMetadata(
                field_name=field_name,
                subfilter=fields.SigSeedSubFilter.PADES,
                embed_validation_info=True,
                validation_context=pki.validation_context(fetcher_backend=backend),
            )
            out = io.BytesIO()
            signer = attacks.load_signer(pki.p12_path(label), pki.password)
            await signers.PdfSigner(
                meta, signer=signer, timestamper=timestamps.HTTPTimeStamper(pki.tsa_url)
            ).async_sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data), strict=False), output=out)
            return out.getvalue()
        finally:
            await backend.close()

    return asyncio.run(run())


@pytest.mark.parametrize("label", [DIRECTOR, AGENCY])
@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT"])
def test_each_identity_and_level_passes(
    samples: Samples, verify_one: VerifyFn, label: str, level: str
) -> None:
    if level == "B-LT":
        data = _sign_lt(samples.pki, samples.base, label, "Signature1")
    else:
        data = samples.sign(label=label, tsa_url=samples.pki.tsa_url if level == "B-T" else None)
    r = verify_one(data)
    assert r.indication == "TOTAL_PASSED", r.message
    # pyHanko's own B-LT puts the revocation data in an update after the signature (judged as such).
    assert r.signatures[0].modification == ("signatures" if level == "B-LT" else "none")


def test_sequential_signatures_dss_and_document_timestamp_pass(
    samples: Samples, verify_one: VerifyFn
) -> None:
    """Director B-T, then the agency B-LT (revocation data added to the DSS), then a document timestamp."""
    both = _sign_lt(samples.pki, samples.signed, AGENCY, "Signature2")
    out = io.BytesIO()
    stamper = signers.PdfTimeStamper(timestamps.HTTPTimeStamper(samples.pki.tsa_url))
    asyncio.run(
        stamper.async_timestamp_pdf(
            IncrementalPdfFileWriter(io.BytesIO(both), strict=False),
            "sha256",
            output=out,
            validation_context=samples.pki.validation_context(),
        )
    )
    for data in (both, out.getvalue()):
        r = verify_one(data)
        assert r.indication == "TOTAL_PASSED", r.message
        assert r.signatures[0].modification == "signatures"
        assert "không bị thay đổi" in r.message


def test_certified_document_signed_again_passes(samples: Samples, verify_one: VerifyFn) -> None:
    certified = ca.certify(samples.base, signer(samples, DIRECTOR), MDPPerm.FILL_FORMS)
    r = verify_one(samples.sign(certified, AGENCY, field_name="Signature2"))
    assert r.indication == "TOTAL_PASSED", r.message


@pytest.mark.parametrize("style", ["table", "stream", "hybrid"])
def test_document_information_updates_pass_in_every_xref_style(
    samples: Samples, verify_one: VerifyFn, style: str
) -> None:
    """A viewer saving new document information (table, xref stream or hybrid file) changes nothing shown."""
    info = {900: b"<< /Producer (Trinh doc PDF) /ModDate (D:20261201000000+07'00') >>"}
    rows: list[tuple[int, object]] | None = [] if style == "hybrid" else None
    hybrid_rows: list[tuple[int, object]] | None = [(900, "new")] if style == "hybrid" else None
    data = ca.raw_update(
        samples.signed_bb,
        info,
        rows=rows,
        style=style,
        hybrid_rows=hybrid_rows,
        trailer={b"/Info": b"900 0 R"},
    )
    r = verify_one(data)
    assert r.indication == "TOTAL_PASSED", r.message
    assert r.signatures[0].modification == "signatures"


# ------------------------------------------------------------------ the NĐ 30 issuance flow


@pytest.fixture(scope="module")
def issued_plan(pki_server: DemoPKI, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The demo's flow: a LibreOffice draft signed by the director (with image), then numbered, dated and
    sealed by the agency. Returns (draft, director-signed draft, issued document)."""
    from signing.sign.issue import sign_and_issue
    from signing.sign.signer import Pkcs12Key
    from tests.test_sign_support import _convert, _draft_docx

    folder = tmp_path_factory.mktemp("nd30")
    _draft_docx(folder / "ke-hoach-du-thao.docx", year=str(time.localtime().tm_year))
    draft = _convert(folder / "ke-hoach-du-thao.docx")
    pki = pki_server
    doc = sign_and_issue(
        draft,
        folder,
        director=Pkcs12Key(pki.director_p12, pki.password),
        agency=Pkcs12Key(pki.agency_p12, pki.password),
        register_path=folder / "so.sqlite",
        doc_type="KH",
        agency_code="STTTT",
    )
    return draft, doc.signed_draft, doc.issued


@pytest.mark.soffice
def test_issued_plan_passes_and_its_number_cannot_be_swapped(
    issued_plan: tuple[Path, Path, Path], verify_one: VerifyFn
) -> None:
    _, _, issued = issued_plan
    data = issued.read_bytes()
    r = verify_one(data)
    assert r.indication == "TOTAL_PASSED", r.message
    director, agency = r.signatures
    assert director.modification == "form_filling" and "xác nhận" in director.message
    assert agency.modification == "none"

    swapped = ca.swap_issued_number(data)
    assert "Số: 01" in pdftotext(data) and "Số: 10" in pdftotext(swapped)
    bad = verify_one(swapped)
    assert_caught(bad, ["khai báo hai lần"])
    assert {s.modification for s in bad.signatures} == {"other"}


@pytest.mark.soffice
def test_seal_exemption_is_bounded(
    issued_plan: tuple[Path, Path, Path], samples: Samples, verify_one: VerifyFn
) -> None:
    """Only a real-size seal over the left third of the director's signature image may cover signed text: a
    "seal" as large as the body text, or one moved onto the body, is reported."""
    _, signed_draft, _ = issued_plan
    data = signed_draft.read_bytes()
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    widget = next(
        ref.get_object() for _, _, ref in fields.enumerate_sig_fields(reader) if ref.get_object().get("/Rect")
    )
    x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
    side = 38 * 72 / 25.4
    right, cy = x0 + (x1 - x0) / 3, (y0 + y1) / 2
    seal = (right - side, cy - side / 2, right, cy + side / 2)
    genuine = ca.sneaky_signature(
        data, signer(samples, AGENCY), box=seal, field_name="ChuKyCoQuan", text="DAU"
    )
    assert verify_one(genuine).indication == "TOTAL_PASSED"
    for box in (
        (right - 3 * side, cy - 1.5 * side, right, cy + 1.5 * side),  # far too large
        (right - side, cy + 2 * side, right, cy + 3 * side),  # real size, but on the body text
    ):
        forged = ca.sneaky_signature(
            data, signer(samples, AGENCY), box=box, field_name="ChuKyCoQuan", text="DAU"
        )
        assert_caught(
            verify_one(forged), [f"chữ ký «ChuKyCoQuan» trên trang {1 + reader.root['/Pages']['/Count'] - 1}"]
        )


# ------------------------------------------------------------------ bounded work


def test_strict_pass_is_linear_in_updates(samples: Samples, verify_one: VerifyFn) -> None:
    timings = {}
    for count in (500, 2000):
        data = ca.many_updates(samples.signed_bb, count)
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        emb = reader.embedded_signatures[0]
        start = time.perf_counter()
        assert FileChanges(reader, io.BytesIO(data), len(data)).findings_for(emb) == []
        timings[count] = time.perf_counter() - start
    print(f"strict change analysis: 500 updates {timings[500]:.2f} s, 2000 updates {timings[2000]:.2f} s")
    assert timings[2000] < 10
    assert timings[2000] < 8 * timings[500] + 0.5  # four times the updates, not sixteen times the work


@pytest.mark.soffice
def test_seal_when_the_director_signed_without_image(
    issued_plan: tuple[Path, Path, Path], samples: Samples, verify_one: VerifyFn
) -> None:
    """Without a signature image the seal sits on the blank lines of the signature block (it touches the
    title and the name): that passes; a seal-sized signature over the body text does not."""
    from signing.sign.appearance import specimen_seal_png
    from signing.sign.issue import IssueRequest, issue_pdf_bytes
    from signing.sign.signer import Pkcs12Key, Role, SigningTools, SignRequest, open_signer, sign_pdf_bytes

    draft, _, _ = issued_plan
    pki = samples.pki
    with open_signer(Pkcs12Key(pki.director_p12, pki.password)) as key:
        request = SignRequest(role=Role.SIGNER, image=None)
        signed = sign_pdf_bytes(draft.read_bytes(), SigningTools.for_request(key, request), request).pdf
    issue = IssueRequest(doc_type="KH", agency="STTTT", issue_date=date.today(), seal=specimen_seal_png())
    with open_signer(Pkcs12Key(pki.agency_p12, pki.password)) as key:
        tools = SigningTools.for_request(key, issue.sign_request(Role.AGENCY, "", issue.seal))
        issued = issue_pdf_bytes(signed, tools, 7, issue).pdf
    r = verify_one(issued)
    assert r.indication == "TOTAL_PASSED", r.message
    side = 38 * 72 / 25.4
    on_body = (200.0, 560.0, 200.0 + side, 560.0 + side)
    forged = ca.sneaky_signature(
        signed, signer(samples, AGENCY), box=on_body, field_name="ChuKyCoQuan", text="DAU"
    )
    assert_caught(verify_one(forged), ["chữ ký «ChuKyCoQuan» trên trang 1 che nội dung đã ký"])

"""Use case of the văn thư receiving a signed draft: is it the approved draft, validly signed by its signer?"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from letters.core.errors import VanbanError
from letters.core.vn import person_name_key

__all__ = ["SignedDraftCheck", "SignedDraftRequest", "check_signed_draft"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignedDraftRequest:
    draft: Path  # the PDF the leader approved for signing
    signed: Path  # the file said to be that draft, signed
    signer_name: str  # the document's signer, as the campaign names them
    report_dir: Path  # where the verification reports (JSON, CSV, HTML) are written
    trust: tuple[Path, ...] = ()  # trusted root certificates, besides the trust store
    trust_store: Path | None = None
    policy: Path | None = None  # None: the strict default policy


@dataclass(frozen=True)
class SignedDraftCheck:
    accepted: bool
    problems: list[str]  # Vietnamese, one sentence per failed condition; empty when accepted
    verdict: str  # the verifier's verdict on the file, as `vanban verify` words it
    signer: str | None  # the name in the signer's certificate
    signing_time: str | None
    reports: list[Path] = field(default_factory=list)


def check_signed_draft(request: SignedDraftRequest) -> SignedDraftCheck:
    """Three conditions, each reported on its own: the file is the approved draft plus signatures and nothing
    else; every signature is valid (the same checks and words as `vanban verify`); the first signature added
    to the draft is the document's signer's (names compared as Vietnamese names, whatever their case, Unicode
    form or tone-mark placement)."""
    from letters.usecases.evidence import VerifyRequest, verdict_text, verify_evidence
    from signing.verify.draft_match import compare_with_draft

    draft = _read(request.draft, "bản dự thảo đã duyệt")
    signed = _read(request.signed, "tệp đã ký")
    match = compare_with_draft(draft, signed)
    problems = list(match.problems)
    outcome = verify_evidence(
        VerifyRequest(
            paths=(request.signed,),
            out_dir=request.report_dir,
            policy=request.policy,
            trust=request.trust,
            trust_store=request.trust_store,
            jobs=1,
            force=True,
        )
    )
    if not outcome.run.results:
        raise VanbanError("Không kiểm tra được tệp đã ký.")
    result = outcome.run.results[0]
    verdict = verdict_text(result)
    if not result.accepted and match.signatures_after_draft:
        problems.append(f"Chữ ký số không hợp lệ: {verdict}. {result.message}".strip())
    signatures = [s for s in result.signatures if s.kind == "signature"]
    signer = signatures[0].signer if signatures else None
    when = signatures[0].claimed_time if signatures else None
    if signer is not None and person_name_key(signer) != person_name_key(request.signer_name):
        problems.append(
            f"Người ký trên chứng thư số là «{signer}», không phải người ký văn bản «{request.signer_name}» "
            "(theo hồ sơ chiến dịch)."
        )
    log.info("signed draft %s: %s", request.signed, "accepted" if not problems else problems)
    return SignedDraftCheck(not problems, problems, verdict, signer, when, outcome.reports)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        from letters.core.errors import os_error

        raise os_error(exc, f"Không đọc được {what}", path) from exc

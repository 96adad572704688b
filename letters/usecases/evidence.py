"""Use cases on the signed evidence units send: verify it, ask for resubmission, manage trusted roots."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from letters.core import vn
from letters.core.errors import Diagnostic, DiagnosticsError, Severity, VanbanError
from letters.core.files import atomic_write_text, check_writable, staged_outputs
from letters.core.progress import Progress
from signing.verify.model import INDICATION_VI, SUB_INDICATION_VI, FileResult, SignatureReport, VerifyRun
from signing.verify.trust import ImportedCert

__all__ = [
    "INDICATION_VI",
    "FileResult",
    "ImportedCert",
    "SignatureReport",
    "TrustedCertificate",
    "VerdictKind",
    "VerifyOutcome",
    "VerifyRequest",
    "VerifyRun",
    "check_policy_text",
    "import_trusted_certificate",
    "list_trusted_certificates",
    "read_certificate_file",
    "remove_trusted_certificate",
    "load_verifier",
    "policy_template_text",
    "read_report",
    "signature_rows",
    "verdict_kind",
    "verdict_kinds",
    "verdict_text",
    "verify_evidence",
    "write_policy_template",
    "write_resubmission_letter",
]

log = logging.getLogger(__name__)


def verdict_text(result: FileResult, *, codes: bool = False) -> str:
    """A file's verdict in words ("Không hợp lệ: nội dung đã ký bị thay đổi"); the ETSI codes only when asked."""
    text = result.indication_vi  # "Hợp lệ, có lưu ý" when an accepted file carries caveats
    if result.sub_indication:
        text += f": {SUB_INDICATION_VI.get(result.sub_indication, 'không kiểm tra được tệp')}"
    elif result.caveats:
        text += ": " + " ".join(result.caveats)
    if codes:
        text += (
            f" [{result.indication}" + (f"/{result.sub_indication}" if result.sub_indication else "") + "]"
        )
    return text


@dataclass(frozen=True)
class VerifyRequest:
    paths: tuple[Path, ...]  # files, folders (first level = unit) and ZIP archives
    out_dir: Path
    policy: Path | None = None  # None: the strict default policy
    trust: tuple[Path, ...] = ()
    jobs: int | None = None
    trust_store: Path | None = None
    campaign_file: Path | None = None  # when given, also write the resubmission letter
    deadline: date | None = None  # the resubmission deadline the letter states
    force: bool = False
    on_result: Callable[[FileResult], None] | None = None
    progress: Progress | None = None  # (files checked, files found), after each file


@dataclass(frozen=True)
class VerifyOutcome:
    run: VerifyRun
    reports: list[Path]
    letter: Path | None = None

    @property
    def exit_code(self) -> int:
        return self.run.exit_code


def load_verifier() -> None:
    """Import the verifier now (it loads on the first `verify_evidence` otherwise): for a caller that tunes
    how its process loads it, such as the CLI, which imports it with the cyclic garbage collector off."""
    import signing.verify.api  # noqa: F401


def verify_evidence(request: VerifyRequest) -> VerifyOutcome:
    """Verify every file, write report.json/csv/html and, with a campaign, the resubmission letter.

    The campaign is checked before the first file is opened, and the reports appear only when all of them
    were written.
    """
    from signing.verify.api import REPORT_FILES
    from signing.verify.api import verify_evidence as run_verification

    campaign = None
    names = list(REPORT_FILES)
    if request.campaign_file is not None:
        # The letter's code (docxtpl, the campaign model) loads only when a letter may be written.
        from letters.documents.resubmission import LETTER_NAME
        from letters.usecases.documents import load_checked_campaign

        campaign = load_checked_campaign(request.campaign_file, build_letters=False).campaign
        names.append(LETTER_NAME)
    for name in names:
        check_writable(request.out_dir / name, request.force)
    letter = None
    counter = _Counting(request.on_result, request.progress) if request.progress is not None else None
    with staged_outputs(request.out_dir, force=request.force) as stage:
        run = run_verification(
            list(request.paths),
            policy=request.policy,
            trust=list(request.trust),
            out_dir=stage,
            jobs=request.jobs,
            force=True,
            trust_store=request.trust_store,
            on_result=counter or request.on_result,
            on_start=counter.start if counter is not None else None,
        )
        if campaign is not None:
            letter = _letter(campaign, run.results, stage, request.deadline)
        reports = [request.out_dir / p.relative_to(stage) for p in run.written]
    log.info("verified %d files", len(run.results))
    return VerifyOutcome(run, reports, request.out_dir / letter.name if letter else None)


class _Counting:
    """Forwards each result and reports (done, total) once the verifier says how many files it found."""

    def __init__(self, inner: Callable[[FileResult], None] | None, progress: Progress) -> None:
        self.inner = inner
        self.progress = progress
        self.total = 0
        self.done = 0

    def start(self, total: int) -> None:
        self.total = total
        self.progress(0, total)

    def __call__(self, result: FileResult) -> None:
        if self.inner is not None:
            self.inner(result)
        self.done += 1
        if self.total:
            self.progress(self.done, self.total)


def _letter(campaign: object, results: list[FileResult], out_dir: Path, deadline: date | None) -> Path | None:
    from letters.campaign.model import Campaign
    from letters.documents.resubmission import write_resubmission_letter as write_letter
    from signing.verify.letter_data import resubmission_body, resubmission_units

    assert isinstance(campaign, Campaign)
    units = resubmission_units(results)
    if not units:
        return None
    # --deadline is the last day, as every deadline is: "chậm nhất ngày …", the one form all documents use.
    body = resubmission_body(results, deadline_text=vn.deadline_text(deadline) if deadline else None)
    return write_letter(campaign, units, body, out_dir, force=True)


def write_resubmission_letter(
    campaign_file: Path,
    results: list[FileResult],
    out_dir: Path,
    *,
    deadline: date | None,
    force: bool = False,
) -> Path | None:
    """The letter asking the units whose files failed to send them again; None when every file passed."""
    from letters.documents.resubmission import LETTER_NAME
    from letters.usecases.documents import load_checked_campaign

    campaign = load_checked_campaign(campaign_file, build_letters=False).campaign
    check_writable(out_dir / LETTER_NAME, force)
    return _letter(campaign, results, out_dir, deadline) if campaign is not None else None


def write_policy_template(out_file: Path, *, force: bool = False) -> Path:
    """A commented sample verification policy (YAML) to edit."""
    from signing.verify.policy import POLICY_TEMPLATE

    return atomic_write_text(out_file, POLICY_TEMPLATE, force=force)


@dataclass(frozen=True)
class TrustedCertificate:
    subject: str
    sha256: str
    pinned: bool
    issuer: str = ""
    not_before: datetime | None = None
    not_after: datetime | None = None
    path: Path | None = None  # the store's file that holds it


def _trusted(cert: Any, path: Path | None) -> TrustedCertificate:
    from signing.verify.trust import PINNED_VN_CERTS, common_name, fingerprint

    fp = fingerprint(cert)
    return TrustedCertificate(
        common_name(cert.subject),
        fp,
        fp in PINNED_VN_CERTS,
        issuer=common_name(cert.issuer),
        not_before=cert.not_valid_before,
        not_after=cert.not_valid_after,
        path=path,
    )


def list_trusted_certificates(store: Path | None) -> tuple[Path, list[TrustedCertificate]]:
    """The trust store's folder and the certificates in it, each with the file that holds it."""
    from signing.verify.trust import default_store_dir, read_certificates

    folder = Path(store) if store else default_store_dir()
    listed: list[TrustedCertificate] = []
    if folder.is_dir():
        for path in sorted(folder.glob("*.crt")):
            listed.extend(_trusted(c, path) for c in read_certificates(path))
    return folder, listed


def read_certificate_file(cert_file: Path) -> list[TrustedCertificate]:
    """The certificates a file (DER, PEM or PKCS#7) holds, described as the trust store lists them; a
    VanbanError in Vietnamese when it holds none."""
    from signing.verify.trust import read_certificates

    return [_trusted(c, None) for c in read_certificates(cert_file)]


def remove_trusted_certificate(store: Path, sha256: str) -> TrustedCertificate:
    """Take the certificate with this SHA-256 fingerprint out of the trust store (its file is deleted; files
    the store keeps are one certificate each, as `import_trusted_certificate` writes them)."""
    wanted = sha256.replace(":", "").replace(" ", "").upper()
    _, listed = list_trusted_certificates(store)
    found = next((c for c in listed if c.sha256 == wanted), None)
    if found is None or found.path is None:
        raise VanbanError(f"Không có chứng thư số có dấu vân tay SHA-256 {wanted} trong kho tin cậy.")
    if sum(1 for c in listed if c.path == found.path) > 1:
        raise VanbanError(
            f"Tệp {found.path.name} của kho tin cậy chứa nhiều chứng thư số; không xoá riêng một chứng thư được.",
            hint="Xoá tệp đó khỏi thư mục kho tin cậy rồi nhập lại từng chứng thư cần giữ.",
        )
    try:
        found.path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise VanbanError(
            f"Không xoá được chứng thư «{found.subject}» khỏi kho tin cậy: {exc.strerror}."
        ) from exc
    return found


def import_trusted_certificate(
    cert_file: Path, *, store: Path | None, expected_sha256: str | None
) -> list[ImportedCert]:
    """Import a root or CA certificate whose SHA-256 fingerprint is pinned or given (`expected_sha256`)."""
    from signing.verify.trust import import_certificate

    return import_certificate(cert_file, store=store, expected_sha256=expected_sha256)


@dataclass(frozen=True)
class VerdictKind:
    """A verdict as reports show it: the ETSI code (or the flagged pass), its words and its colours."""

    code: str
    label: str
    background: str
    colour: str


def verdict_kinds() -> list[VerdictKind]:
    """Every verdict kind in the order report.html lists them, with report.html's colours."""
    from signing.verify.model import PASSED_WITH_CAVEATS_VI
    from signing.verify.report import FLAGGED, VERDICT_COLOURS

    return [
        VerdictKind(code, PASSED_WITH_CAVEATS_VI if code == FLAGGED else INDICATION_VI[code], bg, fg)
        for code, (bg, fg) in VERDICT_COLOURS.items()
    ]


def verdict_kind(result: FileResult) -> str:
    """The code of `result`'s kind in `verdict_kinds()`: a pass with caveats is its own (amber) kind."""
    from signing.verify import report

    return report.verdict_kind(result)


def signature_rows(sig: SignatureReport) -> list[tuple[str, str]]:
    """A signature's details as report.html shows them: (label, value) in Vietnamese, empty ones left out."""
    from signing.verify import report

    return report.signature_rows(sig)


def read_report(report_json: Path) -> list[FileResult]:
    """The results a run wrote to its report.json, as the run returned them."""
    import json

    try:
        data = json.loads(report_json.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VanbanError(f"Không đọc được báo cáo kiểm tra {report_json}.") from exc
    return [FileResult.from_dict(item) for item in data]


def policy_template_text() -> str:
    """The commented sample verification policy, as `write_policy_template` writes it."""
    from signing.verify.policy import POLICY_TEMPLATE

    return POLICY_TEMPLATE


def check_policy_text(text: str, policy_file: Path, *, allowed_dir: Path | None = None) -> list[Diagnostic]:
    """Every error in a verification policy given as text, located by line and field.

    Relative paths in it resolve against `policy_file`'s folder, as they will when the text is saved there;
    with `allowed_dir`, every file it names must lie inside that folder (a web user names only files uploaded
    with the policy, never other files of the server).
    """
    from letters.core.yamlsrc import field_path, parse_yaml
    from signing.verify.policy import policy_from_source

    try:
        doc = parse_yaml(text, policy_file)
    except DiagnosticsError as exc:
        return list(exc.diagnostics)
    diagnostics: list[Diagnostic] = []
    data = doc.data if isinstance(doc.data, dict) else {}
    if allowed_dir is not None:
        root = allowed_dir.resolve()
        section = data.get("revocation")
        revocation: dict[str, Any] = section if isinstance(section, dict) else {}
        named: list[tuple[tuple[str, ...], Any]] = [(("trust_anchors",), data.get("trust_anchors"))]
        named += [(("revocation", key), revocation.get(key)) for key in ("crl_files", "ocsp_files")]
        for loc, values in named:
            for i, value in enumerate(values if isinstance(values, list) else []):
                target = (policy_file.parent / str(value)).resolve()
                if root != target and root not in target.parents:
                    diagnostics.append(
                        Diagnostic(
                            Severity.ERROR,
                            f"tệp «{value}» không nằm trong các tệp tải lên cùng chính sách; chỉ ghi tên tệp đã "
                            "tải lên",
                            file=str(policy_file),
                            line=doc.line_of((*loc, i)),
                            field=field_path((*loc, i)),
                        )
                    )
        if diagnostics:
            return diagnostics
    try:
        policy_from_source(doc)
    except DiagnosticsError as exc:
        diagnostics.extend(exc.diagnostics)
    return diagnostics


# --------------------------------------------------------------------------- one file, at upload


@dataclass(frozen=True)
class FileVerdict:
    """One uploaded file's verdict as a unit's form shows it at once: what kind, why, and what to do."""

    outcome: str  # "valid" | "invalid" | "unsigned" | "indeterminate" | "unreadable"
    accepted: bool  # whether the campaign's policy accepts the file as evidence
    verdict: str  # the words `vanban verify` prints ("Không hợp lệ: nội dung đã ký bị sửa sau khi ký …")
    explanation: str  # the verifier's message: which signature, which signer, which certificate, which date
    advice: str  # what the unit should do about it; empty when nothing
    report: dict[str, Any]  # the file's full result, as report.json keeps it


def _outcome(result: FileResult) -> str:
    if result.indication == "NO_SIGNATURE":
        return "unsigned"
    if result.accepted:
        return "valid"
    if result.indication == "TOTAL_FAILED":
        return "invalid"
    # pyHanko's catch-all: the check itself could not run (resource limits, a crash), not a judgement.
    if result.sub_indication == "GENERIC":
        return "unreadable"
    return "indeterminate"


def verify_one_file(
    path: Path,
    *,
    name: str | None = None,
    policy_text: str = "",
    policy_file: Path | None = None,
    trust_store: Path | None = None,
    in_process: bool = False,
) -> FileVerdict:
    """Verify one file against a policy given as text (empty: the strict default), as `vanban verify` would.

    Relative paths in the policy resolve against `policy_file`'s folder (default: the file's own folder), as
    they would if the text were saved there; nothing is written. `name` is how the file is called in the
    result (the stored file's own name means nothing to the person who uploaded it). DiagnosticsError when the
    policy text has errors. The file is checked in a worker process with the policy's time and memory limits,
    unless `in_process`.
    """
    from letters.core.yamlsrc import parse_yaml
    from signing.verify.api import verify_evidence as run_verification
    from signing.verify.policy import Policy, load_policy, policy_from_source

    policy: Policy
    if policy_text.strip():
        policy = policy_from_source(parse_yaml(policy_text, policy_file or path.parent / "chinh-sach.yaml"))
    else:
        policy = load_policy(None)
    run = run_verification([path], policy=policy, jobs=0 if in_process else 1, trust_store=trust_store)
    if not run.results:
        message = " ".join(run.warnings) or "Không đọc được tệp."
        return FileVerdict("unreadable", False, "Không kiểm tra được tệp", message, "", {})
    result = run.results[0]
    report = result.to_dict()
    if name is not None:
        report["file"] = name
    explanation = result.message
    extra = [c for c in result.caveats if c not in explanation]
    if extra:
        explanation += " " + " ".join(extra)
    return FileVerdict(
        _outcome(result),
        result.accepted,
        verdict_text(result),
        explanation,
        result.action or "",
        report,
    )


__all__ += ["FileVerdict", "verify_one_file"]

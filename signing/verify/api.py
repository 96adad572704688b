"""Bulk verification of signed evidence: the library entry point behind `vanban verify`.

run = verify_evidence([Path("minh_chung")], policy=Path("chinh_sach.yaml"), out_dir=Path("ket_qua"))
run.all_accepted  # False when any file must be resubmitted
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import pem

from letters.core.errors import VanbanError, os_error
from letters.core.files import check_writable
from signing.verify.checks import VerifierSetup, _file_result
from signing.verify.inputs import collect_evidence
from signing.verify.model import FileResult, Indication, SubIndication, VerifyRun
from signing.verify.policy import Policy, load_policy
from signing.verify.pool import Task, run_pool
from signing.verify.report import write_reports
from signing.verify.trust import read_certificates, store_certificates

REPORT_FILES = ("report.json", "report.csv", "report.html", "resubmission.json")

# VerifyRun lives in model so that report.py need not import this module; callers keep importing it from here.
__all__ = ["REPORT_FILES", "VerifyRun", "build_setup", "verify_evidence"]


def _read_revinfo(path: Path, pem_kinds: tuple[str, ...]) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise os_error(exc, "Không đọc được tệp", path) from None
    if pem.detect(data):
        kind, _, data = pem.unarmor(data)
        if kind not in pem_kinds:
            raise VanbanError(f"Tệp {path} không phải {' hoặc '.join(pem_kinds)} (thấy «{kind}»).")
    # Parse now, so a bad file is one clear message here rather than a failure in every worker.
    try:
        if "X509 CRL" in pem_kinds:
            _ = asn1_crl.CertificateList.load(data)["tbs_cert_list"]["issuer"].native
        else:
            _ = asn1_ocsp.OCSPResponse.load(data)["response_status"].native
    except (ValueError, TypeError, KeyError) as exc:
        kind = "CRL" if "X509 CRL" in pem_kinds else "OCSP"
        raise VanbanError(
            f"Tệp {path} không phải dữ liệu {kind} đọc được.",
            hint="Dùng tệp .crl (DER hoặc PEM) tải từ trang của tổ chức chứng thực.",
        ) from exc
    return data


def build_setup(policy: Policy, trust: Sequence[Path] = (), trust_store: Path | None = None) -> VerifierSetup:
    anchors = []
    for path in [*policy.trust_anchors, *trust]:
        anchors.extend(read_certificates(Path(path)))
    if policy.use_trust_store:
        anchors.extend(store_certificates(trust_store))
    unique = {c.dump(): None for c in anchors}
    return VerifierSetup(
        policy=policy,
        trust_roots=list(unique),
        offline_crls=[_read_revinfo(p, ("X509 CRL",)) for p in policy.revocation.crl_files],
        offline_ocsps=[_read_revinfo(p, ("OCSP RESPONSE",)) for p in policy.revocation.ocsp_files],
    )


def verify_evidence(
    paths: Sequence[Path],
    *,
    policy: Policy | Path | None = None,
    trust: Sequence[Path] = (),
    out_dir: Path | None = None,
    jobs: int | None = None,
    force: bool = False,
    trust_store: Path | None = None,
    on_result: Callable[[FileResult], None] | None = None,
) -> VerifyRun:
    """Verify every file under `paths` against `policy` and, with `out_dir`, write the reports there.

    `jobs`: worker processes (default: all cores; 0 = in this process, without time/memory limits).
    """
    started = time.monotonic()
    if not paths:
        raise VanbanError("Chưa chỉ ra tệp, thư mục hoặc tệp ZIP minh chứng nào để kiểm tra.")
    pol = policy if isinstance(policy, Policy) else load_policy(policy)
    if out_dir is not None:
        for name in REPORT_FILES:
            check_writable(Path(out_dir) / name, force)
    setup = build_setup(pol, trust, trust_store)
    warnings: list[str] = []
    if not setup.trust_roots:
        warnings.append(
            "Chưa có chứng thư gốc nào được tin cậy (--trust, trust_anchors trong chính sách, hoặc "
            "`vanban trust import`): mọi chữ ký sẽ được báo là không xác định được nguồn gốc."
        )
    if jobs is None:
        jobs = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="vanban-verify-") as tmp:
        items = collect_evidence([Path(p) for p in paths], Path(tmp), pol.limits)
        ordered: list[FileResult | None] = [None] * len(items)
        tasks: list[Task] = []
        for index, item in enumerate(items):
            if item.rejection is not None:
                rej = item.rejection
                res = _file_result(
                    item.display,
                    item.unit,
                    Indication(rej.indication),
                    SubIndication(rej.sub_indication),
                    rej.message,
                    pol,
                )
                res.action = rej.action
                ordered[index] = res
                if on_result:
                    on_result(res)
            elif item.path is not None:
                tasks.append((index, item.path, item.display, item.unit))

        def _cb(index: int, res: FileResult) -> None:
            if on_result:
                on_result(res)

        found = run_pool(
            tasks,
            setup,
            jobs=jobs,
            timeout=pol.limits.timeout_seconds,
            memory_mb=pol.limits.memory_mb,
            on_result=_cb,
        )
        for index, res in found.items():
            ordered[index] = res
    results = [r for r in ordered if r is not None]
    if not results:
        warnings.append("Không tìm thấy tệp minh chứng nào trong các đường dẫn đã cho.")
    run = VerifyRun(results=results, policy=pol, seconds=time.monotonic() - started, warnings=warnings)
    if out_dir is not None:
        run.written = write_reports(run, Path(out_dir), force=force)
    return run

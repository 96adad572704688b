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
from signing.verify.checks import VerifierSetup, _file_result, failure_result
from signing.verify.inputs import EvidenceItem, check_paths, count_evidence, iter_evidence, printable
from signing.verify.model import FileResult, Indication, SubIndication, VerifyRun
from signing.verify.policy import Policy, load_policy
from signing.verify.pool import CheckPool, Task
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


def _check_batch(
    batch: list[EvidenceItem],
    pool: CheckPool,
    pol: Policy,
    on_result: Callable[[FileResult], None] | None,
    cb: Callable[[int, FileResult], None],
) -> list[FileResult]:
    """The batch's results in its order; a crash while checking it gives its files a verdict, not a stop."""
    ordered: list[FileResult | None] = [None] * len(batch)
    tasks: list[Task] = []
    for index, item in enumerate(batch):
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
    try:
        found = pool.run(tasks, cb)
    except Exception as exc:  # noqa: BLE001 - the run must still report every file
        found = {
            index: failure_result(
                display, unit, f"Lỗi nội bộ khi kiểm tra tệp ({type(exc).__name__}); chưa kiểm tra được.", pol
            )
            for index, _path, display, unit in tasks
        }
    for index, res in found.items():
        ordered[index] = res
    return [
        res or failure_result(item.display, item.unit, "Tệp chưa được kiểm tra (lỗi nội bộ).", pol)
        for item, res in zip(batch, ordered, strict=True)
    ]


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
    on_start: Callable[[int], None] | None = None,
) -> VerifyRun:
    """Verify every file under `paths` against `policy` and, with `out_dir`, write the reports there.

    `jobs`: worker processes (default: all cores; 0 = in this process, without time/memory limits).
    `on_start` is told how many files were found (for a progress bar), `on_result` gets each verdict.
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
    results: list[FileResult] = []

    def _cb(index: int, res: FileResult) -> None:
        if on_result:
            on_result(res)

    sources = [Path(p) for p in paths]
    check_paths(sources)
    if on_start is not None:
        # Archives are opened one at a time, so the total is counted from their directories (an archive
        # inside an archive counts as one file until it is opened).
        on_start(count_evidence(sources, pol.limits))
    with (
        tempfile.TemporaryDirectory(prefix="vanban-verify-") as tmp,
        CheckPool(
            setup, jobs=jobs, timeout=pol.limits.timeout_seconds, memory_mb=pol.limits.memory_mb
        ) as pool,
    ):
        batches = iter_evidence(sources, Path(tmp), pol.limits)
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                break
            except (VanbanError, OSError) as exc:
                # A folder that vanished or became unreadable mid-run: say so, keep what was checked.
                text = printable(
                    exc.message if isinstance(exc, VanbanError) else os_error(exc, "Không đọc được").message
                )
                warnings.append(f"Dừng đọc tệp minh chứng giữa chừng: {text}")
                break
            results.extend(_check_batch(batch, pool, pol, on_result, _cb))
    if not results:
        warnings.append("Không tìm thấy tệp minh chứng nào trong các đường dẫn đã cho.")
    recheck = sum(r.recheck for r in results)
    if recheck:
        warnings.append(
            f"{recheck} tệp chưa kết luận được vì không lấy được thông tin thu hồi chứng thư số: kết nối mạng "
            "Internet, hoặc tải tệp CRL của tổ chức chứng thực và khai báo trong mục revocation.crl_files của tệp "
            "chính sách, rồi kiểm tra lại các tệp này (đơn vị không phải nộp lại)."
        )
    run = VerifyRun(results=results, policy=pol, seconds=time.monotonic() - started, warnings=warnings)
    if out_dir is not None:
        run.written = write_reports(run, Path(out_dir), force=force)
    return run

"""Verdict vocabulary (ETSI EN 319 102-1) and the result records of a verification run.

Results are plain dataclasses so they cross process boundaries as dicts and serialise to JSON unchanged.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from signing.verify.policy import Policy


class Indication(StrEnum):
    TOTAL_PASSED = "TOTAL_PASSED"
    TOTAL_FAILED = "TOTAL_FAILED"
    INDETERMINATE = "INDETERMINATE"
    # Not an ETSI main indication: the file carries no signature at all (DSS says NO_SIGNATURE_FOUND).
    NO_SIGNATURE = "NO_SIGNATURE"


class SubIndication(StrEnum):
    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    CERTIFICATE_CHAIN_GENERAL_FAILURE = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    REVOKED_NO_POE = "REVOKED_NO_POE"
    REVOKED_CA_NO_POE = "REVOKED_CA_NO_POE"
    OUT_OF_BOUNDS_NO_POE = "OUT_OF_BOUNDS_NO_POE"
    CRYPTO_CONSTRAINTS_FAILURE_NO_POE = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
    NO_POE = "NO_POE"
    TRY_LATER = "TRY_LATER"
    # pyHanko's (not ETSI's) name for: the signature's time is proven, the revocation status at that time is not.
    REVOCATION_OUT_OF_BOUNDS_NO_POE = "REVOCATION_OUT_OF_BOUNDS_NO_POE"
    # pyHanko's non-ETSI catch-all; used for resource limits and crashed checks.
    GENERIC = "GENERIC"


INDICATION_VI: dict[str, str] = {
    "TOTAL_PASSED": "Hợp lệ",
    "TOTAL_FAILED": "Không hợp lệ",
    "INDETERMINATE": "Chưa xác định được",
    "NO_SIGNATURE": "Không có chữ ký số",
}
PASSED_WITH_CAVEATS_VI = "Hợp lệ, có lưu ý"

# The short reason of each sub-indication, in words a văn thư understands; the file's message names the
# specific problem (which certificate, which algorithm, which date) and its action says what to do.
SUB_INDICATION_VI: dict[str, str] = {
    "FORMAT_FAILURE": "tệp hoặc chữ ký không đúng định dạng, hoặc tệp bị sửa sau khi ký",
    "HASH_FAILURE": "nội dung đã ký bị sửa sau khi ký (giá trị băm không khớp)",
    "SIG_CRYPTO_FAILURE": "chữ ký không khớp với chứng thư số kèm theo (chữ ký giả hoặc chứng thư bị tráo)",
    "REVOKED": "chứng thư số đã bị tổ chức chứng thực thu hồi",
    "EXPIRED": "chứng thư số đã hết hạn và không có dấu thời gian chứng minh chữ ký được tạo trước đó",
    "NOT_YET_VALID": "chứng thư số chưa có hiệu lực",
    "NO_CERTIFICATE_CHAIN_FOUND": "chứng thư số không do tổ chức chứng thực được tin cậy cấp",
    "NO_SIGNING_CERTIFICATE_FOUND": "chữ ký không kèm chứng thư số của người ký",
    "CHAIN_CONSTRAINTS_FAILURE": "chứng thư số không dùng được để ký văn bản, hoặc do tổ chức chứng thực không "
    "được chấp nhận cấp",
    "SIG_CONSTRAINTS_FAILURE": "chữ ký không đáp ứng yêu cầu của đợt đánh giá (ví dụ thời điểm ký)",
    "CRYPTO_CONSTRAINTS_FAILURE": "chữ ký hoặc chứng thư số dùng thuật toán đã lỗi thời, không còn an toàn",
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": "chữ ký dùng thuật toán đã lỗi thời và không chứng minh được chữ ký "
    "có trước khi thuật toán bị loại bỏ",
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": "không kiểm tra được chuỗi chứng thực của chứng thư số",
    "REVOKED_NO_POE": "chứng thư số đã bị thu hồi và không chứng minh được chữ ký có trước khi thu hồi",
    "REVOKED_CA_NO_POE": "chứng thư của tổ chức chứng thực cấp đã bị thu hồi",
    "OUT_OF_BOUNDS_NO_POE": "chứng thư số đã hết hạn hoặc bị thu hồi và không chứng minh được chữ ký có "
    "trước đó",
    "NO_POE": "thời điểm ký chưa được chứng thực (không có dấu thời gian hợp lệ)",
    "TRY_LATER": "chưa kiểm tra được chứng thư số có bị thu hồi hay không (cần kết nối mạng hoặc tệp CRL)",
    "REVOCATION_OUT_OF_BOUNDS_NO_POE": "không có thông tin thu hồi của chứng thư số tại thời điểm ký",
    "GENERIC": "không kiểm tra được tệp",
}

# Verdicts the Sở can settle by checking again (online, or with CRL files), not by asking the unit to resubmit.
RECHECK_SUB_INDICATIONS = frozenset({"TRY_LATER"})

# Modification classes after a signature, from least to most intrusive.
MODIFICATION_VI: dict[str, str] = {
    "none": "không có",
    "signatures": "chỉ thêm chữ ký số hoặc dấu thời gian",
    "form_filling": "điền biểu mẫu",
    "annotations": "thêm chú thích, ghi chú lên trang",
    "other": "sửa nội dung, trang hoặc cấu trúc tệp",
    "unknown": "không xác định được",
}

COVERAGE_VI: dict[str, str] = {
    "entire_file": "toàn bộ tệp",
    "entire_revision": "toàn bộ phiên bản tệp tại thời điểm ký, có phần bổ sung sau đó",
    "partial": "chỉ một phần tệp, vùng ký bất thường",
    "unknown": "không xác định",
}


@dataclass
class SignatureReport:
    field_name: str
    indication: str
    sub_indication: str | None
    message: str
    sub_filter: str | None = None
    kind: str = "signature"  # or "timestamp" for document timestamps
    signer: str | None = None
    organisation: str | None = None
    issuer: str | None = None
    serial: str | None = None
    signer_cert_sha256: str | None = None
    claimed_time: str | None = None
    timestamp_time: str | None = None
    digest_algorithm: str | None = None
    coverage: str = "unknown"
    modification: str = "unknown"
    modification_detail: str | None = None
    revocation_status: str | None = None
    revocation_source: str | None = None
    problems: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    # Remarks on an accepted signature that a reader must see (revocation not checked under soft-fail,
    # signing time not proven by a timestamp); they never turn a verdict green silently.
    caveats: list[str] = field(default_factory=list)


@dataclass
class FileResult:
    file: str
    unit: str
    indication: str
    sub_indication: str | None
    message: str
    accepted: bool
    action: str | None = None
    signatures: list[SignatureReport] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    size: int | None = None
    seconds: float | None = None
    peak_rss_kb: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileResult:
        sigs = [SignatureReport(**s) for s in data.get("signatures", [])]
        return cls(**{**data, "signatures": sigs})

    @property
    def indication_vi(self) -> str:
        if self.indication == Indication.TOTAL_PASSED.value and self.caveats:
            return PASSED_WITH_CAVEATS_VI
        return INDICATION_VI[self.indication]

    @property
    def flagged(self) -> bool:
        """Accepted, but with remarks: shown amber, never plain green."""
        return bool(self.caveats)

    @property
    def recheck(self) -> bool:
        """Not settled because of the checking machine (no network, no CRL): the Sở checks again."""
        return not self.accepted and self.sub_indication in RECHECK_SUB_INDICATIONS


# Severity order used to pick the verdict that dominates a file with several signatures.
_RANK = {"TOTAL_FAILED": 3, "INDETERMINATE": 2, "NO_SIGNATURE": 1, "TOTAL_PASSED": 0}


def worst(indications: list[str]) -> str:
    return max(indications, key=lambda i: _RANK[i]) if indications else Indication.NO_SIGNATURE.value


def describe(indication: str, sub: str | None) -> str:
    text = INDICATION_VI[indication]
    if sub:
        text += f" – {SUB_INDICATION_VI.get(sub, sub)}"
    return text


@dataclass
class VerifyRun:
    """One `vanban verify` run: the results in input order, the policy applied, and what was written."""

    results: list[FileResult]
    policy: Policy
    seconds: float
    written: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def all_accepted(self) -> bool:
        return all(r.accepted for r in self.results)

    @property
    def exit_code(self) -> int:
        return 0 if self.all_accepted else 1

"""The campaign's verification policy: which CAs count, what changes after signing are tolerated, limits.

Loaded from YAML; every error names the file, line and field in Vietnamese.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from letters.core.errors import Diagnostic, DiagnosticsError, Severity
from letters.core.validation import OptDate, validation_diagnostics

if TYPE_CHECKING:  # PyYAML loads only with a policy file: the default policy needs none
    from letters.core.yamlsrc import SourceDoc


class RevocationMode(StrEnum):
    OFF = "off"
    # The status could not be established (no network, nothing embedded, no CRL file): accepted, but the file
    # is flagged in every report.
    SOFT = "soft-fail"
    # The status could not be established: INDETERMINATE (TRY_LATER), the Sở checks again.
    HARD = "hard-fail"


class UnprovenTime(StrEnum):
    """What a signing-time window does with a signature whose time only the signer's computer states."""

    FLAG = "flag"  # checked against the claimed time, and the file is flagged "thời điểm ký chưa được chứng thực"
    INDETERMINATE = "indeterminate"  # INDETERMINATE (NO_POE): only a trusted timestamp proves the time


class Sha1Rule(StrEnum):
    REJECT = "reject"
    ACCEPT = "accept"


class AllowedChange(StrEnum):
    FORM_FILLING = "form_filling"
    ANNOTATIONS = "annotations"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IssuerRule(_Strict):
    """A CA accepted as issuer: matched against every CA certificate on the validated chain."""

    name: str | None = Field(default=None, description="CN or full subject of the CA")
    sha256: str | None = Field(default=None, description="SHA-256 fingerprint of the CA certificate")

    @field_validator("sha256")
    @classmethod
    def _fp(cls, value: str | None) -> str | None:
        if value is None:
            return None
        cleaned = value.replace(":", "").replace(" ", "").upper()
        if len(cleaned) != 64 or any(c not in "0123456789ABCDEF" for c in cleaned):
            raise ValueError("dấu vân tay SHA-256 phải gồm đúng 64 chữ số thập lục phân")
        return cleaned

    @model_validator(mode="after")
    def _one(self) -> IssuerRule:
        if not self.name and not self.sha256:
            raise ValueError("cần ghi «name» (tên tổ chức chứng thực) hoặc «sha256» (dấu vân tay)")
        return self


class SigningWindow(_Strict):
    not_before: OptDate = None
    not_after: OptDate = None
    without_timestamp: UnprovenTime = UnprovenTime.FLAG

    @model_validator(mode="after")
    def _order(self) -> SigningWindow:
        if self.not_before and self.not_after and self.not_before > self.not_after:
            raise ValueError("«not_before» phải trước hoặc bằng «not_after»")
        return self


class Revocation(_Strict):
    # No revocation information is not a pass: soft-fail only when a policy says so.
    mode: RevocationMode = RevocationMode.HARD
    online: bool = True
    crl_files: list[Path] = Field(default_factory=list)
    ocsp_files: list[Path] = Field(default_factory=list)


class Limits(_Strict):
    timeout_seconds: float = Field(default=120.0, gt=0, le=3600)
    memory_mb: int = Field(default=1024, ge=64, le=65536)
    max_file_mb: int = Field(default=1024, ge=1)
    zip_max_files: int = Field(default=5000, ge=1)
    zip_max_total_mb: int = Field(default=4096, ge=1)
    zip_max_ratio: int = Field(default=200, ge=2)
    # All archives of one run together (they are unpacked one at a time, so this bounds the work, not the disk).
    run_max_unpacked_mb: int = Field(default=8192, ge=1)
    # A ZIP inside a ZIP is opened up to this depth; deeper ones are reported, not opened.
    zip_max_depth: int = Field(default=3, ge=1, le=10)
    # More distinct signatures than this in one file: not checked (each costs a full validation).
    max_signatures: int = Field(default=100, ge=1)


class Policy(_Strict):
    """Defaults are strict: only signatures, no unsigned scans, no post-signing edits, SHA-1 refused."""

    name: str = "Chính sách mặc định"
    trust_anchors: list[Path] = Field(default_factory=list)
    use_trust_store: bool = True
    allowed_issuers: list[IssuerRule] = Field(default_factory=list)
    accept_unsigned: bool = False
    signing_time: SigningWindow = Field(default_factory=SigningWindow)
    revocation: Revocation = Field(default_factory=Revocation)
    sha1: Sha1Rule = Sha1Rule.REJECT
    allowed_changes: list[AllowedChange] = Field(default_factory=list)
    # Form filling between signatures (number/date filled in, then the agency seal signs) is attested by the
    # last signature; switch off to reject any form filling not listed in allowed_changes.
    accept_attested_changes: bool = True
    limits: Limits = Field(default_factory=Limits)

    @field_validator("allowed_issuers", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        # A bare string is a CA name, the shorthand most users will write.
        if isinstance(value, list):
            return [{"name": v} if isinstance(v, str) else v for v in value]
        return value

    def resolve_paths(self, base: Path) -> Policy:
        def fix(p: Path) -> Path:
            return p if p.is_absolute() else (base / p)

        rev = self.revocation.model_copy(
            update={
                "crl_files": [fix(p) for p in self.revocation.crl_files],
                "ocsp_files": [fix(p) for p in self.revocation.ocsp_files],
            }
        )
        return self.model_copy(
            update={"trust_anchors": [fix(p) for p in self.trust_anchors], "revocation": rev}
        )


def policy_from_source(doc: SourceDoc) -> Policy:
    from letters.core.yamlsrc import field_path

    data = doc.data if doc.data is not None else {}
    diags = list(doc.duplicate_keys)
    if not isinstance(data, dict):
        diags.append(
            Diagnostic(
                Severity.ERROR,
                "tệp chính sách phải là một nhóm trường (key: value)",
                file=str(doc.path),
                line=1,
            )
        )
        raise DiagnosticsError(diags, str(doc.path))
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        diags.extend(validation_diagnostics(exc, doc, Policy))
        raise DiagnosticsError(diags, str(doc.path)) from None
    if diags:
        raise DiagnosticsError(diags, str(doc.path))
    policy = policy.resolve_paths(doc.path.parent)
    missing = []
    for i, p in enumerate(policy.trust_anchors):
        if not p.is_file():
            missing.append(
                Diagnostic(
                    Severity.ERROR,
                    f"không tìm thấy tệp chứng thư {p}",
                    file=str(doc.path),
                    line=doc.line_of(("trust_anchors", i)),
                    field=field_path(("trust_anchors", i)),
                )
            )
    for key in ("crl_files", "ocsp_files"):
        for i, p in enumerate(getattr(policy.revocation, key)):
            if not p.is_file():
                missing.append(
                    Diagnostic(
                        Severity.ERROR,
                        f"không tìm thấy tệp {p}",
                        file=str(doc.path),
                        line=doc.line_of(("revocation", key, i)),
                        field=field_path(("revocation", key, i)),
                    )
                )
    if missing:
        raise DiagnosticsError(missing, str(doc.path))
    return policy


POLICY_TEMPLATE = """\
# Chính sách kiểm tra chữ ký số tài liệu kiểm chứng (dùng với: vanban verify --policy tệp_này.yaml)
name: "Đợt đánh giá chỉ số chuyển đổi số năm 2026"

# Chứng thư gốc được tin cậy (đường dẫn tính từ thư mục chứa tệp này). Có thể nhập sẵn vào kho bằng
# `vanban trust import` (chỉ nhận chứng thư gốc Việt Nam đã ghim dấu vân tay) và để use_trust_store: true.
trust_anchors: []
use_trust_store: true

# Chỉ chấp nhận chứng thư do các tổ chức chứng thực này cấp (tên hoặc dấu vân tay SHA-256 của CA trên chuỗi).
# Để trống [] nếu chấp nhận mọi tổ chức chứng thực được tin cậy.
allowed_issuers:
  - "CA phục vụ các cơ quan Nhà nước G2"

# Có chấp nhận bản chụp (scan) không ký số không.
accept_unsigned: false

# Thời điểm ký phải nằm trong khoảng này (ngày theo giờ Việt Nam, dạng ngày/tháng/năm); bỏ trống nếu không
# giới hạn. Thời điểm ký được đối chiếu theo dấu thời gian (do tổ chức cấp dấu thời gian chứng thực) khi chữ ký
# có dấu thời gian. Chữ ký không có dấu thời gian chỉ có thời điểm do máy của người ký tự ghi:
#   without_timestamp: flag           vẫn đối chiếu theo thời điểm tự ghi, tệp được ghi chú «thời điểm ký chưa
#                                     được chứng thực» trong mọi báo cáo;
#   without_timestamp: indeterminate  kết luận «Chưa xác định được» (NO_POE), đề nghị ký lại kèm dấu thời gian.
signing_time:
  not_before: 01/01/2026
  not_after: 31/12/2026
  without_timestamp: flag

# Kiểm tra thu hồi chứng thư số. Thông tin thu hồi lưu kèm trong tệp (chữ ký mức B-LT) được dùng trước, rồi
# tệp CRL/OCSP tải sẵn, rồi tải qua mạng. Ghi vào mode một trong ba giá trị:
#   hard-fail  chặt chẽ (mặc định): không xác định được chứng thư có bị thu hồi hay không (máy không có mạng,
#              tệp không lưu kèm thông tin thu hồi, không có tệp CRL) thì kết luận «Chưa xác định được»
#              (TRY_LATER): kết nối mạng hoặc khai báo tệp CRL rồi kiểm tra lại; đơn vị không phải nộp lại.
#   soft-fail  nới lỏng: khi đó vẫn chấp nhận, nhưng tệp được đánh dấu «chưa kiểm tra được tình trạng thu hồi»
#              trong mọi báo cáo (chỉ dùng khi chấp nhận rủi ro chứng thư đã bị thu hồi).
#   off        tắt: không kiểm tra thu hồi (không nên dùng).
revocation:
  mode: hard-fail
  online: true          # tải CRL/OCSP qua mạng khi có mạng
  crl_files: []         # tệp CRL tải sẵn từ trang của tổ chức chứng thực, để kiểm tra khi không có mạng
  ocsp_files: []

# Chữ ký hoặc chứng thư số dùng thuật toán băm SHA-1 (đã lỗi thời): reject (không chấp nhận) hoặc accept
# (chấp nhận).
# MD5, khoá RSA dưới 2048 bit và đường cong elliptic dưới 256 bit luôn bị từ chối.
sha1: reject

# Thay đổi được phép sau khi ký: form_filling (điền biểu mẫu), annotations (chú thích). Mặc định: không.
allowed_changes: []
# Chấp nhận việc điền biểu mẫu (số, ngày văn bản) giữa các chữ ký khi chữ ký số sau cùng (thường là chữ ký
# của cơ quan) hợp lệ và xác nhận toàn bộ tệp.
accept_attested_changes: true

# Giới hạn cho mỗi tệp, mỗi tệp ZIP và cả lần kiểm tra. Tệp ZIP được giải nén và kiểm tra lần lượt từng tệp
# một; tệp ZIP nằm trong tệp ZIP được mở tối đa zip_max_depth lớp.
limits:
  timeout_seconds: 120
  memory_mb: 1024
  max_file_mb: 1024
  max_signatures: 100
  zip_max_files: 5000
  zip_max_total_mb: 4096
  zip_max_ratio: 200
  zip_max_depth: 3
  run_max_unpacked_mb: 8192
"""


def load_policy(path: Path | None) -> Policy:
    """The policy in `path`, or the strict default when no file is given."""
    if path is None:
        return Policy()
    from letters.core.yamlsrc import load_yaml

    return policy_from_source(load_yaml(Path(path)))

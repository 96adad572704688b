"""Policy files: valid YAML loads, every error names file, line and field in Vietnamese."""

from __future__ import annotations

from pathlib import Path

import pytest

from letters.core.errors import DiagnosticsError
from signing.verify.policy import AllowedChange, RevocationMode, Sha1Rule, UnprovenTime, load_policy

GOOD = """\
name: "Đợt đánh giá DTI 2026"
trust_anchors: [goc.pem]
allowed_issuers:
  - "CA phục vụ các cơ quan Nhà nước G2"
  - sha256: "D8:CA:B7:A4:AE:F9:2E:6B:B2:50:9D:7C:61:CE:E7:B4:4F:37:31:B2:D2:10:74:96:35:30:27:7B:36:6F:AE:4B"
accept_unsigned: true
signing_time: {not_before: 2026-01-01, not_after: 2026-12-31}
revocation: {mode: hard-fail, online: false, crl_files: [ca.crl]}
sha1: accept
allowed_changes: [form_filling]
limits: {timeout_seconds: 30, memory_mb: 512}
"""


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "goc.pem").write_text("placeholder")
    (tmp_path / "ca.crl").write_bytes(b"")
    path = tmp_path / "chinh_sach.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_policy(tmp_path: Path) -> None:
    pol = load_policy(_write(tmp_path, GOOD))
    assert pol.name == "Đợt đánh giá DTI 2026"
    assert pol.trust_anchors == [tmp_path / "goc.pem"]
    assert pol.allowed_issuers[0].name == "CA phục vụ các cơ quan Nhà nước G2"
    assert pol.allowed_issuers[1].sha256 == "D8CAB7A4AEF92E6BB2509D7C61CEE7B44F3731B2D21074963530277B366FAE4B"
    assert pol.accept_unsigned and pol.sha1 is Sha1Rule.ACCEPT
    assert pol.revocation.mode is RevocationMode.HARD and pol.revocation.crl_files == [tmp_path / "ca.crl"]
    assert pol.allowed_changes == [AllowedChange.FORM_FILLING]
    assert pol.limits.timeout_seconds == 30


def test_default_policy_is_strict() -> None:
    pol = load_policy(None)
    assert not pol.accept_unsigned and pol.sha1 is Sha1Rule.REJECT and pol.allowed_changes == []
    # No revocation information is not a pass: an unknown status is INDETERMINATE unless a policy says
    # soft-fail explicitly.
    assert pol.revocation.mode is RevocationMode.HARD
    assert pol.signing_time.without_timestamp is UnprovenTime.FLAG


def test_policy_template_states_the_defaults() -> None:
    from signing.verify.policy import POLICY_TEMPLATE

    assert "mode: hard-fail" in POLICY_TEMPLATE and "without_timestamp: flag" in POLICY_TEMPLATE
    assert "soft-fail" in POLICY_TEMPLATE and "TRY_LATER" in POLICY_TEMPLATE
    assert "run_max_unpacked_mb" in POLICY_TEMPLATE and "zip_max_depth" in POLICY_TEMPLATE


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        (GOOD.replace("sha1: accept", "sha1: maybe"), 9, "sha1", "giá trị không hợp lệ"),
        (
            GOOD.replace("accept_unsigned: true", "accept_unsigned: co le"),
            6,
            "accept_unsigned",
            "true hoặc false",
        ),
        (
            GOOD.replace("not_after: 2026-12-31", "not_after: 2026-02-30"),
            7,
            "signing_time.not_after",
            "không tồn tại",
        ),
        (
            GOOD.replace("not_after: 2026-12-31", "not_after: 31/13/2026"),
            7,
            "signing_time.not_after",
            "không tồn tại",
        ),
        (GOOD.replace("online: false", "onlin: false"), 8, "revocation.onlin", "không được hỗ trợ"),
        (GOOD.replace('sha256: "D8', 'sha256: "Z8'), 5, "allowed_issuers[2].sha256", "64 chữ số"),
        (GOOD.replace("not_before: 2026-01-01", "not_before: 2027-01-01"), 7, "signing_time", "not_before"),
        (GOOD.replace("[form_filling]", "[form_filing]"), 10, "allowed_changes[1]", "giá trị không hợp lệ"),
        (
            GOOD.replace("trust_anchors: [goc.pem]", "trust_anchors: [khong_co.pem]"),
            2,
            "trust_anchors[1]",
            "không tìm thấy",
        ),
        (GOOD + "sha1: reject\n", 12, "sha1", "hai lần"),
    ],
)
def test_policy_errors_point_to_line_and_field(
    tmp_path: Path, text: str, line: int, field: str, words: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(DiagnosticsError) as err:
        load_policy(path)
    diags = err.value.diagnostics
    match = [d for d in diags if d.field == field]
    assert match, [d.format() for d in diags]
    assert match[0].line == line and match[0].file == str(path)
    assert words in match[0].message
    assert str(path) in str(err.value)


def test_yaml_syntax_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: [khong dong\nsha1: accept\n")
    with pytest.raises(DiagnosticsError) as err:
        load_policy(path)
    assert "cú pháp YAML" in str(err.value)


def test_policy_template_loads_and_cli_writes_it(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from letters.cli.main import cli
    from signing.verify.policy import POLICY_TEMPLATE

    out = tmp_path / "chinh_sach.yaml"
    runner = CliRunner()
    assert runner.invoke(cli, ["policy-template", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8") == POLICY_TEMPLATE
    pol = load_policy(out)
    assert pol.allowed_issuers[0].name == "CA phục vụ các cơ quan Nhà nước G2" and not pol.accept_unsigned
    again = runner.invoke(cli, ["policy-template", str(out)])
    assert again.exit_code == 1 and "--force" in again.output


def test_unreadable_offline_crl_is_one_clear_error(tmp_path: Path) -> None:
    from letters.core.errors import VanbanError
    from signing.verify.api import verify_evidence
    from signing.verify.policy import Policy

    bad = tmp_path / "hong.crl"
    bad.write_bytes(b"not a crl")
    (tmp_path / "ev").mkdir()
    with pytest.raises(VanbanError, match="không phải dữ liệu CRL"):
        verify_evidence(
            [tmp_path / "ev"], policy=Policy(use_trust_store=False, revocation={"crl_files": [bad]})
        )

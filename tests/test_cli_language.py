"""Everything the command line says is Vietnamese, click's own messages included."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from letters.cli.main import cli
from signing.demo.attacks import sample_pdf
from signing.demo.pki import DemoPKI

pytest_plugins = ("tests.pki_fixtures",)

ENGLISH = (
    "Usage:",
    "Options:",
    "Show this message",
    "does not exist",
    "Missing argument",
    "No such command",
    "Error:",
    "Commands:",
)


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [prefix]
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            out += _all_commands(cmd, (*prefix, name))
        else:
            out.append((*prefix, name))
    return out


def test_every_help_page_is_vietnamese() -> None:
    runner = CliRunner()
    for path in _all_commands(cli):
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Cách dùng:" in result.output and "Hiện hướng dẫn này rồi thoát." in result.output
        for word in ENGLISH:
            assert word not in result.output, (path, word)


def test_usage_errors_are_vietnamese_with_exit_code_2() -> None:
    runner = CliRunner()
    for args, expected in (
        (["check", "khong-co.yaml"], "không tồn tại"),
        (["render"], "Thiếu tham số"),
        (["rendr"], "Có phải ý bạn là"),
        (["render", "x.yaml", "--kind", "sai"], "không hợp lệ"),
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert expected in result.output and "Lỗi:" in result.output, (args, result.output)
        assert not any(word in result.output for word in ("Error:", "Usage:", "does not exist"))


# --------------------------------------------------------------------------- what click, pydantic, PyYAML,
# asn1crypto, getpass and the verifier would say in English, never shown

HELP_ENGLISH = re.compile(
    r"\b(TEXT|INTEGER|FLOAT|RANGE|PATH|FILE|DIRECTORY|BOOLEAN)\b|\[required\]|x>=|<=x|x<=|\bdefault:"
)
ENGLISH_FRAGMENTS = (
    "Input should",
    "unable to parse",
    "expected <",
    "could not find expected",
    "Error:",
    "Usage:",
    "Common Name",
    "User ID",
    "Organization",
    "EOF marker",
    "Warning: Password input may be echoed",
    "[required]",
    "is not a valid",
    "does not exist",
    "Traceback",
    "Chọn thư mục khác với --out",
    "Lỗi không mong đợi",
)
ETSI_CODES = re.compile(
    r"\b(TOTAL_PASSED|TOTAL_FAILED|INDETERMINATE|NO_SIGNATURE|[A-Z]+(_[A-Z]+)*_FAILURE)\b"
)


def test_help_pages_name_values_in_vietnamese() -> None:
    runner = CliRunner()
    for path in _all_commands(cli):
        output = runner.invoke(cli, [*path, "--help"]).output
        found = HELP_ENGLISH.search(output)
        assert found is None, (path, found.group(0) if found else "", output)


def _campaign(folder: Path, old: str, new: str) -> Path:
    path = folder / "bacgiang-2023.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_failing_commands_speak_vietnamese_only(
    example_copy: Path, demo_pki: DemoPKI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("VANBAN_P12_PASSWORD", raising=False)
    pdf = tmp_path / "vao.pdf"
    pdf.write_bytes(sample_pdf(["Van ban thu"]))
    broken = tmp_path / "hong.pdf"
    broken.write_bytes(sample_pdf(["Van ban hong"])[:400])
    bad_set = tmp_path / "bo-chi-so.yaml"
    bad_set.write_text("id: thu\nindices: [1, 2\n", encoding="utf-8")
    existing = tmp_path / "da-co.pdf"
    existing.write_bytes(b"%PDF-1.7 ban cu")
    key = ("--p12", str(demo_pki.director_p12))
    password = {"VANBAN_P12_PASSWORD": demo_pki.password}
    cases: list[tuple[list[str], dict[str, str], str | None, list[str]]] = [
        (
            ["check", str(_campaign(example_copy, "  cchc_divisor: 100\n", "  cchc_divisor: mot tram\n"))],
            {},
            None,
            ["cchc_divisor"],
        ),
        (["indicators", str(bad_set)], {}, None, ["YAML"]),
        (
            ["example-scores", str(tmp_path / "x.yaml"), "--out", str(tmp_path / "d"), "--seed", "abc"],
            {},
            None,
            ["số nguyên"],
        ),
        (["verify", str(pdf), "--out", str(tmp_path / "v"), "--jobs", "0"], {}, None, ["từ 1 trở lên"]),
        (
            ["sign", str(pdf), str(tmp_path / "ky.pdf"), *key, "--seal-size", "5"],
            password,
            None,
            ["từ 10 đến 80"],
        ),
        (["sign", str(pdf), str(existing), *key], password, None, ["--force"]),
        (["policy-template", str(existing)], {}, None, ["--force"]),
        (["sign", str(pdf), str(tmp_path / "ky.pdf"), *key], {}, "", ["Mật khẩu", "VANBAN_P12_PASSWORD"]),
        (["sign", str(pdf), str(tmp_path / "ky2.pdf"), *key], {}, "sai-mat-khau\n", ["Sai mật khẩu"]),
        (["verify", str(broken), "--out", str(tmp_path / "v2")], {}, None, ["Không hợp lệ"]),
    ]
    runner = CliRunner()
    for args, env, stdin, expected in cases:
        result = runner.invoke(cli, args, env=env, input=stdin)
        output = result.output
        assert result.exit_code != 0, (args, output)
        for fragment in ENGLISH_FRAGMENTS:
            assert fragment not in output, (args, fragment, output)
        assert ETSI_CODES.search(output) is None, (args, output)
        for word in expected:
            assert word in output, (args, word, output)
    # The signer by name and organisation, the verdict's code only on request.
    signed = runner.invoke(cli, ["sign", str(pdf), str(tmp_path / "ky3.pdf"), *key], env=password)
    assert signed.exit_code == 0, signed.output
    assert "Người ký: Nguyễn Gia Phong (Sở Thông tin và Truyền thông tỉnh Bắc Giang (MẪU))" in signed.output
    verbose = runner.invoke(cli, ["--verbose", "verify", str(broken), "--out", str(tmp_path / "v3")])
    assert "[TOTAL_FAILED/FORMAT_FAILURE]" in verbose.output

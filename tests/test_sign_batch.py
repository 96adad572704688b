"""Signing many documents with one loaded key: the remembered container size keeps every file valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from signing.demo.attacks import sample_pdf
from signing.demo.pki import DemoPKI
from signing.sign.signer import Level, Pkcs12Key, Role, SigningTools, SignRequest, open_signer, sign_pdf_bytes
from tests.pki_fixtures import demo_pki, nss_db, pki_server  # noqa: F401
from tests.test_sign_support import assert_all_valid, pyhanko_verdicts


def test_batch_of_b_b_signatures_all_valid(pki_server: DemoPKI, nss_db: Path, tmp_path: Path) -> None:  # noqa: F811
    request = SignRequest(role=Role.SIGNER, level=Level.B_B, image=None, prepare_issue_fields=False)
    with open_signer(Pkcs12Key(pki_server.director_p12, pki_server.password)) as signer:
        tools = SigningTools.for_request(signer, request)
        paths = []
        for n in range(3):
            result = sign_pdf_bytes(sample_pdf([f"Van ban so {n}"]), tools, request, source=f"doc{n}")
            path = tmp_path / f"doc{n}.pdf"
            path.write_bytes(result.pdf)
            paths.append(path)
        assert tools.reserved  # measured on the first document, reused for the next ones
        tools.reserved = 64  # far too small: signing must recover by measuring again
        result = sign_pdf_bytes(sample_pdf(["Van ban cuoi"]), tools, request, source="last")
        (tmp_path / "last.pdf").write_bytes(result.pdf)
        paths.append(tmp_path / "last.pdf")
    for path in paths:
        assert_all_valid(path, pki_server, nss_db, expected=1)


def test_sign_command_signs_a_folder_with_the_key_loaded_once(
    demo_pki: DemoPKI,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from click.testing import CliRunner

    from letters.cli.main import cli
    from signing.sign import signer as signer_module

    loads = []
    real_load = signer_module.load_pkcs12_signer

    def counting_load(path: Path, password: str) -> object:
        loads.append(path)
        return real_load(path, password)

    monkeypatch.setattr(signer_module, "load_pkcs12_signer", counting_load)
    source = tmp_path / "thong-bao"
    (source / "con").mkdir(parents=True)
    names = [f"tb-{n:02d}.pdf" for n in range(9)] + ["con/tb-99.pdf"]
    for name in names:
        (source / name).write_bytes(sample_pdf([f"Thong bao {name}"]))
    (source / "ghi-chu.txt").write_text("không phải PDF", encoding="utf-8")
    out = tmp_path / "da-ky"
    env = {"VANBAN_P12_PASSWORD": demo_pki.password}
    args = ["sign", str(source), "--out", str(out), "--p12", str(demo_pki.director_p12)]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.pdf")) == sorted(names)
    assert "10 văn bản" in result.output and "Nguyễn Gia Phong (Sở Thông tin" in result.output
    assert "Common Name" not in result.output
    # One key load in this process (worker processes load their own copy, out of this count).
    assert len(loads) == 1
    for name in (names[0], names[-1]):
        (verdict,) = pyhanko_verdicts(out / name, demo_pki)
        assert verdict.bottom_line, verdict.summary
        assert (source / name).read_bytes().startswith(b"%PDF") and b"/ByteRange" not in (
            source / name
        ).read_bytes()
    # Again into the same folder: every existing output is refused before anything is signed.
    again = CliRunner().invoke(cli, args, env=env)
    assert again.exit_code == 1 and "--force" in again.output
    # The two-argument form is unchanged; two inputs without --out is a usage error.
    single = CliRunner().invoke(
        cli,
        ["sign", str(source / names[0]), str(tmp_path / "mot.pdf"), "--p12", str(demo_pki.director_p12)],
        env=env,
    )
    assert single.exit_code == 0 and (tmp_path / "mot.pdf").is_file(), single.output
    usage = CliRunner().invoke(
        cli,
        ["sign", str(source / names[0]), str(source / names[1]), str(tmp_path / "x.pdf"), "--p12", "k.p12"],
        env=env,
    )
    assert usage.exit_code == 2 and "--out" in usage.output


def test_a_command_imports_only_what_it_uses() -> None:
    """`vanban sign --help` (and the group's help) start without the document, campaign or signing stacks."""
    import subprocess
    import sys

    code = "import sys; from letters.cli.main import main; sys.argv = sys.argv[1:]; main()"
    for args in (["sign", "--help"], ["issue", "--help"], ["--help"]):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code, "vanban", *args], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-2000:]
        modules = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "import time:" in line}
        heavy = sorted(
            m for m in modules if m.split(".")[0] in ("docxtpl", "pydantic", "pyhanko", "openpyxl", "jinja2")
        )
        assert not heavy, (args, heavy)
        assert not any(
            m.startswith(("letters.campaign", "letters.documents", "signing.verify")) for m in modules
        )

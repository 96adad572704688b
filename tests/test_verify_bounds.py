"""Bounded work: time linear in revisions, small hostile files stopped well below the memory cap, archives
unpacked one at a time within a run-wide budget, every member reported by a printable name, reports always
written."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from pathlib import Path

import pytest

from signing.demo import attacks, hostile
from signing.verify.api import build_setup, verify_evidence
from signing.verify.checks import Verifier
from signing.verify.inputs import iter_evidence
from signing.verify.policy import Limits, Policy
from signing.verify.pool import file_ceiling
from tests.test_verify_fixtures import Samples, VerifyFn

pytest_plugins = ("tests.pki_fixtures", "tests.test_verify_fixtures")

OFF = Policy(use_trust_store=False, revocation={"mode": "off"})


def _seconds(samples: Samples, path: Path) -> tuple[float, str]:
    verifier = Verifier(build_setup(OFF, [samples.pki.root_path]))
    try:
        start = time.perf_counter()
        result = verifier.verify(path, path.name, "u")
        return time.perf_counter() - start, result.indication
    finally:
        verifier.close()


def test_time_is_linear_in_revisions(samples: Samples, tmp_path: Path) -> None:
    small, large = tmp_path / "small.pdf", tmp_path / "large.pdf"
    small.write_bytes(hostile.many_updates(samples.signed_bb, 500))
    large.write_bytes(hostile.many_updates(samples.signed_bb, 4000))
    t_small, verdict = _seconds(samples, small)
    t_large, verdict_large = _seconds(samples, large)
    assert verdict == verdict_large == "TOTAL_PASSED"  # empty updates change nothing anyone sees
    # 8× the revisions: linear work costs ~8×, the quadratic pass it replaces cost ~64×.
    assert t_large < 20 * max(t_small, 0.05), (t_small, t_large)
    assert t_large < 30


def test_signature_reused_by_many_fields(samples: Samples, verify_one: VerifyFn) -> None:
    data = hostile.many_fields(samples.signer(), 1500)
    assert len(data) < 500_000
    start = time.monotonic()
    r = verify_one(data, jobs=1)
    assert time.monotonic() - start < 60
    assert (r.indication, r.sub_indication) == ("TOTAL_FAILED", "FORMAT_FAILURE")
    assert "1499 trường chữ ký" in r.message and "dùng lại chữ ký số của trường «Signature1»" in r.message
    # A forked worker's resident size starts with what it inherits from its parent (a big test process, or a
    # web server); compare with a small genuine file checked the same way, so only the file's own cost counts.
    baseline = verify_one(samples.signed_bb, jobs=1)
    assert r.peak_rss_kb is not None and baseline.peak_rss_kb is not None
    assert r.peak_rss_kb - baseline.peak_rss_kb < 300 * 1024, (r.peak_rss_kb, baseline.peak_rss_kb)
    assert r.action and "không chỉnh sửa" in r.action


def test_signature_count_limit(samples: Samples, verify_one: VerifyFn) -> None:
    two = samples.sign(samples.signed_bb, field_name="Signature2")
    r = verify_one(two, Policy(use_trust_store=False, limits={"max_signatures": 1}))
    assert (r.indication, r.sub_indication) == ("INDETERMINATE", "GENERIC")
    assert "vượt giới hạn 1 chữ ký" in r.message


def test_object_stream_bomb_after_signing(samples: Samples, verify_one: VerifyFn) -> None:
    r = verify_one(hostile.objstm_bomb_update(samples.signed_bb, 250), jobs=1)
    assert r.indication == "TOTAL_FAILED" and r.sub_indication == "FORMAT_FAILURE", r.message
    assert "bom nén" in r.message


def test_memory_ceiling_grows_with_the_file_not_to_the_cap() -> None:
    assert file_ceiling(242_000, 1024) < 400 * 1024 * 1024
    assert file_ceiling(100 * 1024 * 1024, 1024) == 1024 * 1024 * 1024
    assert file_ceiling(0, 64) == 64 * 1024 * 1024


# ------------------------------------------------------------------ archives


def _zip(path: Path, members: dict[str, bytes], *, compress: bool = False) -> Path:
    mode = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", compression=mode) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_archives_are_unpacked_one_at_a_time(tmp_path: Path) -> None:
    ev = tmp_path / "ev"
    ev.mkdir()
    pdf = attacks.sample_pdf()
    for n in range(3):
        _zip(ev / f"Đơn vị {n}.zip", {f"a{n}.pdf": pdf, f"b{n}.pdf": pdf})
    work = tmp_path / "work"
    seen: list[Path] = []
    for batch in iter_evidence([ev], work, Limits()):
        # What the previous archive unpacked is gone before the next one is opened.
        assert all(not p.exists() for p in seen)
        paths = [i.path for i in batch if i.path is not None]
        assert len(paths) == 2 and all(p.exists() for p in paths)
        seen.extend(paths)
    assert len(seen) == 6 and not any(work.iterdir())


def test_run_wide_unpacked_budget(tmp_path: Path) -> None:
    ev = tmp_path / "ev"
    ev.mkdir()
    for n in range(3):
        _zip(ev / f"Đơn vị {n}.zip", {f"tep{n}.pdf": b"%PDF-1.7\n" + os.urandom(600_000)})
    pol = Policy(use_trust_store=False, limits={"run_max_unpacked_mb": 1})
    run = verify_evidence([ev], policy=pol, jobs=0)
    assert len(run.results) == 3
    first, *rest = run.results
    assert "vượt" not in first.message
    assert all(
        r.indication == "INDETERMINATE" and "của lần kiểm tra này vượt 1 MB" in r.message for r in rest
    )


def test_every_member_is_reported_by_name(tmp_path: Path) -> None:
    pdf = attacks.sample_pdf()
    inner = _zip_bytes({"trong.pdf": pdf})
    deepest = _zip_bytes({"sau.pdf": pdf})
    for _ in range(3):
        deepest = _zip_bytes({"lop.zip": deepest})
    archive = _zip(
        tmp_path / "nop.zip",
        {
            "..\\..\\x.pdf": pdf,
            "C:\\Windows\\y.pdf": pdf,
            "/tuyet_doi.pdf": pdf,
            "ho_so/trong.zip": inner,
            "ho_so/sau.zip": deepest,
            ".an.pdf": pdf,
            "__MACOSX/._rac.pdf": b"junk",
            "Thumbs.db": b"junk",
        },
    )
    run = verify_evidence(
        [archive], policy=Policy(use_trust_store=False, limits={"zip_max_depth": 3}), jobs=0
    )
    by_file = {r.file: r for r in run.results}
    for name in ("nop.zip/..\\..\\x.pdf", "nop.zip/C:\\Windows\\y.pdf", "nop.zip//tuyet_doi.pdf"):
        assert by_file[name].sub_indication == "FORMAT_FAILURE" and "thoát ra ngoài" in by_file[name].message
    nested = by_file["nop.zip/ho_so/trong.zip/trong.pdf"]
    assert nested.indication == "NO_SIGNATURE" and "hỏng" not in nested.message
    too_deep = [r for r in run.results if "lớp" in r.message]
    assert len(too_deep) == 1 and too_deep[0].file.startswith("nop.zip/ho_so/sau.zip/lop.zip/lop.zip")
    assert "vượt giới hạn 3 lớp" in too_deep[0].message
    assert "nop.zip/.an.pdf" in by_file  # hidden, but not an operating system's junk: reported
    assert not any("MACOSX" in f or "Thumbs" in f for f in by_file)
    assert len(run.results) == 6  # 3 escapes, 1 nested PDF, 1 archive too deep, 1 hidden file


def test_zip_member_name_that_is_not_utf8(tmp_path: Path) -> None:
    raw = bytearray(_zip_bytes({"abc.pdf": attacks.sample_pdf(), "tot.pdf": attacks.sample_pdf()}))
    # Mark every name as UTF-8 (bit 11), then make one name invalid UTF-8: zipfile refuses such an archive.
    for sig, flag_at in ((b"PK\x03\x04", 7), (b"PK\x01\x02", 9)):
        pos = raw.find(sig)
        while pos >= 0:
            raw[pos + flag_at] |= 0x08
            pos = raw.find(sig, pos + 4)
    data = bytes(raw).replace(b"abc.pdf", b"a\xe9c.pdf")
    archive = tmp_path / "ten_la.zip"
    archive.write_bytes(data)
    run = verify_evidence([archive], policy=Policy(use_trust_store=False), jobs=0)
    files = sorted(r.file for r in run.results)
    assert files == ["ten_la.zip/a\\xe9c.pdf", "ten_la.zip/tot.pdf"]
    assert all(r.indication == "NO_SIGNATURE" for r in run.results)


def test_file_name_that_is_not_utf8_does_not_stop_the_run(tmp_path: Path) -> None:
    unit = tmp_path / "ev" / "Đơn vị"
    unit.mkdir(parents=True)
    fd = os.open(os.fsencode(unit) + b"/t\xe9p.pdf", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, attacks.sample_pdf())
    os.close(fd)
    (unit / "khac.pdf").write_bytes(attacks.sample_pdf())
    out = tmp_path / "out"
    run = verify_evidence([tmp_path / "ev"], policy=Policy(use_trust_store=False), out_dir=out, jobs=1)
    assert sorted(r.file for r in run.results) == ["ev/Đơn vị/khac.pdf", "ev/Đơn vị/t\\xe9p.pdf"]
    assert all(r.indication == "NO_SIGNATURE" for r in run.results)
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert {d["file"] for d in data} == {r.file for r in run.results}
    assert (out / "report.html").read_text(encoding="utf-8").count("t\\xe9p.pdf") >= 1


def test_reports_are_written_even_if_checking_crashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from signing.verify import pool

    def boom(self: object, tasks: object, on_result: object = None) -> dict[int, object]:
        raise RuntimeError("crash")

    monkeypatch.setattr(pool.CheckPool, "run", boom)
    unit = tmp_path / "ev" / "Đơn vị"
    unit.mkdir(parents=True)
    (unit / "a.pdf").write_bytes(attacks.sample_pdf())
    out = tmp_path / "out"
    run = verify_evidence([tmp_path / "ev"], policy=Policy(use_trust_store=False), out_dir=out, jobs=0)
    (r,) = run.results
    assert (r.indication, r.sub_indication) == ("INDETERMINATE", "GENERIC") and "Lỗi nội bộ" in r.message
    assert (out / "report.json").exists() and (out / "report.html").exists()

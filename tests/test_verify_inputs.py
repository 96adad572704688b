"""Evidence collection: units from folders, ZIP archives read safely (escapes, bombs, count limits)."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

from signing.verify.api import verify_evidence
from signing.verify.inputs import collect_evidence
from signing.verify.policy import Limits, Policy


def _pdf() -> bytes:
    from signing.demo.attacks import sample_pdf

    return sample_pdf()


def test_units_from_first_level_folders_and_zips(tmp_path: Path) -> None:
    root = tmp_path / "minh_chung"
    (root / "Sở Y tế" / "sub").mkdir(parents=True)
    (root / "Sở Y tế" / "sub" / "a.pdf").write_bytes(_pdf())
    (root / "Sở Y tế" / ".DS_Store").write_bytes(b"junk")
    (root / "rời.pdf").write_bytes(_pdf())
    with zipfile.ZipFile(root / "UBND huyện A.zip", "w") as zf:
        zf.writestr("thư mục/b.pdf", _pdf())
    direct = tmp_path / "Đơn vị B.zip"
    with zipfile.ZipFile(direct, "w") as zf:
        zf.writestr("UBND xã C/c.pdf", _pdf())
        zf.writestr("d.pdf", _pdf())
    items = collect_evidence([root, direct], tmp_path / "work", Limits())
    got = sorted((i.unit, i.display) for i in items)
    assert got == sorted(
        [
            ("Sở Y tế", "minh_chung/Sở Y tế/sub/a.pdf"),
            ("minh_chung", "minh_chung/rời.pdf"),
            ("UBND huyện A", "minh_chung/UBND huyện A.zip/thư mục/b.pdf"),
            ("UBND xã C", "Đơn vị B.zip/UBND xã C/c.pdf"),
            ("Đơn vị B", "Đơn vị B.zip/d.pdf"),
        ]
    )
    assert all(i.path is not None and i.path.read_bytes().startswith(b"%PDF") for i in items)


def test_zip_path_escape_and_symlink_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../thoat.pdf", _pdf())
        zf.writestr("/etc/tuyet_doi.pdf", _pdf())
        link = zipfile.ZipInfo("lienket.pdf")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("tot.pdf", _pdf())
    work = tmp_path / "work"
    run = verify_evidence([archive], policy=Policy(use_trust_store=False), jobs=0)
    by_file = {r.file: r for r in run.results}
    assert by_file["evil.zip/../../thoat.pdf"].sub_indication == "FORMAT_FAILURE"
    assert "thoát ra ngoài" in by_file["evil.zip/../../thoat.pdf"].message
    assert "thoát ra ngoài" in by_file["evil.zip//etc/tuyet_doi.pdf"].message
    assert "symlink" in by_file["evil.zip/lienket.pdf"].message
    assert by_file["evil.zip/tot.pdf"].indication == "NO_SIGNATURE"
    assert not (tmp_path / "thoat.pdf").exists() and not work.exists()
    assert run.exit_code == 1


def test_zip_bomb_is_stopped(tmp_path: Path) -> None:
    archive = tmp_path / "bom.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bom.pdf", b"\0" * (50 * 1024 * 1024))  # 50 MB of zeros compress ~1000:1
    assert archive.stat().st_size < 200_000
    run = verify_evidence([archive], policy=Policy(use_trust_store=False), jobs=0)
    (res,) = run.results
    assert (res.indication, res.sub_indication) == ("INDETERMINATE", "FORMAT_FAILURE")
    assert "bom ZIP" in res.message and "tỉ lệ nén" in res.message
    total = Policy(use_trust_store=False, limits={"zip_max_total_mb": 1, "zip_max_ratio": 100000})
    (res2,) = verify_evidence([archive], policy=total, jobs=0).results
    assert "vượt 1 MB" in res2.message


def test_zip_member_count_limit(tmp_path: Path) -> None:
    archive = tmp_path / "nhieu.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(12):
            zf.writestr(f"f{i}.pdf", b"%PDF-1.4\n")
    pol = Policy(use_trust_store=False, limits={"zip_max_files": 10})
    (res,) = verify_evidence([archive], policy=pol, jobs=0).results
    assert res.indication == "INDETERMINATE" and "12 tệp" in res.message and "10 tệp" in res.message


def test_corrupt_zip(tmp_path: Path) -> None:
    archive = tmp_path / "hong.zip"
    archive.write_bytes(b"PK\x03\x04 not really a zip")
    (res,) = verify_evidence([archive], policy=Policy(use_trust_store=False), jobs=0).results
    assert res.indication == "INDETERMINATE" and "hỏng" in res.message

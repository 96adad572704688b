"""A sample evidence folder for the demo: units' submissions with valid, tampered, unsigned, untrusted and
revoked files, plus a matching verification policy. Everything is signed for real with the demo PKI.

    evidence = build_sample_evidence(work / "kiem_tra", pki)
    run = verify_evidence([evidence], policy=sample_policy_path(evidence), out_dir=work / "ket_qua_kiem_tra")
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import yaml

from signing.demo import attacks
from signing.demo.pki import CA, FOREIGN_LEAF, ROOT, DemoPKI

POLICY_NAME = "chinh_sach_kiem_tra.yaml"


def sample_policy_path(evidence: Path) -> Path:
    return Path(evidence).parent / POLICY_NAME


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def build_sample_evidence(directory: Path, pki: DemoPKI) -> Path:
    """Create `directory`/minh_chung (one subfolder or ZIP per unit) and `directory`/chinh_sach_kiem_tra.yaml.

    Works without the PKI's HTTP services running: signatures are PAdES B-B and the policy carries the CAs'
    CRLs as offline files, so every certificate's status is known and the revoked one is caught either way.
    """
    directory = Path(directory)
    evidence = directory / "minh_chung"
    if evidence.exists() and any(evidence.iterdir()):
        raise FileExistsError(f"{evidence} already exists and is not empty")
    director = attacks.load_signer(pki.director_p12, pki.password)
    agency = attacks.load_signer(pki.agency_p12, pki.password)
    revoked = attacks.load_signer(pki.revoked_p12, pki.password)
    foreign = attacks.load_signer(pki.p12_path(FOREIGN_LEAF), pki.password)

    report = attacks.sample_pdf(
        [
            "BAO CAO TU DANH GIA CHI SO CHUYEN DOI SO NAM 2026",
            "Ty le ho so truc tuyen toan trinh: 87%",
            "So dich vu cong truc tuyen: 120",
        ]
    )
    minutes = attacks.sample_pdf(
        ["BIEN BAN HOP TRIEN KHAI CHUYEN DOI SO", "Thanh phan: Lanh dao va chuyen vien"]
    )
    signed_report = attacks.sign_bytes(report, director)
    both = attacks.sign_bytes(signed_report, agency, field_name="Signature2")
    signed_minutes = attacks.sign_bytes(minutes, director)

    unit_a = evidence / "UBND huyện Yên Thế"
    _write(unit_a / "01_bao_cao_tu_danh_gia.pdf", both)
    _write(unit_a / "02_bien_ban_hop.pdf", signed_minutes)
    _write(unit_a / "03_anh_chup_quyet_dinh.pdf", attacks.sample_pdf(["QUYET DINH (ban chup, khong ky so)"]))

    unit_b = evidence / "Sở Y tế"
    _write(unit_b / "01_bao_cao_tu_danh_gia.pdf", attacks.change_content(signed_report))
    _write(unit_b / "02_ke_hoach.pdf", attacks.sign_bytes(report, revoked))
    _write(unit_b / "03_bien_ban_hop.pdf", signed_minutes)

    unit_c = evidence / "Sở Giáo dục và Đào tạo"
    _write(unit_c / "01_bao_cao_tu_danh_gia.pdf", attacks.sign_bytes(report, foreign))
    _write(unit_c / "02_bien_ban_hop.pdf", attacks.sign_bytes(minutes, agency))

    # One unit sends a ZIP, as many do by e-mail.
    zip_path = evidence / "UBND huyện Lục Nam.zip"
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("minh_chung/01_bao_cao.pdf", signed_report)
        zf.writestr("minh_chung/02_ke_hoach_da_sua.pdf", attacks.overlay_annotation(signed_minutes))

    # The CRLs of the agency CA (for the signers) and of the root (for the agency CA): with them the revocation
    # status of every certificate is known even when the demo's services are not running.
    crl_path = directory / "ca.crl"
    crl_path.write_bytes(pki.crl_der(CA))
    root_crl_path = directory / "root.crl"
    root_crl_path.write_bytes(pki.crl_der(ROOT))
    policy: dict[str, Any] = {
        "name": "Đợt đánh giá DTI năm 2026 (MẪU)",
        # Policy paths are resolved against the policy file's folder, so the anchor is written relative to it:
        # the sample stays valid whatever the working directory and if the output folder is moved whole.
        "trust_anchors": [os.path.relpath(Path(pki.root_path).resolve(), directory.resolve())],
        "use_trust_store": False,
        "accept_unsigned": False,
        "revocation": {"mode": "hard-fail", "online": True, "crl_files": [crl_path.name, root_crl_path.name]},
        "sha1": "reject",
        "allowed_changes": [],
    }
    header = "# Chính sách kiểm tra chữ ký số tài liệu kiểm chứng (mẫu do vanban tạo)\n"
    (directory / POLICY_NAME).write_text(
        header + yaml.safe_dump(policy, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return evidence

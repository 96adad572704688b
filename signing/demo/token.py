"""A SoftHSM2 token holding a signer's key and certificate: a real PKCS#11 device for demos and tests.

Vietnamese civil servants sign with USB tokens through PKCS#11; SoftHSM2 speaks the same interface, so the
code path exercised here (pyHanko's PKCS11Signer) is the one a physical token uses.

SoftHSM2 reads its configuration (where tokens live) from the file named by SOFTHSM2_CONF when the library is
first initialised in a process, so one process should use one token directory.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from letters.core.errors import ToolMissingError, VanbanError

_MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",
    "/usr/lib/pkcs11/libsofthsm2.so",
)

_INSTALL_HINT = "Cài đặt: sudo apt-get install softhsm2 opensc (hoặc chạy scripts/install_system.sh)."

KEY_ID = "01"
CA_ID = "02"


@dataclass(frozen=True)
class TokenInfo:
    """Everything needed to open the token with pyHanko (`open_pkcs11_session` + `PKCS11Signer`)."""

    module_path: str
    token_label: str
    key_label: str
    cert_label: str
    pin: str
    so_pin: str
    conf_path: Path
    env: dict[str, str]  # {"SOFTHSM2_CONF": ...}; pass to subprocesses that must see the same token
    key_id: bytes = bytes.fromhex(KEY_ID)


def find_softhsm_module() -> str:
    """Path of libsofthsm2.so (env VANBAN_SOFTHSM_MODULE wins), or a Vietnamese ToolMissingError."""
    override = os.environ.get("VANBAN_SOFTHSM_MODULE")
    if override:
        if Path(override).is_file():
            return override
        raise ToolMissingError(
            f"VANBAN_SOFTHSM_MODULE trỏ tới tệp không tồn tại: {override}", hint=_INSTALL_HINT
        )
    for cand in _MODULE_CANDIDATES:
        if Path(cand).is_file():
            return cand
    found = sorted(glob.glob("/usr/lib*/**/libsofthsm2.so", recursive=True))
    if found:
        return found[0]
    raise ToolMissingError(
        "Không tìm thấy thư viện PKCS#11 của SoftHSM2 (libsofthsm2.so).", hint=_INSTALL_HINT
    )


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ToolMissingError(f"Không tìm thấy chương trình {name}.", hint=_INSTALL_HINT)
    return path


def _run(cmd: Sequence[str], env: dict[str, str], *, secret: Sequence[str] = ()) -> str:
    proc = subprocess.run(list(cmd), capture_output=True, text=True, env=env, timeout=60)
    if proc.returncode != 0:
        shown = " ".join("***" if part in secret else part for part in cmd)
        raise VanbanError(
            f"Lệnh khởi tạo token thất bại (mã {proc.returncode}): {shown}\n{proc.stderr.strip() or proc.stdout.strip()}"
        )
    return proc.stdout


def _token_exists(label: str, env: dict[str, str]) -> bool:
    out = _run([_tool("softhsm2-util"), "--show-slots"], env)
    labels = {line.split(":", 1)[1].strip() for line in out.splitlines() if line.strip().startswith("Label:")}
    return label in labels


def provision_softhsm(
    directory: Path,
    *,
    label: str,
    pin: str,
    so_pin: str,
    key_pem: bytes | Path,
    cert: x509.Certificate | Path,
    key_label: str,
    cert_label: str | None = None,
    ca_certs: Sequence[x509.Certificate] = (),
) -> TokenInfo:
    """Create (or reuse) a SoftHSM2 token in `directory` holding one private key and its certificate.

    Writes `directory/softhsm2.conf` with a token store under `directory/tokens`, points SOFTHSM2_CONF at it
    for this process, initialises token `label`, imports the PKCS#8 `key_pem` under `key_label` and the
    certificate (plus optional `ca_certs`) with pkcs11-tool. If the token already exists there, it is reused.
    """
    directory = Path(directory).resolve()
    cert_label = cert_label or key_label
    module = find_softhsm_module()
    tokens = directory / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n",
        encoding="utf-8",
    )
    current = os.environ.get("SOFTHSM2_CONF")
    if current and Path(current).resolve() != conf:
        # The library may already be initialised in this process with the old directory; say so plainly.
        import warnings

        warnings.warn(
            f"SOFTHSM2_CONF was {current}; switching to {conf} only works before SoftHSM2 is first loaded",
            RuntimeWarning,
            stacklevel=2,
        )
    os.environ["SOFTHSM2_CONF"] = str(conf)
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    info = TokenInfo(
        module_path=module,
        token_label=label,
        key_label=key_label,
        cert_label=cert_label,
        pin=pin,
        so_pin=so_pin,
        conf_path=conf,
        env={"SOFTHSM2_CONF": str(conf)},
    )
    if _token_exists(label, env):
        return info

    key_bytes = key_pem.read_bytes() if isinstance(key_pem, Path) else key_pem
    cert_obj = x509.load_pem_x509_certificate(cert.read_bytes()) if isinstance(cert, Path) else cert
    softhsm = _tool("softhsm2-util")
    pkcs11_tool = _tool("pkcs11-tool")
    secrets = (pin, so_pin)
    _run(
        [softhsm, "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", so_pin],
        env,
        secret=secrets,
    )
    with tempfile.TemporaryDirectory(prefix="vanban-token-") as tmp_name:
        tmp = Path(tmp_name)
        key_file = tmp / "key.pem"
        # softhsm2-util wants unencrypted PKCS#8; normalise whatever PEM flavour we were given.
        key_obj = serialization.load_pem_private_key(key_bytes, password=None)
        key_file.write_bytes(
            key_obj.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        key_file.chmod(0o600)
        _run(
            [
                softhsm,
                "--import",
                str(key_file),
                "--token",
                label,
                "--label",
                key_label,
                "--id",
                KEY_ID,
                "--pin",
                pin,
            ],
            env,
            secret=secrets,
        )
        objects = [(cert_obj, cert_label, KEY_ID)]
        objects += [(ca, f"ca-{i}", f"{int(CA_ID, 16) + i:02x}") for i, ca in enumerate(ca_certs)]
        for obj, obj_label, obj_id in objects:
            der = tmp / f"{obj_id}.der"
            der.write_bytes(obj.public_bytes(serialization.Encoding.DER))
            _run(
                [
                    pkcs11_tool,
                    "--module",
                    module,
                    "--token-label",
                    label,
                    "--login",
                    "--pin",
                    pin,
                    "--write-object",
                    str(der),
                    "--type",
                    "cert",
                    "--id",
                    obj_id,
                    "--label",
                    obj_label,
                ],
                env,
                secret=secrets,
            )
    return info

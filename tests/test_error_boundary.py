"""The error boundary: every mistake a user can make ends in one Vietnamese message naming the place.

Each case feeds one bad input to a command through click's runner and asserts: the exit code (1 for bad
input, 2 for wrong usage), a Vietnamese message naming the file, line, field or option at fault, no
traceback and none of the English fragments Python, pydantic or click would show, and nothing left behind:
the whole working folder of the case (inputs, the output folder, its parent, hidden staging folders) is
listed before and after and must be the same.
"""

from __future__ import annotations

import dataclasses
import pickle
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from letters.cli.main import cli
from letters.core.errors import (
    Diagnostic,
    DiagnosticsError,
    OutputExistsError,
    Severity,
    ToolMissingError,
    VanbanError,
)
from signing.demo.pki import DemoPKI
from tests.pki_helpers import blank_pdf_bytes

pytest_plugins = ("tests.pki_fixtures",)

EXAMPLE = "bacgiang-2023.yaml"
FORBIDDEN = (
    "Input should",
    "expected",
    "Errno",
    "Traceback",
    "[required]",
    "Error:",
    "Usage:",
    "BrokenProcessPool",
    "Lỗi không mong đợi",
)
VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùýĐ]")


@dataclasses.dataclass
class Case:
    args: list[str]
    code: int
    names: list[str]  # what the message must name: a file, a line, a field, an option
    env: dict[str, str | None] = dataclasses.field(default_factory=dict)


class Workspace:
    """The inputs of one case, all inside the case's own folder (which is compared before and after)."""

    def __init__(self, root: Path, examples: Path, pki: DemoPKI, scores_csv: Path) -> None:
        self.root = root
        self.examples = examples
        self.pki = pki
        self._scores_csv = scores_csv
        self.out = root / "out"

    def campaign(self, *edits: tuple[str, str], name: str = EXAMPLE) -> Path:
        path = self.examples / name
        text = path.read_text(encoding="utf-8")
        for old, new in edits:
            assert text.count(old) == 1, old
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
        return path

    def file(self, name: str, data: bytes | str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
        return path

    def folder(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def blank_pdf(self) -> Path:
        return self.file("vao/trang.pdf", blank_pdf_bytes())

    def scores(self, edit: Callable[[list[str]], list[str]] | None = None) -> Path:
        lines = self._scores_csv.read_text(encoding="utf-8").splitlines()
        return self.file("diem.csv", "\n".join(edit(lines) if edit else lines) + "\n")

    def a_file(self) -> Path:
        """A regular file standing where a folder should be (root ignores permissions, not file types)."""
        return self.file("tep-thuong", "không phải thư mục\n")

    @property
    def password_env(self) -> dict[str, str | None]:
        return {"VANBAN_P12_PASSWORD": self.pki.password}


def _wording(kind: str, key: str, text: str) -> tuple[str, str]:
    """An edit adding a wording override for `kind` (a document the example lists without wording)."""
    anchor = {
        "thong_bao": "  thong_bao:\n    copies_to:\n",
        "to_trinh": "  to_trinh:\n    copies_to:\n",
    }[kind]
    return anchor, anchor.replace("    copies_to:\n", f"    wording:\n      {key}: {text}\n    copies_to:\n")


IMPOSSIBLE_DATE = ("    end: 24/10/2023\n", "    end: 30/02/2023\n")


# --------------------------------------------------------------------------- the cases

CASES: dict[str, Callable[[Workspace], Case]] = {}


def case(name: str) -> Callable[[Callable[[Workspace], Case]], Callable[[Workspace], Case]]:
    def register(build: Callable[[Workspace], Case]) -> Callable[[Workspace], Case]:
        assert name not in CASES
        CASES[name] = build
        return build

    return register


# vanban check


@case("check-impossible-date")
def _(ws: Workspace) -> Case:
    path = ws.campaign(IMPOSSIBLE_DATE)
    return Case(["check", str(path)], 1, [f"{path}:", "phases[1].end", "30/02/2023"])


@case("check-wrong-type")
def _(ws: Workspace) -> Case:
    path = ws.campaign(("  year: 2023\n", '  year: "hai nghìn"\n'))
    return Case(["check", str(path)], 1, [f"{path}:", "campaign.year"])


@case("check-misspelt-section")
def _(ws: Workspace) -> Case:
    path = ws.campaign(("\nissuer:\n", "\nissuerr:\n"))
    return Case(["check", str(path)], 1, [f"{path}:", "issuerr", "issuer"])


@case("check-yaml-syntax")
def _(ws: Workspace) -> Case:
    path = ws.campaign(("  kind: DTI\n", "  kind: [DTI\n"))
    return Case(["check", str(path)], 1, [f"{path}:"])


@case("check-tab-indent")
def _(ws: Workspace) -> Case:
    path = ws.campaign(("  kind: DTI\n", "\tkind: DTI\n"))
    return Case(["check", str(path)], 1, [f"{path}:7", "Tab"])


@case("check-wording-syntax")
def _(ws: Workspace) -> Case:
    path = ws.campaign(("{{ issuer.head_title }} {{", "{{ issuer.head_title {{"))
    return Case(["check", str(path)], 1, [f"{path}:", "documents.ke_hoach.wording.mo_dau"])


@case("check-wording-unknown-variable")
def _(ws: Workspace) -> Case:
    path = ws.campaign(("{{ issuer.head_title }} {{", "{{ bien_khong_co }} {{"))
    return Case(["check", str(path)], 1, [f"{path}:", "documents.ke_hoach.wording.mo_dau", "bien_khong_co"])


@case("check-unknown-filter-in-notice")
def _(ws: Workspace) -> Case:
    path = ws.campaign(_wording("thong_bao", "de_nghi", '"{{ unit.name | khong_co }}"'))
    return Case(["check", str(path)], 1, [f"{path}:", "documents.thong_bao.wording.de_nghi", "khong_co"])


@case("check-missing-indicator-set")
def _(ws: Workspace) -> Case:
    path = ws.campaign(("    indicators: cap-so-mau\n", "    indicators: bo-khong-co.yaml\n"))
    return Case(["check", str(path)], 1, [f"{path}:", "bo-khong-co.yaml"])


@case("check-not-utf8")
def _(ws: Workspace) -> Case:
    path = ws.file("latin1.yaml", "campaign:\n  name: Trà Vinh\n".encode("latin-1"))
    return Case(["check", str(path)], 1, [str(path), "UTF-8"])


@case("check-missing-file")
def _(ws: Workspace) -> Case:
    return Case(["check", str(ws.root / "khong-co.yaml")], 2, ["khong-co.yaml", "không tồn tại"])


@case("check-folder-given")
def _(ws: Workspace) -> Case:
    return Case(["check", str(ws.examples)], 2, [str(ws.examples), "thư mục"])


# vanban render


@case("render-campaign-errors")
def _(ws: Workspace) -> Case:
    path = ws.campaign(IMPOSSIBLE_DATE)
    return Case(["render", str(path), "--out", str(ws.out)], 1, [f"{path}:", "phases[1].end"])


@case("render-out-under-a-file")
def _(ws: Workspace) -> Case:
    blocker = ws.a_file()
    out = blocker / "van-ban"
    return Case(["render", str(ws.campaign()), "--out", str(out)], 1, [str(blocker), "không phải thư mục"])


@case("render-out-is-a-file")
def _(ws: Workspace) -> Case:
    blocker = ws.a_file()
    return Case(["render", str(ws.campaign()), "--out", str(blocker)], 2, [str(blocker), "--out"])


@case("render-folder-where-a-file-goes")
def _(ws: Workspace) -> Case:
    locked = ws.folder("out/2023-ke-hoach-du-thao.docx")
    return Case(["render", str(ws.campaign()), "--out", str(ws.out)], 1, [str(locked), "thư mục"])


@case("render-folder-where-a-file-goes-force")
def _(ws: Workspace) -> Case:
    locked = ws.folder("out/phu-luc/bieu-so-01-so.xlsx")
    return Case(["render", str(ws.campaign()), "--out", str(ws.out), "--force"], 1, [str(locked), "thư mục"])


@case("render-existing-file")
def _(ws: Workspace) -> Case:
    existing = ws.file("out/2023-cong-van-huong-dan-du-thao.docx", b"ban cu cua nguoi dung")
    return Case(["render", str(ws.campaign()), "--out", str(ws.out)], 1, [str(existing), "--force"])


@case("render-unknown-kind")
def _(ws: Workspace) -> Case:
    return Case(["render", str(ws.campaign()), "--kind", "quyet-dinh"], 2, ["--kind", "quyet-dinh"])


# vanban results


@case("results-wording-error-in-workers")
def _(ws: Workspace) -> Case:
    path = ws.campaign(_wording("thong_bao", "de_nghi", '"Đề nghị {{ unit.nonexistent.x }}."'))
    return Case(
        ["results", str(path), str(ws.scores()), "--out", str(ws.out)],
        1,
        [f"{path}:", "documents.thong_bao.wording.de_nghi", "nonexistent"],
    )


@case("results-markup-error-in-workers")
def _(ws: Workspace) -> Case:
    path = ws.campaign(_wording("thong_bao", "de_nghi", '"Đề nghị **đơn vị tiếp tục."'))
    return Case(
        ["results", str(path), str(ws.scores()), "--out", str(ws.out)],
        1,
        [f"{path}:", "documents.thong_bao.wording.de_nghi", "dấu *"],
    )


@case("results-wording-error-in-proposal")
def _(ws: Workspace) -> Case:
    path = ws.campaign(_wording("to_trinh", "can_cu", '"{{ 1 + campaign.name }}"'))
    return Case(
        ["results", str(path), str(ws.scores()), "--out", str(ws.out)],
        1,
        [f"{path}:", "documents.to_trinh.wording.can_cu"],
    )


def _bad_score(lines: list[str]) -> list[str]:
    fields = lines[5].split(";")
    fields[2] = "mười"
    lines[5] = ";".join(fields)
    return lines


@case("results-score-not-a-number")
def _(ws: Workspace) -> Case:
    scores = ws.scores(_bad_score)
    return Case(
        ["results", str(ws.campaign()), str(scores), "--out", str(ws.out)], 1, [f"{scores}:6", "mười"]
    )


@case("results-unknown-unit")
def _(ws: Workspace) -> Case:
    def edit(lines: list[str]) -> list[str]:
        fields = lines[3].split(";")
        fields[0] = "Sở Không Có"
        lines[3] = ";".join(fields)
        return lines

    scores = ws.scores(edit)
    return Case(
        ["results", str(ws.campaign()), str(scores), "--out", str(ws.out)], 1, [str(scores), "Sở Không Có"]
    )


@case("results-scores-not-csv")
def _(ws: Workspace) -> Case:
    scores = ws.file("diem.txt", "đây không phải bảng điểm\n")
    return Case(["results", str(ws.campaign()), str(scores), "--out", str(ws.out)], 1, [str(scores), ".csv"])


@case("results-missing-scores")
def _(ws: Workspace) -> Case:
    return Case(
        ["results", str(ws.campaign()), str(ws.root / "khong-co.csv"), "--out", str(ws.out)],
        2,
        ["khong-co.csv", "không tồn tại"],
    )


@case("results-out-under-a-file")
def _(ws: Workspace) -> Case:
    blocker = ws.a_file()
    return Case(
        ["results", str(ws.campaign()), str(ws.scores()), "--out", str(blocker / "ket-qua")],
        1,
        [str(blocker), "không phải thư mục"],
    )


@case("results-missing-out-option")
def _(ws: Workspace) -> Case:
    return Case(["results", str(ws.campaign()), str(ws.scores())], 2, ["--out"])


# vanban sign


def _sign(ws: Workspace, source: Path, target: Path, *extra: str, key: Path | None = None) -> list[str]:
    return ["sign", str(source), str(target), "--p12", str(key or ws.pki.director_p12), *extra]


@case("sign-wrong-password")
def _(ws: Workspace) -> Case:
    args = _sign(ws, ws.blank_pdf(), ws.out / "ky.pdf")
    return Case(args, 1, [str(ws.pki.director_p12), "mật khẩu"], {"VANBAN_P12_PASSWORD": "sai-mat-khau"})


@case("sign-missing-key-file")
def _(ws: Workspace) -> Case:
    key = ws.root / "khong-co.p12"
    return Case(_sign(ws, ws.blank_pdf(), ws.out / "ky.pdf", key=key), 1, [str(key)], ws.password_env)


@case("sign-key-not-pkcs12")
def _(ws: Workspace) -> Case:
    key = ws.file("khoa.p12", b"\x00" * 64)
    return Case(
        _sign(ws, ws.blank_pdf(), ws.out / "ky.pdf", key=key), 1, [str(key), "PKCS#12"], ws.password_env
    )


@case("sign-expired-certificate")
def _(ws: Workspace) -> Case:
    args = _sign(ws, ws.blank_pdf(), ws.out / "ky.pdf", key=ws.pki.expired_p12)
    return Case(args, 1, ["hết hạn"], ws.password_env)


@case("sign-not-a-pdf")
def _(ws: Workspace) -> Case:
    source = ws.file("vao/thu.pdf", "Kính gửi: các đơn vị\n")
    return Case(_sign(ws, source, ws.out / "ky.pdf"), 1, [str(source), "PDF"], ws.password_env)


@case("sign-corrupt-pdf")
def _(ws: Workspace) -> Case:
    source = ws.file("vao/hong.pdf", blank_pdf_bytes()[:300])
    return Case(_sign(ws, source, ws.out / "ky.pdf"), 1, [str(source), "hỏng"], ws.password_env)


@case("sign-encrypted-pdf")
def _(ws: Workspace) -> Case:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(ws.blank_pdf()))
    writer.encrypt(user_password="", owner_password="chu-so-huu")
    source = ws.root / "vao" / "ma-hoa.pdf"
    with source.open("wb") as fh:
        writer.write(fh)
    return Case(_sign(ws, source, ws.out / "ky.pdf"), 1, [str(source), "mã hoá"], ws.password_env)


@case("sign-output-under-a-file")
def _(ws: Workspace) -> Case:
    blocker = ws.a_file()
    args = _sign(ws, ws.blank_pdf(), blocker / "ky.pdf")
    return Case(args, 1, [str(blocker), "không phải thư mục"], ws.password_env)


@case("sign-output-is-a-folder")
def _(ws: Workspace) -> Case:
    target = ws.folder("out/ky.pdf")
    return Case(_sign(ws, ws.blank_pdf(), target, "--force"), 2, [str(target), "thư mục"], ws.password_env)


@case("sign-existing-output")
def _(ws: Workspace) -> Case:
    target = ws.file("out/ky.pdf", b"%PDF-1.7 ban cu")
    return Case(_sign(ws, ws.blank_pdf(), target), 1, [str(target), "--force"], ws.password_env)


@case("sign-no-key-source")
def _(ws: Workspace) -> Case:
    return Case(["sign", str(ws.blank_pdf()), str(ws.out / "ky.pdf")], 2, ["--p12", "--pkcs11-module"])


@case("sign-image-not-png")
def _(ws: Workspace) -> Case:
    image = ws.file("chu-ky.png", b"GIF89a khong phai PNG")
    args = _sign(ws, ws.blank_pdf(), ws.out / "ky.pdf", "--image", str(image))
    return Case(args, 1, [str(image), "PNG"], ws.password_env)


@case("sign-folder-without-out")
def _(ws: Workspace) -> Case:
    ws.blank_pdf()
    args = ["sign", str(ws.root / "vao"), str(ws.out / "ky.pdf"), "--p12", str(ws.pki.director_p12)]
    return Case(args, 2, [str(ws.root / "vao"), "--out"], ws.password_env)


@case("sign-folder-without-pdf")
def _(ws: Workspace) -> Case:
    folder = ws.folder("vao-rong")
    ws.file("vao-rong/ghi-chu.txt", "không phải PDF\n")
    args = ["sign", str(folder), "--out", str(ws.out), "--p12", str(ws.pki.director_p12)]
    return Case(args, 1, [str(folder), "PDF"], ws.password_env)


# vanban calendar


@case("calendar-existing-file")
def _(ws: Workspace) -> Case:
    target = ws.file("lich.ics", "BEGIN:VCALENDAR\nEND:VCALENDAR\n")
    return Case(["calendar", str(ws.campaign()), "--out", str(target)], 1, [str(target), "--force"])


@case("calendar-campaign-errors")
def _(ws: Workspace) -> Case:
    path = ws.campaign(IMPOSSIBLE_DATE)
    return Case(["calendar", str(path), "--out", str(ws.root / "lich.ics")], 1, [f"{path}:", "phases[1].end"])


# vanban issue


def _issue(ws: Workspace, source: Path, target: Path, *extra: str) -> list[str]:
    return [
        "issue",
        str(source),
        str(target),
        "--type",
        "KH",
        "--agency",
        "STTTT",
        "--p12",
        str(ws.pki.agency_p12),
        *extra,
    ]


@case("issue-impossible-date")
def _(ws: Workspace) -> Case:
    args = _issue(ws, ws.blank_pdf(), ws.out / "ban-hanh.pdf", "--date", "30/02/2024")
    return Case(args, 1, ["--date", "30/02/2024"], ws.password_env)


@case("issue-unsigned-draft")
def _(ws: Workspace) -> Case:
    source = ws.blank_pdf()
    return Case(_issue(ws, source, ws.out / "ban-hanh.pdf"), 1, [str(source), "chữ ký"], ws.password_env)


@case("issue-not-a-pdf")
def _(ws: Workspace) -> Case:
    source = ws.file("vao/du-thao.pdf", b"PK\x03\x04 day la tep docx")
    return Case(_issue(ws, source, ws.out / "ban-hanh.pdf"), 1, [str(source), "PDF"], ws.password_env)


@case("issue-output-under-a-file")
def _(ws: Workspace) -> Case:
    blocker = ws.a_file()
    args = _issue(ws, ws.blank_pdf(), blocker / "ban-hanh.pdf")
    return Case(args, 1, [str(blocker), "không phải thư mục"], ws.password_env)


@case("issue-register-is-a-folder")
def _(ws: Workspace) -> Case:
    register = ws.folder("so-dang-ky")
    args = _issue(ws, ws.blank_pdf(), ws.out / "ban-hanh.pdf", "--register", str(register))
    return Case(args, 2, [str(register), "--register"], ws.password_env)


@case("issue-missing-type")
def _(ws: Workspace) -> Case:
    args = ["issue", str(ws.blank_pdf()), str(ws.out / "b.pdf"), "--agency", "STTTT"]
    return Case(args, 2, ["--type"], ws.password_env)


# vanban verify


def _verify(ws: Workspace, *extra: str, out: Path | None = None) -> list[str]:
    store = ws.root / "kho-tin-cay"
    return ["verify", str(ws.blank_pdf()), "--out", str(out or ws.out), "--trust-store", str(store), *extra]


@case("verify-policy-impossible-date")
def _(ws: Workspace) -> Case:
    policy = ws.file("chinh-sach.yaml", "signing_time:\n  not_before: 2023-02-30\n")
    return Case(
        _verify(ws, "--policy", str(policy)), 1, [f"{policy}:2", "signing_time.not_before", "2023-02-30"]
    )


@case("verify-policy-wrong-type")
def _(ws: Workspace) -> Case:
    policy = ws.file("chinh-sach.yaml", "limits:\n  timeout_seconds: nhanh\n")
    return Case(_verify(ws, "--policy", str(policy)), 1, [f"{policy}:2", "limits.timeout_seconds"])


@case("verify-policy-unknown-field")
def _(ws: Workspace) -> Case:
    policy = ws.file("chinh-sach.yaml", "accept_unsignd: true\n")
    return Case(_verify(ws, "--policy", str(policy)), 1, [f"{policy}:1", "accept_unsigned"])


@case("verify-policy-yaml-syntax")
def _(ws: Workspace) -> Case:
    policy = ws.file("chinh-sach.yaml", "allowed_issuers: [CA G2\n")
    return Case(_verify(ws, "--policy", str(policy)), 1, [f"{policy}:"])


@case("verify-missing-policy")
def _(ws: Workspace) -> Case:
    policy = ws.root / "khong-co.yaml"
    return Case(_verify(ws, "--policy", str(policy)), 1, [str(policy)])


@case("verify-missing-input")
def _(ws: Workspace) -> Case:
    missing = ws.root / "khong-co.pdf"
    args = ["verify", str(missing), "--out", str(ws.out), "--trust-store", str(ws.root / "kho")]
    return Case(args, 1, [str(missing)])


@case("verify-out-under-a-file")
def _(ws: Workspace) -> Case:
    blocker = ws.a_file()
    return Case(_verify(ws, out=blocker / "bao-cao"), 1, [str(blocker), "không phải thư mục"])


@case("verify-trust-not-a-certificate")
def _(ws: Workspace) -> Case:
    cert = ws.file("goc.pem", "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n")
    return Case(_verify(ws, "--trust", str(cert)), 1, [str(cert), "chứng thư"])


@case("verify-impossible-deadline")
def _(ws: Workspace) -> Case:
    return Case(_verify(ws, "--deadline", "31/02/2024"), 2, ["--deadline", "31/02/2024"])


@case("verify-campaign-errors")
def _(ws: Workspace) -> Case:
    path = ws.campaign(IMPOSSIBLE_DATE)
    return Case(_verify(ws, "--campaign", str(path)), 1, [f"{path}:", "phases[1].end"])


@case("verify-bad-jobs")
def _(ws: Workspace) -> Case:
    return Case(_verify(ws, "--jobs", "0"), 2, ["--jobs"])


# vanban trust


@case("trust-import-missing-file")
def _(ws: Workspace) -> Case:
    cert = ws.root / "khong-co.crt"
    return Case(["trust", "import", str(cert), "--store", str(ws.out)], 1, [str(cert)])


@case("trust-import-not-a-certificate")
def _(ws: Workspace) -> Case:
    cert = ws.file("goc.crt", b"\x30\x03\x02\x01\x00 khong phai chung thu")
    return Case(["trust", "import", str(cert), "--store", str(ws.out)], 1, [str(cert), "chứng thư"])


@case("trust-import-not-pinned")
def _(ws: Workspace) -> Case:
    cert = ws.file("goc.pem", ws.pki.root_path.read_bytes())
    return Case(["trust", "import", str(cert), "--store", str(ws.out)], 1, [str(cert), "SHA-256", "--sha256"])


@case("trust-import-store-under-a-file")
def _(ws: Workspace) -> Case:
    from signing.verify.trust import fingerprint, read_certificates

    cert = ws.file("goc.pem", ws.pki.root_path.read_bytes())
    sha = fingerprint(read_certificates(cert)[0])
    blocker = ws.a_file()
    args = ["trust", "import", str(cert), "--store", str(blocker / "kho"), "--sha256", sha]
    return Case(args, 1, [str(blocker), "không phải thư mục"])


@case("trust-store-is-a-file")
def _(ws: Workspace) -> Case:
    blocker = ws.a_file()
    return Case(["trust", "list", "--store", str(blocker)], 2, [str(blocker), "--store"])


# vanban policy-template


@case("policy-template-existing-file")
def _(ws: Workspace) -> Case:
    target = ws.file("chinh-sach.yaml", "name: của tôi\n")
    return Case(["policy-template", str(target)], 1, [str(target), "--force"])


@case("policy-template-under-a-file")
def _(ws: Workspace) -> Case:
    blocker = ws.a_file()
    return Case(
        ["policy-template", str(blocker / "chinh-sach.yaml")], 1, [str(blocker), "không phải thư mục"]
    )


@case("policy-template-folder-given")
def _(ws: Workspace) -> Case:
    target = ws.folder("chinh-sach.yaml")
    return Case(["policy-template", str(target), "--force"], 2, [str(target), "thư mục"])


# the root group


@case("log-file-under-a-file")
def _(ws: Workspace) -> Case:
    blocker = ws.a_file()
    args = ["--log-file", str(blocker / "nhat-ky.log"), "policy-template", str(ws.root / "p.yaml")]
    return Case(args, 1, [str(blocker), "nhat-ky.log"])


@case("unknown-command")
def _(ws: Workspace) -> Case:
    return Case(["ky-so", "a.pdf"], 2, ["ky-so"])


# --------------------------------------------------------------------------- running them


@pytest.fixture(scope="module")
def scores_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import EXAMPLES

    out = tmp_path_factory.mktemp("diem")
    result = CliRunner().invoke(
        cli, ["example-scores", str(EXAMPLES / EXAMPLE), "--out", str(out), "--no-forms"]
    )
    assert result.exit_code == 0, result.output
    (csv,) = out.glob("*.csv")
    return csv


def _listing(root: Path) -> dict[str, tuple[int, int] | None]:
    """Every entry under `root`, hidden ones included; files with size and modification time."""
    out: dict[str, tuple[int, int] | None] = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        out[str(path.relative_to(root))] = None if path.is_dir() else (st.st_size, st.st_mtime_ns)
    return out


def test_at_least_thirty_cases_across_every_command() -> None:
    assert len(CASES) >= 30
    commands = {name.split("-")[0] for name in CASES}
    assert {"check", "render", "results", "sign", "issue", "verify", "trust", "policy"} <= commands


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input(
    name: str,
    tmp_path: Path,
    example_copy: Path,
    demo_pki: DemoPKI,
    scores_csv: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # the default trust store must not be the tester's
    ws = Workspace(tmp_path, example_copy, demo_pki, scores_csv)
    built = CASES[name](ws)
    before = _listing(tmp_path)
    result = CliRunner().invoke(cli, built.args, env=built.env)
    output = result.output
    assert result.exit_code == built.code, output
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    for fragment in FORBIDDEN:
        assert fragment not in output, (fragment, output)
    assert VIETNAMESE.search(output), output
    for place in built.names:
        assert place in output, (place, output)
    assert _listing(tmp_path) == before, output


def test_verify_reports_a_broken_zip_as_a_verdict(tmp_path: Path) -> None:
    """A broken ZIP is evidence that fails, not a failure of the command: the report says why."""
    archive = tmp_path / "vao" / "don-vi.zip"
    archive.parent.mkdir()
    archive.write_bytes(b"PK\x03\x04 tep nen bi cat cut")
    truncated = tmp_path / "vao" / "cat-cut.zip"
    with zipfile.ZipFile(truncated, "w") as zf:
        zf.writestr("a.pdf", blank_pdf_bytes() * 20)
    truncated.write_bytes(truncated.read_bytes()[:-60])
    out = tmp_path / "bao-cao"
    args = ["verify", str(archive), str(truncated), "--out", str(out), "--trust-store", str(tmp_path / "kho")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    for fragment in FORBIDDEN:
        assert fragment not in result.output, (fragment, result.output)
    assert "don-vi.zip" in result.output and "cat-cut.zip" in result.output
    report = (out / "report.json").read_text(encoding="utf-8")
    assert "ZIP" in report and "File is not a zip file" not in report
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())


# --------------------------------------------------------------------------- errors survive pickling


def _all_error_classes() -> list[type[VanbanError]]:
    import importlib
    import pkgutil

    import letters
    import signing

    for package in (letters, signing):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            # Dev-time code, and the worker that runs inside LibreOffice's own Python (it imports `uno`).
            if info.name.endswith(("template_factory", "__main__", "pdf.worker")):
                continue
            importlib.import_module(info.name)
    found: list[type[VanbanError]] = []
    todo: list[type[VanbanError]] = [VanbanError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _sample(cls: type[VanbanError]) -> VanbanError:
    from letters.core.vn import DateFormatError
    from letters.documents.markup import MarkupError
    from letters.documents.wording import WordingError

    samples: dict[type[VanbanError], Callable[[], VanbanError]] = {
        VanbanError: lambda: VanbanError("Lỗi", hint="Gợi ý", file="a.yaml", line=3, field="phases[1].end"),
        OutputExistsError: lambda: OutputExistsError(Path("ra/a.docx")),
        ToolMissingError: lambda: ToolMissingError("Thiếu LibreOffice", hint="Cài LibreOffice"),
        DiagnosticsError: lambda: DiagnosticsError(
            [Diagnostic(Severity.ERROR, "sai", file="a.yaml", line=2, field="x")], "a.yaml"
        ),
        WordingError: lambda: WordingError("de_nghi", "dùng biến không có", override=True).located(
            file="a.yaml", line=9, field="documents.thong_bao.wording.de_nghi"
        ),
        MarkupError: lambda: MarkupError(4, "dấu * chưa được đóng"),
        DateFormatError: lambda: DateFormatError("ngày 30/02/2023 không tồn tại"),
    }
    if cls in samples:
        return samples[cls]()
    return cls("Lỗi")


def test_every_error_class_survives_pickling() -> None:
    classes = _all_error_classes()
    names = {cls.__name__ for cls in classes}
    assert {"WordingError", "MarkupError", "DateFormatError", "ZipLimitError", "DiagnosticsError"} <= names
    for cls in classes:
        error = _sample(cls)
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is cls
        assert str(copy) == str(error)
        assert copy.__dict__ == error.__dict__
        assert copy.args == error.args


def test_wording_error_keeps_its_key_and_place_across_processes() -> None:
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1) as pool:
        with pytest.raises(VanbanError) as caught:
            pool.submit(_raise_wording_error).result()
    error = caught.value
    assert type(error).__name__ == "WordingError"
    assert error.key == "de_nghi" and error.override is True  # type: ignore[attr-defined]
    assert str(error).startswith("a.yaml:9, trường «documents.thong_bao.wording.de_nghi»: đoạn «de_nghi»")


def _raise_wording_error() -> None:
    from letters.documents.wording import WordingError

    raise WordingError("de_nghi", "dùng biến không có", override=True).located(
        file="a.yaml", line=9, field="documents.thong_bao.wording.de_nghi"
    )


def test_an_unpicklable_worker_error_still_reaches_the_parent() -> None:
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1) as pool:
        with pytest.raises(RuntimeError, match="_Unpicklable"):
            pool.submit(_raise_unpicklable).result()


class _Unpicklable(Exception):
    def __init__(self, a: int, b: int) -> None:
        super().__init__(a)  # args no longer match __init__: unpickling fails


def _raise_unpicklable() -> None:
    from letters.core.errors import portable_errors

    with portable_errors():
        raise _Unpicklable(1, 2)


# --------------------------------------------------------------------------- OS errors, modes, logging


def test_os_errors_are_vietnamese_and_name_the_path() -> None:
    import errno

    from letters.core.errors import os_error

    for code in (errno.EACCES, errno.ENOSPC, errno.EROFS, errno.EBUSY, errno.ENOTDIR, errno.EISDIR, 9999):
        error = os_error(OSError(code, "English text"), "Không ghi được tệp", Path("ra/a.docx"))
        assert "ra/a.docx" in str(error) and "English" not in str(error), str(error)
        assert VIETNAMESE.search(str(error))
    locked = OSError(errno.EACCES, "Access is denied")
    locked.winerror = 32  # type: ignore[attr-defined]
    assert "bị khoá" in str(os_error(locked, "Không ghi được tệp", "a.docx"))


def test_written_files_and_staged_folders_follow_the_umask(tmp_path: Path) -> None:
    import os

    from letters.core import files

    files.umask.cache_clear()
    old = os.umask(0o002)
    try:
        assert files.umask() == 0o002
        written = files.atomic_write_text(tmp_path / "a" / "b.txt", "x")
        assert written.stat().st_mode & 0o777 == 0o664
        with files.staged_outputs(tmp_path / "ra") as stage:
            files.atomic_write_text(stage / "con" / "c.txt", "y")
        assert (tmp_path / "ra").stat().st_mode & 0o777 == 0o775
        assert (tmp_path / "ra" / "con").stat().st_mode & 0o777 == 0o775
        assert (tmp_path / "ra" / "con" / "c.txt").stat().st_mode & 0o777 == 0o664
    finally:
        os.umask(old)
        files.umask.cache_clear()


def test_staged_outputs_leave_nothing_on_failure_and_never_clobber(tmp_path: Path) -> None:
    from letters.core import files

    out = tmp_path / "ra"
    (out / "con").mkdir(parents=True)
    (out / "cu.txt").write_text("của người dùng")
    before = _listing(tmp_path)
    with pytest.raises(VanbanError, match="hỏng"):
        with files.staged_outputs(out) as stage:
            files.atomic_write_text(stage / "moi.txt", "mới")
            raise VanbanError("hỏng")
    assert _listing(tmp_path) == before
    with pytest.raises(OutputExistsError):
        with files.staged_outputs(out) as stage:
            files.atomic_write_text(stage / "moi.txt", "mới")
            files.atomic_write_text(stage / "cu.txt", "đè")
    assert _listing(tmp_path) == before
    # A folder where a file must go: refused before anything moves, even with force.
    (out / "khoa.txt").mkdir()
    before = _listing(tmp_path)
    with pytest.raises(VanbanError, match="thư mục"):
        with files.staged_outputs(out, force=True) as stage:
            files.atomic_write_text(stage / "a.txt", "a")
            files.atomic_write_text(stage / "khoa.txt", "b")
    assert _listing(tmp_path) == before
    with files.staged_outputs(out, force=True) as stage:
        files.atomic_write_text(stage / "cu.txt", "đè")
        files.atomic_write_text(stage / "con" / "moi.txt", "mới")
    assert (out / "cu.txt").read_text() == "đè" and (out / "con" / "moi.txt").read_text() == "mới"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ra"]


def test_verbose_and_log_file(tmp_path: Path, example_copy: Path) -> None:
    log = tmp_path / "nhat-ky" / "vanban.log"
    campaign = example_copy / EXAMPLE
    text = campaign.read_text(encoding="utf-8").replace(*IMPOSSIBLE_DATE)
    campaign.write_text(text, encoding="utf-8")
    out = tmp_path / "ra"
    quiet = CliRunner().invoke(cli, ["--log-file", str(log), "render", str(campaign), "--out", str(out)])
    assert quiet.exit_code == 1 and "Traceback" not in quiet.output and "DEBUG" not in quiet.output
    logged = log.read_text(encoding="utf-8")
    assert "Traceback" in logged and "DiagnosticsError" in logged
    loud = CliRunner().invoke(cli, ["--verbose", "render", str(campaign), "--out", str(out)])
    assert loud.exit_code == 1
    assert "Traceback" in loud.output and "DEBUG" in loud.output and "phases[1].end" in loud.output
    # Nothing on the console by default, and the handlers of one run do not outlive it.
    plain = CliRunner().invoke(cli, ["policy-template", str(tmp_path / "p.yaml")])
    assert plain.exit_code == 0 and "DEBUG" not in plain.output and "INFO" not in plain.output
    import logging

    ours = [h for h in logging.getLogger().handlers if getattr(h, "baseFilename", None) == str(log)]
    assert not ours
    shutil.rmtree(out, ignore_errors=True)


def test_the_last_line_of_defence_is_vietnamese() -> None:
    """Failures no library code maps: the group still prints one Vietnamese line, without English text."""
    import errno
    from concurrent.futures.process import BrokenProcessPool

    import click

    from letters.cli.main import VanbanGroup

    failures: dict[str, BaseException] = {
        "os": PermissionError(errno.EACCES, "Permission denied", "/srv/chung/ke-hoach.docx"),
        "pool": BrokenProcessPool("A process in the process pool was terminated abruptly"),
        "memory": MemoryError(),
        "bug": ValueError("Input should be a valid integer"),
    }

    @click.group(cls=VanbanGroup)
    def group() -> None:
        pass

    for name, failure in failures.items():

        def fail(failure: BaseException = failure) -> None:
            raise failure

        group.add_command(click.Command(name, callback=fail))
    for name, words in {
        "os": ["/srv/chung/ke-hoach.docx", "không có quyền truy cập"],
        "pool": ["tiến trình", "--verbose"],
        "memory": ["bộ nhớ"],
        "bug": ["Lỗi không mong đợi", "ValueError", "--verbose"],
    }.items():
        result = CliRunner().invoke(group, [name])
        assert result.exit_code == 1, result.output
        assert all(w in result.output for w in words), result.output
        for fragment in ("Traceback", "Errno", "Permission denied", "terminated abruptly", "Input should"):
            assert fragment not in result.output, result.output


def test_a_failure_among_the_moves_puts_everything_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from letters.core import files

    out = tmp_path / "ra"
    out.mkdir()
    (out / "a.txt").write_text("của người dùng")
    before = _listing(tmp_path)
    real_rename = files._rename

    def rename(source: Path, target: Path, shown: Path) -> None:
        if target.name == "z.txt":  # the last file: the disk fills up
            raise files.os_error(
                OSError(errno.ENOSPC, "No space left on device"), "Không ghi được tệp", shown
            )
        real_rename(source, target, shown)

    monkeypatch.setattr(files, "_rename", rename)
    with pytest.raises(VanbanError, match="ổ đĩa đã đầy"):
        with files.staged_outputs(out, force=True) as stage:
            files.atomic_write_text(stage / "a.txt", "mới")
            files.atomic_write_text(stage / "con" / "b.txt", "mới")
            files.atomic_write_text(stage / "z.txt", "mới")
    assert _listing(tmp_path) == before
    assert (out / "a.txt").read_text() == "của người dùng"

"""`vanban demo`: the whole product on the bundled example campaigns, in one command.

Everything goes under one output folder that the demo owns (so re-running it replaces its own
files): documents per example, their PDFs, a results run on example scores, and (when the
signing and verification parts are present) signed documents and an evidence check.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import click

from letters.core.progress import ProgressFactory, progress_bars, step

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
# A three-tier campaign of 2023 and a two-tier one after the 2025 reorganisation (no districts).
RESULTS_EXAMPLES = ("bacgiang-2023", "phutho-2026")
Echo = Callable[[str], None]


def example_files() -> list[Path]:
    return sorted(EXAMPLES_DIR.glob("*.yaml"))


def demo_documents(out_dir: Path, echo: Echo) -> list[Path]:
    """Every example campaign's plan, guidance letter, forms and evidence guides."""
    from letters.usecases.documents import ANNEX_DIR, RenderRequest, render_campaign

    docs: list[Path] = []
    for example in example_files():
        target = out_dir / example.stem
        echo(f"  {example.name}:")
        result = render_campaign(RenderRequest(example, target, force=True))
        annexes = [f for f in result.documents if f.path.parent.name == ANNEX_DIR]
        for f in result.documents:
            if f not in annexes:
                echo(f"    {f.label}: {f.path}")
        docs += [f.path for f in result.documents if f.path.suffix == ".docx"]
        echo(f"    {len(annexes)} biểu mẫu, phụ lục (Word, Excel): {target / ANNEX_DIR}")
    return docs


def demo_pdfs(docs: list[Path], echo: Echo, progress: ProgressFactory | None = None) -> list[Path]:
    from letters.usecases.documents import convert_documents

    pdfs = convert_documents(docs, force=True, progress=step(progress, "Chuyển sang PDF"))
    echo(f"  {len(pdfs)} tệp PDF (LibreOffice, phông chữ nhúng).")
    return pdfs


def demo_results(out_dir: Path, echo: Echo, progress: ProgressFactory | None = None) -> list[Path]:
    """Example self-assessment scores → ranking → Tờ trình, Quyết định and one notice per unit, for each
    results example."""
    produced: list[Path] = []
    for name in RESULTS_EXAMPLES:
        produced += _demo_results_of(name, out_dir, echo, progress)
    return produced


def _demo_results_of(
    name: str, out_dir: Path, echo: Echo, progress: ProgressFactory | None = None
) -> list[Path]:
    from letters.usecases.results import (
        ExampleScoresRequest,
        ResultsRequest,
        run_results,
        write_example_scores,
    )

    campaign_file = EXAMPLES_DIR / f"{name}.yaml"
    target = out_dir / "ket-qua" / name
    if target.exists():
        shutil.rmtree(target)
    echo(f"  {campaign_file.name}:")
    scores = write_example_scores(ExampleScoresRequest(campaign_file, target / "diem-tu-danh-gia", seed=2023))
    echo(f"    Điểm tự đánh giá mẫu (CSV và biểu mẫu Excel đã điền): {scores.parent}")
    outcome = run_results(ResultsRequest(campaign_file, scores, target, progress=progress))
    for tier in outcome.results.tiers:
        top = ", ".join(u.unit.name for u in tier.units if u.rank == 1)
        echo(
            f"    {tier.tier.name}: {len(tier.ranked)} đơn vị xếp hạng, {len(tier.excluded)} không xếp hạng; "
            f"dẫn đầu: {top}"
        )
    docs = outcome.files.documents
    echo(f"    Bảng xếp hạng, Tờ trình, Quyết định và {len(docs.notices)} thông báo kết quả: {target}")
    return [docs.proposal, docs.decision]


SIGN_EXAMPLE = "bacgiang-2023"
DEMO_TOKEN_LABEL = "vanban-mau"
DEMO_TOKEN_PIN = "123456"


def _issue_day(campaign_path: Path) -> date:
    """A plausible issue day for the example plan: the last working day a week before its first phase (the
    plan prints its year, so it is issued in that year, whenever the demo runs)."""
    from letters.core.vn import WorkCalendar
    from letters.usecases.documents import load_checked_campaign

    campaign = load_checked_campaign(campaign_path, build_letters=False).campaign
    assert campaign is not None
    starts = [p.start for p in campaign.phases if p.start]
    day = (min(starts) if starts else campaign.phases[0].end) - timedelta(days=7)
    work = WorkCalendar(campaign.calendar.extra_days_off, campaign.calendar.extra_working_days)
    while work.non_working_reason(day):
        day -= timedelta(days=1)
    return day


def demo_signing(out_dir: Path, echo: Echo) -> list[Path]:
    """The director signs the plan on a (SoftHSM2) token, the văn thư numbers, dates and seals it with the
    agency's key, and signs its attachments, all with the clearly labelled demo PKI served on 127.0.0.1."""
    from letters.core.vn import VN_TZ
    from letters.usecases.signing import Level, Pkcs11Key, Pkcs12Key, SignAndIssueRequest, sign_and_issue
    from signing.demo.pki import DIRECTOR, create_demo_pki
    from signing.demo.services import serve_pki
    from signing.demo.token import provision_softhsm

    # The example is a past campaign: the director signs on the morning of its issue day and the văn thư
    # issues it that afternoon (an issue date before the signature, or outside the printed year, is
    # refused). The demo PKI's signing certificates are valid from 2020 for this.
    issue_day = _issue_day(EXAMPLES_DIR / f"{SIGN_EXAMPLE}.yaml")
    signed_at = datetime.combine(issue_day, clock(8, 30), tzinfo=VN_TZ)
    issued_at = datetime.combine(issue_day, clock(14, 0), tzinfo=VN_TZ)
    pki_dir = out_dir / "pki-mau"
    pki = create_demo_pki(pki_dir)
    if pki.certs[DIRECTOR].not_valid_before_utc > signed_at:  # made by an older vanban: made anew
        shutil.rmtree(pki_dir)
        pki = create_demo_pki(pki_dir)
    token = provision_softhsm(
        pki_dir / "token",
        label=DEMO_TOKEN_LABEL,
        pin=DEMO_TOKEN_PIN,
        so_pin="12345678",
        key_pem=pki.key_path(DIRECTOR),
        cert=pki.cert_path(DIRECTOR),
        key_label="giam-doc",
        ca_certs=pki.chain,
    )
    echo(
        f"  Hạ tầng khoá MẪU (không có giá trị pháp lý): {pki_dir}; token PKCS#11 «{DEMO_TOKEN_LABEL}» (SoftHSM2, "
        f"mã PIN {DEMO_TOKEN_PIN})"
    )
    echo(
        f"  Mật khẩu các tệp khoá PKCS#12 MẪU ({pki.agency_p12.name}, {pki.director_p12.name}): «{pki.password}», "
        f"ghi trong tệp {pki_dir / 'pki.json'} (trường «password»). Ký thử: "
        f"VANBAN_P12_PASSWORD={pki.password} vanban sign TỆP.pdf TỆP.ky.pdf --p12 {pki.director_p12}"
    )
    source = out_dir / SIGN_EXAMPLE
    target = out_dir / "ky-so" / SIGN_EXAMPLE
    if target.exists():
        shutil.rmtree(target)
    director = Pkcs11Key(token.module_path, token.token_label, token.key_label, token.pin)
    agency = Pkcs12Key(pki.agency_p12, pki.password)
    issued_files: list[Path] = []
    with serve_pki(pki):
        plan = next(source.glob("*-ke-hoach-*.pdf"))
        attachments = sorted((source / "phu-luc").glob("*.pdf"))
        issued = sign_and_issue(
            SignAndIssueRequest(
                plan,
                target,
                director=director,
                agency=agency,
                doc_type="KH",
                agency_code="STTTT",
                register=target / "so-dang-ky.sqlite",
                issue_date=issue_day,
                attachments=tuple(attachments),
                level=Level.B_LT,
                tsa_url=pki.tsa_url,
                trust_roots=(pki.root_path,),
                director_signing_time=signed_at,
                agency_signing_time=issued_at,
            )
        )
        echo(
            f"  Kế hoạch số {issued.reference}, {issued.date_text}: giám đốc ký trên token, văn thư cấp số, "
            f"đóng dấu số (PAdES B-LT, dấu thời gian, thông tin thu hồi)"
        )
        echo(f"    {issued.signed_draft}")
        echo(f"    {issued.issued}")
        echo(f"    {len(issued.attachments)} phụ lục, biểu mẫu ký số của cơ quan: {target}")
        issued_files = [issued.signed_draft, issued.issued, *issued.attachments]
    return issued_files


def demo_verification(out_dir: Path, echo: Echo, progress: ProgressFactory | None = None) -> list[Path]:
    """A sample evidence folder (valid, tampered, unsigned, untrusted, revoked files from four units) checked
    against a campaign policy, with the reports and the letter asking units to resubmit."""
    from letters.usecases.evidence import VerifyRequest, verify_evidence
    from signing.demo.pki import create_demo_pki
    from signing.demo.sample import build_sample_evidence, sample_policy_path
    from signing.demo.services import serve_pki

    pki = create_demo_pki(out_dir / "pki-mau")
    work = out_dir / "kiem-tra"
    if work.exists():
        shutil.rmtree(work)
    with serve_pki(pki):
        evidence = build_sample_evidence(work / "tai-lieu-kiem-chung", pki)
        outcome = verify_evidence(
            VerifyRequest(
                (evidence,),
                work / "bao-cao",
                policy=sample_policy_path(evidence),
                campaign_file=EXAMPLES_DIR / f"{SIGN_EXAMPLE}.yaml",
                progress=step(progress, "Kiểm tra chữ ký số"),
            )
        )
    results = outcome.run.results
    bad = [r for r in results if not r.accepted]
    echo(
        f"  {len(results)} tệp tài liệu kiểm chứng của {len({r.unit for r in results})} đơn vị: "
        f"{len(results) - len(bad)} đạt, {len(bad)} cần nộp lại"
    )
    for r in bad:
        echo(f"    ✗ [{r.unit}] {Path(r.file).name}: {r.message}")
    echo(f"  Báo cáo: {work / 'bao-cao' / 'report.html'} (và report.json, report.csv)")
    if outcome.letter:
        echo(f"  Công văn đề nghị nộp lại: {outcome.letter}")
    return [*outcome.reports, *([outcome.letter] if outcome.letter else [])]


def run_demo(
    out_dir: Path, echo: Echo = click.echo, *, pdf: bool = True, progress: ProgressFactory | None = None
) -> dict[str, list[Path]]:
    out_dir = Path(out_dir)
    produced: dict[str, list[Path]] = {}
    started = time.perf_counter()
    echo("1. Văn bản từ hồ sơ chiến dịch mẫu (Kế hoạch, công văn hướng dẫn, biểu mẫu, phụ lục):")
    produced["documents"] = demo_documents(out_dir, echo)
    echo("2. Kết quả đánh giá từ điểm tự đánh giá mẫu:")
    produced["results"] = demo_results(out_dir, echo, progress)
    if pdf:
        echo("3. Bản PDF:")
        produced["pdf"] = demo_pdfs(produced["documents"] + produced["results"], echo, progress)
        echo("4. Ký số và ban hành theo Nghị định 30/2020/NĐ-CP:")
        produced["signed"] = demo_signing(out_dir, echo)
        echo("5. Kiểm tra chữ ký số trên tài liệu kiểm chứng các đơn vị gửi về:")
        produced["verification"] = demo_verification(out_dir, echo, progress)
    echo(f"Hoàn tất sau {time.perf_counter() - started:.0f} giây.")
    return produced


@click.command("demo")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("outputs"),
    show_default=True,
    help="Thư mục ghi kết quả chạy thử (vanban quản lý thư mục con của mình trong đó).",
)
@click.option("--no-pdf", is_flag=True, help="Không chuyển sang PDF (không cần LibreOffice).")
def demo_cmd(out_dir: Path, no_pdf: bool) -> None:
    """Chạy thử toàn bộ sản phẩm trên các hồ sơ chiến dịch mẫu trong thư mục examples/."""
    click.echo(f"Chạy thử vanban, kết quả ghi vào {out_dir.resolve()}")
    with progress_bars() as progress:
        run_demo(out_dir, pdf=not no_pdf, progress=progress)
    click.secho(f"Xong. Mở thư mục {out_dir.resolve()} để xem văn bản.", fg="green")

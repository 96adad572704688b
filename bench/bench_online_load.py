"""The last hour before the self-assessment deadline: hundreds of units' chuyên viên saving scores and uploading
evidence at once, against the real service (`vanban serve`) on 127.0.0.1, on SQLite and on PostgreSQL, with one
and with two Celery workers (`vanban worker`, Redis) verifying the evidence.

Per configuration: a fresh data folder and database; the Phú Thọ 2026 example grown to `--users` units (one
chuyên viên account each, the clock at 23:00 of the deadline day); `vanban serve` and the workers as an operator
starts them; locust (headless, bench/online_locustfile.py) runs one simulated person per unit. People arrive
over the first half of the run; a fifth of them log in through the login page, the others logged in earlier
that day and come with their session (`--fresh-logins`). Each opens the unit's page and its form, then, with a
person's pause between actions (`--think`), saves a score and an explanation per indicator through the
autosave endpoint (now and then revising one already saved) and uploads one or two small PDFs (a signed one
from the demo PKI; every second person an unsigned one too); each file's line polls every 2 s until its verdict
arrives, as the page does.

Afterwards, against what the simulated people were told was saved: every Entry's score, explanation and
version, every EvidenceFile's row, SHA-256 and stored bytes, and every file's final verdict (the signed ones
valid, the unsigned ones «chưa ký»), waiting up to `--verdict-wait` seconds for the last ones.

Run:  .venv/bin/python bench/bench_online_load.py [--users 500] [--minutes 3] [--db sqlite|postgres|both]
                     [--workers 0|1|2|both|all] [--connections keep|close] [--think 15-45] [--json FILE]
Workers: 0 is the server's own job thread (no broker); 1 and 2 are `vanban worker` processes on Redis.
Connections: `keep` holds one connection per person open between requests, as a browser does; `close` opens one
per request, as the service sees people through a reverse proxy.
PostgreSQL: the local server on 127.0.0.1:5432 when it lets `postgres` in (a fresh database per configuration),
otherwise a temporary cluster; Redis: a redis-server of the bench's own on a free port (the local one's test
database is shared with the test suite's workers). Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
LOCUSTFILE = ROOT / "bench" / "online_locustfile.py"
PASSWORD = "mat-khau-dai-2026"
# The last hour before the self-assessment closes (Phú Thọ 2026: 24h00 of 23/01/2026, Việt Nam time).
CLOCK = "23/01/2026 23:00"
FINAL_VERDICTS = {"hop_le", "khong_hop_le", "chua_ky", "chua_xac_dinh", "loi"}


# --------------------------------------------------------------------------- evidence files


_signer: Any = None


def _pdfs_of(job: tuple[Path, str, Path, int]) -> list[dict[str, Any]]:
    """One person's files (run in a worker process: signing 500 files takes a minute on one core)."""
    global _signer
    from signing.demo import attacks

    p12, password, folder, n = job
    if _signer is None:
        _signer = attacks.load_signer(p12, password)
    lines = [f"BAO CAO MINH CHUNG CUA DON VI SO {n:04d}", f"Chi tieu {n % 42 + 1}: {n % 100}%"]
    signed = folder / f"minh-chung-ky-so-{n:04d}.pdf"
    signed.write_bytes(attacks.sign_bytes(attacks.sample_pdf(lines), _signer))
    files = [{"path": str(signed), "expect": "hop_le"}]
    if n % 2 == 0:
        plain = folder / f"bao-cao-chua-ky-{n:04d}.pdf"
        plain.write_bytes(attacks.sample_pdf([*lines, "BAN CHUA KY SO"]))
        files.append({"path": str(plain), "expect": "chua_ky"})
    return files


def make_pdfs(pki: Any, folder: Path, users: int) -> list[dict[str, Any]]:
    """Per simulated person: a signed PDF (the agency's demo key) and, every second one, an unsigned PDF; every
    file's bytes differ, so a file stored under the wrong unit or indicator cannot pass the check."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from signing.demo.pki import AGENCY

    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(pki.p12_path(AGENCY), pki.password, folder, n) for n in range(users)]
    with ProcessPoolExecutor(os.cpu_count() or 1, mp_context=multiprocessing.get_context("fork")) as pool:
        return [{"files": files} for files in pool.map(_pdfs_of, jobs, chunksize=16)]


# --------------------------------------------------------------------------- the service's side (child processes)


def grown_campaign(units: int) -> str:
    from bench.bench_web_pages import grown_campaign as grow

    return grow(units)


def seed(users: int, root_cert: Path) -> dict[str, Any]:
    """An agency, the grown campaign with its submissions, one chuyên viên per unit, the evidence policy trusting
    the demo root, and the clock inside the last hour before the deadline."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from web.accounts.models import Agency, Profile, Role
    from web.assessment import clock
    from web.assessment.models import Submission
    from web.assessment.plans import plan_for
    from web.assessment.services import ensure_submissions
    from web.campaigns.models import Campaign
    from web.campaigns.services import save_source
    from web.evidence.services import save_policy, save_policy_file

    call_command("migrate", interactive=False, verbosity=0)
    agency = Agency.objects.create(
        code="skhcn-pt", name="Sở Khoa học và Công nghệ Phú Thọ", abbreviation="SKHCN"
    )
    User = get_user_model()
    staff = User.objects.create_user("chuyenvien-so", password=PASSWORD)
    Profile.objects.create(user=staff, agency=agency, role=Role.SO_STAFF, must_change_password=False)
    saved = save_source(
        Campaign(agency=agency, title="", year=0),
        grown_campaign(users),
        action="tao_dot_danh_gia",
        reason="Bài đo tải",
    )
    campaign = saved.campaign
    ensure_submissions(campaign)
    save_policy_file(campaign, staff, SimpleUploadedFile("goc-mau.crt", Path(root_cert).read_bytes()))
    save_policy(campaign, "trust_anchors: [goc-mau.crt]\n", staff)

    plan = plan_for(campaign)
    # The example has 47 units: a smaller run gives accounts to the first `users` of them only.
    subs = list(Submission.objects.filter(campaign=campaign).select_related("unit").order_by("id"))[:users]
    assert len(subs) == users, (len(subs), users)
    # One hash for every account (same password): 500 PBKDF2 hashes would take the seeding minutes; each login
    # still checks the password at the production cost.
    encoded = make_password(PASSWORD)
    people = User.objects.bulk_create(
        User(username=f"cv-{n:04d}", password=encoded, is_active=True) for n in range(len(subs))
    )
    if people[0].pk is None:  # back ends that do not return keys from bulk_create
        people = list(User.objects.filter(username__startswith="cv-").order_by("username"))
    Profile.objects.bulk_create(
        Profile(
            user=person,
            agency=agency,
            role=Role.UNIT_STAFF,
            unit=sub.unit,
            full_name=f"Chuyên viên {sub.unit.name}",
            must_change_password=False,
        )
        for person, sub in zip(people, subs, strict=True)
    )
    from datetime import datetime

    clock.set_now(datetime.strptime(CLOCK, "%d/%m/%Y %H:%M"), by="bench")
    accounts = []
    for person, sub in zip(people, subs, strict=True):
        rows = plan.tier(sub.tier).rows
        accounts.append(
            {
                "username": person.username,
                "password": PASSWORD,
                "session": _session_of(person),
                "unit": sub.unit.name,
                "submission": sub.pk,
                "tier": sub.tier,
                "indicators": {r.code: str(r.max_points) for r in rows},
            }
        )
    return {"campaign": campaign.pk, "accounts": accounts}


def _session_of(user: Any) -> str:
    """A session as Django's login() leaves it: the person logged in earlier in the day (sessions last a working
    day), so only some people pay for a password check during the run, as in the real last hour."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return str(session.session_key)


def check(sent_path: Path, wait_seconds: float) -> dict[str, Any]:
    """After the run: wait for the last verdicts, then compare the database and the stored files with what every
    simulated person was told was saved."""
    import django

    django.setup()
    from django.db import connection

    from web.assessment.models import Entry, EvidenceFile

    sent = json.loads(sent_path.read_text(encoding="utf-8"))
    started = time.monotonic()
    while EvidenceFile.objects.exclude(verdict__in=FINAL_VERDICTS).exists():
        if time.monotonic() - started > wait_seconds:
            break
        time.sleep(0.5)
    drained = time.monotonic() - started
    pending = EvidenceFile.objects.exclude(verdict__in=FINAL_VERDICTS).count()
    from django.db.models import Count

    from web.jobs.models import Job

    jobs = {row["status"]: row["n"] for row in Job.objects.values("status").annotate(n=Count("id"))}
    job_errors = sorted({j.error[:200] for j in Job.objects.filter(status="failed")})[:5]

    problems: list[str] = []
    entries = {
        (e.submission_id, e.code): e
        for e in Entry.objects.filter(submission_id__in=[p["submission"] for p in sent["people"]])
    }
    checked_scores = 0
    for person in sent["people"]:
        for code in person["indicators"]:
            entry = entries.get((person["submission"], code))
            if entry is None:
                problems.append(f"{person['username']} {code}: no such entry")
                continue
            last = person["saved"].get(code)
            options = ([last] if last else []) + person["uncertain"].get(code, [])
            if not options:
                if entry.self_score is not None or entry.self_note:
                    problems.append(f"{person['username']} {code}: a score nobody saved ({entry.self_score})")
                continue
            if last is None and entry.self_score is None and not entry.self_note:
                continue  # only uncertain writes, none of which landed
            if not any(_same_entry(entry, option) for option in options):
                problems.append(
                    f"{person['username']} {code}: the database has {entry.self_score} "
                    f"«{entry.self_note[:40]}» v{entry.version}; last saved {last}"
                )
            checked_scores += 1

    files = {f.pk: f for f in EvidenceFile.objects.select_related("entry")}
    by_submission: dict[int, set[str]] = {}
    for f in files.values():
        by_submission.setdefault(f.entry.submission_id, set()).add(f.sha256)
    latencies: list[float] = []
    wrong_verdict: list[str] = []
    checked_files = 0
    for person in sent["people"]:
        acked = {u["sha256"] for u in person["uploads"]}
        extra = by_submission.get(person["submission"], set()) - acked - set(person["uncertain_uploads"])
        if extra:
            problems.append(f"{person['username']}: files nobody was told were stored: {sorted(extra)}")
        for upload in person["uploads"]:
            row = files.get(int(upload["id"]))
            if row is None:
                problems.append(f"{person['username']}: file {upload['id']} missing")
                continue
            checked_files += 1
            if row.entry.submission_id != person["submission"] or row.entry.code != upload["code"]:
                problems.append(f"{person['username']}: file {row.pk} under the wrong indicator")
            if row.sha256 != upload["sha256"] or row.size != upload["size"]:
                problems.append(f"{person['username']}: file {row.pk} recorded with another hash or size")
            if hashlib.sha256(row.path.read_bytes()).hexdigest() != upload["sha256"]:
                problems.append(f"{person['username']}: file {row.pk}'s stored bytes differ from those sent")
            if row.verdict in FINAL_VERDICTS and row.checked_at is not None:
                # Both times are on the service's clock.
                latencies.append((row.checked_at - row.uploaded_at).total_seconds())
                if row.verdict != upload["expect"]:
                    wrong_verdict.append(f"{row.name}: {row.verdict} ({row.verdict_text[:160]})")
    latencies.sort()
    return {
        "vendor": connection.vendor,
        "scores_checked": checked_scores,
        "files_checked": checked_files,
        "files_in_db": len(files),
        "pending_after_wait": pending,
        "jobs": jobs,
        "job_errors": job_errors,
        "drain_seconds": drained,
        "verdict_p50": _pct(latencies, 0.5),
        "verdict_p95": _pct(latencies, 0.95),
        "verdict_max": latencies[-1] if latencies else None,
        "wrong_verdicts": wrong_verdict[:20],
        "wrong_verdict_count": len(wrong_verdict),
        "problems": problems[:50],
        "problem_count": len(problems),
    }


def _same_entry(entry: Any, saved: dict[str, Any]) -> bool:
    from decimal import Decimal

    score = None if saved["score"] is None else Decimal(saved["score"].replace(",", "."))
    version_ok = saved.get("version") is None or entry.version == saved["version"]
    return entry.self_score == score and entry.self_note == saved["note"] and version_ok


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return values[min(len(values) - 1, max(0, round(q * len(values)) - 1))]


# --------------------------------------------------------------------------- the driver


@dataclass
class Config:
    db: str  # sqlite | postgres
    workers: int  # 0: the server's own thread; n: n `vanban worker` processes on Redis

    @property
    def label(self) -> str:
        jobs = "luồng tác vụ của dịch vụ" if self.workers == 0 else f"{self.workers} Celery worker"
        return f"{'SQLite' if self.db == 'sqlite' else 'PostgreSQL'}, {jobs}"


@dataclass
class Outcome:
    config: Config
    locust: dict[str, Any] = field(default_factory=dict)
    check: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def child_env(data: Path, database_url: str | None = None, broker: str | None = None) -> dict[str, str]:
    """An operator's environment for the service's processes: nothing of a test run's settings."""
    drop = (
        "DATABASE_URL",
        "VANBAN_BROKER",
        "DJANGO_SETTINGS_MODULE",
        "VANBAN_TEST_DATABASE_URL",
        "VANBAN_DATA",
    )
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        {
            "VANBAN_DATA": str(data),
            "DJANGO_SETTINGS_MODULE": "web.settings",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            # The clock stands in the last hour before the deadline (web.assessment.clock honours it only then).
            "VANBAN_CLOCK_ADJUSTABLE": "1",
        }
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    if broker:
        env["VANBAN_BROKER"] = broker
    return env


def child(mode: str, env: dict[str, str], *args: str, timeout: float = 1800) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", mode, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and of the children it has reaped (the verifier's forked workers)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / TICK


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / TICK, sum(values) / TICK


def wait_for_port(port: int, seconds: float, proc: subprocess.Popen[bytes], log: Path) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"vanban serve stopped:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"vanban serve did not answer within {seconds:.0f} s")


def stop(proc: subprocess.Popen[bytes], grace: float = 30) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # a pool process that outlived its parent
    except ProcessLookupError:
        pass


def run_config(
    config: Config,
    args: argparse.Namespace,
    work: Path,
    pdfs: list[dict[str, Any]],
    root_cert: Path,
    database_url: str | None,
    broker: str | None,
) -> Outcome:
    from tests.web.servers import free_port

    outcome = Outcome(config)
    name = f"{config.db}-{config.workers}"
    data = work / f"data-{name}"
    logs = work / f"logs-{name}"
    logs.mkdir(parents=True)
    env = child_env(data, database_url, broker if config.workers else None)
    if config.workers:
        assert broker
        from tests.web.servers import _flush

        _flush(broker)

    print(f"\n== {config.label}: chuẩn bị dữ liệu ({args.users} đơn vị)", flush=True)
    seeded = child("seed", env, str(args.users), str(root_cert))
    accounts = seeded["accounts"]
    for account, files in zip(accounts, pdfs, strict=True):
        account["files"] = files["files"]
    accounts_path = work / f"accounts-{name}.json"
    accounts_path.write_text(json.dumps(accounts, ensure_ascii=False), encoding="utf-8")

    port = free_port()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        serve_log = logs / "serve.log"
        with serve_log.open("wb") as out:
            server = subprocess.Popen(
                [
                    str(BIN / "vanban"),
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--data",
                    str(data),
                ],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        procs.append(server)
        wait_for_port(port, 120, server, serve_log)
        for n in range(config.workers):
            with (logs / f"worker-{n}.log").open("wb") as out:
                procs.append(
                    subprocess.Popen(
                        [
                            str(BIN / "vanban"),
                            "worker",
                            "--data",
                            str(data),
                            "--concurrency",
                            str(args.worker_concurrency),
                        ],
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        if config.workers:
            time.sleep(4)  # the workers connected to Redis before the first upload

        seconds = int(args.minutes * 60)
        ramp = max(1.0, seconds * args.ramp)
        sent_path = work / f"sent-{name}.json"
        stats_path = work / f"stats-{name}.json"
        locust_env = {
            **env,
            "ONLINE_BENCH_ACCOUNTS": str(accounts_path),
            "ONLINE_BENCH_SENT": str(sent_path),
            "ONLINE_BENCH_STATS": str(stats_path),
            "ONLINE_BENCH_THINK": args.think,
            "ONLINE_BENCH_POLL": str(args.poll),
            "ONLINE_BENCH_CONNECTIONS": args.connections,
            "ONLINE_BENCH_FRESH_LOGINS": str(args.fresh_logins),
        }
        print(
            f"   locust: {args.users} người dùng, {seconds} s (vào dần trong {ramp:.0f} s), máy chủ cổng {port}",
            flush=True,
        )
        started = time.monotonic()
        cpu_before = {p.pid: cpu_seconds(p.pid) for p in procs}
        busy_before = machine_busy()
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "--host",
                f"http://127.0.0.1:{port}",
                "--users",
                str(args.users),
                "--spawn-rate",
                f"{args.users / ramp:.3f}",
                "--run-time",
                f"{seconds}s",
                "--stop-timeout",
                "15",
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env=locust_env,
            capture_output=True,
            text=True,
            timeout=seconds + 300,
        )
        outcome.seconds = time.monotonic() - started
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        busy_after = machine_busy()
        spent = {p.pid: cpu_seconds(p.pid) - cpu_before[p.pid] for p in procs}
        cpu = {
            "server": spent[server.pid],
            "workers": sum(v for pid, v in spent.items() if pid != server.pid),
            "locust": (children.ru_utime + children.ru_stime)
            - (children_before.ru_utime + children_before.ru_stime),
            "machine_busy": busy_after[0] - busy_before[0],
            "machine_total": busy_after[1] - busy_before[1],
        }
        (logs / "locust.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
        if not stats_path.exists():
            raise SystemExit(f"locust wrote no figures ({proc.returncode}):\n{proc.stderr[-4000:]}")
        outcome.locust = json.loads(stats_path.read_text(encoding="utf-8"))
        outcome.locust["cpu"] = cpu
        outcome.check = child("check", env, str(sent_path), str(args.verdict_wait))
    finally:
        for p in reversed(procs):
            stop(p)
    tracebacks = sum(
        path.read_text(errors="replace").count("Traceback")
        for path in logs.glob("*.log")
        if path.name != "locust.log"
    )
    outcome.check["server_tracebacks"] = tracebacks
    if not args.keep:
        shutil.rmtree(data, ignore_errors=True)
    return outcome


CONNECTIONS = {
    "keep": "mỗi người giữ một kết nối như trình duyệt",
    "close": "mỗi yêu cầu một kết nối, như sau một reverse proxy",
}
KINDS = [
    ("login-page", "Trang đăng nhập"),
    ("login", "Đăng nhập"),
    ("index", "Trang tự đánh giá"),
    ("form", "Mở biểu tự đánh giá"),
    ("save", "Lưu điểm (tự động)"),
    ("upload", "Tải lên minh chứng"),
    ("poll", "Hỏi kết quả kiểm tra"),
]


def report(outcomes: list[Outcome], args: argparse.Namespace) -> bool:
    """The comparison table; True when every configuration had no error, no lost write and every verdict."""
    width = 30
    print(
        f"\n{args.users} người dùng (mỗi đơn vị một chuyên viên), {args.minutes:g} phút mỗi cấu hình, người dùng vào "
        f"dần trong {args.ramp * 100:.0f}% đầu, nghỉ {args.think} giây giữa hai thao tác, kết nối: "
        f"{CONNECTIONS[args.connections]}.\n"
        "Ô thời gian phản hồi: số lượt · p95 / lớn nhất, mili giây."
    )
    head = f"{'':30}" + "".join(f" | {o.config.label:>{width}}" for o in outcomes)
    print(head)
    print("-" * len(head))

    def timing(o: Outcome, key: str, part: str = "kinds") -> str:
        s = o.locust.get(part, {}).get(key)
        if not s:
            return "-"
        return f"{s['count']} · {s['p95']:.0f} / {s['max']:.0f}"

    rows: list[tuple[str, Any]] = [(label, lambda o, k=key: timing(o, k)) for key, label in KINDS]
    rows += [
        (f"{label}, khi mọi người đã vào", lambda o, k=key: timing(o, k, "steady"))
        for key, label in KINDS
        if key in ("save", "upload", "poll")
    ]
    rows += [
        ("yêu cầu / giây", lambda o: f"{o.locust['rps']:.1f}"),
        ("yêu cầu lỗi", lambda o: f"{o.locust['failures']}"),
        ("điểm đã đối chiếu với CSDL", lambda o: f"{o.check['scores_checked']}"),
        ("tệp đã đối chiếu (SHA-256)", lambda o: f"{o.check['files_checked']}/{o.check['files_in_db']}"),
        ("ghi bị mất hoặc bị đè", lambda o: f"{o.check['problem_count']}"),
        ("kết quả kiểm tra thấy khi chạy", lambda o: f"{o.locust['verdicts_seen']}/{o.locust['uploads']}"),
        ("tệp chưa có kết quả sau chờ", lambda o: f"{o.check['pending_after_wait']}"),
        ("chờ kết quả cuối sau lượt (s)", lambda o: f"{o.check['drain_seconds']:.0f}"),
        ("tải lên → kết quả p50/p95/max", lambda o: _latency(o.check)),
        ("kết quả sai", lambda o: f"{o.check['wrong_verdict_count']}"),
        ("traceback trong nhật ký", lambda o: f"{o.check['server_tracebacks']}"),
        ("CPU dịch vụ web, ms/yêu cầu", lambda o: _per_request(o)),
        ("CPU worker, ms/tệp", lambda o: _per_file(o)),
        ("CPU locust (s)", lambda o: f"{o.locust['cpu']['locust']:.0f}"),
        ("máy bận / tiến trình khác", lambda o: _machine(o)),
    ]
    for label, cell in rows:
        print(f"{label:30}" + "".join(f" | {cell(o):>{width}}" for o in outcomes))
    ok = True
    for o in outcomes:
        bad = (
            o.locust["failures"]
            or o.check["problem_count"]
            or o.check["pending_after_wait"]
            or o.check["wrong_verdict_count"]
            or o.check["server_tracebacks"]
        )
        if bad:
            ok = False
            print(f"\n{o.config.label}:")
            for line in o.locust.get("failure_samples", [])[:10]:
                print(f"  lỗi: {line}")
            for line in o.check["problems"][:10]:
                print(f"  ghi: {line}")
            for line in o.check["wrong_verdicts"][:5]:
                print(f"  kết quả: {line}")
            print(f"  tác vụ: {o.check.get('jobs')} {o.check.get('job_errors') or ''}")
    print(
        "\nKết luận: " + ("không lỗi, không mất ghi, đủ kết quả kiểm tra." if ok else "CÓ VẤN ĐỀ (xem trên).")
    )
    return ok


def _per_request(o: Outcome) -> str:
    requests = o.locust["requests"]
    return f"{1000 * o.locust['cpu']['server'] / requests:.1f}" if requests else "-"


def _per_file(o: Outcome) -> str:
    if not o.config.workers:
        return "(trong dịch vụ web)"
    files = o.check["files_in_db"]
    return f"{1000 * o.locust['cpu']['workers'] / files:.0f}" if files else "-"


def _machine(o: Outcome) -> str:
    """How busy both cores were during the run, and how much of it was not the service, its workers or locust
    (PostgreSQL, Redis, and anything else running on the machine: the figures are only as quiet as that)."""
    cpu = o.locust["cpu"]
    total = cpu["machine_total"] or 1.0
    others = cpu["machine_busy"] - cpu["server"] - cpu["workers"] - cpu["locust"]
    return f"{100 * cpu['machine_busy'] / total:.0f}% / {100 * max(0.0, others) / total:.0f}%"


def _latency(check: dict[str, Any]) -> str:
    values = [check.get(k) for k in ("verdict_p50", "verdict_p95", "verdict_max")]
    return " / ".join(_num(v) for v in values) + " s"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def configs(args: argparse.Namespace) -> list[Config]:
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    workers = {"both": [1, 2], "all": [0, 1, 2]}.get(args.workers) or [int(args.workers)]
    return [Config(db, w) for db in dbs for w in workers]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=500, help="simulated people, one per unit")
    parser.add_argument("--minutes", type=float, default=3.0, help="length of each configuration's run")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--workers", choices=["0", "1", "2", "both", "all"], default="both")
    parser.add_argument("--worker-concurrency", type=int, default=1, help="threads per `vanban worker`")
    parser.add_argument("--think", default="15-45", help="seconds a person waits between actions, MIN-MAX")
    parser.add_argument(
        "--fresh-logins",
        type=float,
        default=0.2,
        help="share of people who log in through the login page; the others come with a session from earlier",
    )
    parser.add_argument("--poll", type=float, default=2.0, help="seconds between two polls of a file's line")
    parser.add_argument("--ramp", type=float, default=0.5, help="share of the run over which people arrive")
    parser.add_argument(
        "--verdict-wait", type=float, default=180.0, help="seconds to wait for the last verdicts"
    )
    parser.add_argument(
        "--connections",
        choices=["keep", "close"],
        default="keep",
        help="keep: a connection per person kept open, as browsers do; close: one per request (a reverse proxy)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the data folders and logs")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, *rest = args.child
        if mode == "seed":
            print(json.dumps(seed(int(rest[0]), Path(rest[1])), ensure_ascii=False))
        elif mode == "check":
            print(json.dumps(check(Path(rest[0]), float(rest[1])), ensure_ascii=False))
        return 0
    if args.minutes * 60 > 50 * 60:
        parser.error("--minutes: at most 50 (the clock stands at 23:00 of the deadline day)")

    from signing.demo.pki import create_demo_pki
    from signing.demo.services import serve_pki
    from tests.web.servers import postgres, postgres_database, temporary_redis

    chosen = configs(args)
    work = Path(tempfile.mkdtemp(prefix="bench-online-load-"))
    outcomes: list[Outcome] = []
    ok = False
    started = time.monotonic()
    try:
        pki = create_demo_pki(work / "pki")
        with ExitStack() as stack:
            stack.enter_context(serve_pki(pki))
            t = time.monotonic()
            pdfs = make_pdfs(pki, work / "pdf", args.users)
            count = sum(len(p["files"]) for p in pdfs)
            print(f"{count} tệp PDF minh chứng ({time.monotonic() - t:.0f} s)", flush=True)
            # A Redis of its own: the local one's database 13 is shared with the test suite's workers and flushes.
            broker = stack.enter_context(temporary_redis()) if any(c.workers for c in chosen) else None
            server = stack.enter_context(postgres()) if any(c.db == "postgres" for c in chosen) else None
            for config in chosen:
                with ExitStack() as db_stack:
                    url = None
                    if config.db == "postgres":
                        assert server is not None
                        if args.keep:
                            url = server.url(server.create_database("vanban_bench"))
                            print(f"   cơ sở dữ liệu giữ lại: {url}")
                        else:
                            url = db_stack.enter_context(postgres_database(server, "vanban_bench"))
                    outcomes.append(run_config(config, args, work, pdfs, Path(pki.root_path), url, broker))
        ok = report(outcomes, args)
        print(f"Tổng thời gian bài đo: {(time.monotonic() - started) / 60:.1f} phút")
        if args.json:
            results = [
                {
                    "config": o.config.label,
                    "db": o.config.db,
                    "workers": o.config.workers,
                    "locust": o.locust,
                    "check": o.check,
                }
                for o in outcomes
            ]
            summary = {"users": args.users, "minutes": args.minutes, "work": str(work), "results": results}
            args.json.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"Giữ lại: {work}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

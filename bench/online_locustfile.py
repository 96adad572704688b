"""The simulated unit chuyên viên of bench/bench_online_load.py, for locust (headless).

Each simulated person takes one account from ONLINE_BENCH_ACCOUNTS (written by the bench's seeding), logs in
through the login page (a share ONLINE_BENCH_FRESH_LOGINS of them; the others come with the session the seeding
made, as people who logged in earlier that day), opens the unit's self-assessment page and its form, and then,
one action per locust task, with a person's pause between actions (ONLINE_BENCH_THINK, "MIN-MAX" seconds):
saves a score and an explanation per indicator through the autosave endpoint (as htmx sends it, with the
version the page showed), now and then revises an indicator already saved, and uploads its evidence PDFs to two
indicators; meanwhile each uploaded file's line polls for its verdict every ONLINE_BENCH_POLL seconds, as the
page does with htmx. What the service acknowledged is recorded per person and written, with the request
figures, when locust quits (ONLINE_BENCH_SENT, ONLINE_BENCH_STATS): the bench compares it with the database.

A write whose answer never came (a failed request, a person stopped mid-request) is recorded as uncertain: the
check accepts either the last acknowledged value or the uncertain one, but nothing else.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import os
import random
import re
import secrets
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import gevent
from locust import events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

ACCOUNTS: list[dict[str, Any]] = json.loads(
    Path(os.environ["ONLINE_BENCH_ACCOUNTS"]).read_text(encoding="utf-8")
)
THINK = tuple(float(x) for x in os.environ.get("ONLINE_BENCH_THINK", "3-9").split("-"))
POLL = float(os.environ.get("ONLINE_BENCH_POLL", "2"))  # the form's file line polls every 2 s (htmx)
# "keep": each person keeps its connection open between requests, as a browser does (HTTP/1.1 keep-alive);
# "close": one connection per request, as the service sees people through a reverse proxy that does not keep
# connections to it open.
CLOSE = {"Connection": "close"} if os.environ.get("ONLINE_BENCH_CONNECTIONS") == "close" else {}
# The share of people who log in through the login page during the run; the others logged in earlier that day
# and come with their session (a password check costs the server a fifth of a second of CPU by design).
FRESH_LOGINS = float(os.environ.get("ONLINE_BENCH_FRESH_LOGINS", "1"))
_next = itertools.count()
PEOPLE: list[Person] = []
# Every request's (kind, milliseconds, failed, when): exact percentiles, and the figures of the steady part of
# the run (everyone logged in) apart from the arrival, whose logins cost a PBKDF2 hash each.
TIMINGS: list[tuple[str, float, bool, float]] = []
ALL_IN: list[float] = []

VERDICT_LABELS = {
    "Đang kiểm tra": "dang_kiem_tra",
    "Hợp lệ": "hop_le",
    "Không hợp lệ": "khong_hop_le",
    "Chưa có chữ ký số": "chua_ky",
    "Chưa xác định được": "chua_xac_dinh",
    "Không đọc được tệp": "loi",
}

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_LINK = re.compile(r'href="(/tu-danh-gia/(\d+)/)"')
ROW = re.compile(r'<article class="sa-row" id="chi-so-(\d+)">.*?<span class="sa-code">([^<]+)</span>', re.S)
VERSION = re.compile(r'name="version" id="v-(\d+)" value="(\d+)"')
FILE_ITEM = re.compile(r'<li id="tep-file-(\d+)"([^>]*)>(.*?)</li>', re.S)
BADGE = re.compile(r'<span class="badge verdict[^"]*">([^<]+)</span>')
HASH = re.compile(r'<code class="hash">([0-9a-f]{64})</code>')


class Refused(Exception):
    """An answer the simulated person did not expect: counted as a failed request."""


class Person:
    """What one simulated person was told was saved: the bench's ground truth for the lost-write check."""

    def __init__(self, account: dict[str, Any]) -> None:
        self.account = account
        self.saved: dict[str, dict[str, Any]] = {}  # code -> {"score", "note", "version"} last acknowledged
        self.uncertain: dict[str, list[dict[str, Any]]] = {}  # code -> writes whose answer never came
        self.uploads: list[dict[str, Any]] = []
        self.uncertain_uploads: list[str] = []  # SHA-256 of uploads whose answer never came
        self.saves = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "username": self.account["username"],
            "submission": self.account["submission"],
            "indicators": list(self.account["indicators"]),
            "saved": self.saved,
            "uncertain": self.uncertain,
            "uploads": self.uploads,
            "uncertain_uploads": self.uncertain_uploads,
        }


def multipart(fields: dict[str, str], name: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = "----vanban-bench-" + secrets.token_hex(12)
    parts = []
    for key, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def alert(body: str, element_id: str) -> str:
    """The text of an error element (empty when the write went through)."""
    found = re.search(rf'id="{re.escape(element_id)}"[^>]*>(.*?)</div>', body, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""


class UnitStaff(FastHttpUser):
    network_timeout = 120.0
    connection_timeout = 30.0

    def wait_time(self) -> float:
        return random.uniform(*THINK)

    def on_start(self) -> None:
        n = next(_next)
        if n >= len(ACCOUNTS):
            raise StopUser()
        self.n = n
        self.person = Person(ACCOUNTS[n])
        PEOPLE.append(self.person)
        self.rng = random.Random(n)
        self.sub = int(self.person.account["submission"])
        self.entries: dict[str, int] = {}  # code -> entry id
        self.versions: dict[int, int] = {}
        self.files_on: dict[int, set[int]] = {}  # entry id -> file ids seen on its list
        self.todo_files = list(self.person.account["files"])
        self.watchers: list[gevent.Greenlet] = []  # the page's pollers, one per file waiting for its verdict
        self.token = ""
        if self.rng.random() < FRESH_LOGINS:
            self.login()
        else:
            self.resume_session()
        self.open_form()

    # -- pages

    def htmx(self) -> dict[str, str]:
        return {
            **CLOSE,
            "HX-Request": "true",
            "HX-Current-URL": f"{self.host}/tu-danh-gia/{self.sub}/",
            "X-CSRFToken": self.token,
        }

    def login(self) -> None:
        page = self.client.get("/tai-khoan/dang-nhap/", headers=CLOSE, name="login-page")
        token = CSRF.search(page.text or "")
        if page.status_code != 200 or token is None:
            raise StopUser()
        body = urlencode(
            {
                "csrfmiddlewaretoken": token.group(1),
                "username": self.person.account["username"],
                "password": self.person.account["password"],
            }
        )
        with self.client.post(
            "/tai-khoan/dang-nhap/",
            data=body,
            headers={**CLOSE, "Content-Type": "application/x-www-form-urlencoded"},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 302:
                r.failure(f"login answered {r.status_code}")
                raise StopUser()

    def resume_session(self) -> None:
        from http.cookiejar import Cookie

        host = self.host.split("://", 1)[1].split(":", 1)[0]
        self.client.cookiejar.set_cookie(
            Cookie(
                version=0,
                name="sessionid",
                value=self.person.account["session"],
                port=None,
                port_specified=False,
                domain=host,
                domain_specified=False,
                domain_initial_dot=False,
                path="/",
                path_specified=True,
                secure=False,
                expires=None,
                discard=True,
                comment=None,
                comment_url=None,
                rest={"HttpOnly": ""},
            )
        )

    def open_form(self) -> None:
        with self.client.get("/tu-danh-gia/", headers=CLOSE, name="index", catch_response=True) as r:
            links = {int(m.group(2)) for m in FORM_LINK.finditer(r.text or "")}
            if r.status_code != 200:
                r.failure(f"the unit's page answered {r.status_code}: {r.error or ''}")
                raise StopUser()
            if self.sub not in links:
                r.failure(f"the unit's page has no link to submission {self.sub}")
                raise StopUser()
        with self.client.get(
            f"/tu-danh-gia/{self.sub}/", headers=CLOSE, name="form", catch_response=True
        ) as r:
            text = r.text or ""
            self.entries = {html.unescape(code).strip(): int(pk) for pk, code in ROW.findall(text)}
            self.versions = {int(pk): int(v) for pk, v in VERSION.findall(text)}
            token = CSRF.search(text)
            if token:
                self.token = token.group(1)
            if set(self.entries) != set(self.person.account["indicators"]) or not token:
                r.failure(
                    f"form of submission {self.sub}: {len(self.entries)} indicators, token {bool(token)}"
                )
                raise StopUser()

    # -- one action per task

    @task
    def step(self) -> None:
        p = self.person
        if self.todo_files and p.saves >= 1 + 2 * len(p.uploads):
            self.upload(self.todo_files.pop(0))
        else:
            self.save()

    def on_stop(self) -> None:
        gevent.killall(self.watchers, block=True, timeout=5)

    def save(self) -> None:
        p = self.person
        codes = list(self.person.account["indicators"])
        unsaved = [c for c in codes if c not in p.saved]
        if unsaved and (not p.saved or self.rng.random() > 0.2):
            code = unsaved[0]
        else:
            code = self.rng.choice(sorted(p.saved))
        top = Decimal(self.person.account["indicators"][code])
        if self.rng.random() < 0.25:
            value = top
        else:
            value = Decimal(self.rng.randrange(0, int(top * 4))) / 4
        score = f"{value:f}"
        if "." in score:
            score = score.rstrip("0").rstrip(".")
        score = score.replace(".", ",")  # as a person types it: 7,5
        note = (
            ""
            if value == top and self.rng.random() < 0.5
            else f"Lần lưu {p.saves + 1} của chỉ số {code}: đơn vị mới đạt một phần yêu cầu ({self.n}-{secrets.token_hex(3)})."
        )
        pk = self.entries[code]
        sent = {"score": score, "note": note, "version": None}
        p.uncertain.setdefault(code, []).append(sent)
        body = urlencode(
            {"csrfmiddlewaretoken": self.token, "version": self.versions[pk], "score": score, "note": note}
        )
        with self.client.post(
            f"/tu-danh-gia/{self.sub}/chi-so/{pk}/luu/",
            data=body,
            headers={**self.htmx(), "Content-Type": "application/x-www-form-urlencoded"},
            name="save",
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"save answered {r.status_code}")
                self.resync()
                return
            text = r.text or ""
            version = re.search(rf'id="v-{pk}" value="(\d+)"', text)
            problems = [alert(text, f"loi-{w}-{pk}") for w in ("score", "note", "form")]
            conflict = "sa-conflict" in text
            if conflict or any(problems) or version is None:
                r.failure(f"save refused: {'conflict ' if conflict else ''}{[x for x in problems if x]}")
                self.resync()
                return
            self.versions[pk] = int(version.group(1))
            sent["version"] = self.versions[pk]
            # Acknowledged over the version the page showed: no earlier write of this indicator can still land.
            p.uncertain.pop(code, None)
            p.saved[code] = sent
            p.saves += 1

    def upload(self, planned: dict[str, Any]) -> None:
        p = self.person
        codes = list(self.person.account["indicators"])
        code = codes[(1 + 2 * len(p.uploads)) % len(codes)]
        pk = self.entries[code]
        data = Path(planned["path"]).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        body, content_type = multipart(
            {"csrfmiddlewaretoken": self.token}, "file", Path(planned["path"]).name, data
        )
        p.uncertain_uploads.append(digest)
        with self.client.post(
            f"/tu-danh-gia/{self.sub}/chi-so/{pk}/tai-len/",
            data=body,
            headers={**self.htmx(), "Content-Type": content_type},
            name="upload",
            catch_response=True,
        ) as r:
            text = r.text or ""
            error = alert(text, f"loi-upload-{pk}")
            items = {int(i): (attrs, inner) for i, attrs, inner in FILE_ITEM.findall(text)}
            new = set(items) - self.files_on.get(pk, set())
            if r.status_code != 200 or error or len(new) != 1:
                r.failure(f"upload answered {r.status_code}: {error or f'{len(new)} new files listed'}")
                return
            file_id = new.pop()
            shown = HASH.search(items[file_id][1])
            if shown is None or shown.group(1) != digest:
                r.failure("upload listed another SHA-256 than the file sent")
                return
            self.files_on.setdefault(pk, set()).add(file_id)
            p.uncertain_uploads.remove(digest)
            record = {
                "id": file_id,
                "code": code,
                "sha256": digest,
                "size": len(data),
                "expect": planned["expect"],
                "verdict": None,
                "sent_at": time.time(),
                "seen_after": None,
            }
            p.uploads.append(record)
            self.watchers.append(gevent.spawn(self.watch, record))

    def watch(self, record: dict[str, Any]) -> None:
        """The file's line on the page: polled every POLL seconds while the person goes on typing, until its
        verdict arrives."""
        while record["verdict"] is None:
            gevent.sleep(POLL)
            with self.client.get(
                f"/tu-danh-gia/{self.sub}/tep/{record['id']}/trang-thai/",
                headers=self.htmx(),
                name="poll",
                catch_response=True,
            ) as r:
                text = r.text or ""
                badge = BADGE.search(text)
                verdict = VERDICT_LABELS.get(html.unescape(badge.group(1)).strip()) if badge else None
                if r.status_code != 200 or verdict is None:
                    r.failure(f"file line answered {r.status_code} without a verdict")
                    continue
                if verdict != "dang_kiem_tra":
                    record["verdict"] = verdict
                    record["seen_after"] = time.time() - record["sent_at"]

    def resync(self) -> None:
        """After an unexpected answer, reload the form as a person would: the page shows the current versions."""
        with self.client.get(
            f"/tu-danh-gia/{self.sub}/", headers=CLOSE, name="form", catch_response=True
        ) as r:
            self.versions.update({int(pk): int(v) for pk, v in VERSION.findall(r.text or "")})


@events.request.add_listener
def timed(name: str, response_time: float, exception: Any, **_: Any) -> None:
    TIMINGS.append((name, response_time, exception is not None, time.monotonic()))


@events.spawning_complete.add_listener
def everyone_in(user_count: int, **_: Any) -> None:
    ALL_IN.append(time.monotonic())


def figures_of(rows: list[tuple[str, float, bool, float]]) -> dict[str, dict[str, Any]]:
    kinds: dict[str, list[tuple[float, bool]]] = {}
    for name, ms, failed, _when in rows:
        kinds.setdefault(name, []).append((ms, failed))
    out = {}
    for name, items in kinds.items():
        times = sorted(ms for ms, _ in items)
        out[name] = {
            "count": len(items),
            "failures": sum(1 for _, failed in items if failed),
            "p50": _pct(times, 0.5),
            "p95": _pct(times, 0.95),
            "max": times[-1],
        }
    return out


@events.quitting.add_listener
def write_results(environment: Any, **_: Any) -> None:
    stats = environment.stats
    kinds = figures_of(TIMINGS)
    steady = figures_of([t for t in TIMINGS if ALL_IN and t[3] >= ALL_IN[0]])
    total = stats.total
    uploads = [u for p in PEOPLE for u in p.uploads]
    figures = {
        "kinds": kinds,
        "steady": steady,
        "steady_seconds": (TIMINGS[-1][3] - ALL_IN[0]) if ALL_IN and TIMINGS else 0.0,
        "requests": total.num_requests,
        "failures": total.num_failures,
        "rps": total.total_rps,
        "p95": total.get_response_time_percentile(0.95),
        "people": len(PEOPLE),
        "saves": sum(p.saves for p in PEOPLE),
        "uploads": len(uploads),
        "verdicts_seen": sum(1 for u in uploads if u["verdict"]),
        "verdict_seen_p95": _pct(
            sorted(u["seen_after"] for u in uploads if u["seen_after"] is not None), 0.95
        ),
        "failure_samples": [
            f"{e.method} {e.name}: {e.error} ×{e.occurrences}" for e in list(stats.errors.values())[:20]
        ],
    }
    Path(os.environ["ONLINE_BENCH_STATS"]).write_text(
        json.dumps(figures, ensure_ascii=False), encoding="utf-8"
    )
    sent = {"people": [p.as_json() for p in PEOPLE]}
    Path(os.environ["ONLINE_BENCH_SENT"]).write_text(json.dumps(sent, ensure_ascii=False), encoding="utf-8")


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return values[min(len(values) - 1, max(0, round(q * len(values)) - 1))]

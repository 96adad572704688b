"""The load bench of the online campaign (bench/bench_online_load.py) at a tiny size, so that it keeps running as
the pages change: the real service, a Celery worker on a Redis of its own, locust's simulated unit chuyên viên,
then the check of every saved score and stored file against what the people were told was saved. The check must
also catch a write that differs from what was acknowledged."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import bench_online_load as bench
from tests.conftest import REPO

pytestmark = pytest.mark.slow


def test_the_load_bench_runs_clean_and_its_check_catches_a_lost_write(tmp_path: Path) -> None:
    figures = tmp_path / "figures.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "bench_online_load.py"),
            "--users=10",
            "--minutes=0.34",
            "--db=sqlite",
            "--workers=1",
            "--think=1-3",
            "--poll=1",
            "--fresh-logins=0.5",
            "--verdict-wait=60",
            "--keep",
            f"--json={figures}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=bench.child_env(tmp_path / "unused"),
    )
    summary = json.loads(figures.read_text(encoding="utf-8")) if figures.exists() else {}
    work = Path(summary.get("work", tmp_path / "none"))
    try:
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
        (result,) = summary["results"]
        run, check = result["locust"], result["check"]
        assert run["people"] == 10 and run["failures"] == 0
        kinds = run["kinds"]
        assert kinds["login"]["count"] >= 1 and kinds["form"]["count"] >= 10
        assert kinds["save"]["count"] >= 20 and kinds["upload"]["count"] >= 10
        assert check["problem_count"] == 0 and check["scores_checked"] >= 20
        assert check["files_checked"] == run["uploads"] == check["files_in_db"] >= 10
        assert check["pending_after_wait"] == 0 and check["wrong_verdict_count"] == 0
        assert check["jobs"] == {"done": check["files_in_db"]}
        assert "Kết luận: không lỗi, không mất ghi" in proc.stdout

        # What a lost or overwritten write looks like to the check: the database differs from the last answer.
        sent_path = work / "sent-sqlite-1.json"
        sent = json.loads(sent_path.read_text(encoding="utf-8"))
        person = next(p for p in sent["people"] if p["saved"] and p["uploads"])
        code = sorted(person["saved"])[0]
        person["saved"][code] = {**person["saved"][code], "note": "Một giải trình không ai lưu"}
        person["uploads"][0]["sha256"] = "0" * 64
        doctored = tmp_path / "doctored.json"
        doctored.write_text(json.dumps(sent, ensure_ascii=False), encoding="utf-8")
        env = bench.child_env(work / "data-sqlite-1")
        caught = bench.child("check", env, str(doctored), "5")
        found = "\n".join(caught["problems"])
        # The note; and for the file: its recorded hash, its stored bytes, and a stored file nobody was told about.
        assert caught["problem_count"] == 4, found
        assert f"{person['username']} {code}: the database has" in found
        assert "recorded with another hash" in found and "stored bytes differ" in found
        assert "files nobody was told were stored" in found
    finally:
        shutil.rmtree(work, ignore_errors=True)

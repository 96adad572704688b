"""The service's foundation through its public pages: login, first-login password change, throttle, audit, jobs."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from web.accounts.bootstrap import ensure_first_admin
from web.accounts.models import Agency, Profile, Role
from web.audit.models import AppendOnlyError, AuditEvent
from web.jobs.models import Job, JobStatus
from web.jobs.registry import job_kind
from web.jobs.runner import enqueue, run_pending

pytestmark = pytest.mark.django_db


def _user(username: str, role: Role, *, must_change: bool = False, agency: Agency | None = None) -> object:
    agency = (
        agency
        or Agency.objects.get_or_create(code="so", defaults={"name": "Sở KH&CN", "abbreviation": "SKHCN"})[0]
    )
    user = get_user_model().objects.create_user(username, password="mat-khau-dai-2026")
    Profile.objects.create(user=user, agency=agency, role=role, must_change_password=must_change)
    return user


def test_first_start_creates_one_admin_who_must_change_the_password() -> None:
    first = ensure_first_admin()
    assert first is not None and len(first.password) >= 12
    assert ensure_first_admin() is None  # only once
    client = Client()
    response = client.post("/tai-khoan/dang-nhap/", {"username": first.username, "password": first.password})
    assert response.status_code == 302
    page = client.get("/", follow=True)
    assert page.redirect_chain[-1][0] == "/tai-khoan/doi-mat-khau/"
    assert "hãy đặt mật khẩu của riêng bạn" in page.content.decode()
    changed = client.post(
        "/tai-khoan/doi-mat-khau/",
        {
            "old_password": first.password,
            "new_password1": "Mot-Mat-Khau-Moi-2026",
            "new_password2": "Mot-Mat-Khau-Moi-2026",
        },
    )
    assert changed.status_code == 302
    assert client.get("/").status_code == 200
    assert list(AuditEvent.objects.values_list("action", flat=True).order_by("id")) == [
        "dang_nhap",
        "doi_mat_khau",
    ]


def test_wrong_password_is_told_in_vietnamese_and_throttled() -> None:
    _user("chuyenvien", Role.SO_STAFF)
    client = Client()
    for _ in range(5):
        page = client.post("/tai-khoan/dang-nhap/", {"username": "chuyenvien", "password": "sai"})
        assert "Tên đăng nhập hoặc mật khẩu không đúng" in page.content.decode()
    page = client.post("/tai-khoan/dang-nhap/", {"username": "chuyenvien", "password": "mat-khau-dai-2026"})
    assert "Đăng nhập sai quá nhiều lần" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_pages_need_a_login_and_csrf() -> None:
    assert Client().get("/").status_code == 302
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/tai-khoan/dang-nhap/", {"username": "x", "password": "y"}).status_code == 403


def test_audit_events_cannot_be_changed_or_deleted() -> None:
    event = AuditEvent.objects.create(action="thu")
    event.note = "sửa"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


@job_kind("test.add")
def _add(job: Job, progress: object) -> dict[str, int]:
    progress(1, 2, "nửa chừng")  # type: ignore[operator]
    return {"sum": sum(job.params["values"])}


@job_kind("test.fail")
def _fail(job: Job, progress: object) -> None:
    from letters.core.errors import VanbanError

    raise VanbanError("Tệp chiến dịch có lỗi ở dòng 3.")


def test_jobs_run_in_process_and_keep_their_outcome() -> None:
    agency = Agency.objects.create(code="a", name="A", abbreviation="A")
    ok = enqueue("test.add", "Cộng", agency_id=agency.pk, params={"values": [1, 2, 3]})
    bad = enqueue("test.fail", "Hỏng", agency_id=agency.pk, params={})
    assert run_pending() == 2
    ok.refresh_from_db()
    bad.refresh_from_db()
    assert (ok.status, ok.result, ok.percent) == (JobStatus.DONE, {"sum": 6}, 100)
    assert bad.status == JobStatus.FAILED and bad.error == "Tệp chiến dịch có lỗi ở dòng 3."


@job_kind("test.threaded")
def _threaded(job: Job, progress: object) -> dict[str, object]:
    """Reports from a helper thread, as the PDF conversion and the verifier do, then says what the row holds."""
    import threading

    from web.jobs.runner import from_any_thread

    report = from_any_thread(progress)  # type: ignore[arg-type]
    report(1, 4, "luồng chính")
    helper = threading.Thread(target=report, args=(3, 4, "luồng phụ"))
    helper.start()
    helper.join()
    row = Job.objects.get(pk=job.pk)
    return {"progress": row.progress, "message": row.message}


def _threaded_outcome() -> dict[str, object]:
    agency = Agency.objects.create(code="t", name="T", abbreviation="T")
    job = enqueue("test.threaded", "Luồng phụ", agency_id=agency.pk, params={})
    assert run_pending() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    return dict(job.result)


@pytest.mark.django_db(transaction=True)
def test_progress_from_a_helper_thread_is_written_through_its_own_connection() -> None:
    assert _threaded_outcome() == {"progress": 3, "message": "luồng phụ"}


def test_progress_from_a_helper_thread_inside_a_transaction_is_dropped_not_waited_for() -> None:
    # The job's thread holds a transaction (as in these tests): a write from another connection would wait on it.
    assert _threaded_outcome() == {"progress": 1, "message": "luồng chính"}

"""Deadline reminders through a real SMTP server (aiosmtpd on 127.0.0.1): who gets them, what they say (decoded
Vietnamese subject, the deadline at 24h00, the state, the link), that nothing is sent twice, that units which
sent their results get nothing; sent from the Sở's button, from `vanban remind` and from the server's worker
thread without holding up its jobs."""

from __future__ import annotations

import email
import email.policy
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup

import tests.web.jobapp.jobs  # noqa: F401 - the test job kinds, registered in this process too
from tests.web.assessment_support import (  # noqa: F401 - fixtures
    agency,
    at,
    client_for,
    files_dir,
    make_user,
    submission_of,
    two_tier,
    unit_people,
)
from tests.web.infra import VANBAN, database_url, service_env, wait_until
from tests.web.servers import free_port
from web.accounts.models import Agency, Role
from web.assessment import clock
from web.assessment.models import ReminderSent, State, Submission
from web.assessment.services import confirm
from web.assessment.states import take
from web.audit.models import AuditEvent
from web.campaigns.models import Campaign
from web.deadlines import services
from web.deadlines.reminders import send_due_reminders
from web.jobs import runner
from web.jobs.models import Job, JobStatus

pytestmark = pytest.mark.django_db

SITE = "https://chuyendoiso.phutho.gov.vn"
SYSTEM = "Hệ thống đánh giá Chỉ số chuyển đổi số"


@dataclass
class Mailbox:
    port: int
    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(message)  # type: ignore[arg-type]
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Đã nhận"

    def take(self) -> list[EmailMessage]:
        out, self.received[:] = list(self.received), []
        self.envelopes.clear()
        return out


@pytest.fixture()
def mailbox(settings: Any) -> Iterator[Mailbox]:
    box = Mailbox(free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", box.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "dti@skhcn.phutho.gov.vn"
    settings.VANBAN_SITE_URL = SITE
    settings.VANBAN_REMINDER_DAYS = (3, 1)
    try:
        yield box
    finally:
        controller.stop()


def people(agency: Agency, sub: Submission, *, emails: bool = True) -> tuple[Any, Any]:
    staff, leader = unit_people(agency, sub)
    if emails:
        staff.email, leader.email = f"{staff.username}@phutho.gov.vn", f"{leader.username}@phutho.gov.vn"
        staff.save()
        leader.save()
    return staff, leader


def subject_of(message: EmailMessage) -> str:
    """As a mail client shows it: Django folds a long encoded subject onto the line after «Subject:», and the
    unfolded header keeps that line's leading space."""
    return str(message["Subject"]).strip()


def body_of(message: EmailMessage) -> str:
    return str(message.get_content()).replace("\r\n", "\n")


def by_unit(messages: list[EmailMessage]) -> dict[str, EmailMessage]:
    out = {}
    for m in messages:
        unit = body_of(m).split("Kính gửi: ", 1)[1].split(",\n", 1)[0]
        out[unit] = m
    return out


@dataclass
class Year:
    drafting: Submission
    awaiting: Submission
    submitted: Submission
    no_email: Submission


@pytest.fixture()
def year(agency: Agency, two_tier: Campaign) -> Year:
    """At 20/01/2026 09:00 (the close is 24h00 of 23/01): one unit drafting, one awaiting its leader, one that
    has sent its results, one whose people have no e-mail address; every other unit has no people at all."""
    clock.set_now(at("20/01/2026 09:00"))
    drafting, awaiting, submitted, no_email = (submission_of(two_tier, "so", i) for i in range(4))
    people(agency, drafting)
    staff, _ = people(agency, awaiting)
    take(awaiting, "trinh_lanh_dao", staff)
    staff, leader = people(agency, submitted)
    take(submitted, "trinh_lanh_dao", staff)
    confirm(submitted, leader)
    people(agency, no_email, emails=False)
    return Year(*(Submission.objects.get(pk=s.pk) for s in (drafting, awaiting, submitted, no_email)))


def test_units_that_have_not_sent_are_reminded_three_days_and_one_day_before_once_each(
    mailbox: Mailbox, year: Year
) -> None:
    report = send_due_reminders()
    assert (report.sent, report.recipients, report.skipped_no_email, report.failed) == (2, 4, 2, 0)
    assert report.units_without_email == [year.no_email.unit.name]
    recipients = {frozenset(to) for _, to in mailbox.envelopes}
    assert recipients == {
        frozenset(
            {f"{year.drafting.unit.code}-cv@phutho.gov.vn", f"{year.drafting.unit.code}-ld@phutho.gov.vn"}
        ),
        frozenset(
            {f"{year.awaiting.unit.code}-cv@phutho.gov.vn", f"{year.awaiting.unit.code}-ld@phutho.gov.vn"}
        ),
    }
    assert {sender for sender, _ in mailbox.envelopes} == {"dti@skhcn.phutho.gov.vn"}
    got = by_unit(mailbox.take())
    assert set(got) == {year.drafting.unit.name, year.awaiting.unit.name}
    drafting = got[year.drafting.unit.name]
    assert subject_of(drafting) == (
        f"[{SYSTEM}] Nhắc hạn gửi kết quả tự đánh giá: {year.drafting.unit.name}, hạn 24 giờ 00 ngày 23/01/2026"
    )
    body = body_of(drafting)
    for expected in (
        f"Kính gửi: {year.drafting.unit.name},",
        "là 24 giờ 00 ngày 23/01/2026; còn 3 ngày.",
        "Trạng thái bài của đơn vị hiện nay: Đang nhập số liệu.",
        "bấm «Trình lãnh đạo»",
        "đơn vị không gửi kết quả đúng hạn không được xếp hạng",
        f"Vào biểu mẫu của đơn vị: {SITE}/tu-danh-gia/",
    ):
        assert expected in body, body
    awaiting = body_of(got[year.awaiting.unit.name])
    assert "Chờ lãnh đạo duyệt" in awaiting and "lãnh đạo bấm «Xác nhận số liệu»" in awaiting
    # A second run, the same day or the next: nothing twice.
    assert send_due_reminders().sent == 0
    clock.set_now(at("21/01/2026 15:00"))
    assert send_due_reminders().sent == 0 and mailbox.take() == []
    # The day before the close: the one-day reminder, once.
    clock.set_now(at("22/01/2026 08:00"))
    assert send_due_reminders().sent == 2
    assert all("còn 1 ngày" in body_of(m) for m in mailbox.take())
    assert send_due_reminders().sent == 0
    clock.set_now(at("23/01/2026 08:00"))
    assert send_due_reminders().sent == 0
    # After the close, nobody is reminded of a deadline that has passed.
    clock.set_now(at("24/01/2026 08:00"))
    assert send_due_reminders().sent == 0 and mailbox.take() == []
    sent = ReminderSent.objects.filter(unit=year.drafting.unit).order_by("days_before")
    assert [(r.days_before, r.deadline, r.phase) for r in sent] == [
        (1, date(2026, 1, 23), "tu_danh_gia"),
        (3, date(2026, 1, 23), "tu_danh_gia"),
    ]
    assert not ReminderSent.objects.filter(unit__in=[year.submitted.unit, year.no_email.unit]).exists()


def test_a_late_run_sends_only_the_nearest_reminder(mailbox: Mailbox, year: Year) -> None:
    clock.set_now(at("23/01/2026 07:00"))  # the service was down on the 20th and the 22nd
    assert send_due_reminders().sent == 2
    assert all("hôm nay là ngày cuối cùng" in body_of(m) for m in mailbox.take())
    assert set(ReminderSent.objects.values_list("days_before", flat=True)) == {1}


def test_an_extension_moves_the_reminder_to_the_new_deadline(
    mailbox: Mailbox, agency: Agency, year: Year, two_tier: Campaign
) -> None:
    so_staff = make_user("cv-so", Role.SO_STAFF, agency)
    send_due_reminders()
    mailbox.take()
    services.grant_extension(
        two_tier, year.drafting.unit, "tu_danh_gia", date(2026, 1, 30), "Sự cố", so_staff
    )
    clock.set_now(at("27/01/2026 09:00"))
    report = send_due_reminders()
    messages = mailbox.take()
    assert report.sent == 1 and len(messages) == 1
    assert subject_of(messages[0]).endswith("hạn 24 giờ 00 ngày 30/01/2026")
    assert "(đã được Sở gia hạn); còn 3 ngày." in body_of(messages[0])


def test_units_explaining_are_reminded_of_the_explanations_deadline(
    mailbox: Mailbox, agency: Agency, two_tier: Campaign
) -> None:
    sub = submission_of(two_tier, "xa")
    people(agency, sub)
    Submission.objects.filter(pk=sub.pk).update(state=State.EXPLANATIONS)
    clock.set_now(at("12/02/2026 10:00"))
    assert send_due_reminders().sent == 1
    (message,) = mailbox.take()
    assert subject_of(message) == (
        f"[{SYSTEM}] Nhắc hạn gửi giải trình, bổ sung: {sub.unit.name}, hạn 24 giờ 00 ngày 13/02/2026"
    )
    assert "còn 1 ngày" in body_of(message) and "Giải trình, bổ sung" in body_of(message)
    Submission.objects.filter(pk=sub.pk).update(state=State.REAPPRAISAL)
    clock.set_now(at("13/02/2026 10:00"))
    assert send_due_reminders().sent == 0


def test_a_mail_server_that_is_down_frees_the_reminders_for_the_next_run(
    mailbox: Mailbox, settings: Any, year: Year
) -> None:
    settings.EMAIL_PORT = free_port()  # nothing listens there
    report = send_due_reminders()
    assert report.sent == 0 and report.failed == 1  # the first refusal stops the run: the server is down
    assert "không kết nối được máy chủ thư" in report.summary()
    assert not ReminderSent.objects.exists()
    settings.EMAIL_PORT = mailbox.port
    assert send_due_reminders().sent == 2 and len(mailbox.take()) == 2


def test_the_sos_button_sends_the_due_reminders_now_and_is_audited(
    mailbox: Mailbox, agency: Agency, year: Year, two_tier: Campaign
) -> None:
    so_staff = make_user("cv-so", Role.SO_STAFF, agency)
    client = client_for(so_staff)
    response = client.post("/thoi-han/nhac-han/", {"next": f"/thoi-han/{two_tier.pk}/"}, follow=True)
    html = BeautifulSoup(response.content.decode(), "html.parser")
    note = " ".join(html.select_one(".messages").get_text(" ").split())
    assert "Đã gửi 2 thư nhắc hạn đến 4 địa chỉ." in note
    assert "2 người của đơn vị chưa có địa chỉ thư điện tử" in note
    assert len(mailbox.take()) == 2
    event = AuditEvent.objects.get(action="gui_nhac_han")
    assert event.after == {"so_thu": 2, "so_dia_chi": 4, "khong_co_thu_dien_tu": 2, "loi": 0}
    assert event.user == so_staff and event.agency_id_value == agency.pk
    assert "Đã gửi 2 thư nhắc" in " ".join(html.select_one("#nhac-han").get_text(" ").split())
    again = client.post("/thoi-han/nhac-han/", follow=True)
    assert "Không có thư nhắc hạn nào đến hạn gửi" in again.content.decode()
    assert mailbox.take() == []
    # Another agency's button reminds nobody of this one.
    other = Agency.objects.create(code="stttt-bg", name="Sở Thông tin và Truyền thông", abbreviation="STTTT")
    clock.set_now(at("22/01/2026 08:00"))
    client_for(make_user("cv-bg", Role.SO_STAFF, other)).post("/thoi-han/nhac-han/")
    assert mailbox.take() == []


def test_the_reminder_days_come_from_the_settings(settings: Any) -> None:
    from web.deadlines.reminders import reminder_days

    settings.VANBAN_REMINDER_DAYS = "5, 2"
    assert reminder_days() == (2, 5)
    settings.VANBAN_REMINDER_DAYS = [7, "một", -1]
    assert reminder_days() == (7,)
    settings.VANBAN_REMINDER_DAYS = "không"
    assert reminder_days() == (1, 3)


def test_five_days_before_when_the_sở_asks_for_it(mailbox: Mailbox, settings: Any, year: Year) -> None:
    settings.VANBAN_REMINDER_DAYS = (5,)
    clock.set_now(at("17/01/2026 09:00"))  # six days before: not yet
    assert send_due_reminders().sent == 0
    clock.set_now(at("18/01/2026 09:00"))
    assert send_due_reminders().sent == 2
    assert all("còn 5 ngày" in body_of(m) for m in mailbox.take())
    clock.set_now(at("22/01/2026 09:00"))
    assert send_due_reminders().sent == 0


@pytest.mark.django_db(transaction=True)
def test_vanban_remind_sends_from_the_command_line(mailbox: Mailbox, year: Year, tmp_path: Any) -> None:
    env = {
        **service_env(database_url()),
        "VANBAN_SMTP_HOST": "127.0.0.1",
        "VANBAN_SMTP_PORT": str(mailbox.port),
        "VANBAN_MAIL_FROM": "dti@skhcn.phutho.gov.vn",
        "VANBAN_CLOCK_ADJUSTABLE": "1",  # the test's clock (20/01/2026), as in demo mode
        "VANBAN_SITE_URL": SITE,
    }
    data = tmp_path / "du-lieu"
    data.mkdir()
    run = subprocess.run(
        [VANBAN, "remind", "--data", str(data)], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Đã gửi 2 thư nhắc hạn đến 4 địa chỉ." in run.stdout
    assert "2 người của đơn vị chưa có địa chỉ thư điện tử" in run.stdout
    messages = mailbox.take()
    assert len(messages) == 2 and all(f"{SITE}/tu-danh-gia/" in body_of(m) for m in messages)
    again = subprocess.run(
        [VANBAN, "remind", "--data", str(data)], env=env, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0 and "Đã gửi 0 thư nhắc hạn" in again.stdout and mailbox.take() == []


@pytest.mark.django_db(transaction=True)
def test_the_servers_worker_sends_reminders_on_its_own_thread_without_holding_jobs(
    mailbox: Mailbox, settings: Any, agency: Agency, year: Year
) -> None:
    settings.VANBAN_BROKER = ""
    registered = runner._periodic["nhac-han"]
    assert registered.every <= 600 and registered.first_after > 0
    release, entered = threading.Event(), threading.Event()

    def slow() -> None:  # a mail server that takes its time
        entered.set()
        release.wait(30)

    runner.register_periodic("cham", 0.2, slow, first_after=0)
    runner.register_periodic("nhac-han", registered.every, registered.function, first_after=0)
    runner.start_worker_thread(poll_seconds=0.05)
    try:
        wait_until(entered.is_set, 10, "the slow periodic task starting")
        job = runner.enqueue("infra.sum", "Cộng", agency_id=agency.pk, params={"values": [1, 2]})
        wait_until(lambda: Job.objects.get(pk=job.pk).finished, 10, "a job running while the slow task waits")
        assert Job.objects.get(pk=job.pk).status == JobStatus.DONE and not release.is_set()
        wait_until(lambda: len(mailbox.received) == 2, 20, "the worker's reminders reaching the SMTP server")
    finally:
        release.set()
        runner.unregister_periodic("cham")
        runner.register_periodic(
            "nhac-han", registered.every, registered.function, first_after=registered.first_after
        )
        runner.stop_worker_thread()
    time.sleep(0.3)
    assert ReminderSent.objects.count() == 2 and len(mailbox.received) == 2

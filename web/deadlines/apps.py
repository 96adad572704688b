from django.apps import AppConfig

REMIND_EVERY_SECONDS = 600  # the "at most every ten minutes"
FIRST_REMIND_AFTER_SECONDS = 60  # let the service finish starting before the first round


def remind() -> None:
    """The server's worker's periodic call; with Celery workers a timer runs `vanban remind` instead."""
    import logging

    from web.deadlines.reminders import send_due_reminders

    report = send_due_reminders()
    log = logging.getLogger("web.deadlines")
    if report.failed:
        log.warning("nhắc hạn: %s", report.summary())
    elif report.sent:
        log.info("nhắc hạn: %s", report.summary())


class DeadlinesConfig(AppConfig):
    name = "web.deadlines"
    label = "deadlines"
    verbose_name = "Thời hạn, gia hạn, nhắc hạn"

    def ready(self) -> None:
        from web.deadlines import permissions  # noqa: F401 - registers the rules
        from web.jobs.runner import register_periodic

        register_periodic("nhac-han", REMIND_EVERY_SECONDS, remind, first_after=FIRST_REMIND_AFTER_SECONDS)

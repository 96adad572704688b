from django.apps import AppConfig


class JobTestsConfig(AppConfig):
    name = "tests.web.jobapp"
    label = "jobtests"

    def ready(self) -> None:
        from tests.web.jobapp import jobs  # noqa: F401 - registers the job kinds

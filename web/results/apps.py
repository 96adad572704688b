from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "web.results"
    label = "results"
    verbose_name = "Tổng hợp kết quả, xếp hạng"

    def ready(self) -> None:
        from web.results import jobs, permissions  # noqa: F401 - registers the job kinds and the rules

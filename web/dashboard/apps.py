from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "web.dashboard"
    label = "dashboard"
    verbose_name = "Theo dõi, công bố kết quả"

    def ready(self) -> None:
        from web.dashboard import permissions  # noqa: F401 - registers the rules

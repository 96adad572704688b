from django.apps import AppConfig


class SelfassessConfig(AppConfig):
    name = "web.selfassess"
    label = "selfassess"
    verbose_name = "Tự đánh giá của đơn vị"

    def ready(self) -> None:
        from web.selfassess import jobs  # noqa: F401 - registers the job kind

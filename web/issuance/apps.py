from django.apps import AppConfig


class IssuanceConfig(AppConfig):
    name = "web.issuance"
    label = "issuance"
    verbose_name = "Trình ký, ban hành"

    def ready(self) -> None:
        from web.issuance import jobs  # noqa: F401 - registers the job kinds

from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "web.evidence"
    label = "evidence"
    verbose_name = "Kiểm tra chữ ký số tài liệu kiểm chứng"

    def ready(self) -> None:
        from web.evidence import jobs  # noqa: F401 - registers the job kinds

from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "web.documents"
    label = "documents"
    verbose_name = "Văn bản"

    def ready(self) -> None:
        from web.documents import jobs  # noqa: F401 - registers the job kinds

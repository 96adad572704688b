from django.apps import AppConfig


class AppraisalConfig(AppConfig):
    name = "web.appraisal"
    label = "appraisal"

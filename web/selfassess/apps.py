from django.apps import AppConfig


class SelfassessConfig(AppConfig):
    name = "web.selfassess"
    label = "selfassess"

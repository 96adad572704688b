from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "web.deadlines"
    label = "deadlines"

from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "web.onboarding"
    label = "onboarding"

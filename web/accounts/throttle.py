"""Login throttling: after LOGIN_MAX_FAILURES failures for one user name or one address within the window,
further attempts are refused until the window has passed."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from web.accounts.models import LoginFailure


def _window_start() -> timezone.datetime:
    return timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)


def is_locked(username: str, address: str | None) -> bool:
    start = _window_start()
    recent = LoginFailure.objects.filter(at__gte=start)
    by_name = recent.filter(username=username.lower()).count()
    by_address = recent.filter(address=address).count() if address else 0
    # An address may carry several colleagues behind one gateway: allow it more attempts than one name.
    return by_name >= settings.LOGIN_MAX_FAILURES or by_address >= settings.LOGIN_MAX_FAILURES * 4


def record_failure(username: str, address: str | None) -> None:
    LoginFailure.objects.filter(at__lt=_window_start()).delete()
    LoginFailure.objects.create(username=username.lower(), address=address)


def clear(username: str) -> None:
    LoginFailure.objects.filter(username=username.lower()).delete()

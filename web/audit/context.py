"""The request being served, for code that records events far from the view (jobs record without one)."""

from __future__ import annotations

import contextvars
from typing import Any

from django.http import HttpRequest

current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "current_request", default=None
)


def client_address(request: HttpRequest | Any) -> str | None:
    # Behind a reverse proxy the deployment sets VANBAN_TRUST_PROXY and the proxy's header is used; a client
    # could forge it otherwise, so by default only the socket address counts.
    from django.conf import settings

    meta = getattr(request, "META", {})
    if getattr(settings, "VANBAN_TRUST_PROXY", False):
        forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return meta.get("REMOTE_ADDR") or None

"""Record an event from anywhere: views, forms, jobs."""

from __future__ import annotations

from typing import Any

from django.db import models

from web.audit.context import client_address, current_request
from web.audit.models import AuditEvent


def record(
    action: str,
    obj: models.Model | None = None,
    *,
    user: Any = None,
    agency_id: int | None = None,
    before: Any = None,
    after: Any = None,
    note: str = "",
) -> AuditEvent:
    request = current_request.get()
    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    if agency_id is None:
        agency_id = getattr(obj, "agency_id", None)
        if agency_id is None and user is not None and hasattr(user, "profile"):
            agency_id = user.profile.agency_id
    return AuditEvent.objects.create(
        user=user if user is not None and getattr(user, "pk", None) else None,
        username=user.get_username() if user is not None else "",
        agency_id_value=agency_id,
        address=client_address(request) if request is not None else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        before=before,
        after=after,
        note=note,
    )

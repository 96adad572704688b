"""The agency's trusted root certificates: the store verification reads (files/agency-N/tin-cay/), managed by the
quản trị in a page instead of `vanban trust import` on the server. Another agency's store is never reachable: the
store is the user's own agency's."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from letters.core.errors import VanbanError
from letters.usecases.evidence import (
    TrustedCertificate,
    import_trusted_certificate,
    list_trusted_certificates,
    read_certificate_file,
    remove_trusted_certificate,
)
from web.accounts.roles import agency_of
from web.audit.log import record
from web.evidence.forms import TRUST_SUFFIXES, TrustedRootForm
from web.evidence.services import hide_paths
from web.evidence.storage import head_of, safe_name, trust_store_dir

MANAGE = (
    "vanban.configure_signing"  # the quản trị of the agency: keys, seal, and the roots they are checked by
)
MAX_BYTES = 256 * 1024


def _agency(request: HttpRequest) -> int:
    agency_id = agency_of(request.user)
    if agency_id is None or not request.user.has_perm(MANAGE):
        raise PermissionDenied("Chỉ quản trị của cơ quan quản lý chứng thư gốc tin cậy.")
    return agency_id


def _listed(agency_id: int) -> tuple[list[dict[str, Any]], str]:
    try:
        _, certs = list_trusted_certificates(trust_store_dir(agency_id))
    except VanbanError as exc:
        return [], hide_paths(exc.message)
    now = timezone.now()
    rows = []
    for cert in certs:
        expired = cert.not_after is not None and cert.not_after < now
        early = cert.not_before is not None and cert.not_before > now
        rows.append({"cert": cert, "expired": expired, "not_yet": early})
    return rows, ""


def _context(agency_id: int, form: TrustedRootForm | None = None) -> dict[str, Any]:
    rows, error = _listed(agency_id)
    return {
        "rows": rows,
        "store_error": error,
        "form": form or TrustedRootForm(),
        "max_kb": MAX_BYTES // 1024,
    }


@login_required
@require_GET
def trust_list(request: HttpRequest) -> HttpResponse:
    agency_id = _agency(request)
    return render(request, "evidence/trust.html", _context(agency_id))


def _read(uploaded: Any) -> tuple[bytes, str]:
    """The upload's bytes when it looks like a certificate file; a Vietnamese refusal otherwise."""
    name = safe_name(uploaded.name or "")
    if not name.lower().endswith(TRUST_SUFFIXES):
        raise VanbanError(f"Tệp «{name}» không phải tệp chứng thư: chỉ nhận tệp .cer, .crt hoặc .pem.")
    if not uploaded.size or uploaded.size > MAX_BYTES:
        raise VanbanError(
            f"Tệp «{name}» rỗng hoặc lớn hơn {MAX_BYTES // 1024} KB, không phải một chứng thư số."
        )
    head = head_of(uploaded)
    # PEM text or DER (an ASN.1 SEQUENCE); a page, a script or a key file is refused before anything is read.
    if not (head.lstrip().startswith(b"-----BEGIN CERTIFICATE-----") or head[:1] == b"\x30"):
        raise VanbanError(f"Tệp «{name}» không phải chứng thư số (dạng PEM hoặc DER).")
    uploaded.seek(0)
    return uploaded.read(), name


@login_required
@require_POST
def trust_add(request: HttpRequest) -> HttpResponse:
    agency_id = _agency(request)
    form = TrustedRootForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "evidence/trust.html", _context(agency_id, form), status=400)
    expected = form.cleaned_data["sha256"] or None
    with tempfile.TemporaryDirectory(prefix="tin-cay-") as tmp:
        try:
            data, name = _read(form.cleaned_data["file"])
            path = Path(tmp) / name
            path.write_bytes(data)
            found = read_certificate_file(path)
        except VanbanError as exc:
            form.add_error("file", hide_paths(exc.message).replace(f"{tmp}/", ""))
            return render(request, "evidence/trust.html", _context(agency_id, form), status=400)
        if expected is not None and len(found) != 1:
            form.add_error(
                "file",
                f"Tệp «{name}» chứa {len(found)} chứng thư; khi nhập dấu vân tay, tệp chỉ được chứa một chứng thư.",
            )
            return render(request, "evidence/trust.html", _context(agency_id, form), status=400)
        if expected is None and not all(c.pinned for c in found):
            stranger = next(c for c in found if not c.pinned)
            form.add_error(
                "sha256",
                f"Chứng thư «{stranger.subject}» không thuộc các chứng thư gốc của Việt Nam đã ghim sẵn. Đối chiếu "
                f"dấu vân tay SHA-256 của nó ({stranger.sha256}) với giá trị trên trang chính thức của tổ chức "
                "chứng thực, rồi nhập giá trị đã đối chiếu vào ô này.",
            )
            return render(request, "evidence/trust.html", _context(agency_id, form), status=400)
        try:
            imported = import_trusted_certificate(
                path, store=trust_store_dir(agency_id), expected_sha256=expected
            )
        except VanbanError as exc:
            field = "sha256" if expected else "file"
            form.add_error(field, hide_paths(exc.message).replace(f"{tmp}/", "").replace(str(path), name))
            return render(request, "evidence/trust.html", _context(agency_id, form), status=400)
    for item in imported:
        record(
            "nhap_chung_thu_tin_cay",
            None,
            agency_id=agency_id,
            after={"chung_thu": item.subject, "sha256": item.sha256, "tep": name},
            note=item.pinned_as or "",
        )
    messages.success(
        request, "Đã thêm vào kho tin cậy: " + "; ".join(f"«{item.subject}»" for item in imported) + "."
    )
    return redirect("evidence:trust")


@login_required
@require_POST
def trust_remove(request: HttpRequest, sha256: str) -> HttpResponse:
    agency_id = _agency(request)
    try:
        removed: TrustedCertificate = remove_trusted_certificate(trust_store_dir(agency_id), sha256)
    except VanbanError as exc:
        messages.error(request, hide_paths(exc.message))
        return redirect("evidence:trust")
    record(
        "xoa_chung_thu_tin_cay",
        None,
        agency_id=agency_id,
        before={"chung_thu": removed.subject, "sha256": removed.sha256},
        after=None,
    )
    messages.success(
        request,
        f"Đã xoá «{removed.subject}» khỏi kho tin cậy; các lần kiểm tra sau không tin cậy chứng thư này.",
    )
    return redirect("evidence:trust")

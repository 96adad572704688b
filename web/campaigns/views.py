"""Campaign pages: the agency's list, create (from scratch, from an example, from a YAML file), edit section by
section, the YAML text itself, import and export, versions and restore. Chuyên viên Sở and quản trị edit; lãnh đạo
Sở and văn thư read; nobody sees another agency's campaign (404)."""

from __future__ import annotations

import difflib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from ruamel.yaml.comments import CommentedMap

from letters.core.errors import DiagnosticsError, VanbanError
from letters.usecases.documents import PREVIEW_KINDS, bundled_examples, preview_wording
from web.audit.log import record
from web.campaigns import yamledit as ye
from web.campaigns.diagnostics import Finding, findings
from web.campaigns.editors import ensure_map, set_at
from web.campaigns.forms import (
    ExampleForm,
    ImportForm,
    NewCampaignForm,
    UnitsImportForm,
    YamlTextForm,
)
from web.campaigns.models import Campaign
from web.campaigns.pages import anchor_of, build_page, edit_url, is_page, loc_to_url, page_of, url_to_loc
from web.campaigns.schema import Loc, choice_label_of, resolve, sections
from web.campaigns.services import save_source, sha256, summary
from web.campaigns.units_import import read_units

VIEW, EDIT = "vanban.view_campaign", "vanban.edit_campaign"


def _agency_id(request: HttpRequest) -> int:
    profile = getattr(request.user, "profile", None)
    if profile is None:
        raise PermissionDenied
    return int(profile.agency_id)


def _scoped(request: HttpRequest) -> QuerySet[Campaign]:
    return Campaign.objects.filter(agency_id=_agency_id(request))


def _campaign(request: HttpRequest, pk: int, perm: str = VIEW) -> Campaign:
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    campaign = get_object_or_404(_scoped(request), pk=pk)
    if not request.user.has_perm(perm, campaign):
        raise PermissionDenied
    return campaign


def _context(request: HttpRequest, campaign: Campaign, **extra: Any) -> dict[str, Any]:
    items = findings(campaign.diagnostics)
    tabs = []
    for spec in sections():
        within = [f for f in items if f.loc is not None and f.loc[:1] == (spec.name,)]
        tabs.append(
            {
                "name": spec.name,
                "label": spec.label,
                "url": edit_url(campaign.pk, (spec.name,)),
                "errors": sum(1 for f in within if f.is_error),
                "warnings": sum(1 for f in within if not f.is_error),
            }
        )
    return {
        "campaign": campaign,
        "can_edit": request.user.has_perm(EDIT, campaign),
        "tabs": tabs,
        **extra,
    }


def _saved(request: HttpRequest, saved: Any) -> None:
    (messages.warning if saved.errors else messages.success)(request, saved.message)


# --------------------------------------------------------------------------- list and create


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    campaigns = _scoped(request).order_by("-year", "title")
    return render(
        request,
        "campaigns/list.html",
        {"campaigns": campaigns, "can_create": request.user.has_perm(EDIT)},
    )


def _skeleton(request: HttpRequest, name: str, year: int) -> str:
    """A new campaign file: what the create form asked, and the issuer as the agency is known."""
    agency = request.user.profile.agency
    tree = CommentedMap()
    info = CommentedMap()
    info["year"] = year
    info["name"] = ye.text_value(name)
    tree["campaign"] = info
    issuer = CommentedMap()
    if agency.province:
        issuer["parent"] = ye.text_value(f"UBND tỉnh {agency.province}")
    issuer["name"] = ye.text_value(agency.name)
    issuer["abbreviation"] = ye.text_value(agency.abbreviation)
    tree["issuer"] = issuer
    today = timezone.localdate().strftime("%d/%m/%Y")
    tree.yaml_set_start_comment(
        f"Hồ sơ chiến dịch tạo trên vanban ngày {today}. Sửa trong các trang của đợt đánh giá, hoặc tải tệp\n"
        "về và kiểm tra bằng lệnh: vanban check TỆP"
    )
    return ye.dump_new(tree)


@login_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(EDIT):
        raise PermissionDenied
    agency_id = _agency_id(request)
    new_form, example_form, import_form = NewCampaignForm(), ExampleForm(), ImportForm()
    if request.method == "POST":
        how = request.POST.get("cach")
        source, origin = None, ""
        if how == "tu_dau":
            new_form = NewCampaignForm(request.POST)
            if new_form.is_valid():
                source = _skeleton(request, new_form.cleaned_data["name"], new_form.cleaned_data["year"])
                origin = "tạo từ đầu"
        elif how == "mau":
            example_form = ExampleForm(request.POST)
            if example_form.is_valid():
                chosen = {p.name: p for p in bundled_examples()}[example_form.cleaned_data["example"]]
                source = chosen.read_text(encoding="utf-8")
                origin = f"sao chép hồ sơ mẫu {chosen.name}"
        elif how == "nhap":
            import_form = ImportForm(request.POST, request.FILES)
            if import_form.is_valid():
                source = import_form.cleaned_data["file"]
                origin = f"nhập tệp {request.FILES['file'].name}"
        if source is not None:
            campaign = Campaign(agency_id=agency_id, title="", year=0, slug="")
            action = "nhap_yaml" if how == "nhap" else "tao_dot_danh_gia"
            saved = save_source(
                campaign,
                source,
                action=action,
                reason=f"Tạo đợt đánh giá ({origin})",
                after={"cach": origin},
                file_name=request.FILES["file"].name if how == "nhap" else "",
            )
            _saved(request, saved)
            return redirect("campaigns:detail", campaign.pk)
    return render(
        request,
        "campaigns/create.html",
        {"new_form": new_form, "example_form": example_form, "import_form": import_form},
    )


# --------------------------------------------------------------------------- one campaign


def _place_label(loc: Loc) -> str:
    """Where a finding is, in words: 'Các giai đoạn › mục 2 › Ngày kết thúc'."""
    parts = []
    for n in range(1, len(loc) + 1):
        try:
            node = resolve(loc[:n])
        except KeyError:
            parts.append(str(loc[n - 1]))
            continue
        part = loc[n - 1]
        if isinstance(part, int):
            parts.append(f"mục {part + 1}")
        elif node.parents and node.parents[-1].kind == "mapping":
            parts.append(choice_label_of(node.parents[-1], part))
        else:
            parts.append(node.spec.label)
    return " › ".join(parts)


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    items = findings(campaign.diagnostics)
    general: list[Finding] = []
    placed: list[dict[str, Any]] = []
    for f in items:
        page = page_of(f.loc)
        if page is None or f.loc is None:
            general.append(f)
        else:
            url = edit_url(campaign.pk, page) + (f"#{anchor_of(f.field)}" if f.field else "")
            placed.append({"f": f, "url": url, "place": _place_label(f.loc)})
    last = campaign.history.first()
    return render(
        request,
        "campaigns/detail.html",
        _context(request, campaign, general=general, placed=placed, last=last),
    )


def _unreadable(request: HttpRequest, campaign: Campaign, error: ye.YamlTextError) -> HttpResponse:
    return render(
        request,
        "campaigns/unreadable.html",
        _context(request, campaign, error=error),
        status=200,
    )


def _breadcrumb(campaign: Campaign, loc: Loc, tree: Any) -> list[dict[str, str]]:
    crumbs = []
    for n in range(1, len(loc) + 1):
        node = resolve(loc[:n])
        part = loc[n - 1]
        if isinstance(part, int):
            item = ye.get(tree, loc[:n])
            name = ""
            if isinstance(item, dict):
                name = ye.shown(item.get("name") or item.get("id") or "")
            elif isinstance(item, str):
                name = item
            label = f"mục {part + 1}" + (f": {name}" if name else "")
        elif node.parents and node.parents[-1].kind == "mapping":
            label = choice_label_of(node.parents[-1], part)
        else:
            label = node.spec.label
        url = edit_url(campaign.pk, loc[:n]) if is_page(node) else ""
        crumbs.append({"label": label, "url": url})
    return crumbs


@login_required
def campaign_edit(request: HttpRequest, pk: int, path: str) -> HttpResponse:
    campaign = _campaign(request, pk)
    can_edit = request.user.has_perm(EDIT, campaign)
    loc = url_to_loc(path)
    try:
        node = resolve(loc) if loc else None
    except KeyError:
        node = None
    if node is None or not is_page(node):
        raise Http404("Không có mục này trong hồ sơ.")
    try:
        shown = ye.read(campaign.source)
    except ye.YamlTextError as exc:
        return _unreadable(request, campaign, exc)
    if (
        len(node.loc) > 1
        and any(isinstance(p, int) for p in node.loc)
        and ye.get(shown, node.loc[:-1]) is None
    ):
        raise Http404("Không có mục này trong hồ sơ.")
    items = findings(campaign.diagnostics)
    posted = request.method == "POST"
    if posted and not can_edit:
        raise PermissionDenied
    data = request.POST if posted else None
    conflict = posted and request.POST.get("base_version") != str(campaign.version)
    page = build_page(campaign.pk, node, shown, None if conflict else data, items)
    tree = None
    if posted and not conflict:
        try:
            tree = ye.load(campaign.source)  # the round-trip tree, to write into (comments and quotes kept)
        except ye.YamlTextError as exc:
            return _unreadable(request, campaign, exc)
    if tree is not None and node.spec.kind == "mapping":
        return _mapping_action(request, campaign, tree, node.loc)
    if conflict:
        messages.error(
            request,
            f"Đợt đánh giá vừa được lưu thành phiên bản {campaign.version} (có thể bởi người khác). Trang đã tải lại "
            "nội dung mới nhất; hãy nhập lại thay đổi của bạn.",
        )
    elif tree is not None and page.is_valid():
        if not page.apply(tree):
            messages.info(request, "Không có thay đổi nào để lưu.")
            return redirect(request.path)
        new_source = ye.dump(tree, campaign.source, {str(node.loc[0])})
        if new_source == campaign.source:
            messages.info(request, "Không có thay đổi nào để lưu.")
            return redirect(request.path)
        where = " › ".join(c["label"] for c in _breadcrumb(campaign, node.loc, shown))
        saved = save_source(
            campaign,
            new_source,
            action="sua_dot_danh_gia",
            reason=f"Sửa {where}",
            before={"muc": loc_to_url(node.loc), "gia_tri": page.before},
            after={"muc": loc_to_url(node.loc), "gia_tri": page.after},
        )
        _saved(request, saved)
        return redirect(request.path)
    elif posted:
        messages.error(request, "Chưa lưu: có giá trị không đọc được, ghi ngay cạnh trường. Sửa rồi lưu lại.")
    if not can_edit:
        for form in page.all_forms():
            for f in form.fields.values():
                f.disabled = True
    for table in page.tables:
        if table.compact:
            table.html = table.compact_rows(can_edit)
    context = _context(
        request,
        campaign,
        page=page,
        node=node,
        crumbs=_breadcrumb(campaign, node.loc, shown),
        section=str(node.loc[0]),
        path=loc_to_url(node.loc),
        units_form=UnitsImportForm() if node.loc[-1] == "units" and can_edit else None,
        preview_url=reverse("campaigns:preview", args=[campaign.pk]),
    )
    return render(request, "campaigns/edit.html", context)


def _mapping_action(request: HttpRequest, campaign: Campaign, tree: CommentedMap, loc: Loc) -> HttpResponse:
    """Add or remove one document of `documents` (one key of a mapping keyed by a choice)."""
    node = resolve(loc)
    add, remove = request.POST.get("them"), request.POST.get("bo")
    if request.POST.get("base_version") != str(campaign.version):
        messages.error(request, "Đợt đánh giá vừa được sửa; trang đã tải lại nội dung mới nhất.")
        return redirect(request.path)
    if add in node.spec.keys:
        holder = ensure_map(tree, loc)
        if add not in holder:
            ye.set_key(holder, add, CommentedMap(), list(node.spec.keys))
        label = choice_label_of(node.spec, add)
        reason, target = f"Thêm {label}", edit_url(campaign.pk, (*loc, add))
    elif remove in node.spec.keys:
        holder = ye.get(tree, loc)
        if not isinstance(holder, dict) or remove not in holder:
            return redirect(request.path)
        del holder[remove]
        if not holder:
            parent = ye.get(tree, loc[:-1])
            del parent[loc[-1]]
        label = choice_label_of(node.spec, remove)
        reason, target = f"Bỏ {label}", request.path
    else:
        raise Http404
    saved = save_source(
        campaign,
        ye.dump(tree, campaign.source, {str(loc[0])}),
        action="sua_dot_danh_gia",
        reason=reason,
        before={"muc": loc_to_url(loc)},
        after={"muc": loc_to_url(loc), "thao_tac": reason},
    )
    _saved(request, saved)
    return redirect(target)


@login_required
@require_POST
def units_import(request: HttpRequest, pk: int, path: str) -> HttpResponse:
    campaign = _campaign(request, pk, EDIT)
    loc = url_to_loc(path)
    try:
        node = resolve(loc) if loc else None
    except KeyError:
        node = None
    if node is None or node.loc[-1] != "units" or node.spec.kind != "models":
        raise Http404
    back = edit_url(campaign.pk, node.loc)
    form = UnitsImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Chưa nhập: hãy chọn tệp danh sách đơn vị và cách nhập.")
        return redirect(back)
    upload = form.cleaned_data["file"]
    read = read_units(upload.name or "", upload.read())
    if read.problems:
        shown = read.problems[:50]
        more = len(read.problems) - len(shown)
        text = "Chưa nhập đơn vị nào; tệp có các dòng sai:\n" + "\n".join(shown)
        if more:
            text += f"\n… và {more} dòng sai khác."
        messages.error(request, text)
        return redirect(back)
    try:
        tree = ye.load(campaign.source)
    except ye.YamlTextError as exc:
        return _unreadable(request, campaign, exc)
    if ye.get(tree, node.loc[:-1]) is None:
        raise Http404
    old = ye.get(tree, node.loc)
    old_items = list(old) if isinstance(old, list) else []
    new_items: list[Any] = []
    for unit in read.units:
        if not unit.id and not unit.parent:
            new_items.append(ye.text_value(unit.name))
        else:
            item = CommentedMap()
            item["name"] = ye.text_value(unit.name)
            if unit.id:
                item["id"] = ye.text_value(unit.id)
            if unit.parent:
                item["parent"] = ye.text_value(unit.parent)
            new_items.append(item)
    append = form.cleaned_data["mode"] == "append"
    items = [*old_items, *new_items] if append else new_items
    origins: list[int | None] = (
        [*range(len(old_items)), *([None] * len(new_items))] if append else [None] * len(items)
    )
    set_at(tree, node.loc, items, origins)
    how = "thêm" if append else "thay bằng"
    saved = save_source(
        campaign,
        ye.dump(tree, campaign.source, {str(node.loc[0])}),
        action="sua_dot_danh_gia",
        reason=f"Nhập danh sách đơn vị từ tệp {upload.name} ({how} {len(new_items)} đơn vị)",
        before={"muc": loc_to_url(node.loc), "so_don_vi": len(old_items)},
        after={"muc": loc_to_url(node.loc), "so_don_vi": len(items), "tep": upload.name},
    )
    messages.success(request, f"Đã nhập {len(new_items)} đơn vị từ tệp {upload.name}.")
    _saved(request, saved)
    return redirect(back)


@login_required
@require_POST
def wording_preview(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    kind, section = request.POST.get("kind", ""), request.POST.get("section", "")
    text = request.POST.get(section, request.POST.get("text", ""))
    context: dict[str, Any] = {"section": section}
    if kind not in PREVIEW_KINDS:
        context["message"] = "Chỉ xem trước được lời văn của Kế hoạch và công văn hướng dẫn."
    else:
        from web.campaigns.services import ensure_written

        try:
            context["blocks"] = preview_wording(ensure_written(campaign), kind, section, text)
        except DiagnosticsError as exc:
            errors = sum(1 for d in exc.diagnostics if d.severity.value == "error")
            context["message"] = (
                f"Chưa xem trước được: hồ sơ còn {errors} lỗi ở các mục khác. Sửa các lỗi đó (xem trang tổng quan) "
                "rồi xem lại."
            )
        except VanbanError as exc:
            context["error"] = exc.message + (f" {exc.hint}" if exc.hint else "")
        except (ValueError, KeyError):
            context["message"] = "Không xem trước được đoạn này."
    return render(request, "campaigns/_preview.html", context)


# --------------------------------------------------------------------------- the YAML text


@login_required
def campaign_export(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    data = campaign.source.encode("utf-8")
    record("xuat_yaml", campaign, after=summary(campaign), note=f"Tải tệp YAML phiên bản {campaign.version}")
    response = HttpResponse(data, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}.yaml"'
    response["Content-Length"] = str(len(data))
    return response


@login_required
def campaign_import(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk, EDIT)
    form = ImportForm()
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            source = form.cleaned_data["file"]
            name = request.FILES["file"].name
            if source == campaign.source:
                messages.info(request, "Tệp giống hệt phiên bản hiện tại; không có gì thay đổi.")
                return redirect("campaigns:detail", campaign.pk)
            saved = save_source(
                campaign,
                source,
                action="nhap_yaml",
                reason=f"Nhập tệp {name}",
                after={"tep": name, "sha256_tep": sha256(source)},
            )
            _saved(request, saved)
            return redirect("campaigns:detail", campaign.pk)
    return render(request, "campaigns/import.html", _context(request, campaign, form=form))


@login_required
def campaign_yaml(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    can_edit = request.user.has_perm(EDIT, campaign)
    form = YamlTextForm(initial={"source": campaign.source})
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = YamlTextForm(request.POST)
        if form.is_valid():
            text = form.cleaned_data["source"]
            # Browsers send a text area's lines ended by CR LF: keep the file's own line ends.
            if "\r\n" not in campaign.source:
                text = text.replace("\r\n", "\n")
            if request.POST.get("base_version") != str(campaign.version):
                messages.error(
                    request,
                    f"Đợt đánh giá vừa được lưu thành phiên bản {campaign.version}; nội dung bạn sửa vẫn ở dưới, "
                    "hãy so với bản mới rồi lưu lại.",
                )
            elif text == campaign.source:
                messages.info(request, "Không có thay đổi nào để lưu.")
                return redirect(request.path)
            else:
                saved = save_source(campaign, text, action="sua_yaml", reason="Sửa trực tiếp tệp YAML")
                _saved(request, saved)
                return redirect(request.path)
    if not can_edit:
        form.fields["source"].disabled = True
    items = findings(campaign.diagnostics)
    return render(request, "campaigns/yaml.html", _context(request, campaign, form=form, items=items))


# --------------------------------------------------------------------------- versions


@login_required
def campaign_versions(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    versions = campaign.history.select_related("history_user").order_by("-version", "-history_date")
    return render(request, "campaigns/versions.html", _context(request, campaign, versions=versions))


def _version(campaign: Campaign, hid: int) -> Any:
    record_ = campaign.history.filter(history_id=hid).first()
    if record_ is None:
        raise Http404("Không có phiên bản này.")
    return record_


@login_required
def version_detail(request: HttpRequest, pk: int, hid: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    version = _version(campaign, hid)
    previous = (
        campaign.history.filter(version__lt=version.version).order_by("-version", "-history_date").first()
    )
    diff = []
    if previous is not None:
        diff = list(
            difflib.unified_diff(
                previous.source.splitlines(),
                version.source.splitlines(),
                f"phiên bản {previous.version}",
                f"phiên bản {version.version}",
                lineterm="",
                n=2,
            )
        )
    return render(
        request,
        "campaigns/version.html",
        _context(request, campaign, version=version, previous=previous, diff=diff),
    )


@login_required
@require_POST
def version_restore(request: HttpRequest, pk: int, hid: int) -> HttpResponse:
    campaign = _campaign(request, pk, EDIT)
    version = _version(campaign, hid)
    if version.source == campaign.source:
        messages.info(
            request, f"Phiên bản {version.version} giống hệt phiên bản hiện tại; không có gì thay đổi."
        )
        return redirect("campaigns:versions", campaign.pk)
    saved = save_source(
        campaign,
        version.source,
        action="khoi_phuc_phien_ban",
        reason=f"Khôi phục phiên bản {version.version}",
        after={"khoi_phuc_tu": version.version},
    )
    _saved(request, saved)
    return redirect("campaigns:versions", campaign.pk)

"""Every URL of the service, tried by everybody: anonymous, each role of the agency that owns the objects (A), each
role of another agency (B).

The URL patterns are read from `web.urls`, so a new view is tried as soon as it exists; its expectation must be
declared in RULES (a URL without one fails the test). Path parameters are filled with real objects of agency A
(the WORLD below). What is asserted:

- anonymous: a redirect to the login page (the admin's own login for the admin site), except public pages;
- agency A: the roles the declared rules permission grants get the page (not 403/404, not a login redirect), the
  others get 403 or 404, and a refused request changes nothing;
- agency B: never a 200 on A's objects (404 for the service's pages), and no page B sees names anything of A.

Every request runs in a transaction rolled back afterwards, so no request changes what the next one sees.
"""

from __future__ import annotations

import fnmatch
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from letters.core.vn import vn_today
from signing.demo.pki import DemoPKI
from tests.pki_fixtures import demo_pki, pki_server  # noqa: F401 - fixtures
from tests.web.docs_support import campaign_source, fast_render, rendered_once  # noqa: F401 - fixtures
from tests.web.infra import PASSWORD_ENV, configure_signing
from web.accounts.models import Agency, Profile, Role, Unit

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

LOGIN = "/tai-khoan/dang-nhap/"
ADMIN_LOGIN = "/quan-tri/login/"
# Every page agency B is shown is searched for these: A's names appear nowhere B can read.
A_MARK = "Alpha"
PASSWORD = "mat-khau-dai-2026"


# --- the expectations ----------------------------------------------------------------------------------------


ANY = "*"  # any logged-in person


@dataclass(frozen=True)
class Rule:
    """What a URL requires, per method: the django-rules permission the view must check against agency A's object
    (ANY: any logged-in person; None: the method is not served)."""

    get: str | None = None
    post: str | None = None
    public: bool = False  # anonymous users may open it
    scoped: bool | None = True  # it names agency A's objects (B must get a 404); None: when it has parameters
    admin: bool = False  # the Django admin site: its own login, staff only, scoped querysets
    skip: str = ""  # why it is not requested (it must still be declared)
    ok: frozenset[int] = frozenset({200, 302})  # what a permitted GET may get (302: not to a login page)
    ok_post: frozenset[int] = frozenset({200, 302, 400})  # a permitted POST of an empty form

    def methods(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in (("GET", self.get), ("POST", self.post)) if p is not None]


VIEW_CAMPAIGN, EDIT_CAMPAIGN = "vanban.view_campaign", "vanban.edit_campaign"
VIEW_DOCS, RENDER, SUBMIT = "vanban.view_documents", "vanban.render_documents", "vanban.submit_document"
APPROVE, ISSUE, CONFIGURE = "vanban.approve_document", "vanban.issue_document", "vanban.configure_signing"
VIEW_EVIDENCE, CHECK = "vanban.view_evidence", "vanban.check_evidence"
VIEW_RESULTS, RUN_RESULTS = "vanban.view_results", "vanban.run_results"
ACCOUNTS = "vanban.manage_accounts"

RULES: dict[str, Rule] = {
    # The foundation.
    "home": Rule(get=ANY, scoped=False),
    "accounts:login": Rule(get=ANY, public=True, scoped=False),
    "accounts:logout": Rule(post=ANY, public=True, scoped=False),
    "accounts:password_change": Rule(get=ANY, post=ANY, scoped=False),
    "jobs:status": Rule(get="vanban.view_job"),
    # Campaigns: the Sở's people read, the chuyên viên (and the quản trị) write.
    "campaigns:list": Rule(get=VIEW_CAMPAIGN, scoped=False),
    "campaigns:create": Rule(get=EDIT_CAMPAIGN, post=EDIT_CAMPAIGN, scoped=False),
    "campaigns:detail": Rule(get=VIEW_CAMPAIGN),
    "campaigns:edit": Rule(get=VIEW_CAMPAIGN, post=EDIT_CAMPAIGN),
    "campaigns:units_import": Rule(post=EDIT_CAMPAIGN),
    "campaigns:preview": Rule(post=VIEW_CAMPAIGN),
    "campaigns:yaml": Rule(get=VIEW_CAMPAIGN, post=EDIT_CAMPAIGN),
    "campaigns:export": Rule(get=VIEW_CAMPAIGN),
    "campaigns:import": Rule(get=EDIT_CAMPAIGN, post=EDIT_CAMPAIGN),
    "campaigns:versions": Rule(get=VIEW_CAMPAIGN),
    "campaigns:version": Rule(get=VIEW_CAMPAIGN),
    "campaigns:restore": Rule(post=EDIT_CAMPAIGN),
    # Documents.
    "documents:index": Rule(get=VIEW_DOCS),
    "documents:version": Rule(get=VIEW_DOCS),
    "documents:zip": Rule(get=VIEW_DOCS),
    "documents:render": Rule(post=RENDER),
    "documents:panel": Rule(get=VIEW_DOCS),
    "documents:download": Rule(get=VIEW_DOCS),
    "documents:page": Rule(get=VIEW_DOCS),
    # Signing and issuance.
    "issuance:index": Rule(get=VIEW_DOCS, scoped=False),
    "issuance:submit": Rule(post=SUBMIT),
    "issuance:draft": Rule(get=VIEW_DOCS),
    "issuance:panel": Rule(get=VIEW_DOCS),
    "issuance:approve": Rule(post=APPROVE),
    "issuance:return": Rule(post=APPROVE),
    "issuance:upload": Rule(post=APPROVE),
    "issuance:server_sign": Rule(post=APPROVE),
    "issuance:issue": Rule(post=ISSUE),
    "issuance:draft_pdf": Rule(get=VIEW_DOCS),
    "issuance:issued_file": Rule(get=VIEW_DOCS),
    "issuance:signed_file": Rule(get=VIEW_DOCS),
    "issuance:attachment_file": Rule(get=VIEW_DOCS),
    "issuance:settings": Rule(get=CONFIGURE, scoped=False),
    "issuance:add_key": Rule(post=CONFIGURE, scoped=False),
    "issuance:deactivate_key": Rule(post=CONFIGURE),
    "issuance:save_settings": Rule(post=CONFIGURE, scoped=False),
    "issuance:seal": Rule(get=CONFIGURE, scoped=False),
    # Evidence checks.
    "evidence:campaign": Rule(get=VIEW_EVIDENCE),
    "evidence:upload": Rule(post=CHECK),
    "evidence:upload_file": Rule(get=VIEW_EVIDENCE),
    "evidence:withdraw": Rule(post=CHECK),
    "evidence:policy": Rule(get=VIEW_EVIDENCE, post=CHECK),
    "evidence:policy_file": Rule(post=CHECK),
    "evidence:start": Rule(post=CHECK),
    "evidence:report": Rule(get=VIEW_EVIDENCE),
    "evidence:run_status": Rule(get=VIEW_EVIDENCE),
    "evidence:file_detail": Rule(get=VIEW_EVIDENCE),
    "evidence:report_download": Rule(get=VIEW_EVIDENCE),
    "evidence:letter_create": Rule(post=CHECK),
    "evidence:letter_download": Rule(get=VIEW_EVIDENCE),
    # The agency's trusted roots: its quản trị's, the store of their own agency (no object in the address).
    "evidence:trust": Rule(get=CONFIGURE, scoped=False),
    "evidence:trust_add": Rule(post=CONFIGURE, scoped=False),
    "evidence:trust_remove": Rule(post=CONFIGURE, scoped=False),
    # Results.
    "results:campaign": Rule(get=VIEW_RESULTS),
    "results:upload": Rule(post=RUN_RESULTS),
    "results:example": Rule(post=RUN_RESULTS),
    "results:example_download": Rule(get=VIEW_RESULTS),
    "results:blank_forms": Rule(get=VIEW_RESULTS),
    "results:scores_file": Rule(get=VIEW_RESULTS),
    "results:run": Rule(get=VIEW_RESULTS),
    "results:run_status": Rule(get=VIEW_RESULTS),
    "results:document": Rule(get=VIEW_RESULTS),
    "results:from_system": Rule(post="vanban.results_from_system"),
    "results:publish": Rule(post="vanban.publish_results"),
    # The Sở's dashboard; the units' notices (none is published in this world: a unit's own notice is served in
    # test_publication); the public ranking, without login.
    "dashboard:index": Rule(get="vanban.view_dashboard", scoped=False),
    "dashboard:export": Rule(get="vanban.view_dashboard", scoped=False),
    "dashboard:notices": Rule(get="vanban.view_own_notices", scoped=False),
    "dashboard:notice_file": Rule(get="vanban.view_own_notices", ok=frozenset({404})),
    "public:*": Rule(get=ANY, public=True, scoped=False),
    # Deadlines of the online campaign: the Sở's chuyên viên and the quản trị (the clock: demo mode and tests).
    "deadlines:index": Rule(get="vanban.manage_deadlines", scoped=False),
    "deadlines:campaign": Rule(get="vanban.manage_deadlines"),
    "deadlines:unit": Rule(get="vanban.manage_deadlines", post="vanban.manage_deadlines"),
    "deadlines:revoke": Rule(post="vanban.manage_deadlines"),
    "deadlines:remind": Rule(post="vanban.manage_deadlines", scoped=False),
    "deadlines:clock": Rule(get="vanban.manage_deadlines", post="vanban.manage_deadlines", scoped=False),
    # The Django admin site (the quản trị).
    "admin:login": Rule(get=ANY, public=True, admin=True, scoped=False),
    "admin:logout": Rule(post=ANY, public=True, admin=True, scoped=False),
    "admin:jsi18n": Rule(get=ANY, public=True, admin=True, scoped=False),
    "admin:auth_group_*": Rule(get=ACCOUNTS, admin=True, scoped=False),
    # The audit log is read-only for everybody, the quản trị included.
    "admin:audit_auditevent_add": Rule(get=ACCOUNTS, admin=True, scoped=False, ok=frozenset({403})),
    "admin:audit_auditevent_delete": Rule(get=ACCOUNTS, admin=True, ok=frozenset({403})),
    # Agencies are added and removed by the installation's operator (a superuser without an agency).
    "admin:accounts_agency_add": Rule(get=ACCOUNTS, admin=True, scoped=False, ok=frozenset({403})),
    "admin:accounts_agency_delete": Rule(get=ACCOUNTS, admin=True, ok=frozenset({403})),
    # Without its query (which field of which model) the autocomplete refuses everybody.
    "admin:autocomplete": Rule(get=ACCOUNTS, admin=True, scoped=False, ok=frozenset({403})),
    # No model of the service has a public page to go to.
    "admin:view_on_site": Rule(get=ACCOUNTS, admin=True, ok=frozenset({302, 404})),
    # Pages of one object are scoped to its agency; lists and forms show only the agency's own records.
    "admin:*": Rule(get=ACCOUNTS, admin=True, scoped=None),
    "route:quan-tri/(?P<url>.*)$": Rule(skip="the admin's catch-all: a redirect to the admin login"),
    "route:quan-tri/*/<path:object_id>/": Rule(skip="the admin's redirect to the change page, tried there"),
}


def rule_for(name: str | None, route: str) -> Rule | None:
    if name is not None and name in RULES:
        return RULES[name]
    for key, rule in RULES.items():
        if name is not None and "*" in key and fnmatch.fnmatchcase(name, key):
            return rule
        if key.startswith("route:") and (
            key[6:] == route or ("*" in key and fnmatch.fnmatchcase(route, key[6:]))
        ):
            return rule
    return None


# --- the URLs ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Url:
    name: str | None
    route: str
    params: tuple[str, ...]  # keyword parameters, or positional ones as "0", "1"…


def _params(pattern: Any) -> tuple[str, ...]:
    regex = pattern.pattern.regex
    if regex.groupindex:
        return tuple(regex.groupindex)
    return tuple(str(i) for i in range(regex.groups))


def all_urls() -> list[Url]:
    found: list[Url] = []

    def walk(patterns: list[Any], prefix: str, namespace: str | None, inherited: tuple[str, ...]) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns, inherited + _params(p))
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}" if namespace and p.name else p.name
                found.append(Url(name, prefix + str(p.pattern), inherited + _params(p)))

    walk(get_resolver().url_patterns, "", None, ())
    return found


# --- the world: real objects of agency A --------------------------------------------------------------------


@dataclass
class World:
    a: Agency
    b: Agency
    users: dict[tuple[str, str], Any]  # (agency code, role) → user
    objects: dict[str, Any] = field(default_factory=dict)


def _make_user(agency: Agency, role: Role, unit: Unit | None) -> Any:
    alpha = agency.code == "alpha"
    user = get_user_model().objects.create_user(
        f"{'alpha' if alpha else 'beta'}-{role.value}", password=PASSWORD
    )
    if role is Role.ADMIN:  # as the first quản trị and the demo's are
        user.is_staff = user.is_superuser = True
        user.save()
    Profile.objects.create(
        user=user,
        agency=agency,
        role=role,
        unit=unit if role in (Role.UNIT_STAFF, Role.UNIT_LEADER) else None,
        full_name=f"{role.label} {A_MARK if alpha else 'Beta'}",
        must_change_password=False,
    )
    return user


def _ok(response: Any) -> Any:
    assert response.status_code in (200, 302), response.content.decode(errors="replace")[-3000:]
    return response


def build_world(pki: DemoPKI, tmp_path: Path) -> World:
    """Agency A's records made the way people make them, through the pages: a campaign, its documents rendered,
    the công văn submitted, approved, signed on the server and issued with its attachments, evidence uploaded and
    checked with a resubmission letter, example scores ranked."""
    from django.contrib.auth.models import Group

    from web.audit.log import record
    from web.campaigns.models import Campaign
    from web.campaigns.services import save_source
    from web.documents.models import DocumentKind, DocumentVersion
    from web.evidence.models import EvidenceUpload, VerificationRun
    from web.issuance.models import Draft, IssuedDocument, SignedDraft
    from web.jobs.models import Job
    from web.jobs.runner import run_pending
    from web.results.models import ResultsRun, ScoresUpload

    a = Agency.objects.create(code="alpha", name=f"Sở Khoa học và Công nghệ {A_MARK}", abbreviation="SKHCN")
    b = Agency.objects.create(code="beta", name="Sở Khoa học và Công nghệ Beta", abbreviation="SKHCN")
    users: dict[tuple[str, str], Any] = {}
    for agency in (a, b):
        unit = Unit.objects.create(
            agency=agency, code=f"so-y-te-{agency.code}", name=f"Sở Y tế {agency.code}"
        )
        for role in Role:
            users[(agency.code, role.value)] = _make_user(agency, role, unit)
    world = World(a, b, users)
    objects = world.objects

    def as_(role: Role) -> Client:
        client = Client()
        client.force_login(users[("alpha", role.value)])
        return client

    admin, staff, leader, clerk = as_(Role.ADMIN), as_(Role.SO_STAFF), as_(Role.SO_LEADER), as_(Role.CLERK)
    campaign = save_source(
        Campaign(agency=a, title="", year=0), campaign_source(), action="tao_dot_danh_gia", reason="Thử quyền"
    ).campaign
    objects["campaign"] = campaign

    # The quản trị's configuration: the agency's key, the director's key, the seal, the trusted root.
    objects["key"] = configure_signing(
        admin, pki, users[("alpha", Role.SO_LEADER.value)], tmp_path / "mau", A_MARK
    )["director"]

    # Documents, then the công văn through signing and issuance (its forms and guides are its attachments).
    _ok(staff.post(f"/van-ban/{campaign.pk}/tao/"))
    run_pending()
    version = DocumentVersion.objects.get(campaign=campaign)
    assert version.ready, version.error
    document = version.documents.get(kind=DocumentKind.CONG_VAN)
    objects["version"], objects["document"] = version, document
    _ok(staff.post(f"/ban-hanh/trinh/{document.pk}/", {"note": "Kính trình"}))
    draft = Draft.objects.get(document=document)
    _ok(leader.post(f"/ban-hanh/{draft.pk}/duyet/"))
    _ok(leader.post(f"/ban-hanh/{draft.pk}/ky-tren-may-chu/", {"key": objects["key"].pk}))
    run_pending()
    _ok(clerk.post(f"/ban-hanh/{draft.pk}/cap-so/", {"issue_date": vn_today().isoformat()}))
    run_pending()
    issued = IssuedDocument.objects.filter(draft=draft).first()
    assert issued is not None, [(j.kind, j.status, j.error) for j in Job.objects.filter(agency=a)] + [
        (d.status, d.problems) for d in SignedDraft.objects.filter(draft=draft)
    ]
    objects["draft"], objects["signed"] = draft, SignedDraft.objects.get(draft=draft)
    objects["attachment"] = issued.attachments.order_by("pk").first()

    # Evidence: the issued letter sent back by a unit, checked (its root is not trusted by the default policy),
    # and the resubmission letter that asks for it again.
    evidence = io.BytesIO()
    with zipfile.ZipFile(evidence, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Sở Y tế/cong-van.pdf", issued.path.read_bytes())
    upload = SimpleUploadedFile("minh-chung.zip", evidence.getvalue())
    _ok(staff.post(f"/minh-chung/{campaign.pk}/tai-len/", {"unit": "__tat_ca__", "files": [upload]}))
    _ok(staff.post(f"/minh-chung/{campaign.pk}/kiem-tra/"))
    run_pending()
    run = VerificationRun.objects.get(campaign=campaign)
    assert run.status == "done", run.error
    _ok(staff.post(f"/minh-chung/{campaign.pk}/lan/{run.number}/cong-van/", {}))
    run_pending()
    objects["upload"], objects["run"] = EvidenceUpload.objects.get(campaign=campaign), run
    objects["file"], objects["letter"] = run.files.first(), run.letters.first()

    # Results: the example scores, ranked.
    _ok(staff.post(f"/ket-qua/{campaign.pk}/diem-mau/"))
    run_pending()
    results = ResultsRun.objects.get(campaign=campaign)
    assert results.finished, results
    objects["results"], objects["scores"] = results, ScoresUpload.objects.get(campaign=campaign)
    objects["result_document"] = results.documents.order_by("pk").first()

    objects["job"] = Job.objects.filter(agency=a).order_by("created_at").first()
    record("thu_quyen", a, user=users[("alpha", Role.SO_STAFF.value)], note=f"Ghi chú {A_MARK}")
    objects["group"] = Group.objects.create(name="Nhóm quyền chung")
    missing = [k for k, v in objects.items() if v is None]
    assert not missing, f"the world lacks {missing}"
    return world


def _admin_model(name: str) -> Any:
    """The model of an admin URL name such as admin:accounts_profile_change."""
    match = re.match(r"admin:([a-z]+)_([a-z0-9]+)_", name)
    if match is None:
        return None
    try:
        return apps.get_model(match.group(1), match.group(2))
    except LookupError:
        return None


def _a_instance(model: Any, world: World) -> Any:
    """The first object of `model` that belongs to agency A."""
    from django.core.exceptions import FieldError

    if model is get_user_model():
        return world.users[("alpha", Role.SO_STAFF.value)]
    if model is Agency:
        return world.a
    rows = model._base_manager.order_by("pk")
    for lookup in ("agency", "agency_id_value", "campaign__agency", "run__agency", "user__profile__agency"):
        try:
            return rows.filter(**{lookup: world.a.pk}).first()
        except FieldError:
            continue
    return None


def fill(url: Url, world: World) -> dict[str, Any] | list[Any] | None:
    """Path parameters naming agency A's objects; None when the world holds no object for them."""
    values: dict[str, Any] = {}
    for param in url.params:
        value = _filler(f"{url.name}.{param}", param)
        if value is None and url.name and url.name.startswith("admin:"):
            value = _admin_filler(url, param)
        if value is None:
            return None
        result = value(world)
        if result is None:
            return None
        values[param] = result
    if values and all(k.isdigit() for k in values):
        return [values[str(i)] for i in range(len(values))]
    return values


def _filler(key: str, param: str) -> Callable[[World], Any] | None:
    """FILLERS by URL name and parameter ("documents:download.fmt", globs allowed), else by parameter alone."""
    if key in FILLERS:
        return FILLERS[key]
    for pattern, value in FILLERS.items():
        if "*" in pattern and fnmatch.fnmatchcase(key, pattern):
            return value
    return FILLERS.get(param)


def _admin_filler(url: Url, param: str) -> Callable[[World], Any] | None:
    model = _admin_model(url.name or "")
    if model is None:
        return None

    def instance_pk(world: World) -> Any:
        obj = _a_instance(model, world)
        return None if obj is None else obj.pk

    def history_pk(world: World) -> Any:
        obj = _a_instance(model, world)
        return None if obj is None else obj.history.order_by("history_id").first().history_id

    if param in ("object_id", "id", "0"):
        return instance_pk
    if param == "1":
        return history_pk
    return None


def _content_type(world: World) -> Any:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Profile).pk


def _obj(key: str, attr: str = "pk") -> Callable[[World], Any]:
    return lambda w: getattr(w.objects[key], attr)


def _online(world: World) -> Any:
    """A's campaign run online: its units and submissions made from the file."""
    from web.assessment.services import ensure_submissions

    ensure_submissions(world.objects["campaign"])
    return world.objects["campaign"]


FILLERS: dict[str, Callable[[World], Any]] = {
    "job_id": lambda w: w.objects["job"].pk,
    "campaign_id": _obj("campaign"),
    "campaigns:*.pk": _obj("campaign"),
    "campaigns:edit.path": lambda w: "issuer",
    "campaigns:units_import.path": lambda w: "tiers/1/units",
    "campaigns:*.hid": lambda w: w.objects["campaign"].history.order_by("history_id").first().history_id,
    "documents:*.number": _obj("version", "number"),
    "documents:*.document_id": _obj("document"),
    "documents:download.fmt": lambda w: "pdf",
    "documents:page.page": lambda w: 1,
    "issuance:*.document_id": _obj("document"),
    "issuance:*.draft_id": _obj("draft"),
    "issuance:*.signed_id": _obj("signed"),
    "issuance:*.attachment_id": _obj("attachment"),
    "issuance:*.key_id": _obj("key"),
    "evidence:*.upload_id": _obj("upload"),
    "evidence:*.number": _obj("run", "number"),
    "evidence:*.file_id": _obj("file"),
    "evidence:*.name": lambda w: "report.html",
    "evidence:*.version": _obj("letter", "version"),
    "evidence:trust_remove.sha256": lambda w: "0" * 64,
    "results:*.upload_id": _obj("scores"),
    "results:*.index": lambda w: 0,
    "results:*.number": _obj("results", "number"),
    "results:*.doc_id": _obj("result_document"),
    "results:*.fmt": lambda w: "goc",
    "dashboard:*.doc_id": _obj("result_document"),
    "dashboard:*.fmt": lambda w: "pdf",
    "public:*.agency": lambda w: w.objects["campaign"].agency.code,
    "public:*.slug": _obj("campaign", "slug"),
    "deadlines:*.campaign_id": lambda w: _online(w).pk,
    "deadlines:*.unit_id": lambda w: _online(w).submissions.order_by("pk").first().unit_id,
    "admin:auth_group_*.object_id": lambda w: w.objects["group"].pk,
    "admin:app_list.app_label": lambda w: "accounts",
    "admin:view_on_site.content_type_id": _content_type,
    "admin:view_on_site.object_id": lambda w: (
        Profile.objects.get(user=w.users[("alpha", Role.SO_STAFF.value)]).pk
    ),
}


# --- the requests --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    status: int
    location: str
    body: str
    changed: bool  # the request added or removed records (seen before its rollback)


def request(client: Client, method: str, path: str) -> Outcome:
    """One request, its effects rolled back afterwards so that every request sees the same world."""
    with transaction.atomic():
        before = _fingerprint()
        response = client.post(path, {}) if method == "POST" else client.get(path)
        if getattr(response, "streaming", False):
            # Read to the end: the test client closes a file response (and its file) when it is consumed.
            content = b"".join(response.streaming_content)
        else:
            content = response.content
        outcome = Outcome(
            response.status_code,
            response.get("Location", ""),
            content.decode("utf-8", errors="replace"),
            _fingerprint() != before,
        )
        transaction.set_rollback(True)
    return outcome


IGNORED_FOR_CHANGES = {"audit.auditevent", "accounts.loginfailure", "sessions.session"}


def _fingerprint() -> tuple[int, ...]:
    """Row counts of every table (one query): a refused request must not add or remove anything."""
    from django.db import connection

    tables = sorted(
        m._meta.db_table
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and m._meta.label_lower not in IGNORED_FOR_CHANGES
    )
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables))
        return tuple(cursor.fetchone())


def _is_login_redirect(outcome: Outcome, admin: bool) -> bool:
    return outcome.status == 302 and outcome.location.startswith(ADMIN_LOGIN if admin else LOGIN)


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)
    tried: int = 0

    def check(self, condition: bool, message: str) -> None:
        self.tried += 1
        if not condition:
            self.failures.append(message)


def _clients(world: World) -> Iterator[tuple[str, Any, Client]]:
    for (code, role), user in world.users.items():
        client = Client(raise_request_exception=False)  # a failing view is a finding, not the end
        client.force_login(user)
        yield code, role, client


def test_every_url_as_every_role_of_both_agencies_and_anonymous(
    pki_server: DemoPKI,  # noqa: F811 - its OCSP and CRL answer the signature checks
    fast_render: None,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    tmp_path: Path,
) -> None:
    urls = all_urls()
    undeclared = [f"{u.name or '(unnamed)'}  /{u.route}" for u in urls if rule_for(u.name, u.route) is None]
    assert not undeclared, "declare what these URLs require in RULES:\n" + "\n".join(undeclared)

    settings.FILES_DIR = tmp_path / "files"
    monkeypatch.setenv(PASSWORD_ENV, pki_server.password)
    world = build_world(pki_server, tmp_path)
    clients = list(_clients(world))
    report = Report()
    unfilled: list[str] = []
    for url in urls:
        rule = rule_for(url.name, url.route)
        assert rule is not None
        if rule.skip:
            continue
        assert url.name is not None, f"/{url.route}: an unnamed URL needs a skip reason"
        values = fill(url, world)
        if values is None:
            unfilled.append(url.name)
            continue
        path = (
            reverse(url.name, args=values) if isinstance(values, list) else reverse(url.name, kwargs=values)
        )
        scoped = rule.scoped if rule.scoped is not None else bool(set(url.params) - {"app_label"})
        for method, perm in rule.methods():
            check_url(report, world, clients, rule, scoped, method, perm, path, url.name)
    if unfilled:
        report.failures.append(
            "add objects of agency A for these URLs (build_world, FILLERS): " + ", ".join(unfilled)
        )
    assert not report.failures, f"{len(report.failures)} of {report.tried} checks failed:\n" + "\n".join(
        report.failures
    )


def check_url(
    report: Report,
    world: World,
    clients: list[tuple[str, str, Client]],
    rule: Rule,
    scoped: bool,
    method: str,
    perm: str,
    path: str,
    name: str,
) -> None:
    where = f"{method} {path} ({name})"
    anonymous = request(Client(raise_request_exception=False), method, path)
    if rule.public:
        return
    report.check(_is_login_redirect(anonymous, rule.admin), f"{where} anonymous: {anonymous.status}")
    report.check(not anonymous.changed, f"{where} anonymous changed records")
    for code, role, client in clients:
        outcome = request(client, method, path)
        if code == "beta":
            report.check(A_MARK not in outcome.body, f"{where} shows agency A's name to beta {role}")
            if scoped:
                # Someone who could do this in their own agency must not learn that A's object exists: a 404,
                # as for an object that does not exist. Someone whose role may never do it is refused first (the
                # refusal does not depend on the object). The admin answers «no such object» with a redirect.
                user = world.users[(code, role)]
                own = perm == ANY or user.has_perm(perm, SimpleNamespace(agency_id=world.b.pk))
                expected_b = (302, 403, 404) if rule.admin else (404,) if own else (403, 404)
                report.check(
                    outcome.status in expected_b,
                    f"{where} beta {role}: {outcome.status} (expected {' or '.join(map(str, expected_b))})",
                )
                report.check(not outcome.changed, f"{where} beta {role} changed records")
            continue
        user = world.users[(code, role)]
        target = world.objects.get("campaign") if scoped else None
        allowed = perm == ANY or user.has_perm(perm, target)
        if rule.admin:
            allowed = allowed and user.is_staff
        ok = rule.ok if method == "GET" else rule.ok_post
        if allowed:
            report.check(
                outcome.status in ok and not _is_login_redirect(outcome, rule.admin),
                f"{where} alpha {role} (permitted): {outcome.status} {outcome.location}",
            )
        elif rule.admin:
            report.check(
                _is_login_redirect(outcome, True) or outcome.status in (403, 404),
                f"{where} alpha {role} (not staff): {outcome.status}",
            )
        else:
            report.check(outcome.status in (403, 404), f"{where} alpha {role} (refused): {outcome.status}")
        if not allowed:
            report.check(not outcome.changed, f"{where} alpha {role} (refused) changed records")

"""Every URL of the service, tried by everybody: anonymous, each role of the agency that owns the objects (A), each
role of another agency (B).

The URL patterns are read from `web.urls`, so a new view is tried as soon as it exists; its expectation must be
declared in RULES (a URL without one fails the test). Path parameters are filled with real objects of agency A
(the WORLD below). What is asserted:

- anonymous: a redirect to the login page (the admin's own login for the admin site), except public pages;
- agency A: the roles the declared rules permission grants get the page (not 403/404, not a login redirect), the
  others get 403 or 404, and a refused request changes nothing;
- agency B: never a 200 on A's objects (404 for the service's pages), and no page B sees names anything of A.

The online campaign's objects are scoped finer than the agency: a unit's submission to its own chuyên viên and
lãnh đạo (another unit's people get 403 or 404), a submission to the appraisers whose assignment covers its tier
and district, an indicator to those who appraise its main index. Its URLs are tried for each of A's submissions
the world holds (a unit of a two-tier campaign the Sở appraises, a commune of a three-tier one its district
appraises), by the people of each role and by extra people of agency A who differ only in their unit or
assignment; no page shows anybody a submission they may not read (its unit's name, the mark in its notes).

Every request runs in a transaction rolled back afterwards, so no request changes what the next one sees.
"""

from __future__ import annotations

import fnmatch
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
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
from tests.conftest import EXAMPLES
from tests.pki_fixtures import demo_pki, pki_server  # noqa: F401 - fixtures
from tests.test_sign_support import DIRECTOR_NAME
from tests.web.assessment_support import at
from tests.web.docs_support import campaign_source, fast_render, rendered_once  # noqa: F401 - fixtures
from tests.web.infra import PASSWORD_ENV, configure_signing
from web.accounts.models import SO_ROLES, UNIT_ROLES, Agency, Profile, Role, Unit

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

LOGIN = "/tai-khoan/dang-nhap/"
ADMIN_LOGIN = "/quan-tri/login/"
# Every page agency B is shown is searched for these: A's names appear nowhere B can read.
A_MARK = "Alpha"
PASSWORD = "mat-khau-dai-2026"


# --- the expectations ----------------------------------------------------------------------------------------


ANY = "*"  # any logged-in person
# A grant: a django-rules permission, ANY, or the roles a view admits by itself (the online campaign's views check
# a role and then the object's scope, which no django-rules permission expresses).
Grant = str | frozenset[str]


def roles(*granted: Role | frozenset[str]) -> frozenset[str]:
    out: set[str] = set()
    for r in granted:
        out |= {str(x) for x in r} if isinstance(r, frozenset) else {str(r)}
    return frozenset(out)


@dataclass(frozen=True)
class Rule:
    """What a URL requires, per method: the django-rules permission the view must check against agency A's object
    (ANY: any logged-in person; a set of roles: those roles; None: the method is not served)."""

    get: Grant | None = None
    post: Grant | None = None
    public: bool = False  # anonymous users may open it
    scoped: bool | None = True  # it names agency A's objects (B must get a 404); None: when it has parameters
    admin: bool = False  # the Django admin site: its own login, staff only, scoped querysets
    skip: str = ""  # why it is not requested (it must still be declared)
    ok: frozenset[int] = frozenset({200, 302})  # what a permitted GET may get (302: not to a login page)
    ok_post: frozenset[int] = frozenset({200, 302, 400})  # a permitted POST (of an empty form unless `data`)
    # The online campaign's scopes, finer than the agency's; such a URL is tried once per submission of the world.
    unit_scoped: bool = False  # a unit's chuyên viên and lãnh đạo are granted it on their own unit's only
    # Appraisers are granted it only within their assignment: "campaign" (they have one in its campaign), "tiers"
    # (it covers the submission's tier and, for a district's appraiser, its district), "indices" (besides, they
    # score this unit and the indicator's main index).
    assignment: str = ""
    so_appraises: bool = False  # the Sở's chuyên viên is granted it on the tiers the Sở appraises only
    data: Callable[[World], dict[str, Any]] | None = None  # what a POST sends (an empty form without it)

    def methods(self) -> list[tuple[str, Grant]]:
        return [(m, p) for m, p in (("GET", self.get), ("POST", self.post)) if p is not None]

    @property
    def per_submission(self) -> bool:
        return self.unit_scoped or bool(self.assignment)


VIEW_CAMPAIGN, EDIT_CAMPAIGN = "vanban.view_campaign", "vanban.edit_campaign"
VIEW_DOCS, RENDER, SUBMIT = "vanban.view_documents", "vanban.render_documents", "vanban.submit_document"
APPROVE, ISSUE, CONFIGURE = "vanban.approve_document", "vanban.issue_document", "vanban.configure_signing"
VIEW_EVIDENCE, CHECK = "vanban.view_evidence", "vanban.check_evidence"
VIEW_RESULTS, RUN_RESULTS = "vanban.view_results", "vanban.run_results"
ACCOUNTS = "vanban.manage_accounts"
ONBOARDING, DEADLINES = "vanban.manage_onboarding", "vanban.manage_deadlines"
UNIT = roles(*UNIT_ROLES)
SO = roles(*SO_ROLES)
APPRAISING = roles(Role.APPRAISER, Role.SO_STAFF, Role.SO_LEADER)  # the appraisal pages

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
    # The Sở's dashboard; the units' notices of the published results (a unit its own only); the public ranking
    # and the issued Quyết định, without login.
    "dashboard:index": Rule(get="vanban.view_dashboard", scoped=False),
    "dashboard:export": Rule(get="vanban.view_dashboard", scoped=False),
    "dashboard:notices": Rule(get="vanban.view_own_notices", scoped=False),
    "dashboard:notice_file": Rule(get=UNIT, unit_scoped=True),
    "public:*": Rule(get=ANY, public=True, scoped=False, ok=frozenset({200})),
    # Deadlines of the online campaign: the Sở's chuyên viên and the quản trị (the clock: demo mode and tests).
    "deadlines:index": Rule(get=DEADLINES, scoped=False),
    "deadlines:campaign": Rule(get=DEADLINES),
    "deadlines:unit": Rule(get=DEADLINES, post=DEADLINES),
    "deadlines:revoke": Rule(post=DEADLINES),
    "deadlines:remind": Rule(post=DEADLINES, scoped=False),
    "deadlines:clock": Rule(get=DEADLINES, post=DEADLINES, scoped=False),
    # Accounts of the online campaign, their list files (first passwords) and the appraisers' assignments: the
    # Sở's chuyên viên and the quản trị; everybody's own contact details.
    "onboarding:index": Rule(get=ONBOARDING, scoped=False),
    "onboarding:profile": Rule(get=ANY, post=ANY, scoped=False),
    "onboarding:issue": Rule(post=ONBOARDING),
    "onboarding:reissue": Rule(get=ONBOARDING, post=ONBOARDING),
    "onboarding:delete_files": Rule(post=ONBOARDING),
    "onboarding:make_pdf": Rule(post=ONBOARDING),
    "onboarding:download": Rule(get=ONBOARDING),
    "onboarding:assignments": Rule(get=ONBOARDING),
    "onboarding:assignment": Rule(post=ONBOARDING),
    # The units' self-assessment: a unit's own people write; they and the Sở's people read; an evidence file
    # also to the appraisers who appraise its indicator.
    "selfassess:index": Rule(get=UNIT, scoped=False),
    "selfassess:form": Rule(get=UNIT | SO, unit_scoped=True),
    "selfassess:save": Rule(post=UNIT, unit_scoped=True),
    "selfassess:answer": Rule(post=UNIT, unit_scoped=True),
    "selfassess:upload": Rule(post=UNIT, unit_scoped=True),
    "selfassess:file": Rule(get=roles(UNIT, SO, Role.APPRAISER), unit_scoped=True, assignment="indices"),
    "selfassess:file_status": Rule(get=UNIT | SO, unit_scoped=True),
    "selfassess:withdraw": Rule(post=UNIT, unit_scoped=True),
    "selfassess:act": Rule(post=UNIT, unit_scoped=True),
    "selfassess:receipt": Rule(get=UNIT | SO, unit_scoped=True),
    "selfassess:receipt_json": Rule(get=UNIT | SO, unit_scoped=True),
    "selfassess:receipt_html": Rule(get=UNIT | SO, unit_scoped=True),
    "selfassess:history": Rule(get=UNIT | SO, unit_scoped=True),
    # Appraisal: appraisers within their assignment, the Sở's chuyên viên and lãnh đạo; scores are given by the
    # appraisers of the indicator's main index and by the Sở's chuyên viên on the tiers the Sở appraises.
    "appraisal:index": Rule(get=APPRAISING, scoped=False),
    "appraisal:bulk": Rule(
        post=APPRAISING, assignment="campaign", data=lambda w: {"dot": w.target.sub.campaign_id}
    ),
    "appraisal:submission": Rule(get=APPRAISING, assignment="tiers"),
    "appraisal:entry": Rule(
        post=roles(Role.APPRAISER, Role.SO_STAFF), assignment="indices", so_appraises=True
    ),
    "appraisal:transition": Rule(post=APPRAISING, assignment="tiers"),
    "appraisal:history": Rule(get=APPRAISING, assignment="tiers"),
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
    # The online campaign's records are read-only there: they change through the pages and the state machine.
    "admin:assessment_*_add": Rule(get=ACCOUNTS, admin=True, scoped=False, ok=frozenset({403})),
    "admin:assessment_*_delete": Rule(get=ACCOUNTS, admin=True, ok=frozenset({403})),
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
class Person:
    """Someone who tries the URLs: one per role of each agency, and A's extra people of the online campaign who
    differ from them only in their unit or their assignments (tried on the online campaign's URLs)."""

    code: str  # the agency's
    label: str  # the role, or "role/what differs"
    role: str
    user: Any
    unit_id: int | None = None
    assignments: dict[int, Any] = field(default_factory=dict)  # campaign id → the Assignment made for them
    extra: bool = False


@dataclass
class Target:
    """One of A's submissions of the online campaign, with what its URLs name."""

    label: str
    sub: Any  # Submission, confirmed (it has a receipt), appraised (final, or in round 1)
    entry: Any  # the Entry its evidence file is for, scored by its appraiser (its score history)
    file: Any  # EvidenceFile
    index: str  # the entry's main index
    so_appraises: bool  # the Sở appraises the submission's tier (else the district appraises its communes)
    mark: str  # in the unit's notes and its file's name: only people entitled to the submission may read it
    notice: Any = None  # the unit's published results notice, if the world has one

    @property
    def secrets(self) -> tuple[str, str]:
        """What no page may show to someone not entitled to the submission."""
        return (self.mark, self.sub.unit.name)


@dataclass
class World:
    a: Agency
    b: Agency
    users: dict[tuple[str, str], Any]  # (agency code, role) → user
    objects: dict[str, Any] = field(default_factory=dict)
    people: list[Person] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    target: Target | None = None  # the submission the URL being tried names


def _make_user(agency: Agency, role: Role, unit: Unit | None, label: str = "") -> Any:
    alpha = agency.code == "alpha"
    user = get_user_model().objects.create_user(
        f"{'alpha' if alpha else 'beta'}-{label or role.value}", password=PASSWORD
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
    checked with a resubmission letter, example scores ranked and published; then the campaign run online, with
    a three-tier campaign beside it (`_build_online`)."""
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
    world.people = [
        Person(code, role, role, user, user.profile.unit_id) for (code, role), user in users.items()
    ]
    objects = world.objects

    def as_(role: Role) -> Client:
        client = Client()
        client.force_login(users[("alpha", role.value)])
        return client

    admin, staff, leader, clerk = as_(Role.ADMIN), as_(Role.SO_STAFF), as_(Role.SO_LEADER), as_(Role.CLERK)
    # The province's Quyết định (the results) is signed with the demo PKI's one signer certificate, as the letters.
    source = campaign_source()
    assert "    name: Mai Sơn\n" in source
    source = source.replace("    name: Mai Sơn\n", f"    name: {DIRECTOR_NAME}\n", 1)
    campaign = save_source(
        Campaign(agency=a, title="", year=0), source, action="tao_dot_danh_gia", reason="Thử quyền"
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

    _build_online(world, issued.path.read_bytes())
    objects["publication"] = _publish(world, staff, leader, clerk)

    objects["job"] = Job.objects.filter(agency=a).order_by("created_at").first()
    record("thu_quyen", a, user=users[("alpha", Role.SO_STAFF.value)], note=f"Ghi chú {A_MARK}")
    objects["group"] = Group.objects.create(name="Nhóm quyền chung")
    missing = [k for k, v in objects.items() if v is None]
    assert not missing, f"the world lacks {missing}"
    return world


def _publish(world: World, staff: Client, leader: Client, clerk: Client) -> Any:
    """«Tổng hợp kết quả từ hệ thống» (the first unit's final scores), its Quyết định submitted, approved, signed
    on the server and issued, then «Công bố kết quả»: the units' notices and the public ranking exist."""
    from web.documents.models import DocumentKind
    from web.issuance.models import Draft, SignedDraft
    from web.jobs.runner import run_pending
    from web.results.models import Publication, ResultDocument, ResultsRun

    campaign = world.objects["campaign"]
    _ok(staff.post(f"/ket-qua/{campaign.pk}/tu-he-thong/"))
    run_pending()
    run = ResultsRun.objects.filter(campaign=campaign).order_by("-number").first()
    assert run is not None and run.document_version is not None, (run.status, run.error) if run else None
    decision = run.document_version.documents.get(kind=DocumentKind.QUYET_DINH)
    _ok(staff.post(f"/ban-hanh/trinh/{decision.pk}/", {"note": "Kính trình Quyết định công bố"}))
    run_pending()
    draft = Draft.objects.get(document=decision)
    _ok(leader.post(f"/ban-hanh/{draft.pk}/duyet/"))
    _ok(leader.post(f"/ban-hanh/{draft.pk}/ky-tren-may-chu/", {"key": world.objects["key"].pk}))
    run_pending()
    _ok(clerk.post(f"/ban-hanh/{draft.pk}/cap-so/", {"issue_date": vn_today().isoformat()}))
    run_pending()
    _ok(staff.post(f"/ket-qua/{campaign.pk}/lan/{run.number}/cong-bo/"))
    run_pending()  # the e-mails (no unit account has an address)
    publication = Publication.objects.filter(run=run).first()
    assert publication is not None, [(d.status, d.problems) for d in SignedDraft.objects.filter(draft=draft)]
    first = world.targets[0]
    first.notice = ResultDocument.objects.filter(
        run=run, kind="thong_bao", unit_key=first.sub.unit.code
    ).first()
    assert first.notice is not None, "the published run has no notice for the first unit"
    return publication


def _person(world: World, label: str, role: Role, unit: Any = None) -> Person:
    user = _make_user(world.a, role, unit, label)
    person = Person("alpha", label, role.value, user, unit.pk if unit is not None else None, extra=True)
    world.people.append(person)
    return person


def _assign(person: Person, campaign: Any, **scope: Any) -> None:
    from web.assessment.models import Assignment

    person.assignments[campaign.pk] = Assignment.objects.create(
        campaign=campaign, user=person.user, body=scope.pop("body", f"Tổ thẩm định {A_MARK}"), **scope
    )


def _build_online(world: World, signed_pdf: bytes) -> None:
    """A's campaign run online (Bắc Giang 2023: two tiers, the Sở appraises both) and a three-tier one beside it
    (Bà Rịa - Vũng Tàu 2024: the districts appraise their communes). In each, one unit's people score every
    indicator with a marked note, attach a signed PDF, and their leader confirms (the receipt); its appraiser
    starts round 1 and scores the indicator with the file (the first unit's scores are then made final, for the
    results). The people around them: a second unit of the same tier, appraisers of another tier, of another
    main index, of another district. Then an extension, the campaign's accounts issued (a batch of list files)
    and one password issued again (a second batch)."""
    from web.assessment import clock
    from web.assessment.models import EvidenceFile, Submission
    from web.assessment.plans import plan_for
    from web.assessment.services import confirm, ensure_submissions, save_appraisal, save_self_score
    from web.assessment.states import take
    from web.campaigns.models import Campaign
    from web.deadlines.services import grant_extension
    from web.jobs.runner import run_pending
    from web.onboarding import services as onboarding
    from web.selfassess.services import start_verification, store_evidence

    objects = world.objects
    two_tier = objects["campaign"]
    ensure_submissions(two_tier)
    three_tier = Campaign.objects.create(
        agency=world.a,
        slug="brvt-2024",
        title="Đánh giá DTI năm 2024",
        year=2024,
        source=(EXAMPLES / "brvt-2024.yaml").read_text(encoding="utf-8"),
    )
    three_tier.write_yaml()
    ensure_submissions(three_tier)
    objects["three_tier"] = three_tier

    def subs(campaign: Any, tier: str) -> list[Any]:
        return list(
            Submission.objects.filter(campaign=campaign, tier=tier).select_related("unit").order_by("id")
        )

    first, second = subs(two_tier, "so")[:2]
    communes = [s for s in subs(three_tier, "xa") if s.unit.parent.code == "vungtau"]
    commune = communes[0]
    districts = {s.unit.code: s.unit for s in subs(three_tier, "huyen")}
    staff = world.users[("alpha", Role.SO_STAFF.value)]

    # The people of each role are the first unit's; the extra people around them.
    base = {p.role: p for p in world.people if p.code == "alpha" and not p.extra}
    for role in (Role.UNIT_STAFF, Role.UNIT_LEADER):
        Profile.objects.filter(user=base[role.value].user).update(unit=first.unit)
        base[role.value].user.profile.refresh_from_db()
        base[role.value].unit_id = first.unit_id
    _person(world, "chuyen_vien_don_vi/don-vi-khac", Role.UNIT_STAFF, second.unit)
    _person(world, "lanh_dao_don_vi/don-vi-khac", Role.UNIT_LEADER, second.unit)
    commune_staff = _person(world, "chuyen_vien_don_vi/xa", Role.UNIT_STAFF, commune.unit)
    commune_leader = _person(world, "lanh_dao_don_vi/xa", Role.UNIT_LEADER, commune.unit)
    appraiser = base[Role.APPRAISER.value]
    _assign(appraiser, two_tier, tiers=["so"], indices=[])
    objects["assignment"] = appraiser.assignments[two_tier.pk]
    _assign(_person(world, "tham_dinh_vien/nhom-khac", Role.APPRAISER), two_tier, tiers=["huyen"], indices=[])
    plan = plan_for(two_tier)
    entry = first.entries.order_by("id").first()
    index = plan.tier("so").row(entry.code).index_code
    other_index = next(i.code for i in plan.tier("so").indices if i.code != index)
    _assign(
        _person(world, "tham_dinh_vien/chi-so-khac", Role.APPRAISER),
        two_tier,
        tiers=["so"],
        indices=[other_index],
    )
    district = _person(world, "tham_dinh_vien/huyen", Role.APPRAISER)
    vungtau, baria = districts["vungtau"], districts["baria"]
    _assign(district, three_tier, body=vungtau.name, tiers=["xa"], indices=[], parent_unit=vungtau)
    _assign(
        _person(world, "tham_dinh_vien/huyen-khac", Role.APPRAISER),
        three_tier,
        body=baria.name,
        tiers=["xa"],
        indices=[],
        parent_unit=baria,
    )

    def through_round_1(
        sub: Any, when: str, unit_staff: Any, leader: Any, appraised_by: Any, mark: str
    ) -> Any:
        clock.set_now(at(when))
        rows = {r.code: r for r in plan_for(sub.campaign).tier(sub.tier).rows}
        for e in sub.entries.order_by("id"):
            save_self_score(
                e,
                unit_staff,
                score=str(rows[e.code].max_points),
                note=f"Thuyết minh của đơn vị {mark}",
                seen_version=e.version,
            )
        scored = sub.entries.order_by("id").first()
        scored.submission = sub
        evidence = store_evidence(
            scored, unit_staff, SimpleUploadedFile(f"minh-chung-{mark}.pdf", signed_pdf)
        )
        start_verification(evidence, unit_staff)
        take(Submission.objects.get(pk=sub.pk), "trinh_lanh_dao", unit_staff)
        confirm(Submission.objects.get(pk=sub.pk), leader)
        take(Submission.objects.get(pk=sub.pk), "bat_dau_tham_dinh", appraised_by)
        scored.refresh_from_db()
        save_appraisal(
            scored,
            appraised_by,
            round_no=1,
            accept=False,
            score="0",
            reason="Tài liệu chưa đủ",
            seen_version=scored.version,
        )
        return evidence

    file_1 = through_round_1(
        first,
        "20/10/2023 09:00",
        base["chuyen_vien_don_vi"].user,
        base["lanh_dao_don_vi"].user,
        staff,
        "DV-MOT",
    )
    # The first unit's other indicators accepted and its scores final (the results are made from them).
    for e in first.entries.exclude(pk=file_1.entry_id).order_by("id"):
        save_appraisal(e, staff, round_no=1, accept=True, score=None, reason="", seen_version=e.version)
    take(Submission.objects.get(pk=first.pk), "chot_diem", staff)
    objects["extension"] = grant_extension(
        two_tier, first.unit, "tu_danh_gia", date(2023, 10, 31), "Sự cố đường truyền", staff
    )
    file_2 = through_round_1(
        commune, "01/11/2024 09:00", commune_staff.user, commune_leader.user, district.user, "XA-MOT"
    )
    clock.reset()
    run_pending()  # the files' verification
    for label, sub, evidence, mark, so in (
        ("cấp sở, Sở thẩm định, đã chốt điểm", first, file_1, "DV-MOT", True),
        ("cấp xã, huyện thẩm định, thẩm định lần 1", commune, file_2, "XA-MOT", False),
    ):
        evidence = EvidenceFile.objects.select_related("entry").get(pk=evidence.pk)
        assert evidence.verdict != EvidenceFile.Verdict.PENDING, evidence
        sub = Submission.objects.select_related("unit", "campaign").get(pk=sub.pk)
        assert sub.receipt_sha256 and sub.state in ("tham_dinh_1", "hoan_thanh"), sub.state
        index = plan_for(sub.campaign).tier(sub.tier).row(evidence.entry.code).index_code
        world.targets.append(Target(label, sub, evidence.entry, evidence, index, so, mark))
    world.target = world.targets[0]

    # The accounts: issued for every unit (the list files), then one password again (a second batch).
    issued = onboarding.issue_all(two_tier, staff, so_appraisers=1)
    assert issued.batch is not None and issued.lines
    account = next(
        u
        for u in onboarding.campaign_accounts(two_tier).filter(profile__role=Role.UNIT_STAFF)
        if u.profile.must_change_password
    )
    _, again = onboarding.reissue(two_tier, account, staff)
    objects["batch"], objects["batch_again"], objects["account"] = issued.batch, again, account


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


def _target(attr: str) -> Callable[[World], Any]:
    """A part of the submission being tried (None: this one has none)."""

    def value(world: World) -> Any:
        assert world.target is not None
        found = getattr(world.target, attr)
        return None if found is None else found.pk

    return value


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
    "dashboard:*.doc_id": _target("notice"),
    "dashboard:*.fmt": lambda w: "goc",
    "public:*.agency": lambda w: w.objects["campaign"].agency.code,
    "public:*.slug": _obj("campaign", "slug"),
    "deadlines:*.unit_id": lambda w: w.targets[0].sub.unit_id,  # the unit with an extension
    "onboarding:*.user_id": _obj("account"),
    "onboarding:*.assignment_id": _obj("assignment"),
    "onboarding:delete_files.batch": _obj("batch_again", "name"),  # not the batch the other URLs read
    "onboarding:*.batch": _obj("batch", "name"),
    "onboarding:*.filename": lambda w: "danh-sach-tai-khoan.xlsx",
    "selfassess:*.sub_id": _target("sub"),
    "selfassess:*.entry_id": _target("entry"),
    "selfassess:*.file_id": _target("file"),
    "selfassess:act.action": lambda w: "trinh_lanh_dao",
    "appraisal:*.submission_id": _target("sub"),
    "appraisal:*.entry_id": _target("entry"),
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


def request(client: Client, method: str, path: str, data: dict[str, Any] | None = None) -> Outcome:
    """One request, its effects rolled back afterwards so that every request sees the same world."""
    with transaction.atomic():
        before = _fingerprint()
        response = client.post(path, data or {}) if method == "POST" else client.get(path)
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
# Tables whose rows change in place: every write raises a row's version (optimistic locking).
VERSIONED = ("assessment.submission", "assessment.entry")


def _fingerprint() -> tuple[int, ...]:
    """Row counts of every table and the sum of the versions of the online campaign's records (one query): a
    refused request must not add, remove or change anything."""
    from django.db import connection

    tables = sorted(
        m._meta.db_table
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and m._meta.label_lower not in IGNORED_FOR_CHANGES
    )
    quote = connection.ops.quote_name
    counts = [f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables]
    versions = [
        f"(SELECT COALESCE(SUM(version), 0) FROM {quote(apps.get_model(label)._meta.db_table)})"
        for label in VERSIONED
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(counts + versions))
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


ONLINE = ("onboarding:", "selfassess:", "appraisal:", "deadlines:", "dashboard:")


def _grants(person: Person, perm: Grant, target: Any) -> bool:
    if perm == ANY:
        return True
    if isinstance(perm, frozenset):
        return person.role in perm
    return bool(person.user.has_perm(perm, target))


def _covers(person: Person, t: Target, level: str) -> bool:
    """Whether this appraiser's assignment covers the submission at `level` (Rule.assignment)."""
    a = person.assignments.get(t.sub.campaign_id)
    if a is None:
        return False
    if level == "campaign":
        return True
    within = (not a.tiers or t.sub.tier in a.tiers) and (
        a.parent_unit_id is None or t.sub.unit.parent_id == a.parent_unit_id
    )
    if level == "tiers":
        return within
    # A district's appraiser scores its communes; the others the tiers the Sở appraises.
    scores = a.parent_unit_id is not None or t.so_appraises
    return within and scores and (not a.indices or t.index in {str(i) for i in a.indices})


def _in_scope(person: Person, rule: Rule, t: Target | None) -> bool:
    """The online campaign's scope, once the person's role is granted the URL."""
    if t is None:
        return True
    if person.role in UNIT_ROLES and rule.unit_scoped:
        return person.unit_id == t.sub.unit_id
    if person.role == Role.APPRAISER and rule.assignment:
        return _covers(person, t, rule.assignment)
    if person.role == Role.SO_STAFF and rule.so_appraises:
        return t.so_appraises
    return True


def _entitled(person: Person, t: Target) -> bool:
    """Whether this person may read the submission at all (its unit, its notes, its files)."""
    if person.code != "alpha":
        return False
    if person.role in SO_ROLES:
        return True
    if person.role in UNIT_ROLES:
        return person.unit_id == t.sub.unit_id
    return person.role == Role.APPRAISER and _covers(person, t, "tiers")


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
    clients: list[tuple[Person, Client]] = []
    for person in world.people:
        client = Client(raise_request_exception=False)  # a failing view is a finding, not the end
        client.force_login(person.user)
        clients.append((person, client))
    report = Report()
    unfilled: list[str] = []
    for url in urls:
        rule = rule_for(url.name, url.route)
        assert rule is not None
        if rule.skip:
            continue
        assert url.name is not None, f"/{url.route}: an unnamed URL needs a skip reason"
        scoped = rule.scoped if rule.scoped is not None else bool(set(url.params) - {"app_label"})
        filled = False
        # A URL of the online campaign's objects is tried on each submission that has what it names.
        for target in world.targets if rule.per_submission else world.targets[:1]:
            world.target = target
            values = fill(url, world)
            if values is None:
                continue
            filled = True
            path = (
                reverse(url.name, args=values)
                if isinstance(values, list)
                else reverse(url.name, kwargs=values)
            )
            for method, perm in rule.methods():
                check_url(report, world, clients, rule, scoped, method, perm, path, url.name)
        if not filled:
            unfilled.append(url.name)
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
    clients: list[tuple[Person, Client]],
    rule: Rule,
    scoped: bool,
    method: str,
    perm: Grant,
    path: str,
    name: str,
) -> None:
    target = world.target if rule.per_submission else None
    where = f"{method} {path} ({name}{f', {target.label}' if target else ''})"
    data = rule.data(world) if rule.data is not None and method == "POST" else None
    anonymous = request(Client(raise_request_exception=False), method, path, data)
    if rule.public:
        ok = rule.ok if method == "GET" else rule.ok_post
        report.check(anonymous.status in ok, f"{where} anonymous (public): {anonymous.status}")
        return
    report.check(_is_login_redirect(anonymous, rule.admin), f"{where} anonymous: {anonymous.status}")
    report.check(not anonymous.changed, f"{where} anonymous changed records")
    for person, client in clients:
        if person.extra and not name.startswith(ONLINE):
            continue
        who = f"{person.code} {person.label}"
        outcome = request(client, method, path, data)
        leaked = [
            f"{t.label}: «{secret}»"
            for t in world.targets
            if not _entitled(person, t)
            for secret in t.secrets
            if secret in outcome.body
        ]
        report.check(not leaked, f"{where} shows {who} the submission of {', '.join(leaked)}")
        if person.code == "beta":
            report.check(A_MARK not in outcome.body, f"{where} shows agency A's name to {who}")
            if scoped:
                # Someone who could do this in their own agency must not learn that A's object exists: a 404,
                # as for an object that does not exist. Someone whose role may never do it is refused first (the
                # refusal does not depend on the object). The admin answers «no such object» with a redirect.
                own = _grants(person, perm, SimpleNamespace(agency_id=world.b.pk))
                expected_b = (302, 403, 404) if rule.admin else (404,) if own else (403, 404)
                report.check(
                    outcome.status in expected_b,
                    f"{where} {who}: {outcome.status} (expected {' or '.join(map(str, expected_b))})",
                )
                report.check(not outcome.changed, f"{where} {who} changed records")
            continue
        on = target.sub.campaign if target is not None else world.objects.get("campaign") if scoped else None
        allowed = _grants(person, perm, on) and _in_scope(person, rule, target)
        if rule.admin:
            allowed = allowed and person.user.is_staff
        ok = rule.ok if method == "GET" else rule.ok_post
        if allowed:
            report.check(
                outcome.status in ok and not _is_login_redirect(outcome, rule.admin),
                f"{where} {who} (permitted): {outcome.status} {outcome.location}",
            )
        elif rule.admin:
            report.check(
                _is_login_redirect(outcome, True) or outcome.status in (403, 404),
                f"{where} {who} (not staff): {outcome.status}",
            )
        else:
            report.check(outcome.status in (403, 404), f"{where} {who} (refused): {outcome.status}")
        if not allowed:
            report.check(not outcome.changed, f"{where} {who} (refused) changed records")

"""Every URL pattern of the portal, requested as every role, against the expected table beside it.

The world holds two organisations (A, B), two programmes (P, Q) and objects of each; the
objects in URLs belong to A and P. A URL with no expectation fails the test, so a new page
cannot ship without saying who may open it. Third-party pages (Django admin, allauth) are
left to their own projects and listed in THIRD_PARTY.

Two roles test trust rather than rank: `requester_a` asked to join A and was not granted (he
must get what any unrelated user gets on A's objects), and `juror_member_a`, a juror of J who
declared no conflict on J's dossier of A and was then granted membership of A (he gets what a
member of A gets, and never the jury's view of that dossier).

A third, `instructor_p2`, is staff of P who instructs within group G2 of P, while the dossier of A
is routed to group G1 (so are the jury's and the funded project's): he gets what staff of P get, except on
those dossiers' pages, staff, jury or funding (a 404), on the juries, which rank and decide dossiers of every
group (a 404), and on the organisation of the instruction, which is the programme's managers' (staff_p is in
no group).

Denied roles also POST to each URL: a refusal must not depend on the method.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from applications.models import Dossier, DossierInvitation, DossierPartner
from applications.services import drafting, submission
from calls.models import (
    Criterion,
    FormDefinition,
    FormStep,
    InfoSession,
    InfoSessionRegistration,
    MilestoneTemplate,
    Phase,
    RequiredDocument,
)
from calls.rules import load_rules
from portal.models import OrganisationDomain, Role
from portal.services import membership, role_assign
from tests.applications.conftest import FORM_SCHEMA, complete
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.portal.factories import MembershipFactory, OrganisationFactory, UserFactory

THIRD_PARTY = (
    "admin",
    "account_",
    "mfa_",
    "usersessions_",
    "socialaccount_",
    "openid_connect",
    "proconnect",
    "headless",
)
# The rules below give these roles their outcome; `juror_member_a` holds two roles at once and gets,
# unless a rule names him, what a juror of J gets where that is OK and what a member of A gets otherwise.
RULED_ROLES = [
    "anonymous",
    "applicant_a",
    "applicant_b",
    "requester_a",
    "staff_p",
    "staff_q",
    "operator_p",
    "juror_j",
    "juror_conflicted",
    "admin",
]
ROLES = [*RULED_ROLES, "juror_member_a", "instructor_p2"]

OK, LOGIN, FORBIDDEN, NOT_FOUND = "ok", "login", "403", "404"
# The API's resources answer a token only (tests/api/test_matrix.py checks them token × scope × programme):
# the site's session, whoever holds it, gets the API's 401.
UNAUTHORIZED = "HTTP 401"
TOKEN_ONLY = dict.fromkeys(RULED_ROLES, UNAUTHORIZED)

# The access rules, as role → outcome.
PUBLIC = dict.fromkeys(RULED_ROLES, OK)
SIGNED_IN = {**dict.fromkeys(RULED_ROLES, OK), "anonymous": LOGIN}
APPLICANT_A = {**dict.fromkeys(RULED_ROLES, NOT_FOUND), "anonymous": LOGIN, "applicant_a": OK}
STAFF_OF_P = {
    **dict.fromkeys(RULED_ROLES, FORBIDDEN),
    "anonymous": LOGIN,
    "staff_p": OK,
    "staff_q": NOT_FOUND,
    "admin": OK,
}
ANY_STAFF = {**STAFF_OF_P, "staff_q": OK}
# A page of the dossier of A, routed to group G1 of P: an instructor of group G2 does not find it.
DOSSIER_OF_G1 = {**STAFF_OF_P, "instructor_p2": NOT_FOUND}
# A jury of P decides dossiers of every group: its pages are its programme's instruction managers'.
JURY_OF_P = DOSSIER_OF_G1
# Jury J of programme P: its chair juror_j; juror_conflicted declared a conflict on the jury's dossier,
# which A carries; juror_member_a is conflicted on it by his membership of A.
JUROR_OF_J = {**dict.fromkeys(RULED_ROLES, FORBIDDEN), "anonymous": LOGIN, "juror_j": OK, "juror_conflicted": OK}
JUROR_ON_DOSSIER = {**JUROR_OF_J, "juror_conflicted": NOT_FOUND, "juror_member_a": NOT_FOUND}
# Organisation A: its members (applicant_a is its référent), programme staff and admins see it.
ORGANISATION_A = {
    **dict.fromkeys(RULED_ROLES, NOT_FOUND),
    "anonymous": LOGIN,
    "applicant_a": OK,
    "juror_member_a": OK,
    "staff_p": OK,
    "staff_q": OK,
    "admin": OK,
}
# Removals, requests and domains of A: its référent and admins; its other members and staff see it, may not.
REFERENTS_OF_A = {**ORGANISATION_A, "juror_member_a": FORBIDDEN, "staff_p": FORBIDDEN, "staff_q": FORBIDDEN}
# Naming a référent of A: its référent, programme staff, admins.
REFERENT_NAMING_A = {**ORGANISATION_A, "juror_member_a": FORBIDDEN}
# A pending request to A is decided by A's référent or an admin; anyone else does not find it.
DECIDES_FOR_A = {**dict.fromkeys(ROLES, NOT_FOUND), "anonymous": LOGIN, "applicant_a": OK, "admin": OK}
ADMIN_ONLY = {**dict.fromkeys(RULED_ROLES, FORBIDDEN), "anonymous": LOGIN, "admin": OK}
# A funded project of A in P (its convention sent for signature): the carrier, P's staff and operator, admins.
PROJECT = {
    **dict.fromkeys(RULED_ROLES, NOT_FOUND),
    "anonymous": LOGIN,
    "applicant_a": OK,
    "staff_p": OK,
    "operator_p": OK,
    "admin": OK,
    # The funded dossier is routed to G1.
    "instructor_p2": NOT_FOUND,
}
PROJECT_PARTIES = ("applicant_a", "staff_p", "operator_p", "admin")


def project_action(*allowed: str) -> dict:
    """A project page for some parties only: the other parties get 403, outsiders still 404."""
    return {**PROJECT, **{role: (OK if role in allowed else FORBIDDEN) for role in PROJECT_PARTIES}}


CARRIER_OR_STAFF = {
    **dict.fromkeys(RULED_ROLES, NOT_FOUND),
    "anonymous": LOGIN,
    "applicant_a": OK,
    "staff_p": OK,
    "admin": OK,
}


@dataclass(frozen=True)
class Expectation:
    rule: dict
    kwargs: dict | None = None  # overrides of the default arguments by name
    # What denied roles try; an API resource read only answers 405 to a POST before asking who calls.
    methods: tuple = ("get", "post")


EXPECTED: dict[str, Expectation] = {
    # portal
    "home": Expectation(PUBLIC),
    "portal:health": Expectation(PUBLIC),
    "portal:health_detail": Expectation({**dict.fromkeys(RULED_ROLES, FORBIDDEN), "anonymous": LOGIN, "admin": OK}),
    "portal:privacy": Expectation(PUBLIC),
    "portal:accessibility": Expectation(PUBLIC),
    "portal:sitemap": Expectation(PUBLIC),
    "portal:dashboard": Expectation(SIGNED_IN),
    "portal:organisation_choose": Expectation(SIGNED_IN),
    "portal:organisation_join": Expectation(SIGNED_IN),
    "portal:organisation_detail": Expectation(ORGANISATION_A),
    "portal:member_remove": Expectation(REFERENTS_OF_A),
    "portal:member_referent": Expectation(REFERENT_NAMING_A),
    "portal:organisation_domain_add": Expectation(REFERENTS_OF_A),
    "portal:organisation_domain_remove": Expectation(REFERENTS_OF_A),
    "portal:membership_requests": Expectation(
        {
            **dict.fromkeys(ROLES, FORBIDDEN),
            "anonymous": LOGIN,
            "applicant_a": OK,
            "applicant_b": OK,
            "admin": OK,
        }
    ),
    "portal:membership_request_decide": Expectation(DECIDES_FOR_A),
    "portal:membership_request_withdraw": Expectation(
        {**dict.fromkeys(ROLES, NOT_FOUND), "anonymous": LOGIN, "requester_a": OK}
    ),
    "portal:organisation_review": Expectation(ANY_STAFF),
    "portal:notifications": Expectation(SIGNED_IN),
    "portal:personal_data_download": Expectation(SIGNED_IN),
    # public calls, simulator, laureates
    "calls:public_list": Expectation(PUBLIC),
    "calls:calendar": Expectation(PUBLIC),
    "calls:calendar_ics": Expectation(PUBLIC),
    "calls:call_detail": Expectation(PUBLIC),
    "calls:theme_detail": Expectation(PUBLIC),
    "calls:info_session_register": Expectation(PUBLIC, {"pk": "info_p"}),
    "calls:info_session_ics": Expectation(PUBLIC, {"pk": "info_p"}),
    "calls:registration_cancel": Expectation(PUBLIC),
    "simulator:index": Expectation(PUBLIC),
    "simulator:theme": Expectation(PUBLIC),
    "simulator:rule": Expectation(STAFF_OF_P),
    "laureates:list": Expectation(PUBLIC),
    "laureates:programme": Expectation(PUBLIC),
    "laureates:call": Expectation(PUBLIC),
    "laureates:open_data_csv": Expectation(PUBLIC),
    "laureates:open_data_json": Expectation(PUBLIC),
    # staff back-office, audit, exchange
    "audit:call_audit": Expectation(STAFF_OF_P),
    "audit:call_audit_export": Expectation(STAFF_OF_P, {"fmt": "csv"}),
    "calls_exchange:import": Expectation({**ANY_STAFF}),
    "calls_exchange:export": Expectation(STAFF_OF_P, {"fmt": "yaml"}),
    "calls_staff:list": Expectation(ANY_STAFF),
    "calls_staff:call_create": Expectation(ANY_STAFF),
    "calls_staff:programme_list": Expectation(ADMIN_ONLY),
    "calls_staff:programme_create": Expectation(ADMIN_ONLY),
    **{
        f"calls_staff:{name}": Expectation(ADMIN_ONLY, {"programme_id": "programme_p", "user_id": "staff_p_id"})
        for name in ["programme_detail", "programme_update", "programme_role_revoke"]
    },
    **{
        f"calls_staff:{name}": Expectation(STAFF_OF_P)
        for name in [
            "call_detail",
            "call_update",
            "call_transition",
            "info_session_create",
            "info_session_update",
            "theme_create",
            "theme_detail",
            "theme_update",
            "theme_duplicate",
            "session_create",
            "session_update",
            "session_duplicate",
            "session_extend",
            "session_close_early",
            "interest_form_edit",
            "interest_form_new_version",
            "interest_form_json",
            "interest_form_field_update",
            "interest_form_publish",
            "interest_form_preview",
            "phase_create",
            "milestone_create",
            "criterion_create",
            "criterion_update",
            "criterion_delete",
            "document_create",
            "document_update",
            "document_delete",
            "form_edit",
            "form_new_version",
            "form_json",
            "form_publish",
            "form_preview",
            "form_field_update",
            "phase_update",
            "milestone_update",
            "theme_rule",
            "theme_rule_preview",
            "theme_rule_import",
            "theme_rule_version",
            "theme_rule_export",
        ]
    },
    # dossiers: applicant side
    "applications:my_dossiers": Expectation(SIGNED_IN),
    "applications:dossier_start": Expectation(SIGNED_IN),
    "applications:dossier_start_from_simulation": Expectation(SIGNED_IN),
    "applications:invitation_accept": Expectation(SIGNED_IN),
    **{
        f"applications:{name}": Expectation(APPLICANT_A)
        for name in [
            "dossier_detail",
            "project",
            "partner_add",
            "partner_remove",
            "section",
            "budget",
            "budget_export",
            "documents",
            "document_download",
            "document_delete",
            "team",
            "review",
            "receipt",
            "messages",
            "complement_answer",
            "withdraw",
            "planned_milestones",
        ]
    },
    "applications:phased_project": Expectation(CARRIER_OR_STAFF),
    # dossiers: staff side
    "applications:staff_list": Expectation(ANY_STAFF),
    "applications:staff_dossier": Expectation(DOSSIER_OF_G1),
    "applications:complement_request": Expectation(DOSSIER_OF_G1),
    "applications:staff_document_download": Expectation(DOSSIER_OF_G1),
    "applications:derogation_record": Expectation(DOSSIER_OF_G1),
    "applications:derogation_withdraw": Expectation(DOSSIER_OF_G1),
    "applications:dossier_routing": Expectation(DOSSIER_OF_G1),
    "applications:instruction_queue": Expectation(ANY_STAFF),
    # The organisation of P's instruction: its managers (staff_p belongs to no group); an instructor of P may not.
    "applications:instructor_groups": Expectation(
        {**STAFF_OF_P, "instructor_p2": FORBIDDEN}, {"programme_id": "programme_p"}
    ),
    "applications:instructor_group": Expectation({**STAFF_OF_P, "instructor_p2": NOT_FOUND}),
    "applications:dossier_annotations": Expectation(DOSSIER_OF_G1),
    "applications:labels": Expectation(STAFF_OF_P, {"programme_id": "programme_p"}),
    "applications:bulk_action": Expectation(ANY_STAFF),
    "applications:saved_filter_save": Expectation(ANY_STAFF),
    # staff_p's own saved filter: nobody else finds it.
    "applications:saved_filter_delete": Expectation(
        {**STAFF_OF_P, "staff_q": NOT_FOUND, "admin": NOT_FOUND, "instructor_p2": NOT_FOUND}
    ),
    "applications:call_annotation_fields": Expectation({**STAFF_OF_P, "instructor_p2": FORBIDDEN}),
    "applications:dossier_opinions": Expectation(DOSSIER_OF_G1),
    **{
        f"applications:{name}": Expectation(
            DOSSIER_OF_G1, {"request_id": "opinion_request", "attachment_id": "opinion_request_attachment"}
        )
        for name in ["opinion_cancel", "opinion_attachment_staff"]
    },
    # The expert's pages: only the expert bound to the request (no role of the matrix) finds them.
    "applications:opinion_invitation": Expectation(SIGNED_IN),
    **{
        f"applications:{name}": Expectation(
            {**dict.fromkeys(ROLES, NOT_FOUND), "anonymous": LOGIN}, {"request_id": "opinion_request"}
        )
        for name in ["opinion_expert", "opinion_document"]
    },
    # juries
    "juries:my_queue": Expectation(JUROR_OF_J),
    **{f"juries:{name}": Expectation(JUROR_OF_J) for name in ["queue", "declarations"]},
    "juries:juror_export": Expectation(JUROR_OF_J, {"fmt": "xlsx"}),
    **{
        f"juries:{name}": Expectation(JUROR_ON_DOSSIER, {"attachment_id": "jury_attachment"})
        for name in ["score", "document", "consensus"]
    },
    "juries:opinion_attachment": Expectation(JUROR_ON_DOSSIER, {"attachment_id": "opinion_shared_attachment"}),
    "juries:decision_letter": Expectation({**CARRIER_OR_STAFF, "instructor_p2": NOT_FOUND}),
    **{f"juries:{name}": Expectation(APPLICANT_A) for name in ["hearing_answer", "hearing_ics"]},
    # Staff of P and the chair of J record a hearing's outcome; another member of J gets 403, anyone else 404.
    "juries:hearing_record": Expectation(
        {
            **JURY_OF_P,
            "juror_j": OK,
            "juror_conflicted": FORBIDDEN,
            "juror_member_a": FORBIDDEN,
            "staff_q": NOT_FOUND,
            **dict.fromkeys(("applicant_a", "applicant_b", "requester_a", "operator_p"), NOT_FOUND),
        }
    ),
    "juries:staff_list": Expectation(ANY_STAFF),
    "juries:history_import": Expectation(ANY_STAFF),
    "juries:instruction_sessions": Expectation(ANY_STAFF),
    **{
        f"juries:{name}": Expectation(JURY_OF_P)
        for name in [
            "staff_jury",
            "staff_ranking",
            "staff_hearings",
            "minutes",
            "member_import",
        ]
    },
    # A session's dossiers to instruct: an instructor within groups lists his groups' only.
    "juries:instruction_queue": Expectation(STAFF_OF_P),
    "juries:instruction_review": Expectation(DOSSIER_OF_G1),
    **{
        f"juries:{name}": Expectation(JURY_OF_P, {"fmt": fmt})
        for name, fmt in [("ranking_export", "ods"), ("evaluations_export", "xlsx")]
    },
    # funding
    "funding:portfolio": Expectation({**ANY_STAFF, "operator_p": OK}),
    "funding:portfolio_export": Expectation({**ANY_STAFF, "operator_p": OK}, {"kind": "tranches", "fmt": "csv"}),
    "funding:my_projects": Expectation(
        {**dict.fromkeys(RULED_ROLES, FORBIDDEN), "anonymous": LOGIN, "applicant_a": OK, "applicant_b": OK}
    ),
    "funding:reminder_preferences": Expectation(SIGNED_IN),
    "funding:convention_template": Expectation(STAFF_OF_P, {"programme_id": "programme_p"}),
    **{
        f"funding:{name}": Expectation(
            rule, {"pk": "funded", "version": 1, "milestone_id": "milestone", "tranche_id": "tranche"}
        )
        for name, rule in [
            ("convention", PROJECT),
            ("generate", PROJECT),
            ("download", PROJECT),
            ("send", PROJECT),
            ("sign", PROJECT),
            ("countersign", PROJECT),
            ("reports", PROJECT),
            ("final_report", PROJECT),
            ("final_report_validate", PROJECT),
            ("close", PROJECT),
            # Nothing is signed yet in the world: there is no signed file to give anyone.
            ("download_signed", {**dict.fromkeys(ROLES, NOT_FOUND), "anonymous": LOGIN}),
            ("tranche_schedule", project_action("staff_p", "admin")),
            ("milestone_evidence", PROJECT),
            ("prepare", project_action("staff_p", "admin")),
            ("condition_lift", project_action("staff_p", "admin")),
            ("milestone_declare", project_action("applicant_a")),
            ("milestone_review", project_action("staff_p", "admin")),
            ("payment_record", project_action("operator_p")),
        ]
    },
    # exports, dashboard, imports
    "applications:staff_list_export": Expectation(ANY_STAFF, {"fmt": "csv"}),
    **{
        f"applications:{name}": Expectation(
            {**ANY_STAFF, "staff_p": NOT_FOUND, "staff_q": NOT_FOUND, "admin": NOT_FOUND}, {"job_id": "tache-inconnue"}
        )
        for name in ["export_job", "export_job_download"]
    },
    "calls_staff:registrations_export": Expectation(STAFF_OF_P, {"fmt": "csv"}),
    # The whole dossier and the archives for a control body: staff who may see the dossier, a 404 for anyone
    # else (applicants and jurors included); a session's archive holds only the requester's own dossiers, so
    # an instructor of G2 may ask for it; an unknown job is nobody's.
    "archives:dossier": Expectation(
        {
            **DOSSIER_OF_G1,
            **dict.fromkeys(
                ("applicant_a", "applicant_b", "requester_a", "operator_p", "juror_j", "juror_conflicted"), NOT_FOUND
            ),
        }
    ),
    "archives:session": Expectation(
        {
            **STAFF_OF_P,
            **dict.fromkeys(
                ("applicant_a", "applicant_b", "requester_a", "operator_p", "juror_j", "juror_conflicted"), NOT_FOUND
            ),
        }
    ),
    **{
        f"archives:{name}": Expectation(
            {**dict.fromkeys(RULED_ROLES, NOT_FOUND), "anonymous": LOGIN}, {"job_id": "tache-inconnue"}
        )
        for name in ["job", "job_download"]
    },
    "dashboard:index": Expectation(ANY_STAFF),
    "dashboard:programme": Expectation(STAFF_OF_P, {"programme_id": "programme_p"}),
    # An organisation's file: every programme's staff check a carrier before deciding (summary lines only
    # for the dossiers they may not open).
    "dashboard:organisation": Expectation(ANY_STAFF),
    "imports:organisations": Expectation(ANY_STAFF),
    # the automation API: its back-office, its documentation and public resources, its token-only resources
    "api_staff:index": Expectation({**ANY_STAFF, "operator_p": OK}),
    "api_staff:tokens": Expectation({**STAFF_OF_P, "operator_p": OK}, {"programme_id": "programme_p"}),
    **{
        f"api_staff:{name}": Expectation(STAFF_OF_P, {"programme_id": "programme_p"})
        for name in ["token_revoke", "webhooks", "webhook", "delivery", "delivery_redeliver"]
    },
    **{
        f"api_v1:{name}": Expectation(PUBLIC)
        for name in [
            "api-root",
            "openapi-json",
            "openapi-view",
            "call_list",
            "call_detail",
            "theme_list",
            "theme_detail",
            "session_list",
            "session_detail",
            "laureate_list",
        ]
    },
    **{
        f"api_v1:{name}": Expectation(
            TOKEN_ONLY, {"convention_id": "funded", "payment_id": "funded", "dossier_id": "pk"}, methods=("get",)
        )
        for name in [
            "dossier_list",
            "dossier_detail",
            "dossier_document",
            "jury_list",
            "jury_evaluations",
            "jury_ranking",
            "decision_list",
            "convention_list",
            "convention_detail",
            "milestone_list",
            "payment_list",
            "payment_detail",
            "report_list",
        ]
    },
    "api_v1:payment_create": Expectation(TOKEN_ONLY),
}


def expected_outcome(rule: dict, role: str) -> str:
    if role in rule:
        return rule[role]
    if role == "instructor_p2":
        return rule["staff_p"]
    assert role == "juror_member_a", f"règle sans attente pour {role}"
    return OK if rule["juror_conflicted"] == OK else rule["applicant_a"]


def url_patterns(patterns=None, namespace=""):
    """(qualified name, pattern) of every named URL but third-party ones (test_permission_matrix_third_party.py)."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = (
                f"{namespace}:{entry.namespace}" if namespace and entry.namespace else (entry.namespace or namespace)
            )
            if (entry.namespace or "").startswith(THIRD_PARTY) or str(entry.pattern).startswith(("admin/", "comptes/")):
                continue
            yield from url_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name and not entry.name.startswith(THIRD_PARTY):
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    """Objects of A in P (the ones URLs point to), and of B in Q (their twins elsewhere)."""
    now = timezone.now()
    # A two-step call, so that its expression of interest's form pages exist too.
    theme_p = ThemeFactory(
        code="ITN6", funding_rule=load_rules()["ITN6"].to_dict(), call__slug="appel-p", call__kind="ami"
    )
    theme_q = ThemeFactory(code="ITN6", call__slug="appel-q")
    call_p = theme_p.call
    for owner in ({"theme": theme_p}, {"call": call_p}, {"call": call_p, "step": FormStep.INTEREST}):
        FormDefinition.objects.create(**owner, version=1, status=FormDefinition.Status.PUBLISHED, schema=FORM_SCHEMA)
        FormDefinition.objects.create(**owner, version=2, status=FormDefinition.Status.DRAFT, schema=FORM_SCHEMA)
    call_document = RequiredDocument.objects.create(
        call=call_p, kind="annexe", label="Annexe", formats=["pdf"], mandatory=False
    )
    call_criterion = Criterion.objects.create(call=call_p, code="G1", label="Qualité")
    document = RequiredDocument.objects.create(
        theme=theme_p, kind="lettre", label="Lettre", formats=["pdf"], max_size_mb=Decimal("1")
    )
    criterion = Criterion.objects.create(theme=theme_p, code="C1", label="Pertinence")
    phase = Phase.objects.create(theme=theme_p, key="phase-1", label="Expérimentation")
    milestone = MilestoneTemplate.objects.create(phase=phase, key="j1", label="Premier jalon")
    session_p = SessionFactory(theme=theme_p, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=10))
    SessionFactory(theme=theme_q)
    info_p = InfoSession.objects.create(
        call=theme_p.call, title="Réunion", starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=2)
    )
    registration = InfoSessionRegistration.objects.create(
        info_session=info_p, name="Visiteur", email="v@example.org", cancel_token="jeton-annulation"
    )
    member_a = MembershipFactory(organisation__kind="ministere", is_referent=True)
    member_b = MembershipFactory(is_referent=True)
    from tests.applications.conftest import pdf_file as pdf_fixture

    dossier = drafting.dossier_start(
        actor=member_a.user,
        session=session_p,
        organisation=member_a.organisation,
        acronym="A",
        title="Dossier A",
        summary="Résumé",
    )
    dossier = complete(dossier, member_a.user, pdf_fixture.__wrapped__())
    partner = DossierPartner.objects.create(dossier=dossier, organisation=OrganisationFactory(), role="partner")
    with django_capture_on_commit_callbacks(execute=True):
        submission.dossier_submit(actor=member_a.user, dossier=dossier, declaration=True)
    invitation = DossierInvitation.objects.create(
        dossier=dossier, email="x@example.org", token="jeton-invitation", invited_by=member_a.user
    )
    jury_arguments: dict = {}
    users = {
        "applicant_a": member_a.user,
        "applicant_b": member_b.user,
        "staff_p": UserFactory(),
        "staff_q": UserFactory(),
        "operator_p": UserFactory(),
        "admin": UserFactory(),
    }
    role_assign(actor=None, user=users["staff_p"], role=Role.PROGRAMME_STAFF, scope=theme_p.call.programme)
    role_assign(actor=None, user=users["staff_q"], role=Role.PROGRAMME_STAFF, scope=theme_q.call.programme)
    role_assign(actor=None, user=users["operator_p"], role=Role.FUND_OPERATOR, scope=theme_p.call.programme)
    role_assign(actor=None, user=users["admin"], role=Role.ADMIN)
    jury_arguments.update(
        funded_world(staff=users["staff_p"], session=session_p, organisation=member_a.organisation, phase=phase)
    )
    users.update(
        jury_world(
            staff=users["staff_p"],
            session=session_p,
            dossier=dossier,
            referent=member_a.user,
            arguments_out=jury_arguments,
        )
    )
    users["instructor_p2"] = UserFactory()
    arguments_groups = instruction_world(
        manager=users["staff_p"],
        instructor=users["instructor_p2"],
        programme=theme_p.call.programme,
        dossiers=[
            dossier,
            Dossier.objects.get(pk=jury_arguments["funded"]),
            Dossier.objects.get(pk=jury_arguments["dossier_id"]),
        ],
    )
    arguments_groups.update(
        opinion_world(staff=users["staff_p"], dossier=dossier, jury_dossier=jury_arguments["dossier_id"])
    )
    requester = UserFactory()
    users["requester_a"] = requester
    pending = membership.membership_request_create(actor=requester, organisation=member_a.organisation)
    domain = OrganisationDomain.objects.create(organisation=member_a.organisation, domain="a.exemple.gouv.fr")
    api_arguments = api_world(staff=users["staff_p"], programme=theme_p.call.programme)
    arguments = {
        "call_id": theme_p.call.pk,
        "theme_id": theme_p.pk,
        "session_id": session_p.pk,
        "info_session_id": info_p.pk,
        "criterion_id": criterion.pk,
        "phase_id": phase.pk,
        "milestone_id": milestone.pk,
        "document_id": document.pk,
        "version": 1,
        "to_status": "closed",
        "pk": dossier.pk,
        "attachment_id": dossier.attachments.get().pk,
        "partner_id": partner.pk,
        "number": 1,
        "key": "projet",
        "slug": theme_p.call.slug,
        "code": theme_p.code,
        "programme_slug": theme_p.call.programme.slug,
        "call_slug": theme_p.call.slug,
        "info_p": info_p.pk,
        "programme_p": theme_p.call.programme_id,
        "field_key": "probleme",
        "organisation_id": member_a.organisation_id,
        "membership_id": member_a.organisation.memberships.get(user=users["juror_member_a"]).pk,
        "request_id": pending.pk,
        "domain_id": domain.pk,
        "staff_p_id": users["staff_p"].pk,
        "role": "programme_staff",
        # The call's own grid and documents, for the routes without a theme (…/commun/…).
        "call_level": {"criterion_id": call_criterion.pk, "document_id": call_document.pk},
        **jury_arguments,
        **arguments_groups,
        **api_arguments,
        "token": {
            "calls:registration_cancel": registration.cancel_token,
            "applications:invitation_accept": invitation.token,
            "applications:opinion_invitation": "jeton-avis-inconnu",
        },
    }
    return users, arguments


def instruction_world(*, manager, instructor, programme, dossiers) -> dict:
    """Groups G1 and G2 of P; the dossiers of A (the instructed one, the funded one, the jury's) routed to G1;
    `instructor` staff of P within G2 only."""
    from applications.services import routing

    role_assign(actor=None, user=instructor, role=Role.PROGRAMME_STAFF, scope=programme)
    group_1 = routing.instructor_group_create(actor=manager, programme=programme, name="G1")
    group_2 = routing.instructor_group_create(actor=manager, programme=programme, name="G2")
    routing.instructor_group_member_add(actor=manager, group=group_2, user=instructor)
    for dossier in dossiers:
        routing.dossier_group_set(actor=manager, dossier=dossier, group=group_1)
    from applications.services import labels

    saved = labels.saved_filter_save(actor=manager, name="Mes dossiers", querystring="statut=a_instruire")
    return {"group_id": group_1.pk, "filter_id": saved.pk}


def opinion_world(*, staff, dossier, jury_dossier: int) -> dict:
    """An expert's answered opinion on the dossier of A (routed to G1), and one shared with jury J on its
    dossier; each with an attachment. The expert holds no role: every role of the matrix is a stranger to it."""
    from applications.models import Dossier
    from applications.services import opinions
    from tests.applications.conftest import pdf_file as pdf_fixture

    expert, made = UserFactory(), {}
    for key, target in (("opinion_request", dossier), ("opinion_shared", Dossier.objects.get(pk=jury_dossier))):
        request = opinions.opinion_request_create(
            actor=staff,
            dossier=target,
            email=expert.email,
            question="Avis ?",
            due_at=timezone.now() + timedelta(days=5),
            visibility="jury",
        )
        opinions.opinion_invitation_accept(actor=expert, token=request.token)
        opinions.opinion_interests_declare(actor=expert, request=request, has_interest=False)
        opinions.opinion_answer(
            actor=expert,
            request=request,
            answer="Favorable.",
            position="favourable",
            files=[pdf_fixture.__wrapped__()()],
        )
        made[key], made[f"{key}_attachment"] = request.pk, request.attachments.get().pk
    return made


def api_world(*, staff, programme) -> dict:
    """A token, a webhook endpoint and one of its deliveries, of programme P, made by P's staff."""
    from api.models import WebhookDelivery
    from api.services import tokens, webhooks

    token, _secret = tokens.token_create(
        actor=staff,
        programme=programme,
        name="Finances",
        scopes=["dossiers:read"],
        expires_at=timezone.now() + timedelta(days=5),
    )
    endpoint, _secret = webhooks.endpoint_create(
        actor=staff, programme=programme, url="https://finances.example.fr/hook", events=["payment.recorded"]
    )
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="payment.recorded", body="{}", status="failed")
    return {"token_id": token.pk, "endpoint_id": endpoint.pk, "delivery_id": delivery.pk}


def funded_world(*, staff, session, organisation, phase) -> dict:
    """A selected dossier of A in P with its convention generated and sent for signature."""
    from django.core.files.base import ContentFile

    from funding.services import conventions
    from tests.applications.factories import BudgetLineFactory, DossierFactory

    funded = DossierFactory(
        session=session,
        organisation=organisation,
        selected=True,
        granted_amount=Decimal("30000"),
        phase=phase,
        planned_start=timezone.localdate(),
        duration_months=12,
    )
    BudgetLineFactory(dossier=funded, amount=Decimal("30000"))
    convention = conventions.convention_generate(actor=staff, dossier=funded)
    from funding.tasks import convention_render

    convention_render(convention_id=convention.pk)
    convention.refresh_from_db()
    conventions.convention_send(actor=staff, convention=convention)
    # Retained under a condition, in a project of its own.
    from applications.models import Project
    from juries.models import Decision, DecisionCondition, Deliberation

    deliberation = Deliberation.objects.create(recorded_at=timezone.now(), recorded_by=staff, jury=jury_of(session))
    decision = Decision.objects.create(
        deliberation=deliberation, dossier=funded, kind=Decision.Kind.CONDITIONAL, granted_amount=Decimal("30000")
    )
    # Already lifted, so that its tranches stay payable in the worlds built on this one.
    condition = DecisionCondition.objects.create(
        decision=decision, text="Lettre d'engagement", lifted_at=timezone.now(), lifted_by=staff
    )
    project = Project.objects.create(
        organisation=organisation,
        theme=session.theme,
        key=f"projet-{funded.pk}",
        acronym="A",
        title="Projet A",
        created_by=staff,
    )
    # The milestone carries a justificatif, as a declared one does: every party of the project may read it.
    milestone = funded.milestones.first()
    milestone.evidence.save("preuve.pdf", ContentFile(b"%PDF-1.4 preuve"), save=False)
    milestone.evidence_name = "preuve.pdf"
    milestone.save()
    return {
        "funded": funded.pk,
        "milestone": milestone.pk,
        "tranche": convention.tranches.first().pk,
        "condition_id": condition.pk,
        "project_id": project.pk,
    }


def jury_of(session):
    from juries.models import Jury

    return Jury.objects.create(
        programme=session.theme.call.programme, call=session.theme.call, session=session, name="Jury du projet"
    )


def jury_world(*, staff, session, dossier, referent, arguments_out: dict) -> dict:
    """Jury J of session P on a dossier of A under evaluation: a chair without conflict, a juror who declared
    one, a juror who declared none and then was granted membership of A by its référent; a decision on A."""
    from django.core.files.base import ContentFile

    from applications.models import Attachment
    from juries.models import ConflictDeclaration, Decision, Deliberation, Hearing
    from juries.services import assignment, conflicts, juries
    from tests.applications.factories import DossierFactory

    jury = juries.jury_create(
        actor=staff,
        call=session.theme.call,
        theme=session.theme,
        session=session,
        name="Jury J",
        evaluations_per_dossier=1,
    )
    evaluated = DossierFactory(session=session, organisation=dossier.organisation, state="under_evaluation")
    attachment = Attachment.objects.create(
        dossier=evaluated,
        kind="lettre",
        original_name="lettre.pdf",
        content_type="application/pdf",
        size=4,
        sha256="0" * 64,
        uploaded_by=evaluated.created_by,
        file=ContentFile(b"%PDF", name="lettre.pdf"),
    )
    juries.jury_dossiers_add(actor=staff, jury=jury, dossiers=[evaluated])
    chair = juries.member_add(actor=staff, jury=jury, user=UserFactory(), is_chair=True)
    conflicted = juries.member_add(actor=staff, jury=jury, user=UserFactory())
    conflicts.conflict_declare(
        actor=chair.user, member=chair, dossier=evaluated, status=ConflictDeclaration.Status.NONE, reason="Aucun lien."
    )
    conflicts.conflict_declare(
        actor=conflicted.user,
        member=conflicted,
        dossier=evaluated,
        status=ConflictDeclaration.Status.CONFLICT,
        reason="Ancien employeur.",
    )
    joining = juries.member_add(actor=staff, jury=jury, user=UserFactory())
    conflicts.conflict_declare(
        actor=joining.user, member=joining, dossier=evaluated, status=ConflictDeclaration.Status.NONE, reason="Aucun."
    )
    assignment.assign_manual(actor=staff, member=chair, dossier=evaluated)
    assignment.assign_manual(actor=staff, member=joining, dossier=evaluated)
    membership.membership_request_grant(
        actor=referent,
        membership_request=membership.membership_request_create(actor=joining.user, organisation=dossier.organisation),
    )
    deliberation = Deliberation.objects.create(
        jury=jury,
        session=session,
        recorded_at=timezone.now(),
        recorded_by=staff,
        minutes=ContentFile(b"%PDF", name="pv.pdf"),
    )
    decision = Decision.objects.create(
        deliberation=deliberation,
        dossier=dossier,
        kind=Decision.Kind.SELECTED,
        granted_amount=Decimal("30000"),
        letter=ContentFile(b"%PDF", name="lettre.pdf"),
    )
    hearing = Hearing.objects.create(
        jury=jury, dossier=dossier, starts_at=timezone.now() + timedelta(days=3), place="Salle 1", scheduled_by=staff
    )
    arguments_out.update(
        {
            "hearing_id": hearing.pk,
            "jury_id": jury.pk,
            "dossier_id": evaluated.pk,
            "jury_attachment": attachment.pk,
            "deliberation_id": deliberation.pk,
            "decision_id": decision.pk,
        }
    )
    return {"juror_j": chair.user, "juror_conflicted": conflicted.user, "juror_member_a": joining.user}


def outcome(response) -> str:
    if response.status_code in (403, 404):
        return str(response.status_code)
    if response.status_code in (301, 302) and "/comptes/login/" in response.get("Location", ""):
        return LOGIN
    return OK if response.status_code < 400 or response.status_code == 405 else f"HTTP {response.status_code}"


def build_kwargs(name: str, pattern: URLPattern, expectation: Expectation, arguments: dict) -> dict:
    kwargs = {}
    groups = pattern.pattern.regex.groupindex
    for argument in groups:
        if "theme_id" not in groups and argument in arguments["call_level"]:
            kwargs[argument] = arguments["call_level"][argument]
            continue
        override = (expectation.kwargs or {}).get(argument)
        value = arguments[override] if isinstance(override, str) and override in arguments else override
        if value is None:
            value = arguments[argument]
        kwargs[argument] = value[name] if isinstance(value, dict) else value
    return kwargs


def test_every_url_answers_every_role_as_expected(world, settings):
    settings.PORTAL_ENFORCE_MFA = False
    users, arguments = world
    patterns = list(url_patterns())
    missing = sorted({name for name, _ in patterns} - set(EXPECTED))
    assert not missing, f"URL sans attente dans la matrice : {missing}"
    mismatches, pairs = [], 0
    for name, pattern in patterns:
        expectation = EXPECTED[name]
        url = reverse(name, kwargs=build_kwargs(name, pattern, expectation, arguments))
        for role in ROLES:
            client = Client()
            if role != "anonymous":
                client.force_login(users[role])
            expected = expected_outcome(expectation.rule, role)
            # Denied roles try both methods; a POST-only view (405 on GET) is judged on its POST.
            for method in ["get"] if expected == OK else expectation.methods:
                response = getattr(client, method)(url)
                if method == "get" and response.status_code == 405 and expected != OK:
                    continue
                got = outcome(response)
                pairs += 1
                if got != expected:
                    mismatches.append(
                        f"{method.upper()} {url} ({name}) en tant que {role} : attendu {expected}, obtenu {got}"
                    )
    print(f"\nMatrice des permissions : {len(patterns)} URL × {len(ROLES)} rôles, {pairs} requêtes vérifiées.")
    assert not mismatches, "\n".join(mismatches)

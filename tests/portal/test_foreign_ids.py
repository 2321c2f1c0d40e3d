"""Every id a form, a query string or a form's address carries is scoped to the actor.

The attacker holds a real role on the permission matrix's world (member of A, staff or operator of
programme P, chair of jury J) and sends the id of an object of organisation B, programme Q or jury
K instead. Each id-bearing input of the project is listed below with its attack; an attack passes
when the portal refuses (404, form error or message) and writes nothing, never with a 500.

Three listings keep the tables complete, so that a new form cannot ship unchecked:
- every field of every form class that carries an id (a model choice, an integer choice, an
  id-like name, an idempotency key) must be in FORM_FIELDS;
- every parameter a view reads from request.POST / request.GET (found in the source) must be in
  PARAMETERS, as an attack or with the reason it is not an id;
- every URL whose address names an object inside another (a tranche of a project, a session of a
  theme) must have its inner object in CHILDREN: the inner id of Q under the outer object of P is
  a 404.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import tablib
from django import forms
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse, reverse_lazy
from django.utils import timezone

from applications.models import (
    Attachment,
    Dossier,
    DossierPartner,
    InstructorGroup,
    InstructorGroupMember,
    Label,
    ProjectPhase,
    RoutingRule,
)
from applications.services import drafting
from calls.models import Call, Criterion, InfoSession, MilestoneTemplate, Phase, RequiredDocument, Theme
from funding.models import Convention, Milestone, Payment, Tranche
from funding.services import conventions
from juries.models import Assignment, ConflictDeclaration, Deliberation, Evaluation, Hearing, Jury, JuryMember
from juries.services import juries
from portal import imports
from portal.models import Membership, Organisation, OrganisationDomain, Role
from portal.services import role_assign
from portal.services.membership import membership_request_create
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.portal import test_permission_matrix as matrix
from tests.portal.factories import OrganisationFactory, UserFactory
from tests.portal.upload_corpus import pdf

PROJECT = Path(__file__).resolve().parents[2]
PACKAGES = ("applications", "calls", "juries", "funding", "portal", "dashboard", "api", "archives")
# Names that say a field or parameter designates an object.
ID_NAMES = {
    "appel",
    "attachment",
    "call",
    "criterion",
    "decision",
    "deliberation",
    "document",
    "dossier",
    "evaluation",
    "jury",
    "member",
    "milestone",
    "organisation",
    "parent",
    "partner",
    "phase",
    "predecessor",
    "present",
    "programme",
    "session",
    "target",
    "theme",
    "token",
    "tranche",
}

world = matrix.world  # the permission matrix's world: A in P, jury J; its twins in Q are added below


@dataclass
class World:
    users: dict
    p: dict  # ids and objects on the actor's side
    q: dict  # their twins elsewhere


@dataclass(frozen=True)
class Probe:
    status: int
    effect: bool  # a row written or removed in the watched tables, or the object shown


@dataclass(frozen=True)
class Attack:
    """What the attacker sends, in words. `send(world, side)` sends it with the ids of `side`: those of
    Q, B, K must be refused without effect; the actor's own (P, A, J) must take effect, which proves
    that the refusal comes from the foreign id and not from some other fault of the request."""

    what: str
    send: Callable[[World, dict], Probe]


@dataclass(frozen=True)
class NotAnId:
    reason: str


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _content(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def posted(user, url: str, data: dict, *watched: QuerySet) -> Probe:
    """POST as `user`; the effect is a row added to or removed from `watched`."""
    before = [queryset.count() for queryset in watched]
    response = _client(user).post(url, data)
    return Probe(response.status_code, [queryset.count() for queryset in watched] != before)


def shown(user, url: str, data: dict, text: str, *, method: str = "get") -> Probe:
    """GET (or POST) as `user`; the effect is `text` in the page."""
    response = getattr(_client(user), method)(url, data)
    return Probe(response.status_code, response.status_code < 300 and text in _content(response))


# --- the twins of Q, B and K -------------------------------------------------------------


@pytest.fixture
def attack_world(world, settings, django_capture_on_commit_callbacks) -> World:
    settings.PORTAL_ENFORCE_MFA = False
    users, p = world
    now = timezone.now()
    theme_p = Theme.objects.get(pk=p["theme_id"])
    theme_q = Theme.objects.get(call__slug="appel-q")
    session_q = theme_q.sessions.get()
    organisation_a = Membership.objects.get(user=users["applicant_a"]).organisation
    organisation_b = Membership.objects.get(user=users["applicant_b"]).organisation
    phase_q = Phase.objects.create(theme=theme_q, key="phase-q", label="Phase Q")
    q = {
        "programme": theme_q.call.programme,
        "call": theme_q.call,
        "theme": theme_q,
        "session": session_q,
        "closed_session": SessionFactory(
            theme=theme_q, key="close-q", opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=30)
        ),
        "organisation": organisation_b,
        "phase": phase_q,
        "milestone_template": MilestoneTemplate.objects.create(phase=phase_q, key="jq", label="Jalon Q"),
        "criterion": Criterion.objects.create(theme=theme_q, code="CQ", label="Critère Q"),
        "document": RequiredDocument.objects.create(theme=theme_q, kind="piece-q", label="Pièce Q", formats=["pdf"]),
        "info_session": InfoSession.objects.create(
            call=theme_q.call, title="Réunion Q", starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=3)
        ),
    }
    dossier_b = DossierFactory(session=session_q, organisation=organisation_b, state="resubmit_invited")
    q["dossier"] = dossier_b
    q["attachment"] = Attachment.objects.create(
        dossier=dossier_b,
        kind="piece-q",
        original_name="b.pdf",
        content_type="application/pdf",
        size=4,
        sha256="0" * 64,
        uploaded_by=dossier_b.created_by,
        file=ContentFile(b"%PDF", name="b.pdf"),
    )
    q["partner"] = DossierPartner.objects.create(dossier=dossier_b, organisation=OrganisationFactory(), role="partner")
    with django_capture_on_commit_callbacks(execute=True):
        q.update(
            matrix.funded_world(staff=users["staff_q"], session=session_q, organisation=organisation_b, phase=phase_q)
        )
    q_users = matrix.jury_world(
        staff=users["staff_q"], session=session_q, dossier=dossier_b, referent=users["applicant_b"], arguments_out=q
    )
    q["juror"] = q_users["juror_j"]
    q["member"] = JuryMember.objects.get(jury_id=q["jury_id"], user=q["juror"])
    q["evaluation"] = Evaluation.objects.create(
        assignment=Assignment.objects.get(member=q["member"]), submitted_at=now, opinion="Avis de K."
    )
    # Keys of forms already posted in Q: replaying one elsewhere must not reach Q's rows.
    q["payment_key"], q["convention_key"], q["deliberation_key"] = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    Payment.objects.create(
        tranche=Tranche.objects.get(pk=q["tranche"]),
        paid_on=timezone.localdate(),
        amount=Decimal("1"),
        reference="Q-1",
        recorded_by=users["operator_p"],
        idempotency_key=q["payment_key"],
    )
    Convention.objects.filter(dossier_id=q["funded"]).update(idempotency_key=q["convention_key"])
    Deliberation.objects.filter(pk=q["deliberation_id"]).update(idempotency_key=q["deliberation_key"])
    q["carrier"] = organisation_b
    # B's members, declared domain and a request waiting for its référent.
    q["membership"] = Membership.objects.get(user=users["applicant_b"])
    q["domain"] = OrganisationDomain.objects.create(organisation=organisation_b, domain="b.exemple.gouv.fr")
    q["requester"] = UserFactory(email="demandeur-b@exemple.fr")
    membership_request_create(actor=q["requester"], organisation=organisation_b)
    q["target"] = session_q
    # Q's instruction: a group with a member and a rule; its staff as a would-be instructor.
    q.update(_instruction_side(users["staff_q"], theme_q, group_name="GQ"))
    q["reference"] = Dossier.objects.get(pk=q["funded"]).reference
    q["predecessor"] = dossier_b
    q["parent"] = q["criterion"]
    q["project_phase"] = ProjectPhase.objects.create(
        project_id=q["project_id"], order=1, label="Phase de B", requested_amount=Decimal("0")
    )
    # The actor's side, under the same names: the ids a legitimate request of P, A or J sends.
    jury_p = Jury.objects.get(pk=p["jury_id"])
    evaluated_p = Dossier.objects.get(pk=p["dossier_id"])
    chair_p = JuryMember.objects.get(jury=jury_p, user=users["juror_j"])
    draft_theme = ThemeFactory(call__programme=theme_p.call.programme, call__status="draft")
    session_p = Dossier.objects.get(pk=p["pk"]).session
    p.update(
        {
            "programme": theme_p.call.programme,
            "call": theme_p.call,
            "theme": theme_p,
            "session": session_p,
            "closed_session": SessionFactory(
                theme=theme_p, key="close-p", opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=30)
            ),
            "organisation": organisation_a,
            "carrier": evaluated_p.organisation,
            "requester": users["requester_a"],
            "phase": Phase.objects.get(pk=p["phase_id"]),
            "document": RequiredDocument.objects.get(pk=p["document_id"]),
            "dossier": Dossier.objects.get(pk=p["pk"]),
            "reference": Dossier.objects.get(pk=p["funded"]).reference,
            "target": SessionFactory(theme=theme_p, key="vague-2"),
            # A grid still open to changes: the published call's is locked.
            "draft_theme": draft_theme,
            "parent": Criterion.objects.create(theme=draft_theme, code="P1", label="Critère P"),
            "member": juries.member_add(actor=users["staff_p"], jury=jury_p, user=UserFactory()),
            "evaluation": Evaluation.objects.create(
                assignment=Assignment.objects.get(member=chair_p, dossier=evaluated_p),
                submitted_at=now,
                opinion="Avis du président.",
            ),
            "payment_key": uuid.uuid4(),
            "convention_key": uuid.uuid4(),
            "deliberation_key": uuid.uuid4(),
            # A draft of A (its pages accept writes) and an earlier dossier of A that a new one may continue.
            "draft": drafting.dossier_start(
                actor=users["applicant_a"],
                session=session_p,
                organisation=organisation_a,
                acronym="BROUILLON",
                title="Brouillon de A",
            ),
            "predecessor": DossierFactory(
                session=SessionFactory(theme=theme_p, key="vague-1"),
                organisation=organisation_a,
                state="resubmit_invited",
            ),
            # The next phase of A's project under P's theme, not filed yet.
            "project_phase": ProjectPhase.objects.create(
                project_id=p["project_id"], order=1, label="Phase de A", requested_amount=Decimal("0")
            ),
        }
    )
    # P's side: G2 (the dossier of A lies in G1) to move it to, P's manager to assign it to, and a member and
    # a rule of G1, the group of the URL.
    p.update(_instruction_side(users["staff_p"], theme_p, group_name="G1"))
    p.update({"group": InstructorGroup.objects.get(programme=theme_p.call.programme, name="G2")})
    # Labels: one per side to filter the list on (A's dossier carries P's), and one named « Étiquette D »
    # per side that the bulk attacks try to put on a dossier.
    from applications.services import labels

    for side, staff, programme in (
        (p, users["staff_p"], theme_p.call.programme),
        (q, users["staff_q"], theme_q.call.programme),
    ):
        side["label"] = labels.label_create(actor=staff, programme=programme, name="Étiquette", colour="blue-ecume")
        side["label_d"] = labels.label_create(
            actor=staff, programme=programme, name="Étiquette D", colour="green-emeraude"
        )
    p["label"].dossiers.add(p["dossier"])
    q["label"].dossiers.add(q["dossier"])
    p["pk_d"], q["pk_d"] = p["pk"], q["dossier"].pk
    return World(users=users, p=p, q=q)


def _instruction_side(manager, theme, *, group_name: str) -> dict:
    from applications.services import routing

    programme = theme.call.programme
    group, _ = InstructorGroup.objects.get_or_create(programme=programme, name=group_name)
    colleague = UserFactory()
    role_assign(actor=None, user=colleague, role=Role.PROGRAMME_STAFF, scope=programme)
    return {
        "group": group,
        "instructor": manager,
        "group_member": routing.instructor_group_member_add(actor=manager, group=group, user=colleague),
        "rule": routing.routing_rule_create(actor=manager, group=group, theme=theme),
    }


def _in_force(w: World) -> Convention:
    """A's project in force, its advance payable: a payment sent with a key would be written."""
    convention = Convention.objects.get(dossier_id=w.p["funded"], version=1)
    carrier = Membership.objects.filter(organisation_id=convention.dossier.organisation_id).first().user
    convention = conventions.convention_sign_carrier(actor=carrier, convention=convention, approve=True)
    return conventions.convention_sign_operator(actor=w.users["operator_p"], convention=convention)


# --- the attacks: each sends the ids of `side` --------------------------------------------


def _start(field: str) -> Callable[[World, dict], Probe]:
    def send(w: World, side: dict) -> Probe:
        url = reverse("applications:dossier_start", args=[w.p["session"].pk])
        form = {"organisation": w.p["organisation"].pk, "acronym": "VOL", "title": "Dossier", field: side[field].pk}
        return posted(w.users["applicant_a"], url, form, Dossier.objects.all())

    return send


def _my_dossiers(w: World, side: dict) -> Probe:
    url = reverse("applications:my_dossiers")
    return shown(w.users["applicant_a"], url, {"organisation": side["organisation"].pk}, side["dossier"].reference)


def _membership_requests(w: World, side: dict) -> Probe:
    url = reverse("portal:membership_requests")
    return shown(w.users["applicant_a"], url, {"organisation": side["organisation"].pk}, side["requester"].email)


def _staff_list(param: str, key: str) -> Attack:
    def send(w: World, side: dict) -> Probe:
        data, reference = {param: side[key].pk, "brouillons": "on"}, side["dossier"].reference
        page = shown(w.users["staff_p"], reverse("applications:staff_list"), data, reference)
        export = shown(w.users["staff_p"], reverse("applications:staff_list_export", args=["csv"]), data, reference)
        return Probe(max(page.status, export.status), page.effect or export.effect)

    return Attack(f"P filtre la liste et l'export des dossiers sur {param} = celui de Q", send)


def _portfolio(param: str) -> Attack:
    def send(w: World, side: dict) -> Probe:
        url = reverse("funding:portfolio")
        return shown(w.users["operator_p"], url, {param: side[param].pk}, side["reference"])

    return Attack(f"L'opérateur de P filtre le portefeuille sur {param} = celui de Q", send)


def _call_list(w: World, side: dict) -> Probe:
    link = f'href="{reverse("calls_staff:call_detail", args=[side["call"].pk])}"'
    return shown(w.users["staff_p"], reverse("calls_staff:list"), {"programme": side["programme"].pk}, link)


def _call_create(w: World, side: dict) -> Probe:
    form = {"programme": side["programme"].pk, "slug": "appel-x", "title": "X", "kind": "aap", "tax_basis": "TTC"}
    return posted(w.users["staff_p"], reverse("calls_staff:call_create"), form, Call.objects.all())


def _milestone_create(w: World, side: dict) -> Probe:
    url = reverse("calls_staff:milestone_create", args=[w.p["call_id"], w.p["theme_id"]])
    form = {"phase": side["phase"].pk, "key": "jalon-x", "label": "Jalon X"}
    return posted(w.users["staff_p"], url, form, MilestoneTemplate.objects.all())


def _criterion_parent(w: World, side: dict) -> Probe:
    theme = w.p["draft_theme"]
    url = reverse("calls_staff:criterion_create", args=[theme.call_id, theme.pk]) + f"?parent={side['parent'].pk}"
    form = {"code": "SUB", "label": "Sous-critère", "weight": "1", "scale_min": "0", "scale_max": "5", "step": "1"}
    form["order"] = "0"
    return posted(w.users["staff_p"], url, form, Criterion.objects.all())


def _jury_create(field: str) -> Callable[[World, dict], Probe]:
    def send(w: World, side: dict) -> Probe:
        form = {"name": "Jury X", "call": w.p["call"].pk, "evaluations_per_dossier": "2", "divergence_threshold": "20"}
        form[field] = side[field].pk
        return posted(w.users["staff_p"], reverse("juries:staff_list"), form, Jury.objects.all())

    return send


def _ranking(w: World, side: dict, **data) -> Probe:
    url = reverse("juries:staff_ranking", args=[w.p["jury_id"]])
    dossier = w.p["dossier_id"]
    form = {f"kind_{dossier}": "reserve", "action": "record", "confirm": "1", "idempotency_key": str(uuid.uuid4())}
    form.update({key.format(dossier=dossier): value for key, value in data.items()})
    return posted(w.users["staff_p"], url, form, Deliberation.objects.filter(jury_id=w.p["jury_id"]))


def _reorient(w: World, side: dict) -> Probe:
    probe = _ranking(
        w,
        side,
        **{
            "kind_{dossier}": "reoriented",
            "reasons_{dossier}": "Relève d'une autre session.",
            "target_{dossier}": str(side["target"].pk),
            "across_{dossier}": "on",
        },
    )
    moved = Dossier.objects.filter(pk=w.p["dossier_id"], session=side["target"]).exists()
    return Probe(probe.status, probe.effect or moved)


def _present(w: World, side: dict) -> Probe:
    probe = _ranking(w, side, present=[side["member"].pk])
    deliberation = Deliberation.objects.filter(jury_id=w.p["jury_id"]).order_by("-pk").first()
    present = deliberation is not None and deliberation.members_present.filter(pk=side["member"].pk).exists()
    return Probe(probe.status, present)


def _staff_jury(action: str, **fields: Callable[[World, dict], int]) -> Callable[[World, dict], Probe]:
    def send(w: World, side: dict) -> Probe:
        url = reverse("juries:staff_jury", args=[w.p["jury_id"]])
        form = {"action": action, "reason": "x", **{name: value(w, side) for name, value in fields.items()}}
        watched = [Assignment.objects.all(), JuryMember.objects.filter(withdrawn_at__isnull=False)]
        return posted(w.users["staff_p"], url, form, *watched)

    return send


def _declare(field: str) -> Callable[[World, dict], Probe]:
    def send(w: World, side: dict) -> Probe:
        value = side[field].pk if field == "carrier" else side[field]
        form = {"status": "conflict", "reason": "Lien.", {"carrier": "organisation"}.get(field, "dossier"): value}
        conflicts = ConflictDeclaration.objects.filter(status="conflict", member__user=w.users["juror_j"])
        return posted(w.users["juror_j"], reverse("juries:declarations", args=[w.p["jury_id"]]), form, conflicts)

    return send


def _reopen(w: World, side: dict) -> Probe:
    url = reverse("juries:consensus", args=[w.p["jury_id"], w.p["dossier_id"]])
    form = {"action": "reopen", "evaluation": side["evaluation"].pk, "reason": "À revoir."}
    return posted(w.users["juror_j"], url, form, Evaluation.objects.filter(submitted_at__isnull=True))


def _history_rows(w: World) -> list[tuple]:
    return [
        ("HIST", "Projet passé", w.p["organisation"].name, "1000", "retenu", "1000", f"{timezone.localdate():%d/%m/%Y}")
    ]


HISTORY_HEADERS = ["Acronyme", "Titre", "Porteur", "Montant demandé", "Décision", "Montant accordé", "Date de décision"]


def _history_check(w: World, side: dict) -> Probe:
    """The first step of a history import for a closed session: its effect is the confirmation token offered."""
    content = "\n".join(";".join(row) for row in [HISTORY_HEADERS, *_history_rows(w)])
    upload = SimpleUploadedFile("resultats.csv", content.encode(), content_type="text/csv")
    form = {"session": side["closed_session"].pk, "file": upload}
    return shown(w.users["staff_p"], reverse("juries:history_import"), form, 'name="token"', method="post")


def _history_confirm(w: World, side: dict) -> Probe:
    session = side["closed_session"]
    dataset = tablib.Dataset(*_history_rows(w), headers=HISTORY_HEADERS)
    scope = f"session-results:{session.pk}"
    imports.preview_store(token="jeton", user_id=w.users["staff_p"].pk, dataset=dataset, scope=scope)
    form = {"token": "jeton", "session_id": session.pk}
    return posted(w.users["staff_p"], reverse("juries:history_import"), form, Dossier.objects.all())


def _confirm_import(url, dataset: Callable[[World], tablib.Dataset], scope, watched, data=None):
    """Confirm an import under a token, the id of a checked file, that the side's staff checked for
    `scope(w)`: only the actor's own token may be confirmed."""

    def send(w: World, side: dict) -> Probe:
        staff = w.users["staff_q" if side is w.q else "staff_p"]
        imports.preview_store(token="jeton", user_id=staff.pk, dataset=dataset(w), scope=scope(w))
        form = {"token": "jeton", **(data(w) if data else {})}
        return posted(w.users["staff_p"], str(url), form, watched())

    return send


def _call_import_token(w: World, side: dict) -> Probe:
    """Confirm a call import under a token: only the actor's own check may be confirmed (the stash of a
    checked call file, here a new call of P's programme checked by the side's staff)."""
    import yaml
    from django.core.cache import cache

    from calls.views.exchange import _stash_key

    staff = w.users["staff_q" if side is w.q else "staff_p"]
    programme = Theme.objects.get(pk=w.p["theme_id"]).call.programme
    document = {
        "format": "portal-call/1",
        "programme": {"slug": programme.slug, "name": programme.name},
        "calls": [{"slug": "appel-importe", "title": "Appel importé", "kind": "aap"}],
    }
    content = yaml.safe_dump(document, allow_unicode=True).encode()
    stash = {"user_id": staff.pk, "name": "appel.yaml", "content": content, "reimported": []}
    cache.set(_stash_key("jeton"), stash, 60)
    return posted(w.users["staff_p"], reverse("calls_exchange:import"), {"token": "jeton"}, Call.objects.all())


def _member_token(w: World, side: dict) -> Probe:
    """Here the token is P's own, checked for K's members (the scope), confirmed on J."""
    dataset = tablib.Dataset(
        ("nouveau@exemple.fr", "Nina", "Nouvelle", "", "non", "non", "public"),
        headers=["Courriel", "Prénom", "Nom", "Organisation", "Président", "Externe", "Secteur"],
    )
    scope = f"jury-members:{side['jury_id']}"
    imports.preview_store(token="jeton", user_id=w.users["staff_p"].pk, dataset=dataset, scope=scope)
    url = reverse("juries:member_import", args=[w.p["jury_id"]])
    return posted(w.users["staff_p"], url, {"token": "jeton"}, JuryMember.objects.all())


def _upload(w: World, side: dict) -> Probe:
    url = reverse("applications:documents", args=[w.p["draft"].pk])
    form = {"document": side["document"].pk, "file": SimpleUploadedFile("piece.pdf", pdf("Pièce"), "application/pdf")}
    return posted(w.users["applicant_a"], url, form, Attachment.objects.all())


def _tranche_schedule(w: World, side: dict) -> Probe:
    draft = conventions.convention_generate(actor=w.users["staff_p"], dossier=Dossier.objects.get(pk=w.p["funded"]))
    # Each version has its own milestones: the actor's side names the draft's.
    milestone = side["milestone"] if side is w.q else Milestone.objects.filter(convention=draft).first().pk
    url = reverse("funding:tranche_schedule", args=[w.p["funded"], draft.version])
    form = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "0",
        "form-0-label": "Tranche sur jalon",
        "form-0-amount": "30000",  # the whole grant: a schedule adds up to it exactly
        "form-0-condition": "milestone",
        "form-0-milestone": str(milestone),
    }
    return posted(w.users["staff_p"], url, form, Tranche.objects.filter(label="Tranche sur jalon"))


def _prepare(w: World, side: dict) -> Probe:
    """Staff prepare a draft of A's convention, keeping a milestone named by id: the draft's own, or Q's."""
    draft = conventions.convention_generate(actor=w.users["staff_p"], dossier=Dossier.objects.get(pk=w.p["funded"]))
    milestone = side["milestone"] if side is w.q else Milestone.objects.filter(convention=draft).first().pk
    url = reverse("funding:prepare", args=[w.p["funded"], draft.version])
    form = {
        "dates-duration_months": "12",
        "dates-advance": "0",
        "dates-balance": "0",
        "jalons-TOTAL_FORMS": "1",
        "jalons-INITIAL_FORMS": "0",
        "jalons-0-milestone_id": str(milestone),
        "jalons-0-label": "Jalon préparé",
        "jalons-0-due_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "jalons-0-amount": "30000",
    }
    return posted(w.users["staff_p"], url, form, Milestone.objects.filter(label="Jalon préparé"))


def _phase_plan(w: World, side: dict) -> Probe:
    url = reverse("applications:phased_project", args=[w.p["project_id"]])
    form = {
        "phases-TOTAL_FORMS": "1",
        "phases-INITIAL_FORMS": "0",
        "phases-0-phase_id": str(side["project_phase"].pk),
        "phases-0-label": "Phase renommée",
        "phases-0-requested_amount": "0",
    }
    return posted(w.users["applicant_a"], url, form, ProjectPhase.objects.filter(label="Phase renommée"))


def _hearing(w: World, side: dict) -> Probe:
    dossier, prefix = side["dossier_id"], f"audition-{side['dossier_id']}"
    form = {
        "dossier": str(dossier),
        f"{prefix}-starts_at": (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        f"{prefix}-duration_minutes": "30",
        f"{prefix}-place": "Salle des auditions",
    }
    url = reverse("juries:staff_hearings", args=[w.p["jury_id"]])
    return posted(w.users["staff_p"], url, form, Hearing.objects.filter(place="Salle des auditions"))


def _payment(w: World, side: dict) -> Probe:
    tranche = _in_force(w).tranches.get(condition="signature")
    url = reverse("funding:payment_record", args=[w.p["funded"], tranche.pk])
    form = {"paid_on": timezone.localdate().isoformat(), "amount": "1", "reference": "VIR-X"}
    form["idempotency_key"] = str(side["payment_key"])
    return posted(w.users["operator_p"], url, form, Payment.objects.all())


def _generate(w: World, side: dict) -> Probe:
    url = reverse("funding:generate", args=[w.p["funded"]])
    form = {"idempotency_key": str(side["convention_key"])}
    return posted(w.users["staff_p"], url, form, Convention.objects.filter(dossier_id=w.p["funded"]))


def _dossier_routing(action: str, field: str) -> Callable[[World, dict], Probe]:
    """P's manager sends the dossier of A to a group, or assigns it to someone, taken from `side`."""

    def send(w: World, side: dict) -> Probe:
        url = reverse("applications:dossier_routing", args=[w.p["pk"]])
        response = _client(w.users["staff_p"]).post(url, {"action": action, field: side[field].pk})
        lookup = {"group": "instruction_group", "instructor": "instructor"}[field]
        return Probe(response.status_code, Dossier.objects.filter(pk=w.p["pk"], **{lookup: side[field]}).exists())

    return send


def _bulk(action: str, **fields: Callable[[World, dict], object]) -> Callable[[World, dict], Probe]:
    """P's staff act on a selection of the staff list with ids of `side`."""

    def send(w: World, side: dict) -> Probe:
        form = {"action": action, **{name: value(w, side) for name, value in fields.items()}}
        response = _client(w.users["staff_p"]).post(reverse("applications:bulk_action"), form)
        effect = (
            Label.dossiers.through.objects.filter(label__name="Étiquette D").exists()
            or Dossier.objects.filter(pk=w.p["pk"], instructor=side["instructor"]).exists()
        )
        return Probe(response.status_code, effect)

    return send


def _instructor_group(action: str, **fields: Callable[[World, dict], object]) -> Callable[[World, dict], Probe]:
    """P's manager acts on group G1 of P with ids of `side`."""

    def send(w: World, side: dict) -> Probe:
        url = reverse("applications:instructor_group", args=[w.p["group_id"]])
        form = {"action": action, **{name: value(w, side) for name, value in fields.items()}}
        return posted(w.users["staff_p"], url, form, InstructorGroupMember.objects.all(), RoutingRule.objects.all())

    return send


FORM_FIELDS: dict[tuple[str, str], Attack | NotAnId] = {
    ("applications.forms_instruction.DossierRoutingForm", "group"): Attack(
        "P envoie le dossier de A vers un groupe d'instruction de Q", _dossier_routing("group", "group")
    ),
    ("applications.forms_instruction.DossierRoutingForm", "instructor"): Attack(
        "P attribue le dossier de A à un membre de l'équipe de Q", _dossier_routing("assign", "instructor")
    ),
    ("applications.forms_instruction.RoutingRuleForm", "theme"): Attack(
        "P oriente vers son groupe les dossiers d'un thème de Q",
        _instructor_group("rule_add", theme=lambda w, side: side["theme"].pk),
    ),
    ("applications.forms.DossierStartForm", "organisation"): Attack(
        "A démarre un dossier au nom de B", _start("organisation")
    ),
    ("applications.forms.DossierStartForm", "predecessor"): Attack(
        "A présente son dossier comme la suite d'un dossier de B", _start("predecessor")
    ),
    ("applications.forms.DossierStartForm", "project_phase"): Attack(
        "A dépose un dossier comme phase suivante d'un projet de B", _start("project_phase")
    ),
    ("applications.forms.ProjectPhaseForm", "phase_id"): Attack(
        "A range une phase du projet de B dans le plan de son propre projet", _phase_plan
    ),
    ("applications.forms.BudgetLineForm", "phase"): NotAnId(
        "clé de phase choisie dans la liste fermée des phases du thème du dossier, pas l'identifiant d'un objet"
    ),
    ("applications.forms.PartnerForm", "organisation"): NotAnId(
        "L'annuaire des organisations est public (recherche de « Mon espace ») : nommer un partenaire ne donne "
        "aucun accès à ses dossiers, ni à lui à celui-ci."
    ),
    ("applications.forms_lists.ApplicantDossierFilterForm", "organisation"): Attack(
        "A filtre « Mes dossiers » sur l'organisation B", _my_dossiers
    ),
    **{
        ("applications.forms_lists.StaffDossierFilterForm", param): _staff_list(param, key)
        for param, key in (
            ("programme", "programme"),
            ("appel", "call"),
            ("theme", "theme"),
            ("session", "session"),
            ("etiquette", "label"),
        )
    },
    ("calls.forms_public.CallFilterForm", "programme"): NotAnId(
        "filtre public des appels publiés : tous les programmes y sont publics"
    ),
    ("calls.forms_staff.CallForm", "programme"): Attack("P crée un appel dans le programme Q", _call_create),
    ("calls.forms_staff.MilestoneForm", "phase"): Attack("P ajoute un jalon type à une phase de Q", _milestone_create),
    ("juries.forms.JuryCreateForm", "call"): Attack("P crée un jury sur l'appel de Q", _jury_create("call")),
    ("juries.forms.JuryCreateForm", "theme"): Attack(
        "P crée un jury sur son appel et un thème de Q", _jury_create("theme")
    ),
    ("juries.forms.JuryCreateForm", "session"): Attack(
        "P crée un jury sur son appel et une session de Q", _jury_create("session")
    ),
    ("juries.forms.DeliberationForm", "idempotency_key"): Attack(
        "P enregistre une délibération de J sous la clé d'une délibération de K",
        lambda w, side: _ranking(w, side, idempotency_key=str(side["deliberation_key"])),
    ),
    ("juries.views.history_import.HistoryImportForm", "session"): Attack(
        "P fait vérifier des résultats pour une session close de Q", _history_check
    ),
    **{("funding.forms.PortfolioFilterForm", param): _portfolio(param) for param in ("programme", "theme", "session")},
    ("funding.forms.MilestoneReviewForm", "decision"): NotAnId("« valider » ou « refuser »"),
    ("funding.forms.TrancheForm", "milestone"): Attack(
        "P conditionne une tranche de A au jalon d'un projet de B", _tranche_schedule
    ),
    ("funding.forms.MilestonePlanForm", "milestone_id"): Attack(
        "P prépare la convention de A en y gardant un jalon d'un projet de B", _prepare
    ),
    ("funding.forms.PaymentForm", "idempotency_key"): Attack(
        "L'opérateur de P paie une tranche de A sous la clé d'un paiement de B", _payment
    ),
    ("portal.idempotency.IdempotentForm", "idempotency_key"): Attack(
        "P génère la convention de A sous la clé d'une génération pour B", _generate
    ),
    ("portal.forms.MembershipRequestFilterForm", "organisation"): Attack(
        "Le référent de A filtre les demandes d'adhésion sur l'organisation B", _membership_requests
    ),
    ("portal.forms.OrganisationJoinForm", "organisation"): NotAnId(
        "toute organisation de l'annuaire peut être demandée : l'adhésion est une demande, accordée par un "
        "référent (point 1 de l'issue 14, testé avec les adhésions)"
    ),
}

PARAMETERS: dict[tuple[str, str], Attack | NotAnId] = {
    ("archives/views.py", "format"): NotAnId("format du fichier demandé (pdf ou zip) ; le dossier est celui de l'URL"),
    ("applications/views/labels.py", "dossiers"): Attack(
        "P étiquette un dossier de Q depuis sa liste",
        _bulk("label_add", dossiers=lambda w, side: [side["pk_d"]], label=lambda w, side: w.p["label_d"].pk),
    ),
    ("applications/views/labels.py", "label"): Attack(
        "P pose une étiquette de Q sur un dossier de P",
        _bulk("label_add", dossiers=lambda w, side: [w.p["pk_d"]], label=lambda w, side: side["label_d"].pk),
    ),
    ("applications/views/labels.py", "instructor"): Attack(
        "P attribue en masse un dossier de P à l'équipe de Q",
        _bulk("assign", dossiers=lambda w, side: [w.p["pk"]], instructor=lambda w, side: side["instructor"].pk),
    ),
    ("applications/views/labels.py", "body"): NotAnId("texte du message"),
    ("applications/views/labels.py", "name"): NotAnId("nom du filtre"),
    ("applications/views/labels.py", "querystring"): NotAnId(
        "filtres de la liste, relus par le formulaire de la liste"
    ),
    ("applications/views/instruction.py", "member"): Attack(
        "P retire d'un groupe de P un membre d'un groupe de Q",
        _instructor_group("member_remove", member=lambda w, side: side["group_member"].pk),
    ),
    ("applications/views/instruction.py", "rule"): Attack(
        "P supprime depuis un groupe de P une règle d'orientation de Q",
        _instructor_group("rule_delete", rule=lambda w, side: side["rule"].pk),
    ),
    ("applications/views/annotations.py", "key"): NotAnId("clé d'un champ privé de l'appel de l'URL"),
    ("applications/views/annotations.py", "shown"): NotAnId("1 ou 0 : montrer ou non les champs privés au jury"),
    # The same `rule` moved up or down on the programme's page: tests/applications/test_routing.py sends Q's (404).
    ("applications/views/instruction.py", "direction"): NotAnId("up ou down : le sens du déplacement d'une règle"),
    ("applications/views/instruction.py", "vue"): NotAnId(
        "nom d'une vue de la file (mes dossiers, suivis, à attribuer)"
    ),
    ("applications/publication.py", "programme"): NotAnId("identifiant public (slug) d'un programme publié"),
    ("applications/publication.py", "appel"): NotAnId("identifiant public (slug) d'un appel publié"),
    ("applications/publication.py", "theme"): NotAnId("code public d'un thème publié"),
    ("applications/views/dossier.py", "document"): Attack("A dépose une pièce d'un type du thème de Q", _upload),
    ("applications/views/dossier.py", "base_version"): NotAnId("numéro de version du verrou optimiste (point 6)"),
    ("applications/views/dossier.py", "lignes"): NotAnId("nombre de lignes vides à afficher"),
    ("applications/views/dossier.py", "add_line"): NotAnId("bouton"),
    ("calls/views/staff.py", "programme"): Attack("P filtre ses appels sur le programme Q", _call_list),
    ("calls/views/staff_grid.py", "parent"): Attack("P ajoute un sous-critère à un critère de Q", _criterion_parent),
    ("calls/views/staff_forms.py", "section"): NotAnId("clé d'une section du brouillon du formulaire de l'URL"),
    ("calls/views/staff_forms.py", "field"): NotAnId("clé d'un champ du brouillon du formulaire de l'URL"),
    ("calls/audit.py", "objet"): NotAnId("texte cherché dans le journal de l'appel de l'URL"),
    ("api/views.py", "evenement"): NotAnId("code d'un type d'événement de webhook (liste fermée)"),
    ("calls/audit.py", "auteur"): NotAnId("texte cherché dans le journal de l'appel de l'URL"),
    ("juries/forms.py", "score_*"): NotAnId("codes des critères de la grille du jury : seuls ceux-là sont lus"),
    ("juries/forms.py", "comment_*"): NotAnId("codes des critères de la grille du jury : seuls ceux-là sont lus"),
    ("juries/views/history_import.py", "session_id"): Attack(
        "P confirme un import de résultats dans une session close de Q", _history_confirm
    ),
    ("juries/views/history_import.py", "token"): Attack(
        "P confirme l'import de résultats que Q a fait vérifier",
        _confirm_import(
            reverse_lazy("juries:history_import"),
            lambda w: tablib.Dataset(*_history_rows(w), headers=HISTORY_HEADERS),
            lambda w: f"session-results:{w.p['closed_session'].pk}",
            lambda: Dossier.objects.all(),
            lambda w: {"session_id": w.p["closed_session"].pk},
        ),
    ),
    ("calls/views/exchange.py", "token"): Attack(
        "P confirme l'import d'un appel que Q a fait vérifier", _call_import_token
    ),
    ("juries/views/member_import.py", "token"): Attack(
        "P confirme sur J un import de membres vérifié pour K", _member_token
    ),
    ("portal/views_imports.py", "token"): Attack(
        "P confirme l'import d'organisations que Q a fait vérifier",
        _confirm_import(
            reverse_lazy("imports:organisations"),
            lambda w: tablib.Dataset(("Direction importée", "ministere"), headers=["Nom", "Type"]),
            lambda w: "",
            lambda: Organisation.objects.all(),
        ),
    ),
    ("juries/views/juror.py", "organisation"): Attack(
        "Le juré de J se déclare en conflit avec B, qui ne porte aucun dossier de J", _declare("carrier")
    ),
    ("juries/views/juror.py", "dossier"): Attack("Le juré de J déclare sur un dossier de K", _declare("dossier_id")),
    ("juries/views/juror.py", "evaluation"): Attack("Le président de J rouvre une évaluation de K", _reopen),
    ("juries/views/staff.py", "member"): Attack(
        "P retire un membre de K depuis la page de J",
        _staff_jury("withdraw_member", member=lambda w, side: side["member"].pk),
    ),
    ("juries/views/staff.py", "dossier"): Attack(
        "P attribue un dossier de K à un membre de J",
        _staff_jury(
            "assign_manual", member=lambda w, side: w.p["member"].pk, dossier=lambda w, side: side["dossier_id"]
        ),
    ),
    ("juries/views/staff.py", "target_*"): Attack(
        "P réoriente un dossier de J vers une session de Q (la faille signalée)", _reorient
    ),
    ("juries/views/staff.py", "call"): Attack(
        "P fait lister les thèmes et sessions de l'appel de Q dans la création de jury",
        lambda w, side: shown(
            w.users["staff_p"],
            reverse("juries:staff_list"),
            {"call": side["call"].pk},
            f'<option value="{side["theme"].pk}"',
        ),
    ),
    ("juries/views/staff.py", "present"): Attack("P inscrit un membre de K présent à la délibération de J", _present),
    ("juries/views/hearings.py", "dossier"): Attack(
        "P programme depuis la page de J l'audition d'un dossier de K", _hearing
    ),
    ("juries/views/staff.py", "kind_*"): NotAnId("décision, par dossier du classement du jury de l'URL"),
    ("juries/views/staff.py", "amount_*"): NotAnId("montant, par dossier du classement du jury de l'URL"),
    ("juries/views/staff.py", "conditions_*"): NotAnId("texte, par dossier du classement du jury de l'URL"),
    ("juries/views/staff.py", "reasons_*"): NotAnId("texte, par dossier du classement du jury de l'URL"),
    ("juries/views/staff.py", "across_*"): NotAnId("case à cocher, par dossier du classement du jury de l'URL"),
    ("juries/views/instruction.py", "check_*"): NotAnId("codes des contrôles manuels du dossier de l'URL"),
    ("juries/views/staff.py", "tranche"): NotAnId("numéro de tranche du classement (pagination)"),
    ("juries/views/staff.py", "rang"): NotAnId("rang du classement où aller (pagination)"),
    ("juries/views/instruction.py", "reason_*"): NotAnId("codes des contrôles manuels du dossier de l'URL"),
    ("portal/views_organisations.py", "decision"): NotAnId("« accorder » ou « refuser » la demande de l'URL"),
    ("portal/views_organisations.py", "referent"): NotAnId("1 ou 0 : nommer ou non référent le membre de l'URL"),
}
# Parameters that are never ids, wherever they are read.
PLAIN = {
    "action",
    "amount",
    "confirm",
    "multiple",
    "next",
    "operation",
    "outcome",
    "page",
    "presidence",
    "q",
    "reason",
    "rule_yaml",
    "statut",
}

# URL arguments naming an object inside the URL's first one, and the twin that lies elsewhere.
CHILDREN: dict[tuple[str, str], Callable[[World], int] | NotAnId] = {
    ("applications", "partner_id"): lambda w: w.q["partner"].pk,
    ("applications", "attachment_id"): lambda w: w.q["attachment"].pk,
    ("applications", "key"): NotAnId("clé d'une section du formulaire du dossier de l'URL"),
    ("calls", "code"): NotAnId("code public d'un thème de l'appel public de l'URL"),
    ("applications", "number"): NotAnId("numéro d'ordre du récépissé dans le dossier de l'URL"),
    ("calls_staff", "theme_id"): lambda w: w.q["theme"].pk,
    ("calls_staff", "session_id"): lambda w: w.q["session"].pk,
    ("calls_staff", "info_session_id"): lambda w: w.q["info_session"].pk,
    ("calls_staff", "phase_id"): lambda w: w.q["phase"].pk,
    ("calls_staff", "milestone_id"): lambda w: w.q["milestone_template"].pk,
    ("calls_staff", "criterion_id"): lambda w: w.q["criterion"].pk,
    ("calls_staff", "document_id"): lambda w: w.q["document"].pk,
    ("calls_staff", "version"): NotAnId("numéro de version du formulaire de l'appel ou du thème de l'URL"),
    ("calls_staff", "field_key"): NotAnId("clé d'un champ du brouillon de l'URL"),
    ("calls_staff", "to_status"): NotAnId("statut visé"),
    ("calls_staff", "fmt"): NotAnId("format de fichier"),
    ("calls_staff", "number"): NotAnId("numéro de version de la règle du thème de l'URL"),
    ("calls_staff", "role"): NotAnId("nom du rôle retiré sur le programme de l'URL"),
    # Admin pages (no actor of the matrix opens them): a user without the role on P is a 404 there.
    ("calls_staff", "user_id"): lambda w: w.users["staff_q"].pk,
    ("juries", "dossier_id"): lambda w: w.q["dossier_id"],
    ("juries", "attachment_id"): lambda w: w.q["jury_attachment"],
    ("juries", "deliberation_id"): lambda w: w.q["deliberation_id"],
    ("juries", "fmt"): NotAnId("format de fichier"),
    ("funding", "version"): NotAnId("numéro de version de la convention du projet de l'URL"),
    ("funding", "milestone_id"): lambda w: w.q["milestone"],
    ("funding", "tranche_id"): lambda w: w.q["tranche"],
    ("funding", "condition_id"): lambda w: w.q["condition_id"],
    ("juries", "hearing_id"): lambda w: w.q["hearing_id"],
    ("funding", "fmt"): NotAnId("format de fichier"),
    ("audit", "fmt"): NotAnId("format de fichier"),
    ("calls_exchange", "fmt"): NotAnId("format de fichier"),
    ("portal", "membership_id"): lambda w: w.q["membership"].pk,
    ("portal", "domain_id"): lambda w: w.q["domain"].pk,
    # The session opens no API resource (401): this twin is sent with a token in tests/api/test_matrix.py.
    ("api_v1", "document_id"): lambda w: w.q["attachment"].pk,
}
# Who may open the URL on P's side, in this order of preference.
ACTORS = ("applicant_a", "staff_p", "operator_p", "juror_j")


# --- the listings ------------------------------------------------------------------------


def _project_modules():
    for package in PACKAGES:
        module = importlib.import_module(package)
        yield module
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if not re.search(r"\.(migrations|management|settings|wsgi|asgi)\b", info.name):
                yield importlib.import_module(info.name)


def _form_classes() -> list[type[forms.BaseForm]]:
    """Every form class defined at the top level of a project module (not those built at run time)."""
    modules = list(_project_modules())
    found, pending = [], [forms.BaseForm]
    while pending:
        for cls in pending.pop().__subclasses__():
            pending.append(cls)
            module = sys.modules.get(cls.__module__)
            if module in modules and getattr(module, cls.__name__, None) is cls:
                found.append(cls)
    return found


def _carries_an_id(name: str, field: forms.Field) -> bool:
    return (
        isinstance(field, (forms.ModelChoiceField, forms.UUIDField))
        or (isinstance(field, forms.TypedChoiceField) and field.coerce is int)
        or name in ID_NAMES
        or name.endswith("_id")
    )


def id_fields() -> set[tuple[str, str]]:
    return {
        (f"{cls.__module__}.{cls.__qualname__}", name)
        for cls in _form_classes()
        for name, field in cls.base_fields.items()
        if _carries_an_id(name, field)
    }


PARAMETER_READS = [
    re.compile(r"""request\.(?:POST|GET)(?:\.get|\.getlist)?[(\[]\s*f?["']([A-Za-z_]+?)(_\{[^}]*\})?["']"""),
    re.compile(r"""\bdata\.(?:get|getlist)\(\s*f["']([A-Za-z_]+?)(_\{[^}]*\})["']"""),
]
PARAMETER_TESTS = re.compile(r"""["']([a-z_]+)["']\s+(?:not\s+)?in\s+request\.(?:POST|GET)""")


def read_parameters() -> set[tuple[str, str]]:
    """(file, parameter) of every parameter the project's code reads from a request; `x_*` for a prefix."""
    found = set()
    for package in PACKAGES:
        for path in sorted((PROJECT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            text, name = path.read_text(), path.relative_to(PROJECT).as_posix()
            for pattern in PARAMETER_READS:
                found |= {(name, m.group(1) + ("_*" if m.group(2) else "")) for m in pattern.finditer(text)}
            found |= {(name, parameter) for parameter in PARAMETER_TESTS.findall(text)}
    return found


def nested_arguments() -> list[tuple[str, object, str]]:
    """(URL name, pattern, argument) of each URL argument after the first: an object inside another."""
    nested = []
    for name, pattern in matrix.url_patterns():
        arguments = list(pattern.pattern.regex.groupindex)
        nested += [(name, pattern, argument) for argument in arguments[1:]]
    return nested


def test_every_form_field_that_carries_an_id_is_listed():
    fields = id_fields()
    missing = sorted(fields - set(FORM_FIELDS))
    assert not missing, f"Champs portant un identifiant sans attaque dans FORM_FIELDS : {missing}"
    stale = sorted(set(FORM_FIELDS) - fields)
    assert not stale, f"Entrées de FORM_FIELDS sans champ correspondant : {stale}"
    exempt = [key for key, entry in FORM_FIELDS.items() if isinstance(entry, NotAnId)]
    print(f"\n{len(fields)} champs de formulaire portant un identifiant, dont {len(exempt)} justifiés sans attaque.")


def test_every_parameter_read_from_a_request_is_listed():
    reads = {(path, name) for path, name in read_parameters() if name not in PLAIN}
    missing = sorted(reads - set(PARAMETERS))
    assert not missing, f"Paramètres lus dans la requête sans entrée dans PARAMETERS : {missing}"
    stale = sorted(set(PARAMETERS) - reads)
    assert not stale, f"Entrées de PARAMETERS que le code ne lit plus : {stale}"


def test_every_object_named_inside_another_in_a_url_is_listed():
    missing = sorted(
        {(name.split(":")[0], argument) for name, _, argument in nested_arguments()} - set(CHILDREN),
    )
    assert not missing, f"Arguments d'URL imbriqués sans jumeau dans CHILDREN : {missing}"


# --- the attacks, run ----------------------------------------------------------------------


def _send_isolated(w: World, attack: Attack, side: dict) -> Probe:
    """Each sending starts from the same world: what it wrote, if anything, is rolled back after the checks."""
    with transaction.atomic():
        probe = attack.send(w, side)
        transaction.set_rollback(True)
    return probe


def test_foreign_ids_posted_to_forms_and_parameters_are_refused(attack_world):
    attacks = {
        **{f"{form}.{field}": entry for (form, field), entry in FORM_FIELDS.items()},
        **{f"{path} {name}": entry for (path, name), entry in PARAMETERS.items()},
    }
    failures, sent = [], 0
    for key, entry in attacks.items():
        if isinstance(entry, NotAnId):
            continue
        sent += 1
        foreign = _send_isolated(attack_world, entry, attack_world.q)
        if foreign.status >= 500 or foreign.effect:
            failures.append(f"{key} — {entry.what} : accepté (HTTP {foreign.status})")
        own = _send_isolated(attack_world, entry, attack_world.p)
        if not own.effect:
            failures.append(f"{key} — le contrôle avec l'identifiant de P reste sans effet (HTTP {own.status})")
    print(f"\nIdentifiants étrangers : {sent} attaques de formulaires et de paramètres refusées, chacune contrôlée.")
    assert not failures, "\n".join(failures)


def test_an_object_of_elsewhere_named_inside_one_of_ours_is_a_404(attack_world):
    w = attack_world
    failures, requests = [], 0
    for name, pattern, argument in nested_arguments():
        child = CHILDREN[(name.split(":")[0], argument)]
        expectation = matrix.EXPECTED[name]
        actor = next((role for role in ACTORS if expectation.rule[role] == matrix.OK), None)
        if isinstance(child, NotAnId) or actor is None:
            continue
        kwargs = matrix.build_kwargs(name, pattern, expectation, w.p)
        kwargs[argument] = child(w)
        url = reverse(name, kwargs=kwargs)
        client = _client(w.users[actor])
        with transaction.atomic():
            response = client.get(url)
            if response.status_code == 405:
                response = client.post(url)
            transaction.set_rollback(True)
        requests += 1
        if response.status_code != 404:
            failures.append(f"{url} ({name}, {argument} de Q) en tant que {actor} : HTTP {response.status_code}")
    print(f"\nURL imbriquées : {requests} requêtes avec l'objet intérieur pris ailleurs, toutes en 404.")
    assert not failures, "\n".join(failures)


def test_the_listings_find_what_they_must():
    """The scanners are themselves tested: they see the reported field and a raw parameter."""
    assert ("juries/views/staff.py", "target_*") in read_parameters()
    assert ("funding.forms.TrancheForm", "milestone") in id_fields()
    assert inspect.isfunction(CHILDREN[("funding", "tranche_id")])

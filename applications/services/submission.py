"""Submission: the server clock decides, the snapshot is frozen, the receipt follows.

`dossier_submit` is idempotent: a double click, a retry or a second tab finds the dossier
already submitted under its row lock and gets the same snapshot back.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from applications.evaluation import DossierEvaluation, dossier_evaluation, violations_for_step
from applications.models import Dossier, DossierSearchText, DossierSnapshot
from applications.permissions import ensure_member
from applications.search import search_text_of
from applications.selectors import dossier_required_documents
from applications.services.evaluations import evaluation_store
from applications.services.routing import dossier_route
from applications.services.workflow import dossier_transition, transition_announce
from applications.workflow import DossierState
from calls.formschema import missing_fields
from calls.models import FormStep, Session
from calls.selectors import step_of_session
from calls.services.rules import rule_version_pin
from portal.errors import DomainError
from portal.services import task_enqueue_on_commit


@dataclass(frozen=True)
class Blocker:
    """Something that prevents submission, with the page that fixes it."""

    message: str
    part: str  # a section key, "_projet", "_budget" or "document:<kind>"


def submission_blockers(dossier: Dossier, evaluation: DossierEvaluation | None = None) -> list[Blocker]:
    """Everything that must be fixed before the dossier can be submitted, in page order.

    `evaluation` is the budget's, when the caller already has it (the engine runs once per request).
    """
    blockers = []
    if not dossier.acronym or not dossier.title or not dossier.summary:
        blockers.append(Blocker(_("Présentez le projet : acronyme, titre et résumé sont obligatoires."), "_projet"))
    schema = dossier.form_definition.schema if dossier.form_definition else {"sections": []}
    for missing in missing_fields(schema, dossier.answers):
        text = _("« %(field)s » (section « %(section)s ») est obligatoire.") % {
            "field": missing.label,
            "section": missing.section_title,
        }
        blockers.append(Blocker(text, missing.section_key))
    provided = {attachment.kind for attachment in dossier.attachments.all() if attachment.message_id is None}
    for document in dossier_required_documents(dossier):
        if document.mandatory and document.kind not in provided:
            text = _("Pièce manquante : %(document)s.") % {"document": document.label}
            blockers.append(Blocker(text, f"document:{document.kind}"))
    interest = step_of_session(dossier.session) == FormStep.INTEREST
    if not interest and not dossier.budget_lines.exists():
        blockers.append(Blocker(_("Le budget est vide : ajoutez au moins une ligne de dépense."), "_budget"))
    else:
        # An expression of interest is light: no budget is required, only who may apply is judged.
        evaluation = evaluation or dossier_evaluation(dossier)
        for violation in violations_for_step(dossier, evaluation):
            blockers.append(Blocker(violation.message_fr, "_projet" if interest else "_budget"))
    return blockers


def snapshot_content(dossier: Dossier, evaluation: DossierEvaluation | None = None) -> dict:
    """What staff and jurors will read, as plain JSON: answers, budget, partners, document digests."""
    evaluation = evaluation or dossier_evaluation(dossier)
    return {
        "reference": dossier.reference,
        "organisation": {
            "name": dossier.organisation.name,
            "siret": dossier.organisation.siret,
            "kind": dossier.organisation.kind,
        },
        "theme": dossier.theme.code,
        "session": dossier.session.key,
        "form_version": dossier.form_definition.version if dossier.form_definition else None,
        "rule_version": evaluation.rule_version.number if evaluation else None,
        "project": {
            "acronym": dossier.acronym,
            "title": dossier.title,
            "summary": dossier.summary,
            "planned_start": dossier.planned_start.isoformat() if dossier.planned_start else None,
            "duration_months": dossier.duration_months,
            "planned_milestones": dossier.planned_milestones,
        },
        "answers": dossier.answers,
        "budget": [
            {
                "label": line.label,
                "year": line.year,
                "phase": line.phase,
                "category": line.category,
                "source": line.source,
                "cofinancer_name": line.cofinancer_name,
                "amount": str(line.amount),
            }
            for line in dossier.budget_lines.all()
        ],
        "requested_amount": str(evaluation.requested_amount) if evaluation else None,
        "partners": [
            {
                "organisation": partner.organisation.name,
                "role": partner.role,
                "commitment": str(partner.commitment) if partner.commitment is not None else None,
            }
            for partner in dossier.partners.select_related("organisation")
        ],
        "documents": [
            {
                "kind": attachment.kind,
                "name": attachment.original_name,
                "size": attachment.size,
                "sha256": attachment.sha256,
            }
            for attachment in dossier.attachments.filter(message__isnull=True).order_by("kind", "pk")
        ],
    }


def content_digest(content: dict) -> str:
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()


def next_session_text(session: Session) -> str:
    following = (
        Session.objects.filter(theme_id=session.theme_id, opens_at__gt=session.closes_at, is_demo=False)
        .order_by("opens_at")
        .first()
    )
    if following is None:
        return ""
    opens = timezone.localtime(following.opens_at)
    return " " + _("La prochaine session (« %(session)s ») ouvre le %(date)s à %(time)s.") % {
        "session": following.name,
        "date": date_format(opens, "j F Y"),
        "time": opens.strftime("%H:%M"),
    }


def snapshot_freeze(*, dossier: Dossier, actor, at, evaluation: DossierEvaluation | None = None) -> DossierSnapshot:
    """Freeze the dossier as it is now into its next numbered snapshot and queue its receipt."""
    content = snapshot_content(dossier, evaluation)
    number = (dossier.snapshots.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    snapshot = DossierSnapshot.objects.create(
        dossier=dossier,
        number=number,
        submitted_at=at,
        submitted_by=actor,
        content=content,
        digest=content_digest(content),
    )
    # Staff search the deposited version: its text follows each deposit.
    DossierSearchText.objects.update_or_create(dossier=dossier, defaults={"content": search_text_of(content)})
    task_enqueue_on_commit("applications.tasks.receipt_generate", snapshot_id=snapshot.pk)
    return snapshot


def dossier_submit(*, actor, dossier: Dossier, declaration: bool, at=None) -> DossierSnapshot:
    """Submit a draft before its session's close, on the server clock; idempotent.

    The dossier is pinned to the current version of its theme's rule (see `rule_version_pin`).

    `at` exists for tests of the exact second: views never pass it. Raises DomainError
    in French when the session is closed, the declaration is missing, or blockers remain.
    """
    with transaction.atomic():
        locked = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("session", "theme__call", "organisation")
            .get(pk=dossier.pk)
        )
        at = at or timezone.now()
        ensure_member(locked, actor)
        if locked.state != DossierState.DRAFT:
            snapshot = locked.snapshots.order_by("-number").first()
            if snapshot is not None:
                return snapshot
            raise DomainError(
                _("Le dossier est « %(state)s » : il ne peut pas être déposé.") % {"state": locked.get_state_display()},
                code="invalid_state",
            )
        if not locked.session.is_open(at):
            closed = timezone.localtime(locked.session.closes_at)
            raise DomainError(
                _("Dépôt refusé : la session a clos le %(date)s à %(time)s (heure de Paris).%(next_session)s")
                % {
                    "date": date_format(closed, "j F Y"),
                    "time": closed.strftime("%H:%M:%S"),
                    "next_session": next_session_text(locked.session),
                },
                code="session_closed",
            )
        if not declaration:
            raise DomainError(
                _("Cochez la déclaration sur l'honneur pour déposer le dossier."),
                code="declaration",
                field="declaration",
            )
        if locked.rule_version_id is None:
            # Judged from now on by the rule in force at its first submission, whatever comes later.
            locked.rule_version = rule_version_pin(theme=locked.theme)
        evaluation = dossier_evaluation(locked)
        blockers = submission_blockers(locked, evaluation)
        if blockers:
            raise DomainError(
                _("Le dossier ne peut pas encore être déposé : %(blockers)s")
                % {"blockers": " ; ".join(b.message for b in blockers)},
                code="incomplete",
            )
        rule_version = locked.rule_version
        # The members' e-mails are rendered after the commit (`submission_announce`): the request at a
        # deadline does only what the submission's invariants need.
        locked = dossier_transition(dossier=locked, name="submit", actor=actor, notify_carrier=False)
        locked.rule_version = rule_version
        locked.submitted_at = at
        if step_of_session(locked.session) == FormStep.DOSSIER:
            # An expression of interest asks for no money: its indicative budget is not a request.
            locked.requested_amount = evaluation.requested_amount if evaluation else locked.requested_amount
        locked.save(update_fields=["submitted_at", "requested_amount", "rule_version", "updated_at"])
        dossier_route(dossier=locked)
        evaluation_store(dossier=locked, evaluation=evaluation)
        snapshot = snapshot_freeze(dossier=locked, actor=actor, at=at, evaluation=evaluation)
        task_enqueue_on_commit("applications.tasks.submission_announce", snapshot_id=snapshot.pk)
        return snapshot


def submission_announce(*, snapshot_id: int) -> bool:
    """Tell the carrier's members that the dossier is submitted, once per submission; True when told now.

    Runs after the submission's commit (task), under the snapshot's row lock: a second run (retry,
    redelivery) finds `announced_at` set and sends nothing.
    """
    with transaction.atomic():
        snapshot = (
            DossierSnapshot.objects.select_for_update(of=("self",))
            .select_related("dossier", "submitted_by")
            .get(pk=snapshot_id)
        )
        if snapshot.announced_at is not None or snapshot.dossier.anonymised_at is not None:
            return False
        transition_announce(dossier=snapshot.dossier, actor=snapshot.submitted_by, state=DossierState.SUBMITTED)
        snapshot.announced_at = timezone.now()
        snapshot.save(update_fields=["announced_at"])
    return True

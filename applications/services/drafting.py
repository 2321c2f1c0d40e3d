"""Writes of a dossier while its carrier builds it: start, sections, budget, partners, team.

Every save is optimistic-locked: the caller sends the version it read, and a save is accepted
only on the exact version stored; otherwise (someone saved since, or a version the page never
gave) `DossierConflict` carries the stored version, nothing is written and nothing typed is lost.
"""

from __future__ import annotations

import datetime
import secrets
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import BudgetLine, Dossier, DossierInvitation, DossierPartner, ProjectPhase
from applications.permissions import ensure_can_edit
from applications.services.evaluations import evaluation_store
from applications.services.projects import is_phased, project_key_for, project_open
from applications.workflow import DossierState
from calls.formschema import clean_answers, iter_fields
from calls.models import Call, FormStep, Session
from calls.selectors import published_form_of, step_of_session
from portal.errors import DomainError
from portal.models import Membership, Organisation
from portal.selectors import user_roles
from portal.services import audit_record, notify_address
from portal.services.membership import membership_request_create

PROJECT_PART = "_projet"
BUDGET_PART = "_budget"


class DossierConflict(DomainError):
    """The save did not name the part's current version: `theirs` is what is stored, and
    `current_version` the version to send back to overwrite it knowingly. Nothing was written."""

    def __init__(self, *, part: str, theirs: dict, current_version: int, message: str):
        super().__init__(message, code="conflict")
        self.part = part
        self.theirs = theirs
        self.current_version = current_version


@dataclass(frozen=True)
class SectionSave:
    dossier: Dossier
    errors: dict[str, str]
    saved_at: datetime.datetime


def _locked(dossier: Dossier) -> Dossier:
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("theme__call", "session", "organisation")
        .get(pk=dossier.pk)
    )


def _check_version(dossier: Dossier, part: str, base_version: int | None, theirs) -> None:
    """Accept a save only on the exact version stored: an older one means someone saved since;
    a newer or missing one was not given by the page (forged, or sent by a broken client), and
    overwriting on its word would let anyone skip the lock."""
    current = dossier.section_versions.get(part, 0)
    if base_version == current:
        return
    if base_version is not None and 0 <= base_version < current:
        message = _(
            "Une autre personne a enregistré cette partie pendant que vous la modifiiez. "
            "Comparez sa version et la vôtre, puis enregistrez celle que vous gardez."
        )
    else:
        message = _(
            "Votre page ne porte pas la version enregistrée de cette partie : rien n'a été écrit. "
            "Comparez la version enregistrée et la vôtre, puis enregistrez celle que vous gardez."
        )
    raise DossierConflict(part=part, theirs=theirs, current_version=current, message=message)


def _bump(dossier: Dossier, part: str) -> None:
    dossier.version += 1
    dossier.section_versions = {**dossier.section_versions, part: dossier.version}


def _check_second_step(session: Session, predecessor: Dossier | None) -> None:
    """Where the call says so, the full dossier is filed only from an expression of interest invited to it."""
    call = session.theme.call
    if not call.second_step_invited_only or step_of_session(session) != FormStep.DOSSIER:
        return
    if predecessor is None or predecessor.state != DossierState.SECOND_STEP_INVITED:
        raise DomainError(
            _(
                "Le dossier complet de cet appel est réservé aux porteurs invités à la seconde étape : choisissez "
                "la manifestation d'intérêt qui vous y a invité."
            ),
            code="not_invited",
            field="predecessor",
        )


def _check_project_phase(phase: ProjectPhase, *, organisation: Organisation, session: Session) -> None:
    if phase.project.organisation_id != organisation.pk:
        raise DomainError(_("Ce projet appartient à une autre organisation."), code="forbidden", field="project_phase")
    if phase.project.theme_id != session.theme_id:
        raise DomainError(_("Ce projet relève d'un autre thème."), code="invalid", field="project_phase")
    if phase.dossier_id is not None:
        raise DomainError(
            _("La phase « %(phase)s » a déjà son dossier (%(reference)s).")
            % {"phase": phase.label, "reference": phase.dossier.reference},
            code="phase_filed",
            field="project_phase",
        )


def dossier_start(
    *,
    actor,
    session: Session,
    organisation: Organisation,
    acronym: str = "",
    title: str = "",
    summary: str = "",
    planned_start: datetime.date | None = None,
    duration_months: int | None = None,
    predecessor: Dossier | None = None,
    project_phase: ProjectPhase | None = None,
) -> Dossier:
    """Open a draft for `organisation` in an open `session`, on the published form of the session's step
    (the expression of interest's own form, or the full dossier's).

    A second step (full dossier after an expression of interest) or a resubmission names its
    `predecessor`: its answers are carried over and the project key is shared. The next phase of a
    project names its `project_phase`, whatever became of the earlier phases; a first dossier of a
    phased theme opens a project of its own.
    """
    now = timezone.now()
    if not user_roles(actor).is_member_of(organisation.pk):
        raise DomainError(
            _("Vous ne pouvez déposer qu'au nom d'une organisation dont vous êtes membre."),
            code="forbidden",
            field="organisation",
        )
    if session.theme.call.status != Call.Status.PUBLISHED or not session.is_open(now):
        raise DomainError(_("Cette session n'est pas ouverte au dépôt."), code="session_closed")
    if project_phase is not None:
        _check_project_phase(project_phase, organisation=organisation, session=session)
        acronym = acronym.strip() or project_phase.project.acronym
        title = title.strip() or f"{project_phase.project.title} — {project_phase.label}"[:255]
    if not acronym.strip() or not title.strip():
        raise DomainError(_("L'acronyme et le titre du projet sont obligatoires."), code="required", field="acronym")
    if predecessor is not None and predecessor.organisation_id != organisation.pk:
        raise DomainError(
            _("Le dossier d'origine appartient à une autre organisation."), code="forbidden", field="predecessor"
        )
    if predecessor is not None and predecessor.theme.call_id != session.theme.call_id:
        raise DomainError(_("Le dossier d'origine relève d'un autre appel."), code="invalid", field="predecessor")
    _check_second_step(session, predecessor)
    step = step_of_session(session)
    project = project_phase.project if project_phase else (predecessor.project if predecessor else None)
    with transaction.atomic():
        dossier = Dossier.objects.create(
            reference=f"tmp-{uuid.uuid4().hex}",
            organisation=organisation,
            theme=session.theme,
            session=session,
            form_definition=published_form_of(session.theme, step),
            project=project,
            project_key=project.key
            if project
            else (predecessor.project_key if predecessor else project_key_for(acronym)),
            acronym=acronym.strip(),
            title=title.strip(),
            summary=summary.strip(),
            planned_start=planned_start,
            duration_months=duration_months,
            planned_milestones=list(project_phase.milestones) if project_phase else [],
            answers=dict(predecessor.answers) if predecessor else {},
            predecessor=predecessor,
            created_by=actor,
        )
        dossier.reference = dossier.numbered()
        dossier.save(update_fields=["reference"])
        resubmitted_phase = getattr(predecessor, "project_phase", None) if predecessor else None
        if (
            project_phase is None
            and resubmitted_phase is not None
            and predecessor.state == DossierState.RESUBMIT_INVITED
        ):
            project_phase = resubmitted_phase
        if project_phase is not None:
            ProjectPhase.objects.filter(pk=project_phase.pk).update(dossier=dossier)
        elif project is None and step == FormStep.DOSSIER and is_phased(session.theme):
            dossier.project = project_open(actor=actor, dossier=dossier)
            dossier.save(update_fields=["project"])
        evaluation_store(dossier=dossier)
        audit_record(
            actor=actor,
            action="dossier.start",
            target=dossier,
            data={"session": session.pk, "project": dossier.project_id},
        )
    return dossier


def dossier_planned_milestones_set(*, actor, dossier: Dossier, milestones: list[dict], base_version: int) -> Dossier:
    """The milestones and deliverables the carrier plans ({label, month, deliverable}), part of the
    project page; they pre-fill the convention. A month falls within the project's duration."""
    with transaction.atomic():
        locked = _locked(dossier)
        ensure_can_edit(locked, actor, part=PROJECT_PART)
        _check_version(locked, PROJECT_PART, base_version, {"planned_milestones": locked.planned_milestones})
        cleaned = []
        for number, item in enumerate(milestones, start=1):
            label = (item.get("label") or "").strip()
            if not label:
                continue
            month = item.get("month")
            if month is not None and (month < 1 or (locked.duration_months and month > locked.duration_months)):
                raise DomainError(
                    _("Jalon %(number)s : le mois %(month)s est hors de la durée du projet (%(duration)s mois).")
                    % {"number": number, "month": month, "duration": locked.duration_months or "?"},
                    code="month_outside_project",
                    field="milestones",
                )
            cleaned.append(
                {"label": label[:255], "month": month, "deliverable": (item.get("deliverable") or "").strip()}
            )
        locked.planned_milestones = cleaned
        _bump(locked, PROJECT_PART)
        locked.save(update_fields=["planned_milestones", "version", "section_versions", "updated_at"])
        audit_record(actor=actor, action="dossier.milestones_plan", target=locked, data={"count": len(cleaned)})
    return locked


def dossier_save_section(
    *, actor, dossier: Dossier, section_key: str, raw_answers: dict, base_version: int | None
) -> SectionSave:
    """Validate and store one form section; valid fields are kept even when others have errors.

    Fields of other sections and fields hidden by their condition are never written.
    """
    with transaction.atomic():
        locked = _locked(dossier)
        ensure_can_edit(locked, actor, part=section_key)
        schema = locked.form_definition.schema if locked.form_definition else {"sections": []}
        if section_key not in {section["key"] for section in schema.get("sections", [])}:
            raise DomainError(_("Section inconnue."), code="not_found")
        keys = {field["key"] for section, field in iter_fields(schema) if section["key"] == section_key}
        _check_version(locked, section_key, base_version, {key: locked.answers.get(key) for key in keys})
        cleaned, errors = clean_answers(schema, {**locked.answers, **raw_answers}, section_key=section_key)
        valid = {key: value for key, value in cleaned.items() if key not in errors}
        if any(locked.answers.get(key) != value for key, value in valid.items()):
            locked.answers = {**locked.answers, **valid}
            _bump(locked, section_key)
            locked.save(update_fields=["answers", "version", "section_versions", "updated_at"])
            audit_record(actor=actor, action="dossier.section_save", target=locked, data={"section": section_key})
    return SectionSave(locked, errors, timezone.now())


def dossier_update_project(
    *,
    actor,
    dossier: Dossier,
    base_version: int | None,
    acronym: str,
    title: str,
    summary: str,
    planned_start: datetime.date | None,
    duration_months: int | None,
) -> Dossier:
    with transaction.atomic():
        locked = _locked(dossier)
        ensure_can_edit(locked, actor, part=PROJECT_PART)
        fields = {
            "acronym": acronym.strip(),
            "title": title.strip(),
            "summary": summary.strip(),
            "planned_start": planned_start,
            "duration_months": duration_months,
        }
        _check_version(locked, PROJECT_PART, base_version, {name: getattr(locked, name) for name in fields})
        if not fields["acronym"] or not fields["title"]:
            raise DomainError(
                _("L'acronyme et le titre du projet sont obligatoires."), code="required", field="acronym"
            )
        for name, value in fields.items():
            setattr(locked, name, value)
        _bump(locked, PROJECT_PART)
        locked.save()
        audit_record(actor=actor, action="dossier.project_save", target=locked)
    return locked


def budget_replace(*, actor, dossier: Dossier, lines: list[dict], base_version: int | None) -> Dossier:
    """Replace every budget line at once (the budget form posts the whole table)."""
    with transaction.atomic():
        locked = _locked(dossier)
        ensure_can_edit(locked, actor, part=BUDGET_PART)
        current = list(
            locked.budget_lines.values("label", "year", "phase", "category", "source", "cofinancer_name", "amount")
        )
        _check_version(locked, BUDGET_PART, base_version, {"lines": current})
        for index, line in enumerate(lines):
            if line["amount"] < 0:
                raise DomainError(
                    _("Ligne %(line)s : le montant ne peut pas être négatif.") % {"line": index + 1},
                    code="invalid",
                    field="amount",
                )
        locked.budget_lines.all().delete()
        BudgetLine.objects.bulk_create(
            [BudgetLine(dossier=locked, order=index, **line) for index, line in enumerate(lines)]
        )
        _bump(locked, BUDGET_PART)
        locked.save(update_fields=["version", "section_versions", "updated_at"])
        evaluation_store(dossier=locked)
        audit_record(actor=actor, action="dossier.budget_save", target=locked, data={"lines": len(lines)})
    return locked


def partner_add(
    *, actor, dossier: Dossier, organisation: Organisation, role: str, commitment: Decimal | None = None
) -> DossierPartner:
    with transaction.atomic():
        locked = _locked(dossier)
        ensure_can_edit(locked, actor, part=PROJECT_PART)
        if organisation.pk == locked.organisation_id:
            raise DomainError(
                _("Le porteur ne peut pas être son propre partenaire."), code="invalid", field="organisation"
            )
        if role == DossierPartner.Role.CO_CARRIER and not locked.theme.grouping_allowed:
            raise DomainError(
                _("Ce thème n'autorise pas le groupement de plusieurs porteurs."), code="grouping", field="role"
            )
        partner, created = DossierPartner.objects.get_or_create(
            dossier=locked, organisation=organisation, role=role, defaults={"commitment": commitment}
        )
        if not created:
            raise DomainError(
                _("Cette organisation est déjà partenaire avec ce rôle."), code="duplicate", field="organisation"
            )
        evaluation_store(dossier=locked)
        audit_record(
            actor=actor,
            action="dossier.partner_add",
            target=locked,
            data={"organisation": organisation.pk, "role": role},
        )
    return partner


def partner_remove(*, actor, partner: DossierPartner) -> None:
    with transaction.atomic():
        locked = _locked(partner.dossier)
        ensure_can_edit(locked, actor, part=PROJECT_PART)
        partner.delete()
        evaluation_store(dossier=locked)
        audit_record(
            actor=actor, action="dossier.partner_remove", target=locked, data={"organisation": partner.organisation_id}
        )


def invitation_send(*, actor, dossier: Dossier, email: str) -> DossierInvitation:
    """Invite a colleague by e-mail; accepting asks to join the carrier organisation (see invitation_accept)."""
    email = email.strip().lower()
    with transaction.atomic():
        locked = _locked(dossier)
        ensure_can_edit(locked, actor, part=PROJECT_PART)
        if Membership.objects.filter(organisation_id=locked.organisation_id, user__email__iexact=email).exists():
            raise DomainError(
                _("Cette personne est déjà membre de l'organisation et peut modifier le dossier."),
                code="duplicate",
                field="email",
            )
        invitation = DossierInvitation.objects.create(
            dossier=locked, email=email, token=secrets.token_urlsafe(32), invited_by=actor
        )
        link = reverse("applications:invitation_accept", args=[invitation.token])
        notify_address("dossier_invitation", to_email=email, actor=actor, link=link, context={"dossier": locked})
        audit_record(actor=actor, action="dossier.invite", target=locked, data={"email": email})
    return invitation


def invitation_accept(*, actor, token: str) -> Dossier:
    """Accept an invitation sent to the actor's address: it makes them a member of the carrier when a
    référent sent it (or their identity proves it), and otherwise asks the référents to decide."""
    with transaction.atomic():
        invitation = (
            DossierInvitation.objects.select_for_update(of=("self",))
            .select_related("dossier")
            .filter(token=token)
            .first()
        )
        if invitation is None or invitation.accepted_at is not None:
            raise DomainError(_("Cette invitation n'est plus valable."), code="invalid_token")
        if invitation.email != actor.email.lower():
            raise DomainError(_("Cette invitation a été envoyée à une autre adresse e-mail."), code="forbidden")
        membership_request_create(
            actor=actor,
            organisation=invitation.dossier.organisation,
            invited_by=invitation.invited_by,
            message=_("Invitation de %(inviter)s au dossier %(reference)s.")
            % {"inviter": invitation.invited_by.email, "reference": invitation.dossier.reference},
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        audit_record(actor=actor, action="dossier.invitation_accept", target=invitation.dossier)
    return invitation.dossier

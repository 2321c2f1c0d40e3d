"""The deliberation: decisions within the envelope and the rules engine, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.evaluation import GRANTED_STATES, dossier_evaluation
from applications.models import Dossier
from applications.selectors import manages_instruction_of, project_granted
from applications.services.evaluations import evaluation_store, evaluations_store_project
from applications.services.workflow import dossier_transition
from applications.workflow import DossierState
from calls.models import Session, SessionKind
from juries.models import (
    GRANTING_KINDS,
    Decision,
    DecisionCondition,
    DecisionDraft,
    Deliberation,
    Jury,
    JuryDossier,
    JuryMember,
)
from juries.selectors import envelope_of, ranking
from juries.services.common import ensure_staff
from portal.errors import DomainError
from portal.services import audit_record, task_enqueue_on_commit
from portal.templatetags.portal_format import format_euros

Kind = Decision.Kind
# Each decision applies "deliberate", then this transition (see applications.workflow.TRANSITIONS).
KIND_TRANSITIONS = {
    Kind.SELECTED: "select",
    Kind.CONDITIONAL: "select",
    Kind.INVITED: "invite_second_step",
    Kind.REJECTED: "reject",
    Kind.RESUBMIT: "invite_resubmission",
    Kind.REORIENTED: "reorient",
    Kind.RESERVE: "put_on_reserve",
}
REASONED_KINDS = (Kind.REJECTED, Kind.RESUBMIT, Kind.REORIENTED)


def condition_lines(text: str) -> list[str]:
    """The conditions of a decision, one per line as staff type them."""
    return [line.strip(" -•\t") for line in (text or "").splitlines() if line.strip(" -•\t")]


@dataclass(frozen=True)
class DecisionInput:
    dossier_id: int
    kind: str
    granted_amount: Decimal | None = None
    conditions: str = ""
    reasons: str = ""
    target_session: Session | None = None
    # A reorientation or an invitation stays in the jury's call unless the decision says otherwise.
    across_calls: bool = False


# The decisions that send the dossier somewhere: the target session is kept on these only.
TARGETED_KINDS = (Kind.RESUBMIT, Kind.REORIENTED)


def granted_by(decisions: list[DecisionInput]) -> Decimal:
    """What these decisions grant: the amounts of the selected ones, under conditions or not."""
    return sum((d.granted_amount or Decimal("0") for d in decisions if d.kind in GRANTING_KINDS), Decimal("0"))


def decision_drafts_save(*, actor, jury: Jury, decisions: list[DecisionInput], cleared=()) -> int:
    """Keep the decisions typed on a slice of the ranking, replacing the drafts of the same dossiers, and
    forget the drafts of the dossiers in `cleared` (their decision emptied). Nothing is decided yet: the
    drafts are what `deliberation_record` is given once confirmed, and what the envelope's running total
    adds up over the whole jury. Refused for a dossier outside the jury, already deliberated, named twice,
    or an unknown decision; the rules (amounts, reasons, targets) are checked when the deliberation is recorded.
    Returns the number of drafts kept."""
    ensure_staff(actor, jury)
    cleared = set(cleared)
    with transaction.atomic():
        jury = _locked_jury(jury)  # two staff saving slices of the same jury never interleave
        dossier_ids = {d.dossier_id for d in decisions} | cleared
        entries = dict(
            JuryDossier.objects.filter(jury=jury, dossier_id__in=dossier_ids).values_list("dossier_id", "frozen_at")
        )
        seen = set()
        for decision in decisions:
            if decision.dossier_id not in entries:
                raise DomainError(_("Un dossier ne relève pas de ce jury."), code="jury_scope")
            if entries[decision.dossier_id] is not None:
                raise DomainError(_("Un de ces dossiers a déjà été délibéré : rechargez la page."), code="frozen")
            if decision.dossier_id in seen or decision.dossier_id in cleared:
                raise DomainError(_("Un dossier reçoit deux décisions."), code="duplicate")
            if decision.kind not in KIND_TRANSITIONS:
                raise DomainError(_("Décision inconnue."), code="invalid")
            if decision.granted_amount is not None and decision.granted_amount < 0:
                raise DomainError(_("Un montant accordé ne peut pas être négatif."), code="invalid", field="amount")
            seen.add(decision.dossier_id)
        DecisionDraft.objects.filter(jury=jury, dossier_id__in=dossier_ids).delete()
        DecisionDraft.objects.bulk_create(
            DecisionDraft(
                jury=jury,
                dossier_id=d.dossier_id,
                kind=d.kind,
                granted_amount=d.granted_amount,
                conditions=d.conditions.strip(),
                reasons=d.reasons.strip(),
                target_session=d.target_session,
                across_calls=d.across_calls,
                updated_by=actor,
            )
            for d in decisions
        )
        if decisions or cleared:
            audit_record(
                actor=actor,
                action="juries.decision_drafts_save",
                target=jury,
                data={
                    "decisions": {str(d.dossier_id): d.kind for d in decisions},
                    "amounts": {str(d.dossier_id): str(d.granted_amount) for d in decisions if d.granted_amount},
                    "cleared": sorted(cleared),
                },
            )
    return len(decisions)


def drafted_decisions(jury: Jury, posted: list[DecisionInput] = (), cleared=()) -> list[DecisionInput]:
    """Every decision in preparation for the jury, as typed on the slices; `posted` (the slice being
    recorded) replaces the drafts of its dossiers and `cleared` forgets theirs."""
    replaced = {d.dossier_id for d in posted} | set(cleared)
    drafts = [
        DecisionInput(
            dossier_id=draft.dossier_id,
            kind=draft.kind,
            granted_amount=draft.granted_amount,
            conditions=draft.conditions,
            reasons=draft.reasons,
            target_session=draft.target_session,
            across_calls=draft.across_calls,
        )
        for draft in DecisionDraft.objects.filter(
            jury=jury, dossier__jury_entries__jury=jury, dossier__jury_entries__frozen_at__isnull=True
        )
        .exclude(dossier_id__in=replaced)
        .select_related("target_session")
    ]
    return drafts + list(posted)


def deliberation_record(
    *,
    actor,
    jury: Jury,
    decisions: list[DecisionInput],
    members_present: list[JuryMember] | None = None,
    override_reason: str = "",
    at=None,
    idempotency_key=None,
) -> Deliberation:
    """Record the committee's decisions, all or nothing, and freeze the scores of the dossiers decided.

    Refused when the money granted by the jury (earlier deliberations included) exceeds the envelope
    without a reasoned override (recorded in the chair's name), when an amount exceeds the engine's
    maximum (with its explanation), when a rejection, invitation or reorientation has no reason (the
    consensus opinion is used when left blank), or when a target session lies outside the jury's
    programme, or outside its call without `across_calls`. Written once: the jury's row is locked,
    each dossier is decided once per jury (a database constraint), and the same `idempotency_key`
    returns the deliberation it recorded. The minutes and the letters are generated after commit.
    """
    ensure_staff(actor, jury)
    at = at or timezone.now()
    if not decisions:
        raise DomainError(_("Aucune décision à enregistrer."), code="empty")
    with transaction.atomic():
        jury = _locked_jury(jury)
        replayed = _replayed(jury, idempotency_key)
        if replayed is not None:
            return replayed
        entries = _entries_to_decide(jury, decisions)
        rows = {row.dossier_id: row for row in ranking(jury)}
        present = _members_present(jury, members_present)
        granted_total = granted_by(decisions)
        envelope = envelope_of(jury)
        override_by = None
        already = granted_total_of(jury)
        if envelope is not None and already + granted_total > envelope:
            if not override_reason.strip():
                total = format_euros(already + granted_total)
                if already:
                    total = _("%(total)s, dont %(already)s par les délibérations précédentes du jury") % {
                        "total": total,
                        "already": format_euros(already),
                    }
                raise DomainError(
                    _(
                        "Le total accordé (%(total)s) dépasse l'enveloppe de la session (%(envelope)s) : "
                        "un dépassement exige une dérogation motivée du ou de la président·e."
                    )
                    % {"total": total, "envelope": format_euros(envelope)},
                    code="envelope_exceeded",
                    field="override_reason",
                )
            override_by = JuryMember.objects.filter(jury=jury, is_chair=True, withdrawn_at__isnull=True).first()
            if override_by is None:
                raise DomainError(
                    _("Le jury n'a pas de président·e pour autoriser le dépassement."), code="envelope_exceeded"
                )
        for decision in decisions:
            _check_decision(actor, jury, decision, entries[decision.dossier_id].dossier, rows.get(decision.dossier_id))
        check_project_caps(
            [(entries[d.dossier_id].dossier, d.granted_amount) for d in decisions if d.kind in GRANTING_KINDS]
        )
        try:
            with transaction.atomic():
                _freeze(jury, [d.dossier_id for d in decisions], at)
                deliberation = Deliberation.objects.create(
                    jury=jury,
                    session=jury.session,
                    recorded_at=at,
                    recorded_by=actor,
                    envelope=envelope,
                    granted_total=granted_total,
                    override_reason=override_reason.strip() if override_by else "",
                    override_by=override_by,
                    ranking=ranking_snapshot(rows.values()),
                    idempotency_key=idempotency_key,
                )
                deliberation.members_present.set(present)
                DecisionDraft.objects.filter(jury=jury, dossier_id__in=[d.dossier_id for d in decisions]).delete()
                for decision in decisions:
                    _apply(
                        actor,
                        deliberation,
                        decision,
                        entries[decision.dossier_id].dossier,
                        rows.get(decision.dossier_id),
                    )
        except IntegrityError as error:
            # The jury's lock serialises its deliberations; only a key forged onto another jury gets here.
            raise DomainError(
                _("Ces décisions viennent d'être enregistrées par ailleurs : rechargez la page."), code="conflict"
            ) from error
        audit_record(
            actor=actor,
            action="juries.deliberation_record",
            target=deliberation,
            data={
                "granted_total": str(granted_total),
                "envelope": str(envelope) if envelope is not None else None,
                "override_reason": deliberation.override_reason,
                "decisions": {str(d.dossier_id): d.kind for d in decisions},
                "targets": {str(d.dossier_id): d.target_session.pk for d in decisions if _target_of(d)},
            },
        )
        task_enqueue_on_commit("juries.tasks.deliberation_documents", deliberation_id=deliberation.pk)
    return deliberation


def _locked_jury(jury: Jury) -> Jury:
    """The jury's row, locked: its deliberations and promotions, which spend its envelope, run one at a time."""
    return Jury.objects.select_for_update(of=("self",)).select_related("session", "theme").get(pk=jury.pk)


def _replayed(jury: Jury, idempotency_key) -> Deliberation | None:
    if idempotency_key is None:
        return None
    deliberation = Deliberation.objects.filter(idempotency_key=idempotency_key).first()
    if deliberation is not None and deliberation.jury_id != jury.pk:
        raise DomainError(_("Ce formulaire a déjà servi pour un autre jury : rechargez la page."), code="key_reused")
    return deliberation


def _entries_to_decide(jury: Jury, decisions: list[DecisionInput]) -> dict[int, JuryDossier]:
    """The jury's entries of the decided dossiers, each in the jury, not yet deliberated, named once."""
    entries = {
        e.dossier_id: e
        for e in JuryDossier.objects.filter(jury=jury).select_related(
            "dossier__theme__call", "dossier__session", "dossier__project"
        )
    }
    seen = set()
    for decision in decisions:
        entry = entries.get(decision.dossier_id)
        if entry is None:
            raise DomainError(_("Un dossier ne relève pas de ce jury."), code="jury_scope")
        if entry.frozen_at is not None:
            raise DomainError(
                _("Le dossier %(reference)s a déjà été délibéré.") % {"reference": entry.dossier.reference},
                code="frozen",
            )
        if decision.dossier_id in seen:
            raise DomainError(
                _("Le dossier %(reference)s reçoit deux décisions.") % {"reference": entry.dossier.reference},
                code="duplicate",
            )
        seen.add(decision.dossier_id)
        if decision.kind not in KIND_TRANSITIONS:
            raise DomainError(_("Décision inconnue."), code="invalid")
    return entries


def _members_present(jury: Jury, members: list[JuryMember] | None) -> list[JuryMember]:
    if members is None:
        return list(jury.members.filter(withdrawn_at__isnull=True))
    if any(member.jury_id != jury.pk for member in members):
        raise DomainError(_("Un membre présent ne fait pas partie de ce jury."), code="jury_scope")
    return members


def _freeze(jury: Jury, dossier_ids: list[int], at) -> None:
    """Freeze the scores of the dossiers decided, each once: a dossier already frozen refuses the whole."""
    frozen = JuryDossier.objects.filter(jury=jury, dossier_id__in=dossier_ids, frozen_at__isnull=True).update(
        frozen_at=at
    )
    if frozen != len(dossier_ids):
        raise DomainError(_("Un de ces dossiers vient d'être délibéré : rechargez la page."), code="frozen")


def _reasons(decision: DecisionInput, row) -> str:
    if decision.reasons.strip():
        return decision.reasons.strip()
    if row is not None and row.consensus is not None:
        return row.consensus.opinion
    return ""


def _target_of(decision: DecisionInput) -> Session | None:
    """The session a decision sends the dossier to; none for the kinds that keep it where it is."""
    return decision.target_session if decision.kind in TARGETED_KINDS else None


def _check_decision(actor, jury: Jury, decision: DecisionInput, dossier: Dossier, row) -> None:
    _check_step(decision, dossier)
    if decision.kind == Kind.CONDITIONAL and not condition_lines(decision.conditions):
        raise DomainError(
            _("%(reference)s : listez les conditions, une par ligne.") % {"reference": dossier.reference},
            code="conditions_required",
        )
    if decision.kind in GRANTING_KINDS:
        amount = decision.granted_amount
        if amount is None or amount <= 0:
            raise DomainError(
                _("%(reference)s : indiquez le montant accordé.") % {"reference": dossier.reference},
                code="amount_required",
            )
        evaluation = dossier_evaluation(dossier)
        if evaluation is not None and amount > evaluation.max_programme_amount:
            raise DomainError(
                _("%(reference)s : %(amount)s dépasse le maximum permis par la règle (%(maximum)s). %(explanation)s")
                % {
                    "reference": dossier.reference,
                    "amount": format_euros(amount),
                    "maximum": format_euros(evaluation.max_programme_amount),
                    "explanation": " ".join(evaluation.explanation),
                },
                code="amount_above_rule",
            )
    if decision.kind in REASONED_KINDS and not _reasons(decision, row):
        raise DomainError(
            _("%(reference)s : motivez la décision.") % {"reference": dossier.reference}, code="reason_required"
        )
    if decision.kind == Kind.REORIENTED and decision.target_session is None:
        raise DomainError(
            _("%(reference)s : choisissez la session de réorientation.") % {"reference": dossier.reference},
            code="target_required",
        )
    target = _target_of(decision)
    if target is not None:
        _check_target(actor, jury, target, decision.across_calls, dossier)


def _check_target(actor, jury: Jury, target: Session, across_calls: bool, dossier: Dossier) -> None:
    """The target is a session of the actor's programme, which is the jury's; of the jury's call, unless
    the decision expressly sends the dossier to another call of that programme."""
    call_id, programme_id = Session.objects.filter(pk=target.pk).values_list(
        "theme__call_id", "theme__call__programme_id"
    ).first() or (None, None)
    if programme_id is None or programme_id != jury.programme_id or not manages_instruction_of(actor, programme_id):
        raise DomainError(
            _(
                "%(reference)s : la session visée n'est pas une session de votre programme ; "
                "une réorientation ou un redépôt reste dans le programme du jury."
            )
            % {"reference": dossier.reference},
            code="target_scope",
        )
    if call_id != jury.call_id and not across_calls:
        raise DomainError(
            _(
                "%(reference)s : la session visée relève d'un autre appel du programme ; cochez « vers un autre "
                "appel du programme » pour le décider expressément."
            )
            % {"reference": dossier.reference},
            code="target_other_call",
        )
    if target.pk == dossier.session_id:
        raise DomainError(
            _("%(reference)s : choisissez une autre session que celle du dossier.") % {"reference": dossier.reference},
            code="target_same_session",
        )


def _check_step(decision: DecisionInput, dossier: Dossier) -> None:
    """An expression of interest is invited to the second step (no amount) or not; only a full dossier
    is granted money."""
    interest = dossier.session.kind == SessionKind.EXPRESSION_OF_INTEREST
    if decision.kind == Kind.INVITED and not interest:
        raise DomainError(
            _("%(reference)s : seule une manifestation d'intérêt peut être invitée à la seconde étape.")
            % {"reference": dossier.reference},
            code="not_interest",
        )
    if decision.kind == Kind.INVITED and decision.granted_amount:
        raise DomainError(
            _(
                "%(reference)s : une invitation à la seconde étape n'accorde pas de montant ; il sera décidé "
                "sur le dossier complet. Laissez le montant vide."
            )
            % {"reference": dossier.reference},
            code="amount_on_invitation",
        )
    if decision.kind in GRANTING_KINDS and interest:
        raise DomainError(
            _(
                "%(reference)s : une manifestation d'intérêt ne se retient pas avec un montant ; choisissez "
                "« Invité à la seconde étape »."
            )
            % {"reference": dossier.reference},
            code="interest_not_granted",
        )


def check_project_caps(granted: list[tuple[Dossier, Decimal | None]]) -> None:
    """Phases of one project decided together stay within the project's cap, counted with what its
    other phases already hold (whatever their state); each phase alone is checked by the rule engine."""
    by_project: dict[int, list[tuple[Dossier, Decimal]]] = {}
    for dossier, amount in granted:
        if dossier.project_id is not None:
            by_project.setdefault(dossier.project_id, []).append((dossier, amount or Decimal("0")))
    for items in by_project.values():
        project = items[0][0].project
        if project.cap is None or len(items) < 2:
            continue
        held = project_granted(project, exclude=[dossier.pk for dossier, _amount in items])
        total = held + sum((amount for _dossier, amount in items), Decimal("0"))
        if total > project.cap:
            raise DomainError(
                _(
                    "Projet %(project)s : %(phases)s, avec %(held)s déjà accordés à ses autres phases, font "
                    "%(total)s ; le plafond du projet, toutes phases confondues, est de %(cap)s."
                )
                % {
                    "project": project.acronym,
                    "phases": " + ".join(f"{d.reference} {format_euros(a)}" for d, a in items),
                    "held": format_euros(held),
                    "total": format_euros(total),
                    "cap": format_euros(project.cap),
                },
                code="project_cap_exceeded",
            )


def _apply(actor, deliberation: Deliberation, decision: DecisionInput, dossier: Dossier, row) -> Decision:
    reasons = _reasons(decision, row)
    target = _target_of(decision)
    dossier = dossier_transition(dossier=dossier, name="deliberate", actor=actor)
    dossier = dossier_transition(dossier=dossier, name=KIND_TRANSITIONS[decision.kind], actor=actor, reason=reasons)
    if decision.kind in GRANTING_KINDS:
        Dossier.objects.filter(pk=dossier.pk).update(granted_amount=decision.granted_amount)
        evaluations_store_project(dossier=dossier)
    elif decision.kind == Kind.REORIENTED:
        # The dossier moves to the new theme and session; staff resume it there.
        Dossier.objects.filter(pk=dossier.pk).update(theme_id=target.theme_id, session=target)
        evaluation_store(dossier=dossier)
    created = Decision.objects.create(
        deliberation=deliberation,
        jury=deliberation.jury,
        dossier=dossier,
        kind=decision.kind,
        rank=row.rank if row else None,
        granted_amount=decision.granted_amount if decision.kind in GRANTING_KINDS else None,
        conditions=decision.conditions.strip(),
        reasons=reasons,
        target_session=target,
        across_calls=target is not None and target.theme.call_id != deliberation.jury.call_id,
    )
    if decision.kind == Kind.CONDITIONAL:
        DecisionCondition.objects.bulk_create(
            DecisionCondition(decision=created, order=order, text=text)
            for order, text in enumerate(condition_lines(decision.conditions), start=1)
        )
    return created


def ranking_snapshot(rows) -> list[dict]:
    """The ranking as the minutes print it, kept on the deliberation."""
    return [
        {
            "rank": r.rank,
            "dossier": r.dossier_id,
            "reference": r.reference,
            "acronym": r.acronym,
            "total": str(r.total) if r.total is not None else None,
            "source": r.source,
            "abstentions": [str(m) for m in r.abstentions],
        }
        for r in sorted(rows, key=lambda r: r.rank)
    ]


def granted_total_of(jury: Jury) -> Decimal:
    """What the jury's dossiers hold now: selected ones still in the race (a withdrawal frees its money)."""
    total = Dossier.objects.filter(jury_entries__jury=jury, state__in=GRANTED_STATES).aggregate(
        total=Sum("granted_amount")
    )["total"]
    return total or Decimal("0")


def reserve_promote(*, actor, jury: Jury, dossier: Dossier, granted_amount: Decimal, conditions: str = "") -> Decision:
    """Select a dossier of the reserve list once money is freed: within the envelope and the rule's maximum.

    The deliberation's decision row is updated (before/after audited) and a new letter is generated.
    The jury's row is locked, so two promotions never both spend the same remaining money; the same
    promotion posted again finds the dossier selected for that amount and returns its decision.
    """
    ensure_staff(actor, jury)
    with transaction.atomic():
        jury = _locked_jury(jury)
        decision = Decision.objects.filter(jury=jury, dossier=dossier).select_related("deliberation").first()
        if decision is not None and decision.kind == Kind.SELECTED and decision.granted_amount == granted_amount:
            return decision
        if decision is None or decision.kind != Kind.RESERVE:
            raise DomainError(_("Ce dossier n'est pas sur la liste complémentaire de ce jury."), code="not_reserve")
        envelope = envelope_of(jury)
        already = granted_total_of(jury)
        if envelope is not None and already + granted_amount > envelope:
            raise DomainError(
                _("L'enveloppe restante (%(remaining)s) ne couvre pas ce montant.")
                % {"remaining": format_euros(envelope - already)},
                code="envelope_exceeded",
            )
        _check_decision(
            actor, jury, DecisionInput(dossier.pk, Kind.SELECTED, granted_amount=granted_amount), dossier, None
        )
        dossier = dossier_transition(
            dossier=dossier, name="select", actor=actor, reason=_("Promu de la liste complémentaire.")
        )
        Dossier.objects.filter(pk=dossier.pk).update(granted_amount=granted_amount)
        evaluations_store_project(dossier=dossier)
        decision.kind, decision.granted_amount, decision.conditions = Kind.SELECTED, granted_amount, conditions.strip()
        decision.letter = ""
        decision.save(update_fields=["kind", "granted_amount", "conditions", "letter"])
        audit_record(
            actor=actor,
            action="juries.reserve_promote",
            target=decision.deliberation,
            data={"dossier": dossier.pk, "before": Kind.RESERVE, "granted_amount": str(granted_amount)},
        )
        task_enqueue_on_commit("juries.tasks.deliberation_documents", deliberation_id=decision.deliberation_id)
    return decision


# Where each decision leaves the dossier (see applications.workflow.TRANSITIONS).
KIND_STATES = {
    Kind.SELECTED: DossierState.SELECTED,
    Kind.CONDITIONAL: DossierState.SELECTED,
    Kind.INVITED: DossierState.SECOND_STEP_INVITED,
    Kind.REJECTED: DossierState.REJECTED,
    Kind.RESUBMIT: DossierState.RESUBMIT_INVITED,
    Kind.REORIENTED: DossierState.REORIENTED,
    Kind.RESERVE: DossierState.RESERVE,
}


def deliberation_record_past(*, actor, jury: Jury, decisions: list[DecisionInput], recorded_at) -> Deliberation:
    """Record a deliberation held before the portal (an earlier edition): each dossier must already be
    in the state its decision leads to and not yet decided by the jury; nothing is transitioned, the
    scores are frozen, the minutes follow. Recording the same decisions again is refused."""
    ensure_staff(actor, jury)
    with transaction.atomic():
        jury = _locked_jury(jury)
        entries = _entries_to_decide(jury, decisions)
        for decision in decisions:
            if entries[decision.dossier_id].dossier.state != KIND_STATES[decision.kind]:
                raise DomainError(
                    _("Un dossier n'est pas dans l'état de la décision à reprendre."), code="invalid_state"
                )
        rows = {row.dossier_id: row for row in ranking(jury)}
        _freeze(jury, [d.dossier_id for d in decisions], recorded_at)
        DecisionDraft.objects.filter(jury=jury, dossier_id__in=[d.dossier_id for d in decisions]).delete()
        deliberation = Deliberation.objects.create(
            jury=jury,
            session=jury.session,
            recorded_at=recorded_at,
            recorded_by=actor,
            envelope=envelope_of(jury),
            granted_total=granted_by(decisions),
            ranking=ranking_snapshot(rows.values()),
        )
        deliberation.members_present.set(jury.members.filter(withdrawn_at__isnull=True))
        Decision.objects.bulk_create(
            [
                Decision(
                    deliberation=deliberation,
                    jury=jury,
                    dossier_id=d.dossier_id,
                    kind=d.kind,
                    granted_amount=d.granted_amount,
                    rank=rows[d.dossier_id].rank if d.dossier_id in rows else None,
                    reasons=d.reasons.strip(),
                    conditions=d.conditions.strip(),
                )
                for d in decisions
            ]
        )
        audit_record(
            actor=actor,
            action="juries.deliberation_record_past",
            target=deliberation,
            data={"decisions": {str(d.dossier_id): d.kind for d in decisions}},
        )
        task_enqueue_on_commit("juries.tasks.deliberation_documents", deliberation_id=deliberation.pk)
    return deliberation

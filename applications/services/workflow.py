"""The one service that changes a dossier's state."""

from django.db import transaction
from django.utils.translation import gettext as _

from applications.models import Dossier, StateChange
from applications.recipients import carrier_members
from applications.selectors import staff_sees_dossier
from applications.workflow import APPLICANT, APPLICANT_LABELS, FUND_OPERATOR, STAFF, SYSTEM, TRANSITIONS
from portal.errors import DomainError
from portal.selectors import user_roles
from portal.services import audit_record, notify


def actor_roles_on(dossier: Dossier, actor) -> set[str]:
    """The workflow roles `actor` holds on `dossier` (SYSTEM when there is no actor)."""
    if actor is None:
        return {SYSTEM}
    roles = user_roles(actor)
    programme_id = dossier.theme.call.programme_id
    held = set()
    if roles.is_member_of(dossier.organisation_id):
        held.add(APPLICANT)
    # Staff of the programme instruct only the dossiers of their groups, unless they manage its instruction.
    if roles.is_staff_of(programme_id) and staff_sees_dossier(actor, dossier):
        held.add(STAFF)
    if roles.is_fund_operator_of(programme_id):
        held.add(FUND_OPERATOR)
    return held


def ensure_staff_sees(actor, dossier: Dossier) -> None:
    """A service acting on a dossier as staff: staff outside the dossier's programme, or of an instructor group
    it is not routed to, get the same answer as for a dossier that does not exist (a crafted POST fails)."""
    if actor is None or not staff_sees_dossier(actor, dossier):
        raise DomainError(_("Dossier introuvable."), code="not_found")


def dossier_transition(
    *,
    dossier: Dossier,
    name: str,
    actor,
    reason: str = "",
    ip_address: str | None = None,
    notify_carrier: bool = True,
) -> Dossier:
    """Apply transition `name` to `dossier` as `actor`, or raise DomainError in French.

    Locks the row, checks the table and the actor's role, records the history line and
    the audit entry, and queues the carrier's notification, all in one transaction.
    `notify_carrier=False` leaves the notification to the caller (the submission sends it from a
    task after its commit: `transition_announce`).
    Returns the locked, updated instance (callers should use it, not their old copy).
    """
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise DomainError(_("Action inconnue : « %(action)s ».") % {"action": name}, code="unknown_transition")
    with transaction.atomic():
        locked = Dossier.objects.select_for_update(of=("self",)).select_related("theme__call").get(pk=dossier.pk)
        if locked.state not in transition.sources:
            raise DomainError(
                _("Action « %(action)s » impossible : le dossier est « %(state)s ».")
                % {"action": transition.label, "state": locked.get_state_display()},
                code="invalid_state",
            )
        if not transition.roles & actor_roles_on(locked, actor):
            raise DomainError(_("Vous n'avez pas le droit d'effectuer cette action sur ce dossier."), code="forbidden")
        if transition.reason_required and not reason.strip():
            raise DomainError(
                _("Un motif écrit est obligatoire pour cette décision."), code="reason_required", field="reason"
            )
        from_state = locked.state
        locked.state = transition.target
        locked.save(update_fields=["state", "updated_at"])
        StateChange.objects.create(
            dossier=locked,
            transition=name,
            from_state=from_state,
            to_state=transition.target,
            actor=actor,
            reason=reason.strip(),
        )
        audit_record(
            actor=actor,
            action=f"dossier.{name}",
            target=locked,
            ip_address=ip_address,
            data={"before": from_state, "after": transition.target, "reason": reason.strip()},
        )
        if notify_carrier:
            transition_announce(dossier=locked, actor=actor, state=transition.target, reason=reason.strip())
    return locked


def transition_announce(*, dossier: Dossier, actor, state: str, reason: str = "") -> None:
    """Tell the carrier's members that their dossier is now in `state` (the outbox, in the caller's transaction)."""
    notify(
        "dossier_state_changed",
        actor=actor,
        recipients=carrier_members(dossier),
        context={"dossier": dossier, "state_label": APPLICANT_LABELS[state], "reason": reason},
        link=f"/dossiers/{dossier.pk}/",
    )

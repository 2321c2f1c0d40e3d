"""Juries, their members and the dossiers they review."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from applications.evaluation import dossier_evaluation
from calls.models import Call, Session, Theme
from juries.models import Jury, JuryDossier, JuryMember
from juries.selectors import DECIDED_STATES, REVIEWABLE_STATES, scope_dossiers
from juries.services.common import ensure_staff
from juries.services.conflicts import conflicts_flag
from portal.errors import DomainError
from portal.models import Organisation, Role, User
from portal.services import audit_record, notify, role_assign, role_revoke


def jury_create(
    *,
    actor,
    call: Call,
    name: str,
    theme: Theme | None = None,
    session: Session | None = None,
    evaluations_per_dossier: int = 2,
    divergence_threshold: Decimal | None = None,
    pass_mark: Decimal | None = None,
    due_at: datetime | None = None,
    mix_sectors: bool = False,
) -> Jury:
    """A jury across a call, or narrowed to a theme and/or a session of that call."""
    if theme is not None and theme.call_id != call.pk:
        raise DomainError(gettext("Ce thème n'appartient pas à l'appel."), code="jury_scope", field="theme")
    if session is not None and session.theme.call_id != call.pk:
        raise DomainError(gettext("Cette session n'appartient pas à l'appel."), code="jury_scope", field="session")
    if session is not None and theme is not None and session.theme_id != theme.pk:
        raise DomainError(gettext("Cette session n'appartient pas au thème."), code="jury_scope", field="session")
    if evaluations_per_dossier < 1:
        raise DomainError(
            gettext("Au moins une évaluation par dossier."), code="jury_invalid", field="evaluations_per_dossier"
        )
    jury = Jury(
        programme_id=call.programme_id,
        call=call,
        theme=theme or (session.theme if session else None),
        session=session,
        name=name.strip(),
        evaluations_per_dossier=evaluations_per_dossier,
        pass_mark=pass_mark,
        due_at=due_at,
        mix_sectors=mix_sectors,
    )
    if divergence_threshold is not None:
        jury.divergence_threshold = divergence_threshold
    ensure_staff(actor, jury)
    with transaction.atomic():
        jury.save()
        audit_record(actor=actor, action="juries.jury_create", target=jury, data={"name": jury.name})
    return jury


def member_add(
    *,
    actor,
    jury: Jury,
    user: User,
    is_chair: bool = False,
    is_external: bool = False,
    sector: str = JuryMember.Sector.PUBLIC,
    organisation: Organisation | None = None,
    new_account: bool = False,
) -> JuryMember:
    """Add a member with the juror role scoped to this jury, flag likely conflicts, and tell them."""
    ensure_staff(actor, jury)
    with transaction.atomic():
        member, created = JuryMember.objects.get_or_create(
            jury=jury,
            user=user,
            defaults={"is_chair": is_chair, "is_external": is_external, "sector": sector, "organisation": organisation},
        )
        if not created:
            if member.withdrawn_at is None:
                raise DomainError(
                    gettext("%(user)s est déjà membre de ce jury.") % {"user": user}, code="member_duplicate"
                )
            member.withdrawn_at = None
            member.is_chair, member.is_external, member.sector = is_chair, is_external, sector
            member.save(update_fields=["withdrawn_at", "is_chair", "is_external", "sector"])
        if is_chair:
            JuryMember.objects.filter(jury=jury, is_chair=True).exclude(pk=member.pk).update(is_chair=False)
        role_assign(actor=actor, user=user, role=Role.JUROR, scope=jury)
        conflicts_flag(member=member)
        audit_record(
            actor=actor,
            action="juries.member_add",
            target=jury,
            data={"user": user.email, "chair": is_chair, "external": is_external, "sector": sector},
        )
        notify(
            "jury_member_added",
            actor=actor,
            recipients=[user],
            context={
                "jury": jury,
                "member": member,
                "new_account": new_account,
                "set_password_url": reverse("account_reset_password"),
            },
            link=reverse("juries:queue", args=[jury.pk]),
        )
    return member


def member_invite(*, actor, jury: Jury, email: str, **member) -> JuryMember:
    """Add a member by e-mail; a person without an account gets one without password, and the
    invitation tells them to set it (password reset proves they own the address)."""
    email = email.strip().lower()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        created = user is None
        if created:
            user = User.objects.create_user(email=email)  # unusable password until they set one
            audit_record(actor=actor, action="juries.member_invite", target=jury, data={"email": email})
        return member_add(actor=actor, jury=jury, user=user, new_account=created, **member)


def member_withdraw(*, actor, member: JuryMember, reason: str = "") -> None:
    """The member leaves: role revoked, open assignments removed (auto-assignment then tops up)."""
    jury = member.jury
    ensure_staff(actor, jury)
    with transaction.atomic():
        member.withdrawn_at = timezone.now()
        member.save(update_fields=["withdrawn_at"])
        removed, _ = member.assignments.filter(evaluation__submitted_at__isnull=True).delete()
        role_revoke(actor=actor, user=member.user, role=Role.JUROR, scope=jury)
        audit_record(
            actor=actor,
            action="juries.member_withdraw",
            target=jury,
            data={"user": member.user.email, "reason": reason.strip(), "assignments_removed": removed},
        )


def jury_dossiers_add(*, actor, jury: Jury, dossiers=None, past_round: bool = False) -> list[JuryDossier]:
    """Put dossiers of the jury's scope before it (all of them by default), caching the engine's amounts.

    Idempotent: a dossier already before the jury is left as it is. With `past_round`, already
    decided dossiers are taken too (an earlier edition recorded with `deliberation_record_past`).
    """
    ensure_staff(actor, jury)
    states = REVIEWABLE_STATES + DECIDED_STATES if past_round else REVIEWABLE_STATES
    in_scope = scope_dossiers(jury, states).select_related("organisation", "theme", "session")
    if dossiers is not None:
        ids = [d.pk for d in dossiers]
        in_scope = in_scope.filter(pk__in=ids)
        if in_scope.count() != len(set(ids)):
            raise DomainError(
                gettext("Certains dossiers ne relèvent pas de ce jury ou ne sont pas déposés."), code="jury_scope"
            )
    existing = set(JuryDossier.objects.filter(jury=jury).values_list("dossier_id", flat=True))
    added = []
    with transaction.atomic():
        for dossier in in_scope:
            if dossier.pk in existing:
                continue
            evaluation = dossier_evaluation(dossier)
            added.append(
                JuryDossier.objects.create(
                    jury=jury,
                    dossier=dossier,
                    requested_amount=evaluation.requested_amount if evaluation else dossier.requested_amount,
                    max_amount=evaluation.max_programme_amount if evaluation else None,
                )
            )
        if added:
            for member in jury.members.filter(withdrawn_at__isnull=True):
                conflicts_flag(member=member, dossiers=[entry.dossier for entry in added])
            audit_record(
                actor=actor,
                action="juries.dossiers_add",
                target=jury,
                data={"dossiers": [entry.dossier_id for entry in added]},
            )
    return added

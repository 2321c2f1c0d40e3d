"""Who belongs to an organisation: requests to join and their decision, removals and référents.

Membership opens everything of an organisation (dossiers, receipts, conventions, letters), so it is
granted, never taken: a request waits for a référent of the organisation or an admin, unless the
requester's identity proves they belong (a ProConnect login carrying the organisation's SIRET, a
verified address on a domain its référent declared, or the invitation of a référent). Every way
in leaves a granted request behind, so the history of who came in outlives a removal.
"""

from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from portal.domains import domain_of
from portal.errors import DomainError
from portal.models import Membership, MembershipRequest, Organisation, OrganisationDomain, User
from portal.selectors import forget_user_roles, membership_deciders, user_roles
from portal.services import audit_record, notify

Status = MembershipRequest.Status
Origin = Membership.Origin


def ensure_decides_membership(actor, organisation: Organisation) -> None:
    """Référents of the organisation and admins decide who belongs to it; DomainError for anyone else."""
    if not user_roles(actor).decides_membership_of(organisation.pk):
        raise DomainError(
            gettext("Seuls les référents de « %(organisation)s » et les administrateurs peuvent faire cela.")
            % {"organisation": organisation},
            code="forbidden",
        )


def _request_link() -> str:
    return reverse("portal:membership_requests")


def _organisation_link(organisation: Organisation) -> str:
    return reverse("portal:organisation_detail", args=[organisation.pk])


def _identity_proof(user: User, organisation: Organisation, proconnect_siret: str) -> tuple[str, str] | None:
    """(origin, reason) when the user's identity proves they belong to the organisation, else None."""
    if organisation.siret and proconnect_siret == organisation.siret:
        return Origin.PROCONNECT, gettext("SIRET %(siret)s attesté par ProConnect.") % {"siret": organisation.siret}
    declared = set(OrganisationDomain.objects.filter(organisation=organisation).values_list("domain", flat=True))
    if declared:
        for email in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True):
            if domain_of(email) in declared:
                return Origin.DOMAIN, gettext(
                    "Adresse vérifiée %(email)s sur un domaine déclaré par l'organisation."
                ) % {"email": email}
    return None


def _grant(
    membership_request: MembershipRequest, *, actor, decided_by: User | None, origin: str, reason: str = ""
) -> Membership:
    """Turn a pending request (locked by the caller) into a membership; the first member of an
    organisation without a référent becomes its référent, so that someone can decide the next ones."""
    organisation = membership_request.organisation
    has_referent = Membership.objects.filter(organisation=organisation, is_referent=True).exists()
    membership, _ = Membership.objects.get_or_create(
        user=membership_request.user,
        organisation=organisation,
        defaults={"origin": origin, "granted_by": decided_by, "is_referent": not has_referent},
    )
    membership_request.status = Status.GRANTED
    membership_request.decided_by = decided_by
    membership_request.decided_at = timezone.now()
    membership_request.reason = reason
    membership_request.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    forget_user_roles(membership_request.user)
    audit_record(
        actor=actor,
        action="membership.grant",
        target=organisation,
        data={
            "user": membership_request.user.email,
            "request": membership_request.pk,
            "origin": origin,
            "reason": reason,
            "referent": membership.is_referent,
        },
    )
    return membership


def membership_request_create(
    *,
    actor: User,
    organisation: Organisation,
    message: str = "",
    proconnect_siret: str = "",
    invited_by: User | None = None,
) -> MembershipRequest:
    """`actor` asks to join `organisation`: granted at once when identity proves it or a référent
    invited them, pending otherwise (its référents, or the admins when it has none, are told).

    `proconnect_siret` is the SIRET claim of the current ProConnect login (the view takes it
    from the session, where only the login receiver writes it). The requester sees nothing of
    the organisation until the request is granted.
    """
    with transaction.atomic():
        if Membership.objects.filter(user=actor, organisation=organisation).exists():
            raise DomainError(
                gettext("Vous êtes déjà membre de « %(organisation)s ».") % {"organisation": organisation},
                code="membership_duplicate",
            )
        try:
            with transaction.atomic():
                membership_request = MembershipRequest.objects.create(
                    user=actor, organisation=organisation, message=message.strip()
                )
        except IntegrityError as error:
            raise DomainError(
                gettext("Votre demande pour rejoindre « %(organisation)s » est déjà en attente.")
                % {"organisation": organisation},
                code="membership_request_duplicate",
            ) from error
        audit_record(
            actor=actor,
            action="membership.request",
            target=organisation,
            data={
                "user": actor.email,
                "request": membership_request.pk,
                "invited_by": getattr(invited_by, "email", ""),
            },
        )
        proof = _identity_proof(actor, organisation, proconnect_siret)
        if proof is None and invited_by is not None and user_roles(invited_by).is_referent_of(organisation.pk):
            proof = Origin.INVITATION, gettext("Invitation de %(referent)s, référent.") % {"referent": invited_by.email}
        if proof is not None:
            origin, reason = proof
            decided_by = invited_by if origin == Origin.INVITATION else None
            membership = _grant(membership_request, actor=actor, decided_by=decided_by, origin=origin, reason=reason)
            notify(
                "membership_joined",
                actor=actor,
                recipients=membership_deciders(organisation).exclude(pk=actor.pk),
                context={"organisation": organisation, "member": actor, "reason": reason, "membership": membership},
                link=_organisation_link(organisation),
            )
        else:
            notify(
                "membership_requested",
                actor=actor,
                recipients=membership_deciders(organisation),
                context={"organisation": organisation, "membership_request": membership_request},
                link=_request_link(),
            )
    return membership_request


def _locked_pending(membership_request: MembershipRequest) -> MembershipRequest:
    locked = (
        MembershipRequest.objects.select_for_update(of=("self",))
        .select_related("user", "organisation")
        .get(pk=membership_request.pk)
    )
    if locked.status != Status.PENDING:
        raise DomainError(
            gettext("Cette demande a déjà été traitée (%(status)s).") % {"status": locked.get_status_display()},
            code="membership_request_closed",
        )
    return locked


def membership_request_grant(*, actor: User, membership_request: MembershipRequest) -> Membership:
    """A référent of the organisation (or an admin) grants a pending request; the requester is told."""
    ensure_decides_membership(actor, membership_request.organisation)
    with transaction.atomic():
        locked = _locked_pending(membership_request)
        membership = _grant(locked, actor=actor, decided_by=actor, origin=Origin.REQUEST)
        notify(
            "membership_decided",
            actor=actor,
            recipients=[locked.user],
            context={"organisation": locked.organisation, "membership_request": locked},
            link=_organisation_link(locked.organisation),
        )
    return membership


def membership_request_refuse(*, actor: User, membership_request: MembershipRequest, reason: str) -> MembershipRequest:
    """A référent (or an admin) refuses a pending request, with a reason the requester receives."""
    ensure_decides_membership(actor, membership_request.organisation)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            gettext("Indiquez le motif du refus : il est transmis au demandeur."),
            code="reason_required",
            field="reason",
        )
    with transaction.atomic():
        locked = _locked_pending(membership_request)
        locked.status, locked.decided_by, locked.decided_at, locked.reason = (
            Status.REFUSED,
            actor,
            timezone.now(),
            reason,
        )
        locked.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        audit_record(
            actor=actor,
            action="membership.refuse",
            target=locked.organisation,
            data={"user": locked.user.email, "request": locked.pk, "reason": reason},
        )
        notify(
            "membership_decided",
            actor=actor,
            recipients=[locked.user],
            context={"organisation": locked.organisation, "membership_request": locked},
            link=reverse("portal:organisation_choose"),
        )
    return locked


def membership_request_withdraw(*, actor: User, membership_request: MembershipRequest) -> MembershipRequest:
    """The requester withdraws their own pending request."""
    if membership_request.user_id != actor.pk:
        raise DomainError(gettext("Seul l'auteur de la demande peut la retirer."), code="forbidden")
    with transaction.atomic():
        locked = _locked_pending(membership_request)
        locked.status, locked.decided_by, locked.decided_at = Status.WITHDRAWN, actor, timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(
            actor=actor,
            action="membership.withdraw",
            target=locked.organisation,
            data={"user": actor.email, "request": locked.pk},
        )
    return locked


def _locked_referents(organisation: Organisation) -> list[int]:
    """Lock the organisation's référent rows: two référents demoting each other at once cannot leave none."""
    return list(
        Membership.objects.select_for_update()
        .filter(organisation=organisation, is_referent=True)
        .values_list("pk", flat=True)
    )


def membership_remove(*, actor: User, membership: Membership, reason: str = "") -> None:
    """A référent (or an admin) removes a member, who loses access at once and is told.

    A référent cannot remove the last référent (an admin can, e.g. the creator of a false
    organisation); the history of the membership stays in its granted request and the audit trail.
    """
    organisation = membership.organisation
    ensure_decides_membership(actor, organisation)
    with transaction.atomic():
        referents = _locked_referents(organisation)
        locked = (
            Membership.objects.select_for_update(of=("self",)).select_related("user").filter(pk=membership.pk).first()
        )
        if locked is None:
            raise DomainError(gettext("Cette personne n'est déjà plus membre."), code="membership_gone")
        if locked.is_referent and referents == [locked.pk] and not user_roles(actor).is_admin:
            raise DomainError(
                gettext(
                    "Vous ne pouvez pas retirer le dernier référent de l'organisation : "
                    "nommez d'abord un autre membre référent."
                ),
                code="last_referent",
            )
        locked.delete()
        forget_user_roles(locked.user)
        audit_record(
            actor=actor,
            action="membership.remove",
            target=organisation,
            data={"user": locked.user.email, "was_referent": locked.is_referent, "reason": (reason or "").strip()},
        )
        notify(
            "membership_removed",
            actor=actor,
            recipients=[locked.user],
            context={"organisation": organisation, "reason": (reason or "").strip()},
        )


def membership_referent_set(*, actor: User, membership: Membership, is_referent: bool) -> Membership:
    """Name a member référent, or end that role: by a référent of the organisation, programme staff
    or an admin. The organisation always keeps one référent."""
    organisation = membership.organisation
    roles = user_roles(actor)
    if not (roles.decides_membership_of(organisation.pk) or roles.is_programme_staff):
        raise DomainError(
            gettext("Seuls les référents, l'équipe d'un programme et les administrateurs nomment les référents."),
            code="forbidden",
        )
    with transaction.atomic():
        referents = _locked_referents(organisation)
        locked = (
            Membership.objects.select_for_update(of=("self",)).select_related("user").filter(pk=membership.pk).first()
        )
        if locked is None:
            raise DomainError(gettext("Cette personne n'est plus membre."), code="membership_gone")
        if locked.is_referent == is_referent:
            return locked
        if not is_referent and referents == [locked.pk]:
            raise DomainError(
                gettext("L'organisation doit garder au moins un référent : nommez-en un autre avant."),
                code="last_referent",
            )
        locked.is_referent = is_referent
        locked.save(update_fields=["is_referent"])
        forget_user_roles(locked.user)
        audit_record(
            actor=actor,
            action="membership.referent_name" if is_referent else "membership.referent_unname",
            target=organisation,
            data={"user": locked.user.email},
        )
    return locked

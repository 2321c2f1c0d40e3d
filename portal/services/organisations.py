"""Organisations: their creation (the creator becomes its référent) and the e-mail domains they declare.

A declared domain lets a verified address on it join without a référent's decision
(portal.services.membership), so only a référent or an admin declares one, and never a shared one.
"""

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from portal.domains import domain_clean, domain_of
from portal.errors import DomainError
from portal.models import Membership, MembershipRequest, Organisation, OrganisationDomain, User
from portal.selectors import forget_user_roles, user_roles
from portal.services import audit_record
from portal.services.membership import ensure_decides_membership


@transaction.atomic
def organisation_create(
    *, actor: User, name: str, kind: str, siret: str = "", parent_ministry: str = ""
) -> Organisation:
    """Create an organisation and make `actor` its first member and référent, all or nothing.

    Raises DomainError when the SIRET is invalid or already registered (code
    "organisation_duplicate": the user should then ask to join the existing organisation).
    The new organisation shows on the staff's review list with its creator.
    """
    siret = siret.replace(" ", "")
    organisation = Organisation(
        name=name.strip(), kind=kind, siret=siret, parent_ministry=parent_ministry.strip(), created_by=actor
    )
    try:
        organisation.full_clean(validate_constraints=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainError(messages[0], code="organisation_invalid", field=field) from error
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError as error:
        raise DomainError(
            gettext(
                "Une organisation avec ce SIRET est déjà inscrite : demandez plutôt à la rejoindre, "
                "un de ses référents examinera votre demande."
            ),
            code="organisation_duplicate",
            field="siret",
        ) from error
    now = timezone.now()
    Membership.objects.create(user=actor, organisation=organisation, is_referent=True, origin=Membership.Origin.CREATOR)
    MembershipRequest.objects.create(
        user=actor,
        organisation=organisation,
        status=MembershipRequest.Status.GRANTED,
        decided_by=actor,
        decided_at=now,
        reason=gettext("Création de l'organisation."),
    )
    forget_user_roles(actor)
    audit_record(
        actor=actor, action="organisation.create", target=organisation, data={"name": organisation.name, "siret": siret}
    )
    return organisation


def organisation_domain_declare(*, actor: User, organisation: Organisation, domain: str) -> OrganisationDomain:
    """Declare an e-mail domain of the organisation: a verified address on it then joins at once.

    Refuses shared domains (portal.domains) and a domain another organisation declared. A
    référent declares only the domain of one of their own verified addresses; an admin any.
    """
    ensure_decides_membership(actor, organisation)
    domain = domain_clean(domain)
    own_domains = {
        domain_of(email)
        for email in EmailAddress.objects.filter(user=actor, verified=True).values_list("email", flat=True)
    }
    if domain not in own_domains and not user_roles(actor).is_admin:
        raise DomainError(
            gettext(
                "Vous ne pouvez déclarer que le domaine d'une de vos adresses vérifiées ; "
                "pour « %(domain)s », adressez-vous à un administrateur du portail."
            )
            % {"domain": domain},
            code="domain_not_owned",
            field="domain",
        )
    existing = OrganisationDomain.objects.filter(domain=domain).select_related("organisation").first()
    if existing is not None:
        raise DomainError(
            gettext("Le domaine « %(domain)s » est déjà déclaré par « %(organisation)s ».")
            % {"domain": domain, "organisation": existing.organisation},
            code="domain_taken",
            field="domain",
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                declared = OrganisationDomain.objects.create(
                    organisation=organisation, domain=domain, declared_by=actor
                )
        except IntegrityError as error:
            raise DomainError(
                gettext("Le domaine « %(domain)s » vient d'être déclaré par une autre organisation.")
                % {"domain": domain},
                code="domain_taken",
                field="domain",
            ) from error
        audit_record(actor=actor, action="organisation.domain_declare", target=organisation, data={"domain": domain})
    return declared


def organisation_domain_remove(*, actor: User, organisation_domain: OrganisationDomain) -> None:
    """Withdraw a declared domain; members who joined through it stay members."""
    organisation = organisation_domain.organisation
    ensure_decides_membership(actor, organisation)
    with transaction.atomic():
        OrganisationDomain.objects.filter(pk=organisation_domain.pk).delete()
        audit_record(
            actor=actor,
            action="organisation.domain_remove",
            target=organisation,
            data={"domain": organisation_domain.domain},
        )

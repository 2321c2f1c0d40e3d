"""Demo users and organisations for `load_demo` (idempotent)."""

import os

from allauth.account.models import EmailAddress
from django.db import transaction

from portal import services
from portal.models import Membership, MembershipRequest, Organisation, OrganisationDomain, OrganisationKind, Role, User

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "Portail-demo-2026!")

DEMO_ORGANISATIONS = [
    # (name, kind, SIRET with a valid checksum, parent ministry)
    (
        "Direction interministérielle du numérique (DINUM)",
        OrganisationKind.MINISTRY,
        "13002526500013",
        "Premier ministre",
    ),
    (
        "Préfecture de la région Bretagne — SGAR",
        OrganisationKind.REGIONAL_PREFECTURE,
        "17350000000000",
        "Ministère de l'Intérieur",
    ),
    (
        "Direction départementale des territoires du Calvados",
        OrganisationKind.DECONCENTRATED_SERVICE,
        "",
        "Ministère de la Transition écologique",
    ),
    ("Ministère de la Culture — Secrétariat général", OrganisationKind.MINISTRY, "", "Ministère de la Culture"),
    ("Région Occitanie", OrganisationKind.LOCAL_AUTHORITY, "", ""),
    ("Caisse des dépôts (opérateur du PIA)", OrganisationKind.OPERATOR, "", ""),
]

# (e-mail, first name, last name, organisation index or None, global role)
DEMO_USERS = [
    ("admin@demo.gouv.fr", "Alice", "Admin", None, Role.ADMIN),
    ("equipe@demo.gouv.fr", "Sam", "Équipe-programme", 0, None),
    ("instructeur@demo.gouv.fr", "Ingrid", "Instructrice", None, None),
    ("instructeur2@demo.gouv.fr", "Yann", "Instructeur", None, None),
    ("jure@demo.gouv.fr", "Jules", "Juré", None, None),
    ("jure2@demo.gouv.fr", "Inès", "Experte", None, None),
    ("operateur@demo.gouv.fr", "Octave", "Opérateur", 5, None),
    ("deposant@demo.gouv.fr", "Dana", "Déposante", 1, None),
    ("deposant2@demo.gouv.fr", "Camille", "Déposant", 3, None),
    ("deposant3@demo.gouv.fr", "Léa", "Collectivité", 4, None),
    ("demandeur@demo.gouv.fr", "Noé", "Demandeur", None, None),
]
# Depositors are the référents of their administrations.
DEMO_REFERENTS = {"deposant@demo.gouv.fr", "deposant2@demo.gouv.fr", "deposant3@demo.gouv.fr"}
# A request that waits for the référent of the SGAR Bretagne (deposant@demo.gouv.fr).
DEMO_PENDING_REQUEST = ("demandeur@demo.gouv.fr", 1, "Chargé de mission au SGAR depuis septembre.")
# An address verified on this domain joins the SGAR Bretagne without waiting.
DEMO_DOMAIN = ("bretagne.demo.gouv.fr", 1)


def demo_user(email: str) -> User:
    return User.objects.get(email=email)


@transaction.atomic
def load(*, stdout=None) -> None:
    organisations = []
    for name, kind, siret, ministry in DEMO_ORGANISATIONS:
        organisation, _ = Organisation.objects.get_or_create(
            name=name, defaults={"kind": kind, "siret": siret, "parent_ministry": ministry}
        )
        organisations.append(organisation)
    for email, first_name, last_name, organisation_index, role in DEMO_USERS:
        user, created = User.objects.get_or_create(
            email=email, defaults={"first_name": first_name, "last_name": last_name}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        if organisation_index is not None:
            Membership.objects.update_or_create(
                user=user,
                organisation=organisations[organisation_index],
                defaults={"is_referent": email in DEMO_REFERENTS},
            )
        if role is not None:
            services.role_assign(actor=None, user=user, role=role)
    email, organisation_index, message = DEMO_PENDING_REQUEST
    if not MembershipRequest.objects.filter(user__email=email, organisation=organisations[organisation_index]).exists():
        MembershipRequest.objects.create(
            user=demo_user(email), organisation=organisations[organisation_index], message=message
        )
    domain, organisation_index = DEMO_DOMAIN
    OrganisationDomain.objects.get_or_create(
        domain=domain, defaults={"organisation": organisations[organisation_index]}
    )
    if stdout is not None:
        stdout.write(f"Organisations et utilisateurs de démonstration : {len(DEMO_USERS)} comptes.")

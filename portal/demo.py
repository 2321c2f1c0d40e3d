"""Demo users and organisations for `load_demo` (idempotent)."""

import os

from allauth.account.models import EmailAddress
from django.db import transaction

from portal import services
from portal.models import Membership, Organisation, OrganisationKind, Role, User

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
    ("jure@demo.gouv.fr", "Jules", "Juré", None, None),
    ("jure2@demo.gouv.fr", "Inès", "Experte", None, None),
    ("operateur@demo.gouv.fr", "Octave", "Opérateur", 5, None),
    ("deposant@demo.gouv.fr", "Dana", "Déposante", 1, None),
    ("deposant2@demo.gouv.fr", "Camille", "Déposant", 3, None),
    ("deposant3@demo.gouv.fr", "Léa", "Collectivité", 4, None),
]


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
            Membership.objects.get_or_create(user=user, organisation=organisations[organisation_index])
        if role is not None:
            services.role_assign(actor=None, user=user, role=role)
    if stdout is not None:
        stdout.write(f"Organisations et utilisateurs de démonstration : {len(DEMO_USERS)} comptes.")

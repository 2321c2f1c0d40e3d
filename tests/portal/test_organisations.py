import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.errors import DomainError
from portal.models import AuditEvent, Membership, MembershipRequest, Organisation, OrganisationDomain, OrganisationKind
from portal.services import membership as services
from portal.services import organisations
from portal.validators import siret_is_valid, validate_siret
from tests.portal.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "siret, valid",
    [
        ("13002526500013", True),  # DINUM
        ("73282932000074", True),
        ("35600000000065", True),  # La Poste: its own checksum (digits sum to a multiple of 5)
        ("13002526500014", False),
        ("1300252650001", False),
        ("1300252650001A", False),
    ],
)
def test_siret_checksum(siret, valid):
    assert siret_is_valid(siret) is valid


def test_invalid_siret_message_is_french():
    with pytest.raises(ValidationError) as error:
        validate_siret("13002526500014")
    assert "clé de contrôle" in error.value.messages[0]


def test_organisation_kinds_are_the_fixed_list():
    assert OrganisationKind.values == [
        "ministere",
        "prefecture_region",
        "service_deconcentre",
        "operateur",
        "collectivite",
        "autre",
    ]


def test_create_organisation_makes_the_creator_its_referent_and_audits():
    user = UserFactory()
    organisation = organisations.organisation_create(
        actor=user, name="SGAR Normandie", kind=OrganisationKind.REGIONAL_PREFECTURE, siret="130 025 265 00013"
    )
    assert organisation.siret == "13002526500013"
    assert organisation.created_by == user
    membership = Membership.objects.get(user=user, organisation=organisation)
    assert membership.is_referent and membership.origin == Membership.Origin.CREATOR
    assert MembershipRequest.objects.get(user=user, organisation=organisation).status == "granted"
    assert AuditEvent.objects.filter(action="organisation.create", target_id=str(organisation.pk)).exists()


def test_duplicate_siret_is_refused_and_nothing_is_created():
    OrganisationFactory(siret="13002526500013")
    user = UserFactory()
    with pytest.raises(DomainError) as error:
        organisations.organisation_create(
            actor=user, name="Doublon", kind=OrganisationKind.MINISTRY, siret="13002526500013"
        )
    assert error.value.field == "siret"
    assert not Organisation.objects.filter(name="Doublon").exists()
    assert not Membership.objects.filter(user=user).exists()


def test_a_second_request_while_one_waits_is_refused():
    user = UserFactory()
    organisation = OrganisationFactory()
    services.membership_request_create(actor=user, organisation=organisation)
    with pytest.raises(DomainError, match="déjà en attente"):
        services.membership_request_create(actor=user, organisation=organisation)
    assert MembershipRequest.objects.filter(user=user).count() == 1


def test_a_member_cannot_ask_again():
    membership = MembershipFactory()
    with pytest.raises(DomainError, match="déjà membre"):
        services.membership_request_create(actor=membership.user, organisation=membership.organisation)


def test_a_duplicate_siret_offers_to_ask_to_join_the_existing_organisation(client):
    existing = OrganisationFactory(name="Direction interministérielle du numérique", siret="13002526500013")
    client.force_login(UserFactory())
    response = client.post(
        reverse("portal:organisation_choose"),
        {"name": "DINUM bis", "kind": "ministere", "siret": "130 025 265 00013"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "déjà inscrite" in content and "demandez plutôt à la rejoindre" in content
    assert "Demander à rejoindre « Direction interministérielle du numérique »" in content
    assert f'name="organisation" value="{existing.pk}"' in content
    assert 'value="DINUM bis"' in content  # the input is kept
    assert Organisation.objects.count() == 1


def test_form_with_invalid_siret_keeps_input_and_creates_nothing(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("portal:organisation_choose"),
        {"name": "Direction des achats", "kind": "ministere", "siret": "13002526500014"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "clé de contrôle" in content
    assert 'value="Direction des achats"' in content
    assert not Organisation.objects.exists()


def test_user_without_organisation_is_sent_to_choose_one(client):
    client.force_login(UserFactory())
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302 and response.url == reverse("portal:organisation_choose")


def test_asking_to_join_from_the_search_waits_for_a_referent(client):
    user = UserFactory()
    organisation = OrganisationFactory(name="Préfecture de la région Grand Est")
    client.force_login(user)
    response = client.get(reverse("portal:organisation_choose"), {"q": "Grand Est"})
    assert "Préfecture de la région Grand Est" in response.content.decode()
    response = client.post(reverse("portal:organisation_join"), {"organisation": organisation.pk}, follow=True)
    content = response.content.decode()
    assert "transmise aux référents" in content
    assert "Retirer ma demande" in content  # the requester sees the pending request
    response = client.post(reverse("portal:organisation_join"), {"organisation": organisation.pk}, follow=True)
    assert "déjà en attente" in response.content.decode()
    assert not Membership.objects.filter(user=user).exists()


def test_join_rejects_an_open_redirect(client):
    user = UserFactory(email="agente@interieur.gouv.fr")
    organisation = OrganisationFactory()
    OrganisationDomain.objects.create(organisation=organisation, domain="interieur.gouv.fr")
    client.force_login(user)
    response = client.post(
        reverse("portal:organisation_join"), {"organisation": organisation.pk, "next": "https://evil.example/"}
    )
    assert Membership.objects.filter(user=user, organisation=organisation).exists()
    assert response.url == reverse("portal:dashboard")

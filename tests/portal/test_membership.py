"""Membership is granted, never taken: requests, their decision, removals, référents, declared domains,
ProConnect, invitations; each permission rule with the test that it denies."""

import importlib
from types import SimpleNamespace

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.urls import reverse

from applications.services import drafting, exchanges
from portal.errors import DomainError
from portal.models import AuditEvent, Membership, MembershipRequest, OrganisationDomain, OutboxMessage, Role
from portal.selectors import membership_requests_to_decide, user_roles
from portal.services import membership as services
from portal.services import organisations, role_assign
from portal.signals import PROCONNECT_SIRET_SESSION_KEY, proconnect_siret_claim, remember_proconnect_siret
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import ProgrammeFactory
from tests.portal.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def referent():
    return MembershipFactory(is_referent=True, user__email="referente@interieur.gouv.fr")


@pytest.fixture
def organisation(referent):
    return referent.organisation


@pytest.fixture
def pending(organisation):
    return services.membership_request_create(actor=UserFactory(email="agent@exemple.fr"), organisation=organisation)


def admin_user():
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.ADMIN)
    return user


def staff_user():
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=ProgrammeFactory())
    return user


def audited(action: str) -> list[dict]:
    return list(AuditEvent.objects.filter(action=action).values_list("data", flat=True))


# Requests and their decision ----------------------------------------------------------------------


def test_a_request_waits_and_tells_the_referents(pending, referent):
    assert pending.status == MembershipRequest.Status.PENDING
    assert not Membership.objects.filter(user=pending.user).exists()
    mail = OutboxMessage.objects.get(event="membership_requested")
    assert mail.recipient == referent.user and "agent@exemple.fr" in mail.body
    assert audited("membership.request")[0]["user"] == "agent@exemple.fr"


def test_without_a_referent_the_admins_hear_of_the_request():
    admin = admin_user()
    services.membership_request_create(actor=UserFactory(), organisation=OrganisationFactory())
    assert list(OutboxMessage.objects.filter(event="membership_requested").values_list("recipient", flat=True)) == [
        admin.pk
    ]


def test_the_referent_grants_and_the_requester_is_told(pending, referent):
    membership = services.membership_request_grant(actor=referent.user, membership_request=pending)
    pending.refresh_from_db()
    assert pending.status == "granted" and pending.decided_by == referent.user and pending.decided_at
    assert membership.origin == Membership.Origin.REQUEST and membership.granted_by == referent.user
    assert not membership.is_referent
    mail = OutboxMessage.objects.get(event="membership_decided")
    assert mail.recipient == pending.user and "accordé" in mail.body
    assert audited("membership.grant")[0]["origin"] == "request"


@pytest.mark.parametrize("who", ["member", "staff", "requester", "other_referent"])
def test_only_a_referent_of_the_organisation_or_an_admin_grants(pending, organisation, who):
    actor = {
        "member": lambda: MembershipFactory(organisation=organisation).user,
        "staff": staff_user,
        "requester": lambda: pending.user,
        "other_referent": lambda: MembershipFactory(is_referent=True).user,
    }[who]()
    with pytest.raises(DomainError, match="Seuls les référents"):
        services.membership_request_grant(actor=actor, membership_request=pending)
    with pytest.raises(DomainError, match="Seuls les référents"):
        services.membership_request_refuse(actor=actor, membership_request=pending, reason="Non.")
    assert not Membership.objects.filter(user=pending.user).exists()


def test_an_admin_grants(pending):
    services.membership_request_grant(actor=admin_user(), membership_request=pending)
    assert Membership.objects.filter(user=pending.user, organisation=pending.organisation).exists()


def test_the_first_member_granted_where_no_referent_is_becomes_referent():
    organisation = OrganisationFactory()
    request = services.membership_request_create(actor=UserFactory(), organisation=organisation)
    membership = services.membership_request_grant(actor=admin_user(), membership_request=request)
    assert membership.is_referent


def test_a_refusal_needs_a_reason_which_the_requester_receives(pending, referent):
    with pytest.raises(DomainError, match="motif du refus"):
        services.membership_request_refuse(actor=referent.user, membership_request=pending, reason="  ")
    services.membership_request_refuse(actor=referent.user, membership_request=pending, reason="Inconnu du service.")
    pending.refresh_from_db()
    assert pending.status == "refused" and pending.reason == "Inconnu du service."
    assert "Inconnu du service." in OutboxMessage.objects.get(event="membership_decided").body
    assert audited("membership.refuse")[0]["reason"] == "Inconnu du service."
    with pytest.raises(DomainError, match="déjà été traitée"):
        services.membership_request_grant(actor=referent.user, membership_request=pending)


def test_the_requester_withdraws_and_no_one_else_can(pending, referent):
    with pytest.raises(DomainError, match="Seul l'auteur"):
        services.membership_request_withdraw(actor=referent.user, membership_request=pending)
    services.membership_request_withdraw(actor=pending.user, membership_request=pending)
    assert MembershipRequest.objects.get(pk=pending.pk).status == "withdrawn"
    assert audited("membership.withdraw")
    with pytest.raises(DomainError, match="déjà été traitée"):
        services.membership_request_grant(actor=referent.user, membership_request=pending)


def test_the_referent_decides_from_the_requests_page(client, pending, referent):
    client.force_login(referent.user)
    page = client.get(reverse("portal:membership_requests")).content.decode()
    assert "agent@exemple.fr" in page and "1 demande en attente" in page
    assert "Demandes d&#x27;adhésion" in page or "Demandes d'adhésion" in page
    decide = reverse("portal:membership_request_decide", args=[pending.pk])
    response = client.post(decide, {"decision": "refuse", "reason": ""}, follow=True)
    assert "motif du refus" in response.content.decode()
    client.post(decide, {"decision": "grant"})
    assert Membership.objects.filter(user=pending.user, organisation=pending.organisation).exists()


def test_the_navigation_counts_the_requests_waiting_for_the_referent(client, pending, referent):
    client.force_login(referent.user)
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert 'fr-badge--info">1<span class="fr-sr-only"> en attente' in page
    assert "1 demande d'adhésion attend votre décision." in page


def test_a_referent_decides_nothing_for_another_organisation(client, pending):
    other = MembershipFactory(is_referent=True)
    client.force_login(other.user)
    assert not membership_requests_to_decide(other.user).exists()
    decide = reverse("portal:membership_request_decide", args=[pending.pk])
    assert client.post(decide, {"decision": "grant"}).status_code == 404
    assert not Membership.objects.filter(user=pending.user).exists()


def test_the_requester_sees_nothing_of_the_organisation_until_granted(client, pending, referent):
    dossier = DossierFactory(organisation=pending.organisation, submitted=True)
    client.force_login(pending.user)
    assert client.get(reverse("portal:organisation_detail", args=[pending.organisation_id])).status_code == 404
    assert client.get(reverse("applications:dossier_detail", args=[dossier.pk])).status_code == 404
    staff = UserFactory()
    role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=dossier.theme.call.programme)
    exchanges.message_post(actor=staff, dossier=dossier, body="Bonjour.")
    assert OutboxMessage.objects.filter(recipient=referent.user, event="dossier_message").exists()
    assert not OutboxMessage.objects.filter(recipient=pending.user, event="dossier_message").exists()
    page = client.get(reverse("portal:organisation_choose")).content.decode()
    assert pending.organisation.name in page and "Retirer ma demande" in page
    services.membership_request_grant(actor=referent.user, membership_request=pending)
    assert client.get(reverse("applications:dossier_detail", args=[dossier.pk])).status_code == 200


# Members, référents, removals ---------------------------------------------------------------------


def test_members_see_who_else_is_a_member_and_who_are_referents(client, organisation, referent):
    colleague = MembershipFactory(organisation=organisation, user__email="collegue@interieur.gouv.fr")
    client.force_login(colleague.user)
    page = client.get(reverse("portal:organisation_detail", args=[organisation.pk])).content.decode()
    assert "referente@interieur.gouv.fr" in page and "collegue@interieur.gouv.fr" in page
    assert page.count("fr-badge--info fr-badge--sm") == 1  # one référent
    assert "Retirer de l&#x27;organisation" not in page  # a plain member removes no one


def test_the_referent_removes_a_member_who_loses_access_at_once(client, organisation, referent):
    colleague = MembershipFactory(organisation=organisation)
    dossier = DossierFactory(organisation=organisation)
    services.membership_remove(actor=referent.user, membership=colleague, reason="A quitté le service.")
    client.force_login(colleague.user)
    assert client.get(reverse("applications:dossier_detail", args=[dossier.pk])).status_code == 404
    assert "A quitté le service." in OutboxMessage.objects.get(event="membership_removed").body
    assert audited("membership.remove")[0]["reason"] == "A quitté le service."


def test_a_referent_cannot_remove_the_last_referent_but_an_admin_can(organisation, referent):
    MembershipFactory(organisation=organisation)
    with pytest.raises(DomainError, match="dernier référent"):
        services.membership_remove(actor=referent.user, membership=referent)
    services.membership_remove(actor=admin_user(), membership=referent)
    assert not Membership.objects.filter(pk=referent.pk).exists()


def test_a_plain_member_or_staff_cannot_remove(client, organisation, referent):
    colleague = MembershipFactory(organisation=organisation)
    for actor in (colleague.user, staff_user()):
        with pytest.raises(DomainError, match="Seuls les référents"):
            services.membership_remove(actor=actor, membership=referent)
        client.force_login(actor)
        url = reverse("portal:member_remove", args=[organisation.pk, referent.pk])
        assert client.post(url).status_code == 403
    assert Membership.objects.filter(pk=referent.pk).exists()


def test_removal_asks_for_confirmation(client, organisation, referent):
    colleague = MembershipFactory(organisation=organisation)
    client.force_login(referent.user)
    url = reverse("portal:member_remove", args=[organisation.pk, colleague.pk])
    assert "Confirmer le retrait" in client.get(url).content.decode()
    assert Membership.objects.filter(pk=colleague.pk).exists()
    assert client.post(url, {"reason": ""}).status_code == 302
    assert not Membership.objects.filter(pk=colleague.pk).exists()


def test_programme_staff_names_a_referent_and_the_last_one_stays(organisation, referent):
    colleague = MembershipFactory(organisation=organisation)
    services.membership_referent_set(actor=staff_user(), membership=colleague, is_referent=True)
    assert Membership.objects.get(pk=colleague.pk).is_referent
    assert audited("membership.referent_name")[0]["user"] == colleague.user.email
    services.membership_referent_set(actor=referent.user, membership=referent, is_referent=False)
    with pytest.raises(DomainError, match="au moins un référent"):
        services.membership_referent_set(actor=admin_user(), membership=colleague, is_referent=False)
    assert audited("membership.referent_unname")


def test_a_plain_member_names_no_referent(organisation, referent):
    colleague = MembershipFactory(organisation=organisation)
    with pytest.raises(DomainError, match="nomment les référents"):
        services.membership_referent_set(actor=colleague.user, membership=colleague, is_referent=True)
    assert not Membership.objects.get(pk=colleague.pk).is_referent


# Declared domains and identity proofs -------------------------------------------------------------


@pytest.mark.parametrize(
    "domain",
    ["gouv.fr", "fr", "pref.gouv.fr", "gmail.com", "hotmail.fr", "hotmail.co.uk", "outlook.fr", "yahoo.fr",
     "orange.fr", "free.fr", "laposte.net", "wanadoo.fr", "sfr.fr", "icloud.com", "protonmail.com", "smtp.orange.fr"],
)  # fmt: skip
def test_shared_domains_are_refused_with_a_french_message(domain):
    with pytest.raises(DomainError) as error:
        organisations.organisation_domain_declare(actor=admin_user(), organisation=OrganisationFactory(), domain=domain)
    assert error.value.code == "domain_shared" and "partagé" in error.value.message
    assert not OrganisationDomain.objects.exists()


def test_a_referent_declares_the_domain_of_their_own_verified_address(organisation, referent):
    declared = organisations.organisation_domain_declare(
        actor=referent.user, organisation=organisation, domain="@Interieur.gouv.fr"
    )
    assert declared.domain == "interieur.gouv.fr"
    assert audited("organisation.domain_declare") == [{"domain": "interieur.gouv.fr"}]
    with pytest.raises(DomainError, match="vos adresses vérifiées"):
        organisations.organisation_domain_declare(actor=referent.user, organisation=organisation, domain="justice.fr")


def test_a_domain_belongs_to_one_organisation(organisation, referent):
    OrganisationDomain.objects.create(organisation=OrganisationFactory(name="Autre"), domain="interieur.gouv.fr")
    with pytest.raises(DomainError, match="déjà déclaré par « Autre »"):
        organisations.organisation_domain_declare(
            actor=referent.user, organisation=organisation, domain="interieur.gouv.fr"
        )


def test_a_plain_member_declares_no_domain(client, organisation):
    colleague = MembershipFactory(organisation=organisation, user__email="x@interieur.gouv.fr")
    with pytest.raises(DomainError, match="Seuls les référents"):
        organisations.organisation_domain_declare(
            actor=colleague.user, organisation=organisation, domain="interieur.gouv.fr"
        )
    client.force_login(colleague.user)
    url = reverse("portal:organisation_domain_add", args=[organisation.pk])
    assert client.post(url, {"domain": "interieur.gouv.fr"}).status_code == 403


def test_the_domain_form_keeps_the_input_and_explains(client, organisation, referent):
    client.force_login(referent.user)
    url = reverse("portal:organisation_domain_add", args=[organisation.pk])
    page = client.post(url, {"domain": "gouv.fr"}).content.decode()
    assert "partagé" in page and 'value="gouv.fr"' in page
    assert client.post(url, {"domain": "interieur.gouv.fr"}).status_code == 302
    declared = OrganisationDomain.objects.get()
    client.post(reverse("portal:organisation_domain_remove", args=[organisation.pk, declared.pk]))
    assert not OrganisationDomain.objects.exists() and audited("organisation.domain_remove")


def test_a_verified_address_on_a_declared_domain_joins_at_once(organisation, referent):
    OrganisationDomain.objects.create(organisation=organisation, domain="interieur.gouv.fr")
    request = services.membership_request_create(
        actor=UserFactory(email="b@interieur.gouv.fr"), organisation=organisation
    )
    assert request.status == "granted" and request.decided_by is None
    assert Membership.objects.get(user=request.user).origin == Membership.Origin.DOMAIN
    assert OutboxMessage.objects.get(event="membership_joined").recipient == referent.user


@pytest.mark.parametrize("email, verified", [("b@interieur.gouv.fr", False), ("b@dgfip.interieur.gouv.fr", True)])
def test_an_unverified_address_or_another_domain_waits(organisation, email, verified):
    OrganisationDomain.objects.create(organisation=organisation, domain="interieur.gouv.fr")
    request = services.membership_request_create(
        actor=UserFactory(email=email, verified=verified), organisation=organisation
    )
    assert request.status == "pending"
    assert not Membership.objects.filter(user=request.user).exists()


def test_a_proconnect_siret_claim_joins_the_organisation_with_that_siret():
    organisation = OrganisationFactory(siret="13002526500013")
    other = OrganisationFactory(siret="73282932000074")
    user = UserFactory()
    assert (
        services.membership_request_create(actor=user, organisation=other, proconnect_siret="13002526500013").status
        == "pending"
    )
    granted = services.membership_request_create(
        actor=user, organisation=organisation, proconnect_siret="13002526500013"
    )
    assert granted.status == "granted"
    assert Membership.objects.get(user=user, organisation=organisation).origin == Membership.Origin.PROCONNECT


def proconnect_login(siret, provider="proconnect"):
    account = SimpleNamespace(provider=provider, extra_data={"userinfo": {"siret": siret, "email": "a@b.fr"}})
    return SimpleNamespace(account=account)


def test_only_this_logins_proconnect_claim_is_remembered(rf):
    assert proconnect_siret_claim(proconnect_login("130 025 265 00013")) == "13002526500013"
    assert proconnect_siret_claim(proconnect_login("13002526500013", provider="autre")) == ""
    assert proconnect_siret_claim(proconnect_login("pas-un-siret")) == ""
    request = rf.get("/")
    request.session = {}
    remember_proconnect_siret(None, request=request, user=None, sociallogin=proconnect_login("13002526500013"))
    assert request.session[PROCONNECT_SIRET_SESSION_KEY] == "13002526500013"
    remember_proconnect_siret(None, request=request, user=None)  # then a password login
    assert PROCONNECT_SIRET_SESSION_KEY not in request.session


def test_the_join_view_reads_the_claim_from_the_session(client):
    organisation = OrganisationFactory(siret="13002526500013")
    user = UserFactory()
    client.force_login(user)
    session = client.session
    session[PROCONNECT_SIRET_SESSION_KEY] = "13002526500013"
    session.save()
    assert "atteste le SIRET 13002526500013" in client.get(reverse("portal:organisation_choose")).content.decode()
    client.post(reverse("portal:organisation_join"), {"organisation": organisation.pk})
    assert user_roles(user).is_member_of(organisation.pk)


# Invitations --------------------------------------------------------------------------------------


def test_an_invitation_from_a_referent_grants_and_from_a_member_asks(organisation, referent):
    dossier = DossierFactory(organisation=organisation, created_by=referent.user)
    invited = UserFactory(email="invitee@exemple.fr")
    invitation = drafting.invitation_send(actor=referent.user, dossier=dossier, email=invited.email)
    drafting.invitation_accept(actor=invited, token=invitation.token)
    assert Membership.objects.get(user=invited).origin == Membership.Origin.INVITATION

    colleague = MembershipFactory(organisation=organisation).user
    other = UserFactory(email="autre@exemple.fr")
    invitation = drafting.invitation_send(actor=colleague, dossier=dossier, email=other.email)
    drafting.invitation_accept(actor=other, token=invitation.token)
    request = MembershipRequest.objects.get(user=other)
    assert request.status == "pending" and dossier.reference in request.message
    assert not Membership.objects.filter(user=other).exists()


# Creation, review, existing data ------------------------------------------------------------------


def test_staff_review_the_organisations_created_recently(client):
    creator = UserFactory(email="createur@exemple.fr")
    organisations.organisation_create(actor=creator, name="Direction nouvelle", kind="ministere")
    OrganisationFactory(name="Ancienne direction")
    client.force_login(staff_user())
    page = client.get(reverse("portal:organisation_review"), {"q": "nouvelle", "created_within": "7"}).content.decode()
    assert "Direction nouvelle" in page and "createur@exemple.fr" in page and "Ancienne direction" not in page
    assert "(référent)" in page


def test_applicants_do_not_review_organisations(client, referent):
    client.force_login(referent.user)
    assert client.get(reverse("portal:organisation_review")).status_code == 403


def test_the_data_migration_makes_the_earliest_member_referent():
    organisation = OrganisationFactory()
    first = MembershipFactory(organisation=organisation)
    second = MembershipFactory(organisation=organisation)
    MembershipRequest.objects.all().delete()
    migration = importlib.import_module("portal.migrations.0004_earliest_member_is_referent")
    migration.forwards(apps, None)
    assert Membership.objects.get(pk=first.pk).is_referent and not Membership.objects.get(pk=second.pk).is_referent
    assert MembershipRequest.objects.filter(status="granted").count() == 2


def test_a_verified_email_is_needed_for_the_domain_proof_even_on_another_address(organisation):
    OrganisationDomain.objects.create(organisation=organisation, domain="interieur.gouv.fr")
    user = UserFactory(email="perso@exemple.fr")
    EmailAddress.objects.create(user=user, email="pro@interieur.gouv.fr", verified=True, primary=False)
    assert services.membership_request_create(actor=user, organisation=organisation).status == "granted"

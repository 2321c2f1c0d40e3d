"""Drafting a dossier: start, sections with conditional fields, optimistic locking, budget, team."""

import html
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from applications.services import drafting
from portal.errors import DomainError
from tests.portal.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_start_pins_the_published_form_and_gives_a_readable_reference(dossier, session):
    assert dossier.state == "draft"
    assert dossier.form_definition.version == 1
    # Numbered by the year it was started, whatever the year its session closes.
    assert dossier.reference == f"ITN6-{timezone.localdate().year}-{dossier.pk:05d}"


def test_start_is_refused_outside_the_organisation_or_after_the_close(session, member):
    with pytest.raises(DomainError, match="membre"):
        drafting.dossier_start(
            actor=UserFactory(), session=session, organisation=member.organisation, acronym="A", title="T"
        )
    session.closes_at = timezone.now() - timedelta(seconds=1)
    session.opens_at = session.closes_at - timedelta(days=2)
    session.save()
    with pytest.raises(DomainError, match="pas ouverte"):
        drafting.dossier_start(
            actor=member.user, session=session, organisation=member.organisation, acronym="A", title="T"
        )


def test_second_step_carries_the_answers_and_the_project(dossier, member, session):
    dossier.answers = {"probleme": "Trop de papier."}
    dossier.save()
    second = drafting.dossier_start(
        actor=member.user,
        session=session,
        organisation=member.organisation,
        acronym="SIMPL",
        title="Dossier complet",
        predecessor=dossier,
    )
    assert second.answers == {"probleme": "Trop de papier."}
    assert second.project_key == dossier.project_key and second.predecessor == dossier


def test_section_keeps_valid_fields_and_reports_errors_in_french(dossier, member):
    result = drafting.dossier_save_section(
        actor=member.user,
        dossier=dossier,
        section_key="projet",
        base_version=0,
        raw_answers={"probleme": "Trop de papier.", "usagers": "beaucoup"},
    )
    assert result.dossier.answers["probleme"] == "Trop de papier."
    assert "usagers" not in result.dossier.answers
    assert result.errors == {"usagers": "Saisissez un nombre entier."}


def test_a_field_hidden_by_its_condition_is_not_kept(dossier, member):
    drafting.dossier_save_section(
        actor=member.user,
        dossier=dossier,
        section_key="projet",
        base_version=0,
        raw_answers={"partenaires": "true", "liste_partenaires": "La DINUM"},
    )
    dossier.refresh_from_db()
    result = drafting.dossier_save_section(
        actor=member.user,
        dossier=dossier,
        section_key="projet",
        base_version=dossier.section_versions["projet"],
        raw_answers={"partenaires": "false"},
    )
    assert result.dossier.answers["liste_partenaires"] is None


def test_two_editors_of_the_same_section_conflict_and_nothing_is_lost(dossier, member):
    colleague = MembershipFactory(organisation=member.organisation).user
    drafting.dossier_save_section(
        actor=member.user,
        dossier=dossier,
        section_key="projet",
        base_version=0,
        raw_answers={"probleme": "Version d'Alice"},
    )
    with pytest.raises(drafting.DossierConflict) as conflict:
        drafting.dossier_save_section(
            actor=colleague,
            dossier=dossier,
            section_key="projet",
            base_version=0,
            raw_answers={"probleme": "Version de Bob"},
        )
    assert conflict.value.theirs["probleme"] == "Version d'Alice"
    dossier.refresh_from_db()
    assert dossier.answers["probleme"] == "Version d'Alice"
    # Bob decides to keep his own: he saves again on the version the conflict gave him.
    drafting.dossier_save_section(
        actor=colleague,
        dossier=dossier,
        section_key="projet",
        base_version=conflict.value.current_version,
        raw_answers={"probleme": "Version de Bob"},
    )
    dossier.refresh_from_db()
    assert dossier.answers["probleme"] == "Version de Bob"


def test_editors_of_different_sections_do_not_conflict(dossier, member):
    drafting.dossier_save_section(
        actor=member.user, dossier=dossier, section_key="projet", base_version=0, raw_answers={"probleme": "A"}
    )
    drafting.dossier_save_section(
        actor=member.user,
        dossier=dossier,
        section_key="equipe",
        base_version=0,
        raw_answers={"chef": "a@example.gouv.fr"},
    )
    dossier.refresh_from_db()
    assert dossier.answers["chef"] == "a@example.gouv.fr"


def test_budget_is_replaced_as_a_whole(dossier, member):
    line = {
        "label": "Développement",
        "year": 2021,
        "phase": "",
        "category": "external_services",
        "source": "programme",
        "cofinancer_name": "",
        "amount": Decimal("30000"),
    }
    drafting.budget_replace(actor=member.user, dossier=dossier, lines=[line, line], base_version=0)
    dossier.refresh_from_db()
    drafting.budget_replace(
        actor=member.user, dossier=dossier, lines=[line], base_version=dossier.section_versions["_budget"]
    )
    assert dossier.budget_lines.count() == 1
    with pytest.raises(drafting.DossierConflict):
        drafting.budget_replace(actor=member.user, dossier=dossier, lines=[], base_version=0)


def test_drafts_freeze_at_the_close(dossier, member):
    dossier.session.closes_at = timezone.now() - timedelta(minutes=1)
    dossier.session.save()
    with pytest.raises(DomainError, match="brouillon est figé"):
        drafting.dossier_save_section(
            actor=member.user, dossier=dossier, section_key="projet", base_version=0, raw_answers={"probleme": "x"}
        )


def test_an_outsider_cannot_edit(dossier):
    with pytest.raises(DomainError, match="introuvable"):
        drafting.dossier_save_section(
            actor=UserFactory(), dossier=dossier, section_key="projet", base_version=0, raw_answers={}
        )


def test_a_referents_invitation_makes_the_colleague_a_member(dossier, member, django_capture_on_commit_callbacks):
    member.is_referent = True
    member.save(update_fields=["is_referent"])
    with django_capture_on_commit_callbacks(execute=True):
        invitation = drafting.invitation_send(actor=member.user, dossier=dossier, email="Collegue@Example.gouv.fr")
    assert "Invitation" in mail.outbox[-1].subject
    colleague = UserFactory(email="collegue@example.gouv.fr")
    with pytest.raises(DomainError, match="autre adresse"):
        drafting.invitation_accept(actor=UserFactory(), token=invitation.token)
    assert drafting.invitation_accept(actor=colleague, token=invitation.token) == dossier
    assert colleague.memberships.filter(organisation=member.organisation).exists()
    with pytest.raises(DomainError, match="plus valable"):
        drafting.invitation_accept(actor=colleague, token=invitation.token)


def test_grouping_only_where_the_theme_allows_it(dossier, member):
    from applications.models import DossierPartner
    from tests.portal.factories import OrganisationFactory

    with pytest.raises(DomainError, match="groupement"):
        drafting.partner_add(
            actor=member.user, dossier=dossier, organisation=OrganisationFactory(), role=DossierPartner.Role.CO_CARRIER
        )
    partner = drafting.partner_add(
        actor=member.user, dossier=dossier, organisation=OrganisationFactory(), role=DossierPartner.Role.PARTNER
    )
    assert partner.dossier == dossier


def test_the_full_dossier_of_a_two_step_call_starts_from_the_retained_interest(client, dossier, member, theme):
    from django.urls import reverse

    from applications.models import Dossier
    from tests.calls.model_factories import SessionFactory

    dossier.answers = {"probleme": "Trop de papier."}
    dossier.state = "selected"  # retained at the expression-of-interest step
    dossier.save()
    full_step = SessionFactory(theme=theme, kind="dossier", key="dossier-complet")
    client.force_login(member.user)
    page = html.unescape(client.get(reverse("applications:dossier_start", args=[full_step.pk])).content.decode())
    assert "Suite d'un dossier précédent" in page and dossier.acronym in page
    client.post(
        reverse("applications:dossier_start", args=[full_step.pk]),
        {
            "organisation": member.organisation.pk,
            "predecessor": dossier.pk,
            "acronym": "SIMPL",
            "title": "Dossier complet",
        },
    )
    second = Dossier.objects.get(session=full_step)
    assert second.predecessor == dossier and second.answers["probleme"] == "Trop de papier."
    other = SessionFactory(theme=theme, kind="dossier", key="encore")
    assert "Suite d'un dossier précédent" not in html.unescape(
        client.get(reverse("applications:dossier_start", args=[other.pk])).content.decode()
    )

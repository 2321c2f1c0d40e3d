"""Projects filed in phases (SNAP4: 3 M€ per dossier, 8 M€ per project): the project holds its phases, the cap
holds across all of them whatever the state of the earlier ones and however the next one is started, and a
"new project" that looks like an old one is flagged to staff."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from applications.evaluation import dossier_evaluation
from applications.models import BudgetLine, Dossier, Project, ProjectPhase
from applications.selectors import project_phases_to_file, project_summary, similar_project_flags
from applications.services import drafting, projects
from applications.services.projects import PhasePlan
from applications.workflow import DossierState
from calls.rules import load_rules
from juries.models import Decision, JuryDossier
from juries.services import deliberation, juries
from juries.services.deliberation import DecisionInput
from portal.errors import DomainError
from portal.models import Role
from portal.services import role_assign
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.portal.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
MILLION = Decimal("1000000")


@pytest.fixture
def session(db):
    theme = ThemeFactory(code="SNAP4", funding_rule=load_rules()["SNAP4"].to_dict(), envelope=82 * MILLION)
    now = timezone.now()
    return SessionFactory(
        theme=theme, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=20), envelope=None
    )


@pytest.fixture
def member(db):
    return MembershipFactory(organisation__kind="ministere")


def start(member, session, **fields) -> Dossier:
    arguments = {"acronym": "DOSSIER-USAGER", "title": "Dossier usager unique", "summary": "Un seul dossier."}
    return drafting.dossier_start(
        actor=member.user, session=session, organisation=member.organisation, **{**arguments, **fields}
    )


def started_in_phases(member, session, phases: list[tuple[str, int]]) -> tuple[Dossier, Project]:
    """The first phase's dossier and its project, planned as (label, millions asked) per phase."""
    first = start(member, session)
    plans = [
        PhasePlan(label=label, requested_amount=millions * MILLION, phase_id=first.project_phase.pk if not i else None)
        for i, (label, millions) in enumerate(phases)
    ]
    projects.project_phases_set(actor=member.user, project=first.project, phases=plans)
    return first, first.project


def budget(dossier: Dossier, programme: Decimal) -> None:
    """What the programme is asked (75 % of the total) and the carrier's quarter, in 2021."""
    BudgetLine.objects.bulk_create(
        [
            BudgetLine(
                dossier=dossier,
                label="Développement",
                year=2021,
                category="external_services",
                source="programme",
                amount=programme,
            ),
            BudgetLine(
                dossier=dossier,
                label="Pilotage",
                year=2021,
                category="external_services",
                source="carrier",
                amount=programme / 3,
            ),
        ]
    )


def decided(dossier: Dossier, state: str, amount: Decimal) -> None:
    Dossier.objects.filter(pk=dossier.pk).update(state=state, granted_amount=amount)


def test_a_first_dossier_opens_its_project_with_the_cap_of_the_rule(member, session):
    dossier = start(member, session)
    project = dossier.project
    assert (project.key, project.cap, project.acronym) == (dossier.project_key, 8 * MILLION, "DOSSIER-USAGER")
    assert project.phases.get().dossier == dossier


def test_phases_planned_beyond_the_cap_are_refused_with_the_figures(member, session):
    project = start(member, session).project
    phase_1 = project.phases.get()
    plans = [
        PhasePlan(label="Expérimentation", requested_amount=3 * MILLION, phase_id=phase_1.pk),
        PhasePlan(label="Passage à l'échelle", requested_amount=3 * MILLION),
        PhasePlan(label="Généralisation", requested_amount=3 * MILLION, milestones=[{"label": "Fin", "month": 12}]),
    ]
    with pytest.raises(DomainError) as refused:
        projects.project_phases_set(actor=member.user, project=project, phases=plans)
    assert refused.value.message.replace("\u202f", " ") == (
        "Le projet dépasserait son plafond de 8 000 000,00 € toutes phases confondues : phase 1 : 3 000 000,00 € "
        "demandés, phase 2 : 3 000 000,00 € demandés, phase 3 : 3 000 000,00 € demandés, soit 9 000 000,00 € "
        "(1 000 000,00 € de trop)."
    )
    assert project.phases.count() == 1  # nothing half-written
    with pytest.raises(DomainError, match="plafond par dossier"):
        projects.project_phases_set(
            actor=member.user,
            project=project,
            phases=[PhasePlan(label="Tout d'un coup", requested_amount=Decimal("3500000"), phase_id=phase_1.pk)],
        )
    plans[2] = PhasePlan(
        label="Généralisation", requested_amount=2 * MILLION, milestones=[{"label": "Fin", "month": 12}]
    )
    projects.project_phases_set(actor=member.user, project=project, phases=plans)
    assert list(project.phases.values_list("order", "label")) == [
        (1, "Expérimentation"),
        (2, "Passage à l'échelle"),
        (3, "Généralisation"),
    ]
    assert project_summary(project)["remaining"] == 0


@pytest.mark.parametrize("earlier_state", [DossierState.CONVENTION, DossierState.IN_PROGRESS, DossierState.CLOSED])
def test_the_project_cap_holds_across_phases_whatever_the_state_of_the_earlier_ones(member, session, earlier_state):
    """Phase 1 and 2 hold 3 M€ each (phase 1 under convention, in progress or closed): phase 3 gets 2 M€ at most."""
    first, project = started_in_phases(
        member, session, [("Expérimentation", 3), ("Passage à l'échelle", 3), ("Généralisation", 2)]
    )
    decided(first, earlier_state, 3 * MILLION)
    # The next phase is still offered under the project once the first has its convention (it used to vanish).
    [phase_2, phase_3] = project_phases_to_file(member.user, theme=session.theme)
    second = drafting.dossier_start(
        actor=member.user, session=session, organisation=member.organisation, project_phase=phase_2
    )
    assert (second.project, second.project_key, second.acronym) == (project, project.key, "DOSSIER-USAGER")
    decided(second, DossierState.SELECTED, 3 * MILLION)
    third = drafting.dossier_start(
        actor=member.user, session=session, organisation=member.organisation, project_phase=phase_3
    )
    budget(third, 3 * MILLION)
    evaluation = dossier_evaluation(third)
    assert evaluation.max_programme_amount == 2 * MILLION
    [violation] = [v for v in evaluation.violations if v.code == "request_above_maximum"]
    assert "limité par : plafond par projet (reste disponible)" in violation.message_fr
    # Nor can a jury grant it more than what remains.
    staff = UserFactory()
    role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=session.theme.call.programme)
    jury = juries.jury_create(actor=staff, call=session.theme.call, theme=session.theme, session=session, name="SNAP4")
    Dossier.objects.filter(pk=third.pk).update(state=DossierState.UNDER_EVALUATION)
    JuryDossier.objects.create(jury=jury, dossier=third)
    with pytest.raises(DomainError, match="dépasse le maximum permis par la règle"):
        deliberation.deliberation_record(
            actor=staff,
            jury=jury,
            decisions=[DecisionInput(third.pk, Decision.Kind.SELECTED, granted_amount=3 * MILLION)],
            override_reason="Enveloppe",
        )


def test_two_phases_decided_together_stay_within_the_project_cap(member, session):
    first, project = started_in_phases(member, session, [("Un", 2), ("Deux", 3), ("Trois", 3)])
    decided(first, DossierState.IN_PROGRESS, 3 * MILLION)
    phase_2, phase_3 = ProjectPhase.objects.filter(project=project, order__gt=1).order_by("order")
    second = drafting.dossier_start(
        actor=member.user, session=session, organisation=member.organisation, project_phase=phase_2
    )
    third = drafting.dossier_start(
        actor=member.user, session=session, organisation=member.organisation, project_phase=phase_3
    )
    staff = UserFactory()
    role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=session.theme.call.programme)
    jury = juries.jury_create(actor=staff, call=session.theme.call, theme=session.theme, session=session, name="SNAP4")
    for dossier in (second, third):
        budget(dossier, 3 * MILLION)
        Dossier.objects.filter(pk=dossier.pk).update(state=DossierState.UNDER_EVALUATION)
        JuryDossier.objects.create(jury=jury, dossier=dossier)
    with pytest.raises(DomainError) as refused:
        deliberation.deliberation_record(
            actor=staff,
            jury=jury,
            decisions=[
                DecisionInput(second.pk, Decision.Kind.SELECTED, granted_amount=3 * MILLION),
                DecisionInput(third.pk, Decision.Kind.SELECTED, granted_amount=3 * MILLION),
            ],
        )
    assert refused.value.code == "project_cap_exceeded"
    assert "avec 3 000 000,00 € déjà accordés" in refused.value.message.replace("\u202f", " ")
    assert not Decision.objects.exists()


def test_a_phase_already_filed_keeps_its_amount_and_stays_in_the_project(member, session):
    first = start(member, session)
    Dossier.objects.filter(pk=first.pk).update(state=DossierState.SUBMITTED)
    phase = first.project_phase
    with pytest.raises(DomainError, match="est déposée : elle ne peut pas être retirée"):
        projects.project_phases_set(
            actor=member.user, project=first.project, phases=[PhasePlan(label="Autre", requested_amount=MILLION)]
        )
    with pytest.raises(DomainError, match="son montant ne change plus"):
        projects.project_phases_set(
            actor=member.user,
            project=first.project,
            phases=[PhasePlan(label=phase.label, requested_amount=MILLION, phase_id=phase.pk)],
        )
    outsider = MembershipFactory()
    with pytest.raises(DomainError) as refused:
        projects.project_phases_set(actor=outsider.user, project=first.project, phases=[])
    assert refused.value.code == "not_found"


def test_a_new_project_like_an_old_one_is_flagged_to_staff(member, session):
    first = start(member, session)
    decided(first, DossierState.IN_PROGRESS, 3 * MILLION)
    escaped = start(member, session, acronym="DOSSIER-USAGER-2", title="Dossier usager unique (suite)")
    Dossier.objects.filter(pk=escaped.pk).update(state=DossierState.SUBMITTED)
    assert escaped.project != first.project
    other = MembershipFactory(organisation__kind="ministere")
    unrelated = start(other, session)
    Dossier.objects.filter(pk=unrelated.pk).update(state=DossierState.SUBMITTED)
    flags = similar_project_flags(Dossier.objects.filter(pk__in=[escaped.pk, unrelated.pk]))
    assert [d.pk for d in flags[escaped.pk]] == [first.pk]
    assert unrelated.pk not in flags  # same title, another organisation: not this flag's business
    assert Project.objects.count() == 3

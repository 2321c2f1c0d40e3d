"""Deliberation: envelope, rules engine maximum, every decision kind, frozen scores, minutes and letters."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from applications.models import Dossier
from applications.workflow import DossierState
from calls.rules import load_rules
from calls.services.rules import theme_rule_save
from juries.models import Assignment, Decision, Deliberation, JuryDossier
from juries.services import deliberation, evaluation, juries
from juries.services.deliberation import DecisionInput
from portal.errors import DomainError
from tests.applications.factories import BudgetLineFactory
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.juries.conftest import make_dossiers, sheet

pytestmark = pytest.mark.django_db
Kind = Decision.Kind


def test_each_decision_kind_moves_the_dossier_as_designed(staff, jury, members, reviewed, session):
    extra = make_dossiers(session, 2)
    juries.jury_dossiers_add(actor=staff, jury=jury)
    selected, rejected, resubmit, reoriented, reserve = [*reviewed, *extra]
    elsewhere = SessionFactory(theme=ThemeFactory(call=session.theme.call))
    evaluation.consensus_record(
        actor=members[0].user,
        jury=jury,
        dossier=rejected,
        scores=sheet(a="1"),
        opinion="Impact trop faible pour l'usager.",
        recommendation="do_not_fund",
    )
    recorded = deliberation.deliberation_record(
        actor=staff,
        jury=jury,
        decisions=[
            DecisionInput(selected.pk, Kind.SELECTED, granted_amount=Decimal("40000"), conditions="Jalon à 6 mois."),
            DecisionInput(rejected.pk, Kind.REJECTED),
            DecisionInput(resubmit.pk, Kind.RESUBMIT, reasons="Budget à préciser."),
            DecisionInput(reoriented.pk, Kind.REORIENTED, reasons="Relève d'un autre thème.", target_session=elsewhere),
            DecisionInput(reserve.pk, Kind.RESERVE),
        ],
    )
    states = dict(Dossier.objects.values_list("pk", "state"))
    assert states[selected.pk] == DossierState.SELECTED
    assert states[rejected.pk] == DossierState.REJECTED
    assert states[resubmit.pk] == DossierState.RESUBMIT_INVITED
    assert states[reoriented.pk] == DossierState.REORIENTED
    assert states[reserve.pk] == DossierState.RESERVE
    assert Dossier.objects.get(pk=selected.pk).granted_amount == Decimal("40000")
    moved = Dossier.objects.get(pk=reoriented.pk)
    assert (moved.session, moved.theme) == (elsewhere, elsewhere.theme)
    assert Decision.objects.get(dossier=rejected).reasons == "Impact trop faible pour l'usager."
    history = list(Dossier.objects.get(pk=selected.pk).state_changes.values_list("transition", flat=True))
    assert history[-2:] == ["deliberate", "select"]
    assert recorded.granted_total == Decimal("40000")
    assert len(recorded.ranking) == 5
    assert recorded.members_present.count() == 3
    assert not JuryDossier.objects.filter(jury=jury, frozen_at__isnull=True).exists()


def test_scores_are_frozen_after_deliberation(staff, jury, members, reviewed):
    juror, dossier = members[1], reviewed[0]
    a = Assignment.objects.create(member=juror, dossier=dossier)
    evaluation.evaluation_save(actor=juror.user, assignment=a, scores=sheet(), opinion="Bien.", recommendation="fund")
    deliberation.deliberation_record(actor=staff, jury=jury, decisions=[DecisionInput(dossier.pk, Kind.RESERVE)])
    with pytest.raises(DomainError, match="figées"):
        evaluation.evaluation_save(actor=juror.user, assignment=a, scores=sheet(a="5"))
    with pytest.raises(DomainError, match="figées"):
        evaluation.evaluation_submit(actor=juror.user, assignment=a)
    with pytest.raises(DomainError, match="figées"):
        evaluation.consensus_record(
            actor=members[0].user, jury=jury, dossier=dossier, scores=sheet(), opinion="x", recommendation="fund"
        )
    with pytest.raises(DomainError, match="délibéré"):
        deliberation.deliberation_record(
            actor=staff, jury=jury, decisions=[DecisionInput(dossier.pk, Kind.SELECTED, granted_amount=Decimal("1"))]
        )


def test_envelope_cannot_be_exceeded_without_a_reasoned_chair_override(staff, jury, members, reviewed):
    over = [DecisionInput(d.pk, Kind.SELECTED, granted_amount=Decimal("40000")) for d in reviewed]  # 120 k€ > 100 k€
    with pytest.raises(DomainError, match="enveloppe"):
        deliberation.deliberation_record(actor=staff, jury=jury, decisions=over)
    assert not Deliberation.objects.exists()
    assert set(Dossier.objects.values_list("state", flat=True)) == {DossierState.UNDER_EVALUATION}
    recorded = deliberation.deliberation_record(
        actor=staff, jury=jury, decisions=over, override_reason="Projets interministériels prioritaires."
    )
    assert recorded.override_by == members[0] and recorded.granted_total == Decimal("120000")


def test_amount_above_the_rule_maximum_is_refused_with_the_engine_explanation(staff, jury, members, reviewed):
    theme = jury.theme
    theme_rule_save(actor=None, theme=theme, rule=load_rules()["ITN6"])
    dossier = reviewed[0]
    BudgetLineFactory(dossier=dossier, amount=Decimal("60000"), year=2021)
    with pytest.raises(DomainError) as error:
        deliberation.deliberation_record(
            actor=staff,
            jury=jury,
            decisions=[DecisionInput(dossier.pk, Kind.SELECTED, granted_amount=Decimal("50000"))],
        )
    assert "48\u202f000,00\u202f€" in error.value.message and "maximum permis par la règle" in error.value.message
    assert "Coût éligible" in error.value.message  # the engine explains itself
    deliberation.deliberation_record(
        actor=staff, jury=jury, decisions=[DecisionInput(dossier.pk, Kind.SELECTED, granted_amount=Decimal("48000"))]
    )


def test_deliberation_is_all_or_nothing(staff, jury, members, reviewed):
    Dossier.objects.filter(pk=reviewed[1].pk).update(state=DossierState.ELIGIBLE)  # not under evaluation yet
    with pytest.raises(DomainError):
        deliberation.deliberation_record(
            actor=staff,
            jury=jury,
            decisions=[DecisionInput(reviewed[0].pk, Kind.RESERVE), DecisionInput(reviewed[1].pk, Kind.RESERVE)],
        )
    assert Dossier.objects.get(pk=reviewed[0].pk).state == DossierState.UNDER_EVALUATION
    assert not Deliberation.objects.exists() and not Decision.objects.exists()


def test_reasons_required_and_only_staff_record(staff, jury, members, reviewed):
    with pytest.raises(DomainError, match="motivez"):
        deliberation.deliberation_record(
            actor=staff, jury=jury, decisions=[DecisionInput(reviewed[0].pk, Kind.REJECTED)]
        )
    with pytest.raises(DomainError):
        deliberation.deliberation_record(
            actor=members[0].user, jury=jury, decisions=[DecisionInput(reviewed[0].pk, Kind.RESERVE)]
        )


def test_minutes_and_letters_are_generated_after_commit(
    staff, jury, members, reviewed, django_capture_on_commit_callbacks
):
    evaluation.consensus_record(
        actor=members[0].user,
        jury=jury,
        dossier=reviewed[1],
        scores=sheet(a="1"),
        opinion="Insuffisant.",
        recommendation="do_not_fund",
    )
    with django_capture_on_commit_callbacks(execute=True):
        recorded = deliberation.deliberation_record(
            actor=staff,
            jury=jury,
            decisions=[
                DecisionInput(reviewed[0].pk, Kind.SELECTED, granted_amount=Decimal("30000")),
                DecisionInput(reviewed[1].pk, Kind.REJECTED),
            ],
        )
    recorded.refresh_from_db()
    assert recorded.minutes.read().startswith(b"%PDF")
    letters = Decision.objects.filter(deliberation=recorded)
    assert all(d.letter for d in letters)
    from juries.services.documents import letter_context

    refusal = letter_context(letters.get(kind=Kind.REJECTED))
    assert [c["comment"] for c in refusal["criteria"]] == ["Argumenté."] * 3


def test_minutes_and_letters_downloads_are_scoped(
    client, staff, jury, members, reviewed, django_capture_on_commit_callbacks
):

    from tests.portal.factories import UserFactory

    with django_capture_on_commit_callbacks(execute=True):
        recorded = deliberation.deliberation_record(
            actor=staff,
            jury=jury,
            decisions=[DecisionInput(reviewed[0].pk, Kind.SELECTED, granted_amount=Decimal("30000"))],
        )
    decision = Decision.objects.get(deliberation=recorded)
    minutes = reverse("juries:minutes", args=[jury.pk, recorded.pk])
    letter = reverse("juries:decision_letter", args=[decision.pk])
    client.force_login(staff)
    assert client.get(minutes).status_code == 200 and client.get(letter).status_code == 200
    client.force_login(reviewed[0].created_by)
    response = client.get(letter)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(minutes).status_code == 403
    client.force_login(members[1].user)  # a juror reads neither
    assert client.get(letter).status_code == 404 and client.get(minutes).status_code == 403
    client.force_login(reviewed[1].created_by)  # another carrier
    assert client.get(letter).status_code == 404
    client.force_login(UserFactory())
    assert client.get(letter).status_code == 404


def test_reserve_promotion_when_money_is_freed(client, staff, jury, members, reviewed):

    from applications.services.workflow import dossier_transition

    first, second, _ = reviewed
    deliberation.deliberation_record(
        actor=staff,
        jury=jury,
        decisions=[
            DecisionInput(first.pk, Kind.SELECTED, granted_amount=Decimal("90000")),
            DecisionInput(second.pk, Kind.RESERVE),
        ],
    )
    with pytest.raises(DomainError, match="enveloppe"):
        deliberation.reserve_promote(actor=staff, jury=jury, dossier=second, granted_amount=Decimal("20000"))
    dossier_transition(dossier=first, name="withdraw", actor=first.created_by)  # the laureate withdraws
    JuryDossier.objects.filter(jury=jury, dossier=second).update(max_amount=Decimal("48000"))  # what the rule allows
    client.force_login(staff)
    url = reverse("juries:staff_ranking", args=[jury.pk])
    page = client.get(url).content.decode()
    assert "premier de la liste complémentaire" in page
    # The amount offered is written as it would be typed: « 30 000,00 », never « 30000.00 ».
    assert 'id="promote-amount" name="amount" inputmode="decimal" value="48 000,00"' in page
    assert client.post(url, {"action": "promote", "dossier": second.pk, "amount": "40 000"}).status_code == 302
    second.refresh_from_db()
    assert second.state == DossierState.SELECTED and second.granted_amount == Decimal("40000")
    assert Decision.objects.get(dossier=second).kind == Kind.SELECTED


def test_documents_sweep_catches_up_lost_tasks(staff, jury, members, reviewed):
    from juries.services.documents import documents_sweep

    recorded = deliberation.deliberation_record(
        actor=staff,
        jury=jury,
        decisions=[  # on_commit never runs here
            DecisionInput(reviewed[0].pk, Kind.RESERVE)
        ],
    )
    assert documents_sweep() == 1
    recorded.refresh_from_db()
    assert recorded.minutes and recorded.decisions.get().letter
    assert documents_sweep() == 0


def test_the_ranking_shows_typed_amounts_back_the_french_way(client, staff, jury, members, reviewed):
    first = reviewed[0]
    client.force_login(staff)
    data = {f"kind_{first.pk}": "selected", f"amount_{first.pk}": "30000", "action": "check"}
    response = client.post(reverse("juries:staff_ranking", args=[jury.pk]), {**data, "idempotency_key": uuid.uuid4()})
    page = response.content.decode()
    assert f'name="amount_{first.pk}" inputmode="decimal" value="30 000,00"' in page
    assert 'name="multiple" inputmode="decimal" value="1"' in page

"""The dossier life cycle table and the one service that applies it."""

import pytest

from applications.models import StateChange
from applications.services.workflow import dossier_transition
from applications.workflow import APPLICANT, STAFF, TRANSITIONS, DossierState, transitions_from
from portal import services as portal_services
from portal.errors import DomainError
from portal.models import AuditEvent, OutboxMessage, Role
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import ProgrammeFactory
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


def staff_of(programme):
    user = UserFactory()
    portal_services.role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programme)
    return user


def applicant_of(dossier):
    return dossier.organisation.memberships.first().user


def test_every_state_is_reachable_and_every_target_is_a_state():
    targets = {t.target for t in TRANSITIONS.values()}
    assert targets | {DossierState.DRAFT} == set(DossierState.values)
    for transition in TRANSITIONS.values():
        assert set(transition.sources) <= set(DossierState.values)


def test_applicant_submits_and_history_audit_and_mail_are_written(django_capture_on_commit_callbacks, mailoutbox):
    dossier = DossierFactory()
    with django_capture_on_commit_callbacks(execute=True):
        dossier = dossier_transition(dossier=dossier, name="submit", actor=applicant_of(dossier))
    assert dossier.state == DossierState.SUBMITTED
    change = StateChange.objects.get(dossier=dossier)
    assert (change.from_state, change.to_state, change.transition) == ("draft", "submitted", "submit")
    assert AuditEvent.objects.filter(action="dossier.submit", target_id=str(dossier.pk)).exists()
    assert OutboxMessage.objects.filter(event="dossier_state_changed").count() == 1
    assert "Déposé" in mailoutbox[0].subject


def test_staff_cannot_submit_for_the_applicant():
    dossier = DossierFactory()
    with pytest.raises(DomainError, match="pas le droit"):
        dossier_transition(dossier=dossier, name="submit", actor=staff_of(dossier.theme.call.programme))
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DRAFT
    assert not StateChange.objects.exists()


def test_applicant_cannot_declare_their_own_dossier_eligible():
    dossier = DossierFactory(complete=True)
    with pytest.raises(DomainError, match="pas le droit"):
        dossier_transition(dossier=dossier, name="declare_eligible", actor=applicant_of(dossier))


def test_staff_of_another_programme_is_refused():
    dossier = DossierFactory(submitted=True)
    with pytest.raises(DomainError, match="pas le droit"):
        dossier_transition(dossier=dossier, name="mark_complete", actor=staff_of(ProgrammeFactory()))


def test_member_of_another_organisation_is_refused():
    dossier = DossierFactory()
    other = DossierFactory()
    with pytest.raises(DomainError, match="pas le droit"):
        dossier_transition(dossier=dossier, name="submit", actor=applicant_of(other))


def test_wrong_source_state_is_refused_in_french():
    dossier = DossierFactory()
    with pytest.raises(DomainError, match="impossible : le dossier est « Brouillon »"):
        dossier_transition(dossier=dossier, name="declare_eligible", actor=staff_of(dossier.theme.call.programme))


def test_ineligibility_needs_a_written_reason():
    dossier = DossierFactory(complete=True)
    staff = staff_of(dossier.theme.call.programme)
    with pytest.raises(DomainError) as error:
        dossier_transition(dossier=dossier, name="declare_ineligible", actor=staff, reason="   ")
    assert error.value.field == "reason"
    dossier = dossier_transition(
        dossier=dossier, name="declare_ineligible", actor=staff, reason="Porteur non éligible."
    )
    assert dossier.state == DossierState.INELIGIBLE
    assert dossier.state_changes.get().reason == "Porteur non éligible."


def test_full_path_to_closure():
    dossier = DossierFactory()
    staff = staff_of(dossier.theme.call.programme)
    applicant = applicant_of(dossier)
    steps = [
        ("submit", applicant),
        ("mark_complete", staff),
        ("declare_eligible", staff),
        ("start_evaluation", staff),
        ("deliberate", staff),
        ("select", staff),
        ("start_convention", None),
        ("start_project", None),
        ("close", staff),
    ]
    for name, actor in steps:
        dossier = dossier_transition(dossier=dossier, name=name, actor=actor)
    assert dossier.state == DossierState.CLOSED
    assert dossier.state_changes.count() == len(steps)


def test_withdrawal_is_possible_only_before_the_decision():
    dossier = DossierFactory(under_evaluation=True)
    dossier = dossier_transition(dossier=dossier, name="withdraw", actor=applicant_of(dossier))
    assert dossier.state == DossierState.WITHDRAWN
    rejected = DossierFactory(state=DossierState.REJECTED)
    with pytest.raises(DomainError):
        dossier_transition(dossier=rejected, name="withdraw", actor=applicant_of(rejected))


def test_transitions_offered_depend_on_role():
    names = {t.name for t in transitions_from(DossierState.SUBMITTED, {STAFF})}
    assert names == {"request_complement", "mark_complete", "declare_ineligible", "reorient"}
    assert {t.name for t in transitions_from(DossierState.SUBMITTED, {APPLICANT})} == {"withdraw"}

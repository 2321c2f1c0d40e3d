"""A reorientation (or an invitation to resubmit) names a session of the actor's programme, of the
jury's call unless the decision expressly says otherwise; the service checks it, whatever the form sent.

Issue 14, item 3: a staff member of one programme posted `target_<dossier>=<session of another
programme>` and moved the dossier into that programme, where even they lost it.
"""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from applications.models import Dossier
from applications.workflow import DossierState
from juries.models import Decision, Deliberation
from juries.services import deliberation
from juries.services.deliberation import DecisionInput
from portal.errors import DomainError
from tests.calls.model_factories import CallFactory, SessionFactory, ThemeFactory

pytestmark = pytest.mark.django_db
Kind = Decision.Kind


def reorient(staff, jury, dossier, target, **options):
    return deliberation.deliberation_record(
        actor=staff,
        jury=jury,
        decisions=[
            DecisionInput(dossier.pk, Kind.REORIENTED, reasons="Relève d'ailleurs.", target_session=target, **options)
        ],
    )


def unchanged(dossier) -> bool:
    fresh = Dossier.objects.get(pk=dossier.pk)
    return (fresh.session_id, fresh.theme_id, fresh.state) == (
        dossier.session_id,
        dossier.theme_id,
        DossierState.UNDER_EVALUATION,
    ) and not Deliberation.objects.exists()


def test_a_session_of_another_programme_is_refused_even_declared_across_calls(staff, jury, members, reviewed):
    elsewhere = SessionFactory()  # another programme, whose staff the actor is not
    for across_calls in (False, True):
        with pytest.raises(DomainError) as refused:
            reorient(staff, jury, reviewed[0], elsewhere, across_calls=across_calls)
        assert refused.value.code == "target_scope"
        assert "n'est pas une session de votre programme" in refused.value.message
    assert unchanged(reviewed[0])


def test_another_call_of_the_programme_needs_the_decision_to_say_so(staff, jury, members, reviewed):
    other_call = CallFactory(programme=jury.programme)
    guichet = SessionFactory(theme=ThemeFactory(call=other_call))
    with pytest.raises(DomainError) as refused:
        reorient(staff, jury, reviewed[0], guichet)
    assert refused.value.code == "target_other_call" and "autre appel du programme" in refused.value.message
    assert unchanged(reviewed[0])
    reorient(staff, jury, reviewed[0], guichet, across_calls=True)
    moved = Dossier.objects.get(pk=reviewed[0].pk)
    assert (moved.session, moved.theme, moved.state) == (guichet, guichet.theme, DossierState.REORIENTED)
    decision = Decision.objects.get(dossier=reviewed[0])
    assert decision.target_session == guichet and decision.across_calls


def test_within_the_call_no_flag_is_needed_and_none_is_recorded(staff, jury, members, reviewed):
    same_call = SessionFactory(theme=ThemeFactory(call=jury.call))
    reorient(staff, jury, reviewed[0], same_call, across_calls=True)
    decision = Decision.objects.get(dossier=reviewed[0])
    assert decision.target_session == same_call and not decision.across_calls


def test_the_dossier_own_session_is_no_target(staff, jury, members, reviewed):
    with pytest.raises(DomainError) as refused:
        reorient(staff, jury, reviewed[0], reviewed[0].session)
    assert refused.value.code == "target_same_session"


def test_an_invitation_to_resubmit_is_held_to_the_same_rule(staff, jury, members, reviewed):
    with pytest.raises(DomainError) as refused:
        deliberation.deliberation_record(
            actor=staff,
            jury=jury,
            decisions=[
                DecisionInput(reviewed[0].pk, Kind.RESUBMIT, reasons="À retravailler.", target_session=SessionFactory())
            ],
        )
    assert refused.value.code == "target_scope"


def test_a_target_sent_with_another_decision_is_not_kept(staff, jury, members, reviewed):
    """The letter of a selected dossier would otherwise say it is reoriented to another programme."""
    deliberation.deliberation_record(
        actor=staff,
        jury=jury,
        decisions=[
            DecisionInput(
                reviewed[0].pk, Kind.SELECTED, granted_amount=Decimal("1000"), target_session=SessionFactory()
            )
        ],
    )
    assert Decision.objects.get(dossier=reviewed[0]).target_session is None


def test_the_ranking_page_offers_the_programme_only_and_refuses_a_posted_foreign_session(
    client, staff, jury, members, reviewed
):
    other_call = CallFactory(programme=jury.programme, title="Guichet du programme")
    SessionFactory(theme=ThemeFactory(call=other_call), name="Guichet de mars")
    foreign = SessionFactory(name="Session d'un autre programme")
    SessionFactory(theme=ThemeFactory(call=jury.call), name="Seconde session de cet appel")
    client.force_login(staff)
    url = reverse("juries:staff_ranking", args=[jury.pk])
    page = client.get(url).content.decode()
    # One searchable list shared by the rows: this call's sessions first, another call's named by its title.
    assert page.count('<datalist id="target-sessions">') == 1
    offered = page[page.index('<datalist id="target-sessions">') :]
    offered = offered[: offered.index("</datalist>")]
    assert "Guichet du programme — " in offered and "Guichet de mars" in offered
    assert offered.index("Seconde session de cet appel") < offered.index("Guichet du programme")
    assert "Session d&#x27;un autre programme" not in page and "Session d'un autre programme" not in page
    dossier = reviewed[0]
    response = client.post(
        url,
        {
            f"kind_{dossier.pk}": "reoriented",
            f"reasons_{dossier.pk}": "Relève d'ailleurs.",
            f"target_{dossier.pk}": str(foreign.pk),
            f"across_{dossier.pk}": "on",
            "action": "record",
            "confirm": "1",
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert "introuvable parmi celles du programme" in response.content.decode()
    assert unchanged(dossier)

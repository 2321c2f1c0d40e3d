"""An open session's life: staff extend its close or close it early, with a reason, audited, and every carrier
with a draft in it is told; a deadline typed as a day means the end of that day in Paris."""

import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from applications.services import drafting, submission
from calls.models import SessionKind
from calls.services import session_life
from juries.forms import JuryCreateForm
from portal.deadlines import DeadlineField, end_of_day
from portal.errors import DomainError
from portal.models import AuditEvent, OutboxMessage, Role
from portal.services import role_assign
from tests.applications.conftest import member, session, theme  # noqa: F401 (fixtures)
from tests.calls.model_factories import SessionFactory
from tests.portal.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def staff(session):
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=session.theme.call.programme)
    return user


@pytest.fixture
def drafts(session, member):
    """Two drafts in the session (two organisations), and one dossier already submitted."""
    other = MembershipFactory(organisation__kind="ministere")
    first = drafting.dossier_start(
        actor=member.user, session=session, organisation=member.organisation, acronym="A", title="A", summary="A"
    )
    second = drafting.dossier_start(
        actor=other.user, session=session, organisation=other.organisation, acronym="B", title="B", summary="B"
    )
    return first, second


def test_extending_an_open_session_tells_every_draft_and_is_audited(staff, session, drafts, member):
    before = session.closes_at
    later = before + timedelta(days=7)
    session = session_life.session_extend(
        actor=staff, session=session, closes_at=later, reason="Panne du portail le dernier jour."
    )
    assert (session.closes_at, session.closes_at_announced) == (later, before)
    assert session.close_change_reason == "Panne du portail le dernier jour."
    event = AuditEvent.objects.get(action="session.extend")
    assert event.data["before"] == before.isoformat() and event.data["reason"] == "Panne du portail le dernier jour."
    messages = OutboxMessage.objects.filter(event="session_close_changed")
    assert sorted(messages.values_list("to_email", flat=True)) == sorted(
        [member.user.email, drafts[1].organisation.memberships.get().user.email]
    )
    assert "elle est prolongée" in messages.first().body and "Panne du portail" in messages.first().body
    assert session.is_open(before + timedelta(days=1))  # a draft can now be submitted after the first close


def test_closing_early_freezes_drafts_and_tells_them(staff, session, drafts):
    session = session_life.session_close_early(actor=staff, session=session, reason="Enveloppe épuisée.")
    assert not session.is_open()
    assert AuditEvent.objects.filter(action="session.close_early").exists()
    message = OutboxMessage.objects.filter(event="session_close_changed").first()
    assert "close par anticipation" in message.body and "Enveloppe épuisée." in message.body
    with pytest.raises(DomainError, match="Dépôt refusé"):
        submission.dossier_submit(actor=drafts[0].created_by, dossier=drafts[0], declaration=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda staff, s: session_life.session_extend(actor=staff, session=s, closes_at=s.closes_at, reason="x"),
            "choisissez une date après la clôture actuelle",
        ),
        (
            lambda staff, s: session_life.session_extend(
                actor=staff, session=s, closes_at=s.closes_at + timedelta(days=1), reason=" "
            ),
            "Motif : dites pourquoi",
        ),
        (
            lambda staff, s: session_life.session_close_early(
                actor=staff, session=s, closes_at=s.closes_at + timedelta(days=1), reason="x"
            ),
            "entre maintenant",
        ),
    ],
)
def test_refusals_leave_the_session_as_it_was(staff, session, change, message):
    before = session.closes_at
    with pytest.raises(DomainError, match=message):
        change(staff, session)
    session.refresh_from_db()
    assert session.closes_at == before and session.closes_at_announced is None
    assert not OutboxMessage.objects.filter(event="session_close_changed").exists()


def test_an_extension_may_not_overlap_the_next_session_of_the_same_kind(staff, session):
    following = SessionFactory(
        theme=session.theme,
        kind=SessionKind.CALL_FOR_PROJECTS,
        opens_at=session.closes_at,
        closes_at=session.closes_at + timedelta(days=30),
    )
    with pytest.raises(DomainError, match=f"chevauche la session « {following.name} »"):
        session_life.session_extend(
            actor=staff, session=session, closes_at=session.closes_at + timedelta(days=2), reason="Prolongation."
        )


def test_only_an_open_session_of_the_actors_programme(staff, session):
    closed = SessionFactory(
        theme=session.theme, opens_at=timezone.now() - timedelta(days=60), closes_at=timezone.now() - timedelta(days=30)
    )
    with pytest.raises(DomainError, match="n'est pas ouverte"):
        session_life.session_extend(
            actor=staff, session=closed, closes_at=timezone.now() + timedelta(days=3), reason="x"
        )
    with pytest.raises(DomainError) as refused:
        session_life.session_extend(
            actor=UserFactory(), session=session, closes_at=session.closes_at + timedelta(days=1), reason="x"
        )
    assert refused.value.code == "not_found"


def test_a_deadline_typed_as_a_day_is_the_end_of_that_day_in_paris():
    field = DeadlineField()
    assert field.clean("31/12/2026") == end_of_day(datetime.date(2026, 12, 31))
    moment = field.clean("31/12/2026").astimezone(PARIS)
    assert (moment.day, moment.hour, moment.minute) == (31, 23, 59)
    assert field.clean("31/12/2026 17:00") == datetime.datetime(2026, 12, 31, 17, 0, tzinfo=PARIS)
    assert field.clean("2026-12-31T09:30") == datetime.datetime(2026, 12, 31, 9, 30, tzinfo=PARIS)


def test_the_jury_deadline_typed_as_a_day_runs_to_its_end(session):
    form = JuryCreateForm(
        {
            "name": "Jury",
            "call": session.theme.call_id,
            "evaluations_per_dossier": 2,
            "divergence_threshold": 20,
            "due_at": "31/12/2026",
        },
        calls=session.theme.call.programme.calls.all(),
        themes=session.theme.call.themes.all(),
        sessions=session.theme.sessions.all(),
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["due_at"].astimezone(PARIS).strftime("%d/%m/%Y %H:%M") == "31/12/2026 23:59"

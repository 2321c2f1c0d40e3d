"""Hearings as a step of the jury: scheduled by staff, the carrier invited by e-mail with an iCalendar file,
confirmed or another slot asked, the outcome recorded by the jury, printed in the minutes."""

import subprocess
from datetime import UTC, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from applications.workflow import DossierState
from juries.models import Decision, Hearing, JuryDossier
from juries.services import deliberation, hearings
from juries.services.deliberation import DecisionInput
from portal.errors import DomainError
from portal.models import AuditEvent, OutboxMessage
from tests.applications.factories import DossierFactory
from tests.juries.conftest import jury, members, programme, session, staff, theme  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shortlisted(jury):
    dossier = DossierFactory(session=jury.session, state=DossierState.UNDER_EVALUATION, acronym="LAB-BZH")
    JuryDossier.objects.create(jury=jury, dossier=dossier)
    return dossier


def schedule(staff, jury, dossier, *, days=7, **fields) -> Hearing:
    starts_at = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=days)
    arguments = {
        "duration_minutes": 45,
        "place": "SGMAP, 20 avenue de Ségur",
        "video_link": "https://visio.example/abc",
    }
    return hearings.hearing_schedule(
        actor=staff, jury=jury, dossier=dossier, starts_at=starts_at, **{**arguments, **fields}
    )


def test_the_carrier_is_invited_by_email_with_an_icalendar_file(
    staff, jury, shortlisted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        hearing = schedule(staff, jury, shortlisted)
    message = OutboxMessage.objects.get(event="hearing_invitation")
    assert message.to_email == shortlisted.organisation.memberships.get().user.email
    assert reverse("juries:hearing_answer", args=[hearing.pk]) in message.body
    [sent] = mail.outbox
    [(filename, content, content_type)] = sent.attachments
    assert filename == f"audition-{shortlisted.reference}.ics"
    assert content_type.startswith("text/calendar")
    assert "BEGIN:VEVENT" in content and f"UID:hearing-{hearing.pk}@" in content
    assert f"DTSTART:{hearing.starts_at.astimezone(UTC):%Y%m%dT%H%M%SZ}" in content
    assert f"DTEND:{hearing.ends_at.astimezone(UTC):%Y%m%dT%H%M%SZ}" in content
    assert "LOCATION:SGMAP\\, 20 avenue de Ségur" in content
    assert AuditEvent.objects.filter(action="hearing.schedule").count() == 1


def test_moving_a_hearing_updates_the_same_calendar_event(staff, jury, shortlisted, django_capture_on_commit_callbacks):
    first = schedule(staff, jury, shortlisted)
    with django_capture_on_commit_callbacks(execute=True):
        moved = schedule(staff, jury, shortlisted, days=9)
    assert moved.pk == first.pk and moved.sequence == 1
    assert "SEQUENCE:1" in mail.outbox[-1].attachments[0][1]
    assert "déplacée" in mail.outbox[-1].subject


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"place": "", "video_link": ""}, "Indiquez le lieu de l'audition ou le lien de visioconférence."),
        ({"duration_minutes": 2}, "La durée va de 5 à 480 minutes."),
        ({"days": -1}, "Choisissez une date et une heure à venir."),
    ],
)
def test_a_hearing_needs_a_future_slot_a_duration_and_a_place_or_a_link(staff, jury, shortlisted, fields, message):
    with pytest.raises(DomainError) as refused:
        schedule(staff, jury, shortlisted, **fields)
    assert refused.value.message == message
    assert not Hearing.objects.exists()


def test_the_carrier_confirms_or_asks_for_another_slot(staff, jury, shortlisted, django_capture_on_commit_callbacks):
    hearing = schedule(staff, jury, shortlisted)
    carrier = shortlisted.organisation.memberships.get().user
    with pytest.raises(DomainError, match="Indiquez les créneaux"):
        hearings.hearing_answer(actor=carrier, hearing=hearing, confirm=False)
    hearing = hearings.hearing_answer(actor=carrier, hearing=hearing, confirm=False, note="Le jeudi matin.")
    assert (hearing.status, hearing.answer_note) == (Hearing.Status.OTHER_SLOT, "Le jeudi matin.")
    assert OutboxMessage.objects.filter(event="hearing_answered").exists()
    hearing = hearings.hearing_answer(actor=carrier, hearing=hearing, confirm=True)
    assert hearing.status == Hearing.Status.CONFIRMED
    with pytest.raises(DomainError) as refused:
        hearings.hearing_answer(actor=staff, hearing=hearing, confirm=True)
    assert refused.value.code == "not_found"


def test_the_jury_records_the_outcome_after_the_hearing_and_the_minutes_print_it(
    staff, jury, members, shortlisted, django_capture_on_commit_callbacks
):
    chair, juror, _ = members
    hearing = schedule(staff, jury, shortlisted)
    with pytest.raises(DomainError, match="n'a pas encore eu lieu"):
        hearings.hearing_record(actor=chair.user, hearing=hearing, outcome="favourable", notes="Convaincant.")
    with time_machine.travel(hearing.ends_at + timedelta(minutes=5)):
        with pytest.raises(DomainError) as refused:
            hearings.hearing_record(actor=juror.user, hearing=hearing, outcome="favourable", notes="Convaincant.")
        assert refused.value.code == "forbidden"
        hearing = hearings.hearing_record(
            actor=chair.user, hearing=hearing, outcome="favourable", notes="Équipe convaincante, budget réaliste."
        )
        assert hearing.status == Hearing.Status.HELD
        with pytest.raises(DomainError, match="ne se reprogramme plus"):
            schedule(staff, jury, shortlisted, days=3)
        with django_capture_on_commit_callbacks(execute=True):
            minutes = deliberation.deliberation_record(
                actor=staff,
                jury=jury,
                decisions=[DecisionInput(shortlisted.pk, Decision.Kind.SELECTED, granted_amount=Decimal("10000"))],
            )
    minutes.refresh_from_db()
    text = subprocess.run(["pdftotext", minutes.minutes.path, "-"], capture_output=True, text=True, check=True).stdout
    words = " ".join(text.split())  # table cells wrap
    assert "Auditions" in words and "Avis favorable" in words and "Équipe convaincante" in words

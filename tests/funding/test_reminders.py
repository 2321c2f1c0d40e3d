"""Reminders: each due one is written to the outbox once, however often the beat task runs."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import ComplementRequest
from applications.workflow import DossierState
from calls.models import InfoSession, InfoSessionRegistration
from funding import tasks
from funding.models import Convention, ReminderOptOut, ReminderSent
from funding.reminders import REMINDER_FAMILIES, reminders_send
from funding.services import conventions
from portal.celery import app
from portal.models import OutboxMessage
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import CallFactory, SessionFactory
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


def paris(day, hour=17):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def events():
    return sorted(OutboxMessage.objects.filter(event__startswith="reminder_").values_list("event", flat=True))


def test_drafts_are_reminded_seven_days_and_one_day_before_the_close():
    today = timezone.localdate()
    week = DossierFactory(session=SessionFactory(closes_at=paris(today + timedelta(days=7))))
    DossierFactory(session=SessionFactory(closes_at=paris(today + timedelta(days=1))))
    DossierFactory(session=SessionFactory(closes_at=paris(today + timedelta(days=3))))
    DossierFactory(session=SessionFactory(closes_at=paris(today + timedelta(days=1))), state=DossierState.SUBMITTED)
    assert reminders_send(today=today) == 2
    assert events() == ["reminder_draft_closing", "reminder_draft_closing"]
    message = OutboxMessage.objects.filter(to_email=week.created_by.email).get()
    assert "7 jours" in message.subject and week.acronym in message.body


def test_running_the_beat_task_twice_sends_once():
    today = timezone.localdate()
    DossierFactory(session=SessionFactory(closes_at=paris(today + timedelta(days=1))))
    tasks.reminders_send.delay()
    tasks.reminders_send.delay()
    assert OutboxMessage.objects.filter(event="reminder_draft_closing").count() == 1
    assert ReminderSent.objects.count() == 1


def test_same_object_reminded_again_for_another_kind_or_due_date():
    today = timezone.localdate()
    dossier = DossierFactory(session=SessionFactory(closes_at=paris(today + timedelta(days=7))))
    reminders_send(today=today)
    reminders_send(today=today + timedelta(days=6))  # the one-day-before reminder
    assert OutboxMessage.objects.filter(to_email=dossier.created_by.email).count() == 2


def test_complement_requests_due_within_two_days():
    dossier = DossierFactory(state=DossierState.COMPLEMENT_REQUESTED)
    ComplementRequest.objects.create(
        dossier=dossier, requested_by=dossier.created_by, points=[], due_at=timezone.now() + timedelta(days=1)
    )
    later = DossierFactory(state=DossierState.COMPLEMENT_REQUESTED)
    ComplementRequest.objects.create(
        dossier=later, requested_by=later.created_by, points=[], due_at=timezone.now() + timedelta(days=10)
    )
    assert reminders_send() == 1
    assert events() == ["reminder_complement_due"]


def test_info_session_registrants_the_day_before():
    tomorrow = timezone.localdate() + timedelta(days=1)
    info = InfoSession.objects.create(
        call=CallFactory(),
        title="Présentation du guichet",
        starts_at=paris(tomorrow, 10),
        ends_at=paris(tomorrow, 12),
        place="Ségur",
    )
    InfoSessionRegistration.objects.create(
        info_session=info, name="Camille", email="camille@exemple.fr", cancel_token="a"
    )
    InfoSessionRegistration.objects.create(
        info_session=info, name="Dominique", email="d@exemple.fr", cancel_token="b", cancelled_at=timezone.now()
    )
    assert reminders_send() == 1
    assert reminders_send() == 0
    message = OutboxMessage.objects.get(event="reminder_info_session")
    assert message.to_email == "camille@exemple.fr" and "Présentation du guichet" in message.subject


def test_conventions_waiting_for_signature_a_week(dossier, staff, carrier, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        convention = conventions.convention_generate(actor=staff, dossier=dossier)
    conventions.convention_send(actor=staff, convention=convention)
    assert reminders_send() == 0
    Convention.objects.filter(pk=convention.pk).update(sent_at=timezone.now() - timedelta(days=8))
    assert reminders_send() == 1
    assert reminders_send() == 0
    assert OutboxMessage.objects.get(event="reminder_convention_signature").to_email == carrier.email


def test_milestones_and_reports_due_then_overdue(in_force, dossier, carrier):
    today = timezone.localdate()
    milestone = dossier.milestones.first()
    milestone.due_on = today + timedelta(days=3)
    milestone.save()
    dossier.milestones.exclude(pk=milestone.pk).update(due_on=today + timedelta(days=200))
    reminders_send(today=today)
    sent = set(events())
    assert "reminder_milestone_due" in sent
    # the convention started ~65 days ago: at least one monthly period is already overdue
    assert "reminder_report_overdue" in sent
    before = OutboxMessage.objects.count()
    reminders_send(today=today)
    assert OutboxMessage.objects.count() == before
    reminders_send(today=today + timedelta(days=4))
    assert "reminder_milestone_overdue" in set(events())


def test_jurors_with_an_unfinished_evaluation_due_within_three_days(programme, dossier):
    juries = pytest.importorskip("juries.models")
    jury = juries.Jury.objects.create(
        programme=programme, call=dossier.theme.call, name="Jury national", due_at=timezone.now() + timedelta(days=2)
    )
    juror, done = UserFactory(), UserFactory()
    pending = juries.Assignment.objects.create(
        member=juries.JuryMember.objects.create(jury=jury, user=juror), dossier=dossier
    )
    finished = juries.Assignment.objects.create(
        member=juries.JuryMember.objects.create(jury=jury, user=done), dossier=dossier
    )
    juries.Evaluation.objects.create(assignment=finished, submitted_at=timezone.now())
    assert pending.pk
    assert reminders_send() == 1
    assert reminders_send() == 0
    assert OutboxMessage.objects.get(event="reminder_evaluation_due").to_email == juror.email


def test_a_user_who_turned_a_family_off_is_not_reminded(client):
    today = timezone.localdate()
    dossier = DossierFactory(session=SessionFactory(closes_at=paris(today + timedelta(days=1))))
    colleague = UserFactory()
    dossier.organisation.memberships.create(user=colleague)
    client.force_login(dossier.created_by)
    page = client.get(reverse("funding:reminder_preferences"))
    assert set(page.context["form"].initial["wanted"]) == set(REMINDER_FAMILIES)
    wanted = [family for family in REMINDER_FAMILIES if family != "draft_closing"]
    assert client.post(reverse("funding:reminder_preferences"), {"wanted": wanted}).status_code == 302
    assert ReminderOptOut.objects.filter(user=dossier.created_by).get().family == "draft_closing"
    assert reminders_send(today=today) == 1
    assert OutboxMessage.objects.get().to_email == colleague.email
    client.post(reverse("funding:reminder_preferences"), {"wanted": list(REMINDER_FAMILIES)})
    assert not ReminderOptOut.objects.exists()


def test_every_beat_entry_names_a_registered_task(settings):
    app.loader.import_default_modules()
    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} <= set(app.tasks)

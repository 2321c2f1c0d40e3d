"""Info sessions: registration rules, confirmation e-mail, cancellation, iCalendar files."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from calls import ics
from calls.models import Call, InfoSessionRegistration
from calls.services.registration import info_session_cancel, info_session_register
from portal.errors import DomainError
from tests.calls.factories_public import InfoSessionFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

IN_PERSON = InfoSessionRegistration.Attendance.IN_PERSON
REMOTE = InfoSessionRegistration.Attendance.REMOTE


def register(info_session, *, email="nina@exemple.gouv.fr", attendance=IN_PERSON):
    return info_session_register(
        info_session=info_session,
        name="Nina Agente",
        email=email,
        organisation_name="Préfecture",
        attendance=attendance,
    )


class TestRegisterService:
    def test_registers_and_sends_confirmation_with_cancel_and_calendar_links(self, django_capture_on_commit_callbacks):
        info_session = InfoSessionFactory(title="Réunion ITN", hybrid=True)
        with django_capture_on_commit_callbacks(execute=True):
            registration = register(info_session, attendance=REMOTE)
        assert registration.cancelled_at is None and len(registration.cancel_token) >= 32
        [message] = mail.outbox
        assert message.to == ["nina@exemple.gouv.fr"]
        assert "Réunion ITN" in message.subject
        assert f"/appels/reunions/annulation/{registration.cancel_token}/" in message.body
        assert f"/appels/reunions/{info_session.pk}/reunion.ics" in message.body
        assert "https://webinaire.exemple.gouv.fr/reunion" in message.body

    def test_in_person_capacity_is_enforced(self):
        info_session = InfoSessionFactory(capacity=1)
        register(info_session, email="premiere@exemple.gouv.fr")
        with pytest.raises(DomainError, match="complète"):
            register(info_session, email="seconde@exemple.gouv.fr")

    def test_remote_attendance_does_not_count_against_capacity(self):
        info_session = InfoSessionFactory(capacity=1, hybrid=True)
        register(info_session, email="premiere@exemple.gouv.fr")
        with pytest.raises(DomainError, match="à distance"):
            register(info_session, email="seconde@exemple.gouv.fr")
        assert register(info_session, email="seconde@exemple.gouv.fr", attendance=REMOTE).pk

    def test_cancelled_registrations_free_their_seat(self):
        info_session = InfoSessionFactory(capacity=1)
        RegistrationFactory(info_session=info_session, cancelled_at=timezone.now())
        assert register(info_session).pk

    def test_remote_attendance_refused_without_remote_link(self):
        with pytest.raises(DomainError, match="pas proposé"):
            register(InfoSessionFactory(), attendance=REMOTE)

    def test_duplicate_active_email_refused_whatever_its_case(self):
        info_session = InfoSessionFactory()
        register(info_session, email="nina@exemple.gouv.fr")
        with pytest.raises(DomainError, match="déjà inscrite") as error:
            register(info_session, email="Nina@Exemple.gouv.fr")
        assert error.value.field == "email"

    def test_email_may_register_again_after_cancelling(self):
        info_session = InfoSessionFactory()
        info_session_cancel(cancel_token=register(info_session).cancel_token)
        assert register(info_session).pk

    def test_closed_registrations_refused(self):
        with pytest.raises(DomainError, match="closes"):
            register(InfoSessionFactory(registration_open=False))

    def test_past_session_refused(self):
        with pytest.raises(DomainError, match="passée"):
            register(InfoSessionFactory(past=True))
        assert not InfoSessionRegistration.objects.exists()


class TestRegisterPage:
    def test_registration_redirects_to_the_call_with_a_confirmation(self, client, django_capture_on_commit_callbacks):
        info_session = InfoSessionFactory()
        url = f"/appels/reunions/{info_session.pk}/inscription/"
        assert client.get(url).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                url, {"name": "Nina", "email": "nina@exemple.gouv.fr", "attendance": IN_PERSON}, follow=True
            )
        assert response.redirect_chain[-1][0] == f"/appels/{info_session.call.slug}/#reunions"
        assert "Votre inscription est enregistrée" in response.content.decode()
        assert len(mail.outbox) == 1

    def test_domain_error_shown_next_to_the_field(self, client):
        registration = RegistrationFactory()
        response = client.post(
            f"/appels/reunions/{registration.info_session.pk}/inscription/",
            {"name": "Nina", "email": registration.email, "attendance": IN_PERSON},
        )
        assert response.status_code == 200
        assert "déjà inscrite à cette réunion" in response.content.decode()
        assert InfoSessionRegistration.objects.count() == 1

    def test_invalid_email_reported(self, client):
        info_session = InfoSessionFactory()
        response = client.post(
            f"/appels/reunions/{info_session.pk}/inscription/",
            {"name": "Nina", "email": "nina", "attendance": IN_PERSON},
        )
        assert "fr-input--error" in response.content.decode()

    def test_past_session_shows_why_and_no_form(self, client):
        info_session = InfoSessionFactory(past=True)
        html = client.get(f"/appels/reunions/{info_session.pk}/inscription/").content.decode()
        assert "passée" in html
        assert "Confirmer mon inscription" not in html
        client.post(
            f"/appels/reunions/{info_session.pk}/inscription/",
            {"name": "N", "email": "n@exemple.fr", "attendance": IN_PERSON},
        )
        assert not InfoSessionRegistration.objects.exists()

    def test_full_session_without_remote_shows_why_and_no_form(self, client):
        registration = RegistrationFactory(info_session__capacity=1)
        html = client.get(f"/appels/reunions/{registration.info_session.pk}/inscription/").content.decode()
        assert "La réunion est complète." in html
        assert "Confirmer mon inscription" not in html

    def test_full_session_with_remote_still_offers_remote(self, client):
        registration = RegistrationFactory(info_session__capacity=1, info_session__hybrid=True)
        html = client.get(f"/appels/reunions/{registration.info_session.pk}/inscription/").content.decode()
        assert "Confirmer mon inscription" in html
        assert re.search(r"\b0 places? restantes?", html)

    def test_registrations_are_throttled_per_client_address(self, client, monkeypatch):
        monkeypatch.setattr("calls.views.public.REGISTRATIONS_PER_WINDOW", 2)
        info_session = InfoSessionFactory(capacity=None)
        url = f"/appels/reunions/{info_session.pk}/inscription/"
        for index in range(3):
            response = client.post(url, {"name": "N", "email": f"n{index}@exemple.gouv.fr", "attendance": IN_PERSON})
        assert "Trop d&#x27;inscriptions depuis votre connexion" in response.content.decode()
        assert InfoSessionRegistration.objects.count() == 2

    @pytest.mark.parametrize("status", [Call.Status.DRAFT, Call.Status.ARCHIVED])
    def test_sessions_of_hidden_calls_are_not_found(self, client, status):
        info_session = InfoSessionFactory(call__status=status)
        assert client.get(f"/appels/reunions/{info_session.pk}/inscription/").status_code == 404
        assert client.get(f"/appels/reunions/{info_session.pk}/reunion.ics").status_code == 404


class TestCancel:
    def test_get_asks_for_confirmation_and_post_cancels(self, client):
        registration = RegistrationFactory()
        url = f"/appels/reunions/annulation/{registration.cancel_token}/"
        response = client.get(url)
        assert "Confirmez-vous l'annulation" in response.content.decode()
        registration.refresh_from_db()
        assert registration.cancelled_at is None
        response = client.post(url, follow=True)
        assert "Votre inscription est annulée" in response.content.decode()
        registration.refresh_from_db()
        assert registration.cancelled_at is not None

    def test_second_cancel_is_refused_with_a_message(self, client):
        registration = RegistrationFactory(cancelled_at=timezone.now())
        response = client.post(f"/appels/reunions/annulation/{registration.cancel_token}/", follow=True)
        assert "déjà annulée" in response.content.decode()

    def test_cancel_refused_once_the_session_started(self):
        registration = RegistrationFactory(info_session__past=True)
        with pytest.raises(DomainError, match="déjà commencé"):
            info_session_cancel(cancel_token=registration.cancel_token)

    def test_unknown_token_is_not_found(self, client):
        assert client.get("/appels/reunions/annulation/inconnu/").status_code == 404
        assert client.post("/appels/reunions/annulation/inconnu/").status_code == 404


class TestIcs:
    def test_info_session_file(self, client):
        starts_at = datetime(2026, 12, 17, 13, 0, tzinfo=UTC)
        info_session = InfoSessionFactory(
            title="Réunion ; ITN, session 2",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=3),
            place="DINUM",
            address="20 avenue de Ségur, 75007 Paris",
            description="Ligne 1\nLigne 2",
        )
        response = client.get(f"/appels/reunions/{info_session.pk}/reunion.ics")
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        body = response.content.decode()
        assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
        assert body.endswith("END:VCALENDAR\r\n")
        assert "\n" not in body.replace("\r\n", "")
        unfolded = body.replace("\r\n ", "")
        assert f"UID:reunion-{info_session.pk}@" in unfolded
        assert re.search(r"^DTSTAMP:\d{8}T\d{6}Z\r$", unfolded, re.M)
        assert "DTSTART:20261217T130000Z" in unfolded
        assert "DTEND:20261217T160000Z" in unfolded
        assert "SUMMARY:Réunion \\; ITN\\, session 2" in unfolded
        assert "LOCATION:DINUM\\, 20 avenue de Ségur\\, 75007 Paris" in unfolded
        assert "DESCRIPTION:Ligne 1\\nLigne 2" in unfolded

    def test_public_file_does_not_disclose_the_remote_link(self, client):
        info_session = InfoSessionFactory(hybrid=True)
        body = client.get(f"/appels/reunions/{info_session.pk}/reunion.ics").content.decode().replace("\r\n ", "")
        assert "webinaire.exemple.gouv.fr" not in body
        assert "le lien est envoyé aux inscrits" in body

    def test_long_lines_fold_at_75_octets_without_splitting_characters(self):
        event = ics.Event(uid="x@y", starts_at=timezone.now(), summary="é" * 100)
        body = ics.calendar([event], name="Test")
        assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
        assert "SUMMARY:" + "é" * 100 in body.replace("\r\n ", "")

    def test_escape_text(self):
        assert ics.escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"

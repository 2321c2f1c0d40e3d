"""Submission: the server clock at the exact second, idempotence under concurrency, snapshot, receipt."""

import subprocess
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from applications.models import Dossier, DossierSnapshot
from applications.services import drafting, exchanges, submission
from applications.workflow import DossierState
from portal.errors import DomainError
from tests.applications.conftest import complete
from tests.calls.model_factories import SessionFactory
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def ready(dossier, member, pdf_file):
    return complete(dossier, member.user, pdf_file)


def _close_at_17(dossier) -> datetime:
    close = datetime(2030, 6, 15, 17, 0, 0, tzinfo=PARIS)
    dossier.session.opens_at = close - timedelta(days=30)
    dossier.session.closes_at = close
    dossier.session.save()
    return close


def test_blockers_list_what_is_missing(dossier):
    messages = [blocker.message for blocker in submission.submission_blockers(dossier)]
    assert "« Problème résolu » (section « Le projet ») est obligatoire." in messages
    assert "Pièce manquante : Lettre d'engagement signée." in messages
    assert "Le budget est vide : ajoutez au moins une ligne de dépense." in messages


def test_a_budget_that_breaks_the_rule_blocks(ready, member):
    drafting.budget_replace(
        actor=member.user,
        dossier=ready,
        base_version=ready.section_versions["_budget"],
        lines=[
            {
                "label": "Prestation",
                "year": 2021,
                "phase": "",
                "category": "external_services",
                "source": "programme",
                "cofinancer_name": "",
                "amount": 150000,
            },
        ],
    )
    blockers = submission.submission_blockers(ready)
    assert [b.part for b in blockers] and all(b.part == "_budget" for b in blockers)


def test_accepted_at_the_last_millisecond_refused_at_the_close(ready, member, dossier):
    close = _close_at_17(ready)
    with pytest.raises(DomainError) as refused:
        submission.dossier_submit(actor=member.user, dossier=ready, declaration=True, at=close)
    assert "la session a clos le 15 juin 2030 à 17:00:00" in refused.value.message
    assert Dossier.objects.get(pk=ready.pk).state == DossierState.DRAFT
    snapshot = submission.dossier_submit(
        actor=member.user, dossier=ready, declaration=True, at=close - timedelta(microseconds=1000)
    )
    assert snapshot.submitted_at == close - timedelta(microseconds=1000)
    assert Dossier.objects.get(pk=ready.pk).state == DossierState.SUBMITTED


def test_a_late_submit_names_the_next_session(ready, member):
    close = _close_at_17(ready)
    SessionFactory(
        theme=ready.theme,
        key="suivante",
        name="Vague 2",
        opens_at=close + timedelta(days=1),
        closes_at=close + timedelta(days=40),
    )
    with pytest.raises(DomainError, match="session \\(« Vague 2 »\\) ouvre le 16 juin 2030"):
        submission.dossier_submit(actor=member.user, dossier=ready, declaration=True, at=close + timedelta(hours=1))


def test_declaration_is_required(ready, member):
    with pytest.raises(DomainError, match="déclaration"):
        submission.dossier_submit(actor=member.user, dossier=ready, declaration=False)


def test_an_outsider_cannot_submit(ready):
    with pytest.raises(DomainError, match="introuvable"):
        submission.dossier_submit(actor=UserFactory(), dossier=ready, declaration=True)


def test_submit_twice_gives_the_same_snapshot(ready, member):
    first = submission.dossier_submit(actor=member.user, dossier=ready, declaration=True)
    second = submission.dossier_submit(actor=member.user, dossier=ready, declaration=True)
    assert first.pk == second.pk
    assert DossierSnapshot.objects.filter(dossier=ready).count() == 1


def test_snapshot_is_frozen_and_its_digest_covers_documents(ready, member):
    snapshot = submission.dossier_submit(actor=member.user, dossier=ready, declaration=True)
    assert snapshot.content["answers"]["probleme"] == "Trop de papier."
    assert snapshot.content["documents"][0]["sha256"] == ready.attachments.get().sha256
    assert snapshot.digest == submission.content_digest(snapshot.content)
    assert snapshot.content["requested_amount"] == "30000.00"
    with pytest.raises(DomainError, match="déposé"):
        drafting.dossier_save_section(
            actor=member.user, dossier=ready, section_key="projet", base_version=99, raw_answers={"probleme": "x"}
        )


def test_receipt_pdf_holds_the_timestamp_and_the_digest(ready, member, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = submission.dossier_submit(actor=member.user, dossier=ready, declaration=True)
    with django_capture_on_commit_callbacks(execute=True):
        snapshot.refresh_from_db()
    assert snapshot.receipt
    with snapshot.receipt.open("rb") as handle:
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=handle.read(), capture_output=True, check=True
        ).stdout.decode()
    submitted = timezone.localtime(snapshot.submitted_at)
    assert submitted.strftime("%H:%M:%S") in text
    assert ready.reference in text
    assert snapshot.digest in text.replace("\n", "")
    assert any("Accusé de réception" in message.subject for message in mailoutbox)


def test_complement_round_trip_reopens_only_the_points(ready, member, staff_user):
    submission.dossier_submit(actor=member.user, dossier=ready, declaration=True)
    request = exchanges.complement_request_create(
        actor=staff_user,
        dossier=ready,
        points=[{"section": "equipe", "message": "Précisez la cheffe de projet."}],
        due_at=timezone.now() + timedelta(days=7),
    )
    ready.refresh_from_db()
    assert ready.state == DossierState.COMPLEMENT_REQUESTED
    with pytest.raises(DomainError, match="Seuls les points"):
        drafting.dossier_save_section(
            actor=member.user, dossier=ready, section_key="projet", base_version=99, raw_answers={"probleme": "x"}
        )
    drafting.dossier_save_section(
        actor=member.user,
        dossier=ready,
        section_key="equipe",
        base_version=ready.section_versions["equipe"],
        raw_answers={"chef": "nouvelle@example.gouv.fr"},
    )
    snapshot = exchanges.complement_answer(actor=member.user, dossier=ready)
    ready.refresh_from_db()
    request.refresh_from_db()
    assert ready.state == DossierState.SUBMITTED and request.answered_at is not None
    assert snapshot.number == 2 and snapshot.content["answers"]["chef"] == "nouvelle@example.gouv.fr"


def test_withdraw_before_decision(ready, member):
    submission.dossier_submit(actor=member.user, dossier=ready, declaration=True)
    assert (
        exchanges.dossier_withdraw(actor=member.user, dossier=ready, reason="Projet abandonné").state
        == DossierState.WITHDRAWN
    )


@pytest.fixture
def staff_user(theme):
    from portal.models import Role
    from portal.services import role_assign

    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=theme.call.programme)
    return user


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_submits_make_one_submission(ready, member):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrency is checked on PostgreSQL (CI); SQLite serialises writers anyway.")
    outcomes = []

    def submit():
        try:
            outcomes.append(submission.dossier_submit(actor=member.user, dossier=ready, declaration=True).pk)
        except Exception as error:  # recorded to fail the test below with its reason
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(outcomes)) == 1, outcomes
    assert DossierSnapshot.objects.filter(dossier=ready).count() == 1
    assert ready.state_changes.filter(transition="submit").count() == 1

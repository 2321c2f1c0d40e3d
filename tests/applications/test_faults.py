"""Faults: a broker outage during a submission, a dropped database connection during an autosave,
a receipt task run twice. Nothing is lost, nothing is half-written, nothing is duplicated."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError
from django.utils import timezone

from applications.models import Dossier, DossierSnapshot
from applications.services import drafting, receipts, submission
from applications.workflow import DossierState
from tests.applications.conftest import complete

pytestmark = pytest.mark.django_db


def test_submission_commits_when_the_broker_is_down_and_the_receipt_follows_after_recovery(
    dossier, member, pdf_file, broker_down, django_capture_on_commit_callbacks
):
    ready = complete(dossier, member.user, pdf_file)
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = submission.dossier_submit(actor=member.user, dossier=ready, declaration=True)
    assert Dossier.objects.get(pk=ready.pk).state == DossierState.SUBMITTED
    snapshot.refresh_from_db()
    assert not snapshot.receipt
    # The broker is back: the periodic sweep produces the missing receipt, once.
    DossierSnapshot.objects.filter(pk=snapshot.pk).update(submitted_at=timezone.now() - timedelta(minutes=5))
    assert receipts.receipts_generate_missing() == 1
    assert receipts.receipts_generate_missing() == 0
    snapshot.refresh_from_db()
    assert snapshot.receipt


def test_receipt_task_run_twice_keeps_one_file(dossier, member, pdf_file):
    ready = complete(dossier, member.user, pdf_file)
    snapshot = submission.dossier_submit(actor=member.user, dossier=ready, declaration=True)
    first = receipts.receipt_generate(snapshot_id=snapshot.pk).receipt.name
    assert receipts.receipt_generate(snapshot_id=snapshot.pk).receipt.name == first


def test_a_dropped_connection_during_an_autosave_writes_nothing(dossier, member):
    with mock.patch("applications.services.drafting.audit_record", side_effect=OperationalError("connexion perdue")):
        with pytest.raises(OperationalError):
            drafting.dossier_save_section(
                actor=member.user,
                dossier=dossier,
                section_key="projet",
                base_version=0,
                raw_answers={"probleme": "Texte qui ne doit pas rester à moitié écrit"},
            )
    dossier.refresh_from_db()
    assert dossier.answers == {} and dossier.version == 1 and dossier.section_versions == {}


def test_a_dropped_connection_during_a_budget_save_keeps_the_old_budget(dossier, member):
    line = {
        "label": "Prestation",
        "year": 2021,
        "phase": "",
        "category": "external_services",
        "source": "programme",
        "cofinancer_name": "",
        "amount": 30000,
    }
    drafting.budget_replace(actor=member.user, dossier=dossier, lines=[line], base_version=0)
    dossier.refresh_from_db()
    with mock.patch("applications.services.drafting.audit_record", side_effect=OperationalError("connexion perdue")):
        with pytest.raises(OperationalError):
            drafting.budget_replace(
                actor=member.user, dossier=dossier, lines=[], base_version=dossier.section_versions["_budget"]
            )
    assert dossier.budget_lines.count() == 1

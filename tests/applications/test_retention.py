import os
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from applications.models import Attachment, Dossier, Message
from applications.workflow import DossierState
from tests.applications.factories import DossierFactory

pytestmark = pytest.mark.django_db


def age(dossier, days):
    Dossier.objects.filter(pk=dossier.pk).update(updated_at=timezone.now() - timedelta(days=days))


def test_old_rejected_dossiers_lose_personal_data_but_keep_statistics():
    dossier = DossierFactory(
        state=DossierState.REJECTED, answers={"contact": "marie@exemple.fr"}, requested_amount=Decimal("50000")
    )
    user = dossier.created_by
    attachment = Attachment(
        dossier=dossier, original_name="cv.pdf", content_type="application/pdf", size=4, sha256="x", uploaded_by=user
    )
    attachment.file.save("cv.pdf", ContentFile(b"%PDF"), save=True)
    stored = attachment.file.path
    Message.objects.create(dossier=dossier, author=user, body="Mon numéro : 06…")
    age(dossier, 800)
    call_command("anonymise_expired_dossiers", days=730)
    dossier.refresh_from_db()
    assert dossier.answers == {} and dossier.summary == "" and dossier.anonymised_at
    assert not dossier.messages.exists() and not dossier.attachments.exists()
    assert dossier.requested_amount == Decimal("50000") and dossier.state == DossierState.REJECTED
    assert not os.path.exists(stored)


def test_recent_or_funded_dossiers_are_kept():
    recent = DossierFactory(state=DossierState.REJECTED, answers={"a": "b"})
    funded = DossierFactory(state=DossierState.SELECTED, answers={"a": "b"})
    age(funded, 800)
    call_command("anonymise_expired_dossiers", days=730)
    for dossier in (recent, funded):
        dossier.refresh_from_db()
        assert dossier.answers == {"a": "b"} and dossier.anonymised_at is None

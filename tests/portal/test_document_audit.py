"""Every view that serves a stored document writes one "document.view" event; a refused request writes none."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from applications.models import Attachment, DossierSnapshot, Message
from funding.models import Convention
from juries.models import Decision, Deliberation
from portal.models import AuditEvent
from tests.applications.factories import DossierFactory
from tests.juries.conftest import (  # noqa: F401  (fixtures)
    dossiers,
    jury,
    members,
    programme,
    reviewed,
    session,
    staff,
    theme,
)
from tests.portal.factories import UserFactory

PDF = b"%PDF-1.4 test"


def attach(dossier, name: str, message=None) -> Attachment:
    return Attachment.objects.create(
        dossier=dossier,
        kind="annexe",
        file=ContentFile(PDF, name="x.pdf"),
        original_name=name,
        message=message,
        content_type="application/pdf",
        size=len(PDF),
        sha256="0" * 64,
        uploaded_by=dossier.created_by,
    )


@pytest.fixture
def served(reviewed, jury, members, staff, session):
    """name → (url, user allowed to open it, audit target, kind, document id, name) for every serving view."""
    dossier = reviewed[0]
    carrier = dossier.created_by
    piece = attach(dossier, "annexe technique.pdf")
    message = Message.objects.create(dossier=dossier, author=carrier, body="Voici la pièce.")
    reply = attach(dossier, "réponse.pdf", message=message)
    snapshot = DossierSnapshot.objects.create(
        dossier=dossier,
        number=1,
        submitted_at=timezone.now(),
        submitted_by=carrier,
        content={},
        digest="0" * 64,
        receipt=ContentFile(PDF, name="r.pdf"),
    )
    deliberation = Deliberation.objects.create(
        jury=jury,
        session=session,
        recorded_at=timezone.now(),
        recorded_by=staff,
        minutes=ContentFile(PDF, name="pv.pdf"),
    )
    decision = Decision.objects.create(
        deliberation=deliberation, dossier=dossier, kind=Decision.Kind.REJECTED, letter=ContentFile(PDF, name="l.pdf")
    )
    funded = DossierFactory(session=session, selected=True)
    convention = Convention.objects.create(
        dossier=funded,
        version=1,
        amount=1000,
        sent_at=timezone.now() - timedelta(days=1),
        pdf=ContentFile(PDF, name="c.pdf"),
        signed_file=ContentFile(PDF, name="s.pdf"),
    )
    juror = members[1].user
    return {
        "piece": (
            reverse("applications:document_download", args=[dossier.pk, piece.pk]),
            carrier,
            dossier,
            "attachment",
            piece.pk,
            "annexe technique.pdf",
        ),
        "exchange": (
            reverse("applications:document_download", args=[dossier.pk, reply.pk]),
            carrier,
            dossier,
            "message_attachment",
            reply.pk,
            "réponse.pdf",
        ),
        "staff_piece": (
            reverse("applications:staff_document_download", args=[dossier.pk, piece.pk]),
            staff,
            dossier,
            "attachment",
            piece.pk,
            "annexe technique.pdf",
        ),
        "juror_piece": (
            reverse("juries:document", args=[jury.pk, dossier.pk, piece.pk]),
            juror,
            dossier,
            "attachment",
            piece.pk,
            "annexe technique.pdf",
        ),
        "receipt": (
            reverse("applications:receipt", args=[dossier.pk, 1]),
            carrier,
            dossier,
            "receipt",
            snapshot.pk,
            f"accuse-reception-{dossier.reference}-1.pdf",
        ),
        "minutes": (
            reverse("juries:minutes", args=[jury.pk, deliberation.pk]),
            staff,
            deliberation,
            "minutes",
            deliberation.pk,
            f"proces-verbal-{jury.pk}-{deliberation.pk}.pdf",
        ),
        "letter": (
            reverse("juries:decision_letter", args=[decision.pk]),
            carrier,
            dossier,
            "decision_letter",
            decision.pk,
            f"decision-{dossier.reference}.pdf",
        ),
        "convention": (
            reverse("funding:download", args=[funded.pk, 1]),
            funded.created_by,
            funded,
            "convention",
            convention.pk,
            f"convention-{funded.reference}-v1.pdf",
        ),
        "signed_convention": (
            reverse("funding:download_signed", args=[funded.pk, 1]),
            funded.created_by,
            funded,
            "signed_convention",
            convention.pk,
            f"convention-{funded.reference}-v1-signee.pdf",
        ),
    }


CASES = [
    "piece",
    "exchange",
    "staff_piece",
    "juror_piece",
    "receipt",
    "minutes",
    "letter",
    "convention",
    "signed_convention",
]


def views():
    return AuditEvent.objects.filter(action="document.view")


@pytest.mark.parametrize("case", CASES)
def test_serving_a_document_records_who_opened_what(client, served, case):
    url, user, target, kind, document_id, name = served[case]
    client.force_login(user)
    before = views().count()
    response = client.get(url, REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert views().count() == before + 1
    event = views().latest("pk")
    assert (event.actor, event.target_type.model_class(), event.target_id) == (user, type(target), str(target.pk))
    assert event.data == {"document": document_id, "kind": kind, "name": name}
    assert event.ip_address == "192.0.2.7"
    assert event.call_id == target.audit_call_id  # filed under the call: shown in its audit trail


@pytest.mark.parametrize("case", CASES)
def test_a_refused_request_records_no_view(client, served, case):
    url = served[case][0]
    client.force_login(UserFactory(email="curieux@exemple.fr"))
    assert client.get(url).status_code in (403, 404)
    client.logout()
    assert client.get(url).status_code == 302
    assert not views().exists()


def test_the_call_audit_trail_shows_document_views(client, served, staff):
    url, user, target, *_ = served["piece"]
    client.force_login(user)
    client.get(url)
    client.force_login(staff)
    page = client.get(
        reverse("audit:call_audit", args=[target.audit_call_id]), {"action": "document."}
    ).content.decode()
    assert "document.view" in page and user.email in page

"""Expert opinions and the jury: jurors read the answered opinions staff chose to share, never the others."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.services import opinions
from juries.services import assignment
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


def answered(staff, dossier, *, email, visibility, answer):
    request = opinions.opinion_request_create(
        actor=staff,
        dossier=dossier,
        email=email,
        question="Avis technique ?",
        due_at=timezone.now() + timedelta(days=5),
        visibility=visibility,
    )
    expert = UserFactory(email=email)
    opinions.opinion_invitation_accept(actor=expert, token=request.token)
    opinions.opinion_interests_declare(actor=expert, request=request, has_interest=False)
    opinions.opinion_answer(actor=expert, request=request, answer=answer, position="favourable")
    return request


def test_jurors_read_only_the_opinions_shared_with_them(client, settings, staff, jury, members, reviewed):
    settings.PORTAL_ENFORCE_MFA = False
    dossier, chair = reviewed[0], members[0]
    assignment.assign_manual(actor=staff, member=chair, dossier=dossier)
    answered(staff, dossier, email="a@expert.fr", visibility="jury", answer="Avis partagé avec le jury.")
    answered(staff, dossier, email="b@expert.fr", visibility="staff", answer="Avis réservé à l'équipe.")
    waiting = opinions.opinion_request_create(
        actor=staff,
        dossier=dossier,
        email="c@expert.fr",
        question="En attente ?",
        due_at=timezone.now() + timedelta(days=5),
        visibility="jury",
    )
    client.force_login(chair.user)
    page = client.get(reverse("juries:score", args=[jury.pk, dossier.pk])).content.decode()
    assert "Avis partagé avec le jury." in page
    assert "Avis réservé à l'équipe." not in page and waiting.question not in page

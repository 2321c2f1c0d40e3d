"""Scores and deliberation amounts refuse hostile numbers in French; nothing is saved, never a 500."""

import html
import uuid

import pytest
from django.urls import reverse

from juries.models import Deliberation, Evaluation
from tests.juries.test_views import assigned, score_post  # noqa: F401 (fixture)
from tests.portal.hostile_inputs import HOSTILE_NUMBERS

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("score", [*HOSTILE_NUMBERS.values(), "-Infinity"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "autosave"])
def test_a_hostile_score_is_refused_in_french(client, jury, members, assigned, score, htmx):
    juror, dossier = members[1], assigned[0]
    client.force_login(juror.user)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(reverse("juries:score", args=[jury.pk, dossier.pk]), score_post(leaves=score), **headers)
    assert response.status_code == 200
    # The page says why next to the criterion; the autosave status names the criteria to correct.
    assert (
        ("Saisissez" in page(response) or "trop long" in page(response))
        if not htmx
        else "à corriger : A" in page(response)
    )
    assert not Evaluation.objects.filter(assignment__member=juror, assignment__dossier=dossier).exists()


@pytest.mark.parametrize("amount", HOSTILE_NUMBERS.values(), ids=HOSTILE_NUMBERS.keys())
def test_a_hostile_deliberation_amount_is_refused_in_french(client, jury, assigned, staff, amount):
    first = assigned[0]
    client.force_login(staff)
    data = {f"kind_{first.pk}": "selected", f"amount_{first.pk}": amount, "action": "record", "confirm": "1"}
    data["idempotency_key"] = str(uuid.uuid4())  # drawn with the page
    response = client.post(reverse("juries:staff_ranking", args=[jury.pk]), data)
    assert response.status_code == 200
    assert f"{first.reference} : " in page(response)
    assert not Deliberation.objects.exists()

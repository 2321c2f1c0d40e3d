"""What the resources say: a dossier's detail (answers, budget, the rule's evaluation, partners, files and their
links), decisions and conventions with money as decimal strings, laureates exactly as the site's open data."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import timezone

from tests.api.conftest import OPERATOR_SCOPES, STAFF_SCOPES, api_client, token_for

MONEY = re.compile(r"^\d+\.\d{2}$")


def test_a_dossier_detail_carries_what_the_staff_page_shows(world_p):
    client = api_client(token_for(world_p.staff, world_p.programme, ["dossiers:read"]))
    body = client.get(reverse("api_v1:dossier_detail", kwargs={"dossier_id": world_p.dossier.pk})).json()
    assert body["answers"]["probleme"] == "Le problème P"
    assert body["budget"]["total"] == "40000.00" and [line["amount"] for line in body["budget"]["lines"]] == [
        "40000.00"
    ]
    assert body["requested_amount"] == "40000.00"
    evaluation = body["rule_evaluation"]
    assert evaluation is not None and all(MONEY.match(evaluation[key]) for key in ("total_cost", "granted_amount"))
    assert [partner["role"] for partner in body["partners"]] == ["partner"]
    [document] = body["documents"]
    assert (document["name"], document["size"], document["content_type"]) == ("lettre-P.pdf", 4, "application/pdf")
    assert document["download_url"].endswith(f"/api/v1/dossiers/{world_p.dossier.pk}/documents/{world_p.attachment.pk}")
    assert timezone.datetime.fromisoformat(body["submitted_at"]).utcoffset() is not None


def test_decisions_and_conventions_speak_in_decimal_strings(world_p):
    staff = api_client(token_for(world_p.staff, world_p.programme, STAFF_SCOPES))
    [decision] = staff.get(reverse("api_v1:decision_list")).json()["items"]
    assert decision["granted_amount"] == "30000.00" and decision["dossier"]["id"] == world_p.funded.pk
    operator = api_client(token_for(world_p.operator, world_p.programme, OPERATOR_SCOPES))
    convention = operator.get(
        reverse("api_v1:convention_detail", kwargs={"convention_id": world_p.convention.pk})
    ).json()
    assert convention["amount"] == "30000.00"
    assert sum(float(tranche["amount"]) for tranche in convention["tranches"]) == 30000
    assert all(MONEY.match(tranche["amount"]) for tranche in convention["tranches"])
    [payment] = operator.get(reverse("api_v1:payment_list")).json()["items"]
    assert payment["amount"] == "1000.00" and payment["reference"] == "MANDAT-P-1"


def test_laureates_are_the_site_open_data(world_p, world_q, client):
    site = client.get(reverse("laureates:open_data_json")).json()
    api = client.get(reverse("api_v1:laureate_list")).json()
    assert api["items"] == site["data"] and len(api["items"]) == 2
    assert api["schema_url"] == site["schema"] and api["licence"] == site["licence"]
    only_p = client.get(reverse("api_v1:laureate_list"), {"programme": world_p.programme.slug}).json()["items"]
    assert len(only_p) == 1

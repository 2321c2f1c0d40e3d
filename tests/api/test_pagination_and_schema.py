"""Dossiers page by page: every page costs the same number of queries however far it is, the walk sees each
dossier once even when one changes meanwhile, `updated_since` resumes a sync; the OpenAPI 3 schema validates and
describes fields in French and English, money as decimal strings and instants with their offset."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openapi_spec_validator import validate

from applications.models import Dossier
from tests.api.conftest import api_client, token_for
from tests.applications.factories import BudgetLineFactory, DossierFactory


def walk(client, url: str) -> tuple[list[int], list[int]]:
    """(ids in order, queries per page) following `next` to the end."""
    ids, queries = [], []
    while url:
        with CaptureQueriesContext(connection) as captured:
            body = client.get(url).json()
        ids += [item["id"] for item in body["items"]]
        queries.append(len(captured))
        url = body["next"]
    return ids, queries


@pytest.mark.parametrize("rows", [8, 24])
def test_every_page_costs_the_same_queries(world_p, rows):
    for _ in range(rows):
        dossier = DossierFactory(session=world_p.session, submitted=True, submitted_at=timezone.now())
        BudgetLineFactory(dossier=dossier)
    client = api_client(token_for(world_p.staff, world_p.programme, ["dossiers:read"]))
    client.get("/api/v1/dossiers?limit=1")  # warm the caches a running server has
    ids, queries = walk(client, "/api/v1/dossiers?limit=3")
    expected = set(Dossier.objects.exclude(state="draft").filter(session=world_p.session).values_list("pk", flat=True))
    assert len(ids) == len(set(ids)) and set(ids) == expected
    assert len(set(queries)) == 1, queries  # the last page costs what the first does
    print(f"\n{rows + 2} dossiers, {len(queries)} pages de 3 : {queries[0]} requêtes SQL par page.")


def test_a_dossier_changed_during_the_walk_moves_to_the_end_and_is_not_lost(world_p):
    others = [DossierFactory(session=world_p.session, submitted=True) for _ in range(5)]
    client = api_client(token_for(world_p.staff, world_p.programme, ["dossiers:read"]))
    first = client.get("/api/v1/dossiers?limit=2").json()
    seen = [item["id"] for item in first["items"]]
    changed = Dossier.objects.get(pk=seen[0])
    changed.title = "Titre modifié pendant la synchronisation"
    changed.save()
    rest, _ = walk(client, first["next"])
    assert rest[-1] == changed.pk and len(set(seen + rest)) == len(others) + 2


def test_updated_since_resumes_an_incremental_sync(world_p, time_machine):
    client = api_client(token_for(world_p.staff, world_p.programme, ["dossiers:read"]))
    everything = client.get("/api/v1/dossiers").json()["items"]
    last = max(item["updated_at"] for item in everything)
    assert timezone.datetime.fromisoformat(last).utcoffset() is not None
    time_machine.move_to(timezone.now() + timedelta(minutes=5))
    world_p.dossier.title = "Nouveau titre"
    world_p.dossier.save()
    since = (timezone.now() - timedelta(minutes=1)).isoformat()
    changed = client.get("/api/v1/dossiers", {"updated_since": since}).json()["items"]
    assert [item["id"] for item in changed] == [world_p.dossier.pk]


def test_the_openapi_schema_validates_and_speaks_both_languages(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert schema["openapi"].startswith("3.")
    components = schema["components"]["schemas"]
    payment = components["PaymentOut"]["properties"]
    assert payment["amount"]["type"] == "string" and "pattern" in payment["amount"]
    assert payment["recorded_at"]["format"] == "date-time"
    descriptions = [
        prop.get("description", "")
        for component in components.values()
        for prop in component.get("properties", {}).values()
    ]
    assert descriptions and all(" / " in text or "*" in text for text in descriptions if text), [
        text for text in descriptions if text and " / " not in text and "*" not in text
    ][:5]
    errors = schema["paths"]["/api/v1/dossiers"]["get"]["responses"]["401"]["content"]
    assert list(errors) == ["application/problem+json"]
    assert schema["components"]["securitySchemes"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and b"swagger" in page.content.lower()

"""Errors are problem+json in French and never leak internals; tokens are shown once, stored hashed, audited per
call, rate limited, revocable, and given only the rights their creator's role allows."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from api.services import tokens
from portal.errors import DomainError
from portal.models import AuditEvent
from tests.api.conftest import OPERATOR_SCOPES, STAFF_SCOPES, api_client, token_for

PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "instance"}
INTERNALS = re.compile(r"Traceback|File \"|\.py\b|django\.|api\.v1|Error\b|Exception|select |SELECT ")


def assert_problem(response, status: int, code: str):
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert PROBLEM_KEYS <= set(body) and body["status"] == status and body["code"] == code
    assert body["type"].startswith("urn:portail-aap:probleme:")
    assert not INTERNALS.search(response.content.decode()), response.content
    return body


def test_each_error_is_a_french_problem(world_p, settings):
    secret = token_for(world_p.staff, world_p.programme, ["dossiers:read"])
    body = assert_problem(api_client().get("/api/v1/dossiers"), 401, "unauthenticated")
    assert "Jeton" in body["detail"]
    assert api_client().get("/api/v1/dossiers")["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "droit" in assert_problem(api_client(secret).get("/api/v1/decisions"), 403, "scope_denied")["detail"]
    assert_problem(api_client(secret).get("/api/v1/dossiers/999999"), 404, "not_found")
    body = assert_problem(
        api_client(secret).get("/api/v1/dossiers", {"updated_since": "2026-01-01T10:00"}), 422, "invalid"
    )
    assert body["errors"] == [
        {"field": "updated_since", "message": "l'heure doit porter son décalage horaire (par exemple +01:00 ou Z)"}
    ]
    assert_problem(api_client(secret).get("/api/v1/dossiers", {"cursor": "pas-un-curseur"}), 422, "invalid_cursor")
    assert_problem(api_client(secret).get("/api/v1/dossiers", {"limit": 100000}), 422, "invalid")
    assert_problem(api_client().get("/api/v1/adresse-inconnue"), 404, "not_found")
    assert_problem(api_client().get("/api/v2/dossiers"), 404, "not_found")


def test_a_crash_is_a_generic_500_without_internals(world_p, monkeypatch):
    from api import selectors

    secret = token_for(world_p.staff, world_p.programme, ["dossiers:read"])

    def broken(token):
        raise RuntimeError("select * from applications_dossier -- secret interne")

    monkeypatch.setattr(selectors, "dossiers_for", broken)
    body = assert_problem(api_client(secret).get("/api/v1/dossiers"), 500, "internal")
    assert "secret interne" not in str(body)
    assert AuditEvent.objects.filter(action="api.request", data__status=500).count() == 1


def test_rate_limit_per_token(world_p, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    first = api_client(token_for(world_p.staff, world_p.programme, ["dossiers:read"]))
    other = api_client(token_for(world_p.staff, world_p.programme, ["dossiers:read"]))
    answers = [first.get("/api/v1/dossiers") for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert answers[0]["RateLimit-Limit"] == "3" and answers[2]["RateLimit-Remaining"] == "0"
    assert_problem(answers[3], 429, "rate_limited")
    assert 1 <= int(answers[3]["Retry-After"]) <= 60
    assert other.get("/api/v1/dossiers").status_code == 200  # the limit is per token


def test_a_token_is_stored_hashed_and_works_until_revoked(world_p):
    token, secret = tokens.token_create(
        actor=world_p.staff,
        programme=world_p.programme,
        name="Statistiques",
        scopes=["dossiers:read"],
        expires_at=timezone.now() + timedelta(days=10),
    )
    assert secret.startswith(f"pap_{token.prefix}_") and len(secret) > 50
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(ApiToken.objects.values()))
    assert api_client(secret).get("/api/v1/dossiers").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_ip == "127.0.0.1"
    tokens.token_revoke(actor=world_p.staff, token=token)
    assert api_client(secret).get("/api/v1/dossiers").status_code == 401


def test_every_call_with_a_token_is_audited_once(world_p):
    secret = token_for(world_p.staff, world_p.programme, ["dossiers:read"])
    api_client(secret).get("/api/v1/dossiers", {"state": "submitted"})
    api_client(secret).get("/api/v1/decisions")
    events = list(AuditEvent.objects.filter(action="api.request").order_by("pk"))
    assert [(e.data["method"], e.data["path"], e.data["status"]) for e in events] == [
        ("GET", "/api/v1/dossiers?state=submitted", 200),
        ("GET", "/api/v1/decisions", 403),
    ]
    assert events[0].actor == world_p.staff and events[0].data["token"] == ApiToken.objects.get().prefix
    api_client().get("/api/v1/calls")  # public, no token: nothing to attribute
    assert AuditEvent.objects.filter(action="api.request").count() == 2


def test_a_document_download_is_audited_like_on_the_site(world_p):
    secret = token_for(world_p.staff, world_p.programme, ["dossiers:read"])
    detail = api_client(secret).get(f"/api/v1/dossiers/{world_p.dossier.pk}").json()
    response = api_client(secret).get(detail["documents"][0]["download_url"])
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF"
    event = AuditEvent.objects.get(action="document.view")
    assert event.actor == world_p.staff and event.data["document"] == world_p.attachment.pk


@pytest.mark.parametrize(
    "who, scopes, code",
    [
        ("operator", ["dossiers:read"], "scope_refused"),
        ("staff", ["payments:write"], "scope_refused"),
        ("staff", [], "scopes_required"),
        ("outsider", ["dossiers:read"], "not_found"),
    ],
)
def test_a_token_gets_only_what_its_creator_may_give(world_p, who, scopes, code):
    from tests.portal.factories import UserFactory

    actor = {"operator": world_p.operator, "staff": world_p.staff, "outsider": UserFactory()}[who]
    with pytest.raises(DomainError) as error:
        tokens.token_create(
            actor=actor,
            programme=world_p.programme,
            name="Essai",
            scopes=scopes,
            expires_at=timezone.now() + timedelta(days=1),
        )
    assert error.value.code == code


def test_expiry_is_in_the_future_and_within_a_year(world_p):
    for delta, code in [(timedelta(days=-1), "expired"), (timedelta(days=400), "too_long")]:
        with pytest.raises(DomainError) as error:
            tokens.token_create(
                actor=world_p.staff,
                programme=world_p.programme,
                name="Essai",
                scopes=OPERATOR_SCOPES[:1],
                expires_at=timezone.now() + delta,
            )
        assert error.value.code == code


def test_only_staff_or_the_creator_revoke(world_p, world_q):
    token, _ = tokens.token_create(
        actor=world_p.staff,
        programme=world_p.programme,
        name="Essai",
        scopes=STAFF_SCOPES,
        expires_at=timezone.now() + timedelta(days=1),
    )
    for outsider in (world_p.operator, world_q.staff):
        with pytest.raises(DomainError):
            tokens.token_revoke(actor=outsider, token=token)
    assert reverse("api_v1:dossier_list") == "/api/v1/dossiers"

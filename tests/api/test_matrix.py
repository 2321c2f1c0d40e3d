"""Every endpoint × token scope × programme: a token of P reads P's objects, gets 404 on Q's, 403 without the
scope the endpoint needs, 401 without a token (the site's session opens nothing); public endpoints need none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from api.scopes import SCOPES
from api.v1.api import api
from tests.api.conftest import OPERATOR_SCOPES, STAFF_SCOPES, api_client, token_for


@dataclass(frozen=True)
class Endpoint:
    scope: str
    owner: str  # "staff" or "operator": who may hold the scope
    kwargs: object = None  # world → URL arguments (detail endpoints)
    listed: object = None  # world → ids a list must show for P and never for Q
    key: str = "id"


DOSSIERS = lambda w: {w.dossier.pk, w.funded.pk}  # noqa: E731
ENDPOINTS = {
    "dossier_list": Endpoint("dossiers:read", "staff", listed=DOSSIERS),
    "dossier_detail": Endpoint("dossiers:read", "staff", kwargs=lambda w: {"dossier_id": w.dossier.pk}),
    "dossier_document": Endpoint(
        "dossiers:read", "staff", kwargs=lambda w: {"dossier_id": w.dossier.pk, "document_id": w.attachment.pk}
    ),
    "jury_list": Endpoint("evaluations:read", "staff", listed=lambda w: {w.jury.pk}),
    "jury_evaluations": Endpoint("evaluations:read", "staff", kwargs=lambda w: {"jury_id": w.jury.pk}),
    "jury_ranking": Endpoint("evaluations:read", "staff", kwargs=lambda w: {"jury_id": w.jury.pk}),
    "decision_list": Endpoint("evaluations:read", "staff", listed=lambda w: {w.decision.pk}),
    "convention_list": Endpoint("conventions:read", "operator", listed=lambda w: {w.convention.pk}),
    "convention_detail": Endpoint("conventions:read", "operator", kwargs=lambda w: {"convention_id": w.convention.pk}),
    "milestone_list": Endpoint("conventions:read", "operator", listed=lambda w: {w.milestone.pk}),
    "payment_list": Endpoint("payments:read", "operator", listed=lambda w: {w.payment.pk}),
    "payment_detail": Endpoint("payments:read", "operator", kwargs=lambda w: {"payment_id": w.payment.pk}),
    "report_list": Endpoint("reports:read", "operator", listed=lambda w: {w.report.pk}),
}
PUBLIC = {"call_list", "call_detail", "theme_list", "theme_detail", "session_list", "session_detail", "laureate_list"}
WRITES = {"payment_create"}
DOCS = {"openapi-json", "openapi-view", "api-root"}


def operation_names() -> set[str]:
    names = set()
    for path_view in api._get_bound_routers():
        for operations in path_view.path_operations.values():
            names |= {operation.url_name for operation in operations.operations}
    return names


def items(response) -> list:
    body = response.json()
    return body["items"] if isinstance(body, dict) else body


def test_every_operation_has_an_expectation():
    assert operation_names() == set(ENDPOINTS) | PUBLIC | WRITES


def test_every_endpoint_by_scope_and_programme(world_p, world_q, client):
    worlds = {"P": world_p, "Q": world_q}
    owners = {"staff": (world_p.staff, STAFF_SCOPES), "operator": (world_p.operator, OPERATOR_SCOPES)}
    full = {role: token_for(user, world_p.programme, scopes) for role, (user, scopes) in owners.items()}
    # For each scope, a token of its owner with every other scope the owner may give.
    without = {
        code: token_for(owners[role][0], world_p.programme, [s for s in owners[role][1] if s != code])
        for code, scope in SCOPES.items()
        for role in ("staff", "operator")
        if role.replace("operator", "fund_operator") in scope.roles and len(owners[role][1]) > 1
    }
    session = api_client()
    session.force_login(world_p.staff)
    checks = 0
    for name, endpoint in ENDPOINTS.items():
        for label, world in worlds.items():
            url = reverse(f"api_v1:{name}", kwargs=endpoint.kwargs(world) if endpoint.kwargs else None)
            response = api_client(full[endpoint.owner]).get(url)
            checks += 1
            if endpoint.listed:
                assert response.status_code == 200, (name, response.content)
                got = {item[endpoint.key] for item in items(response)}
                expected = endpoint.listed(world)
                assert (got & expected == expected) if label == "P" else not (got & expected), (name, label, got)
            else:
                assert response.status_code == (200 if label == "P" else 404), (name, label, response.content)
            if label == "Q":
                continue
            denied = api_client(without[endpoint.scope]).get(url)
            assert denied.status_code == 403 and denied.json()["code"] == "scope_denied", (name, denied.content)
            assert api_client().get(url).status_code == 401, name
            assert session.get(url).status_code == 401, f"{name}: la session du site n'ouvre pas l'API"
            checks += 3
    # A nested object of Q under P's dossier is a 404 too.
    foreign = reverse(
        "api_v1:dossier_document", kwargs={"dossier_id": world_p.dossier.pk, "document_id": world_q.attachment.pk}
    )
    assert api_client(full["staff"]).get(foreign).status_code == 404
    # Filters naming Q's objects find nothing.
    for name, query in [
        ("dossier_list", {"session": world_q.session.pk}),
        ("decision_list", {"jury": world_q.jury.pk}),
        ("payment_list", {"dossier": world_q.funded.pk}),
        ("milestone_list", {"dossier": world_q.funded.pk}),
    ]:
        owner = ENDPOINTS[name].owner
        assert items(api_client(full[owner]).get(reverse(f"api_v1:{name}"), query)) == [], name
        checks += 1
    # Writing: the operator's token pays P's tranche, not Q's; read tokens and staff tokens cannot write.
    url = reverse("api_v1:payment_create")
    body = {"paid_on": timezone.localdate().isoformat(), "amount": "10.00", "reference": "MATRICE-1"}
    post = lambda secret, tranche, key: api_client(secret).post(  # noqa: E731
        url, {**body, "tranche": tranche.pk}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert post(full["operator"], world_q.tranche, "k-q").status_code == 404
    assert post(without["payments:write"], world_p.tranche, "k-r").status_code == 403
    assert post(full["staff"], world_p.tranche, "k-s").status_code == 403
    assert post(None, world_p.tranche, "k-a").status_code == 401
    assert post(full["operator"], world_p.tranche, "k-p").status_code == 201
    checks += 5
    # Public resources answer without a token, and only for public calls.
    for name in sorted(PUBLIC):
        kwargs = {
            "call_detail": {"call_id": world_p.convention.dossier.theme.call_id},
            "theme_detail": {"theme_id": world_p.session.theme_id},
            "session_detail": {"session_id": world_p.session.pk},
        }.get(name)
        assert client.get(reverse(f"api_v1:{name}", kwargs=kwargs)).status_code == 200, name
        checks += 1
    print(f"\nMatrice de l'API : {checks} vérifications.")


def test_a_token_of_a_creator_who_lost_the_role_opens_nothing(world_p):
    from portal.models import Role
    from portal.services import role_revoke

    secret = token_for(world_p.staff, world_p.programme, STAFF_SCOPES)
    role_revoke(actor=None, user=world_p.staff, role=Role.PROGRAMME_STAFF, scope=world_p.programme)
    assert api_client(secret).get(reverse("api_v1:dossier_list")).status_code == 401


def test_an_expired_or_revoked_token_is_refused(world_p, time_machine):
    from api.models import ApiToken
    from api.services import tokens

    secret = token_for(world_p.staff, world_p.programme, STAFF_SCOPES, days=2)
    url = reverse("api_v1:dossier_list")
    assert api_client(secret).get(url).status_code == 200
    assert api_client(secret[:-2] + "xx").get(url).status_code == 401
    time_machine.move_to(timezone.now() + timedelta(days=3))
    assert api_client(secret).get(url).status_code == 401
    time_machine.move_to(timezone.now() - timedelta(days=3))
    tokens.token_revoke(actor=world_p.staff, token=ApiToken.objects.get())
    assert api_client(secret).get(url).status_code == 401

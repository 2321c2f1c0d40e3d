"""A database connection that drops during a request: a read is served again, a write gets a French
« réessayez » page keeping the input, never a 500 (portal.database_faults)."""

import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path

from portal.database_faults import server_error

pytestmark = pytest.mark.django_db

calls = []


def flaky_view(request):
    """Meets a dropped connection on its first call, answers on the next ones."""
    calls.append(request.method)
    if len(calls) == 1:
        raise OperationalError("server closed the connection unexpectedly")
    return HttpResponse("servi")


def broken_view(request):
    calls.append(request.method)
    raise OperationalError("server closed the connection unexpectedly")


def failing_view(request):
    raise ValueError("un bogue")


urlpatterns = [
    path("lecture/", flaky_view),
    path("toujours/", broken_view),
    path("bogue/", failing_view),
    path("", include("portal.urls")),  # the pages' frame links to them
]
handler500 = "portal.database_faults.server_error"


@pytest.fixture(autouse=True)
def _test_urls(settings):
    settings.ROOT_URLCONF = __name__
    calls.clear()


def test_a_read_that_meets_a_dropped_connection_is_served_again(client):
    response = client.get("/lecture/")
    assert response.status_code == 200 and response.content == b"servi"
    assert calls == ["GET", "GET"]


def test_a_read_that_fails_twice_gets_the_retry_page_not_a_500(client):
    response = client.get("/toujours/?page=2")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    page = response.content.decode()
    assert "Réessayez dans un instant" in page and 'href="/toujours/?page=2"' in page
    assert calls == ["GET", "GET"]  # one retry, no loop


def test_a_write_is_not_replayed_and_its_input_is_kept():
    client = Client(enforce_csrf_checks=False)
    response = client.post(
        "/lecture/", {"titre": "Mon <projet>", "choix": ["a", "b"], "password": "secret", "csrfmiddlewaretoken": "x"}
    )
    assert response.status_code == 503
    assert calls == ["POST"]  # a write is never run twice by the server
    page = response.content.decode()
    assert "Votre saisie n'est pas perdue" in page and "Renvoyer ma saisie" in page
    assert 'name="titre" value="Mon &lt;projet&gt;"' in page
    assert 'name="choix" value="a"' in page and 'name="choix" value="b"' in page
    assert "secret" not in page  # a password is never echoed
    assert page.count('name="csrfmiddlewaretoken"') == 1  # a fresh token, not the posted one


def test_htmx_and_api_callers_get_the_message_in_their_format(client):
    response = client.post("/toujours/", {"a": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 503 and "Réessayez" in response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    response = client.post("/toujours/", {"a": "1"}, headers={"Accept": "application/json"})
    assert response.status_code == 503 and "Réessayez" in response.json()["detail"]


def test_other_errors_still_get_the_generic_500_page():
    client = Client(raise_request_exception=False)
    response = client.get("/bogue/")
    assert response.status_code == 500 and "Réessayez dans un instant" not in response.content.decode()


def test_a_dropped_connection_outside_a_view_gets_the_retry_page(rf):
    request = rf.post("/ailleurs/", {"nom": "Dupont"})
    try:
        raise OperationalError("connexion perdue pendant l'enregistrement de la session")
    except OperationalError:
        response = server_error(request)  # handler500, which Django calls inside the except
    assert response.status_code == 503 and 'name="nom" value="Dupont"' in response.content.decode()

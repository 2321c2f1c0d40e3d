import json

import pytest
from django.urls import reverse

from tests.applications.factories import DossierFactory

pytestmark = pytest.mark.django_db


def test_privacy_page_is_public(client):
    assert "Données personnelles" in client.get(reverse("portal:privacy")).content.decode()


def test_user_downloads_their_data_and_only_theirs(client):
    mine = DossierFactory(acronym="MIEN")
    DossierFactory(acronym="AUTRE")
    client.force_login(mine.created_by)
    response = client.get(reverse("portal:personal_data_download"))
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["compte"]["email"] == mine.created_by.email
    assert [d["acronyme"] for d in data["dossiers_crees"]] == ["MIEN"]
    assert data["organisations"][0]["nom"] == mine.organisation.name


def test_data_download_needs_a_login(client):
    assert client.get(reverse("portal:personal_data_download")).status_code == 302

import pytest
from django.urls import reverse

from portal.models import OutboxMessage
from tests.portal.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_home_page_is_in_the_state_design_system(client):
    response = client.get(reverse("home"))
    content = response.content.decode()
    assert response.status_code == 200
    assert 'class="fr-header"' in content and 'class="fr-footer"' in content
    assert 'href="#content"' in content  # skip link
    assert "Se connecter" in content


def test_unknown_page_gets_the_portal_404(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    assert "Page non trouvée" in response.content.decode()


def test_pages_need_a_login(client):
    for name in ["portal:dashboard", "portal:organisation_choose", "portal:notifications"]:
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("account_login") in response.url


def test_notifications_page_lists_only_mine(client, django_assert_max_num_queries):
    membership = MembershipFactory()
    other = UserFactory()
    OutboxMessage.objects.create(event="x", recipient=membership.user, to_email="a@b.fr", subject="Pour moi", body=".")
    OutboxMessage.objects.create(event="x", recipient=other, to_email="c@d.fr", subject="Pas pour moi", body=".")
    client.force_login(membership.user)
    content = client.get(reverse("portal:notifications")).content.decode()
    assert "Pour moi" in content and "Pas pour moi" not in content


@pytest.mark.parametrize("rows", [5, 60])
def test_notifications_query_count_is_flat(client, django_assert_num_queries, rows):
    membership = MembershipFactory()
    OutboxMessage.objects.bulk_create(
        OutboxMessage(event="x", recipient=membership.user, to_email="a@b.fr", subject=f"n°{i}", body=".")
        for i in range(rows)
    )
    client.force_login(membership.user)
    client.get(reverse("portal:notifications"))  # the first request of a session records it (usersessions)
    # session, user, memberships, roles, count, page
    with django_assert_num_queries(6):
        client.get(reverse("portal:notifications"))


def test_health_probe_touches_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("portal:health"))
    assert response.content == b"ok"

"""The pages that list requests, members and organisations take as many queries for 3 rows as for 30."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import Membership, MembershipRequest, Organisation, Role
from portal.services import role_assign
from tests.calls.model_factories import ProgrammeFactory
from tests.portal.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def grow(organisation, count: int) -> None:
    """`count` more members and as many pending requests, and as many new organisations with a member each."""
    users = [UserFactory() for _ in range(2 * count)]
    Membership.objects.bulk_create([Membership(user=u, organisation=organisation) for u in users[:count]])
    MembershipRequest.objects.bulk_create([MembershipRequest(user=u, organisation=organisation) for u in users[count:]])
    others = Organisation.objects.bulk_create(
        [
            Organisation(name=f"Organisation {organisation.pk}-{i}", kind="ministere", created_by=users[i])
            for i in range(count)
        ]
    )
    Membership.objects.bulk_create([Membership(user=u, organisation=o) for u, o in zip(users, others, strict=False)])


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["requests", "organisation", "review"])
def test_lists_stay_flat_as_rows_grow(client, page):
    referent = MembershipFactory(is_referent=True)
    organisation = referent.organisation
    viewer = referent.user
    if page == "review":
        viewer = UserFactory()
        role_assign(actor=None, user=viewer, role=Role.PROGRAMME_STAFF, scope=ProgrammeFactory())
    url = {
        "requests": reverse("portal:membership_requests"),
        "organisation": reverse("portal:organisation_detail", args=[organisation.pk]),
        "review": reverse("portal:organisation_review"),
    }[page]
    client.force_login(viewer)
    client.get(url)  # the first request of a session records it (user sessions, privileged expiry)
    grow(organisation, 3)
    small = queries(client, url)
    grow(organisation, 27)
    # Pages hold 20 rows; the organisation page lists every member and request, in a fixed number of queries.
    assert queries(client, url) == small

"""Scoped roles: access is decided from the role and its object, never from a URL id."""

import pytest

from calls.models import Programme
from portal import services
from portal.errors import DomainError
from portal.models import Role
from portal.navigation import navigation_for
from portal.selectors import user_roles
from tests.portal.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programmes():
    return (
        Programme.objects.create(slug="relance", name="France Relance"),
        Programme.objects.create(slug="pia", name="PIA"),
    )


def test_staff_of_programme_a_is_not_staff_of_programme_b(programmes):
    relance, pia = programmes
    user = UserFactory()
    services.role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=relance)
    roles = user_roles(user)
    assert roles.is_staff_of(relance.pk)
    assert not roles.is_staff_of(pia.pk)
    assert not roles.is_fund_operator_of(relance.pk)


def test_fund_operator_is_scoped_too(programmes):
    relance, pia = programmes
    user = UserFactory()
    services.role_assign(actor=None, user=user, role=Role.FUND_OPERATOR, scope=pia)
    roles = user_roles(user)
    assert roles.is_fund_operator_of(pia.pk) and not roles.is_fund_operator_of(relance.pk)
    assert not roles.is_programme_staff


def test_admin_is_global_and_staff_everywhere(programmes):
    user = UserFactory()
    services.role_assign(actor=None, user=user, role=Role.ADMIN)
    assert user_roles(user).is_admin
    assert all(user_roles(user).is_staff_of(p.pk) for p in programmes)


def test_a_role_on_the_wrong_kind_of_object_is_refused(programmes):
    with pytest.raises(DomainError):
        services.role_assign(actor=None, user=UserFactory(), role=Role.ADMIN, scope=programmes[0])
    with pytest.raises(DomainError):
        services.role_assign(actor=None, user=UserFactory(), role=Role.PROGRAMME_STAFF, scope=None)


def test_role_assignment_is_idempotent_and_revocable(programmes):
    user = UserFactory()
    for _ in range(2):
        services.role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programmes[0])
    assert user.role_assignments.count() == 1
    services.role_revoke(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programmes[0])
    assert not user_roles(user).is_programme_staff


def test_applicant_role_comes_from_memberships():
    membership = MembershipFactory()
    roles = user_roles(membership.user)
    assert roles.is_applicant and roles.is_member_of(membership.organisation_id)
    assert not roles.is_member_of(membership.organisation_id + 1)


def test_roles_are_loaded_in_two_queries_and_cached(django_assert_num_queries, programmes):
    user = UserFactory()
    services.role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programmes[0])
    user = type(user).objects.get(pk=user.pk)
    with django_assert_num_queries(2):  # memberships + role assignments
        user_roles(user)
        user_roles(user)


def test_navigation_shows_only_what_the_roles_allow(programmes):
    anonymous_labels = [entry["label"] for entry in navigation_for(user_roles(None), "/")]
    assert "Administration" not in anonymous_labels
    admin = UserFactory()
    services.role_assign(actor=None, user=admin, role=Role.ADMIN)
    assert "Administration" in [entry["label"] for entry in navigation_for(user_roles(admin), "/")]


def test_the_fund_operators_menu_has_no_applicant_entries(programmes):
    from portal.models import Membership
    from tests.portal.factories import OrganisationFactory

    operator, applicant = UserFactory(), UserFactory()
    for user in (operator, applicant):
        Membership.objects.create(user=user, organisation=OrganisationFactory())
    services.role_assign(actor=None, user=operator, role=Role.FUND_OPERATOR, scope=programmes[0])
    operator_labels = [entry["label"] for entry in navigation_for(user_roles(operator), "/")]
    assert "Conventions" in operator_labels
    assert "Mes dossiers" not in operator_labels and "Mes projets" not in operator_labels
    applicant_labels = [entry["label"] for entry in navigation_for(user_roles(applicant), "/")]
    assert "Mes dossiers" in applicant_labels and "Mes projets" in applicant_labels

"""A programme's manager reorders its routing rules from the keyboard: the moved rule's « Monter » button is
reached by Tab and pressed with Enter, the rule comes first, and the next deposit follows the new order. The page is checked with axe."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from applications.services import routing
from portal.models import Role
from portal.services import role_assign
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.e2e.test_staff_call_setup import log_in
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_moves_a_rule_up_with_the_keyboard(page, live_server, assert_accessible):
    session = SessionFactory(theme=ThemeFactory(code="ITN6"))
    programme = session.theme.call.programme
    manager = UserFactory(email="pilote@programme.gouv.fr")
    role_assign(actor=None, user=manager, role=Role.PROGRAMME_STAFF, scope=programme)
    north = routing.instructor_group_create(actor=manager, programme=programme, name="Nord")
    south = routing.instructor_group_create(actor=manager, programme=programme, name="Sud")
    routing.routing_rule_create(actor=manager, group=north, theme=session.theme)
    routing.routing_rule_create(actor=manager, group=south, amount_min=Decimal("1000"))

    log_in(page, live_server, manager.email)
    page.goto(live_server.url + reverse("applications:instructor_groups", args=[programme.pk]))
    assert_accessible(page)
    up = page.get_by_role("button", name="Monter la règle n°2 (Sud) d'un rang")
    up.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Règle montée d'un rang.")).to_be_visible()
    first = page.locator("#ordre-des-regles + p + ol > li").first
    expect(first).to_contain_text("Sud")
    expect(page.get_by_role("button", name="Descendre la règle n°1 (Sud) d'un rang")).to_be_visible()
    assert_accessible(page)
    dossier = DossierFactory(session=session, submitted=True, requested_amount=Decimal("5000"))
    assert routing.dossier_route(dossier=dossier) == south

"""The pre-publication check: blockers and warnings, listed on a page, enforced by the service."""

import html
from decimal import Decimal

import pytest
from django.urls import reverse

from calls.models import Call, Criterion, FormDefinition, InfoSession, RequiredDocument, RuleVersion
from calls.publication import publication_check
from calls.services import configuration
from portal.errors import DomainError
from portal.models import Role
from portal.services import role_assign
from tests.calls.model_factories import (
    PUBLISHABLE_FORM,
    CallFactory,
    SessionFactory,
    ThemeFactory,
    make_publishable,
)
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


def messages(problems) -> list[str]:
    return [problem.message for problem in problems]


@pytest.fixture
def call():
    return CallFactory(status=Call.Status.DRAFT, title="AAP 2030")


def test_an_empty_call_is_blocked_for_having_no_theme(call):
    check = publication_check(call)
    assert messages(check.blockers) == ["L'appel n'a aucun thème."]
    assert messages(check.warnings) == ["Aucune réunion d'information n'est annoncée pour cet appel."]


def test_every_blocker_of_a_bare_theme_is_listed(call):
    theme = ThemeFactory(call=call, code="INNO1", envelope=None)
    RequiredDocument.objects.create(theme=theme, kind="autre", label="Lettre", formats=[])
    FormDefinition.objects.create(theme=theme, version=1, schema=PUBLISHABLE_FORM)  # a draft
    check = publication_check(call)
    assert messages(check.blockers) == [
        "Le thème INNO1 n'a pas de règle de cofinancement.",
        "Le formulaire de dossier du thème INNO1 est encore en brouillon : publiez-le.",
        "Le thème INNO1 n'a aucune session de dépôt (dates d'ouverture et de clôture).",
        "Le thème INNO1 n'a pas de grille d'évaluation (ni l'appel).",
        "La pièce « Lettre » du thème INNO1 n'indique aucun format accepté.",
    ]
    assert messages(check.warnings) == [
        "Le thème INNO1 n'indique pas d'enveloppe.",
        "Aucune réunion d'information n'est annoncée pour cet appel.",
    ]
    with pytest.raises(DomainError) as refused:
        configuration.call_publish(actor=None, call=call)
    assert refused.value.code == "call_not_ready"
    assert refused.value.message.startswith("Impossible de publier, 5 points bloquent encore :")
    assert Call.objects.get(pk=call.pk).status == Call.Status.DRAFT


def test_weights_that_add_up_to_zero_are_not_stated(call):
    theme = make_publishable(ThemeFactory(call=call))
    SessionFactory(theme=theme)
    Criterion.objects.filter(call=call).update(weight=Decimal("0"))
    assert ["grille du thème" in message for message in messages(publication_check(call).blockers)] == [True]
    Criterion.objects.filter(call=call).update(weight=Decimal("2"))
    parent = Criterion.objects.get(call=call)
    Criterion.objects.create(call=call, parent=parent, code="G.1", label="Sous-critère", weight=Decimal("0"))
    assert len(publication_check(call).blockers) == 1
    Criterion.objects.filter(code="G.1").update(weight=Decimal("1"))
    assert publication_check(call).can_publish


def test_a_theme_uses_the_call_form_and_grid(call):
    theme = ThemeFactory(call=call)
    SessionFactory(theme=theme)
    RuleVersion.objects.create(theme=theme, number=1, config={"tax_basis": "HT", "rate_percent": "50"})
    Criterion.objects.create(call=call, code="C1", label="Impact")
    FormDefinition.objects.create(call=call, version=1, schema=PUBLISHABLE_FORM)
    blockers = messages(publication_check(call).blockers)
    assert blockers == ["Le formulaire de dossier de l'appel est encore en brouillon : publiez-le."]
    FormDefinition.objects.filter(call=call).update(status=FormDefinition.Status.PUBLISHED)
    check = publication_check(call)
    assert check.can_publish
    # The rule counts in HT, the call in TTC: a point to check, not a blocker.
    assert "compte les montants en HT, l'appel en TTC" in messages(check.warnings)[0]


def test_the_page_lists_what_is_missing_until_fixed_then_publishes(client, call):
    staff = UserFactory()
    role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=call.programme)
    client.force_login(staff)
    theme = ThemeFactory(call=call, code="INNO1")
    url = reverse("calls_staff:call_transition", args=[call.pk, "published"])
    content = html.unescape(client.get(url).content.decode())
    assert "4 points bloquent la publication" in content
    assert reverse("calls_staff:theme_rule", args=[call.pk, theme.pk]) in content  # « Corriger » leads there
    assert "Publier l'appel</button>" not in content
    refused = html.unescape(client.post(url).content.decode())
    assert "Impossible de publier, 4 points bloquent encore" in refused
    detail = html.unescape(client.get(reverse("calls_staff:call_detail", args=[call.pk])).content.decode())
    assert "Avant publication : 4 points bloquent encore." in detail
    make_publishable(theme)
    SessionFactory(theme=theme)
    InfoSession.objects.create(
        call=call, title="Réunion", starts_at=theme.sessions.get().opens_at, ends_at=theme.sessions.get().closes_at
    )
    content = html.unescape(client.get(url).content.decode())
    assert "Rien ne bloque la publication" in content and "Rien à vérifier de plus" in content
    assert client.post(url).status_code == 302
    assert Call.objects.get(pk=call.pk).status == Call.Status.PUBLISHED

import factory

from applications.models import BudgetLine, Dossier
from applications.workflow import DossierState
from tests.calls.model_factories import SessionFactory
from tests.portal.factories import MembershipFactory


class DossierFactory(factory.django.DjangoModelFactory):
    """A dossier of a member of its organisation; traits set the state directly (tests only)."""

    class Meta:
        model = Dossier

    class Params:
        submitted = factory.Trait(state=DossierState.SUBMITTED)
        complete = factory.Trait(state=DossierState.COMPLETE)
        eligible = factory.Trait(state=DossierState.ELIGIBLE)
        under_evaluation = factory.Trait(state=DossierState.UNDER_EVALUATION)
        deliberated = factory.Trait(state=DossierState.DELIBERATED)
        selected = factory.Trait(state=DossierState.SELECTED)

    session = factory.SubFactory(SessionFactory)
    theme = factory.SelfAttribute("session.theme")
    organisation = factory.LazyAttribute(lambda o: MembershipFactory().organisation)
    created_by = factory.LazyAttribute(lambda o: o.organisation.memberships.first().user)
    reference = factory.Sequence(lambda n: f"TEST-{n:06d}")
    acronym = factory.Sequence(lambda n: f"PROJ{n}")
    title = factory.Sequence(lambda n: f"Projet de transformation n°{n}")
    summary = "Un projet pour simplifier une démarche administrative."


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    dossier = factory.SubFactory(DossierFactory)
    label = "Prestations de développement"
    year = 2026
    category = BudgetLine.Category.EXTERNAL_SERVICES
    source = BudgetLine.Source.PROGRAMME
    amount = 10000

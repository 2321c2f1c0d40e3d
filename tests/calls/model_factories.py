"""Minimal factories of calls models, shared by the tests of every app."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from calls.models import Call, CallKind, Criterion, FormDefinition, Programme, RuleVersion, Session, SessionKind, Theme


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    slug = factory.Sequence(lambda n: f"programme-{n}")
    name = factory.Sequence(lambda n: f"Programme {n}")
    total_envelope = Decimal("10000000")


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call

    programme = factory.SubFactory(ProgrammeFactory)
    slug = factory.Sequence(lambda n: f"appel-{n}")
    title = factory.Sequence(lambda n: f"Appel à projets {n}")
    kind = CallKind.CALL_FOR_PROJECTS
    status = Call.Status.PUBLISHED


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        skip_postgeneration_save = True

    call = factory.SubFactory(CallFactory)
    code = factory.Sequence(lambda n: f"T{n}")
    title = factory.Sequence(lambda n: f"Thème {n}")
    envelope = Decimal("1000000")

    @factory.post_generation
    def funding_rule(theme, create, extracted, **kwargs):
        """`ThemeFactory(funding_rule=rule.to_dict())` gives the theme that rule as its version 1."""
        if create and extracted:
            RuleVersion.objects.create(theme=theme, number=1, config=extracted)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    theme = factory.SubFactory(ThemeFactory)
    key = factory.Sequence(lambda n: f"session-{n}")
    name = factory.Sequence(lambda n: f"Session {n}")
    kind = SessionKind.CALL_FOR_PROJECTS
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=20))
    envelope = Decimal("500000")


PUBLISHABLE_FORM = {"sections": [{"key": "projet", "title": "Le projet", "fields": []}]}


def make_publishable(theme: Theme) -> Theme:
    """What the pre-publication check asks of a theme beside its sessions: a rule, a published
    form and a weighted grid (the call's, so that the theme's own grid stays the test's)."""
    RuleVersion.objects.get_or_create(
        theme=theme, number=1, defaults={"config": {"tax_basis": theme.call.tax_basis, "rate_percent": "50"}}
    )
    FormDefinition.objects.get_or_create(
        theme=theme, version=1, defaults={"status": FormDefinition.Status.PUBLISHED, "schema": PUBLISHABLE_FORM}
    )
    Criterion.objects.get_or_create(call=theme.call, code="G", defaults={"label": "Qualité d'ensemble"})
    return theme

"""Minimal factories of calls models, shared by the tests of every app."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from calls.models import Call, CallKind, Programme, Session, SessionKind, Theme


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

    call = factory.SubFactory(CallFactory)
    code = factory.Sequence(lambda n: f"T{n}")
    title = factory.Sequence(lambda n: f"Thème {n}")
    envelope = Decimal("1000000")


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

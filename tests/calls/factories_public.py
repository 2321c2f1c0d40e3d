"""Factories of the public calls pages: info sessions, registrations, criteria, documents, phases."""

import secrets
from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from calls.models import Criterion, InfoSession, InfoSessionRegistration, MilestoneTemplate, Phase, RequiredDocument
from tests.calls.model_factories import CallFactory


class InfoSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InfoSession

    call = factory.SubFactory(CallFactory)
    title = factory.Sequence(lambda n: f"Réunion d'information {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda session: session.starts_at + timedelta(hours=2))
    place = "DINUM"
    address = "20 avenue de Ségur, 75007 Paris"
    capacity = 30

    class Params:
        hybrid = factory.Trait(remote_link="https://webinaire.exemple.gouv.fr/reunion")
        past = factory.Trait(starts_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=2)))


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InfoSessionRegistration

    info_session = factory.SubFactory(InfoSessionFactory)
    name = factory.Sequence(lambda n: f"Agent {n}")
    email = factory.Sequence(lambda n: f"agent{n}@exemple.gouv.fr")
    attendance = InfoSessionRegistration.Attendance.IN_PERSON
    cancel_token = factory.LazyFunction(lambda: secrets.token_urlsafe(32))


class CriterionFactory(factory.django.DjangoModelFactory):
    """A call-level criterion unless `theme=` is given (then pass `call=None`)."""

    class Meta:
        model = Criterion

    call = factory.SubFactory(CallFactory)
    code = factory.Sequence(lambda n: f"C{n}")
    label = factory.Sequence(lambda n: f"Critère {n}")
    definition = "Justification attendue."
    weight = Decimal("1")


class RequiredDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    call = factory.SubFactory(CallFactory)
    kind = factory.Sequence(lambda n: f"piece-{n}")
    label = factory.Sequence(lambda n: f"Pièce {n}")
    formats = ["pdf"]
    max_size_mb = Decimal("10")


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    key = factory.Sequence(lambda n: f"phase-{n}")
    label = factory.Sequence(lambda n: f"Phase {n}")


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MilestoneTemplate

    phase = factory.SubFactory(PhaseFactory)
    key = factory.Sequence(lambda n: f"jalon-{n}")
    label = factory.Sequence(lambda n: f"Jalon {n}")

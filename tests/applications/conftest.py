"""A theme ready for applicants: published form with a conditional field, one required document, ITN6's rule."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from applications.services import drafting
from calls.models import FormDefinition, RequiredDocument
from calls.rules import load_rules
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.portal.factories import MembershipFactory

FORM_SCHEMA = {
    "sections": [
        {
            "key": "projet",
            "title": "Le projet",
            "fields": [
                {
                    "key": "probleme",
                    "label": "Problème résolu",
                    "kind": "long_text",
                    "required": True,
                    "max_length": 500,
                },
                {"key": "usagers", "label": "Nombre d'usagers", "kind": "integer"},
                {"key": "partenaires", "label": "Avec des partenaires ?", "kind": "yes_no", "required": True},
                {
                    "key": "liste_partenaires",
                    "label": "Lesquels ?",
                    "kind": "short_text",
                    "required": True,
                    "show_if": {"field": "partenaires", "equals": True},
                },
            ],
        },
        {
            "key": "equipe",
            "title": "L'équipe",
            "fields": [
                {"key": "chef", "label": "Cheffe ou chef de projet", "kind": "email", "required": True},
            ],
        },
    ]
}


@pytest.fixture
def theme(db):
    theme = ThemeFactory(code="ITN6", funding_rule=load_rules()["ITN6"].to_dict())
    FormDefinition.objects.create(theme=theme, version=1, status=FormDefinition.Status.PUBLISHED, schema=FORM_SCHEMA)
    RequiredDocument.objects.create(
        theme=theme, kind="lettre", label="Lettre d'engagement signée", formats=["pdf"], max_size_mb=Decimal("1")
    )
    return theme


@pytest.fixture
def session(theme):
    now = timezone.now()
    return SessionFactory(theme=theme, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=10))


@pytest.fixture
def member(db):
    return MembershipFactory(organisation__kind="ministere")


@pytest.fixture
def dossier(session, member):
    return drafting.dossier_start(
        actor=member.user,
        session=session,
        organisation=member.organisation,
        acronym="SIMPL",
        title="Simplifier la démarche",
        summary="Un résumé.",
    )


def complete(dossier, user, pdf_file):
    """Fill everything the theme requires, with an ITN6 budget of 30 k€ (fully funded)."""
    from applications.services import attachments

    drafting.dossier_save_section(
        actor=user,
        dossier=dossier,
        section_key="projet",
        base_version=0,
        raw_answers={"probleme": "Trop de papier.", "partenaires": "false"},
    )
    drafting.dossier_save_section(
        actor=user,
        dossier=dossier,
        section_key="equipe",
        base_version=0,
        raw_answers={"chef": "cheffe@example.gouv.fr"},
    )
    drafting.budget_replace(
        actor=user,
        dossier=dossier,
        base_version=0,
        lines=[
            {
                "label": "Prestation de développement",
                "year": 2021,
                "phase": "",
                "category": "external_services",
                "source": "programme",
                "cofinancer_name": "",
                "amount": Decimal("30000"),
            },
        ],
    )
    document = dossier.theme.required_documents.get()
    attachments.attachment_upload(actor=user, dossier=dossier, required_document=document, uploaded_file=pdf_file())
    dossier.refresh_from_db()
    return dossier


def ready_to_submit(*, session, member, pdf_file, count: int, acronym: str) -> list:
    """`count` complete drafts of `member`'s organisation, started and filled through the services."""
    return [
        complete(
            drafting.dossier_start(
                actor=member.user,
                session=session,
                organisation=member.organisation,
                acronym=f"{acronym}{number}",
                title="Un dossier prêt à déposer",
                summary=".",
            ),
            member.user,
            pdf_file,
        )
        for number in range(count)
    ]


@pytest.fixture
def pdf_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.portal.upload_corpus import pdf

    return lambda name="lettre.pdf": SimpleUploadedFile(name, pdf(), content_type="application/pdf")

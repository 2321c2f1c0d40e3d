"""Dossiers of the token's programme (scope dossiers:read): the list for incremental sync, the detail, the files."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch
from django.http import Http404
from ninja import Field, Query, Router, Schema
from pydantic import AwareDatetime

from api import selectors
from api.v1.auth import token_with
from api.v1.pagination import PageParams, keyset_page
from api.v1.schemas import ERRORS, DossierDetail, DossierPage, bilingual
from applications.evaluation import dossier_evaluation
from applications.models import Attachment, DossierPartner, DossierSnapshot
from applications.workflow import DossierState
from portal.services import document_served

router = Router(tags=["Dossiers"])
SCOPE = "dossiers:read"


class DossierFilters(Schema):
    session: int | None = Field(None, description=bilingual("Identifiant de la session.", "Session id."))
    theme: int | None = Field(None, description=bilingual("Identifiant du thème.", "Theme id."))
    state: DossierState | None = Field(
        None,
        description=bilingual(
            "État. Les brouillons ne sont listés que si `state=draft`.",
            "State. Drafts are listed only with state=draft.",
        ),
    )
    organisation: int | None = Field(None, description=bilingual("Identifiant du porteur.", "Carrier's id."))
    updated_since: AwareDatetime | None = Field(
        None,
        description=bilingual(
            "Seulement les dossiers modifiés à partir de cet instant (ISO 8601 avec décalage) : la synchronisation "
            "incrémentale repart du plus grand `updated_at` déjà lu, moins une marge d'une minute.",
            "Only dossiers changed from this instant (ISO 8601 with offset): an incremental sync starts again from "
            "the largest `updated_at` already read, minus a one-minute margin.",
        ),
    )


@router.get(
    "/dossiers",
    response={200: DossierPage, **ERRORS},
    url_name="dossier_list",
    summary="Dossiers du programme",
)
def dossier_list(request, filters: Query[DossierFilters], page: Query[PageParams]):
    """Les dossiers du programme du jeton, dans l'ordre de leur dernière modification puis de leur identifiant,
    page par page (pagination par curseur). *The programme's dossiers by last change then id, page by page.*"""
    token = token_with(request, SCOPE)
    dossiers = selectors.dossiers_for(token).select_related("organisation", "theme__call", "session")
    # The list never decodes what it does not show: answers and section versions are the heaviest columns.
    dossiers = dossiers.defer("answers", "section_versions")
    if filters.state:
        dossiers = dossiers.filter(state=filters.state)
    else:
        dossiers = dossiers.exclude(state=DossierState.DRAFT)
    for lookup, value in (
        ("session_id", filters.session),
        ("theme_id", filters.theme),
        ("organisation_id", filters.organisation),
        ("updated_at__gte", filters.updated_since),
    ):
        if value is not None:
            dossiers = dossiers.filter(**{lookup: value})
    return keyset_page(request, dossiers, page, order=("updated_at", "pk"))


def _dossier(token, dossier_id: int):
    partners = Prefetch("partners", queryset=DossierPartner.objects.select_related("organisation").order_by("pk"))
    attachments = Prefetch(
        "attachments", queryset=Attachment.objects.filter(message__isnull=True).order_by("kind", "uploaded_at", "pk")
    )
    dossier = (
        selectors.dossiers_for(token)
        .select_related("organisation", "theme__call", "session", "form_definition")
        .prefetch_related(
            "budget_lines",
            partners,
            attachments,
            Prefetch("snapshots", queryset=DossierSnapshot.objects.defer("content")),
            "state_changes",
        )
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None:
        raise Http404
    return dossier


def _evaluation(dossier) -> dict | None:
    evaluation = dossier_evaluation(dossier)
    if evaluation is None:
        return None
    return {
        **{
            name: getattr(evaluation, name)
            for name in (
                "tax_basis",
                "total_cost",
                "eligible_cost",
                "max_programme_amount",
                "requested_amount",
                "granted_amount",
                "carrier_share",
                "explanation",
                "is_compliant",
            )
        },
        "cofinancer_shares": [share._asdict() for share in evaluation.cofinancer_shares],
        "violations": [{"code": v.code, "message": v.message_fr} for v in evaluation.violations],
        "manual_checks": [{"code": code, "label": label} for code, label in evaluation.manual_checks],
    }


@router.get(
    "/dossiers/{dossier_id}",
    response={200: DossierDetail, **ERRORS},
    url_name="dossier_detail",
    summary="Un dossier",
)
def dossier_detail(request, dossier_id: int):
    """Le dossier avec ses réponses, son budget, le calcul de la règle, ses partenaires, ses pièces, ses versions
    déposées et son historique. *The dossier with answers, budget, rule, partners, files, versions and history.*"""
    dossier = _dossier(token_with(request, SCOPE), dossier_id)
    lines = list(dossier.budget_lines.all())
    dossier.budget = {"lines": lines, "total": sum((line.amount for line in lines), Decimal("0"))}
    dossier.rule_evaluation = _evaluation(dossier)
    dossier.documents = list(dossier.attachments.all())
    dossier.submitted_versions = sorted(dossier.snapshots.all(), key=lambda snapshot: -snapshot.number)
    dossier.history = list(dossier.state_changes.all())
    dossier.form_version = dossier.form_definition.version if dossier.form_definition_id else None
    return dossier


@router.get(
    "/dossiers/{dossier_id}/documents/{document_id}",
    response={200: None, **ERRORS},
    url_name="dossier_document",
    summary="Télécharger une pièce",
    openapi_extra={"responses": {200: {"description": "Le fichier.", "content": {"application/octet-stream": {}}}}},
)
def dossier_document(request, dossier_id: int, document_id: int):
    """Le fichier, après le même contrôle que la page de l'équipe ; la consultation est inscrite au journal
    d'audit du dossier. *The file, after the staff page's check; the download is audited.*"""
    token = token_with(request, SCOPE)
    attachment = selectors.attachment_for(token, dossier_id, document_id)
    if attachment is None:
        raise Http404
    return document_served(
        request,
        file=attachment.file,
        target=attachment.dossier,
        document_id=attachment.pk,
        kind=attachment.kind,
        name=attachment.original_name,
        content_type=attachment.content_type,
    )

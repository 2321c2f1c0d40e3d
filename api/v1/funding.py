"""Funding of the token's programme: conventions with their tranches, milestones, payments (read, and written
by the fund operator's system with an idempotency key) and indicator reports."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from ninja import Field, Header, Query, Router, Schema
from ninja.responses import Status
from pydantic import AwareDatetime

from api import selectors
from api.v1.auth import token_with
from api.v1.pagination import PageParams, keyset_page
from api.v1.schemas import (
    ERRORS,
    ConventionOut,
    ConventionPage,
    MilestonePage,
    PaymentIn,
    PaymentOut,
    PaymentPage,
    Problem,
    ReportPage,
    bilingual,
)
from funding.models import Tranche
from funding.services.followup import payment_record
from portal.http import client_ip

router = Router(tags=["Conventions, jalons, paiements et rapports"])
# Keys of the fund operator's system are names in its own space: each programme gets its own UUIDs.
IDEMPOTENCY_NAMESPACE = uuid.UUID("6f0b7c52-8f7a-4d53-9a4c-1c2f0b9e4a61")


class DossierFilter(Schema):
    dossier: int | None = Field(None, description=bilingual("Identifiant du dossier.", "Dossier id."))


def _by_dossier(queryset, filters: DossierFilter, field: str = "dossier_id"):
    return queryset.filter(**{field: filters.dossier}) if filters.dossier is not None else queryset


def _conventions(token):
    return (
        selectors.conventions_for(token)
        .select_related("dossier")
        .prefetch_related(Prefetch("tranches", queryset=Tranche.objects.order_by("order", "pk")))
    )


@router.get("/conventions", response={200: ConventionPage, **ERRORS}, url_name="convention_list", summary="Conventions")
def convention_list(request, filters: Query[DossierFilter], page: Query[PageParams]):
    """Chaque version de convention des projets du programme, avec son échéancier. *Every convention version.*"""
    return keyset_page(request, _by_dossier(_conventions(token_with(request, "conventions:read")), filters), page)


@router.get(
    "/conventions/{convention_id}",
    response={200: ConventionOut, **ERRORS},
    url_name="convention_detail",
    summary="Une convention",
)
def convention_detail(request, convention_id: int):
    convention = _conventions(token_with(request, "conventions:read")).filter(pk=convention_id).first()
    if convention is None:
        raise Http404
    return convention


class MilestoneFilters(DossierFilter):
    status: str | None = Field(
        None, description=bilingual("Statut (planned, declared, validated, refused).", "Status (code).")
    )


@router.get("/milestones", response={200: MilestonePage, **ERRORS}, url_name="milestone_list", summary="Jalons")
def milestone_list(request, filters: Query[MilestoneFilters], page: Query[PageParams]):
    milestones = _by_dossier(
        selectors.milestones_for(token_with(request, "conventions:read")).select_related("dossier"), filters
    )
    if filters.status:
        milestones = milestones.filter(status=filters.status)
    return keyset_page(request, milestones, page)


class PaymentFilters(DossierFilter):
    tranche: int | None = Field(None, description=bilingual("Identifiant de la tranche.", "Tranche id."))
    recorded_since: AwareDatetime | None = Field(
        None, description=bilingual("Enregistrés à partir de cet instant.", "Recorded from this instant.")
    )


@router.get("/payments", response={200: PaymentPage, **ERRORS}, url_name="payment_list", summary="Paiements")
def payment_list(request, filters: Query[PaymentFilters], page: Query[PageParams]):
    payments = _by_dossier(
        selectors.payments_for(token_with(request, "payments:read")).select_related("dossier"), filters
    )
    if filters.tranche is not None:
        payments = payments.filter(tranche_id=filters.tranche)
    if filters.recorded_since is not None:
        payments = payments.filter(recorded_at__gte=filters.recorded_since)
    return keyset_page(request, payments, page)


@router.get(
    "/payments/{payment_id}", response={200: PaymentOut, **ERRORS}, url_name="payment_detail", summary="Un paiement"
)
def payment_detail(request, payment_id: int):
    payment = selectors.payments_for(token_with(request, "payments:read")).select_related("dossier")
    payment = payment.filter(pk=payment_id).first()
    if payment is None:
        raise Http404
    return payment


@router.post(
    "/payments",
    response={201: PaymentOut, 200: PaymentOut, **ERRORS, 409: Problem},
    url_name="payment_create",
    summary="Enregistrer un paiement",
)
def payment_create(
    request,
    payload: PaymentIn,
    idempotency_key: str = Header(
        ...,
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description=bilingual(
            "Clé choisie par votre système, une par paiement : le même envoi rejoué rend le premier paiement "
            "(200) au lieu d'en créer un second ; la même clé avec d'autres valeurs est refusée (409).",
            "Key chosen by your system, one per payment: the same request replayed returns the first payment "
            "(200) instead of a second one; the same key with other values is refused (409).",
        ),
    ),
):
    """Le versement d'une tranche libérée, par le système de l'opérateur financier : jamais au-delà du reste à
    verser, une référence une seule fois par projet. *A released tranche's payment, by the fund operator's system.*"""
    token = token_with(request, "payments:write")
    tranche = selectors.tranches_for(token).filter(pk=payload.tranche).first()
    if tranche is None:
        raise Http404
    started = timezone.now()
    payment = payment_record(
        actor=token.created_by,
        tranche=tranche,
        paid_on=payload.paid_on,
        amount=Decimal(payload.amount),
        reference=payload.reference,
        idempotency_key=uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{token.programme_id}:{idempotency_key}"),
        ip_address=client_ip(request),
    )
    return Status(201 if payment.recorded_at >= started else 200, payment)


@router.get(
    "/indicator-reports", response={200: ReportPage, **ERRORS}, url_name="report_list", summary="Rapports d'indicateurs"
)
def report_list(request, filters: Query[DossierFilter], page: Query[PageParams]):
    reports = selectors.reports_for(token_with(request, "reports:read")).select_related("dossier")
    return keyset_page(request, _by_dossier(reports, filters), page)

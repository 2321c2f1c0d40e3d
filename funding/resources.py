"""Export resources of the funding app (django-import-export), with French headers.

Four exports of the portfolio's projects: their conventions, the tranches of their schedule,
the payments recorded and the values of their indicator reports. Money stays Decimal and
datetimes are naive Paris time, as in `applications.resources`: `portal.exports.xlsx_bytes` formats them
for French readers, `french_cell` writes them in CSV. The writer neutralises text typed by
applicants (`portal.exports.inert_cell`) so that a spreadsheet never runs it as a formula.

Each `*_queryset` loads what its resource reads with joins and subqueries: a fixed number of
queries whatever the number of projects.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import tablib
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from import_export import fields, resources

from applications.models import Dossier
from applications.workflow import DossierState
from funding.models import Convention, IndicatorReport, Milestone, Payment, Tranche
from funding.periods import indicator_items
from funding.selectors import committed
from juries.models import DecisionCondition
from portal.exports import choice_labels, spreadsheet_datetime

EXPORT_CHUNK_SIZE = 500  # rows fetched per query when streaming
NO_CONVENTION = "Pas encore générée"


def _latest_convention(field: str):
    """The value of `field` on the dossier's latest convention version."""
    return Subquery(Convention.objects.filter(dossier=OuterRef("pk")).order_by("-version").values(field)[:1])


class ProjectResource(resources.ModelResource):
    """The two columns naming the project of a row; subclasses say where the dossier is (`dossier_of`)."""

    reference = fields.Field(column_name="Numéro de dossier")
    acronym = fields.Field(column_name="Acronyme")

    def dossier_of(self, row) -> Dossier:
        raise NotImplementedError

    def dehydrate_reference(self, row):
        return self.dossier_of(row).reference

    def dehydrate_acronym(self, row):
        return self.dossier_of(row).acronym


# --- Conventions (one row per project) ----------------------------------------------------


def conventions_queryset(dossiers: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """The portfolio's rows (already annotated with the latest version and the paid total), plus
    the signature dates of that version and whether the grant is committed (`selectors.committed`,
    as the dashboard counts it: once a version is signed by the carrier)."""
    return dossiers.only(
        "reference",
        "acronym",
        "title",
        "state",
        "granted_amount",
        "organisation__name",
        "organisation__siret",
        "theme__code",
        "theme__title",
        "theme__call__programme__name",
    ).annotate(
        export_carrier_signed_at=_latest_convention("carrier_signed_at"),
        export_operator_signed_at=_latest_convention("operator_signed_at"),
        export_is_committed=committed(),
    )


class ConventionResource(ProjectResource):
    title = fields.Field(column_name="Titre du projet")
    carrier = fields.Field(column_name="Porteur")
    siret = fields.Field(column_name="SIRET du porteur")
    programme = fields.Field(column_name="Programme")
    theme = fields.Field(column_name="Thème")
    state = fields.Field(column_name="État du projet")
    granted = fields.Field(column_name="Montant accordé (€)")
    convention = fields.Field(column_name="Convention")
    version = fields.Field(column_name="Version en cours")
    carrier_signed_at = fields.Field(column_name="Signée par le porteur le")
    operator_signed_at = fields.Field(column_name="Contresignée par l'opérateur le")
    committed = fields.Field(column_name="Montant engagé (€)")
    paid = fields.Field(column_name="Montant versé (€)")
    remaining = fields.Field(column_name="Reste à verser (€)")

    class Meta:
        model = Dossier
        fields = (
            "reference",
            "acronym",
            "title",
            "carrier",
            "siret",
            "programme",
            "theme",
            "state",
            "granted",
            "convention",
            "version",
            "carrier_signed_at",
            "operator_signed_at",
            "committed",
            "paid",
            "remaining",
        )
        export_order = fields

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._state_labels = choice_labels(DossierState.choices)
        self._convention_labels = choice_labels(Convention.Status.choices)

    def dossier_of(self, row):
        return row

    def dehydrate_title(self, dossier):
        return dossier.title

    def dehydrate_carrier(self, dossier):
        return dossier.organisation.name

    def dehydrate_siret(self, dossier):
        return dossier.organisation.siret

    def dehydrate_programme(self, dossier):
        return dossier.theme.call.programme.name

    def dehydrate_theme(self, dossier):
        return f"{dossier.theme.code} — {dossier.theme.title}"

    def dehydrate_state(self, dossier):
        return self._state_labels.get(dossier.state, dossier.state)

    def dehydrate_granted(self, dossier):
        return dossier.granted_amount

    def dehydrate_convention(self, dossier):
        return self._convention_labels.get(dossier.convention_status, NO_CONVENTION)

    def dehydrate_version(self, dossier):
        return dossier.convention_version

    def dehydrate_carrier_signed_at(self, dossier):
        return spreadsheet_datetime(dossier.export_carrier_signed_at)

    def dehydrate_operator_signed_at(self, dossier):
        return spreadsheet_datetime(dossier.export_operator_signed_at)

    def dehydrate_committed(self, dossier):
        return dossier.granted_amount if dossier.export_is_committed else None

    def dehydrate_paid(self, dossier):
        return dossier.paid_amount

    def dehydrate_remaining(self, dossier):
        committed_amount = self.dehydrate_committed(dossier)
        return None if committed_amount is None else committed_amount - dossier.paid_amount


# --- Tranches (the schedule of the version in force, else of the latest version) ----------


def tranches_queryset(dossiers: QuerySet[Dossier]) -> QuerySet[Tranche]:
    """The tranches of each project's convention in force (else its latest version), with what
    `release_blocker` reads: the convention, the milestone, the final report's validation,
    whether a milestone of an earlier phase is still pending (`previous_phases`) and whether a
    condition of the decision is still to lift."""
    schedule = Subquery(
        Convention.objects.filter(dossier=OuterRef("convention__dossier_id"))
        .order_by(
            Case(When(status=Convention.Status.IN_FORCE, then=0), default=1, output_field=IntegerField()), "-version"
        )
        .values("pk")[:1]
    )
    previous_phase_pending = Exists(
        Milestone.objects.filter(
            dossier__project_key=OuterRef("convention__dossier__project_key"),
            dossier__theme_id=OuterRef("convention__dossier__theme_id"),
            dossier__phase__order__lt=OuterRef("convention__dossier__phase__order"),
            is_current=True,
        )
        .exclude(dossier__project_key="")
        .exclude(dossier_id=OuterRef("convention__dossier_id"))
        .exclude(status=Milestone.Status.VALIDATED)
    )
    return (
        Tranche.objects.filter(convention__dossier__in=dossiers.values("pk"), convention_id=schedule)
        .select_related("convention__dossier", "milestone")
        .only(
            "order",
            "label",
            "amount",
            "condition",
            "convention__version",
            "convention__status",
            "convention__in_force_at",
            "convention__dossier__reference",
            "convention__dossier__acronym",
            "milestone__label",
            "milestone__status",
            "milestone__reviewed_at",
        )
        .annotate(
            export_final_report_validated_at=Subquery(
                Dossier.objects.filter(pk=OuterRef("convention__dossier_id")).values("final_report__validated_at")[:1]
            ),
            export_previous_phase_pending=previous_phase_pending,
            export_conditions_pending=Exists(
                DecisionCondition.objects.filter(
                    decision__dossier_id=OuterRef("convention__dossier_id"), lifted_at__isnull=True
                )
            ),
        )
        .order_by("convention__dossier__theme__call__programme__name", "convention__dossier__reference", "order", "pk")
    )


def paid_by_tranche(dossiers: QuerySet[Dossier]) -> dict[int, Decimal]:
    """Per tranche of these projects, its payments plus those on the same tranche of earlier
    versions (as `paid_on_tranche` counts them), in two queries."""
    tranches = Tranche.objects.filter(convention__dossier__in=dossiers.values("pk"))
    previous = dict(tranches.values_list("pk", "previous_id"))
    own = dict(
        Payment.objects.filter(tranche__in=tranches)
        .order_by()
        .values("tranche_id")
        .annotate(total=Sum("amount"))
        .values_list("tranche_id", "total")
    )
    paid = {}
    for tranche_id in previous:
        total, seen, current = Decimal("0"), set(), tranche_id
        while current is not None and current not in seen:
            seen.add(current)
            total += own.get(current, Decimal("0"))
            current = previous.get(current)
        paid[tranche_id] = total
    return paid


class TrancheResource(ProjectResource):
    version = fields.Field(column_name="Version de la convention")
    order = fields.Field(column_name="Ordre")
    label = fields.Field(column_name="Tranche")
    condition = fields.Field(column_name="Condition de versement")
    milestone = fields.Field(column_name="Jalon")
    amount = fields.Field(column_name="Montant (€)")
    state = fields.Field(column_name="État")
    released_at = fields.Field(column_name="Libérée le")
    paid = fields.Field(column_name="Montant versé (€)")
    remaining = fields.Field(column_name="Reste à verser (€)")

    class Meta:
        model = Tranche
        fields = (
            "reference",
            "acronym",
            "version",
            "order",
            "label",
            "condition",
            "milestone",
            "amount",
            "state",
            "released_at",
            "paid",
            "remaining",
        )
        export_order = fields

    def __init__(self, *, paid: dict[int, Decimal], **kwargs):
        super().__init__(**kwargs)
        self._paid = paid
        self._conditions = choice_labels(Tranche.Condition.choices)

    def dossier_of(self, row):
        return row.convention.dossier

    def paid_on(self, tranche) -> Decimal:
        return self._paid.get(tranche.pk, Decimal("0"))

    @staticmethod
    def released_at_of(tranche):
        """When the tranche's condition was met, if nothing blocks it (as `release_blocker` decides); else None."""
        if (
            tranche.convention.status != Convention.Status.IN_FORCE
            or tranche.export_previous_phase_pending
            or tranche.export_conditions_pending
        ):
            return None
        if tranche.condition == Tranche.Condition.MILESTONE:
            validated = tranche.milestone.status == Milestone.Status.VALIDATED
            return tranche.milestone.reviewed_at if validated else None
        if tranche.condition == Tranche.Condition.FINAL_REPORT:
            return tranche.export_final_report_validated_at
        return tranche.convention.in_force_at

    def dehydrate_version(self, tranche):
        return tranche.convention.version

    def dehydrate_order(self, tranche):
        return tranche.order

    def dehydrate_label(self, tranche):
        return tranche.label

    def dehydrate_condition(self, tranche):
        return self._conditions.get(tranche.condition, tranche.condition)

    def dehydrate_milestone(self, tranche):
        return tranche.milestone.label if tranche.milestone_id else ""

    def dehydrate_amount(self, tranche):
        return tranche.amount

    def dehydrate_state(self, tranche):
        paid = self.paid_on(tranche)
        if paid and paid >= tranche.amount:
            return "Versée"
        if paid:
            return "Versée en partie"
        return "Libérée, à verser" if self.released_at_of(tranche) else "En attente de sa condition"

    def dehydrate_released_at(self, tranche):
        return spreadsheet_datetime(self.released_at_of(tranche))

    def dehydrate_paid(self, tranche):
        return self.paid_on(tranche)

    def dehydrate_remaining(self, tranche):
        return tranche.amount - self.paid_on(tranche)


# --- Payments (every payment, on every version) ------------------------------------------


def payments_queryset(dossiers: QuerySet[Dossier]) -> QuerySet[Payment]:
    return (
        Payment.objects.filter(tranche__convention__dossier__in=dossiers.values("pk"))
        .select_related("tranche__convention__dossier", "recorded_by")
        .only(
            "paid_on",
            "amount",
            "reference",
            "recorded_at",
            "tranche__label",
            "tranche__convention__version",
            "tranche__convention__dossier__reference",
            "tranche__convention__dossier__acronym",
            "recorded_by__email",
            "recorded_by__first_name",
            "recorded_by__last_name",
        )
        .order_by(
            "tranche__convention__dossier__theme__call__programme__name",
            "tranche__convention__dossier__reference",
            "paid_on",
            "pk",
        )
    )


class PaymentResource(ProjectResource):
    version = fields.Field(column_name="Version de la convention")
    tranche = fields.Field(column_name="Tranche")
    amount = fields.Field(column_name="Montant (€)")
    paid_on = fields.Field(column_name="Date du paiement")
    payment_reference = fields.Field(column_name="Référence du paiement")
    recorded_by = fields.Field(column_name="Enregistré par")
    recorded_at = fields.Field(column_name="Enregistré le")

    class Meta:
        model = Payment
        fields = (
            "reference",
            "acronym",
            "version",
            "tranche",
            "amount",
            "paid_on",
            "payment_reference",
            "recorded_by",
            "recorded_at",
        )
        export_order = fields

    def dossier_of(self, row):
        return row.tranche.convention.dossier

    def dehydrate_version(self, payment):
        return payment.tranche.convention.version

    def dehydrate_tranche(self, payment):
        return payment.tranche.label

    def dehydrate_amount(self, payment):
        return payment.amount

    def dehydrate_paid_on(self, payment):
        return payment.paid_on

    def dehydrate_payment_reference(self, payment):
        return payment.reference

    def dehydrate_recorded_by(self, payment):
        return str(payment.recorded_by)

    def dehydrate_recorded_at(self, payment):
        return spreadsheet_datetime(payment.recorded_at)


# --- Indicator reports (one row per report and indicator) --------------------------------


@dataclass
class IndicatorValue:
    """One indicator's value in a report: the row of the indicator reports export."""

    report: IndicatorReport
    indicator: str
    value: str


def reports_queryset(dossiers: QuerySet[Dossier]) -> QuerySet[IndicatorReport]:
    return (
        IndicatorReport.objects.filter(dossier__in=dossiers.values("pk"))
        .select_related("dossier__theme")
        .only(
            "period_start",
            "period_end",
            "due_on",
            "values",
            "submitted_at",
            "is_late",
            "dossier__reference",
            "dossier__acronym",
            "dossier__theme__indicators",
        )
        .order_by("dossier__theme__call__programme__name", "dossier__reference", "period_start")
    )


def indicator_values(report: IndicatorReport) -> list[IndicatorValue]:
    """The report's values in the order of the theme's indicators, then any no longer listed;
    a report without values still gets one row."""
    values = report.values if isinstance(report.values, dict) else {}
    order = [item["label"] for item in indicator_items(report.dossier.theme)]
    labels = [label for label in order if label in values] + [label for label in values if label not in order]
    return [IndicatorValue(report, label, str(values[label])) for label in labels] or [IndicatorValue(report, "", "")]


class IndicatorReportResource(ProjectResource):
    period_start = fields.Field(column_name="Début de la période")
    period_end = fields.Field(column_name="Fin de la période")
    due_on = fields.Field(column_name="À rendre avant le")
    indicator = fields.Field(column_name="Indicateur")
    value = fields.Field(column_name="Valeur déclarée")
    state = fields.Field(column_name="État")
    submitted_at = fields.Field(column_name="Transmis le")

    class Meta:
        model = IndicatorReport
        fields = (
            "reference",
            "acronym",
            "period_start",
            "period_end",
            "due_on",
            "indicator",
            "value",
            "state",
            "submitted_at",
        )
        export_order = fields

    def dossier_of(self, row):
        return row.report.dossier

    def dehydrate_period_start(self, row):
        return row.report.period_start

    def dehydrate_period_end(self, row):
        return row.report.period_end

    def dehydrate_due_on(self, row):
        return row.report.due_on

    def dehydrate_indicator(self, row):
        return row.indicator

    def dehydrate_value(self, row):
        return row.value

    def dehydrate_state(self, row):
        return "Transmis en retard" if row.report.is_late else "Transmis à temps"

    def dehydrate_submitted_at(self, row):
        return spreadsheet_datetime(row.report.submitted_at)


# --- The exports -------------------------------------------------------------------------


def _conventions(dossiers):
    return ConventionResource(), conventions_queryset(dossiers).iterator(chunk_size=EXPORT_CHUNK_SIZE)


def _tranches(dossiers):
    return TrancheResource(paid=paid_by_tranche(dossiers)), tranches_queryset(dossiers).iterator(
        chunk_size=EXPORT_CHUNK_SIZE
    )


def _payments(dossiers):
    return PaymentResource(), payments_queryset(dossiers).iterator(chunk_size=EXPORT_CHUNK_SIZE)


def _reports(dossiers):
    reports = reports_queryset(dossiers).iterator(chunk_size=EXPORT_CHUNK_SIZE)
    return IndicatorReportResource(), (row for report in reports for row in indicator_values(report))


@dataclass(frozen=True)
class Export:
    title: str
    build: Callable  # dossiers -> (resource, rows to export)


# The kinds of export, by their name in the URL.
EXPORTS = {
    "conventions": Export("Conventions", _conventions),
    "tranches": Export("Tranches", _tranches),
    "paiements": Export("Paiements", _payments),
    "rapports": Export("Rapports d'indicateurs", _reports),
}


def export_rows(kind: str, dossiers: QuerySet[Dossier]):
    """(header, row iterator) of the `kind` export of these projects, fetched in chunks."""
    resource, objects = EXPORTS[kind].build(dossiers)
    return resource.get_export_headers(), (resource.export_resource(row) for row in objects)


def export_dataset(kind: str, dossiers: QuerySet[Dossier]) -> tablib.Dataset:
    header, rows = export_rows(kind, dossiers)
    return tablib.Dataset(*rows, headers=header, title=EXPORTS[kind].title)

"""Export resources of dossiers (django-import-export), with French headers.

Money stays Decimal and dates are Paris-time datetimes: `portal.exports.xlsx_bytes` gives them French
number and date formats in XLSX (« 12 500,00 € », « 02/03/2026 16:30 »), ODS gets typed
cells, and `french_cell` writes the comma and the dd/mm/yyyy dates in CSV.

The co-financing columns come from the rules engine, run once per row on data loaded with
the rows: `export_queryset` prefetches budget lines and co-carriers, joins the derogation and
annotates the grants of the project's earlier phases, and each rule version is read once: the number of queries
depends on the themes, the rule versions and on chunks of EXPORT_CHUNK_SIZE rows, never on each row.
"""

from decimal import Decimal

import tablib
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.utils import timezone
from import_export import fields, resources

from applications.evaluation import GRANTED_STATES, derogation_of, judge
from applications.models import CallAnnotationFields, Dossier, DossierPartner, PrivateNote
from applications.workflow import DossierState
from calls.models import RuleVersion
from portal.exports import choice_labels, french_cell, spreadsheet_datetime
from portal.models import OrganisationKind

# What the resource reads: leaving out the dossier's answers and the theme's texts and rule
# (each version read once) makes each row several times cheaper to load.
EXPORTED_FIELDS = (
    "reference",
    "acronym",
    "title",
    "state",
    "submitted_at",
    "requested_amount",
    "granted_amount",
    "rule_version_id",
    "project_key",
    "organisation__name",
    "organisation__siret",
    "organisation__kind",
    "theme__code",
    "theme__title",
    "theme__call__title",
    "theme__call__programme__name",
    "session__name",
    "session__kind",
    "session__eligible_first_year",
    "session__eligible_last_year",
    "derogation__rate_percent",
    "derogation__deciding_body",
    "derogation__decided_on",
    "annotation__values",
)


def export_queryset(queryset: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """`queryset` with everything DossierResource reads, in a fixed number of queries."""
    previous_grants = Subquery(
        Dossier.objects.filter(
            project_key=OuterRef("project_key"), theme_id=OuterRef("theme_id"), state__in=GRANTED_STATES
        )
        .exclude(pk=OuterRef("pk"))
        .order_by()
        .values("project_key")
        .annotate(total=Sum("granted_amount"))
        .values("total")[:1]
    )
    return (
        queryset.select_related("organisation", "theme__call__programme", "session", "derogation", "annotation")
        .only(*EXPORTED_FIELDS)
        .prefetch_related(
            "budget_lines",
            Prefetch("private_notes", queryset=PrivateNote.objects.select_related("author").order_by("created_at")),
            Prefetch(
                "partners",
                to_attr="export_co_carriers",
                queryset=DossierPartner.objects.filter(role=DossierPartner.Role.CO_CARRIER).select_related(
                    "organisation"
                ),
            ),
        )
        .annotate(export_previous_grants=previous_grants)
    )


class DossierResource(resources.ModelResource):
    reference = fields.Field(attribute="reference", column_name="Numéro de dossier")
    acronym = fields.Field(column_name="Acronyme")
    title = fields.Field(column_name="Titre du projet")
    carrier = fields.Field(column_name="Porteur")
    siret = fields.Field(column_name="SIRET du porteur")
    carrier_kind = fields.Field(column_name="Type de porteur")
    programme = fields.Field(column_name="Programme")
    call = fields.Field(column_name="Appel")
    theme = fields.Field(column_name="Thème")
    session = fields.Field(column_name="Session")
    state = fields.Field(column_name="État")
    submitted_at = fields.Field(column_name="Déposé le")
    requested = fields.Field(column_name="Montant demandé (€)")
    granted = fields.Field(column_name="Montant accordé (€)")
    budget_total = fields.Field(column_name="Coût total du budget (€)")
    eligible_cost = fields.Field(column_name="Coût éligible (€)")
    max_aid = fields.Field(column_name="Aide maximale selon les règles (€)")
    compliant = fields.Field(column_name="Règles de cofinancement respectées")
    rule_version = fields.Field(column_name="Version de la règle appliquée")
    derogation = fields.Field(column_name="Taux dérogatoire décidé (%)")
    # Staff exports only: the carrier never downloads this resource.
    private_fields = fields.Field(column_name="Champs privés de l'instruction")
    private_notes = fields.Field(column_name="Notes privées de l'instruction")

    class Meta:
        model = Dossier
        fields = (
            "reference",
            "acronym",
            "title",
            "carrier",
            "siret",
            "carrier_kind",
            "programme",
            "call",
            "theme",
            "session",
            "state",
            "submitted_at",
            "requested",
            "granted",
            "budget_total",
            "eligible_cost",
            "max_aid",
            "compliant",
            "rule_version",
            "derogation",
            "private_fields",
            "private_notes",
        )
        export_order = fields

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Versions read and parsed once per export, not per row: theme id -> current version, id -> version.
        self._current: dict[int, RuleVersion | None] = {}
        self._versions: dict[int, RuleVersion] = {}
        self._evaluation = (None, None)  # (dossier pk, evaluation) of the row being written
        self._state_labels = choice_labels(DossierState.choices)
        self._kind_labels = choice_labels(OrganisationKind.choices)
        self._annotation_labels = {}  # call id -> {field key: label}, read once per call

    def annotation_labels(self, call_id: int) -> dict[str, str]:
        if call_id not in self._annotation_labels:
            configuration = CallAnnotationFields.objects.filter(call_id=call_id).only("fields").first()
            self._annotation_labels[call_id] = {
                field["key"]: field["label"] for field in (configuration.fields if configuration else [])
            }
        return self._annotation_labels[call_id]

    def version(self, dossier) -> RuleVersion | None:
        """The version the dossier is judged on (as `dossier_rule_version`), one query per version."""
        if dossier.rule_version_id is None:
            if dossier.theme_id not in self._current:
                self._current[dossier.theme_id] = (
                    RuleVersion.objects.filter(theme_id=dossier.theme_id).order_by("-number").first()
                )
            return self._current[dossier.theme_id]
        if dossier.rule_version_id not in self._versions:
            self._versions[dossier.rule_version_id] = RuleVersion.objects.get(pk=dossier.rule_version_id)
        return self._versions[dossier.rule_version_id]

    def evaluation(self, dossier):
        """The engine's verdict on a dossier loaded by `export_queryset`; None without a rule."""
        if self._evaluation[0] == dossier.pk:
            return self._evaluation[1]
        version = self.version(dossier)
        result = None
        if version is not None:
            previous = dossier.export_previous_grants if dossier.project_key else None
            result = judge(
                dossier,
                version=version,
                lines=dossier.budget_lines.all(),
                previous_grants=previous or Decimal("0"),
                co_carrier_kinds=[partner.organisation.kind for partner in dossier.export_co_carriers],
                derogation=derogation_of(dossier),
            )
        self._evaluation = (dossier.pk, result)
        return result

    def dehydrate_acronym(self, dossier):
        return dossier.acronym

    def dehydrate_title(self, dossier):
        return dossier.title

    def dehydrate_carrier(self, dossier):
        return dossier.organisation.name

    def dehydrate_siret(self, dossier):
        return dossier.organisation.siret

    def dehydrate_carrier_kind(self, dossier):
        return self._kind_labels.get(dossier.organisation.kind, dossier.organisation.kind)

    def dehydrate_programme(self, dossier):
        return dossier.theme.call.programme.name

    def dehydrate_call(self, dossier):
        return dossier.theme.call.title

    def dehydrate_theme(self, dossier):
        return f"{dossier.theme.code} — {dossier.theme.title}"

    def dehydrate_session(self, dossier):
        return dossier.session.name

    def dehydrate_state(self, dossier):
        return self._state_labels.get(dossier.state, dossier.state)

    def dehydrate_submitted_at(self, dossier):
        return spreadsheet_datetime(dossier.submitted_at)

    def dehydrate_requested(self, dossier):
        return dossier.requested_amount

    def dehydrate_granted(self, dossier):
        return dossier.granted_amount

    def dehydrate_budget_total(self, dossier):
        return sum((line.amount for line in dossier.budget_lines.all()), Decimal("0.00"))

    def dehydrate_eligible_cost(self, dossier):
        evaluation = self.evaluation(dossier)
        return evaluation.eligible_cost if evaluation else None

    def dehydrate_max_aid(self, dossier):
        evaluation = self.evaluation(dossier)
        return evaluation.max_programme_amount if evaluation else None

    def dehydrate_compliant(self, dossier):
        evaluation = self.evaluation(dossier)
        return "" if evaluation is None else french_cell(evaluation.is_compliant)

    def dehydrate_rule_version(self, dossier):
        evaluation = self.evaluation(dossier)
        return "" if evaluation is None else evaluation.rule_version.number

    def dehydrate_derogation(self, dossier):
        derogation = derogation_of(dossier)
        return derogation.rate_percent if derogation is not None else None

    def dehydrate_private_fields(self, dossier):
        annotation = getattr(dossier, "annotation", None)
        if annotation is None:
            return ""
        labels = self.annotation_labels(dossier.theme.call_id)
        return " ; ".join(
            f"{label} : {_cell(annotation.values[key])}"
            for key, label in labels.items()
            if annotation.values.get(key) not in (None, "", [])
        )

    def dehydrate_private_notes(self, dossier):
        return " | ".join(
            f"{timezone.localtime(note.created_at):%d/%m/%Y %H:%M} {note.author.email} : {note.body}"
            for note in dossier.private_notes.all()
        )


EXPORT_CHUNK_SIZE = 500  # rows fetched per query (with their budget lines and co-carriers)


def _cell(value) -> str:
    return ", ".join(str(item) for item in value) if isinstance(value, list) else french_cell(value)


def dossier_rows(queryset: QuerySet[Dossier]):
    """(header, row iterator) of the dossiers export, fetched in chunks: nothing held but a chunk."""
    resource = DossierResource()
    dossiers = export_queryset(queryset).iterator(chunk_size=EXPORT_CHUNK_SIZE)
    return resource.get_export_headers(), (resource.export_resource(dossier) for dossier in dossiers)


def dossier_dataset(queryset: QuerySet[Dossier], *, progress=None, every: int = 200) -> tablib.Dataset:
    """The dossiers export as a Dataset (XLSX, ODS); `progress(done)` is called every `every` rows."""
    header, rows = dossier_rows(queryset)
    dataset = tablib.Dataset(headers=header, title="Dossiers")
    for done, row in enumerate(rows, start=1):
        dataset.append(row)
        if progress is not None and done % every == 0:
            progress(done)
    return dataset

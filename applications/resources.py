"""Rows of the staff dossier export, with French headers, read from stored values only.

Each row is one tuple of `.values_list()` over the dossier and its joined organisation, theme,
call, programme, session, derogation and stored evaluation (StoredEvaluation: the rules engine's
verdict kept at each change of the budget and at submission): no model instance, no engine run and
no query per row; rows come from a server-side cursor in chunks of EXPORT_CHUNK_SIZE.

Money stays Decimal and dates are naive Paris-time datetimes: `portal.exports` gives them French
number and date formats in XLSX and ODS, and writes the comma and the dd/mm/yyyy dates in CSV.
"""

from collections.abc import Iterator

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from applications.models import CallAnnotationFields, Dossier, PrivateNote
from applications.workflow import DossierState
from portal.exports import choice_labels, french_cell, spreadsheet_datetime
from portal.models import OrganisationKind

HEADERS = [
    "Numéro de dossier",
    "Acronyme",
    "Titre du projet",
    "Porteur",
    "SIRET du porteur",
    "Type de porteur",
    "Programme",
    "Appel",
    "Thème",
    "Session",
    "État",
    "Déposé le",
    "Montant demandé (€)",
    "Montant accordé (€)",
    "Coût total du budget (€)",
    "Coût éligible (€)",
    "Aide maximale selon les règles (€)",
    "Règles de cofinancement respectées",
    "Version de la règle appliquée",
    "Taux dérogatoire décidé (%)",
    # Staff exports only: the carrier never downloads this export.
    "Champs privés de l'instruction",
    "Notes privées de l'instruction",
]
# What one row reads, in the order `_rows` unpacks it.
EXPORTED_FIELDS = (
    "reference",
    "acronym",
    "title",
    "organisation__name",
    "organisation__siret",
    "organisation__kind",
    "theme__call__programme__name",
    "theme__call__title",
    "theme__code",
    "theme__title",
    "session__name",
    "state",
    "submitted_at",
    "requested_amount",
    "granted_amount",
    "stored_evaluation__budget_total",
    "stored_evaluation__eligible_cost",
    "stored_evaluation__max_aid",
    "stored_evaluation__is_compliant",
    "stored_evaluation__rule_version__number",
    "derogation__rate_percent",
    "pk",
    "theme__call_id",
    "annotation__values",
)
EXPORT_CHUNK_SIZE = 2_000  # rows fetched at a time from the server-side cursor
COMPLIANT = {True: "oui", False: "non", None: ""}


def export_queryset(queryset: QuerySet[Dossier]) -> QuerySet:
    """`queryset` (its filters and order kept) as the tuples of EXPORTED_FIELDS: one SELECT, joins only."""
    return queryset.values_list(*EXPORTED_FIELDS)


def _cell(value) -> str:
    return ", ".join(str(item) for item in value) if isinstance(value, list) else french_cell(value)


def _notes_of(pks: list[int]) -> dict[int, str]:
    """The private notes of a chunk of dossiers, one query for the chunk."""
    notes: dict[int, list[str]] = {}
    for dossier_id, created_at, email, body in (
        PrivateNote.objects.filter(dossier_id__in=pks)
        .order_by("created_at")
        .values_list("dossier_id", "created_at", "author__email", "body")
    ):
        notes.setdefault(dossier_id, []).append(f"{timezone.localtime(created_at):%d/%m/%Y %H:%M} {email} : {body}")
    return {pk: " | ".join(lines) for pk, lines in notes.items()}


def _chunks(tuples) -> Iterator[list[tuple]]:
    chunk = []
    for row in tuples:
        chunk.append(row)
        if len(chunk) == EXPORT_CHUNK_SIZE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _rows(tuples) -> Iterator[list]:
    kinds = choice_labels(OrganisationKind.choices)
    states = choice_labels(DossierState.choices)
    labels_of: dict[int, dict[str, str]] = {}  # call id -> {private field key: label}, read once per call

    def private_fields(call_id: int, values) -> str:
        if not values:
            return ""
        if call_id not in labels_of:
            configuration = CallAnnotationFields.objects.filter(call_id=call_id).only("fields").first()
            labels_of[call_id] = {
                field["key"]: field["label"] for field in (configuration.fields if configuration else [])
            }
        return " ; ".join(
            f"{label} : {_cell(values[key])}"
            for key, label in labels_of[call_id].items()
            if values.get(key) not in (None, "", [])
        )

    for chunk in _chunks(tuples):
        notes = _notes_of([row[-3] for row in chunk])
        yield from _chunk_rows(chunk, kinds, states, notes, private_fields)


def _chunk_rows(chunk, kinds, states, notes, private_fields) -> Iterator[list]:
    for (
        reference,
        acronym,
        title,
        carrier,
        siret,
        kind,
        programme,
        call,
        theme_code,
        theme_title,
        session,
        state,
        submitted_at,
        requested,
        granted,
        budget_total,
        eligible_cost,
        max_aid,
        compliant,
        rule_version,
        derogation,
        pk,
        call_id,
        annotation,
    ) in chunk:
        yield [
            reference,
            acronym,
            title,
            carrier,
            siret,
            kinds.get(kind, kind),
            programme,
            call,
            f"{theme_code} — {theme_title}",
            session,
            states.get(state, state),
            spreadsheet_datetime(submitted_at),
            requested,
            granted,
            budget_total,
            eligible_cost,
            max_aid,
            COMPLIANT[compliant],
            "" if rule_version is None else rule_version,
            derogation,
            private_fields(call_id, annotation),
            notes.get(pk, ""),
        ]


def _whole_result(queryset: QuerySet) -> Iterator[tuple]:
    """The tuples of `queryset` from a server-side cursor planned for reading every row.

    PostgreSQL plans a cursor for its first tenth by default (cursor_tuple_fraction = 0.1): nested
    loops that make the whole read of an export 3 to 4 times slower than the plan of `COPY`.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        yield from queryset.iterator(chunk_size=EXPORT_CHUNK_SIZE)


def dossier_rows(queryset: QuerySet[Dossier]) -> tuple[list[str], Iterator[list]]:
    """(header, row iterator) of the dossiers export: nothing held but a chunk of the cursor."""
    return HEADERS, _rows(_whole_result(export_queryset(queryset)))

"""Import of a past session's results (dossiers and decisions) from a spreadsheet: dry run, then all or nothing.

The pattern and the generic pieces (reading the file, line and cell errors, preview storage)
are those of `portal.imports`; the organisation and required-text cells are read by the
widgets of the jury members' import (`juries.imports`). A checked file is imported in one
transaction: each dossier is recorded as received at the session's close, in the state its
decision left it (`KIND_STATES`, as the ETNA 2019 laureates are loaded), then put before a
jury of the past round (`jury_dossiers_add(past_round=True)`) whose deliberations are taken
in by `deliberation_record_past`, one per decision date: scores frozen, minutes and letters
generated after commit.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_lazy
from import_export import fields, resources, widgets

from applications.models import Dossier
from calls.models import Session
from juries.imports import OrganisationWidget, RequiredTextWidget
from juries.models import Decision
from juries.services import juries
from juries.services.deliberation import KIND_STATES, DecisionInput, deliberation_record_past
from portal.errors import DomainError
from portal.fields import AmountInputField, DateInputField
from portal.imports import CellError, ImportCheck, shape_errors
from portal.selectors import user_roles
from portal.services import audit_record
from portal.templatetags.portal_format import format_euros

REQUIRED_COLUMNS = (
    "Acronyme",
    "Titre",
    "Porteur",
    "Montant demandé",
    "Décision",
    "Montant accordé",
    "Date de décision",
)
OPTIONAL_COLUMNS = ()
DECISIONS = {"retenu": Decision.Kind.SELECTED, "non retenu": Decision.Kind.REJECTED}
PARIS = ZoneInfo("Europe/Paris")
REJECTED_REASON = gettext_lazy("Non retenu (résultat d'une session passée, importé).")


def _cell_error(error: ValidationError) -> ValueError:
    return ValueError(" ".join(error.messages))


class AmountWidget(widgets.Widget):
    """An amount in euros as typed in French (« 12 500,00 », « 12500.5 », « 12 500 € ») or as a spreadsheet
    number; an empty cell is no amount."""

    def clean(self, value, row=None, **kwargs):
        try:
            return AmountInputField(required=False).clean(value if not isinstance(value, str) else value.strip())
        except ValidationError as error:
            raise _cell_error(error) from None


class FrenchDateWidget(widgets.Widget):
    """A date written dd/mm/yyyy, or a spreadsheet date."""

    def clean(self, value, row=None, **kwargs):
        field = DateInputField(
            input_formats=["%d/%m/%Y"],
            error_messages={
                "required": gettext("La date de décision est obligatoire."),
                "invalid": gettext("Date invalide : « %(value)s ». Écrivez-la jj/mm/aaaa, par exemple 21/06/2019.")
                % {"value": value},
            },
        )
        try:
            return field.clean(value.strip() if isinstance(value, str) else value)
        except ValidationError as error:
            raise _cell_error(error) from None


class DecisionWidget(widgets.Widget):
    """« retenu » or « non retenu », in any case."""

    def clean(self, value, row=None, **kwargs):
        text = " ".join(str(value or "").split()).casefold()
        if text not in DECISIONS:
            raise ValueError(
                gettext("Décision inconnue : « %(value)s ». Décisions acceptées : retenu ; non retenu.")
                % {"value": value or ""}
            )
        return DECISIONS[text]


class CarrierWidget(OrganisationWidget):
    """The carrier: an organisation already registered, by its name or its SIRET; required."""

    def clean(self, value, row=None, **kwargs):
        organisation = super().clean(value, row, **kwargs)
        if organisation is None:
            raise ValueError(gettext("Le porteur est obligatoire (nom ou SIRET d'une organisation enregistrée)."))
        return organisation


class HistoryImportResource(resources.Resource):
    acronym = fields.Field(column_name="Acronyme", widget=RequiredTextWidget())
    title = fields.Field(column_name="Titre", widget=RequiredTextWidget())
    organisation = fields.Field(column_name="Porteur")
    requested_amount = fields.Field(column_name="Montant demandé", widget=AmountWidget())
    kind = fields.Field(column_name="Décision", widget=DecisionWidget())
    granted_amount = fields.Field(column_name="Montant accordé", widget=AmountWidget())
    decided_on = fields.Field(column_name="Date de décision", widget=FrenchDateWidget())

    def __init__(self, dataset: tablib.Dataset):
        super().__init__()
        self.fields["organisation"].widget = CarrierWidget(dataset["Porteur"])


LIMITS = {
    "acronym": ("Acronyme", Dossier._meta.get_field("acronym").max_length),
    "title": ("Titre", Dossier._meta.get_field("title").max_length),
}


def closed_sessions_of(user):
    """The closed sessions of the programmes `user` runs (all for an admin), newest first."""
    roles = user_roles(user)
    sessions = Session.objects.filter(closes_at__lt=timezone.now(), is_demo=False).select_related("theme__call")
    if not roles.is_admin:
        sessions = sessions.filter(theme__call__programme_id__in=roles.staff_programme_ids)
    return sessions.order_by("-closes_at", "theme__code", "pk")


def _row_errors(values: dict, session: Session) -> list[tuple[str, str]]:
    """The checks across the cells of one row: (column, message)."""
    errors = []
    for name, (column, limit) in LIMITS.items():
        if values.get(name) and len(values[name]) > limit:
            errors.append((column, gettext("%(limit)s caractères au plus.") % {"limit": limit}))
    requested, granted, kind = values.get("requested_amount"), values.get("granted_amount"), values.get("kind")
    if requested is not None and granted is not None and granted > requested:
        errors.append(
            (
                "Montant accordé",
                gettext("Le montant accordé (%(granted)s) dépasse le montant demandé (%(requested)s).")
                % {"granted": format_euros(granted), "requested": format_euros(requested)},
            )
        )
    if kind == Decision.Kind.REJECTED and granted:
        errors.append(
            ("Montant accordé", gettext("Un dossier non retenu n'a pas de montant accordé : laissez la cellule vide."))
        )
    decided_on = values.get("decided_on")
    if decided_on is not None:
        closed_on = timezone.localtime(session.closes_at).date()
        if decided_on < closed_on:
            errors.append(
                (
                    "Date de décision",
                    gettext("La décision ne peut précéder la clôture de la session (%(date)s).")
                    % {"date": closed_on.strftime("%d/%m/%Y")},
                )
            )
        elif decided_on > timezone.localdate():
            errors.append(("Date de décision", gettext("La date de décision est dans le futur.")))
    return errors


def ensure_importable(*, actor, session: Session) -> None:
    """A past session's results are imported by its programme's staff, once the session is closed."""
    if not user_roles(actor).is_staff_of(session.theme.call.programme_id):
        raise DomainError(gettext("Vous ne gérez pas le programme de cette session."), code="forbidden")
    if session.closes_at >= timezone.now():
        raise DomainError(
            gettext("La session n'est pas close : seuls les résultats d'une session close s'importent."),
            code="session_open",
            field="session",
        )


def history_check(session: Session, dataset: tablib.Dataset) -> ImportCheck:
    """Dry run: the dossiers and decisions that would be recorded, or each wrong line and cell. Writes nothing."""
    if errors := shape_errors(dataset, REQUIRED_COLUMNS):
        return ImportCheck(errors=errors)
    resource = HistoryImportResource(dataset)
    taken = {
        acronym.casefold() for acronym in Dossier.objects.filter(session=session).values_list("acronym", flat=True)
    }
    check, first_line_of = ImportCheck(), {}
    for line, row in enumerate(dataset.dict, start=2):
        if not any(str(value if value is not None else "").strip() for value in row.values()):
            continue  # a blank line, as spreadsheets often leave at the end
        values = {"line": line}
        for name, field in resource.fields.items():
            try:
                values[name] = field.clean(row)
            except ValueError as error:
                check.errors.append(CellError(line=line, column=field.column_name, message=str(error)))
        check.errors += [
            CellError(line=line, column=column, message=message) for column, message in _row_errors(values, session)
        ]
        key = (values.get("acronym") or "").casefold()
        duplicate = (
            gettext("Cet acronyme figure déjà ligne %(line)s.") % {"line": first_line_of[key]}
            if key in first_line_of
            else gettext("Un dossier de cet acronyme existe déjà dans la session.")
            if key in taken
            else ""
        )
        if duplicate:
            check.errors.append(CellError(line=line, column="Acronyme", message=duplicate))
        first_line_of.setdefault(key, line)
        values["decision_label"] = Decision.Kind(values["kind"]).label if values.get("kind") else ""
        check.rows.append(values)
    if check.errors:
        check.rows = []
        check.errors.sort(key=lambda error: error.line)
    return check


def _record(*, actor, session: Session, row: dict) -> Dossier:
    """One dossier as it stood after its decision: received at the session's close, in the decided state."""
    dossier = Dossier.objects.create(
        reference=f"tmp-{uuid.uuid4().hex}",
        organisation=row["organisation"],
        theme=session.theme,
        session=session,
        project_key=f"{slugify(row['acronym'])[:40]}-{uuid.uuid4().hex[:8]}",
        acronym=row["acronym"],
        title=row["title"],
        state=KIND_STATES[row["kind"]],
        requested_amount=row["requested_amount"],
        granted_amount=row["granted_amount"] if row["kind"] == Decision.Kind.SELECTED else None,
        submitted_at=session.closes_at,
        created_by=actor,
    )
    dossier.reference = dossier.numbered()
    dossier.save(update_fields=["reference"])
    return dossier


def history_import(*, actor, session: Session, dataset: tablib.Dataset) -> int:
    """Record every dossier and decision of a checked file, all or nothing; DomainError if it no longer holds."""
    ensure_importable(actor=actor, session=session)
    with transaction.atomic():
        # The session's row, locked: two imports into it run one after the other, and the second
        # is checked against what the first recorded (its acronyms are taken), so nothing is doubled.
        session = Session.objects.select_for_update(of=("self",)).select_related("theme__call").get(pk=session.pk)
        check = history_check(session, dataset)
        if not check.is_valid:
            raise DomainError(
                gettext("Le fichier n'est plus valable (des données ont changé) : vérifiez-le à nouveau."),
                code="import_stale",
            )
        recorded = [(row, _record(actor=actor, session=session, row=row)) for row in check.rows]
        jury = juries.jury_create(
            actor=actor,
            call=session.theme.call,
            session=session,
            evaluations_per_dossier=1,
            name=gettext("Résultats historiques — %(theme)s — %(session)s")
            % {"theme": session.theme.code, "session": session.name},
        )
        juries.jury_dossiers_add(actor=actor, jury=jury, dossiers=[dossier for _, dossier in recorded], past_round=True)
        for decided_on in sorted({row["decided_on"] for row, _ in recorded}):
            deliberation_record_past(
                actor=actor,
                jury=jury,
                recorded_at=datetime.datetime.combine(decided_on, datetime.time(12, 0), tzinfo=PARIS),
                decisions=[
                    DecisionInput(
                        dossier.pk,
                        row["kind"],
                        granted_amount=dossier.granted_amount,
                        reasons=REJECTED_REASON if row["kind"] == Decision.Kind.REJECTED else "",
                    )
                    for row, dossier in recorded
                    if row["decided_on"] == decided_on
                ],
            )
        audit_record(
            actor=actor,
            action="import.session_results",
            target=jury,
            data={
                "session": session.pk,
                "dossiers": len(recorded),
                "selected": sum(1 for row, _ in recorded if row["kind"] == Decision.Kind.SELECTED),
                "granted_total": str(
                    sum((dossier.granted_amount or Decimal("0") for _, dossier in recorded), Decimal("0"))
                ),
            },
        )
    return len(recorded)

"""Import of organisations from a spreadsheet (CSV, XLSX, ODS): dry run first, then all or nothing.

The file is read into a tablib Dataset and checked by a django-import-export resource in a
dry run: every wrong cell is reported with its line and column, and nothing is written. The
import proper runs only on a file without any error, in one transaction that is rolled back
if a row still fails (for instance an organisation created by someone else in between).

The generic pieces (`dataset_from_upload`, `shape_errors`, `CellError`, `ImportCheck`,
`preview_store`/`preview_take`, and the template partial portal/imports/partials/errors.html)
serve the other imports too (juries.imports).
"""

from dataclasses import dataclass, field

import tablib
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from portal.errors import DomainError
from portal.models import Organisation, OrganisationKind
from portal.services import audit_record

MAX_ROWS = 5_000
MAX_BYTES = 2 * 1024 * 1024
PREVIEW_TIMEOUT = 3600  # seconds a checked file waits for its confirmation
REQUIRED_COLUMNS = ("Nom", "Type")
OPTIONAL_COLUMNS = ("SIRET", "Ministère de rattachement")
FORMATS = ("csv", "xlsx", "ods")


class KindWidget(widgets.Widget):
    """An organisation type given by its code ("ministere") or its French label, in any case."""

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        for code, label in OrganisationKind.choices:
            if text.casefold() in (code, str(label).casefold()):
                return code
        accepted = " ; ".join(str(label) for label in OrganisationKind.labels)
        raise ValueError(
            _("Type inconnu : « %(value)s ». Types acceptés : %(accepted)s.") % {"value": text, "accepted": accepted}
        )

    def render(self, value, obj=None, **kwargs):
        return str(OrganisationKind(value).label) if value else ""


class SiretWidget(widgets.CharWidget):
    """A SIRET as typed (spaces) or as a spreadsheet stores it (a number)."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value if value is not None else "").replace(" ", "").replace("\u00a0", "")


class OrganisationImportResource(resources.ModelResource):
    name = fields.Field(attribute="name", column_name="Nom")
    kind = fields.Field(attribute="kind", column_name="Type", widget=KindWidget())
    siret = fields.Field(attribute="siret", column_name="SIRET", widget=SiretWidget())
    parent_ministry = fields.Field(attribute="parent_ministry", column_name="Ministère de rattachement")

    class Meta:
        model = Organisation
        fields = ("name", "kind", "siret", "parent_ministry")
        import_id_fields = ()  # every row creates an organisation; a known SIRET is an error
        clean_model_instances = True
        use_transactions = True

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if not (instance.name or "").strip():
            import_validation_errors = {**(import_validation_errors or {}), "name": [_("Le nom est obligatoire.")]}
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as error:
            errors = error.message_dict
            if any("organisation_unique_siret" in message for message in errors.pop("__all__", [])):
                errors.setdefault("siret", []).append(
                    _(
                        "Une organisation avec ce SIRET est déjà enregistrée (dans le portail ou plus haut dans le fichier)."
                    )
                )
            raise ValidationError(errors) from None


COLUMN_OF = {name: resource_field.column_name for name, resource_field in OrganisationImportResource.fields.items()}


@dataclass
class CellError:
    line: int  # line in the file, the header being line 1
    column: str
    message: str


@dataclass
class ImportCheck:
    """The outcome of a dry run: what would be created, or every error found."""

    rows: list[dict] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.rows)


def dataset_from_upload(uploaded_file) -> tablib.Dataset:
    """The file as a Dataset; DomainError (French) when it cannot be one."""
    extension = uploaded_file.name.rsplit(".", 1)[-1].lower() if "." in uploaded_file.name else ""
    if extension not in FORMATS:
        raise DomainError(_("Choisissez un fichier CSV, XLSX ou ODS."), code="import_format", field="file")
    if uploaded_file.size > MAX_BYTES:
        raise DomainError(_("Le fichier dépasse 2 Mo."), code="import_size", field="file")
    content = uploaded_file.read()
    try:
        if extension == "csv":
            text = content.decode("utf-8-sig")
            delimiter = ";" if text.split("\n", 1)[0].count(";") >= text.split("\n", 1)[0].count(",") else ","
            dataset = tablib.Dataset().load(text, format="csv", delimiter=delimiter)
        else:
            dataset = tablib.Dataset().load(content, format=extension)
    except Exception as error:  # tablib raises whatever its reader raises on a damaged file
        raise DomainError(
            _("Ce fichier est illisible : vérifiez son format."), code="import_unreadable", field="file"
        ) from error
    dataset.headers = [str(header or "").strip() for header in dataset.headers or []]
    return dataset


def shape_errors(dataset: tablib.Dataset, required_columns) -> list[CellError]:
    """What makes a file unfit before its rows are read: a missing column, too many lines."""
    missing = [column for column in required_columns if column not in dataset.headers]
    if missing:
        return [CellError(line=1, column=column, message=_("Colonne manquante.")) for column in missing]
    if len(dataset) > MAX_ROWS:
        return [
            CellError(
                line=MAX_ROWS + 2,
                column="",
                message=_("Plus de %(max)s lignes : découpez le fichier.") % {"max": MAX_ROWS},
            )
        ]
    return []


def organisations_check(dataset: tablib.Dataset) -> ImportCheck:
    """Dry run: the rows that would be created, or each wrong line and cell. Writes nothing."""
    if errors := shape_errors(dataset, REQUIRED_COLUMNS):
        return ImportCheck(errors=errors)
    result = OrganisationImportResource().import_data(dataset, dry_run=True, raise_errors=False)
    check = ImportCheck()
    for row in result.invalid_rows:
        for name, messages in row.error_dict.items():
            for message in messages:
                check.errors.append(CellError(line=row.number + 1, column=COLUMN_OF.get(name, ""), message=message))
    for number, row_errors in result.row_errors():
        for row_error in row_errors:
            check.errors.append(CellError(line=number + 1, column="", message=str(row_error.error)))
    check.errors.sort(key=lambda error: error.line)
    if not check.errors:
        kind_widget = KindWidget()
        check.rows = [
            {
                "line": number,
                "name": row.get("Nom"),
                "kind": kind_widget.render(kind_widget.clean(row.get("Type"))),
                "siret": SiretWidget().clean(row.get("SIRET")),
                "parent_ministry": row.get("Ministère de rattachement") or "",
            }
            for number, row in enumerate(dataset.dict, start=2)
        ]
    return check


@transaction.atomic
def organisations_import(*, actor, dataset: tablib.Dataset) -> int:
    """Create every organisation of a checked file, all or nothing; DomainError if a row fails now."""
    result = OrganisationImportResource().import_data(
        dataset,
        dry_run=False,
        raise_errors=False,
        rollback_on_validation_errors=True,
    )
    if result.has_errors() or result.has_validation_errors():
        raise DomainError(
            _("Le fichier n'est plus valable (des données ont changé) : vérifiez-le à nouveau."), code="import_stale"
        )
    created = result.totals["new"]
    audit_record(actor=actor, action="import.organisations", data={"created": created})
    return created


def _key(token: str, scope: str) -> str:
    return f"portal:import:{scope}:{token}"


def preview_store(*, token: str, user_id: int, dataset: tablib.Dataset, scope: str = "organisations") -> None:
    """Keep a checked file until its confirmation; `scope` names what it imports (and where), so a
    token of one import cannot be confirmed by another."""
    cache.set(
        _key(token, scope),
        {"user_id": user_id, "headers": list(dataset.headers), "rows": [list(row) for row in dataset]},
        PREVIEW_TIMEOUT,
    )


def preview_take(*, token: str, user_id: int, scope: str = "organisations") -> tablib.Dataset | None:
    """The checked file of this user, once (the entry is removed), or None.

    Of two confirmations of one token racing, only the one whose delete removed the entry gets the
    file: a double-clicked "Confirm" imports once.
    """
    stored = cache.get(_key(token, scope))
    if not stored or stored["user_id"] != user_id:
        return None
    if not cache.delete(_key(token, scope)):
        return None
    return tablib.Dataset(*[tuple(row) for row in stored["rows"]], headers=stored["headers"])

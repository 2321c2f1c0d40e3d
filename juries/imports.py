"""Import of a jury's members from a spreadsheet (CSV, XLSX, ODS): dry run first, then all or nothing.

The pattern and the generic pieces (reading the file, line and cell errors, preview storage)
are those of `portal.imports`. Each cell is cleaned by the widget of its django-import-export
field; the import proper adds every member through `juries.services.juries.member_invite`
(an account without password is opened for an unknown address, and the invitation tells
them to set it), in one transaction: one row failing now leaves the jury as it was.
"""

from __future__ import annotations

import tablib
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from juries.models import Jury, JuryMember
from juries.services import juries
from portal.errors import DomainError
from portal.imports import CellError, ImportCheck, shape_errors
from portal.models import Organisation, User
from portal.services import audit_record

REQUIRED_COLUMNS = ("Courriel", "Prénom", "Nom", "Président", "Externe", "Secteur")
OPTIONAL_COLUMNS = ("Organisation",)


class EmailWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        email = str(value or "").strip().lower()
        if not email:
            raise ValueError(_("Le courriel est obligatoire."))
        try:
            validate_email(email)
        except ValidationError:
            raise ValueError(_("Courriel invalide : « %(email)s ».") % {"email": email}) from None
        return email


class RequiredTextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = str(value if value is not None else "").strip()
        if not text:
            raise ValueError(_("Cette cellule est obligatoire."))
        return text


class YesNoWidget(widgets.Widget):
    """« oui » or « non », in any case; an empty cell is « non »."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = str(value or "").strip().casefold()
        if text in ("", "non"):
            return False
        if text == "oui":
            return True
        raise ValueError(_("Réponse inconnue : « %(value)s ». Répondez oui ou non.") % {"value": value})


class SectorWidget(widgets.Widget):
    """« public » or « privé » (« prive » accepted), in any case."""

    ACCEPTED = {
        "public": JuryMember.Sector.PUBLIC,
        "privé": JuryMember.Sector.PRIVATE,
        "prive": JuryMember.Sector.PRIVATE,
    }

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip().casefold()
        if text not in self.ACCEPTED:
            raise ValueError(
                _("Secteur inconnu : « %(value)s ». Secteurs acceptés : public ; privé.") % {"value": value or ""}
            )
        return self.ACCEPTED[text]


class OrganisationWidget(widgets.Widget):
    """An organisation already registered, by its name (any case) or its SIRET; an empty cell is none."""

    def __init__(self, names: list[str]):
        wanted = {name.strip() for name in names if name and str(name).strip()}
        lowered = {name.lower() for name in wanted}
        sirets = {name.replace(" ", "") for name in wanted}
        self.by_key: dict[str, list[Organisation]] = {}
        matching = Q(lowered__in=lowered) | Q(siret__in=sirets)
        for organisation in Organisation.objects.annotate(lowered=Lower("name")).filter(matching):
            self.by_key.setdefault(organisation.name.casefold(), []).append(organisation)
            if organisation.siret:
                self.by_key.setdefault(organisation.siret, []).append(organisation)

    def clean(self, value, row=None, **kwargs):
        text = str(value if value is not None else "").strip()
        if not text:
            return None
        found = self.by_key.get(text.casefold()) or self.by_key.get(text.replace(" ", "")) or []
        if not found:
            raise ValueError(
                _("Organisation inconnue : « %(name)s ». Enregistrez-la d'abord dans le portail.") % {"name": text}
            )
        if len(found) > 1:
            raise ValueError(
                _("Plusieurs organisations s'appellent « %(name)s » : indiquez leur SIRET.") % {"name": text}
            )
        return found[0]


class JuryMemberImportResource(resources.Resource):
    email = fields.Field(column_name="Courriel", widget=EmailWidget())
    first_name = fields.Field(column_name="Prénom", widget=RequiredTextWidget())
    last_name = fields.Field(column_name="Nom", widget=RequiredTextWidget())
    organisation = fields.Field(column_name="Organisation")
    is_chair = fields.Field(column_name="Président", widget=YesNoWidget())
    is_external = fields.Field(column_name="Externe", widget=YesNoWidget())
    sector = fields.Field(column_name="Secteur", widget=SectorWidget())

    def __init__(self, dataset: tablib.Dataset):
        super().__init__()
        names = dataset["Organisation"] if "Organisation" in dataset.headers else []
        self.fields["organisation"].widget = OrganisationWidget(names)


def members_check(jury: Jury, dataset: tablib.Dataset) -> ImportCheck:
    """Dry run: the members that would be added, or each wrong line and cell. Writes nothing."""
    if errors := shape_errors(dataset, REQUIRED_COLUMNS):
        return ImportCheck(errors=errors)
    resource = JuryMemberImportResource(dataset)
    active = {
        email.lower() for email in jury.members.filter(withdrawn_at__isnull=True).values_list("user__email", flat=True)
    }
    check, first_line_of, chair_lines = ImportCheck(), {}, []
    for line, row in enumerate(dataset.dict, start=2):
        values = {"line": line}
        for name, field in resource.fields.items():
            if field.column_name not in row:  # an optional column left out
                values[name] = None
                continue
            try:
                values[name] = field.clean(row)
            except ValueError as error:
                check.errors.append(CellError(line=line, column=field.column_name, message=str(error)))
        email = values.get("email")  # None when its cell is wrong (reported above)
        if email in first_line_of:
            check.errors.append(
                CellError(
                    line=line,
                    column="Courriel",
                    message=_("Ce courriel figure déjà ligne %(line)s.") % {"line": first_line_of[email]},
                )
            )
        elif email in active:
            check.errors.append(
                CellError(line=line, column="Courriel", message=_("Cette personne est déjà membre du jury."))
            )
        elif email:
            first_line_of[email] = line
        if values.get("is_chair"):
            chair_lines.append(line)
        check.rows.append(values)
    check.errors += [
        CellError(line=line, column="Président", message=_("Un seul président ou une seule présidente par jury."))
        for line in chair_lines[1:]
    ]
    if check.errors:
        check.rows = []
        check.errors.sort(key=lambda error: error.line)
        return check
    known = set(
        User.objects.annotate(lowered=Lower("email"))
        .filter(lowered__in=list(first_line_of))
        .values_list("lowered", flat=True)
    )
    for values in check.rows:
        values["new_account"] = values["email"] not in known
        values["sector_label"] = JuryMember.Sector(values["sector"]).label
    return check


def members_import(*, actor, jury: Jury, dataset: tablib.Dataset) -> int:
    """Add every member of a checked file, all or nothing; DomainError if the file no longer holds."""
    check = members_check(jury, dataset)
    if not check.is_valid:
        raise DomainError(
            _("Le fichier n'est plus valable (des données ont changé) : vérifiez-le à nouveau."), code="import_stale"
        )
    with transaction.atomic():
        for row in check.rows:
            member = juries.member_invite(
                actor=actor,
                jury=jury,
                email=row["email"],
                is_chair=row["is_chair"],
                is_external=row["is_external"],
                sector=row["sector"],
                organisation=row["organisation"],
            )
            # The names of the file for an account that has none (a new one); a known person's stay as they are.
            User.objects.filter(pk=member.user_id, first_name="", last_name="").update(
                first_name=row["first_name"],
                last_name=row["last_name"],
            )
        audit_record(actor=actor, action="import.jury_members", target=jury, data={"added": len(check.rows)})
    return len(check.rows)

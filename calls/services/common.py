"""What the staff back-office's writes share: the audit event filed under the call, attribute
changes recorded as before/after, model validation as a French `DomainError` on its field, and
Paris time for what staff type.
"""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import Call, Theme
from portal.errors import DomainError
from portal.selectors import user_roles
from portal.services import audit_record

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def audit_change(*, actor, action: str, call: Call, obj=None, data: dict | None = None) -> None:
    details = dict(data or {})
    if obj is not None and obj is not call:
        details.update({"object": obj._meta.model_name, "object_id": obj.pk, "label": str(obj)[:255]})
    audit_record(actor=actor, action=action, target=call, data=details)


def ensure_runs_programme(actor, programme_id: int) -> None:
    """For a write that names its programme or parent by id: the actor runs that programme (an admin
    runs all; no actor is the system: call imports, the demo). The views scope their choices too."""
    if actor is not None and not user_roles(actor).is_staff_of(programme_id):
        raise DomainError(_("Vous ne gérez pas ce programme."), code="forbidden")


def assign_fields(instance, fields: dict, allowed: set[str]) -> dict:
    """Set the allowed attributes; return {field: [old, new]} of what changed, for the audit."""
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError(
            _("Champ non modifiable : %(fields)s.") % {"fields": ", ".join(sorted(unknown))}, code="field_not_editable"
        )
    changes = {}
    for name, value in fields.items():
        old = getattr(instance, name)
        if old != value:
            changes[name] = [_jsonable(old), _jsonable(value)]
        setattr(instance, name, value)
    return changes


def _jsonable(value):
    if isinstance(value, (Decimal, datetime.date, datetime.datetime)):
        return str(value)
    return value


def full_clean_or_error(instance, code: str, exclude: tuple[str, ...] = ()) -> None:
    """Model validation (field validators and check constraints) as a DomainError on its field."""
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainError(messages[0], code=code, field=None if field == NON_FIELD_ERRORS else field) from error


def as_paris(value: datetime.datetime | None) -> datetime.datetime | None:
    """A naive date-time typed by staff is Paris time."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value, PARIS)
    return value


def paris_text(value: datetime.datetime) -> str:
    return timezone.localtime(value, PARIS).strftime("%d/%m/%Y %H:%M")


def owner_of(*, call: Call | None, theme: Theme | None) -> tuple[dict, Call]:
    if (call is None) == (theme is None):
        raise DomainError(_("Rattachez l'élément soit à l'appel, soit à un thème."), code="owner")
    return ({"call": call} if call is not None else {"theme": theme}), (call or theme.call)


def check_unique_key(siblings, key: str, *, where: str, exclude_pk: int | None = None) -> None:
    """`key` must be given and free among `siblings` (the sessions or phases of a theme, the milestones of a phase)."""
    if not key:
        raise DomainError(_("Identifiant : il est obligatoire."), code="key_missing", field="key")
    if siblings.filter(key=key).exclude(pk=exclude_pk).exists():
        raise DomainError(
            _("Identifiant : « %(key)s » est déjà utilisé pour %(where)s.") % {"key": key, "where": where},
            code="key_taken",
            field="key",
        )

"""Labels of a programme, bulk actions on selected dossiers, and saved filters of the staff list."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from applications.models import Dossier, Label, SavedFilter
from applications.selectors import dossiers_of_staff
from applications.services.exchanges import message_post
from applications.services.routing import dossier_assign
from portal.errors import DomainError
from portal.selectors import user_roles
from portal.services import audit_record


def label_create(*, actor, programme, name: str, colour: str) -> Label:
    """A label of the programme for its staff; the name is unique within the programme."""
    if not user_roles(actor).is_staff_of(programme.pk):
        raise DomainError(_("Seule l'équipe du programme crée ses étiquettes."), code="forbidden")
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Nommez l'étiquette."), code="required", field="name")
    if colour not in Label.Colour.values:
        raise DomainError(_("Couleur inconnue."), code="invalid", field="colour")
    try:
        with transaction.atomic():
            label = Label.objects.create(programme=programme, name=name, colour=colour)
            audit_record(actor=actor, action="label.create", target=label, data={"programme": programme.pk})
    except IntegrityError:
        raise DomainError(
            _("Le programme a déjà une étiquette « %(name)s ».") % {"name": name}, code="duplicate", field="name"
        ) from None
    return label


def _selected(actor, dossier_ids) -> list[Dossier]:
    """The selected dossiers, all within the actor's scope, or a refusal of the whole selection."""
    ids = {int(pk) for pk in dossier_ids}
    if not ids:
        raise DomainError(_("Sélectionnez au moins un dossier."), code="required", field="dossiers")
    dossiers = list(dossiers_of_staff(actor).filter(pk__in=ids).select_related("theme__call"))
    if len(dossiers) != len(ids):
        raise DomainError(_("Certains dossiers sélectionnés ne sont pas dans votre périmètre."), code="not_found")
    return dossiers


def dossiers_label(*, actor, dossier_ids, label: Label, add: bool = True) -> int:
    """Put (or take off) a label on the selected dossiers, all of its programme; returns how many changed."""
    dossiers = _selected(actor, dossier_ids)
    if any(dossier.theme.call.programme_id != label.programme_id for dossier in dossiers):
        raise DomainError(_("Cette étiquette n'est pas celle du programme de ces dossiers."), code="invalid")
    changed = 0
    with transaction.atomic():
        current = set(label.dossiers.filter(pk__in=[d.pk for d in dossiers]).values_list("pk", flat=True))
        for dossier in dossiers:
            if (dossier.pk in current) == add:
                continue
            (label.dossiers.add if add else label.dossiers.remove)(dossier)
            audit_record(
                actor=actor,
                action="dossier.label_add" if add else "dossier.label_remove",
                target=dossier,
                data={"label": label.name},
            )
            changed += 1
    return changed


def dossiers_assign(*, actor, dossier_ids, instructor) -> int:
    """Assign every selected dossier to one instructor, all or none (see `dossier_assign`)."""
    dossiers = _selected(actor, dossier_ids)
    with transaction.atomic():
        for dossier in dossiers:
            dossier_assign(actor=actor, dossier=dossier, instructor=instructor)
    return len(dossiers)


def dossiers_message(*, actor, dossier_ids, body: str) -> int:
    """Send one message to each selected dossier's thread (each carrier is notified), all or none."""
    dossiers = _selected(actor, dossier_ids)
    with transaction.atomic():
        for dossier in dossiers:
            message_post(actor=actor, dossier=dossier, body=body)
    return len(dossiers)


def saved_filter_save(*, actor, name: str, querystring: str) -> SavedFilter:
    """Save (or replace) the user's filter of that name; the page number is not part of it."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Nommez le filtre."), code="required", field="name")
    from django.http import QueryDict

    params = QueryDict(querystring or "", mutable=True)
    params.pop("page", None)
    saved, _created = SavedFilter.objects.update_or_create(
        user=actor, name=name[:80], defaults={"querystring": params.urlencode()[:1000]}
    )
    return saved


def saved_filter_delete(*, actor, saved_filter: SavedFilter) -> None:
    if saved_filter.user_id != actor.pk:
        raise DomainError(_("Ce filtre n'est pas le vôtre."), code="forbidden")
    saved_filter.delete()

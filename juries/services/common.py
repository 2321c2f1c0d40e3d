"""Checks shared by the juries services."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.selectors import manages_instruction_of
from juries.models import Jury, JuryMember
from portal.errors import DomainError
from portal.selectors import user_roles


def ensure_staff(actor, jury: Jury) -> None:
    """A jury ranks and decides dossiers of every instructor group: the programme's instruction managers run it
    (the jury pages of an instructor within groups are 404s before any service is reached)."""
    if not user_roles(actor).is_staff_of(jury.programme_id):
        raise DomainError(_("Seule l'équipe du programme peut faire cela."), code="forbidden")
    if not manages_instruction_of(actor, jury.programme_id):
        raise DomainError(_("Les jurys du programme sont menés par ses pilotes de l'instruction."), code="forbidden")


def ensure_chair(actor, jury: Jury) -> JuryMember:
    chair = JuryMember.objects.filter(jury=jury, user=actor, is_chair=True, withdrawn_at__isnull=True).first()
    if chair is None or not user_roles(actor).is_juror_of(jury.pk):
        raise DomainError(_("Seul·e le ou la président·e du jury peut faire cela."), code="forbidden")
    return chair


def ensure_reason(reason: str, message: str = gettext_lazy("Un motif écrit est obligatoire.")) -> str:
    if not (reason or "").strip():
        raise DomainError(str(message), code="reason_required", field="reason")
    return reason.strip()

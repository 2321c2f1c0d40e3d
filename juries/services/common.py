"""Checks shared by the juries services."""

from juries.models import Jury, JuryMember
from portal.errors import DomainError
from portal.selectors import user_roles


def ensure_staff(actor, jury: Jury) -> None:
    if not user_roles(actor).is_staff_of(jury.programme_id):
        raise DomainError("Seule l'équipe du programme peut faire cela.", code="forbidden")


def ensure_chair(actor, jury: Jury) -> JuryMember:
    chair = JuryMember.objects.filter(jury=jury, user=actor, is_chair=True, withdrawn_at__isnull=True).first()
    if chair is None or not user_roles(actor).is_juror_of(jury.pk):
        raise DomainError("Seul·e le ou la président·e du jury peut faire cela.", code="forbidden")
    return chair


def ensure_reason(reason: str, message: str = "Un motif écrit est obligatoire.") -> str:
    if not (reason or "").strip():
        raise DomainError(message, code="reason_required", field="reason")
    return reason.strip()

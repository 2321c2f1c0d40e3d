"""Registrations of visitors to info sessions, and their cancellation by the link they receive.

Capacity policy: `InfoSession.capacity` is the number of seats in the room, so only active
in-person registrations count against it; remote attendance is offered only when the session
has a remote link, and is then never limited. A cancelled registration frees its seat.
"""

import secrets
from urllib.parse import urljoin

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import InfoSession, InfoSessionRegistration
from portal.errors import DomainError
from portal.services import audit_record, notify_address

Attendance = InfoSessionRegistration.Attendance


def attendance_modes(info_session: InfoSession) -> list[str]:
    """How one may attend: in person unless the session is remote only, remotely if it has a link."""
    modes = []
    if info_session.place or info_session.address or not info_session.remote_link:
        modes.append(Attendance.IN_PERSON)
    if info_session.remote_link:
        modes.append(Attendance.REMOTE)
    return modes


def seats_left(info_session: InfoSession, *, registered_in_person: int) -> int | None:
    if info_session.capacity is None:
        return None
    return max(info_session.capacity - registered_in_person, 0)


def registration_check(info_session: InfoSession, *, registered_in_person: int | None = None) -> None:
    """Raise DomainError when the session no longer takes registrations: past, closed by staff,
    or (when `registered_in_person` is given) full with no remote attendance to offer instead.
    """
    if info_session.starts_at <= timezone.now():
        raise DomainError(
            _("Cette réunion a déjà commencé ou est passée : l'inscription n'est plus possible."),
            code="info_session_past",
        )
    if not info_session.registration_open:
        raise DomainError(_("Les inscriptions à cette réunion sont closes."), code="info_session_registration_closed")
    if (
        registered_in_person is not None
        and seats_left(info_session, registered_in_person=registered_in_person) == 0
        and attendance_modes(info_session) == [Attendance.IN_PERSON]
    ):
        raise DomainError(_("La réunion est complète."), code="info_session_full")


def _absolute(path: str) -> str:
    return urljoin(settings.SITE_URL, path)


@transaction.atomic
def info_session_register(
    *, info_session: InfoSession, name: str, email: str, organisation_name: str = "", attendance: str
) -> InfoSessionRegistration:
    """Register a visitor and queue the confirmation e-mail (cancellation and calendar links).

    The info session row is locked, so two last-seat registrations cannot both pass the
    capacity check. Raises DomainError (French) when closed, past, full or already registered.
    """
    info_session = InfoSession.objects.select_for_update().get(pk=info_session.pk)
    registration_check(info_session)
    if attendance not in attendance_modes(info_session):
        raise DomainError(
            _("Ce mode de participation n'est pas proposé pour cette réunion."),
            code="info_session_attendance",
            field="attendance",
        )
    email = email.strip()
    active = info_session.registrations.filter(cancelled_at__isnull=True)
    if active.filter(email__iexact=email).exists():
        raise DomainError(
            _(
                "Cette adresse e-mail est déjà inscrite à cette réunion. Pour changer de mode de participation, "
                "annulez d'abord l'inscription avec le lien reçu par e-mail."
            ),
            code="info_session_duplicate",
            field="email",
        )
    if attendance == Attendance.IN_PERSON:
        left = seats_left(info_session, registered_in_person=active.filter(attendance=Attendance.IN_PERSON).count())
        if left == 0:
            message = _("La réunion est complète sur place.")
            if Attendance.REMOTE in attendance_modes(info_session):
                message = _(
                    "La réunion est complète sur place. Vous pouvez encore vous inscrire pour y participer à distance."
                )
            raise DomainError(message, code="info_session_full", field="attendance")
    registration = InfoSessionRegistration.objects.create(
        info_session=info_session,
        name=name.strip(),
        email=email,
        organisation_name=organisation_name.strip(),
        attendance=attendance,
        cancel_token=secrets.token_urlsafe(32),
    )
    audit_record(
        actor=None,
        action="info_session.register",
        target=info_session,
        data={"registration": registration.pk, "attendance": attendance},
    )
    context = {
        "registration": registration,
        "info_session": info_session,
        "cancel_url": _absolute(reverse("calls:registration_cancel", args=[registration.cancel_token])),
        "ics_url": _absolute(reverse("calls:info_session_ics", args=[info_session.pk])),
        "call_url": _absolute(reverse("calls:call_detail", args=[info_session.call.slug])),
    }
    notify_address("info_session_registered", to_email=registration.email, context=context, link=context["cancel_url"])
    return registration


@transaction.atomic
def info_session_cancel(*, cancel_token: str) -> InfoSessionRegistration:
    """Cancel the registration holding this token; frees its seat. Refused once the session started."""
    registration = (
        InfoSessionRegistration.objects.select_for_update(of=("self",))
        .select_related("info_session", "info_session__call")
        .filter(cancel_token=cancel_token)
        .first()
    )
    if registration is None:
        raise DomainError(_("Ce lien d'annulation n'est pas valable."), code="registration_unknown")
    if registration.cancelled_at is not None:
        raise DomainError(_("Cette inscription est déjà annulée."), code="registration_already_cancelled")
    if registration.info_session.starts_at <= timezone.now():
        raise DomainError(
            _("La réunion a déjà commencé : l'inscription ne peut plus être annulée."), code="info_session_past"
        )
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["cancelled_at"])
    audit_record(
        actor=None,
        action="info_session.cancel",
        target=registration.info_session,
        data={"registration": registration.pk},
    )
    return registration

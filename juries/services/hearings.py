"""Hearings of shortlisted carriers (PIA LIT: « audition des candidats sélectionnés sur dossier »):
staff schedule them, the carrier is invited by e-mail with an iCalendar file and confirms or asks for
another slot, the jury records what came of it; the minutes list them.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Dossier
from applications.permissions import ensure_member
from applications.recipients import carrier_members, programme_staff
from applications.selectors import manages_instruction_of
from calls.ics import Event, calendar, uid_for
from juries.models import Hearing, Jury, JuryDossier, JuryMember
from juries.services.common import ensure_staff
from portal.errors import DomainError
from portal.selectors import user_roles
from portal.services import audit_record, email_attachment, notify

MAX_DURATION_MINUTES = 8 * 60
# Answers and outcomes that close a hearing: nothing changes it afterwards.
CLOSED = (Hearing.Status.HELD, Hearing.Status.CANCELLED)


def _paris(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y à %H:%M")


def hearing_calendar(hearing: Hearing) -> str:
    """The hearing as an iCalendar file; the same UID at every slot, so that calendars move the event."""
    dossier = hearing.dossier
    link = hearing.video_link
    return calendar(
        [
            Event(
                uid=uid_for("hearing", hearing.pk),
                starts_at=hearing.starts_at,
                ends_at=hearing.ends_at,
                summary=_("Audition — %(acronym)s (%(jury)s)")
                % {"acronym": dossier.acronym, "jury": hearing.jury.name},
                description=_("Audition du projet %(reference)s devant le jury.%(link)s")
                % {"reference": dossier.reference, "link": f" {link}" if link else ""},
                location=hearing.place or link,
                url=link,
                sequence=hearing.sequence,
            )
        ],
        name=_("Audition %(reference)s") % {"reference": dossier.reference},
    )


def _invite(actor, hearing: Hearing, *, moved: bool) -> None:
    notify(
        "hearing_invitation",
        actor=actor,
        recipients=carrier_members(hearing.dossier),
        context={"hearing": hearing, "dossier": hearing.dossier, "moved": moved},
        link=reverse("juries:hearing_answer", args=[hearing.pk]),
        attachments=[
            email_attachment(
                filename=f"audition-{hearing.dossier.reference}.ics",
                content_type="text/calendar; method=PUBLISH; charset=utf-8",
                content=hearing_calendar(hearing),
            )
        ],
    )


def hearing_schedule(
    *,
    actor,
    jury: Jury,
    dossier: Dossier,
    starts_at: datetime.datetime,
    duration_minutes: int,
    place: str = "",
    video_link: str = "",
) -> Hearing:
    """Schedule (or move) the hearing of a dossier of the jury and invite its carrier by e-mail, with an
    iCalendar file. A hearing already held or cancelled is not moved."""
    ensure_staff(actor, jury)
    place, video_link = (place or "").strip(), (video_link or "").strip()
    if starts_at is None or starts_at <= timezone.now():
        raise DomainError(_("Choisissez une date et une heure à venir."), code="past", field="starts_at")
    if not duration_minutes or not 5 <= duration_minutes <= MAX_DURATION_MINUTES:
        raise DomainError(
            _("La durée va de 5 à %(maximum)s minutes.") % {"maximum": MAX_DURATION_MINUTES},
            code="duration",
            field="duration_minutes",
        )
    if not place and not video_link:
        raise DomainError(
            _("Indiquez le lieu de l'audition ou le lien de visioconférence."), code="place_required", field="place"
        )
    if not JuryDossier.objects.filter(jury=jury, dossier=dossier).exists():
        raise DomainError(_("Ce dossier n'est pas examiné par ce jury."), code="jury_scope")
    with transaction.atomic():
        hearing = Hearing.objects.select_for_update().filter(jury=jury, dossier=dossier).first()
        moved = hearing is not None
        if hearing is None:
            hearing = Hearing(jury=jury, dossier=dossier, scheduled_by=actor)
        elif hearing.status in CLOSED:
            raise DomainError(
                _("L'audition de %(reference)s est %(status)s : elle ne se reprogramme plus.")
                % {"reference": dossier.reference, "status": hearing.get_status_display().lower()},
                code="closed",
            )
        else:
            hearing.sequence += 1
        hearing.starts_at, hearing.duration_minutes = starts_at, duration_minutes
        hearing.place, hearing.video_link = place, video_link
        hearing.status = Hearing.Status.INVITED
        hearing.answer_note, hearing.answered_at, hearing.answered_by = "", None, None
        hearing.save()
        audit_record(
            actor=actor,
            action="hearing.reschedule" if moved else "hearing.schedule",
            target=hearing,
            data={"dossier": dossier.pk, "starts_at": starts_at.isoformat(), "place": place, "link": video_link},
        )
        _invite(actor, hearing, moved=moved)
    return hearing


def _locked(hearing: Hearing) -> Hearing:
    return (
        Hearing.objects.select_for_update(of=("self",))
        .select_related("jury", "dossier__theme__call__programme", "dossier__organisation")
        .get(pk=hearing.pk)
    )


def hearing_answer(*, actor, hearing: Hearing, confirm: bool, note: str = "") -> Hearing:
    """The carrier confirms the slot, or asks for another one saying when it can come; until the hearing."""
    with transaction.atomic():
        hearing = _locked(hearing)
        ensure_member(hearing.dossier, actor)
        if hearing.status in CLOSED or hearing.starts_at <= timezone.now():
            raise DomainError(
                _("L'audition du %(date)s ne peut plus recevoir de réponse.") % {"date": _paris(hearing.starts_at)},
                code="closed",
            )
        if not confirm and not (note or "").strip():
            raise DomainError(_("Indiquez les créneaux qui vous conviennent."), code="note_required", field="note")
        hearing.status = Hearing.Status.CONFIRMED if confirm else Hearing.Status.OTHER_SLOT
        hearing.answer_note = "" if confirm else note.strip()
        hearing.answered_at, hearing.answered_by = timezone.now(), actor
        hearing.save(update_fields=["status", "answer_note", "answered_at", "answered_by"])
        audit_record(
            actor=actor,
            action="hearing.confirm" if confirm else "hearing.other_slot",
            target=hearing,
            data={"note": hearing.answer_note},
        )
        notify(
            "hearing_answered",
            actor=actor,
            recipients=programme_staff(hearing.dossier),
            context={"hearing": hearing, "dossier": hearing.dossier},
            link=reverse("juries:staff_hearings", args=[hearing.jury_id]),
        )
    return hearing


def _ensure_staff_or_chair(actor, jury: Jury) -> None:
    roles = user_roles(actor)
    if manages_instruction_of(actor, jury.programme_id):
        return
    chair = JuryMember.objects.filter(jury=jury, user=actor, is_chair=True, withdrawn_at__isnull=True).exists()
    if not (chair and roles.is_juror_of(jury.pk)):
        raise DomainError(
            _("Seuls l'équipe du programme et la présidence du jury consignent l'audition."), code="forbidden"
        )


def hearing_record(*, actor, hearing: Hearing, outcome: str, notes: str) -> Hearing:
    """The jury records what came of the hearing once it has taken place; the minutes print it."""
    if outcome not in Hearing.Outcome.values:
        raise DomainError(_("Choisissez l'issue de l'audition."), code="outcome_required", field="outcome")
    if not (notes or "").strip():
        raise DomainError(_("Résumez ce qui s'est dit à l'audition."), code="notes_required", field="notes")
    with transaction.atomic():
        hearing = _locked(hearing)
        _ensure_staff_or_chair(actor, hearing.jury)
        if hearing.status == Hearing.Status.CANCELLED:
            raise DomainError(_("Cette audition est annulée."), code="closed")
        if hearing.starts_at > timezone.now():
            raise DomainError(
                _("L'audition n'a pas encore eu lieu : elle est prévue le %(date)s.")
                % {"date": _paris(hearing.starts_at)},
                code="not_yet",
            )
        hearing.status = Hearing.Status.HELD
        hearing.outcome, hearing.outcome_notes = outcome, notes.strip()
        hearing.recorded_at, hearing.recorded_by = timezone.now(), actor
        hearing.save(update_fields=["status", "outcome", "outcome_notes", "recorded_at", "recorded_by"])
        audit_record(actor=actor, action="hearing.record", target=hearing, data={"outcome": outcome})
    return hearing

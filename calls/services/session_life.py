"""An open session's life: staff extend its close or close it early, always with a reason.

Both are audited under the call with the close before and after, and every carrier with a draft in
the session hears of it (`calls.signals.session_close_changed`, received by the applications app,
in the same transaction). The close announced at first stays on the session for the public page.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import Session
from calls.permissions import can_manage_call
from calls.services.common import as_paris, audit_change, paris_text
from calls.services.configuration import check_session_dates
from calls.signals import session_close_changed
from portal.errors import DomainError


def _locked_open_session(actor, session: Session, now: datetime.datetime) -> Session:
    session = Session.objects.select_for_update(of=("self",)).select_related("theme__call").get(pk=session.pk)
    if not can_manage_call(actor, session.theme.call):
        raise DomainError(_("Session introuvable."), code="not_found")
    if not session.is_open(now):
        raise DomainError(
            _(
                "La session « %(session)s » n'est pas ouverte (du %(opens_at)s au %(closes_at)s) : seule une session "
                "ouverte se prolonge ou se clôt par anticipation ; modifiez les dates d'une session à venir."
            )
            % {
                "session": session.name,
                "opens_at": paris_text(session.opens_at),
                "closes_at": paris_text(session.closes_at),
            },
            code="session_not_open",
            field="closes_at",
        )
    return session


def _reason(reason: str) -> str:
    if not (reason or "").strip():
        raise DomainError(
            _("Motif : dites pourquoi la clôture change ; il est communiqué aux porteurs."),
            code="reason_required",
            field="reason",
        )
    return reason.strip()


def _move_close(*, actor, session: Session, closes_at: datetime.datetime, reason: str, action: str) -> Session:
    before = session.closes_at
    session.closes_at_announced = session.closes_at_announced or before
    session.closes_at = closes_at
    session.close_change_reason = reason
    check_session_dates(session)
    session.save(update_fields=["closes_at", "closes_at_announced", "close_change_reason"])
    audit_change(
        actor=actor,
        action=action,
        call=session.theme.call,
        obj=session,
        data={"before": before.isoformat(), "after": closes_at.isoformat(), "reason": reason},
    )
    session_close_changed.send(sender=Session, session=session, actor=actor, before=before, reason=reason)
    return session


def session_extend(*, actor, session: Session, closes_at: datetime.datetime, reason: str) -> Session:
    """Push back the close of an open session (a date-time typed without a zone is Paris time).

    Refused when the new close is not later, or when it would overlap the next session of the same
    kind (move that session's opening first).
    """
    reason = _reason(reason)
    closes_at = as_paris(closes_at)
    now = timezone.now()
    with transaction.atomic():
        session = _locked_open_session(actor, session, now)
        if closes_at is None or closes_at <= session.closes_at:
            raise DomainError(
                _("Clôture : pour prolonger, choisissez une date après la clôture actuelle (%(closes_at)s).")
                % {"closes_at": paris_text(session.closes_at)},
                code="not_later",
                field="closes_at",
            )
        return _move_close(actor=actor, session=session, closes_at=closes_at, reason=reason, action="session.extend")


def session_close_early(*, actor, session: Session, reason: str, closes_at: datetime.datetime | None = None) -> Session:
    """Bring the close of an open session forward, to now when no moment is given; drafts freeze then."""
    reason = _reason(reason)
    now = timezone.now()
    closes_at = as_paris(closes_at) or now
    with transaction.atomic():
        session = _locked_open_session(actor, session, now)
        if not now <= closes_at < session.closes_at:
            raise DomainError(
                _(
                    "Clôture : pour clore par anticipation, choisissez un moment entre maintenant (%(now)s) et la "
                    "clôture actuelle (%(closes_at)s)."
                )
                % {"now": paris_text(now), "closes_at": paris_text(session.closes_at)},
                code="not_earlier",
                field="closes_at",
            )
        return _move_close(
            actor=actor, session=session, closes_at=closes_at, reason=reason, action="session.close_early"
        )

"""Deadline reminders, sent by a daily beat task, each at most once per person, object, kind and due date.

Every finder yields `Reminder`s; `reminders_send` records a `ReminderSent` row and the
e-mail in the outbox in one transaction, so a re-run (or two beats racing) sends nothing new.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import ComplementRequest, Dossier
from applications.recipients import carrier_members, fund_operators
from applications.workflow import DossierState
from calls.models import InfoSessionRegistration
from funding.models import Convention, IndicatorReport, Milestone, ReminderOptOut, ReminderSent
from funding.periods import due_date, periods_between, reporting_frequency
from portal.models import User
from portal.services import notify, notify_address

DRAFT_CLOSING_DAYS = (7, 1)
COMPLEMENT_NOTICE_DAYS = 2
DUE_NOTICE_DAYS = 7
SIGNATURE_WAIT_DAYS = 7
EVALUATION_NOTICE_DAYS = 3


# What a user may turn off, by kind prefix ("milestone" covers milestone_due and milestone_overdue).
REMINDER_FAMILIES = {
    "draft_closing": _("Brouillon non déposé avant la clôture d'une session (7 jours et 1 jour avant)"),
    "complement_due": _("Compléments demandés à rendre"),
    "evaluation_due": _("Évaluations de jury à rendre"),
    "convention_signature": _("Convention en attente de signature"),
    "milestone": _("Jalons à venir ou en retard"),
    "report": _("Rapports d'indicateurs à rendre ou en retard"),
    "info_session": _("Réunion d'information le lendemain"),
}


def family_of(kind: str) -> str:
    return next(family for family in REMINDER_FAMILIES if kind.startswith(family))


@dataclass(frozen=True)
class Reminder:
    kind: str
    target: object
    due_on: date
    recipients: list = field(default_factory=list)  # Users, or e-mail addresses for people without an account
    context: dict = field(default_factory=dict)
    link: str = ""

    @property
    def object_key(self) -> str:
        return f"{self.target._meta.label_lower}:{self.target.pk}"


def _local_date(moment) -> date:
    return timezone.localtime(moment).date()


def draft_reminders(today: date) -> Iterator[Reminder]:
    """Drafts whose session closes in 7 days and in 1 day."""
    for days in DRAFT_CLOSING_DAYS:
        day = today + timedelta(days=days)
        drafts = Dossier.objects.filter(state=DossierState.DRAFT).select_related("session", "organisation")
        for dossier in drafts.filter(
            session__closes_at__date__range=(day - timedelta(days=1), day + timedelta(days=1))
        ):
            closes_on = _local_date(dossier.session.closes_at)
            if closes_on != day:
                continue
            yield Reminder(
                f"draft_closing_{days}",
                dossier,
                closes_on,
                list(carrier_members(dossier)),
                {"dossier": dossier, "days": days, "closes_at": timezone.localtime(dossier.session.closes_at)},
                reverse("applications:dossier_detail", args=[dossier.pk]),
            )


def complement_reminders(today: date) -> Iterator[Reminder]:
    """Unanswered complement requests due within two days."""
    requests = ComplementRequest.objects.filter(
        answered_at__isnull=True,
        dossier__state=DossierState.COMPLEMENT_REQUESTED,
        due_at__gte=timezone.now(),
        due_at__date__lte=today + timedelta(days=COMPLEMENT_NOTICE_DAYS + 1),
    ).select_related("dossier")
    for request in requests:
        due_on = _local_date(request.due_at)
        if due_on > today + timedelta(days=COMPLEMENT_NOTICE_DAYS):
            continue
        yield Reminder(
            "complement_due",
            request,
            due_on,
            list(carrier_members(request.dossier)),
            {"dossier": request.dossier, "due_at": timezone.localtime(request.due_at)},
            reverse("applications:dossier_detail", args=[request.dossier_id]),
        )


def signature_reminders(today: date) -> Iterator[Reminder]:
    """Conventions waiting a week for the carrier's signature, or for the operator's countersignature."""
    waiting = Convention.objects.filter(
        status__in=(Convention.Status.SENT, Convention.Status.SIGNED_BY_CARRIER)
    ).select_related("dossier__theme__call__programme")
    for convention in waiting:
        if convention.status == Convention.Status.SENT:
            since, recipients = convention.sent_at, list(carrier_members(convention.dossier))
        else:
            since, recipients = convention.carrier_signed_at, list(fund_operators(convention.dossier))
        due_on = _local_date(since) + timedelta(days=SIGNATURE_WAIT_DAYS)
        if today >= due_on:
            yield Reminder(
                "convention_signature",
                convention,
                due_on,
                recipients,
                {"convention": convention, "dossier": convention.dossier},
                reverse("funding:convention", args=[convention.dossier_id]),
            )


def _due_or_overdue(today: date, due_on: date) -> str | None:
    if due_on < today:
        return "overdue"
    if due_on <= today + timedelta(days=DUE_NOTICE_DAYS):
        return "due"
    return None


def milestone_reminders(today: date) -> Iterator[Reminder]:
    """Milestones not declared (or refused) due within a week, then once overdue."""
    milestones = Milestone.objects.filter(
        dossier__state=DossierState.IN_PROGRESS,
        is_current=True,
        status__in=(Milestone.Status.PLANNED, Milestone.Status.REFUSED),
        due_on__lte=today + timedelta(days=DUE_NOTICE_DAYS),
    ).select_related("dossier")
    for milestone in milestones:
        when = _due_or_overdue(today, milestone.due_on)
        yield Reminder(
            f"milestone_{when}",
            milestone,
            milestone.due_on,
            list(carrier_members(milestone.dossier)),
            {"milestone": milestone, "dossier": milestone.dossier},
            reverse("funding:convention", args=[milestone.dossier_id]),
        )


def report_reminders(today: date) -> Iterator[Reminder]:
    """Indicator reports of ended periods not filed: due within a week, then overdue."""
    conventions = Convention.objects.filter(
        status=Convention.Status.IN_FORCE, dossier__state=DossierState.IN_PROGRESS
    ).select_related("dossier__theme")
    for convention in conventions:
        dossier = convention.dossier
        frequency = reporting_frequency(dossier.theme)
        start = convention.start_on or _local_date(convention.in_force_at)
        filed = set(IndicatorReport.objects.filter(dossier=dossier).values_list("period_start", flat=True))
        for period_start, period_end in periods_between(start, today, frequency):
            if period_end >= today or period_start in filed:
                continue
            when = _due_or_overdue(today, due_date(period_end))
            if when is None:
                continue
            yield Reminder(
                f"report_{when}",
                dossier,
                due_date(period_end),
                list(carrier_members(dossier)),
                {
                    "dossier": dossier,
                    "period_start": period_start,
                    "period_end": period_end,
                    "due_on": due_date(period_end),
                },
                reverse("funding:reports", args=[dossier.pk]),
            )


def info_session_reminders(today: date) -> Iterator[Reminder]:
    """Registrants of an info session held tomorrow."""
    tomorrow = today + timedelta(days=1)
    registrations = InfoSessionRegistration.objects.filter(
        cancelled_at__isnull=True,
        info_session__starts_at__date__range=(tomorrow - timedelta(days=1), tomorrow + timedelta(days=1)),
    ).select_related("info_session__call")
    for registration in registrations:
        session = registration.info_session
        if _local_date(session.starts_at) != tomorrow:
            continue
        yield Reminder(
            "info_session",
            registration,
            tomorrow,
            [registration.email],
            {"registration": registration, "info_session": session, "starts_at": timezone.localtime(session.starts_at)},
            reverse("calls:call_detail", args=[session.call.slug]),
        )


def juror_reminders(today: date) -> Iterator[Reminder]:
    """Jurors whose evaluation is not submitted three days before it is due, unless a conflict now stands.

    The juries app is built alongside this one: without its models there is nobody to remind.
    """
    try:
        from juries.models import Assignment
        from juries.selectors import conflicted_assignments
    except ImportError:
        return
    horizon = today + timedelta(days=EVALUATION_NOTICE_DAYS)
    assignments = (
        Assignment.objects.filter(member__withdrawn_at__isnull=True)
        .filter(Q(evaluation__isnull=True) | Q(evaluation__submitted_at__isnull=True))
        .annotate(due=Coalesce("due_at", "member__jury__due_at"))
        .filter(due__gte=timezone.now(), due__date__lte=horizon + timedelta(days=1))
        .select_related("member__user", "member__jury", "dossier")
    )
    assignments = list(assignments)
    # A juror conflicted since the assignment (e.g. who joined the carrier) hears nothing more of the dossier.
    conflicted = conflicted_assignments(assignments)
    for assignment in assignments:
        if assignment.pk in conflicted:
            continue
        due_on = _local_date(assignment.due)
        if due_on > horizon:
            continue
        yield Reminder(
            "evaluation_due",
            assignment,
            due_on,
            [assignment.member.user],
            {
                "assignment": assignment,
                "jury": assignment.member.jury,
                "dossier": assignment.dossier,
                "due_at": timezone.localtime(assignment.due),
            },
            _url_or_blank("juries:my_queue"),
        )


def _url_or_blank(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


FINDERS = (
    draft_reminders,
    complement_reminders,
    juror_reminders,
    signature_reminders,
    milestone_reminders,
    report_reminders,
    info_session_reminders,
)


def reminders_due(today: date) -> Iterator[Reminder]:
    for finder in FINDERS:
        yield from finder(today)


def _send_one(reminder: Reminder, recipient) -> bool:
    """Record and queue one reminder; False when it had already gone out."""
    user = (
        recipient
        if isinstance(recipient, User)
        else User.objects.filter(email__iexact=recipient, is_active=True).first()
    )
    email = user.email if user else recipient
    if user is not None and ReminderOptOut.objects.filter(user=user, family=family_of(reminder.kind)).exists():
        return False
    try:
        with transaction.atomic():
            ReminderSent.objects.create(
                user=user,
                email=email.lower(),
                kind=reminder.kind,
                object_key=reminder.object_key,
                due_on=reminder.due_on,
            )
            event = f"reminder_{reminder.kind.removesuffix('_7').removesuffix('_1')}"
            if user is not None:
                notify(event, recipients=[user], context=reminder.context, link=reminder.link)
            else:
                notify_address(event, to_email=email, context=reminder.context, link=reminder.link)
    except IntegrityError:
        return False
    return True


def reminders_send(*, today: date | None = None) -> int:
    """Send the reminders due `today` (Paris date); returns how many went out. Safe to run twice."""
    today = today or timezone.localdate()
    sent = 0
    for reminder in reminders_due(today):
        for recipient in reminder.recipients:
            email = recipient.email if isinstance(recipient, User) else recipient
            if ReminderSent.objects.filter(
                email=email.lower(), kind=reminder.kind, object_key=reminder.object_key, due_on=reminder.due_on
            ).exists():
                continue
            sent += _send_one(reminder, recipient)
    return sent

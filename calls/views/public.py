"""Public pages of calls: list, call and theme pages, info session registration, calendar.

Visitors only ever see published and closed calls; anything else is a 404.
"""

from datetime import datetime
from itertools import groupby

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from calls import ics, selectors
from calls.forms_public import CallFilterForm, InfoSessionRegistrationForm
from calls.models import FormStep, IndicatorFrequency, InfoSession, InfoSessionRegistration, Session, Theme
from calls.rules import RuleConfigError
from calls.selectors import Timing
from calls.services import registration as registration_service
from portal.errors import DomainError
from portal.http import client_ip
from portal.timing import countdown_label

PAGE_SIZE = 20
REGISTRATIONS_PER_WINDOW = 10
REGISTRATION_WINDOW_SECONDS = 3600
HOME_CALLS = 6


def home(request):
    """The site's home: the calls open now, first to close first, and the ways in (list, simulator, laureates)."""
    open_calls = list(
        selectors.public_call_list(now=timezone.now(), timing=Timing.OPEN.value).order_by("next_closes_at")[:HOME_CALLS]
    )
    for call in selectors.with_deposit_modes(open_calls):
        call.timing_label = Timing.OPEN.label
    return render(request, "calls/public/home.html", {"open_calls": open_calls})


def _breadcrumb(current: str, *links: tuple[str, str]) -> dict:
    return {"links": [{"url": url, "title": title} for url, title in links], "current": current}


def _public_call(slug: str):
    return get_object_or_404(selectors.public_calls().select_related("programme"), slug=slug)


def _with_seats(info_sessions) -> list[InfoSession]:
    info_sessions = list(info_sessions)
    for info_session in info_sessions:
        info_session.seats_left = registration_service.seats_left(
            info_session, registered_in_person=info_session.registered_in_person
        )
    return info_sessions


def call_list(request):
    now = timezone.now()
    form = CallFilterForm(
        request.GET or None, programmes=selectors.public_programmes(), owner_teams=selectors.public_owner_teams()
    )
    page = Paginator(selectors.public_call_list(now=now, **form.selector_filters()), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for call in selectors.with_deposit_modes(list(page)):
        call.timing_label = Timing(call.timing).label
    return render(
        request,
        "calls/public/list.html",
        {
            "form": form,
            "page": page,
            "breadcrumb_data": _breadcrumb(_("Appels à projets")),
        },
    )


def call_detail(request, slug: str):
    call = _public_call(slug)
    now = timezone.now()
    themes = selectors.public_themes_of(call)
    for theme in themes:
        theme.timing = selectors.timing_of(list(theme.sessions.all()), now=now, call=call)
        theme.timing_label = Timing(theme.timing).label
    return render(
        request,
        "calls/public/call_detail.html",
        {
            "call": call,
            "themes": themes,
            "mode_labels": selectors.deposit_mode_labels(call, [theme.kinds for theme in themes]),
            "criteria": selectors.with_weight_shares(selectors.call_grid(call)),
            "documents": call.required_documents.all(),
            "info_sessions": _with_seats(selectors.upcoming_info_sessions(now=now, call=call)),
            "past_info_sessions": selectors.past_info_sessions(now=now, call=call),
            "breadcrumb_data": _breadcrumb(call.title, (reverse("calls:public_list"), _("Appels à projets"))),
        },
    )


def _open_session_entry(session: Session, now: datetime) -> dict:
    return {
        "session": session,
        "deposit_url": reverse("applications:dossier_start", args=[session.pk]),
        "countdown": countdown_label(session.closes_at - now),
    }


def _indicators(theme: Theme) -> list[dict]:
    """Indicators as {label, frequency label}; the import format also allows bare strings."""
    frequencies = dict(IndicatorFrequency.choices)
    rows = []
    for indicator in theme.indicators:
        if isinstance(indicator, dict):
            frequency = indicator.get("frequency", "")
            rows.append(
                {
                    "label": indicator.get("label", ""),
                    "frequency": frequencies.get(frequency, "") if frequency != IndicatorFrequency.NONE else "",
                }
            )
        else:
            rows.append({"label": str(indicator), "frequency": ""})
    return rows


def theme_detail(request, slug: str, code: str):
    call = _public_call(slug)
    try:
        theme = selectors.public_theme(call, code)
    except Theme.DoesNotExist as error:
        raise Http404 from error
    now = timezone.now()
    sessions = list(theme.sessions.all())
    timing = selectors.timing_of(sessions, now=now, call=call)
    try:
        rule = selectors.rule_of(theme)
    except RuleConfigError:
        rule = None  # a broken rule is a staff mistake: no simulator rather than a broken page
    return render(
        request,
        "calls/public/theme_detail.html",
        {
            "call": call,
            "theme": theme,
            "session_runs": selectors.session_runs(sessions),
            "timing": timing,
            "timing_label": Timing(timing).label,
            # A closed call takes no dossier even if a session's dates say otherwise.
            "open_sessions": [_open_session_entry(s, now) for s in sessions if s.is_open(now)]
            if timing == Timing.OPEN
            else [],
            # Only a theme with a rule has a simulator.
            "simulator_url": reverse("simulator:theme", args=[theme.pk]) if rule is not None else None,
            "eligible_years": sorted(rule.eligible_years) if rule is not None else [],
            "demo_sessions": [s for s in sessions if s.is_open(now) and s.eligible_years],
            "criteria": selectors.with_weight_shares(selectors.grid_of(theme)),
            "documents": selectors.documents_asked_of(theme),
            "interest_documents": selectors.required_documents_of(theme, FormStep.INTEREST) if call.is_two_step else [],
            "phases": theme.phases.all(),
            "indicators": _indicators(theme),
            "kind_labels": selectors.theme_mode_labels(theme),
            "info_sessions": _with_seats(selectors.upcoming_info_sessions(now=now, call=call)),
            "breadcrumb_data": _breadcrumb(
                f"{theme.code} — {theme.title}",
                (reverse("calls:public_list"), _("Appels à projets")),
                (reverse("calls:call_detail", args=[call.slug]), call.title),
            ),
        },
    )


def _public_info_session(pk: int) -> InfoSession:
    try:
        return selectors.public_info_session(pk)
    except InfoSession.DoesNotExist as error:
        raise Http404 from error


def _registration_throttled(request, form) -> bool:
    """Each registration mails an address nobody verified: cap them per client address."""
    key = f"calls:info-session-register:{client_ip(request) or ''}"
    cache.add(key, 0, timeout=REGISTRATION_WINDOW_SECONDS)
    if cache.incr(key) <= REGISTRATIONS_PER_WINDOW:
        return False
    form.add_error(None, _("Trop d'inscriptions depuis votre connexion : réessayez dans une heure."))
    return True


def info_session_register(request, pk: int):
    info_session = _public_info_session(pk)
    try:
        registration_service.registration_check(info_session, registered_in_person=info_session.registered_in_person)
        refusal = ""
    except DomainError as error:
        refusal = error.message
    form = InfoSessionRegistrationForm(request.POST or None, info_session=info_session)
    if request.method == "POST" and not refusal and form.is_valid() and not _registration_throttled(request, form):
        try:
            registration = registration_service.info_session_register(info_session=info_session, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _(
                    "Votre inscription est enregistrée. Un e-mail de confirmation a été envoyé à %(email)s : "
                    "il contient le lien pour annuler et le fichier à ajouter à votre agenda."
                )
                % {"email": registration.email},
            )
            return redirect(reverse("calls:call_detail", args=[info_session.call.slug]) + "#reunions")
    call = info_session.call
    return render(
        request,
        "calls/public/info_session_register.html",
        {
            "info_session": info_session,
            "seats_left": registration_service.seats_left(
                info_session, registered_in_person=info_session.registered_in_person
            ),
            "refusal": refusal,
            "form": form,
            "breadcrumb_data": _breadcrumb(
                _("Inscription"),
                (reverse("calls:public_list"), _("Appels à projets")),
                (reverse("calls:call_detail", args=[call.slug]), call.title),
            ),
        },
    )


def registration_cancel(request, token: str):
    """GET asks for confirmation (mail scanners follow links); only POST cancels."""
    try:
        registration = selectors.registration_by_token(token)
    except InfoSessionRegistration.DoesNotExist as error:
        raise Http404 from error
    if request.method == "POST":
        try:
            registration = registration_service.info_session_cancel(cancel_token=token)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Votre inscription est annulée. Merci d'avoir libéré votre place."))
        return redirect("calls:registration_cancel", token=token)
    return render(
        request,
        "calls/public/registration_cancel.html",
        {
            "registration": registration,
            "info_session": registration.info_session,
            "is_past": registration.info_session.starts_at <= timezone.now(),
            "breadcrumb_data": _breadcrumb(
                _("Annuler mon inscription"), (reverse("calls:public_list"), _("Appels à projets"))
            ),
        },
    )


def _info_session_event(request, info_session: InfoSession) -> ics.Event:
    description = [info_session.description, info_session.access_conditions]
    if info_session.remote_link:
        # The file is public: the link itself goes only to registrants, in their e-mail.
        description.append(_("Participation à distance possible : le lien est envoyé aux inscrits."))
    return ics.Event(
        uid=ics.uid_for("reunion", info_session.pk),
        starts_at=info_session.starts_at,
        ends_at=info_session.ends_at,
        summary=f"{info_session.title} — {info_session.call.title}",
        description="\n\n".join(part for part in description if part),
        location=", ".join(part for part in (info_session.place, info_session.address) if part),
        url=request.build_absolute_uri(reverse("calls:call_detail", args=[info_session.call.slug])),
    )


def _closing_event(request, session: Session) -> ics.Event:
    call = session.theme.call
    return ics.Event(
        uid=ics.uid_for("cloture", session.pk),
        starts_at=session.closes_at,
        summary=_("Clôture : %(theme)s — %(session)s") % {"theme": session.theme.code, "session": session.name},
        description=f"{call.title} — {session.theme.title}",
        url=request.build_absolute_uri(reverse("calls:theme_detail", args=[call.slug, session.theme.code])),
    )


def info_session_ics(request, pk: int):
    info_session = _public_info_session(pk)
    text = ics.calendar([_info_session_event(request, info_session)], name=info_session.title)
    return ics.calendar_response(text, filename=f"reunion-{info_session.pk}.ics")


def _calendar_entries(now: datetime) -> tuple[list[Session], list[InfoSession]]:
    return list(selectors.upcoming_closings(now=now)), _with_seats(selectors.upcoming_info_sessions(now=now))


def calendar(request):
    """Session closings and info sessions to come, by month (Europe/Paris)."""
    closings, info_sessions = _calendar_entries(timezone.now())
    entries = sorted(
        [{"kind": "closing", "at": s.closes_at, "session": s} for s in closings]
        + [{"kind": "info", "at": i.starts_at, "info_session": i} for i in info_sessions],
        key=lambda entry: entry["at"],
    )
    months = [
        {"month": month, "entries": list(group)}
        for month, group in groupby(entries, key=lambda entry: timezone.localtime(entry["at"]).date().replace(day=1))
    ]
    return render(
        request,
        "calls/public/calendar.html",
        {
            "months": months,
            "breadcrumb_data": _breadcrumb(_("Calendrier"), (reverse("calls:public_list"), _("Appels à projets"))),
        },
    )


def calendar_ics(request):
    closings, info_sessions = _calendar_entries(timezone.now())
    events = [_closing_event(request, s) for s in closings] + [_info_session_event(request, i) for i in info_sessions]
    return ics.calendar_response(
        ics.calendar(events, name=_("Appels à projets : échéances")), filename="appels-calendrier.ics"
    )

"""Hearings: staff schedule them for a jury's dossiers, the carrier answers, the jury records the outcome."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from applications.selectors import manages_instruction_of
from calls.ics import calendar_response
from juries import selectors
from juries.forms import HearingAnswerForm, HearingRecordForm, HearingScheduleForm
from juries.models import Hearing, JuryMember
from juries.permissions import require_staff
from juries.services import hearings
from portal.errors import DomainError
from portal.selectors import user_roles


def _add_error(form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@login_required
def staff_hearings(request, jury_id: int):
    """The jury's dossiers with their hearing (slot, the carrier's answer, the outcome); one form per dossier."""
    require_staff(request.user)
    jury = selectors.staff_jury_or_404(request.user, jury_id)
    entries = list(jury.jury_dossiers.select_related("dossier__organisation").order_by("dossier__reference"))
    by_dossier = {hearing.dossier_id: hearing for hearing in selectors.hearings_of_jury(jury)}
    posted_for = request.POST.get("dossier") if request.method == "POST" else None
    rows = []
    for entry in entries:
        hearing = by_dossier.get(entry.dossier_id)
        bound = posted_for == str(entry.dossier_id)
        initial = (
            {
                "starts_at": hearing.starts_at,
                "duration_minutes": hearing.duration_minutes,
                "place": hearing.place,
                "video_link": hearing.video_link,
            }
            if hearing
            else None
        )
        form = HearingScheduleForm(
            request.POST if bound else None, initial=initial, prefix=f"audition-{entry.dossier_id}"
        )
        if bound and form.is_valid():
            try:
                hearings.hearing_schedule(actor=request.user, jury=jury, dossier=entry.dossier, **form.cleaned_data)
            except DomainError as error:
                _add_error(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Audition de %(reference)s programmée ; le porteur est invité par e-mail (fichier iCalendar joint)."
                    )
                    % {"reference": entry.dossier.reference},
                )
                return redirect("juries:staff_hearings", jury.pk)
        rows.append({"entry": entry, "hearing": hearing, "form": form})
    return render(request, "juries/staff/hearings.html", {"jury": jury, "rows": rows})


def _carrier_hearing(request, hearing_id: int) -> Hearing:
    """The hearing of a dossier of the user's organisations; 404 for anyone else."""
    return get_object_or_404(selectors.hearings_of_carrier(request.user), pk=hearing_id)


@login_required
def hearing_answer(request, hearing_id: int):
    hearing = _carrier_hearing(request, hearing_id)
    form = HearingAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            hearings.hearing_answer(
                actor=request.user,
                hearing=hearing,
                confirm=form.cleaned_data["answer"] == "confirm",
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            if error.code == "not_found":
                raise Http404 from error
            _add_error(form, error)
        else:
            messages.success(request, _("Réponse transmise à l'équipe du programme."))
            return redirect("juries:hearing_answer", hearing.pk)
    return render(request, "juries/hearing_answer.html", {"hearing": hearing, "dossier": hearing.dossier, "form": form})


@login_required
def hearing_ics(request, hearing_id: int):
    hearing = _carrier_hearing(request, hearing_id)
    return calendar_response(hearings.hearing_calendar(hearing), filename=f"audition-{hearing.dossier.reference}.ics")


@login_required
def hearing_record(request, jury_id: int, hearing_id: int):
    """The jury's chair (or staff) record what came of the hearing."""
    roles = user_roles(request.user)
    hearing = get_object_or_404(Hearing.objects.select_related("jury", "dossier"), pk=hearing_id, jury_id=jury_id)
    chair = JuryMember.objects.filter(
        jury_id=jury_id, user=request.user, is_chair=True, withdrawn_at__isnull=True
    ).exists()
    if not (manages_instruction_of(request.user, hearing.jury.programme_id) or (chair and roles.is_juror_of(jury_id))):
        # A member of the jury learns only that the page is not theirs; anyone else, that it does not exist.
        if roles.is_juror_of(jury_id):
            raise PermissionDenied
        raise Http404
    form = HearingRecordForm(
        request.POST or None,
        initial={"outcome": hearing.outcome, "notes": hearing.outcome_notes} if hearing.outcome else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            hearings.hearing_record(actor=request.user, hearing=hearing, **form.cleaned_data)
        except DomainError as error:
            _add_error(form, error)
        else:
            messages.success(request, _("Issue de l'audition consignée : elle figurera au procès-verbal."))
            return redirect("juries:hearing_record", jury_id, hearing.pk)
    return render(request, "juries/hearing_record.html", {"hearing": hearing, "dossier": hearing.dossier, "form": form})

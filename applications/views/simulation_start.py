"""Start a dossier « avec ces chiffres »: the simulator's budget becomes the new draft's budget."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import ngettext

from applications.evaluation import budget_lines_from
from applications.forms import DossierStartForm
from applications.services import drafting
from applications.views.dossier import join_an_organisation_first
from calls.models import Call, Session, Theme
from calls.selectors import rule_of
from calls.simulation import simulate
from portal.errors import DomainError
from portal.selectors import organisations_of


@login_required
def dossier_start_from_simulation(request, theme_id: int):
    theme = get_object_or_404(Theme.objects.select_related("call"), pk=theme_id, call__status=Call.Status.PUBLISHED)
    rule = rule_of(theme)
    now = timezone.now()
    session = Session.objects.filter(theme=theme, opens_at__lte=now, closes_at__gt=now).order_by("closes_at").first()
    if rule is None or session is None:
        raise Http404
    simulation = simulate(request.GET, rule)
    lines = simulation.formset.cost_lines() if simulation.evaluation else []
    organisations = organisations_of(request.user)
    if not organisations.exists():
        return join_an_organisation_first(request)
    form = DossierStartForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            dossier = drafting.dossier_start(actor=request.user, session=session, **form.cleaned_data)
            if lines:
                drafting.budget_replace(
                    actor=request.user, dossier=dossier, lines=budget_lines_from(lines), base_version=0
                )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                ngettext(
                    "Brouillon %(reference)s créé avec %(count)s ligne de budget de la simulation.",
                    "Brouillon %(reference)s créé avec les %(count)s lignes de budget de la simulation.",
                    len(lines),
                )
                % {"reference": dossier.reference, "count": len(lines)},
            )
            return redirect("applications:budget", dossier.pk)
    return render(
        request,
        "applications/dossier/start.html",
        {
            "session": session,
            "theme": theme,
            "form": form,
            "is_open": True,
            "closes_at": timezone.localtime(session.closes_at),
            "simulation": simulation,
            "carried_lines": lines,
        },
    )

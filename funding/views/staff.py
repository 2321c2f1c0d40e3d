"""Staff pages: a programme's convention template (versioned) and a draft convention's tranche schedule."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from calls.models import Programme
from funding import forms
from funding.models import Convention, ConventionTemplate
from funding.permissions import STAFF
from funding.placeholders import PLACEHOLDERS
from funding.services import conventions, followup
from funding.views import client_ip, funding_dossier, raise_for_access, require
from portal.errors import DomainError
from portal.selectors import user_roles


@login_required
def convention_template(request, programme_id: int):
    """The current text of the programme's conventions; saving creates the next version."""
    roles = user_roles(request.user)
    if not (roles.is_admin or roles.is_programme_staff):
        raise PermissionDenied
    programme = get_object_or_404(Programme, pk=programme_id)
    if not roles.is_staff_of(programme.pk):
        raise Http404
    current = conventions.current_template(programme)
    initial = {"title": current.title, "body": current.body} if current else {"title": _("Convention de financement")}
    form = forms.ConventionTemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            template = conventions.convention_template_create(
                actor=request.user, programme=programme, **form.cleaned_data
            )
        except DomainError as error:
            raise_for_access(error)
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("Modèle enregistré (version %(version)s) : il s'applique aux prochaines conventions générées.")
                % {"version": template.version},
            )
            return redirect("funding:convention_template", programme.pk)
    return render(
        request,
        "funding/staff/convention_template.html",
        {
            "programme": programme,
            "form": form,
            "current": current,
            "placeholders": sorted(PLACEHOLDERS.items()),
            "versions": ConventionTemplate.objects.filter(programme=programme).select_related("created_by"),
        },
    )


@login_required
def tranche_schedule(request, pk: int, version: int):
    """Edit the tranches of a draft version; the total may not exceed the grant."""
    dossier, roles = funding_dossier(request, pk)
    require(roles, STAFF)
    convention = get_object_or_404(Convention, dossier=dossier, version=version)
    milestones = list(dossier.milestones.all())
    initial = [
        {"label": t.label, "amount": t.amount, "condition": t.condition, "milestone": t.milestone_id}
        for t in convention.tranches.all()
    ]
    formset = forms.TrancheFormSet(request.POST or None, initial=initial, form_kwargs={"milestones": milestones})
    error_message = ""
    if request.method == "POST" and formset.is_valid():
        by_pk = {milestone.pk: milestone for milestone in milestones}
        rows = [
            {**data, "milestone": by_pk.get(data.get("milestone"))}
            for data in formset.cleaned_data
            if data and not data.get("DELETE")
        ]
        try:
            followup.tranche_schedule_set(
                actor=request.user, convention=convention, tranches=rows, ip_address=client_ip(request)
            )
        except DomainError as error:
            raise_for_access(error)
            error_message = error.message
        else:
            messages.success(request, _("Échéancier enregistré ; le PDF de la convention est régénéré."))
            return redirect("funding:convention", dossier.pk)
    return render(
        request,
        "funding/staff/tranche_schedule.html",
        {
            "dossier": dossier,
            "convention": convention,
            "formset": formset,
            "error_message": error_message,
        },
    )

"""Staff pages: a programme's convention template (versioned), a draft convention's preparation (dates,
milestones and the tranches they release) and its tranche schedule."""

import dataclasses
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from calls.models import Programme
from funding import forms
from funding.models import Convention, ConventionTemplate, Milestone
from funding.permissions import STAFF
from funding.placeholders import PLACEHOLDERS
from funding.services import conventions, followup, preparation
from funding.services.milestones import declared_milestones
from funding.services.preparation import MilestonePlan
from funding.views import funding_dossier, raise_for_access, require
from portal.errors import DomainError
from portal.http import client_ip
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
    milestones = list(Milestone.objects.filter(convention=convention))
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


@login_required
def convention_prepare(request, pk: int, version: int):
    """Staff prepare a draft: entry into force, start and duration, milestones and the tranche each releases."""
    dossier, roles = funding_dossier(request, pk)
    require(roles, STAFF)
    convention = get_object_or_404(Convention, dossier=dossier, version=version)
    dates, plans = preparation.preparation_of(convention)
    form = forms.ConventionDatesForm(request.POST or None, initial=dates, prefix="dates")
    formset = forms.MilestonePlanFormSet(
        request.POST or None, initial=[dataclasses.asdict(plan) for plan in plans], prefix="jalons"
    )
    error_message = ""
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        plans = [
            MilestonePlan(
                label=data["label"],
                due_on=data["due_on"],
                deliverable=data.get("deliverable") or "",
                amount=data.get("amount") or Decimal("0"),
                milestone_id=data.get("milestone_id"),
            )
            for data in formset.cleaned_data
            if data and not data.get("DELETE")
        ]
        try:
            preparation.convention_prepare(
                actor=request.user,
                convention=convention,
                milestones=plans,
                ip_address=client_ip(request),
                **form.cleaned_data,
            )
        except DomainError as error:
            raise_for_access(error)
            error_message = error.message
        else:
            messages.success(
                request, _("Convention préparée : dates, jalons et échéancier enregistrés ; le PDF est régénéré.")
            )
            return redirect("funding:convention", dossier.pk)
    first, last, known = preparation.project_window(convention)
    return render(
        request,
        "funding/staff/convention_prepare.html",
        {
            "dossier": dossier,
            "convention": convention,
            "form": form,
            "formset": formset,
            "error_message": error_message,
            "declared": declared_milestones(dossier),
            "window": {"first": first, "last": last, "known": known},
        },
    )

"""A project filed in phases: its carrier plans the phases (label, amount, milestones); staff read it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from applications import forms
from applications.models import Project
from applications.selectors import project_summary
from applications.services import projects
from portal.errors import DomainError
from portal.selectors import user_roles


def _milestones_text(milestones: list[dict]) -> str:
    return "\n".join(
        " ; ".join(str(part) for part in (item.get("month"), item.get("label"), item.get("deliverable")) if part)
        for item in milestones
    )


@login_required
def phased_project(request, project_id: int):
    """Members of the carrier edit the phases; the programme's staff read them; anyone else gets a 404."""
    project = Project.objects.select_related("theme__call__programme", "organisation").filter(pk=project_id).first()
    roles = user_roles(request.user)
    is_carrier = project is not None and roles.is_member_of(project.organisation_id)
    if project is None or not (is_carrier or roles.is_staff_of(project.theme.call.programme_id)):
        raise Http404
    phases = list(project.phases.select_related("dossier"))
    initial = [
        {
            "phase_id": phase.pk,
            "label": phase.label,
            "requested_amount": phase.requested_amount,
            "description": phase.description,
            "milestones": _milestones_text(phase.milestones),
        }
        for phase in phases
    ]
    formset = forms.ProjectPhaseFormSet(request.POST or None, initial=initial, prefix="phases")
    error = ""
    if request.method == "POST" and is_carrier and formset.is_valid():
        plans = [
            projects.PhasePlan(
                label=row["label"],
                requested_amount=row.get("requested_amount") or 0,
                description=row.get("description") or "",
                milestones=row.get("milestones") or [],
                phase_id=row.get("phase_id"),
            )
            for row in formset.cleaned_data
            if row and row.get("label")
        ]
        try:
            projects.project_phases_set(actor=request.user, project=project, phases=plans)
        except DomainError as domain_error:
            error = domain_error.message
        else:
            messages.success(request, _("Phases du projet enregistrées."))
            return redirect("applications:phased_project", project.pk)
    return render(
        request,
        "applications/project_phases.html",
        {
            "project": project,
            "summary": project_summary(project),
            "formset": formset,
            "is_carrier": is_carrier,
            "error": error,
        },
    )

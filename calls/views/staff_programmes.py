"""Programmes in the back-office, for administrators: list, creation, edition, and the people who
work on each (programme staff, fund operators)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from calls import selectors
from calls.forms_staff import ProgrammeForm, ProgrammeRoleForm
from calls.models import Programme
from calls.services import programmes
from calls.views.staff import PAGE_SIZE, add_domain_error, confirm_page, crumbs, form_page
from portal.errors import DomainError
from portal.selectors import user_roles, users_with_role


def admin_view(view):
    """Login required; 403 for anyone but an administrator."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not user_roles(request.user).is_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _list_link() -> tuple[str, str]:
    return reverse("calls_staff:programme_list"), _("Programmes")


def _programme_url(programme: Programme) -> str:
    return reverse("calls_staff:programme_detail", args=[programme.pk])


@admin_view
def programme_list(request):
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(selectors.programmes_for_admin(query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "calls/staff/programme_list.html",
        {"page": page, "query": query, "breadcrumb_data": crumbs(current=_("Programmes"))},
    )


@admin_view
def programme_create(request):
    return form_page(
        request,
        form=ProgrammeForm(request.POST or None),
        title=_("Nouveau programme"),
        save=lambda data: programmes.programme_create(actor=request.user, **data),
        success_url=_programme_url,
        breadcrumb=crumbs(_list_link(), current=_("Nouveau programme")),
        success=_("Le programme est créé. Donnez-lui son équipe et son opérateur financier."),
        submit_label=_("Créer le programme"),
    )


@admin_view
def programme_detail(request, programme_id: int):
    programme = get_object_or_404(Programme, pk=programme_id)
    form = ProgrammeRoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = programmes.programme_role_grant(actor=request.user, programme=programme, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("%(email)s a désormais ce rôle sur le programme.") % {"email": user.email})
            return redirect(_programme_url(programme))
    return render(
        request,
        "calls/staff/programme_detail.html",
        {
            "programme": programme,
            "people": selectors.programme_people(programme),
            "calls": programme.calls.order_by("-created_at"),
            "form": form,
            "breadcrumb_data": crumbs(_list_link(), current=programme.name),
        },
    )


@admin_view
def programme_update(request, programme_id: int):
    programme = get_object_or_404(Programme, pk=programme_id)
    return form_page(
        request,
        form=ProgrammeForm(request.POST or None, instance=programme),
        title=_("Modifier le programme « %(name)s »") % {"name": programme.name},
        save=lambda data: programmes.programme_update(actor=request.user, programme=programme, **data),
        success_url=_programme_url(programme),
        breadcrumb=crumbs(_list_link(), (_programme_url(programme), programme.name), current=_("Modifier")),
        success=_("Le programme est enregistré."),
    )


@admin_view
def programme_role_revoke(request, programme_id: int, user_id: int, role: str):
    programme = get_object_or_404(Programme, pk=programme_id)
    # Only someone who holds this role on this programme: anyone else is not part of the page.
    person = get_object_or_404(users_with_role(role=role, scope=programme), pk=user_id)
    return confirm_page(
        request,
        title=_("Retirer ce rôle à %(email)s ?") % {"email": person.email},
        explanation=_("La personne garde son compte et ses autres rôles ; le retrait est inscrit au journal d'audit."),
        button=_("Retirer le rôle"),
        action=lambda _data: programmes.programme_role_revoke(
            actor=request.user, programme=programme, user=person, role=role
        ),
        success_url=_programme_url(programme),
        breadcrumb=crumbs(_list_link(), (_programme_url(programme), programme.name), current=_("Retirer un rôle")),
        success=_("Le rôle est retiré."),
        danger=True,
    )

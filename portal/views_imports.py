"""Import of organisations by staff: upload, dry-run preview with row errors, confirmation."""

import secrets

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import imports
from portal.errors import DomainError
from portal.selectors import user_roles


class OrganisationImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier des organisations"),
        help_text=gettext_lazy("CSV (séparateur point-virgule), XLSX ou ODS, 2 Mo au plus. Colonnes : Nom, Type, SIRET, "
                               "Ministère de rattachement."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.ods"}),
    )


@login_required
def organisation_import(request):
    roles = user_roles(request.user)
    if not (roles.is_admin or roles.is_programme_staff):
        raise PermissionDenied
    form = OrganisationImportForm()
    check = token = None
    if request.method == "POST" and "token" in request.POST:
        dataset = imports.preview_take(token=request.POST["token"], user_id=request.user.pk)
        if dataset is None:
            messages.error(request, _("Cette vérification a expiré : déposez à nouveau le fichier."))
            return redirect("imports:organisations")
        try:
            created = imports.organisations_import(actor=request.user, dataset=dataset)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(count)s organisations importées.") % {"count": created})
        return redirect("imports:organisations")
    if request.method == "POST":
        form = OrganisationImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                dataset = imports.dataset_from_upload(form.cleaned_data["file"])
            except DomainError as error:
                form.add_error("file", error.message)
            else:
                check = imports.organisations_check(dataset)
                if check.is_valid:
                    token = secrets.token_urlsafe(18)
                    imports.preview_store(token=token, user_id=request.user.pk, dataset=dataset)
    return render(request, "portal/imports/organisations.html", {
        "form": form, "check": check, "token": token,
        "required_columns": imports.REQUIRED_COLUMNS, "optional_columns": imports.OPTIONAL_COLUMNS,
        "breadcrumb_data": {"links": [], "current": _("Importer des organisations")},
    })

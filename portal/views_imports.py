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
        help_text=gettext_lazy(
            "CSV (séparateur point-virgule), XLSX ou ODS, 2 Mo au plus. Colonnes : Nom, Type, SIRET, "
            "Ministère de rattachement."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.ods"}),
    )


def import_confirmed(request, *, run, scope: str = ""):
    """Second step of an import: the file checked under the posted token, written by `run(dataset)`.

    Returns what `run` returns, or None after telling the user why nothing was written (the
    check expired, or a row turned invalid in between and the transaction rolled back).
    """
    dataset = imports.preview_take(token=request.POST["token"], user_id=request.user.pk, scope=scope)
    if dataset is None:
        messages.error(request, _("Cette vérification a expiré : déposez à nouveau le fichier."))
        return None
    try:
        return run(dataset)
    except DomainError as error:
        messages.error(request, error.message)
        return None


def import_checked(request, *, form, check, scope: str = ""):
    """First step: the uploaded file read and checked without writing anything; a valid one is kept for
    its confirmation. Returns (check result or None, token or None); a file that cannot be read is
    reported on the form's "file" field."""
    try:
        dataset = imports.dataset_from_upload(form.cleaned_data["file"])
    except DomainError as error:
        form.add_error("file", error.message)
        return None, None
    result = check(dataset)
    if not result.is_valid:
        return result, None
    token = secrets.token_urlsafe(18)
    imports.preview_store(token=token, user_id=request.user.pk, dataset=dataset, scope=scope)
    return result, token


@login_required
def organisation_import(request):
    roles = user_roles(request.user)
    if not (roles.is_admin or roles.is_programme_staff):
        raise PermissionDenied
    form = OrganisationImportForm()
    check = token = None
    if request.method == "POST" and "token" in request.POST:
        created = import_confirmed(
            request, run=lambda dataset: imports.organisations_import(actor=request.user, dataset=dataset)
        )
        if created is not None:
            messages.success(request, _("%(count)s organisations importées.") % {"count": created})
        return redirect("imports:organisations")
    if request.method == "POST":
        form = OrganisationImportForm(request.POST, request.FILES)
        if form.is_valid():
            check, token = import_checked(request, form=form, check=imports.organisations_check)
    return render(
        request,
        "portal/imports/organisations.html",
        {
            "form": form,
            "check": check,
            "token": token,
            "required_columns": imports.REQUIRED_COLUMNS,
            "optional_columns": imports.OPTIONAL_COLUMNS,
            "breadcrumb_data": {"links": [], "current": _("Importer des organisations")},
        },
    )

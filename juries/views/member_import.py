"""Import of a jury's members by its programme's staff: upload, dry-run preview with row errors, confirmation."""

import secrets

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse

from juries import imports, selectors
from juries.permissions import require_staff
from portal import imports as portal_imports
from portal.errors import DomainError


class MemberImportForm(forms.Form):
    file = forms.FileField(
        label="Fichier des membres",
        help_text="CSV (séparateur point-virgule), XLSX ou ODS, 2 Mo au plus. Colonnes : Courriel, Prénom, Nom, "
                  "Organisation, Président, Externe, Secteur.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.ods"}),
    )


@login_required
def member_import(request, jury_id: int):
    require_staff(request.user)
    jury = selectors.staff_jury_or_404(request.user, jury_id)
    scope = f"jury-members:{jury.pk}"  # a checked file is confirmed for this jury only
    form = MemberImportForm()
    check = token = None
    if request.method == "POST" and "token" in request.POST:
        dataset = portal_imports.preview_take(token=request.POST["token"], user_id=request.user.pk, scope=scope)
        if dataset is None:
            messages.error(request, "Cette vérification a expiré : déposez à nouveau le fichier.")
            return redirect("juries:member_import", jury.pk)
        try:
            added = imports.members_import(actor=request.user, jury=jury, dataset=dataset)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("juries:member_import", jury.pk)
        messages.success(request, f"{added} membre(s) ajouté(s) au jury et prévenu(s) par e-mail.")
        return redirect("juries:staff_jury", jury.pk)
    if request.method == "POST":
        form = MemberImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                dataset = portal_imports.dataset_from_upload(form.cleaned_data["file"])
            except DomainError as error:
                form.add_error("file", error.message)
            else:
                check = imports.members_check(jury, dataset)
                if check.is_valid:
                    token = secrets.token_urlsafe(18)
                    portal_imports.preview_store(token=token, user_id=request.user.pk, dataset=dataset, scope=scope)
    return render(request, "juries/staff/member_import.html", {
        "jury": jury, "form": form, "check": check, "token": token,
        "required_columns": imports.REQUIRED_COLUMNS, "optional_columns": imports.OPTIONAL_COLUMNS,
        "breadcrumb_data": {"links": [{"url": reverse("juries:staff_jury", args=[jury.pk]), "title": jury.name}],
                            "current": "Importer des membres"},
    })

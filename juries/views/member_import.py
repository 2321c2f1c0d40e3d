"""Import of a jury's members by its programme's staff: upload, dry-run preview with row errors, confirmation."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from juries import imports, selectors
from juries.permissions import require_staff
from portal.views_imports import import_checked, import_confirmed


class MemberImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier des membres"),
        help_text=gettext_lazy(
            "CSV (séparateur point-virgule), XLSX ou ODS, 2 Mo au plus. Colonnes : Courriel, Prénom, Nom, "
            "Organisation, Président, Externe, Secteur."
        ),
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
        added = import_confirmed(
            request,
            scope=scope,
            run=lambda dataset: imports.members_import(actor=request.user, jury=jury, dataset=dataset),
        )
        if added is None:
            return redirect("juries:member_import", jury.pk)
        messages.success(
            request,
            ngettext(
                "%(count)s membre ajouté au jury et prévenu par e-mail.",
                "%(count)s membres ajoutés au jury et prévenus par e-mail.",
                added,
            )
            % {"count": added},
        )
        return redirect("juries:staff_jury", jury.pk)
    if request.method == "POST":
        form = MemberImportForm(request.POST, request.FILES)
        if form.is_valid():
            check, token = import_checked(
                request, form=form, scope=scope, check=lambda dataset: imports.members_check(jury, dataset)
            )
    return render(
        request,
        "juries/staff/member_import.html",
        {
            "jury": jury,
            "form": form,
            "check": check,
            "token": token,
            "required_columns": imports.REQUIRED_COLUMNS,
            "optional_columns": imports.OPTIONAL_COLUMNS,
            "breadcrumb_data": {
                "links": [{"url": reverse("juries:staff_jury", args=[jury.pk]), "title": jury.name}],
                "current": _("Importer des membres"),
            },
        },
    )

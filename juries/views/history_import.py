"""Import of a past session's results by its programme's staff: upload, dry-run preview with row errors, confirmation."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from juries import history_import
from juries.permissions import require_staff
from portal.errors import DomainError
from portal.views_imports import import_checked, import_confirmed


class HistoryImportForm(forms.Form):
    session = forms.ModelChoiceField(
        label=gettext_lazy("Session close"),
        queryset=None,
        empty_label=gettext_lazy("Choisissez la session"),
        help_text=gettext_lazy(
            "Une session close d'un programme que vous gérez ; les dossiers y sont enregistrés avec leur décision."
        ),
    )
    file = forms.FileField(
        label=gettext_lazy("Fichier des résultats"),
        help_text=gettext_lazy(
            "CSV (séparateur point-virgule), XLSX ou ODS, 2 Mo au plus. Colonnes : Acronyme, Titre, Porteur, "
            "Montant demandé, Décision, Montant accordé, Date de décision."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.ods"}),
    )

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions
        self.fields["session"].label_from_instance = lambda session: (
            _("%(call)s — %(theme)s — %(session)s (close le %(date)s)")
            % {
                "call": session.theme.call.title,
                "theme": session.theme.code,
                "session": session.name,
                "date": f"{session.closes_at:%d/%m/%Y}",
            }
        )


def _scope(session) -> str:
    return f"session-results:{session.pk}"  # a checked file is confirmed for this session only


@login_required
def history_import_view(request):
    require_staff(request.user)
    sessions = history_import.closed_sessions_of(request.user)
    form = HistoryImportForm(sessions=sessions)
    check = token = session = None
    if request.method == "POST" and "token" in request.POST:
        session = get_object_or_404(sessions, pk=request.POST.get("session_id") or 0)
        recorded = import_confirmed(
            request,
            scope=_scope(session),
            run=lambda dataset: history_import.history_import(actor=request.user, session=session, dataset=dataset),
        )
        if recorded is None:
            return redirect("juries:history_import")
        messages.success(
            request,
            ngettext(
                "%(count)s dossier et sa décision enregistrés dans la session « %(session)s ».",
                "%(count)s dossiers et leur décision enregistrés dans la session « %(session)s ».",
                recorded,
            )
            % {"count": recorded, "session": session.name},
        )
        return redirect("juries:staff_list")
    if request.method == "POST":
        form = HistoryImportForm(request.POST, request.FILES, sessions=sessions)
        if form.is_valid():
            session = form.cleaned_data["session"]
            try:
                history_import.ensure_importable(actor=request.user, session=session)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else "file", error.message)
            else:
                check, token = import_checked(
                    request,
                    form=form,
                    scope=_scope(session),
                    check=lambda dataset: history_import.history_check(session, dataset),
                )
    return render(
        request,
        "juries/staff/history_import.html",
        {
            "form": form,
            "check": check,
            "token": token,
            "session": session,
            "required_columns": history_import.REQUIRED_COLUMNS,
            "breadcrumb_data": {
                "links": [{"url": reverse("juries:staff_list"), "title": _("Jurys")}],
                "current": _("Importer les résultats d'une session passée"),
            },
        },
    )

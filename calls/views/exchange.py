"""Staff export and import of whole calls (YAML and XLSX), on top of calls.interchange."""

import yaml
from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from calls import interchange
from calls.models import Programme
from calls.views.staff import managed_call, staff_view
from portal.errors import DomainError
from portal.exports import FORMATS
from portal.selectors import user_roles
from portal.services import audit_record

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class CallImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier de l'appel (YAML ou XLSX)"),
        help_text=_("Format décrit dans docs/call-format.md ; 5 Mo au maximum."),
    )


@staff_view
def call_export(request, call_id: int, fmt: str):
    call = managed_call(request, call_id)
    if fmt == "yaml":
        response = HttpResponse(interchange.call_yaml_export(call=call), content_type="application/yaml; charset=utf-8")
    else:
        response = HttpResponse(interchange.call_workbook_export(call=call), content_type=FORMATS["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="appel-{call.slug}.{fmt}"'
    audit_record(actor=request.user, action="call.export", target=call, data={"format": fmt})
    return response


def _document(upload) -> dict:
    content = upload.read()
    if upload.name.lower().endswith(".xlsx"):
        return interchange.workbook_document(content)
    try:
        return yaml.safe_load(content)
    except yaml.YAMLError as error:
        raise interchange.InterchangeError([gettext("YAML illisible : %(error)s") % {"error": error}]) from None


@staff_view
def call_import(request):
    """Import a call file: refused as a whole, with every problem listed, unless it is entirely valid."""
    form = CallImportForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_IMPORT_BYTES:
                raise DomainError(gettext("Le fichier dépasse 5 Mo."), "size")
            document = _document(upload)
            slug = (document.get("programme") or {}).get("slug") if isinstance(document, dict) else None
            programme = Programme.objects.filter(slug=slug).first()
            roles = user_roles(request.user)
            if not roles.is_admin and (programme is None or not roles.is_staff_of(programme.pk)):
                raise DomainError(
                    gettext(
                        "Vous ne pouvez importer un appel que dans un programme dont vous faites partie de l'équipe."
                    ),
                    "forbidden",
                )
            calls = interchange.call_document_import(data=document, actor=request.user)
        except interchange.InterchangeError as error:
            problems = error.errors
        except DomainError as error:
            problems = [error.message]
        else:
            messages.success(
                request,
                ngettext(
                    "Appel importé : %(titles)s. Il est en l'état du fichier ; vérifiez-le avant de le publier.",
                    "Appels importés : %(titles)s. Ils sont en l'état du fichier ; vérifiez-les avant de les publier.",
                    len(calls),
                )
                % {"titles": ", ".join(call.title for call in calls)},
            )
            return redirect("calls_exchange:import")
    return render(request, "calls/staff/import.html", {"form": form, "problems": problems})

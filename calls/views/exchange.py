"""Staff export and import of whole calls (YAML and XLSX), on top of calls.interchange."""

import secrets

from django import forms
from django.contrib import messages
from django.core.cache import cache
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
STASH_SECONDS = 30 * 60  # between the changes shown and their confirmation


class CallImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier de l'appel (YAML ou XLSX)"),
        help_text=_("Un appel exporté du portail (YAML ou classeur XLSX), modifié ou non ; 5 Mo au plus."),
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


def _plain(where: str, message: str) -> str:
    return f"{where} : {message}" if where else message


def _read(name: str, content: bytes):
    """The document of an uploaded file, and how to say where in the file a problem is."""
    if name.lower().endswith(".xlsx"):
        document, places = interchange.workbook_read(content)
        return document, places.describe
    return interchange.yaml_document(content), _plain


def _check_scope(request, document, plan=None) -> None:
    """Staff import into their own programmes only (admins anywhere), and re-import only their calls."""
    roles = user_roles(request.user)
    if roles.is_admin:
        return
    slug = (document.get("programme") or {}).get("slug") if isinstance(document, dict) else None
    programme = Programme.objects.filter(slug=slug).first()
    mine = programme is not None and roles.is_staff_of(programme.pk)
    if not mine or any(not roles.is_staff_of(p.existing.programme_id) for p in (plan.reimports if plan else [])):
        raise DomainError(
            gettext("Vous ne pouvez importer un appel que dans un programme dont vous faites partie de l'équipe."),
            "forbidden",
        )


def _stash_key(token: str) -> str:
    return f"calls-import:{token}"


def _imported(request, calls, reimported=()) -> None:
    created = [call for call in calls if call.slug not in reimported]
    if created:
        messages.success(
            request,
            ngettext(
                "Appel importé en brouillon : %(titles)s. Vérifiez-le, puis publiez-le depuis sa page "
                "(la vérification avant publication dit ce qui manque).",
                "Appels importés en brouillon : %(titles)s. Vérifiez-les, puis publiez-les depuis leur page "
                "(la vérification avant publication dit ce qui manque).",
                len(created),
            )
            % {"titles": ", ".join(call.title for call in created)},
        )
    for call in calls:
        if call.slug in reimported:
            messages.success(
                request, gettext("Appel « %(title)s » mis à jour d'après le fichier.") % {"title": call.title}
            )


def _run_import(request, name: str, content: bytes):
    """Import the file for good: new calls as drafts, re-imported drafts updated. Returns the calls."""
    document, describe = _read(name, content)
    try:
        plan = interchange.call_document_plan(data=document)
        _check_scope(request, document, plan)
        return interchange.call_document_import(data=document, actor=request.user)
    except interchange.InterchangeError as error:
        raise error.located(describe) from None


@staff_view
def call_import(request):
    """Import a call file: refused as a whole, with every problem listed (in an XLSX workbook, by sheet,
    row and column), unless it is entirely valid. A call already there is shown as the changes its
    re-import would make, to confirm; new calls arrive as drafts."""
    form = CallImportForm(request.POST or None, request.FILES or None)
    problems, plan, token = [], None, None
    try:
        if request.method == "POST" and "token" in request.POST:
            stashed = cache.get(_stash_key(request.POST["token"]))
            if not stashed or stashed["user_id"] != request.user.pk:
                messages.error(request, gettext("Cette vérification a expiré : déposez à nouveau le fichier."))
                return redirect("calls_exchange:import")
            cache.delete(_stash_key(request.POST["token"]))
            calls = _run_import(request, stashed["name"], stashed["content"])
            _imported(request, calls, set(stashed["reimported"]))
            return redirect("calls_exchange:import")
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_IMPORT_BYTES:
                raise DomainError(gettext("Le fichier dépasse 5 Mo."), "size")
            content = upload.read()
            document, describe = _read(upload.name, content)
            try:
                plan = interchange.call_document_plan(data=document)
            except interchange.InterchangeError as error:
                raise error.located(describe) from None
            _check_scope(request, document, plan)
            if not plan.reimports:
                _imported(request, interchange.call_document_import(data=document, actor=request.user))
                return redirect("calls_exchange:import")
            token = secrets.token_urlsafe(18)
            reimported = [planned.existing.slug for planned in plan.reimports]
            cache.set(
                _stash_key(token),
                {"user_id": request.user.pk, "name": upload.name, "content": content, "reimported": reimported},
                STASH_SECONDS,
            )
    except interchange.InterchangeError as error:
        problems, plan, token = error.errors, None, None
    except DomainError as error:
        problems, plan, token = [error.message], None, None
    return render(
        request,
        "calls/staff/import.html",
        {
            "form": form,
            "problems": problems,
            "plan": plan,
            "token": token if plan and not any(planned.refused for planned in plan.calls) else None,
        },
    )

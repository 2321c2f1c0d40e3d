"""Private annotations: a dossier's private fields and notes, and the private fields of a call."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from applications import forms
from applications.forms_instruction import AnnotationFieldForm, PrivateNoteForm
from applications.models import CallAnnotationFields
from applications.permissions import require_staff
from applications.selectors import manages_instruction_of
from applications.services import annotations
from applications.views.staff import staff_dossier_or_404
from calls.selectors import staff_calls
from portal.errors import DomainError
from portal.selectors import user_roles


@login_required
def dossier_annotations(request, pk: int):
    """The dossier's private fields (those of its call) and notes, for the staff who see it."""
    dossier = staff_dossier_or_404(request, pk)
    configuration = CallAnnotationFields.objects.filter(call_id=dossier.theme.call_id).first()
    section = configuration.schema["sections"][0] if configuration and configuration.fields else None
    values = getattr(dossier, "annotation", None)
    action = request.POST.get("action", "")
    note_form = PrivateNoteForm(request.POST if action == "note" else None)
    fields_form = (
        forms.section_form(
            section,
            data=request.POST if action == "fields" else None,
            initial=forms.answers_as_initial(section, values.values if values else {}),
            prefix="prive",
        )
        if section
        else None
    )
    if request.method == "POST":
        try:
            if action == "note" and note_form.is_valid():
                annotations.private_note_add(actor=request.user, dossier=dossier, body=note_form.cleaned_data["body"])
                messages.success(request, _("Note privée ajoutée."))
                return redirect("applications:dossier_annotations", dossier.pk)
            if action == "fields" and fields_form is not None:
                _annotation, errors = annotations.dossier_annotations_save(
                    actor=request.user, dossier=dossier, raw=forms.raw_section_answers(section, fields_form)
                )
                for key, message in errors.items():
                    fields_form.add_error(key, message)
                if not errors:
                    messages.success(request, _("Champs privés enregistrés."))
                    return redirect("applications:dossier_annotations", dossier.pk)
        except DomainError as error:
            (note_form if action == "note" else fields_form or note_form).add_error(None, error.message)
    return render(
        request,
        "applications/instruction/annotations.html",
        {
            "dossier": dossier,
            "fields_form": fields_form,
            "note_form": note_form,
            "notes": dossier.private_notes.select_related("author"),
            "configuration": configuration,
            "manages_instruction": manages_instruction_of(request.user, dossier.theme.call.programme_id),
        },
    )


@login_required
def call_annotation_fields(request, call_id: int):
    """The call's private fields: the programme's managers add and remove them, and say if jurors read them."""
    require_staff(request.user)
    call = get_object_or_404(staff_calls(user_roles(request.user)), pk=call_id)
    if not manages_instruction_of(request.user, call.programme_id):
        raise PermissionDenied
    action = request.POST.get("action", "")
    form = AnnotationFieldForm(request.POST if action == "add" else None)
    if request.method == "POST":
        try:
            if action == "add" and form.is_valid():
                annotations.call_annotation_field_add(actor=request.user, call=call, **form.cleaned_data)
                messages.success(request, _("Champ privé ajouté."))
                return redirect("applications:call_annotation_fields", call.pk)
            if action == "remove":
                annotations.call_annotation_field_remove(actor=request.user, call=call, key=request.POST.get("key", ""))
                messages.success(request, _("Champ privé retiré."))
                return redirect("applications:call_annotation_fields", call.pk)
            if action == "jury":
                annotations.call_annotations_shown_to_jury_set(
                    actor=request.user, call=call, shown=request.POST.get("shown") == "1"
                )
                messages.success(request, _("Choix enregistré."))
                return redirect("applications:call_annotation_fields", call.pk)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
    return render(
        request,
        "applications/instruction/call_annotation_fields.html",
        {"call": call, "configuration": CallAnnotationFields.objects.filter(call=call).first(), "form": form},
    )

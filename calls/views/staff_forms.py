"""Form builder of a call (inherited by its themes) or of a theme: versions, draft editor
(sections and fields, or JSON), publication, preview.

The editor is plain server-rendered forms (one POST per change, each through a service that
validates the whole definition), so it works without JavaScript.
"""

import copy
import json

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from calls.forms_staff import FormFieldForm, FormSchemaForm, FormSectionForm
from calls.formschema import FIELD_KINDS, iter_fields
from calls.models import FormDefinition, FormStep
from calls.services import form_builder
from calls.views.staff import Owner, add_domain_error, confirm_page, form_page, managed_owner, staff_view
from portal.errors import DomainError


def _crumbs(owner: Owner, current: str) -> dict:
    return owner.crumbs(current, (owner.url("form_edit"), _("Formulaire")))


def _draft_of(forms: list[FormDefinition]) -> FormDefinition | None:
    return next((form for form in forms if form.status == FormDefinition.Status.DRAFT), None)


def _apply_item_action(request, draft: FormDefinition) -> None:
    """Remove or move a section or a field, from the small buttons of the editor."""
    section_key = request.POST.get("section", "")
    field_key = request.POST.get("field", "")
    operation = request.POST.get("operation")
    if operation == "remove":
        form_builder.form_item_remove(actor=request.user, form=draft, section_key=section_key, field_key=field_key)
    elif operation in {"up", "down"}:
        form_builder.form_item_move(
            actor=request.user,
            form=draft,
            section_key=section_key,
            field_key=field_key,
            offset=-1 if operation == "up" else 1,
        )
    else:
        raise Http404


@staff_view
def form_edit(request, call_id: int, theme_id: int | None = None, step: str = FormStep.DOSSIER):
    owner = managed_owner(request, call_id, theme_id, step)
    forms = owner.forms()
    draft = _draft_of(forms)
    schema = draft.schema if draft else {"sections": []}
    action = request.POST.get("action") if request.method == "POST" else None
    section_form = FormSectionForm(request.POST if action == "section_add" else None, prefix="section")
    field_form = FormFieldForm(request.POST if action == "field_add" else None, schema=schema, prefix="field")
    error = None
    if action and draft is None:
        raise Http404
    if action:
        try:
            if action == "section_add" and section_form.is_valid():
                form_builder.form_section_add(actor=request.user, form=draft, **section_form.cleaned_data)
            elif action == "field_add" and field_form.is_valid():
                form_builder.form_field_add(actor=request.user, form=draft, **field_form.cleaned_data)
            elif action == "item":
                _apply_item_action(request, draft)
            else:
                action = "invalid"
        except DomainError as domain_error:
            bound = field_form if action == "field_add" else section_form if action == "section_add" else None
            if bound is not None and domain_error.field in bound.fields:
                add_domain_error(bound, domain_error)
            else:
                error = domain_error.message
        else:
            if action != "invalid":
                messages.success(request, _("Le brouillon du formulaire est enregistré."))
                return redirect(owner.url("form_edit"))
    published = next((form for form in forms if form.status == FormDefinition.Status.PUBLISHED), None)
    return render(
        request,
        "calls/staff/form_edit.html",
        {
            "owner": owner,
            "forms": forms,
            "draft": draft,
            "published": published,
            "sections": _sections(owner, schema),
            "section_form": section_form,
            "field_form": field_form,
            "error": error,
            "kinds": FIELD_KINDS,
            "urls": {name: owner.url(f"form_{name}") for name in ("new_version", "json", "publish")},
            "breadcrumb_data": owner.crumbs(_("Formulaire du dossier")),
        },
    )


def _sections(owner: Owner, schema: dict) -> list[dict]:
    """A copy of the draft's sections for display, each field with the URL of its edit page."""
    sections = copy.deepcopy(schema.get("sections", []))
    for section in sections:
        for field in section.get("fields", []):
            field["edit_url"] = owner.url("form_field_update", field["key"])
    return sections


@staff_view
def form_field_update(request, call_id: int, field_key: str, theme_id: int | None = None, step: str = FormStep.DOSSIER):
    owner, draft = _owner_draft(request, call_id, theme_id, step)
    field = next((field for _, field in iter_fields(draft.schema) if field.get("key") == field_key), None)
    if field is None:
        raise Http404
    form = FormFieldForm(
        request.POST or None, schema=draft.schema, editing=field_key, initial=FormFieldForm.initial_of(field)
    )
    return form_page(
        request,
        form=form,
        title=_("Modifier le champ « %(field)s »") % {"field": field.get("label") or field_key},
        intro=_("Identifiant : %(key)s (il ne change pas : les conditions et les réponses s'y réfèrent).")
        % {"key": field_key},
        save=lambda data: form_builder.form_field_update(actor=request.user, form=draft, field_key=field_key, **data),
        success_url=owner.url("form_edit"),
        breadcrumb=_crumbs(owner, field_key),
        success=_("Le brouillon du formulaire est enregistré."),
    )


@staff_view
@require_POST
def form_new_version(request, call_id: int, theme_id: int | None = None, step: str = FormStep.DOSSIER):
    """Open the draft to edit: version N+1 of the published form, or version 1."""
    owner = managed_owner(request, call_id, theme_id, step)
    draft = form_builder.form_draft_open(actor=request.user, **owner.form_of)
    messages.success(request, _("La version %(version)s est ouverte en brouillon.") % {"version": draft.version})
    return redirect(owner.url("form_edit"))


def _owner_draft(request, call_id: int, theme_id: int | None, step: str) -> tuple[Owner, FormDefinition]:
    owner = managed_owner(request, call_id, theme_id, step)
    draft = get_object_or_404(FormDefinition, status=FormDefinition.Status.DRAFT, **owner.form_of)
    return owner, draft


@staff_view
def form_json(request, call_id: int, theme_id: int | None = None, step: str = FormStep.DOSSIER):
    owner, draft = _owner_draft(request, call_id, theme_id, step)
    initial = {"schema": json.dumps(draft.schema, ensure_ascii=False, indent=2)}
    return form_page(
        request,
        form=FormSchemaForm(request.POST or None, initial=initial),
        title=_("Définition JSON — version %(version)s") % {"version": draft.version},
        intro=_("Pour les modifications en masse. La définition est vérifiée en entier avant d'être enregistrée."),
        save=lambda data: form_builder.form_schema_save(actor=request.user, form=draft, schema=data["schema"]),
        success_url=owner.url("form_edit"),
        breadcrumb=_crumbs(owner, "JSON"),
        success=_("Le brouillon du formulaire est enregistré."),
    )


@staff_view
def form_publish(request, call_id: int, theme_id: int | None = None, step: str = FormStep.DOSSIER):
    owner, draft = _owner_draft(request, call_id, theme_id, step)
    return confirm_page(
        request,
        title=_("Publier la version %(version)s du formulaire ?") % {"version": draft.version},
        explanation=_(
            "Les nouveaux dossiers utiliseront cette version. Les dossiers déjà commencés gardent la "
            "version sur laquelle ils ont été créés. Une version publiée ne se modifie plus."
        ),
        button=_("Publier la version"),
        action=lambda _: form_builder.form_publish(actor=request.user, form=draft),
        success_url=owner.url("form_edit"),
        breadcrumb=_crumbs(owner, _("Publier")),
        success=_("La version %(version)s du formulaire est publiée.") % {"version": draft.version},
    )


@staff_view
def form_preview(request, call_id: int, version: int, theme_id: int | None = None, step: str = FormStep.DOSSIER):
    """The applicant's form as they will see it, read-only, for one version."""
    owner = managed_owner(request, call_id, theme_id, step)
    form = get_object_or_404(FormDefinition, version=version, **owner.form_of)
    return render(
        request,
        "calls/staff/form_preview.html",
        {
            "owner": owner,
            "form": form,
            "kinds": FIELD_KINDS,
            "editor_url": owner.url("form_edit"),
            "breadcrumb_data": _crumbs(owner, _("Aperçu de la version %(version)s") % {"version": form.version}),
        },
    )

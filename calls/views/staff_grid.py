"""Evaluation grid and required documents of a call (inherited by its themes) or of a theme."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from calls.forms_staff import CriterionForm, RequiredDocumentForm
from calls.models import Criterion, RequiredDocument
from calls.services import components
from calls.views.staff import confirm_page, form_page, managed_owner, staff_view
from portal.fields import count_or_none


@staff_view
def criterion_create(request, call_id: int, theme_id: int | None = None):
    owner = managed_owner(request, call_id, theme_id)
    parent_id = count_or_none(request.GET.get("parent"))
    parent = get_object_or_404(Criterion, pk=parent_id, **owner.of) if parent_id is not None else None
    title = _("Nouveau sous-critère de « %(parent)s »") % {"parent": parent.label} if parent else _("Nouveau critère")
    return form_page(
        request,
        form=CriterionForm(request.POST or None),
        title=title,
        save=lambda data: components.criterion_create(actor=request.user, parent=parent, **owner.of, **data),
        success_url=owner.page_url,
        breadcrumb=owner.crumbs(title),
        success=_("Le critère est ajouté."),
    )


@staff_view
def criterion_update(request, call_id: int, criterion_id: int, theme_id: int | None = None):
    owner = managed_owner(request, call_id, theme_id)
    criterion = get_object_or_404(Criterion, pk=criterion_id, **owner.of)
    return form_page(
        request,
        form=CriterionForm(request.POST or None, instance=criterion),
        title=_("Modifier « %(title)s »") % {"title": criterion},
        save=lambda data: components.criterion_update(actor=request.user, criterion=criterion, **data),
        success_url=owner.page_url,
        breadcrumb=owner.crumbs(criterion.code),
        success=_("Le critère est enregistré."),
    )


@staff_view
def criterion_delete(request, call_id: int, criterion_id: int, theme_id: int | None = None):
    owner = managed_owner(request, call_id, theme_id)
    criterion = get_object_or_404(Criterion, pk=criterion_id, **owner.of)
    return confirm_page(
        request,
        title=_("Supprimer le critère « %(criterion)s » ?") % {"criterion": criterion},
        explanation=_("Ses sous-critères sont supprimés avec lui."),
        button=_("Supprimer"),
        danger=True,
        action=lambda _: components.criterion_delete(actor=request.user, criterion=criterion),
        success_url=owner.page_url,
        breadcrumb=owner.crumbs(_("Supprimer un critère")),
        success=_("Le critère est supprimé."),
    )


@staff_view
def document_create(request, call_id: int, theme_id: int | None = None):
    owner = managed_owner(request, call_id, theme_id)
    return form_page(
        request,
        form=RequiredDocumentForm(request.POST or None),
        title=_("Nouvelle pièce à fournir"),
        save=lambda data: components.required_document_create(actor=request.user, **owner.of, **data),
        success_url=owner.page_url,
        breadcrumb=owner.crumbs(_("Nouvelle pièce")),
        success=_("La pièce est ajoutée."),
    )


@staff_view
def document_update(request, call_id: int, document_id: int, theme_id: int | None = None):
    owner = managed_owner(request, call_id, theme_id)
    document = get_object_or_404(RequiredDocument, pk=document_id, **owner.of)
    return form_page(
        request,
        form=RequiredDocumentForm(request.POST or None, instance=document),
        title=_("Modifier « %(title)s »") % {"title": document},
        save=lambda data: components.required_document_update(actor=request.user, document=document, **data),
        success_url=owner.page_url,
        breadcrumb=owner.crumbs(document.label),
        success=_("La pièce est enregistrée."),
    )


@staff_view
def document_delete(request, call_id: int, document_id: int, theme_id: int | None = None):
    owner = managed_owner(request, call_id, theme_id)
    document = get_object_or_404(RequiredDocument, pk=document_id, **owner.of)
    return confirm_page(
        request,
        title=_("Supprimer la pièce « %(document)s » ?") % {"document": document},
        explanation=_("Les pièces déjà déposées sont conservées."),
        button=_("Supprimer"),
        danger=True,
        action=lambda _: components.required_document_delete(actor=request.user, document=document),
        success_url=owner.page_url,
        breadcrumb=owner.crumbs(_("Supprimer une pièce")),
        success=_("La pièce est supprimée."),
    )

"""Labels of a programme, bulk actions on the staff list's selection, saved filters of the staff list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from applications.forms_instruction import LabelForm
from applications.permissions import require_staff
from applications.selectors import instruction as instruction_selectors
from applications.services import labels as label_services
from calls.selectors import staff_programmes
from portal.errors import DomainError
from portal.models import User
from portal.selectors import user_roles


@login_required
def labels(request, programme_id: int):
    """The programme's labels; its staff create them here."""
    require_staff(request.user)
    programme = get_object_or_404(staff_programmes(user_roles(request.user)), pk=programme_id)
    form = LabelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            label = label_services.label_create(actor=request.user, programme=programme, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Étiquette « %(name)s » créée.") % {"name": label.name})
            return redirect("applications:labels", programme.pk)
    return render(
        request,
        "applications/instruction/labels.html",
        {"programme": programme, "labels": programme.labels.order_by("name"), "form": form},
    )


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("applications:staff_list")


def _integer_or_none(value):
    return int(value) if (value or "").isdigit() else None


@login_required
@require_POST
def bulk_action(request):
    """The staff list's selection: label it, assign it, or write one message to each carrier."""
    require_staff(request.user)
    action = request.POST.get("action", "")
    dossier_ids = [pk for pk in request.POST.getlist("dossiers") if pk.isdigit()]
    try:
        if action in ("label_add", "label_remove"):
            label_id = _integer_or_none(request.POST.get("label"))
            label = next(
                (label for label in instruction_selectors.labels_of(request.user) if label.pk == label_id), None
            )
            if label is None:
                raise DomainError(_("Choisissez une étiquette de vos programmes."), code="required")
            count = label_services.dossiers_label(
                actor=request.user, dossier_ids=dossier_ids, label=label, add=action == "label_add"
            )
            messages.success(
                request,
                ngettext("%(count)d dossier modifié.", "%(count)d dossiers modifiés.", count) % {"count": count},
            )
        elif action == "assign":
            instructor = User.objects.filter(pk=_integer_or_none(request.POST.get("instructor"))).first()
            count = label_services.dossiers_assign(actor=request.user, dossier_ids=dossier_ids, instructor=instructor)
            messages.success(
                request,
                ngettext("%(count)d dossier attribué.", "%(count)d dossiers attribués.", count) % {"count": count},
            )
        elif action == "message":
            count = label_services.dossiers_message(
                actor=request.user, dossier_ids=dossier_ids, body=request.POST.get("body", "")
            )
            messages.success(
                request,
                ngettext(
                    "Message envoyé à %(count)d porteur.", "Message envoyé aux porteurs de %(count)d dossiers.", count
                )
                % {"count": count},
            )
        else:
            raise DomainError(_("Choisissez une action."), code="required")
    except DomainError as error:
        messages.error(request, error.message)
    return _back(request)


@login_required
@require_POST
def saved_filter_save(request):
    require_staff(request.user)
    try:
        saved = label_services.saved_filter_save(
            actor=request.user, name=request.POST.get("name", ""), querystring=request.POST.get("querystring", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Filtre « %(name)s » enregistré.") % {"name": saved.name})
    return _back(request)


@login_required
@require_POST
def saved_filter_delete(request, filter_id: int):
    require_staff(request.user)
    saved = get_object_or_404(instruction_selectors.saved_filters_of(request.user), pk=filter_id)
    label_services.saved_filter_delete(actor=request.user, saved_filter=saved)
    messages.success(request, _("Filtre supprimé."))
    return redirect("applications:staff_list")

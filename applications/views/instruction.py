"""The instructor's queue, the programme's instructor groups and routing rules, a dossier's routing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from applications import selectors
from applications.forms_instruction import DossierRoutingForm, GroupMemberForm, InstructorGroupForm, RoutingRuleForm
from applications.permissions import require_staff
from applications.selectors import instruction as instruction_selectors
from applications.selectors.opinions import with_opinion_counts
from applications.services import routing
from applications.views.staff import staff_dossier_or_404
from applications.workflow import DossierState
from calls.models import Programme
from calls.selectors import staff_programmes
from portal.errors import DomainError
from portal.fields import count_or_none
from portal.selectors import user_roles

QUEUE_PAGE_SIZE = 50
QUEUE_VIEW_LABELS = {
    "mes-dossiers": gettext_lazy("Attribués à moi"),
    "suivis": gettext_lazy("Suivis"),
    "a-attribuer": gettext_lazy("À attribuer dans mes groupes"),
}


@login_required
def queue(request):
    """« Mes dossiers à instruire »: assigned, followed, or to assign in my groups, with counts per state."""
    require_staff(request.user)
    view = request.GET.get("vue", "mes-dossiers")
    if view not in instruction_selectors.QUEUE_VIEWS:
        view = "mes-dossiers"
    dossiers = instruction_selectors.instruction_queue(request.user, view=view)
    managed = selectors.managed_programme_ids(request.user)
    counts = instruction_selectors.instruction_queue_counts(dossiers)
    state = request.GET.get("statut", "")
    if state in instruction_selectors.QUEUE_STATES:
        dossiers = dossiers.filter(state=state)
    else:
        state = ""
    page = Paginator(with_opinion_counts(dossiers), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "applications/instruction/queue.html",
        {
            "page": page,
            "view": view,
            "views": [(key, str(label)) for key, label in QUEUE_VIEW_LABELS.items()],
            "state": state,
            "states": [
                (value, DossierState(value).label, counts.get(value, 0)) for value in instruction_selectors.QUEUE_STATES
            ],
            "total": sum(counts.values()),
            "managed_programmes": [
                programme
                for programme in staff_programmes(user_roles(request.user))
                if managed is None or programme.pk in managed
            ],
        },
    )


def _programme_managed_or_404(request, programme_id: int) -> Programme:
    require_staff(request.user)
    programme = get_object_or_404(staff_programmes(user_roles(request.user)), pk=programme_id)
    if not selectors.manages_instruction_of(request.user, programme.pk):
        raise PermissionDenied
    return programme


@login_required
def groups(request, programme_id: int):
    """The programme's instructor groups, its routing rules in order (moved up or down here) and the group
    creation form."""
    programme = _programme_managed_or_404(request, programme_id)
    rules = instruction_selectors.routing_rules_of(request.user, programme.pk)
    if request.method == "POST" and request.POST.get("action") == "rule_move":
        rule = rules.filter(pk=count_or_none(request.POST.get("rule"))).first()
        if rule is None:
            raise Http404
        up = request.POST.get("direction") == "up"
        if routing.routing_rule_move(actor=request.user, rule=rule, up=up):
            messages.success(request, _("Règle montée d'un rang.") if up else _("Règle descendue d'un rang."))
        # Back to the moved rule: keyboard users keep their place in the list.
        return redirect(f"{reverse('applications:instructor_groups', args=[programme.pk])}#regle-{rule.pk}")
    form = InstructorGroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = routing.instructor_group_create(actor=request.user, programme=programme, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Groupe « %(name)s » créé.") % {"name": group.name})
            return redirect("applications:instructor_group", group.pk)
    return render(
        request,
        "applications/instruction/groups.html",
        {
            "programme": programme,
            "groups": instruction_selectors.instructor_groups_of(request.user, programme.pk),
            "rules": list(rules),
            "calls": programme.calls.order_by("title"),
            "form": form,
        },
    )


@login_required
def group_detail(request, group_id: int):
    """One group: add or remove members, add or remove routing rules (one POST action each)."""
    require_staff(request.user)
    group = instruction_selectors.instructor_group_of(request.user, group_id)
    if group is None:
        raise Http404
    action = request.POST.get("action", "")
    member_form = GroupMemberForm(request.POST if action == "member_add" else None, group=group)
    rule_form = RoutingRuleForm(request.POST if action == "rule_add" else None, group=group)
    if request.method == "POST":
        try:
            if action == "member_add" and member_form.is_valid():
                routing.instructor_group_member_add(
                    actor=request.user, group=group, user=member_form.cleaned_data["user"]
                )
                messages.success(request, _("Membre ajouté au groupe."))
                return redirect("applications:instructor_group", group.pk)
            if action == "member_remove":
                member = get_object_or_404(group.memberships, pk=request.POST.get("member") or 0)
                routing.instructor_group_member_remove(actor=request.user, member=member)
                messages.success(request, _("Membre retiré du groupe."))
                return redirect("applications:instructor_group", group.pk)
            if action == "rule_add" and rule_form.is_valid():
                routing.routing_rule_create(actor=request.user, group=group, **rule_form.cleaned_data)
                messages.success(request, _("Règle d'orientation ajoutée."))
                return redirect("applications:instructor_group", group.pk)
            if action == "rule_delete":
                rule = get_object_or_404(group.routing_rules, pk=request.POST.get("rule") or 0)
                routing.routing_rule_delete(actor=request.user, rule=rule)
                messages.success(request, _("Règle d'orientation supprimée."))
                return redirect("applications:instructor_group", group.pk)
        except (DomainError, ValueError) as error:
            target = member_form if action == "member_add" else rule_form
            message = error.message if isinstance(error, DomainError) else _("Identifiant invalide.")
            field = getattr(error, "field", None)
            target.add_error(field if field in target.fields else None, message)
    return render(
        request,
        "applications/instruction/group.html",
        {
            "group": group,
            "members": group.memberships.select_related("user").order_by("user__email"),
            "rules": group.routing_rules.select_related("theme"),
            "member_form": member_form,
            "rule_form": rule_form,
        },
    )


@login_required
@require_POST
def dossier_routing(request, pk: int):
    """From the staff dossier page: change its group (managers), assign it, take it, follow it."""
    dossier = staff_dossier_or_404(request, pk)
    action = request.POST.get("action", "")
    form = DossierRoutingForm(request.POST, dossier=dossier)
    try:
        if action == "follow":
            routing.dossier_follow(actor=request.user, dossier=dossier, follow=True)
            messages.success(request, _("Vous suivez ce dossier."))
        elif action == "unfollow":
            routing.dossier_follow(actor=request.user, dossier=dossier, follow=False)
            messages.success(request, _("Vous ne suivez plus ce dossier."))
        elif action == "take":
            routing.dossier_assign(actor=request.user, dossier=dossier, instructor=request.user)
            messages.success(request, _("Le dossier vous est attribué."))
        elif action in ("group", "assign"):
            if not form.is_valid():
                raise DomainError(" ".join(" ".join(errors) for errors in form.errors.values()), code="invalid")
            if action == "group":
                routing.dossier_group_set(actor=request.user, dossier=dossier, group=form.cleaned_data["group"])
                messages.success(request, _("Groupe d'instruction enregistré."))
            else:
                routing.dossier_assign(actor=request.user, dossier=dossier, instructor=form.cleaned_data["instructor"])
                messages.success(request, _("Attribution enregistrée."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("applications:staff_dossier", dossier.pk)

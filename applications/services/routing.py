"""The instruction's organisation: instructor groups, routing rules, assignment and following of dossiers."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from applications.models import Dossier, DossierFollower, InstructorGroup, InstructorGroupMember, RoutingRule
from applications.selectors import dossiers_of_staff, manages_instruction_of
from portal.errors import DomainError
from portal.selectors import user_roles
from portal.services import audit_record


def _ensure_manager(actor, programme_id: int) -> None:
    if not manages_instruction_of(actor, programme_id):
        raise DomainError(_("Seuls les pilotes du programme organisent l'instruction."), code="forbidden")


def _programme_of(dossier: Dossier) -> int:
    return dossier.theme.call.programme_id


def instructor_group_create(
    *, actor, programme, name: str, description: str = "", sees_all: bool = False
) -> InstructorGroup:
    """Create a group of the programme; the name is unique within it."""
    _ensure_manager(actor, programme.pk)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Nommez le groupe."), code="required", field="name")
    try:
        with transaction.atomic():
            group = InstructorGroup.objects.create(
                programme=programme, name=name, description=(description or "").strip(), sees_all=sees_all
            )
            audit_record(
                actor=actor,
                action="instruction.group_create",
                target=group,
                data={"programme": programme.pk, "sees_all": sees_all},
            )
    except IntegrityError:
        raise DomainError(
            _("Le programme a déjà un groupe « %(name)s ».") % {"name": name}, code="duplicate", field="name"
        ) from None
    return group


def instructor_group_member_add(*, actor, group: InstructorGroup, user) -> InstructorGroupMember:
    """Add a staff member of the group's programme to it (idempotent)."""
    _ensure_manager(actor, group.programme_id)
    if not user_roles(user).is_staff_of(group.programme_id) or user_roles(user).is_admin:
        raise DomainError(
            _("Seule l'équipe du programme peut rejoindre un groupe d'instruction."), code="not_staff", field="email"
        )
    with transaction.atomic():
        member, created = InstructorGroupMember.objects.get_or_create(group=group, user=user)
        if created:
            audit_record(actor=actor, action="instruction.group_member_add", target=group, data={"user": user.email})
    return member


def instructor_group_member_remove(*, actor, member: InstructorGroupMember) -> None:
    """Take a member out of a group; the dossiers assigned to them stay assigned until reassigned."""
    group = member.group
    _ensure_manager(actor, group.programme_id)
    with transaction.atomic():
        email = member.user.email
        member.delete()
        audit_record(actor=actor, action="instruction.group_member_remove", target=group, data={"user": email})


def routing_rule_create(
    *,
    actor,
    group: InstructorGroup,
    theme=None,
    answer_field: str = "",
    answer_value: str = "",
    amount_min: Decimal | None = None,
    amount_max: Decimal | None = None,
) -> RoutingRule:
    """Add a rule after the programme's others. It needs a criterion; a theme must be of the programme."""
    _ensure_manager(actor, group.programme_id)
    answer_field, answer_value = (answer_field or "").strip(), (answer_value or "").strip()
    if theme is not None and theme.call.programme_id != group.programme_id:
        raise DomainError(_("Ce thème n'appartient pas au programme du groupe."), code="invalid", field="theme")
    if bool(answer_field) != bool(answer_value):
        raise DomainError(
            _("Indiquez à la fois le champ du formulaire et la réponse attendue."), code="invalid", field="answer_value"
        )
    if theme is None and not answer_field and amount_min is None and amount_max is None:
        raise DomainError(
            _("Une règle porte sur un thème, une réponse du formulaire ou un montant."), code="required", field=None
        )
    if amount_min is not None and amount_max is not None and amount_min > amount_max:
        raise DomainError(_("Le montant minimal dépasse le montant maximal."), code="invalid", field="amount_max")
    with transaction.atomic():
        last = RoutingRule.objects.filter(group__programme_id=group.programme_id).aggregate(last=Max("position"))
        rule = RoutingRule.objects.create(
            group=group,
            position=(last["last"] or 0) + 1,
            theme=theme,
            answer_field=answer_field,
            answer_value=answer_value,
            amount_min=amount_min,
            amount_max=amount_max,
        )
        audit_record(
            actor=actor,
            action="instruction.routing_rule_create",
            target=group,
            data={
                "rule": rule.pk,
                "theme": theme.code if theme else None,
                "answer": [answer_field, answer_value] if answer_field else None,
                "amounts": [
                    str(amount_min) if amount_min is not None else None,
                    str(amount_max) if amount_max is not None else None,
                ],
            },
        )
    return rule


def routing_rule_delete(*, actor, rule: RoutingRule) -> None:
    """Remove a rule; dossiers it routed keep their group."""
    group = rule.group
    _ensure_manager(actor, group.programme_id)
    with transaction.atomic():
        audit_record(actor=actor, action="instruction.routing_rule_delete", target=group, data={"rule": rule.pk})
        rule.delete()


def routing_rule_move(*, actor, rule: RoutingRule, up: bool) -> bool:
    """Swap the rule with the programme's previous (`up`) or next rule in routing order, so that a dossier
    matching both goes to the other group from then on; False when it is already first or last. Dossiers
    already routed keep their group. Audited with the rule's new rank."""
    programme_id = rule.group.programme_id
    _ensure_manager(actor, programme_id)
    with transaction.atomic():
        # Locking every rule of the programme keeps two managers' moves from mixing positions.
        rules = list(
            RoutingRule.objects.select_for_update().filter(group__programme_id=programme_id).order_by("position", "pk")
        )
        index = next((i for i, candidate in enumerate(rules) if candidate.pk == rule.pk), None)
        other = None if index is None else index + (-1 if up else 1)
        if other is None or not 0 <= other < len(rules):
            return False
        rules[index], rules[other] = rules[other], rules[index]
        # Positions are renumbered 1..n: equal or gapped positions left by deletions read in one order.
        for position, candidate in enumerate(rules, start=1):
            if candidate.position != position:
                RoutingRule.objects.filter(pk=candidate.pk).update(position=position)
        audit_record(
            actor=actor,
            action="instruction.routing_rule_move",
            target=rule.group,
            data={"rule": rule.pk, "position": other + 1, "direction": "up" if up else "down"},
        )
    return True


def _answer_matches(value, expected: str) -> bool:
    """A form answer against the rule's expected text: case and spaces aside; a list matches by any item;
    yes/no answers read « oui » / « non »."""
    expected = expected.strip().casefold()
    values = value if isinstance(value, list) else [value]
    for item in values:
        if isinstance(item, bool):
            item = "oui" if item else "non"
        if item is not None and str(item).strip().casefold() == expected:
            return True
    return False


def rule_matches(rule: RoutingRule, dossier: Dossier) -> bool:
    """Whether every criterion the rule sets holds for the dossier (theme, form answer, requested amount)."""
    if rule.theme_id is not None and rule.theme_id != dossier.theme_id:
        return False
    if rule.answer_field and not _answer_matches((dossier.answers or {}).get(rule.answer_field), rule.answer_value):
        return False
    amount = dossier.requested_amount
    if rule.amount_min is not None and (amount is None or amount < rule.amount_min):
        return False
    if rule.amount_max is not None and (amount is None or amount > rule.amount_max):
        return False
    return True


def dossier_route(*, dossier: Dossier) -> InstructorGroup | None:
    """Send a just-submitted dossier to the group of the programme's first matching rule (by position).

    Called by the submission in its transaction. A dossier already routed keeps its group (a second
    deposit after a complement request); no matching rule leaves it to the programme's managers.
    """
    if dossier.instruction_group_id is not None:
        return dossier.instruction_group
    rules = RoutingRule.objects.filter(group__programme_id=_programme_of(dossier)).select_related("group")
    rule = next((rule for rule in rules if rule_matches(rule, dossier)), None)
    if rule is None:
        return None
    Dossier.objects.filter(pk=dossier.pk).update(instruction_group=rule.group)
    dossier.instruction_group = rule.group
    audit_record(actor=None, action="dossier.route", target=dossier, data={"group": rule.group.name, "rule": rule.pk})
    return rule.group


def dossier_group_set(*, actor, dossier: Dossier, group: InstructorGroup | None) -> Dossier:
    """A manager sends the dossier to another group (or to none); an instructor outside it is unassigned."""
    _ensure_manager(actor, _programme_of(dossier))
    if group is not None and group.programme_id != _programme_of(dossier):
        raise DomainError(_("Ce groupe n'appartient pas au programme du dossier."), code="invalid", field="group")
    with transaction.atomic():
        locked = Dossier.objects.select_for_update(of=("self",)).get(pk=dossier.pk)
        fields = {"instruction_group": group}
        if locked.instructor_id and group and not group.memberships.filter(user_id=locked.instructor_id).exists():
            fields["instructor"] = None
        Dossier.objects.filter(pk=locked.pk).update(**fields)
        audit_record(
            actor=actor,
            action="dossier.route_manual",
            target=dossier,
            data={"group": group.name if group else None, "unassigned": "instructor" in fields},
        )
    dossier.refresh_from_db(fields=["instruction_group", "instructor"])
    return dossier


def dossier_assign(*, actor, dossier: Dossier, instructor) -> Dossier:
    """Assign the dossier to an instructor (None: unassign). Managers assign anyone who sees the dossier;
    a member of the dossier's group may take it for themselves or hand it to another member."""
    programme_id = _programme_of(dossier)
    if not manages_instruction_of(actor, programme_id) and not (
        dossier.instruction_group_id
        and InstructorGroupMember.objects.filter(group_id=dossier.instruction_group_id, user=actor).exists()
    ):
        raise DomainError(_("Seuls le groupe du dossier et les pilotes l'attribuent."), code="forbidden")
    if instructor is not None and not dossiers_of_staff(instructor).filter(pk=dossier.pk).exists():
        raise DomainError(
            _("%(person)s ne voit pas ce dossier : ajoutez-le ou la au groupe du dossier.")
            % {"person": instructor.email},
            code="invalid",
            field="instructor",
        )
    with transaction.atomic():
        Dossier.objects.filter(pk=dossier.pk).update(instructor=instructor)
        audit_record(
            actor=actor,
            action="dossier.assign",
            target=dossier,
            data={"instructor": instructor.email if instructor else None},
        )
    dossier.instructor = instructor
    return dossier


def dossier_follow(*, actor, dossier: Dossier, follow: bool) -> None:
    """Follow or stop following a dossier one sees (idempotent)."""
    if not dossiers_of_staff(actor).filter(pk=dossier.pk).exists():
        raise DomainError(_("Ce dossier n'est pas dans votre périmètre."), code="forbidden")
    with transaction.atomic():
        if follow:
            changed = DossierFollower.objects.get_or_create(dossier=dossier, user=actor)[1]
        else:
            changed = bool(DossierFollower.objects.filter(dossier=dossier, user=actor).delete()[0])
        if changed:
            audit_record(actor=actor, action="dossier.follow" if follow else "dossier.unfollow", target=dossier)

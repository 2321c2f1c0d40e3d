"""A juror who belongs to a dossier's carrier (or partner) is conflicted on it, whatever the path and
the order: the wall is computed from memberships (see juries.selectors.conflicts), and holds on the
juror's pages, the chair's, the ranking, assignments, exports, reminders and reopened sheets."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import DossierPartner
from funding.reminders import reminders_send
from juries import selectors
from juries.models import Assignment, ConflictDeclaration
from juries.services import assignment, conflicts, evaluation, juries
from portal.errors import DomainError
from portal.models import Membership, OutboxMessage
from portal.services import membership as membership_services
from tests.juries.conftest import declare_all, sheet
from tests.portal.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def join(user, organisation):
    """Membership granted through the portal's own path: a request, then the référent's grant."""
    referent = MembershipFactory(organisation=organisation, is_referent=True).user
    request = membership_services.membership_request_create(actor=user, organisation=organisation)
    return membership_services.membership_request_grant(actor=referent, membership_request=request)


def test_a_member_named_juror_afterwards_is_conflicted_even_after_denying_the_flag(client, staff, jury, dossiers):
    juries.jury_dossiers_add(actor=staff, jury=jury)
    user = UserFactory()
    join(user, dossiers[0].organisation)
    member = juries.member_add(actor=staff, jury=jury, user=user)
    flagged = ConflictDeclaration.objects.get(member=member, dossier=dossiers[0])
    assert flagged.status == ConflictDeclaration.Status.PENDING
    conflicts.conflict_declare(
        actor=user, member=member, dossier=dossiers[0], status=ConflictDeclaration.Status.NONE, reason="Aucun lien."
    )
    assert selectors.conflict_map(jury).is_blocked(member.pk, dossiers[0].pk)
    client.force_login(user)
    assert client.get(reverse("juries:score", args=[jury.pk, dossiers[0].pk])).status_code == 404
    rows, blocked = selectors.declaration_rows(member)
    assert blocked == 1 and dossiers[0] not in [dossier for dossier, _ in rows]


def test_leaving_the_organisation_does_not_lift_the_conflict(staff, jury, members, reviewed):
    juror = members[1]
    granted = join(juror.user, reviewed[0].organisation)
    membership_services.membership_remove(
        actor=Membership.objects.get(organisation=granted.organisation, is_referent=True).user, membership=granted
    )
    assert not Membership.objects.filter(user=juror.user).exists()
    assert selectors.conflict_map(jury).is_blocked(juror.pk, reviewed[0].pk)


def test_membership_of_a_partner_conflicts_too(staff, jury, members, reviewed):
    partner = OrganisationFactory()
    DossierPartner.objects.create(dossier=reviewed[1], organisation=partner, role="partner")
    join(members[2].user, partner)
    conflict = selectors.conflict_map(jury)
    assert conflict.is_blocked(members[2].pk, reviewed[1].pk)
    assert not conflict.is_blocked(members[2].pk, reviewed[0].pk)


def test_a_conflicted_jurors_sheet_counts_nowhere_and_is_not_reopened(staff, jury, members, reviewed):
    chair, juror = members[0], members[1]
    dossier = reviewed[0]
    entry = assignment.assign_manual(actor=staff, member=juror, dossier=dossier)
    evaluation.evaluation_save(
        actor=juror.user,
        assignment=entry,
        scores=sheet(),
        opinion="Solide.",
        recommendation="fund",
    )
    submitted = evaluation.evaluation_submit(actor=juror.user, assignment=entry)
    ranked = {row.dossier_id: row for row in selectors.ranking(jury)}
    assert ranked[dossier.pk].evaluations == 1
    join(juror.user, dossier.organisation)
    ranked = {row.dossier_id: row for row in selectors.ranking(jury)}
    assert ranked[dossier.pk].evaluations == 0 and juror in ranked[dossier.pk].abstentions
    with pytest.raises(DomainError, match="conflit d'intérêts"):
        evaluation.evaluation_reopen(actor=chair.user, evaluation=submitted, reason="À revoir.")
    assert not OutboxMessage.objects.filter(event="jury_evaluation_reopened").exists()


def test_auto_assignment_replaces_a_juror_conflicted_since(staff, jury, members, reviewed):
    dossier = reviewed[0]
    first = assignment.assign_manual(actor=staff, member=members[1], dossier=dossier)
    join(members[1].user, dossier.organisation)
    assignment.assign_auto(actor=staff, jury=jury, per_dossier=2)
    on_dossier = set(Assignment.objects.filter(dossier=dossier).values_list("member_id", flat=True))
    assert on_dossier == {members[1].pk, members[0].pk, members[2].pk}  # two who may score, and the stale one
    assert Assignment.objects.filter(pk=first.pk).exists()
    with pytest.raises(DomainError, match="conflit d'intérêts"):
        assignment.assign_manual(actor=staff, member=members[1], dossier=reviewed[0])


def test_no_reminder_names_a_dossier_the_juror_is_now_conflicted_on(staff, jury, members, reviewed):
    jury.due_at = timezone.now() + timedelta(days=2)
    jury.save(update_fields=["due_at"])
    assignment.assign_manual(actor=staff, member=members[1], dossier=reviewed[0])
    assignment.assign_manual(actor=staff, member=members[1], dossier=reviewed[1])
    join(members[1].user, reviewed[0].organisation)
    reminders_send()
    bodies = list(OutboxMessage.objects.filter(event="reminder_evaluation_due").values_list("body", flat=True))
    assert len(bodies) == 1
    assert reviewed[1].reference in bodies[0] and reviewed[0].reference not in bodies[0]


def test_declared_conflicts_and_memberships_both_leave_the_juror_queue(client, staff, jury, members, dossiers):
    juries.jury_dossiers_add(actor=staff, jury=jury)
    declare_all(members[1], dossiers)
    for dossier in dossiers:
        assignment.assign_manual(actor=staff, member=members[1], dossier=dossier)
    join(members[1].user, dossiers[2].organisation)
    assert {row.dossier.pk for row in selectors.juror_queue(members[1])} == {dossiers[0].pk, dossiers[1].pk}

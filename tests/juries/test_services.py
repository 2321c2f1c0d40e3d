"""Juries, conflicts, assignment and scoring through the services."""

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from juries import selectors
from juries.models import Assignment, ConflictDeclaration, Evaluation
from juries.services import assignment, conflicts, evaluation, juries
from portal.errors import DomainError
from portal.models import AuditEvent, OutboxMessage
from portal.selectors import user_roles
from tests.juries.conftest import make_dossiers, sheet
from tests.portal.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def carrier_of(**organisation):
    return MembershipFactory(**{f"organisation__{k}": v for k, v in organisation.items()}).organisation


def test_member_add_gives_the_scoped_juror_role_and_notifies(jury, members):
    chair = members[0]
    assert user_roles(chair.user).is_juror_of(jury.pk)
    assert OutboxMessage.objects.filter(event="jury_member_added", recipient=chair.user).exists()
    with pytest.raises(DomainError):
        juries.member_add(actor=chair.user, jury=jury, user=UserFactory())  # a juror is not staff


def test_jury_scope_must_belong_to_the_call(staff, session):
    from tests.calls.model_factories import ThemeFactory

    with pytest.raises(DomainError):
        juries.jury_create(actor=staff, call=session.theme.call, theme=ThemeFactory(), name="X")


def test_jury_dossiers_add_takes_the_submitted_dossiers_of_its_scope(staff, jury, session):
    mine = make_dossiers(session, 2)
    from tests.applications.factories import DossierFactory

    DossierFactory(session=session)  # a draft: not before the jury
    make_dossiers(session.__class__.objects.exclude(pk=session.pk).first() or _other_session(session), 1)
    added = juries.jury_dossiers_add(actor=staff, jury=jury)
    assert {e.dossier_id for e in added} == {d.pk for d in mine}
    assert juries.jury_dossiers_add(actor=staff, jury=jury) == []  # idempotent


def _other_session(session):
    from tests.calls.model_factories import SessionFactory

    return SessionFactory(theme=session.theme)


def test_likely_conflict_is_flagged_on_same_siren_or_ministry(staff, jury, session):
    carrier = carrier_of(siret="73282932000074", parent_ministry="Intérieur")
    sibling = OrganisationFactory(siret="73282932000116")
    ministry = carrier_of(parent_ministry="intérieur")
    same_siren, same_ministry, unrelated = (
        make_dossiers(session, 1, organisation=o)[0] for o in (carrier, ministry, carrier_of())
    )
    juries.jury_dossiers_add(actor=staff, jury=jury)
    member = juries.member_add(actor=staff, jury=jury, user=UserFactory(), organisation=sibling)
    other = juries.member_add(
        actor=staff, jury=jury, user=UserFactory(), organisation=OrganisationFactory(parent_ministry="Intérieur")
    )
    flagged = {(d.member_id, d.dossier_id) for d in ConflictDeclaration.objects.filter(status="pending")}
    assert (member.pk, same_siren.pk) in flagged
    assert (other.pk, same_siren.pk) in flagged and (other.pk, same_ministry.pk) in flagged
    assert (member.pk, unrelated.pk) not in flagged and (other.pk, unrelated.pk) not in flagged
    # A flagged conflict blocks until the juror confirms or denies it with a reason.
    assert selectors.conflict_map(jury).is_blocked(member.pk, same_siren.pk)
    with pytest.raises(DomainError):
        conflicts.conflict_declare(actor=member.user, member=member, dossier=same_siren, status="none")
    conflicts.conflict_declare(
        actor=member.user,
        member=member,
        dossier=same_siren,
        status="none",
        reason="Établissement distinct, aucun lien avec le projet.",
    )
    assert selectors.conflict_map(jury).may_read(member.pk, same_siren.pk)


def test_conflict_needs_a_reason_is_final_and_removes_the_assignment(staff, jury, members, reviewed):
    juror, dossier = members[1], reviewed[0]
    assignment.assign_manual(actor=staff, member=juror, dossier=reviewed[1])
    with pytest.raises(DomainError):
        conflicts.conflict_declare(actor=juror.user, member=juror, dossier=reviewed[1], status="conflict")
    conflicts.conflict_declare(
        actor=juror.user, member=juror, dossier=reviewed[1], status="conflict", reason="Mon ancien service."
    )
    assert not Assignment.objects.filter(member=juror, dossier=reviewed[1]).exists()
    with pytest.raises(DomainError):
        conflicts.conflict_declare(
            actor=juror.user, member=juror, dossier=reviewed[1], status="none", reason="Finalement non."
        )
    with pytest.raises(DomainError):  # nobody declares for someone else
        conflicts.conflict_declare(actor=members[0].user, member=juror, dossier=dossier, status="conflict", reason="x")


def test_organisation_declaration_covers_all_its_dossiers(staff, jury, members, session):
    carrier = carrier_of()
    theirs = make_dossiers(session, 2, organisation=carrier)
    juries.jury_dossiers_add(actor=staff, jury=jury)
    juror = members[1]
    conflicts.conflict_declare(
        actor=juror.user, member=juror, organisation=carrier, status="conflict", reason="Mon employeur."
    )
    blocked = selectors.conflict_map(jury)
    assert all(blocked.is_blocked(juror.pk, d.pk) for d in theirs)


def test_assign_auto_never_picks_a_conflicted_juror_and_balances_load(staff, jury, session):
    dossiers = make_dossiers(session, 10)
    juries.jury_dossiers_add(actor=staff, jury=jury)
    members = [juries.member_add(actor=staff, jury=jury, user=UserFactory()) for _ in range(4)]
    conflicts.conflict_declare(
        actor=members[0].user, member=members[0], dossier=dossiers[0], status="conflict", reason="Lien."
    )
    conflicts.conflict_declare(
        actor=members[1].user, member=members[1], dossier=dossiers[0], status="conflict", reason="Lien."
    )
    result = assignment.assign_auto(actor=staff, jury=jury, per_dossier=2)
    assert not result.shortfalls
    pairs = set(Assignment.objects.values_list("member_id", "dossier_id"))
    assert (members[0].pk, dossiers[0].pk) not in pairs and (members[1].pk, dossiers[1 - 1].pk) not in pairs
    assert Counter(d for _, d in pairs) == {d.pk: 2 for d in dossiers}
    loads = Counter(m for m, _ in pairs)
    assert max(loads.values()) - min(loads.values()) <= 1
    assert assignment.assign_auto(actor=staff, jury=jury).created == []  # nothing to top up


def test_assign_auto_reports_shortfall_and_mixes_sectors(staff, jury, session):
    dossiers = make_dossiers(session, 4)
    jury.mix_sectors = True
    jury.save()
    juries.jury_dossiers_add(actor=staff, jury=jury)
    public = [juries.member_add(actor=staff, jury=jury, user=UserFactory()) for _ in range(2)]
    private = [juries.member_add(actor=staff, jury=jury, user=UserFactory(), sector="private") for _ in range(2)]
    assignment.assign_auto(actor=staff, jury=jury, per_dossier=2)
    for dossier in dossiers:
        sectors = set(Assignment.objects.filter(dossier=dossier).values_list("member__sector", flat=True))
        assert sectors == {"public", "private"}
    result = assignment.assign_auto(actor=staff, jury=jury, per_dossier=5)
    assert result.shortfalls == {d.pk: 1 for d in dossiers}
    assert len(public + private) == 4


def test_assign_manual_refuses_a_conflict(staff, jury, members, reviewed):
    juror = members[2]
    conflicts.conflict_declare(
        actor=juror.user, member=juror, organisation=reviewed[0].organisation, status="conflict", reason="Client."
    )
    with pytest.raises(DomainError, match="conflit"):
        assignment.assign_manual(actor=staff, member=juror, dossier=reviewed[0])


def test_member_withdraw_frees_assignments_for_reassignment(staff, jury, members, reviewed):
    assignment.assign_auto(actor=staff, jury=jury)
    leaving = members[1]
    juries.member_withdraw(actor=staff, member=leaving, reason="Indisponible.")
    assert not leaving.assignments.exists()
    assert not user_roles(leaving.user).is_juror_of(jury.pk)
    assignment.assign_auto(actor=staff, jury=jury)
    assert Counter(Assignment.objects.values_list("dossier_id", flat=True)) == {d.pk: 2 for d in reviewed}


# Scoring ------------------------------------------------------------------------------------------


@pytest.fixture
def assigned(staff, jury, members, reviewed):
    for member in members:
        for dossier in reviewed:
            Assignment.objects.create(member=member, dossier=dossier)
    return {(a.member_id, a.dossier_id): a for a in Assignment.objects.all()}


def test_evaluation_needs_a_declaration_first(staff, jury, session, members):
    dossier = make_dossiers(session, 1)[0]
    juries.jury_dossiers_add(actor=staff, jury=jury)
    a = assignment.assign_manual(actor=staff, member=members[1], dossier=dossier)
    with pytest.raises(DomainError, match="conflit"):
        evaluation.evaluation_save(actor=members[1].user, assignment=a, scores=sheet())


def test_autosave_validates_what_is_filled_then_submit_requires_everything(members, assigned, reviewed):
    juror = members[1]
    a = assigned[(juror.pk, reviewed[0].pk)]
    with pytest.raises(evaluation.SheetError) as error:
        evaluation.evaluation_save(actor=juror.user, assignment=a, scores={"A": {"score": "7"}})
    assert "A" in error.value.errors
    saved = evaluation.evaluation_save(actor=juror.user, assignment=a, scores={"A": {"score": "4"}})
    assert saved.total == Decimal("80.000")  # only A scored so far
    with pytest.raises(evaluation.SheetError) as error:
        evaluation.evaluation_submit(actor=juror.user, assignment=a)
    assert {"A", "B1", "B2", "opinion", "recommendation"} <= set(error.value.errors)
    evaluation.evaluation_save(
        actor=juror.user, assignment=a, scores=sheet(b1_na=True), opinion="Solide.", recommendation="fund"
    )
    submitted = evaluation.evaluation_submit(actor=juror.user, assignment=a)
    assert submitted.is_submitted and not submitted.is_late
    assert submitted.scores["B1"] == {"score": None, "na": True, "comment": "Argumenté."}
    assert AuditEvent.objects.filter(action="juries.evaluation_submit").exists()
    with pytest.raises(DomainError):
        evaluation.evaluation_save(actor=juror.user, assignment=a, scores=sheet())
    with pytest.raises(DomainError):  # someone else's sheet
        evaluation.evaluation_save(actor=members[2].user, assignment=a, scores=sheet())


def test_late_submission_is_accepted_and_marked(members, assigned, reviewed):
    juror = members[1]
    a = assigned[(juror.pk, reviewed[0].pk)]
    a.due_at = timezone.now() - timedelta(days=1)
    a.save()
    evaluation.evaluation_save(actor=juror.user, assignment=a, scores=sheet(), opinion="Bien.", recommendation="hear")
    assert evaluation.evaluation_submit(actor=juror.user, assignment=a).is_late


def submit(member, assignment_, **kwargs):
    evaluation.evaluation_save(
        actor=member.user, assignment=assignment_, scores=sheet(**kwargs), opinion="Avis.", recommendation="fund"
    )
    return evaluation.evaluation_submit(actor=member.user, assignment=assignment_)


def test_only_the_chair_reopens_with_a_reason(jury, members, assigned, reviewed):
    chair, juror = members[0], members[1]
    submitted = submit(juror, assigned[(juror.pk, reviewed[0].pk)])
    with pytest.raises(DomainError):
        evaluation.evaluation_reopen(actor=juror.user, evaluation=submitted, reason="Je me suis trompé.")
    with pytest.raises(DomainError):
        evaluation.evaluation_reopen(actor=chair.user, evaluation=submitted, reason=" ")
    reopened = evaluation.evaluation_reopen(actor=chair.user, evaluation=submitted, reason="Erreur de saisie sur A.")
    assert not reopened.is_submitted
    assert AuditEvent.objects.get(action="juries.evaluation_reopen").data["reason"] == "Erreur de saisie sur A."
    assert (
        "Erreur de saisie sur A."
        in OutboxMessage.objects.get(event="jury_evaluation_reopened", recipient=juror.user).body
    )
    evaluation.evaluation_save(actor=juror.user, assignment=submitted.assignment, scores=sheet(a="5"))


def test_independent_first_then_others_visible(members, assigned, reviewed):
    chair, juror = members[0], members[1]
    submit(chair, assigned[(chair.pk, reviewed[0].pk)])
    assert selectors.other_evaluations(juror, reviewed[0]) == []
    submit(juror, assigned[(juror.pk, reviewed[0].pk)], a="2")
    assert [e.assignment.member for e in selectors.other_evaluations(juror, reviewed[0])] == [chair]


def test_dispersion_and_severity_of_the_jury(jury, members, assigned, reviewed):
    chair, juror, expert = members
    for dossier in reviewed[:2]:
        submit(chair, assigned[(chair.pk, dossier.pk)], a="4")
        submit(juror, assigned[(juror.pk, dossier.pk)], a="1")
        submit(expert, assigned[(expert.pk, dossier.pk)], a="5")
    sheets, spread = selectors.dispersion_of(jury, reviewed[0])
    assert len(sheets) == 3 and spread.divergent  # 1/5 vs 5/5 on a weight of 2/3: 53 points apart
    severity = selectors.severity_of(jury)
    assert severity[juror] < 0 < severity[expert]


def test_consensus_by_the_chair_only(jury, members, reviewed):
    chair, juror = members[0], members[1]
    with pytest.raises(DomainError):
        evaluation.consensus_record(
            actor=juror.user, jury=jury, dossier=reviewed[0], scores=sheet(), opinion="x", recommendation="fund"
        )
    with pytest.raises(evaluation.SheetError):
        evaluation.consensus_record(
            actor=chair.user,
            jury=jury,
            dossier=reviewed[0],
            scores=sheet(comment=""),
            opinion="Bon projet.",
            recommendation="fund",
        )
    consensus = evaluation.consensus_record(
        actor=chair.user,
        jury=jury,
        dossier=reviewed[0],
        scores=sheet(),
        opinion="Bon projet.",
        recommendation="fund",
    )
    assert consensus.total == Decimal("75.000")


def test_ranking_uses_consensus_else_mean_and_excludes_conflicted_scores(jury, members, assigned, reviewed):
    chair, juror, expert = members
    first, second, third = reviewed
    Assignment.objects.filter(member=chair).delete()  # the chair only writes consensus here
    submit(juror, assigned[(juror.pk, first.pk)], a="2")
    submit(expert, assigned[(expert.pk, first.pk)], a="4")  # mean A = 3
    submit(juror, assigned[(juror.pk, second.pk)], a="5")
    evaluation.consensus_record(
        actor=chair.user, jury=jury, dossier=third, scores=sheet(a="1"), opinion="Faible.", recommendation="do_not_fund"
    )
    # The expert declares a conflict after scoring `second`: their sheet leaves every aggregate.
    submit(expert, assigned[(expert.pk, second.pk)], a="0")
    ConflictDeclaration.objects.filter(member=expert, dossier=second).update(
        status="conflict", reason="Découvert tard."
    )
    rows = selectors.ranking(jury)
    assert [r.dossier_id for r in rows] == [second.pk, first.pk, third.pk]
    assert [r.source for r in rows] == ["moyenne", "moyenne", "consensus"]
    assert rows[0].evaluations == 1 and rows[0].abstentions == [expert]
    assert rows[2].fails  # A = 1 < threshold 2
    assert Evaluation.objects.filter(
        assignment__member=expert, assignment__dossier=second
    ).exists()  # kept, not counted


def test_ranking_ties_follow_the_theme_tie_break(jury, members, assigned, reviewed):
    chair = members[0]
    first, second, _ = reviewed
    Assignment.objects.filter(member=chair).delete()
    # Same total (73.333): `first` is stronger on B, `second` on A; the theme says B first.
    evaluation.consensus_record(
        actor=chair.user,
        jury=jury,
        dossier=second,
        scores=sheet(a="5", b1="2", b2="2"),
        opinion="A.",
        recommendation="fund",
    )
    evaluation.consensus_record(
        actor=chair.user,
        jury=jury,
        dossier=first,
        scores=sheet(a="3", b1="10", b2="10"),
        opinion="B.",
        recommendation="fund",
    )
    rows = selectors.ranking(jury)
    assert rows[0].total == rows[1].total
    assert [rows[0].dossier_id, rows[1].dossier_id] == [first.pk, second.pk]


def test_member_invite_opens_an_account_and_says_how_to_set_the_password(staff, jury):
    member = juries.member_invite(
        actor=staff, jury=jury, email="Nouvelle.Experte@Prive.fr", is_external=True, sector="private"
    )
    assert member.user.email == "nouvelle.experte@prive.fr" and not member.user.has_usable_password()
    message = OutboxMessage.objects.get(event="jury_member_added", recipient=member.user)
    assert "choisissez votre mot de passe" in message.body and "/jurys/" in message.body
    existing = UserFactory()
    assert juries.member_invite(actor=staff, jury=jury, email=existing.email).user == existing

"""Entry into force at countersignature (or on the date staff set), milestones and tranches prepared in the
browser, the bad inputs refused with their figures, and amendments that change milestones only once in force."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from funding.models import Convention, Milestone, Payment, Tranche
from funding.periods import add_months
from funding.services import conventions, followup, preparation
from funding.services.preparation import MilestonePlan
from portal.errors import DomainError
from portal.models import AuditEvent
from tests.funding.conftest import GRANT

pytestmark = pytest.mark.django_db


def generate(staff, dossier, django_capture_on_commit_callbacks) -> Convention:
    with django_capture_on_commit_callbacks(execute=True):
        convention = conventions.convention_generate(actor=staff, dossier=dossier)
    convention.refresh_from_db()
    return convention


def prepare(staff, convention, **overrides) -> Convention:
    """Staff's preparation with one milestone due in three months releasing half the grant."""
    today = timezone.localdate()
    arguments = {
        "duration_months": 12,
        "advance": Decimal("30000"),
        "balance": Decimal("20000"),
        "milestones": [
            MilestonePlan(
                label="Service ouvert",
                due_on=add_months(today, 3),
                deliverable="Bilan d'usage",
                amount=Decimal("50000"),
            )
        ],
    }
    return preparation.convention_prepare(actor=staff, convention=convention, **{**arguments, **overrides})


def sign(convention, *, staff, carrier, operator, django_capture_on_commit_callbacks) -> Convention:
    with django_capture_on_commit_callbacks(execute=True):
        conventions.queue_render(convention.pk)
    convention.refresh_from_db()
    conventions.convention_send(actor=staff, convention=convention)
    conventions.convention_sign_carrier(actor=carrier, convention=convention, approve=True)
    return conventions.convention_sign_operator(actor=operator, convention=convention)


def test_the_project_start_is_not_taken_silently_from_the_dossier(dossier, staff, django_capture_on_commit_callbacks):
    dossier.planned_start = timezone.localdate() + timedelta(days=90)
    dossier.save()
    convention = generate(staff, dossier, django_capture_on_commit_callbacks)
    assert convention.start_on is None and convention.in_force_on is None
    assert convention.enters_into_force_text == "Entrera en vigueur à sa contresignature par l'opérateur."


def test_countersignature_brings_the_convention_into_force_and_the_advance_is_payable_at_once(
    dossier, staff, carrier, operator, django_capture_on_commit_callbacks
):
    """A new project's convention is in force at countersignature even with a planned start months away."""
    dossier.planned_start = timezone.localdate() + timedelta(days=90)
    dossier.save()
    convention = prepare(staff, generate(staff, dossier, django_capture_on_commit_callbacks))
    convention = sign(
        convention,
        staff=staff,
        carrier=carrier,
        operator=operator,
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    assert convention.status == Convention.Status.IN_FORCE
    assert convention.project_start == timezone.localdate()
    assert convention.enters_into_force_text == f"En vigueur depuis le {timezone.localdate():%d/%m/%Y}."
    advance = convention.tranches.get(condition=Tranche.Condition.SIGNATURE)
    assert followup.release_blocker(advance) is None
    followup.payment_record(
        actor=operator, tranche=advance, paid_on=timezone.localdate(), amount="30000", reference="VIR-1"
    )
    assert Payment.objects.get().amount == Decimal("30000")


def test_a_date_of_entry_into_force_set_by_staff_holds_payments_and_says_from_when(
    dossier, staff, carrier, operator, django_capture_on_commit_callbacks
):
    later = timezone.localdate() + timedelta(days=20)
    convention = prepare(staff, generate(staff, dossier, django_capture_on_commit_callbacks), in_force_on=later)
    advance = convention.tranches.get(condition=Tranche.Condition.SIGNATURE)
    assert f"à partir du {later:%d/%m/%Y}" in followup.release_blocker(advance)
    convention = sign(
        convention,
        staff=staff,
        carrier=carrier,
        operator=operator,
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    assert convention.status == Convention.Status.SIGNED_BY_OPERATOR
    assert convention.enters_into_force_text == f"Entrera en vigueur le {later:%d/%m/%Y}."
    with pytest.raises(DomainError) as refused:
        followup.payment_record(
            actor=operator, tranche=advance, paid_on=timezone.localdate(), amount="30000", reference="VIR-1"
        )
    assert (
        f"La convention entre en vigueur le {later:%d/%m/%Y} : le versement sera possible à partir de cette date"
        in (refused.value.message)
    )
    assert conventions.conventions_enter_into_force(today=later - timedelta(days=1)) == 0
    assert conventions.conventions_enter_into_force(today=later) == 1
    convention.refresh_from_db()
    assert convention.status == Convention.Status.IN_FORCE
    assert followup.release_blocker(convention.tranches.get(condition=Tranche.Condition.SIGNATURE)) is None


def test_a_payment_before_signature_says_it_waits_for_the_countersignature(
    dossier, staff, operator, django_capture_on_commit_callbacks
):
    convention = prepare(staff, generate(staff, dossier, django_capture_on_commit_callbacks))
    advance = convention.tranches.get(condition=Tranche.Condition.SIGNATURE)
    with pytest.raises(DomainError) as refused:
        followup.payment_record(
            actor=operator, tranche=advance, paid_on=timezone.localdate(), amount="1000", reference="VIR-1"
        )
    assert "le versement sera possible dès sa contresignature par l'opérateur" in refused.value.message


def test_preparation_defines_milestones_with_their_deliverable_and_the_tranche_each_releases(
    dossier, staff, django_capture_on_commit_callbacks
):
    convention = generate(staff, dossier, django_capture_on_commit_callbacks)
    # Pre-filled from the phase's milestone templates the dossier declared.
    assert list(Milestone.objects.filter(convention=convention).values_list("label", flat=True)) == [
        "Prototype en test",
        "Mise en production",
    ]
    convention = prepare(staff, convention)
    milestone = Milestone.objects.get(convention=convention)
    assert (milestone.label, milestone.deliverable, milestone.is_current) == ("Service ouvert", "Bilan d'usage", True)
    assert [(t.condition, t.amount, t.milestone_id) for t in convention.tranches.all()] == [
        (Tranche.Condition.SIGNATURE, Decimal("30000"), None),
        (Tranche.Condition.MILESTONE, Decimal("50000"), milestone.pk),
        (Tranche.Condition.FINAL_REPORT, Decimal("20000"), None),
    ]
    assert convention.pdf == ""  # rendered again with the new schedule
    assert AuditEvent.objects.filter(action="convention.prepare").count() == 1


def test_the_planned_milestones_of_the_dossier_pre_fill_the_convention(
    dossier, staff, django_capture_on_commit_callbacks
):
    dossier.planned_milestones = [{"label": "Pilote ouvert", "month": 4, "deliverable": "Compte rendu"}]
    dossier.save()
    convention = generate(staff, dossier, django_capture_on_commit_callbacks)
    milestone = Milestone.objects.get(convention=convention)
    assert (milestone.label, milestone.deliverable) == ("Pilote ouvert", "Compte rendu")
    assert milestone.due_on == add_months(timezone.localdate(), 4)


@pytest.mark.parametrize(
    ("advance", "balance", "expected"),
    [
        (
            "30000",
            "10000",
            "Les tranches totalisent 90 000,00 € (avance 30 000,00 € + jalon « Service ouvert » 50 000,00 € + "
            "solde 10 000,00 €) : elles doivent faire exactement le montant accordé, 100 000,00 € "
            "(il manque 10 000,00 €).",
        ),
        ("40000", "20000", "(10 000,00 € de trop)"),
    ],
)
def test_a_schedule_that_does_not_add_up_to_the_grant_is_refused_with_the_figures(
    dossier, staff, django_capture_on_commit_callbacks, advance, balance, expected
):
    convention = generate(staff, dossier, django_capture_on_commit_callbacks)
    before = list(convention.tranches.values_list("label", "amount"))
    with pytest.raises(DomainError) as refused:
        prepare(staff, convention, advance=Decimal(advance), balance=Decimal(balance))
    assert expected.replace(" ", "\u202f") in refused.value.message.replace(" ", "\u202f")
    assert list(convention.tranches.values_list("label", "amount")) == before  # nothing half-written
    assert Milestone.objects.filter(convention=convention, label="Service ouvert").count() == 0


def test_a_milestone_outside_the_project_duration_is_refused_with_its_dates(
    dossier, staff, django_capture_on_commit_callbacks
):
    convention = generate(staff, dossier, django_capture_on_commit_callbacks)
    start = timezone.localdate() + timedelta(days=10)
    late = add_months(start, 14)
    with pytest.raises(DomainError) as refused:
        prepare(
            staff,
            convention,
            start_on=start,
            milestones=[MilestonePlan(label="Bilan", due_on=late, amount=Decimal("50000"))],
        )
    assert refused.value.message == (
        f"Jalon « Bilan » : le {late:%d/%m/%Y} est hors de la durée du projet "
        f"(du {start:%d/%m/%Y} au {add_months(start, 12):%d/%m/%Y}, soit 12 mois)."
    )
    convention.refresh_from_db()
    assert convention.start_on is None


def test_an_entry_into_force_in_the_past_is_refused(dossier, staff, django_capture_on_commit_callbacks):
    convention = generate(staff, dossier, django_capture_on_commit_callbacks)
    with pytest.raises(DomainError, match="déjà passée"):
        prepare(staff, convention, in_force_on=timezone.localdate() - timedelta(days=1))


def test_only_staff_prepare_and_only_a_draft(dossier, staff, carrier, operator, django_capture_on_commit_callbacks):
    convention = generate(staff, dossier, django_capture_on_commit_callbacks)
    for actor in (carrier, operator):
        with pytest.raises(DomainError) as refused:
            prepare(actor, convention)
        assert refused.value.code == "forbidden"
    convention = prepare(staff, convention)
    sign(
        convention,
        staff=staff,
        carrier=carrier,
        operator=operator,
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    with pytest.raises(DomainError, match="générez un avenant"):
        prepare(staff, convention)


def test_an_amendment_changes_the_milestones_once_in_force_and_keeps_their_progress(
    dossier, staff, carrier, operator, django_capture_on_commit_callbacks
):
    convention = sign(
        prepare(staff, generate(staff, dossier, django_capture_on_commit_callbacks)),
        staff=staff,
        carrier=carrier,
        operator=operator,
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    live = Milestone.objects.get(convention=convention)
    amendment = generate(staff, dossier, django_capture_on_commit_callbacks)
    assert amendment.is_amendment
    copy = Milestone.objects.get(convention=amendment)
    assert (copy.previous_id, copy.is_current) == (live.pk, False)
    # Staff move the milestone and add one; the live milestones do not change until the amendment is in force.
    later = add_months(timezone.localdate(), 5)
    preparation.convention_prepare(
        actor=staff,
        convention=amendment,
        duration_months=12,
        advance=Decimal("30000"),
        balance=Decimal("10000"),
        milestones=[
            MilestonePlan(label="Service ouvert", due_on=later, amount=Decimal("50000"), milestone_id=copy.pk),
            MilestonePlan(label="Généralisation", due_on=add_months(timezone.localdate(), 9), amount=Decimal("10000")),
        ],
    )
    live.refresh_from_db()
    assert live.due_on != later and live.is_current
    # Meanwhile the carrier declares the live milestone: the amendment carries that progress.
    followup.milestone_declare(actor=carrier, milestone=live, note="Service ouvert aux pilotes.")
    sign(
        amendment,
        staff=staff,
        carrier=carrier,
        operator=operator,
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    current = list(Milestone.objects.filter(dossier=dossier, is_current=True).order_by("order"))
    assert [(m.label, m.due_on, m.status) for m in current] == [
        ("Service ouvert", later, Milestone.Status.DECLARED),
        ("Généralisation", add_months(timezone.localdate(), 9), Milestone.Status.PLANNED),
    ]
    live.refresh_from_db()
    assert not live.is_current
    # The advance paid under v1 still counts on the amendment's advance.
    tranche = amendment.tranches.get(condition=Tranche.Condition.SIGNATURE)
    assert tranche.previous.convention_id == convention.pk


def test_a_milestone_of_a_pending_amendment_cannot_be_declared(
    dossier, staff, carrier, operator, django_capture_on_commit_callbacks
):
    sign(
        prepare(staff, generate(staff, dossier, django_capture_on_commit_callbacks)),
        staff=staff,
        carrier=carrier,
        operator=operator,
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    amendment = generate(staff, dossier, django_capture_on_commit_callbacks)
    with pytest.raises(DomainError, match="avenant qui n'est pas encore en vigueur"):
        followup.milestone_declare(actor=carrier, milestone=Milestone.objects.get(convention=amendment), note="Fait.")


def test_the_old_schedule_page_also_asks_for_the_exact_grant(dossier, staff, django_capture_on_commit_callbacks):
    convention = generate(staff, dossier, django_capture_on_commit_callbacks)
    with pytest.raises(DomainError, match="il manque"):
        followup.tranche_schedule_set(
            actor=staff,
            convention=convention,
            tranches=[{"label": "Avance", "amount": GRANT / 2, "condition": Tranche.Condition.SIGNATURE}],
        )

"""Conventions: templates, generation as versions, idempotent rendering, signature workflow."""

import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from applications.services import drafting, submission
from applications.services.workflow import dossier_transition
from applications.workflow import DossierState
from calls.models import FormDefinition, RequiredDocument
from calls.rules import load_rules
from funding import tasks
from funding.models import Convention, ConventionTemplate, Tranche
from funding.services import conventions, followup
from portal.errors import DomainError
from portal.models import AuditEvent, OutboxMessage, Role
from portal.services import outbox_send_pending, role_assign
from tests.applications.conftest import FORM_SCHEMA, complete
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.funding.conftest import GRANT
from tests.portal.factories import MembershipFactory
from tests.portal.upload_corpus import docx, pdf, upload

pytestmark = pytest.mark.django_db


def test_template_with_unknown_placeholder_is_refused_with_its_name(programme, staff):
    with pytest.raises(DomainError) as error:
        conventions.convention_template_create(
            actor=staff, programme=programme, body="<p>Montant : {{ montant_total }}</p>"
        )
    assert "montant_total" in error.value.message
    assert not ConventionTemplate.objects.exists()
    with pytest.raises(ValidationError, match="montant_total"):
        ConventionTemplate(programme=programme, body="{{montant_total}}").full_clean()


def test_templates_are_versioned(programme, staff):
    first = conventions.convention_template_create(actor=staff, programme=programme, body="<p>{{ montant }}</p>")
    second = conventions.convention_template_create(actor=staff, programme=programme, body="<p>{{ porteur }}</p>")
    assert (first.version, second.version) == (1, 2)
    assert conventions.current_template(programme) == second


def test_only_staff_generate(dossier, carrier, operator, outsider):
    for user, code in ((carrier, "forbidden"), (operator, "forbidden"), (outsider, "not_found")):
        with pytest.raises(DomainError) as error:
            conventions.convention_generate(actor=user, dossier=dossier)
        assert error.value.code == code
    assert not Convention.objects.exists()


def test_generation_moves_the_dossier_and_builds_the_schedule(dossier, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        convention = conventions.convention_generate(actor=staff, dossier=dossier)
    dossier.refresh_from_db()
    convention.refresh_from_db()
    assert dossier.state == DossierState.CONVENTION
    assert convention.version == 1 and convention.amount == GRANT
    assert convention.pdf and len(convention.sha256) == 64
    tranches = list(convention.tranches.all())
    assert [t.condition for t in tranches] == ["signature", "milestone", "milestone", "final_report"]
    assert sum(t.amount for t in tranches) == GRANT
    assert dossier.milestones.count() == 2
    assert AuditEvent.objects.filter(action="convention.generate").count() == 1


def test_rendering_task_run_twice_yields_one_version_and_one_file(dossier, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        convention = conventions.convention_generate(actor=staff, dossier=dossier)
    convention.refresh_from_db()
    first_name, first_hash = convention.pdf.name, convention.sha256
    tasks.convention_render.delay(convention.pk)
    tasks.convention_render(convention.pk)
    convention.refresh_from_db()
    assert Convention.objects.filter(dossier=dossier).count() == 1
    assert (convention.pdf.name, convention.sha256) == (first_name, first_hash)


def test_render_pending_catches_up_when_the_broker_lost_the_task(dossier, staff):
    convention = conventions.convention_generate(actor=staff, dossier=dossier)  # on_commit never runs in this test
    assert not Convention.objects.get(pk=convention.pk).pdf
    assert tasks.conventions_render_pending() == 1
    assert Convention.objects.get(pk=convention.pk).pdf
    assert tasks.conventions_render_pending() == 0


def test_pdf_text_has_parties_amount_schedule_and_indicators(
    dossier, staff, programme, django_capture_on_commit_callbacks
):
    conventions.convention_template_create(
        actor=staff, programme=programme, body="<p>Le porteur {{ porteur }} reçoit {{ montant }}.</p>"
    )
    with django_capture_on_commit_callbacks(execute=True):
        convention = conventions.convention_generate(actor=staff, dossier=dossier)
    convention.refresh_from_db()
    text = subprocess.run(
        ["pdftotext", "-layout", convention.pdf.path, "-"], capture_output=True, text=True, check=True
    ).stdout
    assert dossier.organisation.name in text
    assert programme.name in text
    assert "100 000,00" in text
    assert "Avance à la signature" in text and "30 000,00" in text
    assert "Solde sur rapport final" in text and "20 000,00" in text
    assert "Prototype en test" in text
    assert "Avancement des jalons" in text
    assert "Calendrier des rapports" in text
    assert "Publier le code source" in text
    assert f"Le porteur {dossier.organisation.name} reçoit" in text


def test_full_signature_workflow_puts_the_project_in_progress(in_force, dossier, carrier, mailoutbox):
    assert in_force.status == Convention.Status.IN_FORCE
    assert in_force.carrier_signed_by == carrier and in_force.carrier_signature == "approval"
    assert in_force.operator_signed_at is not None
    assert dossier.state == DossierState.IN_PROGRESS
    events = set(OutboxMessage.objects.values_list("event", flat=True))
    assert {"funding_convention_sent", "funding_convention_signed", "funding_convention_in_force"} <= events


def test_signature_steps_must_follow_in_order(dossier, staff, carrier, operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        convention = conventions.convention_generate(actor=staff, dossier=dossier)
    with pytest.raises(DomainError, match="impossible"):
        conventions.convention_sign_carrier(actor=carrier, convention=convention, approve=True)
    conventions.convention_send(actor=staff, convention=convention)
    with pytest.raises(DomainError, match="impossible"):
        conventions.convention_sign_operator(actor=operator, convention=convention)
    with pytest.raises(DomainError) as error:
        conventions.convention_sign_carrier(actor=operator, convention=convention, approve=True)
    assert error.value.code == "forbidden"


def test_carrier_uploads_the_signed_pdf(dossier, staff, carrier, signed_pdf, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        convention = conventions.convention_generate(actor=staff, dossier=dossier)
    conventions.convention_send(actor=staff, convention=convention)
    convention = conventions.convention_sign_carrier(actor=carrier, convention=convention, signed_file=signed_pdf())
    assert convention.status == Convention.Status.SIGNED_BY_CARRIER
    assert convention.carrier_signature == "upload" and len(convention.signed_sha256) == 64
    assert convention.signed_file.read().startswith(b"%PDF-")


def test_a_signed_file_that_is_not_a_pdf_is_refused_and_nothing_changes(
    dossier, staff, carrier, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        convention = conventions.convention_generate(actor=staff, dossier=dossier)
    conventions.convention_send(actor=staff, convention=convention)
    for bad in (upload("signee.pdf", docx()), upload("signee.docx", docx())):
        with pytest.raises(DomainError) as error:
            conventions.convention_sign_carrier(actor=carrier, convention=convention, signed_file=bad)
        assert error.value.code == "format"
    convention.refresh_from_db()
    assert convention.status == Convention.Status.SENT and not convention.signed_file


def test_regenerating_supersedes_an_unsigned_version(dossier, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = conventions.convention_generate(actor=staff, dossier=dossier)
        second = conventions.convention_generate(actor=staff, dossier=dossier)
    first.refresh_from_db()
    assert first.status == Convention.Status.SUPERSEDED
    assert second.version == 2 and second.previous is None
    assert second.tranches.count() == first.tranches.count()


def test_no_new_version_while_signing(dossier, staff, carrier, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        convention = conventions.convention_generate(actor=staff, dossier=dossier)
    conventions.convention_send(actor=staff, convention=convention)
    conventions.convention_sign_carrier(actor=carrier, convention=convention, approve=True)
    with pytest.raises(DomainError) as error:
        conventions.convention_generate(actor=staff, dossier=dossier)
    assert error.value.code == "signing"


def test_amendment_links_to_the_version_in_force_and_replaces_it_once_signed(
    in_force, dossier, staff, carrier, operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        amendment = conventions.convention_generate(actor=staff, dossier=dossier)
    assert amendment.version == 2 and amendment.previous == in_force and amendment.is_amendment
    assert list(amendment.tranches.values_list("previous", flat=True)) == list(
        in_force.tranches.values_list("pk", flat=True)
    )
    in_force.refresh_from_db()
    assert in_force.status == Convention.Status.IN_FORCE  # still the applicable text until the amendment is signed
    conventions.convention_send(actor=staff, convention=amendment)
    conventions.convention_sign_carrier(actor=carrier, convention=amendment, approve=True)
    conventions.convention_sign_operator(actor=operator, convention=amendment)
    in_force.refresh_from_db()
    assert in_force.status == Convention.Status.SUPERSEDED
    assert Convention.objects.get(pk=amendment.pk).status == Convention.Status.IN_FORCE


def test_schedule_of_a_draft_adds_up_to_the_grant(dossier, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        convention = conventions.convention_generate(actor=staff, dossier=dossier)
    before = list(convention.tranches.values_list("amount", flat=True))
    with pytest.raises(DomainError) as error:
        followup.tranche_schedule_set(
            actor=staff,
            convention=convention,
            tranches=[
                {"label": "Avance", "amount": "60000", "condition": Tranche.Condition.SIGNATURE},
                {"label": "Solde", "amount": "50000", "condition": Tranche.Condition.FINAL_REPORT},
            ],
        )
    assert error.value.code == "schedule_not_grant"
    assert "110\u202f000,00" in error.value.message and "10\u202f000,00\u202f€ de trop" in error.value.message
    assert list(convention.tranches.values_list("amount", flat=True)) == before
    with django_capture_on_commit_callbacks(execute=True):
        followup.tranche_schedule_set(
            actor=staff,
            convention=convention,
            tranches=[
                {"label": "Avance", "amount": "50000", "condition": Tranche.Condition.SIGNATURE},
                {"label": "Solde", "amount": "50000", "condition": Tranche.Condition.FINAL_REPORT},
            ],
        )
    convention.refresh_from_db()
    assert convention.tranches.count() == 2 and convention.pdf


def test_a_sent_or_signed_version_is_immutable(in_force, staff):
    before = list(in_force.tranches.values_list("label", "amount"))
    with pytest.raises(DomainError) as error:
        followup.tranche_schedule_set(
            actor=staff,
            convention=in_force,
            tranches=[{"label": "Tout", "amount": "1", "condition": Tranche.Condition.SIGNATURE}],
        )
    assert error.value.code == "immutable"
    in_force.refresh_from_db()
    assert list(in_force.tranches.values_list("label", "amount")) == before
    digest = in_force.sha256
    tasks.convention_render(in_force.pk)
    in_force.refresh_from_db()
    assert in_force.sha256 == digest


def test_broker_outage_loses_neither_the_pdf_nor_the_mails(
    dossier, staff, mailoutbox, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        convention = conventions.convention_generate(actor=staff, dossier=dossier)
    assert not Convention.objects.get(pk=convention.pk).pdf
    pending = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).count()
    assert pending >= 1 and not mailoutbox
    assert tasks.conventions_render_pending.apply().get() == 1  # what beat has the worker do, once back
    assert outbox_send_pending() == pending
    assert Convention.objects.get(pk=convention.pk).pdf and len(mailoutbox) == pending


def test_a_regenerated_amendment_still_amends_the_version_in_force(
    in_force, dossier, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first_try = conventions.convention_generate(actor=staff, dossier=dossier)
        second_try = conventions.convention_generate(actor=staff, dossier=dossier)
    first_try.refresh_from_db()
    assert first_try.status == Convention.Status.SUPERSEDED
    assert second_try.previous == in_force and second_try.version == 3
    assert list(second_try.tranches.values_list("previous", flat=True)) == list(
        in_force.tranches.values_list("pk", flat=True)
    )


def test_technical_annex_comes_from_the_frozen_submission(staff, django_capture_on_commit_callbacks):
    theme = ThemeFactory(code="ITN6", funding_rule=load_rules()["ITN6"].to_dict())
    FormDefinition.objects.create(theme=theme, version=1, status=FormDefinition.Status.PUBLISHED, schema=FORM_SCHEMA)
    RequiredDocument.objects.create(theme=theme, kind="lettre", label="Lettre", formats=["pdf"])
    session = SessionFactory(
        theme=theme, opens_at=timezone.now() - timedelta(days=1), closes_at=timezone.now() + timedelta(days=5)
    )
    member = MembershipFactory(organisation__kind="ministere")
    dossier = drafting.dossier_start(
        actor=member.user,
        session=session,
        organisation=member.organisation,
        acronym="SIMPL",
        title="Simplifier",
        summary="Résumé.",
    )
    dossier = complete(
        dossier, member.user, lambda: SimpleUploadedFile("lettre.pdf", pdf(), content_type="application/pdf")
    )
    with django_capture_on_commit_callbacks(execute=True):
        submission.dossier_submit(actor=member.user, dossier=dossier, declaration=True)
    role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=theme.call.programme)
    for name in ("mark_complete", "declare_eligible", "start_evaluation", "deliberate", "select"):
        dossier = dossier_transition(dossier=dossier, name=name, actor=staff)
    dossier.granted_amount = Decimal("30000")
    dossier.answers = {**dossier.answers, "probleme": "Modifié après le dépôt."}
    dossier.save()
    with django_capture_on_commit_callbacks(execute=True):
        convention = conventions.convention_generate(actor=staff, dossier=dossier)
    convention.refresh_from_db()
    text = subprocess.run(["pdftotext", convention.pdf.path, "-"], capture_output=True, text=True, check=True).stdout
    assert "Trop de papier." in text and "Modifié après le dépôt." not in text
    assert dossier.snapshots.get().digest[:16] in text.replace("\n", "")


def test_an_amendment_changing_the_amount_gets_a_schedule_within_it(
    in_force, dossier, staff, operator, django_capture_on_commit_callbacks
):
    advance = in_force.tranches.get(condition="signature")
    followup.payment_record(
        actor=operator, tranche=advance, paid_on=timezone.localdate(), amount=Decimal("1000"), reference="V"
    )
    dossier.granted_amount = Decimal("80000")
    dossier.save()
    with django_capture_on_commit_callbacks(execute=True):
        amendment = conventions.convention_generate(actor=staff, dossier=dossier)
    assert amendment.amount == Decimal("80000")
    assert sum(amendment.tranches.values_list("amount", flat=True)) == Decimal("80000")
    assert followup.paid_on_tranche(amendment.tranches.get(condition="signature")) == Decimal("1000")

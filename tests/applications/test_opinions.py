"""Expert opinions: asked by staff who see the dossier, answered by an expert who reads that dossier only,
shown to staff, to the jury only where staff chose, never to the applicant; reminders once per step."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from applications.models import Attachment, OpinionRequest
from applications.services import opinions, routing
from portal.errors import DomainError
from portal.models import AuditEvent, OutboxMessage, Role
from portal.services import role_assign
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import ThemeFactory
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db
ANSWER = "Le plan de financement est crédible ; la gouvernance du consortium reste à préciser."


def staff_of(programme):
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programme)
    return user


@pytest.fixture(autouse=True)
def no_mfa(settings):
    settings.PORTAL_ENFORCE_MFA = False


@pytest.fixture
def dossier():
    return DossierFactory(submitted=True, session__theme=ThemeFactory(code="ITN1"))


@pytest.fixture
def manager(dossier):
    return staff_of(dossier.theme.call.programme)


def piece_of(dossier) -> Attachment:
    piece = Attachment(
        dossier=dossier,
        kind="annexe",
        original_name=f"annexe-{dossier.pk}.pdf",
        content_type="application/pdf",
        size=4,
        sha256="0" * 64,
        uploaded_by=dossier.organisation.memberships.first().user,
    )
    piece.file.save("annexe.pdf", ContentFile(b"%PDF"), save=False)
    piece.save()
    return piece


def ask(manager, dossier, email="experte@universite.fr", visibility="staff", days=10):
    return opinions.opinion_request_create(
        actor=manager,
        dossier=dossier,
        email=email,
        question="Le budget est-il réaliste ?",
        due_at=timezone.now() + timedelta(days=days),
        visibility=visibility,
    )


def answered(manager, dossier, *, visibility="staff", email="experte@universite.fr"):
    request = ask(manager, dossier, email=email, visibility=visibility)
    expert = UserFactory(email=email)
    opinions.opinion_invitation_accept(actor=expert, token=request.token)
    opinions.opinion_interests_declare(actor=expert, request=request, has_interest=False)
    opinions.opinion_answer(actor=expert, request=request, answer=ANSWER, position="reserved")
    return OpinionRequest.objects.get(pk=request.pk), expert


def test_outside_expert_journey_through_the_pages(client, dossier, manager, pdf_file):
    piece = piece_of(dossier)
    client.force_login(manager)
    url = reverse("applications:dossier_opinions", args=[dossier.pk])
    due = (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        url, {"email": "Experte@Universite.fr", "question": "Gouvernance ?", "due_at": due, "visibility": "jury"}
    )
    assert response.status_code == 302, response.context["form"].errors
    request = OpinionRequest.objects.get()
    assert request.email == "experte@universite.fr" and request.expert is None and not request.is_colleague
    mail = OutboxMessage.objects.get(event="opinion_requested")
    assert mail.to_email == "experte@universite.fr" and request.token in mail.body and "Gouvernance" in mail.body

    expert = UserFactory(email="experte@universite.fr")
    client.force_login(expert)
    expert_url = reverse("applications:opinion_expert", args=[request.pk])
    assert client.get(expert_url).status_code == 404  # not bound yet
    response = client.post(reverse("applications:opinion_invitation", args=[request.token]))
    assert response.url == expert_url
    page = client.get(expert_url).content.decode()
    assert "Déclaration d'intérêts" in page and dossier.organisation.name in page
    piece_url = reverse("applications:opinion_document", args=[request.pk, piece.pk])
    assert client.get(piece_url).status_code == 404  # nothing before the declaration
    client.post(expert_url, {"action": "declare", "has_interest": "non"})
    page = client.get(expert_url).content.decode()
    assert "Votre avis" in page and piece.original_name in page
    assert client.get(piece_url).status_code == 200
    upload = pdf_file("note.pdf")
    response = client.post(
        expert_url, {"action": "answer", "answer": ANSWER, "position": "favourable", "files": [upload]}
    )
    assert response.status_code == 302, response.context["answer_form"].errors
    request.refresh_from_db()
    assert request.status == "answered" and request.position == "favourable" and request.attachments.count() == 1
    # Once answered the expert keeps their answer, not the dossier.
    assert client.get(piece_url).status_code == 404
    assert piece.original_name not in client.get(expert_url).content.decode()
    assert OutboxMessage.objects.filter(event="opinion_answered", to_email=manager.email).exists()

    client.force_login(manager)
    staff_page = client.get(reverse("applications:staff_dossier", args=[dossier.pk])).content.decode()
    assert ANSWER.split(";")[0] in staff_page and "note.pdf" in staff_page
    attachment = request.attachments.get()
    download = reverse("applications:opinion_attachment_staff", args=[request.pk, attachment.pk])
    assert client.get(download).status_code == 200
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"opinion.request", "opinion.invitation_accept", "opinion.no_interest", "opinion.answer"} <= actions


def test_a_colleague_is_bound_at_once_and_still_declares(client, dossier, manager):
    colleague = staff_of(dossier.theme.call.programme)
    request = ask(manager, dossier, email=colleague.email)
    assert request.expert == colleague and request.is_colleague
    assert OutboxMessage.objects.get(event="opinion_requested").recipient == colleague
    client.force_login(colleague)
    page = client.get(reverse("applications:opinion_expert", args=[request.pk])).content.decode()
    assert "Déclaration d'intérêts" in page


def test_declared_interest_closes_the_request_and_tells_staff(client, dossier, manager):
    request = ask(manager, dossier)
    expert = UserFactory(email="experte@universite.fr")
    opinions.opinion_invitation_accept(actor=expert, token=request.token)
    with pytest.raises(DomainError):
        opinions.opinion_interests_declare(actor=expert, request=request, has_interest=True, reason="")
    opinions.opinion_interests_declare(actor=expert, request=request, has_interest=True, reason="Ancienne salariée")
    request.refresh_from_db()
    assert request.status == "declined"
    assert "Ancienne salariée" in OutboxMessage.objects.get(event="opinion_declined", to_email=manager.email).body
    client.force_login(expert)
    assert client.get(reverse("applications:opinion_expert", args=[request.pk])).status_code == 404
    with pytest.raises(DomainError):
        opinions.opinion_answer(actor=expert, request=request, answer="x", position="favourable")


def test_the_expert_reaches_one_dossier_only(client, dossier, manager):
    other = DossierFactory(submitted=True, session=dossier.session)
    other_piece = piece_of(other)
    request = ask(manager, dossier)
    others_request = ask(manager, other, email="autre@expert.fr")
    expert = UserFactory(email="experte@universite.fr")
    opinions.opinion_invitation_accept(actor=expert, token=request.token)
    opinions.opinion_interests_declare(actor=expert, request=request, has_interest=False)
    client.force_login(expert)
    for url in (
        reverse("applications:opinion_expert", args=[others_request.pk]),
        reverse("applications:opinion_document", args=[request.pk, other_piece.pk]),
        reverse("applications:opinion_document", args=[others_request.pk, other_piece.pk]),
        reverse("applications:dossier_opinions", args=[dossier.pk]),
        reverse("applications:staff_dossier", args=[dossier.pk]),
        reverse("applications:opinion_cancel", args=[request.pk]),
    ):
        assert client.get(url).status_code in (403, 404), url
    # Another address cannot take someone else's invitation.
    response = client.post(reverse("applications:opinion_invitation", args=[others_request.token]))
    assert response.status_code == 302
    assert OpinionRequest.objects.get(pk=others_request.pk).expert is None
    with pytest.raises(DomainError):
        opinions.opinion_invitation_accept(actor=UserFactory(), token=request.token)


def test_cancellation_confirms_and_cuts_access(client, dossier, manager):
    piece = piece_of(dossier)
    request = ask(manager, dossier)
    expert = UserFactory(email="experte@universite.fr")
    opinions.opinion_invitation_accept(actor=expert, token=request.token)
    opinions.opinion_interests_declare(actor=expert, request=request, has_interest=False)
    client.force_login(manager)
    cancel_url = reverse("applications:opinion_cancel", args=[request.pk])
    assert "Confirmer l'annulation" in client.get(cancel_url).content.decode()
    assert OpinionRequest.objects.get(pk=request.pk).status == "open"
    client.post(cancel_url)
    assert OpinionRequest.objects.get(pk=request.pk).status == "cancelled"
    assert OutboxMessage.objects.filter(event="opinion_cancelled", to_email=expert.email).exists()
    client.force_login(expert)
    assert client.get(reverse("applications:opinion_expert", args=[request.pk])).status_code == 404
    assert client.get(reverse("applications:opinion_document", args=[request.pk, piece.pk])).status_code == 404
    with pytest.raises(DomainError):
        opinions.opinion_invitation_accept(actor=expert, token=request.token)


def test_staff_outside_the_group_cannot_ask_nor_cancel(client, dossier, manager):
    programme = dossier.theme.call.programme
    request = ask(manager, dossier)
    group = routing.instructor_group_create(actor=manager, programme=programme, name="Autre")
    outsider = staff_of(programme)
    routing.instructor_group_member_add(actor=manager, group=group, user=outsider)
    client.force_login(outsider)
    assert client.get(reverse("applications:dossier_opinions", args=[dossier.pk])).status_code == 404
    assert client.post(reverse("applications:opinion_cancel", args=[request.pk])).status_code == 404
    with pytest.raises(DomainError):
        ask(outsider, dossier, email="x@y.fr")
    with pytest.raises(DomainError):
        opinions.opinion_request_cancel(actor=outsider, request=request)


def test_request_is_checked(dossier, manager):
    with pytest.raises(DomainError) as error:
        ask(manager, dossier, days=-1)
    assert error.value.field == "due_at"
    ask(manager, dossier)
    with pytest.raises(DomainError) as error:
        ask(manager, dossier)
    assert error.value.code == "duplicate"
    with pytest.raises(DomainError):
        ask(manager, DossierFactory(session=dossier.session))  # a draft


def test_the_applicant_never_sees_an_opinion(client, dossier, manager):
    answered(manager, dossier, visibility="jury")
    applicant = dossier.organisation.memberships.first().user
    client.force_login(applicant)
    for url in (
        reverse("applications:dossier_detail", args=[dossier.pk]),
        reverse("applications:my_dossiers"),
        reverse("portal:personal_data_download"),
    ):
        content = client.get(url).content.decode()
        assert ANSWER not in content and "Le budget est-il réaliste" not in content, url
    assert client.get(reverse("applications:dossier_opinions", args=[dossier.pk])).status_code == 403


def test_reminders_once_per_step_then_overdue(dossier, manager):
    request = ask(manager, dossier, days=10)
    assert opinions.opinion_reminders_send() == 0
    now = request.due_at - timedelta(days=2)
    assert opinions.opinion_reminders_send(now=now) == 1
    assert opinions.opinion_reminders_send(now=now) == 0
    assert opinions.opinion_reminders_send(now=request.due_at - timedelta(hours=5)) == 1
    assert opinions.opinion_reminders_send(now=request.due_at - timedelta(hours=4)) == 0
    assert OutboxMessage.objects.filter(event="reminder_opinion_due", to_email=request.email).count() == 2
    late = request.due_at + timedelta(hours=1)
    assert opinions.opinion_reminders_send(now=late) == 1
    assert opinions.opinion_reminders_send(now=late) == 0
    assert OutboxMessage.objects.get(event="reminder_opinion_overdue").to_email == manager.email
    assert OpinionRequest.objects.get(pk=request.pk).reminders_sent == ["j-1", "j-3", "retard"]
    # A request answered in time hears nothing more.
    other = DossierFactory(submitted=True, session=dossier.session)
    done, _expert = answered(manager, other, email="b@expert.fr")
    assert opinions.opinion_reminders_send(now=done.due_at + timedelta(days=1)) == 0


def test_a_late_request_gets_one_reminder_not_two(dossier, manager):
    request = ask(manager, dossier, days=10)
    assert opinions.opinion_reminders_send(now=request.due_at - timedelta(hours=12)) == 1
    assert opinions.opinion_reminders_send(now=request.due_at - timedelta(hours=11)) == 0
    assert sorted(OpinionRequest.objects.get(pk=request.pk).reminders_sent) == ["j-1", "j-3"]


def test_overdue_state_and_late_answer(client, dossier, manager):
    request = ask(manager, dossier)
    OpinionRequest.objects.filter(pk=request.pk).update(due_at=timezone.now() - timedelta(hours=1))
    client.force_login(manager)
    assert "En retard" in client.get(reverse("applications:dossier_opinions", args=[dossier.pk])).content.decode()
    expert = UserFactory(email=request.email)
    opinions.opinion_invitation_accept(actor=expert, token=request.token)
    opinions.opinion_interests_declare(actor=expert, request=request, has_interest=False)
    opinions.opinion_answer(actor=expert, request=request, answer=ANSWER, position="unfavourable")
    assert OpinionRequest.objects.get(pk=request.pk).is_late


def test_an_unsafe_attachment_is_refused_in_french(client, dossier, manager):
    request = ask(manager, dossier)
    expert = UserFactory(email=request.email)
    opinions.opinion_invitation_accept(actor=expert, token=request.token)
    opinions.opinion_interests_declare(actor=expert, request=request, has_interest=False)
    client.force_login(expert)
    bad = SimpleUploadedFile("virus.exe", b"MZ\x90\x00binary", content_type="application/octet-stream")
    response = client.post(
        reverse("applications:opinion_expert", args=[request.pk]),
        {"action": "answer", "answer": ANSWER, "position": "favourable", "files": [bad]},
    )
    assert response.status_code == 200 and ANSWER in response.content.decode()  # input kept
    assert OpinionRequest.objects.get(pk=request.pk).status == "open"


def test_counts_on_lists_with_flat_queries(client, dossier, manager, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    answered(manager, dossier)
    ask(manager, dossier, email="second@expert.fr")
    client.force_login(manager)
    urls = (reverse("applications:staff_list"), reverse("applications:instruction_queue") + "?vue=a-attribuer")
    for url in urls:
        assert 'data-testid="opinion-counts">1 / 2<' in client.get(url).content.decode(), url

    def queries(url) -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured)

    before = [queries(url) for url in urls]
    for index in range(6):
        more = DossierFactory(submitted=True, session=dossier.session)
        answered(manager, more, email=f"e{index}@expert.fr")
    assert [queries(url) for url in urls] == before

"""The jury pages through the test client: permission matrix, conflicts of interest on every juror URL,
scoring, consensus, ranking and deliberation, and flat query counts."""

import html
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import Attachment, Dossier
from applications.workflow import DossierState
from juries.models import Assignment, Decision, Deliberation, Evaluation
from juries.services import conflicts, evaluation, juries
from portal.models import AuditEvent, Role
from portal.services import role_assign
from tests.calls.model_factories import ProgrammeFactory
from tests.juries.conftest import declare_all, make_dossiers, sheet
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode()).replace("\u202f", " ").replace("\xa0", " ")


@pytest.fixture
def assigned(jury, members, reviewed):
    for member in members:
        for dossier in reviewed:
            Assignment.objects.create(member=member, dossier=dossier)
    return reviewed


def attach(dossier):
    return Attachment.objects.create(
        dossier=dossier,
        kind="annexe",
        file=SimpleUploadedFile("annexe.pdf", b"%PDF-1.4 test"),
        original_name="annexe.pdf",
        content_type="application/pdf",
        size=13,
        sha256="0" * 64,
        uploaded_by=dossier.created_by,
    )


def juror_urls(jury, dossier, attachment):
    return [
        reverse("juries:score", args=[jury.pk, dossier.pk]),
        reverse("juries:document", args=[jury.pk, dossier.pk, attachment.pk]),
        reverse("juries:consensus", args=[jury.pk, dossier.pk]),
    ]


def test_conflicted_juror_gets_404_everywhere_and_the_attempt_is_audited(client, jury, members, session, staff):
    dossier = make_dossiers(session, 1)[0]
    attachment = attach(dossier)
    juries.jury_dossiers_add(actor=staff, jury=jury)
    chair = members[0]
    Assignment.objects.create(member=chair, dossier=dossier)
    conflicts.conflict_declare(
        actor=chair.user, member=chair, dossier=dossier, status="conflict", reason="Ancien service."
    )
    client.force_login(chair.user)
    for url in juror_urls(jury, dossier, attachment):
        for method in (client.get, client.post):
            before = AuditEvent.objects.filter(action="juries.conflict_access_denied").count()
            assert method(url).status_code == 404, url
            assert AuditEvent.objects.filter(action="juries.conflict_access_denied").count() == before + 1
    response = client.post(reverse("juries:declarations", args=[jury.pk]), {"dossier": dossier.pk, "status": "none"})
    assert response.status_code == 404
    for page in (reverse("juries:queue", args=[jury.pk]), reverse("juries:declarations", args=[jury.pk])):
        assert dossier.reference not in text(client.get(page))  # the chair's consensus list included
    export = b"".join(client.get(reverse("juries:juror_export", args=[jury.pk, "csv"])).streaming_content).decode()
    assert "Dossier;Acronyme" in export and dossier.reference not in export


def test_conflict_by_organisation_hides_the_dossier_and_other_jurors_scores(client, jury, members, assigned):
    chair, juror, expert = members
    dossier = assigned[0]
    evaluation.evaluation_save(
        actor=expert.user,
        assignment=Assignment.objects.get(member=expert, dossier=dossier),
        scores=sheet(),
        opinion="Avis.",
        recommendation="fund",
    )
    conflicts.conflict_declare(
        actor=juror.user, member=juror, organisation=dossier.organisation, status="conflict", reason="Mon employeur."
    )
    client.force_login(juror.user)
    assert client.get(reverse("juries:score", args=[jury.pk, dossier.pk])).status_code == 404
    assert dossier.reference not in text(client.get(reverse("juries:queue", args=[jury.pk])))


def test_undeclared_dossier_redirects_to_the_declaration(client, jury, members, session, staff):
    dossier = make_dossiers(session, 1)[0]
    attachment = attach(dossier)
    juries.jury_dossiers_add(actor=staff, jury=jury)
    Assignment.objects.create(member=members[1], dossier=dossier)
    client.force_login(members[1].user)
    for url in juror_urls(jury, dossier, attachment)[:2]:
        response = client.get(url)
        assert response.status_code == 302 and "declarations" in response["Location"]
    queue = text(client.get(reverse("juries:queue", args=[jury.pk])))
    assert "à déclarer" in queue
    response = client.post(
        reverse("juries:declarations", args=[jury.pk]), {"dossier": dossier.pk, "status": "none", "reason": ""}
    )
    assert response.status_code == 302
    assert client.get(juror_urls(jury, dossier, attachment)[1]).status_code == 200


def test_permission_matrix(client, jury, members, assigned, staff):
    dossier = assigned[0]
    juror_pages = [
        reverse("juries:my_queue"),
        reverse("juries:queue", args=[jury.pk]),
        reverse("juries:declarations", args=[jury.pk]),
        reverse("juries:score", args=[jury.pk, dossier.pk]),
    ]
    staff_pages = [
        reverse("juries:staff_list"),
        reverse("juries:staff_jury", args=[jury.pk]),
        reverse("juries:staff_ranking", args=[jury.pk]),
    ]
    for url in juror_pages + staff_pages:
        assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(UserFactory())
    for url in juror_pages + staff_pages:
        assert client.get(url).status_code == 403
    other_jury_member = UserFactory()
    other = juries.jury_create(actor=staff, call=jury.call, name="Autre jury")
    juries.member_add(actor=staff, jury=other, user=other_jury_member)
    client.force_login(other_jury_member)
    for url in juror_pages[1:]:
        assert client.get(url).status_code == 404
    for url in staff_pages:
        assert client.get(url).status_code == 403
    stranger_staff = UserFactory()
    role_assign(actor=None, user=stranger_staff, role=Role.PROGRAMME_STAFF, scope=ProgrammeFactory())
    client.force_login(stranger_staff)
    for url in staff_pages[1:]:
        assert client.get(url).status_code == 404
    client.force_login(members[1].user)  # not the chair
    assert client.get(reverse("juries:consensus", args=[jury.pk, dossier.pk])).status_code == 404
    client.force_login(staff)
    for url in staff_pages:
        assert client.get(url).status_code == 200


def score_post(leaves="4", action="save", **extra):
    data = {
        "score_A": leaves,
        "comment_A": "Clair.",
        "score_B1": "na",
        "comment_B1": "Sans équipe dédiée.",
        "score_B2": "6",
        "comment_B2": "Réaliste.",
        "opinion": "Projet utile.",
        "recommendation": "fund",
        "action": action,
    }
    data.update(extra)
    return data


def test_scoring_autosave_then_submit_then_others_visible(client, jury, members, assigned):
    chair, juror, _ = members
    dossier = assigned[0]
    url = reverse("juries:score", args=[jury.pk, dossier.pk])
    evaluation.evaluation_save(
        actor=chair.user,
        assignment=Assignment.objects.get(member=chair, dossier=dossier),
        scores=sheet(),
        opinion="Avis de la présidente.",
        recommendation="hear",
    )
    evaluation.evaluation_submit(actor=chair.user, assignment=Assignment.objects.get(member=chair, dossier=dossier))
    client.force_login(juror.user)
    page = text(client.get(url))
    assert "Grille d'évaluation" in page and "Avis de la présidente" not in page and "Autres membres" not in page
    partial = client.post(url, score_post(leaves="4.5"), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "Note pondérée" in text(partial) and "<html" not in text(partial)
    bad = client.post(url, score_post(leaves="9"), HTTP_HX_REQUEST="true")
    assert "à corriger" in text(bad)
    response = client.post(url, score_post(action="submit"))
    assert response.status_code == 302
    sheet_ = Evaluation.objects.get(assignment__member=juror, assignment__dossier=dossier)
    assert sheet_.is_submitted and sheet_.scores["B1"]["na"]
    page = text(client.get(url))
    assert "Transmise le" in page and "Évaluations des autres membres" in page


def test_submit_without_comment_shows_the_error_next_to_the_criterion(client, jury, members, assigned):
    juror = members[1]
    client.force_login(juror.user)
    url = reverse("juries:score", args=[jury.pk, assigned[0].pk])
    response = client.post(url, score_post(action="submit", comment_A=""))
    assert response.status_code == 200
    assert "Un commentaire est obligatoire." in text(response)


def test_chair_consensus_page_shows_dispersion_and_records(client, jury, members, assigned):
    chair, juror, expert = members
    dossier = assigned[0]
    for member, a in ((juror, "1"), (expert, "5")):
        assignment = Assignment.objects.get(member=member, dossier=dossier)
        evaluation.evaluation_save(
            actor=member.user, assignment=assignment, scores=sheet(a=a), opinion="Avis.", recommendation="fund"
        )
        evaluation.evaluation_submit(actor=member.user, assignment=assignment)
    client.force_login(chair.user)
    queue = text(client.get(reverse("juries:queue", args=[jury.pk])))
    assert "Présidence : consensus" in queue and queue.count("à rédiger") == 3
    url = reverse("juries:consensus", args=[jury.pk, dossier.pk])
    page = text(client.get(url))  # independent first: the chair's own sheet on this dossier is pending
    assert "transmettez d'abord votre évaluation" in page and "Divergence" not in page
    assert "Transmettez d'abord" in text(client.post(url, {**score_post(), "action": "consensus"}))
    Assignment.objects.filter(member=chair, dossier=dossier).delete()
    page = text(client.get(url))
    assert "Divergence" in page and "Écart-type" in page
    response = client.post(url, {**score_post(), "action": "consensus"})
    assert response.status_code == 302
    reopen = client.post(
        url,
        {
            "action": "reopen",
            "evaluation": Evaluation.objects.get(assignment__member=juror).pk,
            "reason": "Note A à revoir.",
        },
    )
    assert reopen.status_code == 302 and not Evaluation.objects.get(assignment__member=juror).is_submitted


def test_staff_jury_page_actions(client, jury, members, dossiers, staff):
    client.force_login(staff)
    url = reverse("juries:staff_jury", args=[jury.pk])
    client.post(url, {"action": "add_dossiers"})
    for member in members:
        declare_all(member, dossiers)
    client.post(url, {"action": "assign_auto"})
    assert Assignment.objects.count() == 6
    newcomer = UserFactory(email="nouveau@jury.gouv.fr")
    client.post(url, {"action": "add_member", "email": newcomer.email, "sector": "private"})
    assert jury.members.filter(user=newcomer).exists()
    spare = next(m for m in members if not Assignment.objects.filter(member=m, dossier=dossiers[0]).exists())
    assert (
        client.post(url, {"action": "assign_manual", "member": spare.pk, "dossier": dossiers[0].pk}).status_code == 302
    )
    assert Assignment.objects.filter(member=spare, dossier=dossiers[0]).exists()
    page = text(client.get(url))
    assert "0/2 évaluations (3 attribuées)" in page and page.count("0/2 évaluations (2 attribuées)") == 2
    assert "0/3" in page  # the member given a third dossier by hand
    assert "0/0" in page  # the newcomer
    assert "Conflits à confirmer" in page and "Aucun conflit" in page


def test_ranking_check_then_confirm_records_the_deliberation(client, jury, members, assigned, staff):
    first, second, third = assigned
    client.force_login(staff)
    url = reverse("juries:staff_ranking", args=[jury.pk])
    data = {
        "kind_%d" % first.pk: "selected",
        "amount_%d" % first.pk: "60000",
        "kind_%d" % second.pk: "selected",
        "amount_%d" % second.pk: "50000",
        "kind_%d" % third.pk: "rejected",
        "reasons_%d" % third.pk: "Impact insuffisant.",
    }
    data["idempotency_key"] = str(uuid.uuid4())
    check = text(client.post(url, {**data, "action": "check"}))
    assert "dépasse l'enveloppe" in check and "Confirmer" in check
    refused = text(client.post(url, {**data, "action": "record", "confirm": "1"}))
    assert "dérogation" in refused and not Deliberation.objects.exists()
    data["amount_%d" % second.pk] = "40000"
    data["present"] = [members[0].pk, members[1].pk]  # the expert was absent
    assert client.post(url, {**data, "action": "record", "confirm": "1"}).status_code == 302
    assert list(Deliberation.objects.get().members_present.all()) == members[:2]
    assert Dossier.objects.get(pk=first.pk).state == DossierState.SELECTED
    assert Decision.objects.get(dossier=third).reasons == "Impact insuffisant."
    assert "Délibérations enregistrées" in text(client.get(url))


def test_applicant_sees_the_decision_through_the_state_label(client, jury, members, assigned, staff):
    from juries.services.deliberation import DecisionInput, deliberation_record

    dossier, refused = assigned[0], assigned[1]
    deliberation_record(
        actor=staff,
        jury=jury,
        decisions=[
            DecisionInput(dossier.pk, "reserve"),
            DecisionInput(refused.pk, "rejected", reasons="Impact pour l'usager insuffisant."),
        ],
    )
    client.force_login(dossier.created_by)
    assert "Sur liste complémentaire" in text(client.get(f"/dossiers/{dossier.pk}/"))
    client.force_login(refused.created_by)
    page = text(client.get(f"/dossiers/{refused.pk}/"))
    assert "Non retenu" in page and "Impact pour l'usager insuffisant." in page


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_juror_queue_and_ranking_query_counts_are_flat(client, jury, members, session, staff):
    juror = members[1]
    client.force_login(juror.user)
    queue = reverse("juries:queue", args=[jury.pk])
    ranking = reverse("juries:staff_ranking", args=[jury.pk])

    def grow(count):
        new = make_dossiers(session, count)
        juries.jury_dossiers_add(actor=staff, jury=jury)
        for member in members:
            declare_all(member, new)
            for dossier in new:
                assignment = Assignment.objects.create(member=member, dossier=dossier)
                evaluation.evaluation_save(
                    actor=member.user, assignment=assignment, scores=sheet(), opinion="A.", recommendation="fund"
                )
                evaluation.evaluation_submit(actor=member.user, assignment=assignment)

    grow(1)
    few_queue = _queries(client, queue)
    client.force_login(staff)
    few_ranking = _queries(client, ranking)
    grow(9)
    client.force_login(juror.user)
    assert _queries(client, queue) == few_queue
    client.force_login(staff)
    assert _queries(client, ranking) == few_ranking


def test_ranking_cut_off_as_a_multiple_of_the_envelope(client, jury, members, session, staff):
    from decimal import Decimal

    from juries.models import JuryDossier

    make_dossiers(session, 3)
    juries.jury_dossiers_add(actor=staff, jury=jury)
    JuryDossier.objects.filter(jury=jury).update(max_amount=Decimal("60000"))  # envelope 100 k€
    client.force_login(staff)
    url = reverse("juries:staff_ranking", args=[jury.pk])
    assert text(client.get(url)).count("sous la coupure") == 1
    assert text(client.get(url, {"multiple": "2"})).count("sous la coupure") == 3


def test_staff_create_a_jury_for_a_session(client, staff, session):
    from juries.models import Jury

    client.force_login(staff)
    url = reverse("juries:staff_list")
    response = client.post(
        url,
        {
            "name": "Jury de session",
            "call": session.theme.call_id,
            "session": session.pk,
            "evaluations_per_dossier": "3",
            "divergence_threshold": "25",
        },
    )
    jury = Jury.objects.get(name="Jury de session")
    assert response.status_code == 302 and jury.theme == session.theme and jury.evaluations_per_dossier == 3
    from tests.calls.model_factories import ThemeFactory

    stranger_theme = ThemeFactory()  # another programme's: not offered
    response = client.post(
        url,
        {
            "name": "X",
            "call": session.theme.call_id,
            "theme": stranger_theme.pk,
            "evaluations_per_dossier": "2",
            "divergence_threshold": "20",
        },
    )
    assert response.status_code == 200 and not Jury.objects.filter(name="X").exists()


def test_jury_creation_offers_the_chosen_calls_sessions_searchable_by_label(client, staff, session):
    from juries.models import Jury
    from tests.calls.model_factories import CallFactory, SessionFactory, ThemeFactory

    call = session.theme.call
    elsewhere = SessionFactory(theme=ThemeFactory(call=CallFactory(programme=call.programme)), name="Session d'à côté")
    client.force_login(staff)
    url = reverse("juries:staff_list")

    # No call chosen yet: no session offered; a call chosen (the select reloads the page's scope): its own.
    def offered(response) -> str:
        page = response.content.decode()
        return page[page.index('id="id_session-options"') : page.index("</datalist>")]

    assert "<option" not in offered(client.get(url))
    scoped = offered(client.get(url, {"call": call.pk}))
    assert f'value="{session}"' in scoped and "Session d" not in scoped
    # The label typed (as the list offers it) is the session; another call's is refused, by label or id.
    form = {"name": "Jury par libellé", "call": call.pk, "evaluations_per_dossier": "2", "divergence_threshold": "20"}
    assert client.post(url, {**form, "session": str(session)}).status_code == 302
    assert Jury.objects.get(name="Jury par libellé").session == session
    for value in (str(elsewhere.pk), str(elsewhere), "n'importe quoi"):
        response = client.post(url, {**form, "name": "Refusé", "session": value})
        assert "Session introuvable" in response.content.decode()
    assert not Jury.objects.filter(name="Refusé").exists()


def test_score_page_is_read_only_after_deliberation(client, jury, members, assigned, staff):
    from juries.services.deliberation import DecisionInput, deliberation_record

    dossier = assigned[0]
    deliberation_record(actor=staff, jury=jury, decisions=[DecisionInput(dossier.pk, "reserve")])
    client.force_login(members[1].user)
    url = reverse("juries:score", args=[jury.pk, dossier.pk])
    page = text(client.get(url))
    assert "les notes sont figées" in page and "Transmettre l'évaluation" not in page
    assert "figées" in text(client.post(url, score_post(action="submit")))
    assert not Evaluation.objects.filter(assignment__dossier=dossier).exists()


def test_ranking_export_for_staff_only_with_abstentions(client, jury, members, assigned, staff):
    expert, dossier = members[2], assigned[0]
    conflicts.conflict_declare(actor=expert.user, member=expert, dossier=assigned[1], status="conflict", reason="Lien.")
    url = reverse("juries:ranking_export", args=[jury.pk, "csv"])
    client.force_login(members[0].user)
    assert client.get(url).status_code == 403
    client.force_login(staff)
    export = b"".join(client.get(url).streaming_content).decode()
    assert export.startswith("\ufeffRang;Dossier") and dossier.reference in export
    assert str(expert) in export  # the abstention on assigned[1]
    juror_export = reverse("juries:juror_export", args=[jury.pk, "csv"])
    client.force_login(expert.user)
    mine = b"".join(client.get(juror_export).streaming_content).decode()
    assert dossier.reference in mine and assigned[1].reference not in mine


def test_juror_declares_a_conflict_with_a_whole_organisation(client, jury, members, session, staff):
    from tests.portal.factories import MembershipFactory

    carrier = MembershipFactory().organisation
    theirs = make_dossiers(session, 2, organisation=carrier)
    juries.jury_dossiers_add(actor=staff, jury=jury)
    juror = members[1]
    client.force_login(juror.user)
    url = reverse("juries:declarations", args=[jury.pk])
    assert carrier.name in text(client.get(url))
    assert "Précisez le motif" in text(client.post(url, {"organisation": carrier.pk, "reason": ""}, follow=True))
    client.post(url, {"organisation": carrier.pk, "reason": "Mon ancien employeur."})
    page = text(client.get(url))
    assert all(d.reference not in page for d in theirs) and "2 dossiers déclarés en conflit" in page
    assert client.get(reverse("juries:score", args=[jury.pk, theirs[0].pk])).status_code == 404


def test_juror_queue_is_paginated(client, jury, members, session, staff, monkeypatch):
    from juries.views import juror as juror_views

    monkeypatch.setattr(juror_views, "QUEUE_PAGE_SIZE", 2)
    juror = members[1]
    dossiers = make_dossiers(session, 3)
    juries.jury_dossiers_add(actor=staff, jury=jury)
    for dossier in dossiers:
        Assignment.objects.create(member=juror, dossier=dossier)
    client.force_login(juror.user)
    url = reverse("juries:queue", args=[jury.pk])
    first, second = text(client.get(url)), text(client.get(url, {"page": 2}))
    references = sorted(d.reference for d in dossiers)
    assert "(3)" in first and "1 / 2" in first
    assert all(ref in first for ref in references[:2]) and references[2] not in first
    assert references[2] in second and references[0] not in second


def test_chair_consensus_list_has_its_own_pagination(client, jury, members, session, staff, monkeypatch):
    from juries.views import juror as juror_views

    monkeypatch.setattr(juror_views, "QUEUE_PAGE_SIZE", 2)
    chair = members[0]
    dossiers = make_dossiers(session, 3)
    juries.jury_dossiers_add(actor=staff, jury=jury)
    declare_all(chair, dossiers)
    client.force_login(chair.user)
    url = reverse("juries:queue", args=[jury.pk])
    first, second = client.get(url).context["chair_page"], client.get(url, {"presidence": 2}).context["chair_page"]
    assert first.paginator.count == 3 and len(first) == 2 and len(second) == 1
    assert "presidence=2" in text(client.get(url))

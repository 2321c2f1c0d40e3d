"""Instruction by staff: eligibility review through the workflow, evaluation start, double-funding flags."""

from decimal import Decimal

import pytest

from applications.workflow import DossierState
from calls.rules import load_rules
from calls.services.rules import theme_rule_save
from juries import selectors
from juries.models import EligibilityReview
from juries.services import instruction, juries
from portal.errors import DomainError
from tests.applications.factories import BudgetLineFactory, DossierFactory
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.portal.factories import MembershipFactory

pytestmark = pytest.mark.django_db
CHECKS = {
    code: {"ok": True, "reason": "Vérifié sur pièces."}
    for code in ("EQUIPE_INTERNE", "ENTREPRISES_INNOVANTES_50", "RESULTATS_3_MOIS")
}


@pytest.fixture
def itn6(session):
    theme = session.theme
    theme_rule_save(actor=None, theme=theme, rule=load_rules()["ITN6"])
    return theme


def submitted(session, amount=Decimal("30000")):
    dossier = DossierFactory(session=session, submitted=True)
    BudgetLineFactory(dossier=dossier, amount=amount, year=2021)
    return dossier


def test_eligible_goes_through_complete_then_eligible(staff, itn6, session):
    dossier = submitted(session)
    review = instruction.eligibility_review(actor=staff, dossier=dossier, outcome="eligible", checklist=CHECKS)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.ELIGIBLE
    assert [i["code"] for i in review.checklist] == list(CHECKS)
    assert list(dossier.state_changes.values_list("transition", flat=True)) == ["mark_complete", "declare_eligible"]


def test_a_satisfied_check_needs_no_reason(staff, itn6, session):
    dossier = submitted(session)
    review = instruction.eligibility_review(
        actor=staff, dossier=dossier, outcome="eligible", checklist=dict.fromkeys(CHECKS, {"ok": True})
    )
    assert {item["reason"] for item in review.checklist} == {""}
    assert DossierFactory._meta.model.objects.get(pk=dossier.pk).state == DossierState.ELIGIBLE


def test_an_unsatisfied_check_needs_a_reason_whatever_the_outcome(staff, itn6, session):
    dossier = submitted(session)
    for outcome in ("eligible", "ineligible"):
        with pytest.raises(DomainError, match="Motivez") as error:
            instruction.eligibility_review(
                actor=staff,
                dossier=dossier,
                outcome=outcome,
                checklist={**CHECKS, "RESULTATS_3_MOIS": {"ok": False, "reason": " "}},
                reason="Hors délai.",
            )
        assert error.value.field == "check_RESULTATS_3_MOIS"
    review = instruction.eligibility_review(
        actor=staff,
        dossier=dossier,
        outcome="ineligible",
        checklist={"RESULTATS_3_MOIS": {"ok": False, "reason": "Résultats à 12 mois."}},
        reason="Hors délai.",
    )
    assert [(i["code"], i["ok"]) for i in review.checklist] == [
        ("EQUIPE_INTERNE", None),
        ("ENTREPRISES_INNOVANTES_50", None),
        ("RESULTATS_3_MOIS", False),
    ]


def test_eligible_needs_every_check_satisfied(staff, itn6, session):
    dossier = submitted(session)
    with pytest.raises(DomainError, match="n'est pas satisfait"):
        instruction.eligibility_review(
            actor=staff,
            dossier=dossier,
            outcome="eligible",
            checklist={**CHECKS, "RESULTATS_3_MOIS": {"ok": False, "reason": "12 mois."}},
        )
    with pytest.raises(DomainError, match="n'a pas été examiné"):
        instruction.eligibility_review(
            actor=staff, dossier=dossier, outcome="eligible", checklist={"EQUIPE_INTERNE": {"ok": True}}
        )
    dossier.refresh_from_db()
    assert dossier.state == DossierState.SUBMITTED


def test_rule_violation_blocks_eligibility_ineligible_needs_a_reason(staff, itn6, session):
    dossier = submitted(session, amount=Decimal("5000"))  # below ITN6's 20 k€ minimum size
    with pytest.raises(DomainError, match="recevable"):
        instruction.eligibility_review(actor=staff, dossier=dossier, outcome="eligible", checklist=CHECKS)
    with pytest.raises(DomainError, match="motif"):
        instruction.eligibility_review(actor=staff, dossier=dossier, outcome="ineligible", checklist=CHECKS)
    instruction.eligibility_review(
        actor=staff,
        dossier=dossier,
        outcome="ineligible",
        checklist=CHECKS,
        reason="Projet sous la taille minimale du thème.",
    )
    dossier.refresh_from_db()
    assert dossier.state == DossierState.INELIGIBLE
    assert EligibilityReview.objects.get(dossier=dossier).outcome == "ineligible"


def test_only_staff_of_the_programme_review(itn6, session):
    dossier = submitted(session)
    with pytest.raises(DomainError):
        instruction.eligibility_review(
            actor=MembershipFactory().user, dossier=dossier, outcome="eligible", checklist=CHECKS
        )


def test_evaluation_start_moves_eligible_dossiers(staff, jury, session):
    eligible = DossierFactory.create_batch(2, session=session, eligible=True)
    juries.jury_dossiers_add(actor=staff, jury=jury)
    assert instruction.evaluation_start(actor=staff, jury=jury) == 2
    assert {d.state for d in type(eligible[0]).objects.filter(pk__in=[d.pk for d in eligible])} == {
        DossierState.UNDER_EVALUATION
    }


def test_double_funding_flag_same_siren_similar_title_elsewhere(session):
    carrier = MembershipFactory(organisation__siret="73282932000074").organisation
    sister = MembershipFactory(organisation__siret="73282932000116").organisation
    dossier = DossierFactory(
        session=session, organisation=carrier, acronym="DEMATAE", title="Dématérialiser les actes", submitted=True
    )
    other_theme = SessionFactory(theme=ThemeFactory())
    twin = DossierFactory(
        session=other_theme, organisation=sister, acronym="DEMAT-AE", title="Autre chose", submitted=True
    )
    DossierFactory(session=other_theme, organisation=carrier, acronym="AUTRE", title="Sans rapport", submitted=True)
    DossierFactory(session=other_theme, organisation=carrier, acronym="DEMATAE", title="Brouillon")  # draft: ignored
    flags = selectors.double_funding_flags([dossier])
    assert flags == {dossier.pk: [twin]}


def test_instruction_pages(client, staff, itn6, session):
    from django.urls import reverse

    dossier = submitted(session)
    client.force_login(staff)
    assert session.name in client.get(reverse("juries:instruction_sessions")).content.decode()
    queue = client.get(reverse("juries:instruction_queue", args=[session.pk]))
    assert dossier.reference in queue.content.decode()
    url = reverse("juries:instruction_review", args=[dossier.pk])
    # The staff dossier page leads to the review, and the review back to the dossier.
    page = client.get(reverse("applications:staff_dossier", args=[dossier.pk])).content.decode()
    assert url in page and "Examiner la recevabilité" in page
    assert "Le porteur mobilise une équipe interne" in client.get(url).content.decode()
    refused = client.post(url, {"outcome": "ineligible", "reason": "", "reason_EQUIPE_INTERNE": "Gardé"})
    assert "motif" in refused.content.decode()
    assert "Gardé" in refused.content.decode()  # the input is not lost
    data = {"outcome": "eligible", **{f"check_{c}": "ok" for c in CHECKS}}
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == reverse(
        "applications:staff_dossier", args=[dossier.pk]
    )
    dossier.refresh_from_db()
    assert dossier.state == DossierState.ELIGIBLE
    assert "Examiner la recevabilité" not in client.get(response["Location"]).content.decode()


def test_instruction_pages_deny(client, staff, itn6, session):
    from django.urls import reverse

    from portal.models import Role
    from portal.services import role_assign
    from tests.calls.model_factories import ProgrammeFactory
    from tests.portal.factories import UserFactory

    dossier = submitted(session)
    urls = [
        reverse("juries:instruction_queue", args=[session.pk]),
        reverse("juries:instruction_review", args=[dossier.pk]),
    ]
    client.force_login(MembershipFactory().user)
    for url in [reverse("juries:instruction_sessions"), *urls]:
        assert client.get(url).status_code == 403
    other = UserFactory()
    role_assign(actor=None, user=other, role=Role.PROGRAMME_STAFF, scope=ProgrammeFactory())
    client.force_login(other)
    for url in urls:
        assert client.get(url).status_code == 404


def test_instruction_queue_searches_paginates_and_exports_the_same_rows(client, staff, session, monkeypatch):
    import csv
    import io

    from django.urls import reverse

    from juries.views import instruction as instruction_views

    monkeypatch.setattr(instruction_views, "QUEUE_PAGE_SIZE", 2)
    queued = [DossierFactory(session=session, submitted=True, acronym=f"FILE{n}") for n in range(3)]
    DossierFactory(session=session, eligible=True, acronym="INSTRUIT")  # already instructed: not in the queue
    client.force_login(staff)
    url = reverse("juries:instruction_queue", args=[session.pk])
    first = client.get(url)
    assert first.context["page"].paginator.count == 3 and len(first.context["rows"]) == 2
    assert [d.pk for d, _ in client.get(url, {"page": 2}).context["rows"]] == [queued[2].pk]
    assert [d.acronym for d, _ in client.get(url, {"q": "file1"}).context["rows"]] == ["FILE1"]

    export = client.get(
        f"{reverse('applications:staff_list_export', args=['csv'])}?{first.context['export_querystring']}"
    )
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode().lstrip("\ufeff")), delimiter=";"))
    assert sorted(row[1] for row in rows[1:]) == ["FILE0", "FILE1", "FILE2"]


@pytest.mark.parametrize("count", [1, 6])
def test_instruction_queue_query_count_is_flat(client, staff, session, count):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    for number in range(count):
        dossier = DossierFactory(session=session, submitted=True)
        dossier.organisation.siret = f"130025265{number:05d}"  # one SIREN: the double-funding check compares them all
        dossier.organisation.save()
    client.force_login(staff)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("juries:instruction_queue", args=[session.pk])).status_code == 200
    assert len(queries) == QUEUE_QUERIES


# Session, user, memberships, roles, the session shown, count, page rows, double-funding candidates, and the
# privileged session's renewal (savepoint, update, release): nothing per row.
QUEUE_QUERIES = 11

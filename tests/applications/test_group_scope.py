"""Group scoping beyond the staff dossier pages: an instructor within group G2 of a programme neither sees nor
acts on a dossier routed to group G1 anywhere (services, juries, funding, dashboard, notifications), while the
programme's managers (staff in no group) do. The pages themselves are in tests/portal/test_permission_matrix.py."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Label, Message
from applications.recipients import programme_staff
from applications.selectors import managed_programme_ids, staff_sees_dossier
from applications.services import exchanges, routing
from applications.services.derogations import derogation_record
from applications.services.workflow import dossier_transition
from dashboard.selectors import dashboard_programmes
from funding.selectors import portfolio_dossiers
from funding.services import conventions
from juries.selectors import staff_juries
from juries.services import instruction, juries
from portal.errors import DomainError
from portal.models import Role
from portal.services import role_assign
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


def staff_of(programme):
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programme)
    return user


@pytest.fixture
def groups(settings):
    """Programme P: a manager in no group; G1 with its instructor and a submitted and a selected dossier routed
    to it; G2 with its instructor and a submitted dossier."""
    settings.PORTAL_ENFORCE_MFA = False
    session = SessionFactory(theme=ThemeFactory(code="GS1"))
    programme = session.theme.call.programme
    manager = staff_of(programme)
    g1 = routing.instructor_group_create(actor=manager, programme=programme, name="G1")
    g2 = routing.instructor_group_create(actor=manager, programme=programme, name="G2")
    instructor_1, instructor_2 = staff_of(programme), staff_of(programme)
    routing.instructor_group_member_add(actor=manager, group=g1, user=instructor_1)
    routing.instructor_group_member_add(actor=manager, group=g2, user=instructor_2)
    of_g1 = DossierFactory(session=session, submitted=True, requested_amount=Decimal("40000"))
    funded_g1 = DossierFactory(session=session, selected=True, granted_amount=Decimal("30000"))
    of_g2 = DossierFactory(session=session, submitted=True, requested_amount=Decimal("20000"))
    for dossier, group in ((of_g1, g1), (funded_g1, g1), (of_g2, g2)):
        routing.dossier_group_set(actor=manager, dossier=dossier, group=group)
        dossier.refresh_from_db()
    return {
        "session": session,
        "programme": programme,
        "manager": manager,
        "instructor_1": instructor_1,
        "instructor_2": instructor_2,
        "of_g1": of_g1,
        "funded_g1": funded_g1,
        "of_g2": of_g2,
    }


def test_one_answer_for_who_sees_a_dossier(groups):
    w = groups
    assert staff_sees_dossier(w["manager"], w["of_g1"]) and staff_sees_dossier(w["manager"], w["of_g2"])
    assert staff_sees_dossier(w["instructor_1"], w["of_g1"]) and not staff_sees_dossier(w["instructor_1"], w["of_g2"])
    assert staff_sees_dossier(w["instructor_2"], w["of_g2"]) and not staff_sees_dossier(w["instructor_2"], w["of_g1"])
    assert managed_programme_ids(w["manager"]) == {w["programme"].pk}
    assert managed_programme_ids(w["instructor_2"]) == frozenset()


def test_services_refuse_a_dossier_of_another_group(groups):
    """What a crafted POST would reach: every service acting on G1's dossier refuses G2's instructor."""
    w = groups
    intruder, dossier = w["instructor_2"], w["of_g1"]
    attempts = [
        lambda: dossier_transition(dossier=dossier, name="mark_complete", actor=intruder),
        lambda: instruction.eligibility_review(actor=intruder, dossier=dossier, outcome="ineligible", reason="Non."),
        lambda: derogation_record(
            actor=intruder,
            dossier=dossier,
            rate_percent=Decimal("90"),
            deciding_body="Comité",
            decided_on=datetime.date.today(),
            reason="Motif",
        ),
        lambda: exchanges.message_post(actor=intruder, dossier=dossier, body="Bonjour"),
        lambda: exchanges.complement_request_create(
            actor=intruder,
            dossier=dossier,
            points=[{"project": True, "message": "Précisez."}],
            due_at=timezone.now() + datetime.timedelta(days=5),
        ),
        lambda: conventions.convention_generate(actor=intruder, dossier=w["funded_g1"]),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError):
            attempt()
    dossier.refresh_from_db()
    assert dossier.state == "submitted"
    assert not Message.objects.filter(dossier=dossier).exists()
    assert not w["funded_g1"].conventions.exists()
    # The instructor of G1 may act on it.
    dossier_transition(dossier=dossier, name="mark_complete", actor=w["instructor_1"])


def test_lists_leave_out_another_groups_dossiers(client, groups):
    w = groups
    client.force_login(w["instructor_2"])
    for url in [
        reverse("juries:instruction_queue", args=[w["session"].pk]),
        reverse("applications:staff_list"),
        reverse("funding:portfolio"),
    ]:
        page = client.get(url).content.decode()
        assert w["of_g1"].reference not in page and w["funded_g1"].reference not in page, url
    assert w["of_g2"].reference in client.get(reverse("applications:staff_list")).content.decode()


def test_a_crafted_post_on_another_groups_dossier_is_a_404(client, groups):
    w = groups
    client.force_login(w["instructor_2"])
    dossier = w["of_g1"]
    for url, data in [
        (reverse("juries:instruction_review", args=[dossier.pk]), {"outcome": "ineligible", "reason": "Non."}),
        (reverse("applications:complement_request", args=[dossier.pk]), {"due_at": "2099-01-01"}),
        (reverse("applications:dossier_annotations", args=[dossier.pk]), {"action": "note", "body": "Intrus"}),
    ]:
        assert client.post(url, data).status_code == 404, url
    dossier.refresh_from_db()
    assert dossier.state == "submitted"


def test_juries_are_run_by_the_programmes_managers(groups):
    """A jury ranks and decides dossiers of every group: an instructor within groups finds none and may not act."""
    w = groups
    jury = juries.jury_create(
        actor=w["manager"], call=w["session"].theme.call, session=w["session"], name="Jury", evaluations_per_dossier=1
    )
    assert list(staff_juries(w["manager"])) == [jury]
    assert not staff_juries(w["instructor_2"]).exists()
    with pytest.raises(DomainError):
        juries.jury_dossiers_add(actor=w["instructor_2"], jury=jury)
    with pytest.raises(DomainError):
        juries.jury_create(actor=w["instructor_2"], call=w["session"].theme.call, session=w["session"], name="Autre")
    assert not jury.jury_dossiers.exists()


def test_dashboard_and_portfolio_count_only_the_groups_dossiers(groups):
    w = groups

    def received(user) -> int:
        (node,) = dashboard_programmes(user)
        return node.figures.received

    assert received(w["manager"]) == 3
    assert received(w["instructor_2"]) == 1
    assert received(w["instructor_1"]) == 2
    assert set(portfolio_dossiers(w["manager"])) == {w["funded_g1"]}
    assert not portfolio_dossiers(w["instructor_2"]).exists()


def test_notifications_reach_the_staff_who_see_the_dossier(groups):
    w = groups
    assert set(programme_staff(w["of_g1"])) == {w["manager"], w["instructor_1"]}
    assert set(programme_staff(w["of_g2"])) == {w["manager"], w["instructor_2"]}


def test_bulk_actions_are_all_or_nothing_within_the_actors_groups(client, groups):
    """One dossier of another group in the selection: no label, no assignment, no message, a French error."""
    w = groups
    label = Label.objects.create(programme=w["programme"], name="Prioritaire", colour="green-emeraude")
    client.force_login(w["instructor_2"])
    selection = [w["of_g2"].pk, w["of_g1"].pk]
    url = reverse("applications:bulk_action")
    for data in [
        {"action": "label_add", "label": label.pk},
        {"action": "assign", "instructor": w["instructor_2"].pk},
        {"action": "message", "body": "Réunion le 3 mars."},
    ]:
        response = client.post(url, {**data, "dossiers": selection}, follow=True)
        assert "ne sont pas dans votre périmètre" in response.content.decode(), data
    assert not label.dossiers.exists()
    w["of_g2"].refresh_from_db()
    assert w["of_g2"].instructor_id is None
    assert not Message.objects.filter(dossier_id__in=selection).exists()
    # Within his group the same actions go through.
    client.post(url, {"action": "label_add", "label": label.pk, "dossiers": [w["of_g2"].pk]})
    assert list(label.dossiers.all()) == [w["of_g2"]]

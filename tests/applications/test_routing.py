"""Instructor groups and routing: rules by theme, form answer and amount; group scoping; assignment, following,
the instructor's queue with its counts per state."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import InstructorGroupMember
from applications.selectors import dossiers_of_staff
from applications.selectors.instruction import instruction_queue, instruction_queue_counts
from applications.services import routing, submission
from portal.errors import DomainError
from portal.models import AuditEvent, Role
from portal.services import role_assign
from tests.applications.conftest import complete
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


def staff_of(programme, email=None):
    user = UserFactory(**({"email": email} if email else {}))
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programme)
    return user


@pytest.fixture
def programme_world():
    """Programme P with two themes; a manager (in no group), groups « Nord » and « Sud » with one instructor each."""
    theme_1 = ThemeFactory(code="T1")
    theme_2 = ThemeFactory(code="T2", call=theme_1.call)
    programme = theme_1.call.programme
    manager = staff_of(programme, "pilote@programme.gouv.fr")
    north = routing.instructor_group_create(actor=manager, programme=programme, name="Nord", description="Région Nord")
    south = routing.instructor_group_create(actor=manager, programme=programme, name="Sud")
    instructor_north, instructor_south = staff_of(programme), staff_of(programme)
    routing.instructor_group_member_add(actor=manager, group=north, user=instructor_north)
    routing.instructor_group_member_add(actor=manager, group=south, user=instructor_south)
    return {
        "programme": programme,
        "themes": (theme_1, theme_2),
        "sessions": (SessionFactory(theme=theme_1), SessionFactory(theme=theme_2)),
        "manager": manager,
        "north": north,
        "south": south,
        "instructor_north": instructor_north,
        "instructor_south": instructor_south,
    }


def routed(dossier):
    group = routing.dossier_route(dossier=dossier)
    return group.name if group else None


def test_routing_by_theme_first_matching_rule_wins(programme_world):
    w = programme_world
    routing.routing_rule_create(actor=w["manager"], group=w["north"], theme=w["themes"][0])
    routing.routing_rule_create(actor=w["manager"], group=w["south"], amount_min=Decimal("0"))
    assert routed(DossierFactory(session=w["sessions"][0], submitted=True, requested_amount=Decimal("10"))) == "Nord"
    assert routed(DossierFactory(session=w["sessions"][1], submitted=True, requested_amount=Decimal("10"))) == "Sud"


def test_routing_by_form_answer_ignores_case_and_reads_yes_no(programme_world):
    w = programme_world
    routing.routing_rule_create(
        actor=w["manager"], group=w["north"], answer_field="region", answer_value="hauts-de-france"
    )
    routing.routing_rule_create(actor=w["manager"], group=w["south"], answer_field="partenaires", answer_value="Oui")
    session = w["sessions"][0]
    assert routed(DossierFactory(session=session, answers={"region": " Hauts-de-France"})) == "Nord"
    assert routed(DossierFactory(session=session, answers={"region": ["Occitanie", "Hauts-de-France"]})) == "Nord"
    assert routed(DossierFactory(session=session, answers={"region": "Bretagne", "partenaires": True})) == "Sud"
    assert routed(DossierFactory(session=session, answers={"region": "Bretagne", "partenaires": False})) is None


def test_routing_by_amount_bounds(programme_world):
    w = programme_world
    routing.routing_rule_create(actor=w["manager"], group=w["north"], amount_max=Decimal("50000"))
    routing.routing_rule_create(actor=w["manager"], group=w["south"], amount_min=Decimal("50000.01"))
    session = w["sessions"][0]
    assert routed(DossierFactory(session=session, requested_amount=Decimal("50000"))) == "Nord"
    assert routed(DossierFactory(session=session, requested_amount=Decimal("80000"))) == "Sud"
    assert routed(DossierFactory(session=session, requested_amount=None)) is None


def test_a_rule_needs_a_criterion_of_its_programme(programme_world):
    w = programme_world
    with pytest.raises(DomainError, match="porte sur"):
        routing.routing_rule_create(actor=w["manager"], group=w["north"])
    with pytest.raises(DomainError, match="programme"):
        routing.routing_rule_create(actor=w["manager"], group=w["north"], theme=ThemeFactory())
    with pytest.raises(DomainError, match="pilotes"):
        routing.routing_rule_create(actor=w["instructor_north"], group=w["north"], theme=w["themes"][0])


def test_the_submission_routes_the_dossier(session, member, pdf_file, django_capture_on_commit_callbacks):
    from applications.services import drafting

    manager = staff_of(session.theme.call.programme)
    group = routing.instructor_group_create(actor=manager, programme=session.theme.call.programme, name="ITN6")
    routing.routing_rule_create(actor=manager, group=group, theme=session.theme)
    dossier = drafting.dossier_start(
        actor=member.user,
        session=session,
        organisation=member.organisation,
        acronym="R",
        title="Routé",
        summary="Résumé.",
    )
    dossier = complete(dossier, member.user, pdf_file)
    with django_capture_on_commit_callbacks(execute=True):
        submission.dossier_submit(actor=member.user, dossier=dossier, declaration=True)
    dossier.refresh_from_db()
    assert dossier.instruction_group == group
    assert AuditEvent.objects.filter(action="dossier.route", target_id=str(dossier.pk)).exists()


def test_a_group_sees_only_its_dossiers_managers_see_all(client, programme_world, settings):
    settings.PORTAL_ENFORCE_MFA = False
    w = programme_world
    north_dossier = DossierFactory(session=w["sessions"][0], submitted=True, instruction_group=w["north"])
    south_dossier = DossierFactory(session=w["sessions"][0], submitted=True, instruction_group=w["south"])
    unrouted = DossierFactory(session=w["sessions"][0], submitted=True)
    assert set(dossiers_of_staff(w["instructor_north"])) == {north_dossier}
    assert set(dossiers_of_staff(w["manager"])) == {north_dossier, south_dossier, unrouted}
    client.force_login(w["instructor_north"])
    assert client.get(reverse("applications:staff_dossier", args=[north_dossier.pk])).status_code == 200
    for name in ("applications:staff_dossier", "juries:instruction_review", "applications:complement_request"):
        assert client.get(reverse(name, args=[south_dossier.pk])).status_code == 404
    assert (
        client.post(reverse("applications:dossier_routing", args=[south_dossier.pk]), {"action": "take"}).status_code
        == 404
    )
    listed = client.get(reverse("applications:staff_list")).content.decode()
    assert north_dossier.reference in listed and south_dossier.reference not in listed
    # A steering group's members see every dossier again.
    steering = routing.instructor_group_create(
        actor=w["manager"], programme=w["programme"], name="Pilotage", sees_all=True
    )
    routing.instructor_group_member_add(actor=w["manager"], group=steering, user=w["instructor_north"])
    assert set(dossiers_of_staff(w["instructor_north"])) == {north_dossier, south_dossier, unrouted}


def test_only_managers_organise_groups(client, programme_world, settings):
    settings.PORTAL_ENFORCE_MFA = False
    w = programme_world
    groups_url = reverse("applications:instructor_groups", args=[w["programme"].pk])
    client.force_login(w["instructor_north"])
    assert client.get(groups_url).status_code == 403
    assert client.get(reverse("applications:instructor_group", args=[w["north"].pk])).status_code == 404
    other = staff_of(ThemeFactory().call.programme)
    client.force_login(other)
    assert client.get(groups_url).status_code == 404
    with pytest.raises(DomainError):
        routing.instructor_group_member_add(actor=w["manager"], group=w["north"], user=other)
    client.force_login(w["manager"])
    response = client.post(groups_url, {"name": "Outre-mer", "description": "DROM"})
    group = w["programme"].instructor_groups.get(name="Outre-mer")
    assert response["Location"] == reverse("applications:instructor_group", args=[group.pk])
    url = reverse("applications:instructor_group", args=[group.pk])
    client.post(url, {"action": "member_add", "email": w["instructor_south"].email})
    client.post(url, {"action": "rule_add", "theme": w["themes"][1].pk, "amount_min": "1000"})
    page = client.get(url).content.decode()
    assert w["instructor_south"].email in page and "thème T2" in page
    assert group.routing_rules.get().amount_min == Decimal("1000")
    member = InstructorGroupMember.objects.get(group=group)
    client.post(url, {"action": "member_remove", "member": member.pk})
    client.post(url, {"action": "rule_delete", "rule": group.routing_rules.get().pk})
    assert not group.memberships.exists() and not group.routing_rules.exists()
    assert AuditEvent.objects.filter(action__startswith="instruction.").count() >= 8


def test_assign_take_follow_and_the_queue_counts_per_state(client, programme_world, settings):
    settings.PORTAL_ENFORCE_MFA = False
    w = programme_world
    instructor = w["instructor_north"]
    first = DossierFactory(session=w["sessions"][0], submitted=True, instruction_group=w["north"])
    second = DossierFactory(session=w["sessions"][0], complete=True, instruction_group=w["north"])
    south = DossierFactory(session=w["sessions"][0], submitted=True, instruction_group=w["south"])
    with pytest.raises(DomainError, match="ne voit pas"):
        routing.dossier_assign(actor=w["manager"], dossier=south, instructor=instructor)
    with pytest.raises(DomainError):
        routing.dossier_group_set(actor=instructor, dossier=first, group=w["south"])
    assert set(instruction_queue(instructor, view="a-attribuer")) == {first, second}
    client.force_login(instructor)
    routing_url = reverse("applications:dossier_routing", args=[first.pk])
    assert client.post(routing_url, {"action": "take"}).status_code == 302
    client.force_login(w["manager"])
    client.post(
        reverse("applications:dossier_routing", args=[second.pk]), {"action": "assign", "instructor": instructor.pk}
    )
    client.post(reverse("applications:dossier_routing", args=[south.pk]), {"action": "follow"})
    assert set(instruction_queue(w["manager"], view="suivis")) == {south}
    client.force_login(instructor)
    page = client.get(reverse("applications:instruction_queue"))
    assert [d.pk for d in page.context["page"].object_list] == [first.pk, second.pk]
    assert ("submitted", "Déposé", 1) in page.context["states"] and ("complete", "Complet", 1) in page.context["states"]
    only_complete = client.get(reverse("applications:instruction_queue"), {"statut": "complete"})
    assert [d.pk for d in only_complete.context["page"].object_list] == [second.pk]
    assert instruction_queue_counts(instruction_queue(instructor)) == {"submitted": 1, "complete": 1}
    # The manager moves the dossier to the south group: its north instructor is unassigned.
    routing.dossier_group_set(actor=w["manager"], dossier=second, group=w["south"])
    second.refresh_from_db()
    assert second.instructor is None and second.instruction_group == w["south"]


def test_queue_denies_non_staff(client):
    client.force_login(UserFactory())
    assert client.get(reverse("applications:instruction_queue")).status_code == 403


@pytest.mark.parametrize("count", [1, 8])
def test_queue_query_count_is_flat(client, programme_world, settings, count):
    settings.PORTAL_ENFORCE_MFA = False
    w = programme_world
    for _ in range(count):
        DossierFactory(
            session=w["sessions"][0], submitted=True, instruction_group=w["north"], instructor=w["instructor_north"]
        )
    client.force_login(w["instructor_north"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("applications:instruction_queue"))
    assert response.status_code == 200 and len(response.context["page"].object_list) == count
    assert len(queries) == QUEUE_QUERIES, "\n".join(q["sql"] for q in queries.captured_queries)


# Session, user, memberships, roles, counts per state, page count, page rows, the user's programmes and
# the programmes they manage (one query, for the « Organiser l'instruction » links), and the
# privileged session's renewal (savepoint, update, release): nothing per row.
QUEUE_QUERIES = 12


def test_managers_reorder_rules_which_changes_the_group_a_dossier_goes_to(client, programme_world, settings):
    settings.PORTAL_ENFORCE_MFA = False
    w = programme_world
    by_theme = routing.routing_rule_create(actor=w["manager"], group=w["north"], theme=w["themes"][0])
    by_amount = routing.routing_rule_create(actor=w["manager"], group=w["south"], amount_min=Decimal("1000"))
    session = w["sessions"][0]
    assert routed(DossierFactory(session=session, requested_amount=Decimal("5000"))) == "Nord"
    url = reverse("applications:instructor_groups", args=[w["programme"].pk])
    client.force_login(w["instructor_north"])
    assert client.post(url, {"action": "rule_move", "rule": by_amount.pk, "direction": "up"}).status_code == 403
    client.force_login(w["manager"])
    page = client.get(url).content.decode()
    assert "Ordre des règles d'orientation" in page and f'id="regle-{by_amount.pk}"' in page
    response = client.post(url, {"action": "rule_move", "rule": by_amount.pk, "direction": "up"})
    assert response.status_code == 302 and response["Location"].endswith(f"#regle-{by_amount.pk}")
    by_theme.refresh_from_db()
    by_amount.refresh_from_db()
    assert (by_amount.position, by_theme.position) == (1, 2)
    assert routed(DossierFactory(session=session, requested_amount=Decimal("5000"))) == "Sud"
    assert AuditEvent.objects.filter(action="instruction.routing_rule_move", actor=w["manager"]).count() == 1
    # Already first: nothing moves, nothing is audited; a rule of another programme is not found.
    client.post(url, {"action": "rule_move", "rule": by_amount.pk, "direction": "up"})
    assert AuditEvent.objects.filter(action="instruction.routing_rule_move").count() == 1
    other = ThemeFactory()
    other_manager = staff_of(other.call.programme)
    other_group = routing.instructor_group_create(actor=other_manager, programme=other.call.programme, name="X")
    foreign = routing.routing_rule_create(actor=other_manager, group=other_group, theme=other)
    assert client.post(url, {"action": "rule_move", "rule": foreign.pk, "direction": "up"}).status_code == 404
    assert client.post(url, {"action": "rule_move", "rule": "abc", "direction": "up"}).status_code == 404

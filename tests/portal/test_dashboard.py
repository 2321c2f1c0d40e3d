"""Programme dashboard: figures per programme, theme and session, drill-downs, permissions, queries."""

import html
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse
from django.utils import timezone

import portal.urls
from applications.workflow import DossierState
from portal.dashboard import dashboard_programmes, staff_list_url
from portal.models import Role
from portal.services import role_assign
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import CallFactory, ProgrammeFactory, SessionFactory, ThemeFactory
from tests.portal.factories import UserFactory

# The lead mounts portal.urls_dashboard in portal.urls; until then the tests mount it here.
urlpatterns = [
    *(pattern for pattern in portal.urls.urlpatterns if getattr(pattern, "namespace", None) != "dashboard"),
    path("gestion/tableau-de-bord/", include("portal.urls_dashboard", namespace="dashboard")),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def staff_of(programme):
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programme)
    return user


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def programme():
    return ProgrammeFactory(name="France Relance TNE", total_envelope=Decimal("1000000"))


@pytest.fixture
def theme(programme):
    return ThemeFactory(call=CallFactory(programme=programme, title="Appel TNE"), code="ITN6", title="Services",
                        envelope=Decimal("400000"))


@pytest.fixture
def session(theme):
    return SessionFactory(theme=theme, name="Session de mars", envelope=Decimal("200000"),
                          closes_at=timezone.now() + timedelta(days=10))


@pytest.fixture
def dossiers(session):
    DossierFactory(session=session, requested_amount=Decimal("5000"))  # a draft: not requested yet
    DossierFactory(session=session, submitted=True, requested_amount=Decimal("30000"))
    DossierFactory(session=session, selected=True, requested_amount=Decimal("60000"), granted_amount=Decimal("50000"))
    DossierFactory(session=session, state=DossierState.REJECTED, requested_amount=Decimal("10000"))


def test_figures_roll_up_from_sessions_to_programme(programme, theme, session, dossiers):
    later = SessionFactory(theme=theme, name="Session de juin", envelope=Decimal("200000"),
                           closes_at=timezone.now() + timedelta(days=90))
    DossierFactory(session=later, state=DossierState.IN_PROGRESS, requested_amount=Decimal("20000"),
                   granted_amount=Decimal("20000"))
    [node] = dashboard_programmes(staff_of(programme))
    assert node.figures.envelope == Decimal("1000000")
    assert node.figures.requested == Decimal("120000")  # drafts left out
    assert node.figures.granted == Decimal("70000")  # selected and in progress
    assert node.figures.received == 4 and node.figures.total == 5
    assert node.figures.granted_percent == 7
    [theme_node] = node.themes
    assert theme_node.figures.envelope == Decimal("400000") and theme_node.figures.granted == Decimal("70000")
    first, second = theme_node.sessions
    assert first.figures.granted == Decimal("50000") and second.figures.granted == Decimal("20000")
    assert [deadline.session for deadline in node.deadlines] == [session]  # June is beyond 30 days
    funnel = {bar.state: bar.count for bar in node.funnel()}
    assert funnel["draft"] == 1 and funnel["submitted"] == 1 and funnel["selected"] == 1 and funnel["closed"] == 0
    assert [bar.state for bar in node.off_path()] == ["rejected"]


def test_dashboard_page_shows_figures_charts_and_drill_downs(client, programme, theme, session, dossiers):
    client.force_login(staff_of(programme))
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    content = text(response)
    assert "France Relance TNE" in content and "Session de mars" in content
    assert "50\u202f000,00\u202f€" in content  # granted
    assert "Parcours des dossiers" in content and "<caption>" in content  # each chart is a table
    assert 'aria-hidden="true"' in content
    for url in (
        staff_list_url(programme=programme.pk, statut="selected"),
        staff_list_url(programme=programme.pk, theme=theme.pk),
        staff_list_url(session=session.pk),
        staff_list_url(session=session.pk, statut="draft"),
    ):
        assert f'href="{url}"' in response.content.decode().replace("&amp;", "&")


def test_drill_down_link_opens_the_filtered_list(client, programme, session, dossiers):
    client.force_login(staff_of(programme))
    response = client.get(staff_list_url(programme=programme.pk, statut="selected"))
    assert response.status_code == 200
    assert [dossier.state for dossier in response.context["rows"]] == ["selected"]


def test_staff_sees_only_their_programmes(client, programme, dossiers):
    other = ProgrammeFactory(name="Programme voisin")
    DossierFactory(session=SessionFactory(theme=ThemeFactory(call=CallFactory(programme=other))), submitted=True)
    client.force_login(staff_of(programme))
    content = text(client.get(reverse("dashboard:index")))
    assert "France Relance TNE" in content and "Programme voisin" not in content
    assert client.get(reverse("dashboard:programme", args=[other.pk])).status_code == 404
    assert client.get(reverse("dashboard:programme", args=[programme.pk])).status_code == 200


def test_admin_sees_every_programme(client, programme):
    ProgrammeFactory(name="Programme voisin")
    admin = UserFactory()
    role_assign(actor=None, user=admin, role=Role.ADMIN)
    client.force_login(admin)
    content = text(client.get(reverse("dashboard:index")))
    assert "France Relance TNE" in content and "Programme voisin" in content


def test_dashboard_requires_a_staff_role(client, dossiers):
    client.force_login(UserFactory())
    assert client.get(reverse("dashboard:index")).status_code == 403
    client.logout()
    assert client.get(reverse("dashboard:index")).status_code == 302


def test_query_count_does_not_grow_with_dossiers_sessions_or_themes(client, programme, theme, session, dossiers):
    client.force_login(staff_of(programme))

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("dashboard:index")).status_code == 200
        return len(context)

    queries()  # the first page of a privileged session renews its expiry (a session write)
    few = queries()
    for _ in range(3):
        other_session = SessionFactory(theme=ThemeFactory(call=theme.call), closes_at=timezone.now() + timedelta(days=5))
        for state in ("submitted", "selected", "rejected"):
            DossierFactory(session=other_session, state=state, requested_amount=Decimal("1000"))
    assert queries() == few

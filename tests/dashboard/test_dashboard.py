"""Programme dashboard: figures per programme, theme and session, drill-downs, permissions, queries."""

import html
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.workflow import DossierState
from dashboard.selectors import dashboard_programmes, portfolio_url, staff_list_url
from funding.models import Convention, IndicatorReport, Milestone, Payment, Tranche
from funding.selectors import report_calendar
from juries.models import Assignment, Evaluation, Jury, JuryMember
from portal.models import Role
from portal.services import role_assign
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import CallFactory, ProgrammeFactory, SessionFactory, ThemeFactory
from tests.portal.factories import UserFactory

# The lead mounts portal.urls_dashboard in portal.urls; until then the tests mount it here.
pytestmark = pytest.mark.django_db


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
    return ThemeFactory(
        call=CallFactory(programme=programme, title="Appel TNE"),
        code="ITN6",
        title="Services",
        envelope=Decimal("400000"),
    )


@pytest.fixture
def session(theme):
    return SessionFactory(
        theme=theme, name="Session de mars", envelope=Decimal("200000"), closes_at=timezone.now() + timedelta(days=10)
    )


@pytest.fixture
def dossiers(session):
    DossierFactory(session=session, requested_amount=Decimal("5000"))  # a draft: not requested yet
    DossierFactory(session=session, submitted=True, requested_amount=Decimal("30000"))
    DossierFactory(session=session, selected=True, requested_amount=Decimal("60000"), granted_amount=Decimal("50000"))
    DossierFactory(session=session, state=DossierState.REJECTED, requested_amount=Decimal("10000"))


Status = Convention.Status


def project(session, *, granted, statuses=(Status.IN_FORCE,), payments=(), state=DossierState.IN_PROGRESS, **fields):
    """A funded dossier with convention versions of the given statuses (oldest first) and payments on v1."""
    dossier = DossierFactory(session=session, state=state, requested_amount=granted, granted_amount=granted, **fields)
    conventions = [
        Convention.objects.create(
            dossier=dossier,
            version=version,
            status=status,
            amount=granted,
            start_on=timezone.localdate() - timedelta(days=100),
            in_force_at=timezone.now() - timedelta(days=100) if status == Status.IN_FORCE else None,
        )
        for version, status in enumerate(statuses, start=1)
    ]
    if payments:
        tranche = Tranche.objects.create(
            convention=conventions[0], label="Avance", amount=granted, condition="signature"
        )
        for amount in payments:
            Payment.objects.create(
                tranche=tranche,
                paid_on=timezone.localdate(),
                amount=Decimal(amount),
                reference=f"VIR-{dossier.pk}-{amount}",
                recorded_by=dossier.created_by,
            )
    return dossier


def late_jury(session, *, name="Jury de mars", late=2):
    """A jury whose deadline passed: `late` assignments without a submitted evaluation, one submitted, one not due."""
    jury = Jury.objects.create(
        programme=session.theme.call.programme,
        call=session.theme.call,
        session=session,
        name=name,
        due_at=timezone.now() - timedelta(days=2),
    )
    member = JuryMember.objects.create(jury=jury, user=UserFactory())
    for _ in range(late):
        Assignment.objects.create(member=member, dossier=DossierFactory(session=session, under_evaluation=True))
    done = Assignment.objects.create(member=member, dossier=DossierFactory(session=session, under_evaluation=True))
    Evaluation.objects.create(assignment=done, submitted_at=timezone.now() - timedelta(days=3))
    Assignment.objects.create(
        member=member,
        dossier=DossierFactory(session=session, under_evaluation=True),
        due_at=timezone.now() + timedelta(days=5),
    )  # its own, later deadline
    withdrawn = JuryMember.objects.create(jury=jury, user=UserFactory(), withdrawn_at=timezone.now())
    Assignment.objects.create(member=withdrawn, dossier=DossierFactory(session=session, under_evaluation=True))
    return jury


def late_milestones(dossier, *, late=1):
    today = timezone.localdate()
    for order in range(late):
        Milestone.objects.create(dossier=dossier, order=order, label=f"Jalon {order}", due_on=today - timedelta(days=3))
    Milestone.objects.create(
        dossier=dossier, order=10, label="Validé", due_on=today - timedelta(days=3), status=Milestone.Status.VALIDATED
    )
    Milestone.objects.create(
        dossier=dossier, order=11, label="Déclaré", due_on=today - timedelta(days=3), status=Milestone.Status.DECLARED
    )
    Milestone.objects.create(dossier=dossier, order=12, label="À venir", due_on=today + timedelta(days=3))


def test_figures_roll_up_from_sessions_to_programme(programme, theme, session, dossiers):
    later = SessionFactory(
        theme=theme, name="Session de juin", envelope=Decimal("200000"), closes_at=timezone.now() + timedelta(days=90)
    )
    DossierFactory(
        session=later,
        state=DossierState.IN_PROGRESS,
        requested_amount=Decimal("20000"),
        granted_amount=Decimal("20000"),
    )
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
    theme.indicators = [{"label": "Usagers servis", "frequency": "monthly"}]
    theme.save()
    for index in range(3):
        other_session = SessionFactory(
            theme=ThemeFactory(call=theme.call), closes_at=timezone.now() + timedelta(days=5)
        )
        for state in ("submitted", "selected", "rejected"):
            DossierFactory(session=other_session, state=state, requested_amount=Decimal("1000"))
        # Funded projects with payments, late milestones and reports, and a jury late on its evaluations.
        late_milestones(project(session, granted=Decimal("5000"), payments=("1000", "500")), late=2)
        project(
            other_session, granted=Decimal("3000"), statuses=(Status.SIGNED_BY_CARRIER,), state=DossierState.CONVENTION
        )
        late_jury(other_session, name=f"Jury {index}")
    [node] = dashboard_programmes(staff_of(programme))
    assert node.late.evaluation_count == 6 and node.late.milestone_count == 6 and node.late.report_count > 0
    assert node.figures.paid == Decimal("4500")
    assert queries() == few


def test_committed_and_paid_roll_up_from_sessions_to_programme(programme, theme, session):
    later = SessionFactory(theme=theme, name="Session de juin", closes_at=timezone.now() + timedelta(days=90))
    project(session, granted=Decimal("50000"), payments=("10000", "5000"))
    project(session, granted=Decimal("20000"), statuses=(Status.SENT,), state=DossierState.CONVENTION)  # not signed yet
    project(later, granted=Decimal("30000"), statuses=(Status.SIGNED_BY_CARRIER,), state=DossierState.CONVENTION)
    # An amendment being drafted keeps the grant committed by the version in force.
    project(later, granted=Decimal("8000"), statuses=(Status.IN_FORCE, Status.DRAFT), payments=("2000",))
    project(later, granted=Decimal("9000"), statuses=(Status.SIGNED_BY_OPERATOR,), state=DossierState.CONVENTION)
    [node] = dashboard_programmes(staff_of(programme))
    assert node.figures.committed == Decimal("97000") and node.figures.paid == Decimal("17000")
    assert node.figures.committed_percent == 10 and node.figures.paid_percent == 2
    [theme_node] = node.themes
    assert (theme_node.figures.committed, theme_node.figures.paid) == (Decimal("97000"), Decimal("17000"))
    first, second = theme_node.sessions
    assert (first.figures.committed, first.figures.paid) == (Decimal("50000"), Decimal("15000"))
    assert (second.figures.committed, second.figures.paid) == (Decimal("47000"), Decimal("2000"))


def test_committed_link_opens_the_portfolio_of_signed_conventions(client, programme, session):
    signed = project(session, granted=Decimal("50000"))
    project(session, granted=Decimal("20000"), statuses=(Status.SENT,), state=DossierState.CONVENTION)
    client.force_login(staff_of(programme))
    page = client.get(reverse("dashboard:index")).content.decode().replace("&amp;", "&")
    url = portfolio_url(programme=programme.pk, convention="signed")
    assert f'href="{url}"' in page and f'href="{portfolio_url(programme=programme.pk)}"' in page
    assert [row.pk for row in client.get(url).context["rows"]] == [signed.pk]


def test_theme_and_session_amounts_open_the_portfolio_rows_behind_them(client, programme, theme, session):
    first = project(session, granted=Decimal("50000"))
    project(SessionFactory(theme=theme), granted=Decimal("20000"))
    client.force_login(staff_of(programme))
    page = client.get(reverse("dashboard:index")).content.decode().replace("&amp;", "&")
    for url in (portfolio_url(session=session.pk, convention="signed"), portfolio_url(session=session.pk)):
        assert f'href="{url}"' in page
        assert [row.pk for row in client.get(url).context["rows"]] == [first.pk]
    assert len(client.get(portfolio_url(theme=theme.pk, convention="signed")).context["rows"]) == 2


def test_late_panel_counts_evaluations_reports_and_milestones(client, programme, theme, session):
    theme.indicators = [{"label": "Usagers servis", "frequency": "monthly"}]
    theme.save()
    jury = late_jury(session)
    running = project(session, granted=Decimal("50000"), acronym="SUIVI")
    late_milestones(running, late=2)
    convention = running.conventions.get()
    filed = report_calendar(running, convention)[0]
    IndicatorReport.objects.create(
        dossier=running,
        period_start=filed["start"],
        period_end=filed["end"],
        due_on=filed["due_on"],
        submitted_at=timezone.now(),
        submitted_by=running.created_by,
    )
    overdue = sum(1 for item in report_calendar(running, convention) if item["overdue"])
    assert overdue >= 2
    closed = project(session, granted=Decimal("1000"), state=DossierState.CLOSED)  # finished: nothing is late any more
    late_milestones(closed)
    [node] = dashboard_programmes(staff_of(programme))
    late = node.late
    assert [(line.label, line.count) for line in late.evaluations] == [("Jury de mars", 2)]
    assert [(line.label, line.count) for line in late.milestones] == [(f"{running.reference} — SUIVI", 2)]
    assert [(line.label, line.count) for line in late.reports] == [(f"{running.reference} — SUIVI", overdue)]
    assert late.total == 4 + overdue

    client.force_login(staff_of(programme))
    page = client.get(reverse("dashboard:index")).content.decode()
    page = html.unescape(page)
    for caption in (
        "Évaluations dont la date limite est passée, par jury",
        "Rapports d'indicateurs en retard, par projet",
        "Jalons échus et non déclarés (ou refusés), par projet",
    ):  # each count in a table of its own
        assert caption in page
    assert f'href="#late-reports-{programme.pk}"' in page and f'id="late-reports-{programme.pk}"' in page
    for url in (
        reverse("juries:staff_jury", args=[jury.pk]),
        reverse("funding:convention", args=[running.pk]),
        reverse("funding:reports", args=[running.pk]),
    ):
        assert f'href="{url}"' in page


def test_staff_of_another_programme_never_sees_its_money_or_late_items(client, programme, session, dossiers):
    other = ProgrammeFactory(name="Programme voisin")
    other_session = SessionFactory(theme=ThemeFactory(call=CallFactory(programme=other)))
    late_jury(other_session, name="Jury voisin")
    late_milestones(project(other_session, granted=Decimal("70000"), payments=("12345",), acronym="VOISIN"))
    [node] = dashboard_programmes(staff_of(programme))
    assert node.figures.committed == 0 and node.figures.paid == 0 and node.late.total == 0
    client.force_login(staff_of(programme))
    page = text(client.get(reverse("dashboard:index")))
    assert "Jury voisin" not in page and "VOISIN" not in page and "12\u202f345" not in page
    assert "Rien n'est en retard." in page

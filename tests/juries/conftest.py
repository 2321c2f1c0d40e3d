"""A jury of one session, with a grid that has sub-criteria, three members and dossiers under evaluation."""

from decimal import Decimal

import pytest

from applications.workflow import DossierState
from calls.models import Criterion
from juries.models import ConflictDeclaration
from juries.services import conflicts, juries
from portal.models import Role
from portal.services import role_assign
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.portal.factories import UserFactory


@pytest.fixture
def theme(db):
    theme = ThemeFactory(code="ITN9", tie_break=["B", "A"])
    a = Criterion.objects.create(
        theme=theme,
        code="A",
        label="Intérêt pour l'usager",
        weight=Decimal("2"),
        scale_min=0,
        scale_max=5,
        step=Decimal("0.5"),
        threshold=Decimal("2"),
        order=1,
        level_descriptions={"0": "Absent", "5": "Remarquable"},
    )
    b = Criterion.objects.create(theme=theme, code="B", label="Faisabilité", weight=Decimal("1"), scale_max=10, order=2)
    Criterion.objects.create(
        theme=theme, parent=b, code="B1", label="Équipe", weight=1, scale_max=10, allows_not_applicable=True, order=1
    )
    Criterion.objects.create(theme=theme, parent=b, code="B2", label="Calendrier", weight=3, scale_max=10, order=2)
    assert a.pk
    return theme


@pytest.fixture
def session(theme):
    return SessionFactory(theme=theme, envelope=Decimal("100000"))


@pytest.fixture
def programme(theme):
    return theme.call.programme


@pytest.fixture
def staff(programme):
    user = UserFactory(email="instructrice@programme.gouv.fr")
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programme)
    return user


@pytest.fixture
def jury(staff, session):
    return juries.jury_create(
        actor=staff,
        call=session.theme.call,
        theme=session.theme,
        session=session,
        name="Jury ITN9",
        evaluations_per_dossier=2,
    )


@pytest.fixture
def members(staff, jury):
    chair = juries.member_add(actor=staff, jury=jury, user=UserFactory(email="presidente@jury.gouv.fr"), is_chair=True)
    public = juries.member_add(actor=staff, jury=jury, user=UserFactory(email="jure@jury.gouv.fr"))
    private = juries.member_add(
        actor=staff, jury=jury, user=UserFactory(email="experte@prive.fr"), is_external=True, sector="private"
    )
    return [chair, public, private]


def make_dossiers(session, count, **kwargs):
    return DossierFactory.create_batch(count, session=session, state=DossierState.UNDER_EVALUATION, **kwargs)


@pytest.fixture
def dossiers(session):
    return make_dossiers(session, 3)


@pytest.fixture
def reviewed(staff, jury, members, dossiers):
    """The three dossiers before the jury, every member having declared no conflict."""
    juries.jury_dossiers_add(actor=staff, jury=jury)
    for member in members:
        declare_all(member, dossiers)
    return dossiers


def declare_all(member, dossiers, status=ConflictDeclaration.Status.NONE):
    for dossier in dossiers:
        conflicts.conflict_declare(
            actor=member.user,
            member=member,
            dossier=dossier,
            status=status,
            reason="Aucun lien." if status == "none" else "Ancien employeur.",
        )


def sheet(a="4", b1="8", b2="6", comment="Argumenté.", b1_na=False):
    return {
        "A": {"score": a, "comment": comment},
        "B1": {"score": None if b1_na else b1, "na": b1_na, "comment": comment},
        "B2": {"score": b2, "comment": comment},
    }

"""Totals kept per session and state (SessionStateTotal, database triggers) equal a full recount after any
sequence of writes, and the staff list and public figures read them."""

import random
from decimal import Decimal

import pytest

from applications import selectors
from applications.models import Dossier
from applications.workflow import TO_INSTRUCT_FILTER, DossierState
from portal.models import Role
from portal.services import role_assign
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db

STATES = [DossierState.DRAFT, DossierState.SUBMITTED, DossierState.ELIGIBLE, DossierState.SELECTED, "rejected"]


def amount(rng: random.Random) -> Decimal | None:
    return None if rng.random() < 0.3 else Decimal(rng.randint(0, 10_000_000)) / 100


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kept_totals_equal_a_recount_after_random_writes(seed):
    rng = random.Random(seed)
    theme = ThemeFactory()
    sessions = [SessionFactory(theme=theme) for _ in range(3)]
    for step in range(60):
        dossiers = list(Dossier.objects.values_list("pk", flat=True))
        operation = rng.choice(["create", "create", "state", "requested", "granted", "move", "delete", "bulk", "save"])
        if operation == "create" or not dossiers:
            DossierFactory(
                session=rng.choice(sessions),
                state=rng.choice(STATES),
                requested_amount=amount(rng),
                granted_amount=amount(rng),
            )
        elif operation == "bulk":
            template = Dossier.objects.get(pk=rng.choice(dossiers))
            Dossier.objects.bulk_create(
                [
                    Dossier(
                        reference=f"BULK-{seed}-{step}-{index}",
                        organisation_id=template.organisation_id,
                        theme_id=template.theme_id,
                        session=rng.choice(sessions),
                        acronym="BULK",
                        title="Import en masse",
                        state=rng.choice(STATES),
                        requested_amount=amount(rng),
                        created_by_id=template.created_by_id,
                    )
                    for index in range(rng.randint(1, 4))
                ]
            )
        elif operation == "delete":
            Dossier.objects.filter(pk=rng.choice(dossiers)).delete()
        elif operation == "save":  # a full save() rewrites every column, changed or not
            dossier = Dossier.objects.get(pk=rng.choice(dossiers))
            dossier.state = rng.choice(STATES)
            dossier.save()
        else:
            field = {"state": "state", "requested": "requested_amount", "granted": "granted_amount", "move": "session"}
            value = {
                "state": lambda: rng.choice(STATES),
                "requested": lambda: amount(rng),
                "granted": lambda: amount(rng),
                "move": lambda: rng.choice(sessions),
            }[operation]()
            Dossier.objects.filter(pk__in=rng.sample(dossiers, min(len(dossiers), 3))).update(
                **{field[operation]: value}
            )
        assert selectors.totals_kept() == selectors.totals_recount(), (step, operation)


@pytest.fixture
def staff_and_dossiers():
    theme = ThemeFactory()
    other = ThemeFactory()  # another programme: outside the staff member's scope
    sessions = [SessionFactory(theme=theme), SessionFactory(theme=theme)]
    rng = random.Random(7)
    for _ in range(25):
        DossierFactory(session=rng.choice(sessions), state=rng.choice(STATES), requested_amount=amount(rng))
    DossierFactory(session=SessionFactory(theme=other), state=DossierState.SUBMITTED, requested_amount=Decimal("5"))
    staff = UserFactory()
    role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=theme.call.programme)
    return staff, theme, sessions


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"include_drafts": True},
        {"state": DossierState.DRAFT},
        {"state": DossierState.SELECTED},
        {"state": TO_INSTRUCT_FILTER},
        {"session": 0},
        {"theme": True},
        {"query": "zzz"},
    ],
)
def test_staff_list_totals_equal_the_lists_own_count(staff_and_dossiers, filters):
    staff, theme, sessions = staff_and_dossiers
    filters = dict(filters)
    if "session" in filters:
        filters["session_id"] = sessions[filters.pop("session")].pk
    if filters.pop("theme", None):
        filters["theme_id"] = theme.pk
    dossiers = selectors.staff_dossier_list(staff, **filters)
    assert selectors.staff_list_totals(staff, dossiers, **filters) == selectors.dossier_list_totals(dossiers)


def test_call_statistics_read_the_kept_totals(staff_and_dossiers, django_assert_num_queries):
    _staff, theme, _sessions = staff_and_dossiers
    dossiers = Dossier.objects.filter(theme=theme)
    laureates = dossiers.filter(state__in=selectors.LAUREATE_STATES)
    with django_assert_num_queries(1):
        figures = selectors.call_statistics(call=theme.call)
    assert figures == {
        "received": dossiers.exclude(state="draft").count(),
        "selected": laureates.count(),
        "granted": sum((d.granted_amount or 0 for d in laureates), Decimal("0")),
    }

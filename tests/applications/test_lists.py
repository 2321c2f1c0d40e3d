"""The dossier lists: scoping, filters, sort, amounts, and query budgets that do not grow with rows."""

import html
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import ComplementRequest, Dossier
from applications.workflow import DossierState
from portal.fields import AmountInputField
from portal.models import OrganisationKind, Role
from portal.services import role_assign
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import CallFactory, ProgrammeFactory, SessionFactory, ThemeFactory
from tests.portal.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

MY_DOSSIERS = reverse("applications:my_dossiers")
STAFF_LIST = reverse("applications:staff_list")


def text(response) -> str:
    """The page as a reader sees it (entities such as &#x27; decoded)."""
    return html.unescape(response.content.decode())


def references(response) -> set[str]:
    return {dossier.reference for dossier in response.context["rows"]}


@pytest.fixture
def member():
    return MembershipFactory()


@pytest.fixture
def applicant_client(client, member):
    client.force_login(member.user)
    return client


def staff_of(programme):
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programme)
    return user


def session_of(programme, **kwargs):
    return SessionFactory(theme=ThemeFactory(call=CallFactory(programme=programme)), **kwargs)


# --- Mes dossiers ----------------------------------------------------------------------


def test_my_dossiers_requires_login(client):
    response = client.get(MY_DOSSIERS)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_my_dossiers_shows_only_my_organisations(applicant_client, member):
    mine = DossierFactory(organisation=member.organisation)
    DossierFactory()  # another organisation's
    response = applicant_client.get(MY_DOSSIERS)
    assert response.status_code == 200
    assert references(response) == {mine.reference}


def test_my_dossiers_empty_state_links_to_calls(applicant_client):
    response = applicant_client.get(MY_DOSSIERS)
    assert "Vous n'avez encore aucun dossier" in text(response)
    assert reverse("calls:public_list") in text(response)


def test_draft_shows_applicant_label_countdown_and_deadline(applicant_client, member):
    session = SessionFactory(closes_at=timezone.now() + timedelta(days=3, hours=2))
    DossierFactory(organisation=member.organisation, session=session)
    response = applicant_client.get(MY_DOSSIERS)
    assert "fr-badge--warning" in text(response)
    assert "Brouillon — non déposé" in text(response)
    assert "Clôture dans 3 jours" in text(response)
    deadline = timezone.localtime(session.closes_at).strftime("%d/%m/%Y à %H:%M")
    assert f"Compléter et déposer avant le {deadline}" in text(response)


def test_draft_of_a_closed_session_says_so(applicant_client, member):
    session = SessionFactory(opens_at=timezone.now() - timedelta(days=30), closes_at=timezone.now() - timedelta(days=1))
    DossierFactory(organisation=member.organisation, session=session)
    assert "Session close" in text(applicant_client.get(MY_DOSSIERS))


def test_deadline_is_shown_in_paris_time(applicant_client, member):
    # 15:00 UTC in June is 17:00 in Paris.
    closes_at = datetime(timezone.now().year + 1, 6, 15, 15, 0, tzinfo=UTC)
    session = SessionFactory(closes_at=closes_at)
    DossierFactory(organisation=member.organisation, session=session)
    assert f"15/06/{closes_at.year} à 17:00" in text(applicant_client.get(MY_DOSSIERS))


def test_complement_requested_shows_latest_open_due_date(applicant_client, member):
    dossier = DossierFactory(organisation=member.organisation, state=DossierState.COMPLEMENT_REQUESTED)
    staff = UserFactory()
    older_due = timezone.now() + timedelta(days=5)
    latest_due = timezone.now() + timedelta(days=9)
    ComplementRequest.objects.create(dossier=dossier, requested_by=staff, due_at=older_due, answered_at=timezone.now())
    ComplementRequest.objects.create(dossier=dossier, requested_by=staff, due_at=latest_due)
    response = applicant_client.get(MY_DOSSIERS)
    expected = timezone.localtime(latest_due).strftime("%d/%m/%Y à %H:%M")
    assert f"Répondre aux compléments avant le {expected}" in text(response)


def test_submitted_dossier_waits_for_instruction(applicant_client, member):
    DossierFactory(organisation=member.organisation, submitted=True, requested_amount=Decimal("12500.50"))
    response = applicant_client.get(MY_DOSSIERS)
    assert "En attente d'instruction" in text(response)
    assert "12\u202f500,50\u202f€" in text(response)


def test_my_dossiers_filter_by_state(applicant_client, member):
    draft = DossierFactory(organisation=member.organisation)
    DossierFactory(organisation=member.organisation, submitted=True)
    response = applicant_client.get(MY_DOSSIERS, {"statut": "draft"})
    assert references(response) == {draft.reference}


def test_my_dossiers_search_on_reference_acronym_and_title(applicant_client, member):
    first = DossierFactory(organisation=member.organisation, acronym="ALPHA", title="Guichet unique")
    second = DossierFactory(organisation=member.organisation, acronym="BETA", title="Dématérialisation")
    assert references(applicant_client.get(MY_DOSSIERS, {"q": "alph"})) == {first.reference}
    assert references(applicant_client.get(MY_DOSSIERS, {"q": "dématér"})) == {second.reference}
    assert references(applicant_client.get(MY_DOSSIERS, {"q": second.reference})) == {second.reference}


def test_my_dossiers_organisation_filter_only_for_members_of_several(applicant_client, member):
    DossierFactory(organisation=member.organisation)
    assert not applicant_client.get(MY_DOSSIERS).context["form"].show_organisation
    other = MembershipFactory(user=member.user).organisation
    theirs = DossierFactory(organisation=other)
    response = applicant_client.get(MY_DOSSIERS, {"organisation": other.pk})
    assert response.context["form"].show_organisation
    assert references(response) == {theirs.reference}


def test_my_dossiers_organisation_filter_rejects_foreign_organisation(applicant_client, member):
    mine = DossierFactory(organisation=member.organisation)
    foreign = DossierFactory()
    response = applicant_client.get(MY_DOSSIERS, {"organisation": foreign.organisation_id})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert references(response) == {mine.reference}


def test_my_dossiers_paginates_by_25(applicant_client, member):
    DossierFactory.create_batch(26, organisation=member.organisation, session=SessionFactory())
    assert len(applicant_client.get(MY_DOSSIERS).context["rows"]) == 25
    assert len(applicant_client.get(MY_DOSSIERS, {"page": 2}).context["rows"]) == 1


def test_my_dossiers_rows_link_to_the_dossier(applicant_client, member):
    dossier = DossierFactory(organisation=member.organisation)
    assert applicant_client.get(MY_DOSSIERS).context["rows"][0].url == reverse(
        "applications:dossier_detail", args=[dossier.pk]
    )


def test_my_dossiers_invalid_state_shows_error_and_all_dossiers(applicant_client, member):
    draft = DossierFactory(organisation=member.organisation)
    submitted = DossierFactory(organisation=member.organisation, submitted=True)
    response = applicant_client.get(MY_DOSSIERS, {"statut": "supprime"})
    assert "Sélectionnez un choix valide" in text(response)
    assert references(response) == {draft.reference, submitted.reference}


# --- Instruction list: access ---------------------------------------------------------


def test_staff_list_requires_login(client):
    response = client.get(STAFF_LIST)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_staff_list_denies_applicants(applicant_client):
    assert applicant_client.get(STAFF_LIST).status_code == 403


def test_staff_list_denies_fund_operators(client):
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.FUND_OPERATOR, scope=ProgrammeFactory())
    client.force_login(user)
    assert client.get(STAFF_LIST).status_code == 403


def test_staff_sees_only_own_programme(client):
    programme_a, programme_b = ProgrammeFactory(), ProgrammeFactory()
    mine = DossierFactory(session=session_of(programme_a), submitted=True)
    DossierFactory(session=session_of(programme_b), submitted=True)
    client.force_login(staff_of(programme_a))
    response = client.get(STAFF_LIST)
    assert references(response) == {mine.reference}
    assert [value for value, _ in response.context["form"].fields["programme"].choices] == ["", programme_a.pk]


def test_staff_filter_on_foreign_programme_is_an_error_not_a_leak(client):
    programme_a, programme_b = ProgrammeFactory(), ProgrammeFactory()
    mine = DossierFactory(session=session_of(programme_a), submitted=True)
    DossierFactory(session=session_of(programme_b), submitted=True)
    client.force_login(staff_of(programme_a))
    response = client.get(STAFF_LIST, {"programme": programme_b.pk})
    assert response.status_code == 200
    assert "programme" in response.context["form"].errors
    assert references(response) == {mine.reference}


def test_admin_sees_every_programme(client):
    first = DossierFactory(submitted=True)
    second = DossierFactory(submitted=True)
    admin = UserFactory()
    role_assign(actor=None, user=admin, role=Role.ADMIN)
    client.force_login(admin)
    assert references(client.get(STAFF_LIST)) == {first.reference, second.reference}


# --- Instruction list: filters, search, sort, totals ------------------------------------


@pytest.fixture
def programme():
    return ProgrammeFactory()


@pytest.fixture
def staff_client(client, programme):
    client.force_login(staff_of(programme))
    return client


def test_staff_list_excludes_drafts_unless_asked(staff_client, programme):
    session = session_of(programme)
    draft = DossierFactory(session=session)
    submitted = DossierFactory(session=session, submitted=True)
    assert references(staff_client.get(STAFF_LIST)) == {submitted.reference}
    assert references(staff_client.get(STAFF_LIST, {"brouillons": "on"})) == {draft.reference, submitted.reference}


def test_staff_filters_programme_call_theme_session(client):
    programme_a, programme_b = ProgrammeFactory(), ProgrammeFactory()
    user = staff_of(programme_a)
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programme_b)
    client.force_login(user)
    in_a = DossierFactory(session=session_of(programme_a), submitted=True)
    other_session_same_theme = SessionFactory(theme=in_a.theme)
    same_theme = DossierFactory(session=other_session_same_theme, submitted=True)
    other_theme = DossierFactory(session=SessionFactory(theme=ThemeFactory(call=in_a.theme.call)), submitted=True)
    in_b = DossierFactory(session=session_of(programme_b), submitted=True)
    assert references(client.get(STAFF_LIST, {"programme": programme_b.pk})) == {in_b.reference}
    assert references(client.get(STAFF_LIST, {"appel": in_a.theme.call_id})) == {
        in_a.reference,
        same_theme.reference,
        other_theme.reference,
    }
    assert references(client.get(STAFF_LIST, {"theme": in_a.theme_id})) == {in_a.reference, same_theme.reference}
    assert references(client.get(STAFF_LIST, {"session": other_session_same_theme.pk})) == {same_theme.reference}


def test_staff_filter_state_and_organisation_kind(staff_client, programme):
    session = session_of(programme)
    ministry = DossierFactory(session=session, submitted=True)
    prefecture = DossierFactory(
        session=session,
        eligible=True,
        organisation=MembershipFactory(organisation__kind=OrganisationKind.REGIONAL_PREFECTURE).organisation,
    )
    assert references(staff_client.get(STAFF_LIST, {"statut": "eligible"})) == {prefecture.reference}
    assert references(staff_client.get(STAFF_LIST, {"type_porteur": OrganisationKind.MINISTRY})) == {ministry.reference}


def test_staff_search_reference_acronym_title_organisation_siret(staff_client, programme):
    session = session_of(programme)
    target = DossierFactory(
        session=session,
        submitted=True,
        acronym="NUMERIK",
        title="Portail des aides",
        organisation=MembershipFactory(
            organisation__name="Préfecture de la Somme", organisation__siret="11000201100044"
        ).organisation,
    )
    DossierFactory(session=session, submitted=True, acronym="AUTRE", title="Autre chose")
    for query in (target.reference, "numer", "portail des", "somme", "110 002 011", "11000201100044"):
        assert references(staff_client.get(STAFF_LIST, {"q": query})) == {target.reference}, query


def test_staff_amount_range_accepts_french_decimals(staff_client, programme):
    session = session_of(programme)
    small = DossierFactory(session=session, submitted=True, requested_amount=Decimal("12500.49"))
    middle = DossierFactory(session=session, submitted=True, requested_amount=Decimal("12500.50"))
    large = DossierFactory(session=session, submitted=True, requested_amount=Decimal("250000"))
    assert references(staff_client.get(STAFF_LIST, {"montant_min": "12 500,50"})) == {middle.reference, large.reference}
    assert references(staff_client.get(STAFF_LIST, {"montant_max": "12\u202f500,50 €"})) == {
        small.reference,
        middle.reference,
    }
    assert references(staff_client.get(STAFF_LIST, {"montant_min": "12500.5", "montant_max": "100 000"})) == {
        middle.reference
    }


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("12 500,50", Decimal("12500.50")),
        ("12\u00a0500,5", Decimal("12500.5")),
        ("12\u202f500 €", Decimal("12500")),
        ("12500.50", Decimal("12500.50")),
        ("0", Decimal("0")),
    ],
)
def test_french_amount_parsing(typed, expected):
    assert AmountInputField(required=False).clean(typed) == expected


@pytest.mark.parametrize(
    "params, field",
    [
        ({"montant_min": "douze"}, "montant_min"),
        ({"montant_min": "-5"}, "montant_min"),
        ({"montant_min": "1,234"}, "montant_min"),
        ({"montant_min": "500", "montant_max": "100"}, "montant_max"),
        ({"statut": "inconnu"}, "statut"),
        ({"session": "abc"}, "session"),
        ({"tri": "mot_de_passe"}, "tri"),
        ({"type_porteur": "banque"}, "type_porteur"),
    ],
)
def test_invalid_filter_shows_french_error_and_unfiltered_list(staff_client, programme, params, field):
    session = session_of(programme)
    first = DossierFactory(session=session, submitted=True, requested_amount=Decimal("50"))
    second = DossierFactory(session=session, eligible=True, requested_amount=Decimal("900"))
    response = staff_client.get(STAFF_LIST, params)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert "fr-error-text" in text(response)
    assert any(
        word in " ".join(errors[field])
        for word in ("Saisissez", "Sélectionnez", "montant", "supérieur", "nombre", "chiffres")
    )
    assert references(response) == {first.reference, second.reference}


def test_staff_sort_by_each_column_both_ways(staff_client, programme):
    session = session_of(programme)
    now = timezone.now()
    a = DossierFactory(
        session=session,
        submitted=True,
        reference="REF-B",
        requested_amount=Decimal("300"),
        submitted_at=now - timedelta(days=1),
        organisation=MembershipFactory(organisation__name="Zèbre").organisation,
    )
    b = DossierFactory(
        session=session,
        submitted=True,
        reference="REF-C",
        requested_amount=Decimal("100"),
        submitted_at=now - timedelta(days=3),
        organisation=MembershipFactory(organisation__name="Abeille").organisation,
    )
    c = DossierFactory(
        session=session,
        submitted=True,
        reference="REF-A",
        requested_amount=Decimal("200"),
        submitted_at=now - timedelta(days=2),
        organisation=MembershipFactory(organisation__name="Marmotte").organisation,
    )

    def order(sort):
        return [d.reference for d in staff_client.get(STAFF_LIST, {"tri": sort}).context["rows"]]

    assert order("reference") == ["REF-A", "REF-B", "REF-C"]
    assert order("-reference") == ["REF-C", "REF-B", "REF-A"]
    assert order("depot") == [b.reference, c.reference, a.reference]
    assert order("-depot") == [a.reference, c.reference, b.reference]
    assert order("montant") == [b.reference, c.reference, a.reference]
    assert order("-montant") == [a.reference, c.reference, b.reference]
    assert order("porteur") == [b.reference, c.reference, a.reference]
    assert order("-porteur") == [a.reference, c.reference, b.reference]
    # Default: most recently submitted first.
    assert [d.reference for d in staff_client.get(STAFF_LIST).context["rows"]] == order("-depot")


def test_sort_links_toggle_direction_and_keep_filters(staff_client, programme):
    DossierFactory(session=session_of(programme), submitted=True)
    response = staff_client.get(STAFF_LIST, {"tri": "montant", "statut": "submitted"})
    links = response.context["sort_links"]
    assert links["montant"]["aria_sort"] == "ascending"
    assert "tri=-montant" in links["montant"]["url"] and "statut=submitted" in links["montant"]["url"]
    assert links["reference"]["aria_sort"] == "none"


def test_staff_totals_count_and_sum_of_all_pages(staff_client, programme):
    session = session_of(programme)
    DossierFactory.create_batch(
        51,
        session=session,
        organisation=OrganisationFactory(),
        submitted=True,
        requested_amount=Decimal("1000.50"),
        created_by=UserFactory(),
    )
    DossierFactory(session=session)  # a draft: neither counted nor summed by default
    response = staff_client.get(STAFF_LIST)
    assert response.context["totals"] == {"count": 51, "requested": Decimal("51025.50")}
    assert len(response.context["rows"]) == 50
    assert "51\u202f025,50\u202f€" in text(response)
    assert len(staff_client.get(STAFF_LIST, {"page": 2}).context["rows"]) == 1


# --- Query budgets -------------------------------------------------------------------------


def _many_dossiers(count: int, *, session, organisation, user, **fields):
    """Ten dossiers from the factory, the rest in one bulk insert (fast enough for 500)."""
    DossierFactory.create_batch(10, session=session, organisation=organisation, created_by=user, **fields)
    Dossier.objects.bulk_create(
        Dossier(
            reference=f"BULK-{session.pk}-{n:05d}",
            acronym=f"B{n}",
            title=f"Projet {n}",
            session=session,
            theme=session.theme,
            organisation=organisation,
            created_by=user,
            **fields,
        )
        for n in range(count - 10)
    )


# Session, user, memberships, role assignments (user_roles), organisations (filter),
# page count, page rows: nothing per row.
MY_DOSSIERS_QUERIES = 7


@pytest.mark.parametrize("count", [10, 500])
def test_my_dossiers_query_count_does_not_grow(client, member, django_assert_num_queries, count):
    session = SessionFactory()
    _many_dossiers(
        count,
        session=session,
        organisation=member.organisation,
        user=member.user,
        state=DossierState.COMPLEMENT_REQUESTED,
    )
    for dossier in Dossier.objects.all()[:5]:
        ComplementRequest.objects.create(
            dossier=dossier, requested_by=member.user, due_at=timezone.now() + timedelta(days=7)
        )
    client.force_login(member.user)
    with django_assert_num_queries(MY_DOSSIERS_QUERIES):
        response = client.get(MY_DOSSIERS, {"q": "Projet"})
    assert len(response.context["rows"]) == min(count, 25)


# Session, user, memberships, role assignments (user_roles), labels of the programmes (filter and bulk
# choices), sessions in scope (filter choices), count + sum (one aggregate, reused by the paginator), page
# rows and their labels (one prefetch), the instructors and the saved filters (bulk assignment, « Mes
# filtres »); then the session is saved (savepoint, update, release) because privileged sessions get a
# shorter expiry. Nothing per row.
STAFF_LIST_QUERIES = 14


@pytest.mark.parametrize("count", [10, 500])
def test_staff_list_query_count_does_not_grow(client, programme, django_assert_num_queries, count):
    session = session_of(programme)
    member = MembershipFactory()
    _many_dossiers(
        count,
        session=session,
        organisation=member.organisation,
        user=member.user,
        state=DossierState.SUBMITTED,
        requested_amount=Decimal("1000"),
        submitted_at=timezone.now(),
    )
    client.force_login(staff_of(programme))
    with django_assert_num_queries(STAFF_LIST_QUERIES):
        response = client.get(STAFF_LIST, {"programme": programme.pk, "tri": "montant", "montant_min": "10"})
    assert response.context["totals"]["count"] == count


def test_staff_form_accepts_french_amounts_and_shows_default_sort_first(staff_client):
    form = staff_client.get(STAFF_LIST).context["form"]
    assert 'type="text"' in str(form["montant_min"]) and 'inputmode="decimal"' in str(form["montant_min"])
    assert form.fields["tri"].choices[0][0] == "-depot"


def test_staff_state_filter_draft_shows_drafts_without_the_checkbox(staff_client, programme):
    session = session_of(programme)
    draft = DossierFactory(session=session)
    DossierFactory(session=session, submitted=True)
    assert references(staff_client.get(STAFF_LIST, {"statut": "draft"})) == {draft.reference}

"""The public co-financing simulator and the staff rule page."""

import html
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls.models import Call
from calls.rules import load_rules
from portal import services
from portal.models import Role
from portal.templatetags.portal_format import format_euros
from tests.calls.model_factories import CallFactory, ProgrammeFactory, SessionFactory, ThemeFactory
from tests.portal.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

RULES = load_rules()


def theme_with(code: str, **extra):
    return ThemeFactory(code=code, funding_rule=RULES[code].to_dict(), **extra)


@pytest.fixture
def itn6():
    return theme_with(
        "ITN6",
        cofinancing_text="100% du coût total du projet jusqu'à 48 000 € TTC.",
        eligibility_text="Le porteur est l'administration centrale ou son opérateur.",
        project_size_text="De 20.000 à 100.000 € TTC",
    )


def query(carrier_kind="ministere", rows=(), total=5, **extra) -> str:
    """The querystring the simulator form sends: context fields, then the formset."""
    params = {
        "carrier_kind": carrier_kind,
        "session_kind": "",
        "lignes-TOTAL_FORMS": total,
        "lignes-INITIAL_FORMS": 0,
        **extra,
    }
    for index, row in enumerate(rows):
        params.update({f"lignes-{index}-{name}": value for name, value in row.items()})
    return urlencode(params)


def line(label, amount, category="external_services", year=2021, source="carrier", **extra):
    return {"label": label, "amount": amount, "category": category, "year": year, "source": source, **extra}


def simulate(client, theme, qs, **headers):
    return client.get(f"{reverse('simulator:theme', args=[theme.pk])}?{qs}", **headers)


def page(response) -> str:
    """The response as a reader sees it: entities decoded, so that « l'aide » matches."""
    return html.unescape(response.content.decode())


def money(amount: str) -> str:
    return format_euros(amount)


# --- simulator -------------------------------------------------------------------------


def test_itn6_at_30k_is_fully_funded(client, itn6):
    response = simulate(client, itn6, query(rows=[line("Prestation agile", "30000")]))
    assert response.status_code == 200
    content = page(response)
    assert "Budget conforme à la règle" in content
    assert f'data-testid="eligible-cost">{money("30000")} TTC' in content
    assert f'data-testid="max-amount">{money("30000")} TTC' in content
    assert f'data-testid="granted-amount">{money("30000")} TTC' in content
    assert f'data-testid="carrier-share">{money("0")} TTC' in content
    assert "Détail du calcul" in content
    # the full page: the form is there, with what was typed
    assert 'value="Prestation agile"' in content
    assert "<h1" in content


def test_itn6_at_80k_caps_the_programme_at_48k(client, itn6):
    lines = [line("Prestation", "50 000,00"), line("Licences", "30000", category="licences", year=2022)]
    content = page(simulate(client, itn6, query(rows=lines)))
    assert f'data-testid="eligible-cost">{money("80000")} TTC' in content
    assert f'data-testid="max-amount">{money("48000")} TTC' in content
    assert f'data-testid="carrier-share">{money("32000")} TTC' in content
    assert "60\u00a0%" in content  # 48 k€ of 80 k€
    assert "prise en charge à 100\u00a0% jusqu'à 48\u202f000,00\u00a0€\u00a0TTC" in content


def test_cofinancer_share_and_violations_in_french(client, itn6):
    lines = [
        line("Prestation", "60000"),
        line("Apport région", "20000", source="cofinancer", cofinancer_name="Région Bretagne"),
        line("Vieille dépense", "1000", year=2019),
    ]
    content = page(simulate(client, itn6, query(carrier_kind="collectivite", rows=lines)))
    assert "Budget non conforme" in content
    assert "Part de « Région Bretagne »" in content
    assert f"{money('20000')} TTC (24,69\u00a0%)" in content
    assert "hors de la période éligible" in content
    assert "n'est pas admis" in content


def test_htmx_request_returns_only_the_result(client, itn6):
    qs = query(rows=[line("Prestation", "30000")])
    response = simulate(client, itn6, qs, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="simulateur-resultat")
    content = page(response)
    assert money("30000") in content
    assert "<html" not in content and "<form" not in content
    assert "HX-Request" in response["Vary"]


def test_htmx_add_line_returns_the_form_with_one_more_line(client, itn6):
    qs = query(rows=[line("Prestation", "30000")], lines=6)
    content = page(simulate(client, itn6, qs, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="simulateur"))
    assert "<html" not in content and "<form" in content
    assert 'name="lignes-5-amount"' in content and 'name="lignes-6-amount"' not in content
    assert 'value="Prestation"' in content


def test_first_visit_shows_five_empty_lines_and_no_result(client, itn6):
    content = page(simulate(client, itn6, ""))
    assert 'name="lignes-4-amount"' in content and 'name="lignes-5-amount"' not in content
    assert "le résultat s'affiche ici" in content
    assert "Saisie à corriger" not in content


def test_no_result_before_the_first_line(client, itn6):
    content = page(simulate(client, itn6, query(rows=[line("", "", category="", year="")])))
    assert "le résultat s'affiche ici" in content
    assert "Budget non conforme" not in content and "Saisie à corriger" not in content


def test_add_line_without_js_keeps_every_input(client, itn6):
    # The « Ajouter une ligne » button submits the GET form with lines=N+1.
    content = page(simulate(client, itn6, query(rows=[line("Prestation", "30000")], lines=6)))
    assert 'name="lignes-5-amount"' in content
    assert 'name="lines" value="7"' in content
    assert 'value="Prestation"' in content
    assert f'data-testid="max-amount">{money("30000")} TTC' in content


def test_line_count_is_bounded(client, itn6):
    content = page(simulate(client, itn6, query(total="abc", lines=5000)))
    assert 'name="lignes-99-amount"' in content and 'name="lignes-100-amount"' not in content


@pytest.mark.parametrize(
    ("amount", "category", "message"),
    [
        ("-100", "external_services", "Montant (€) : Le montant ne peut pas être négatif."),
        ("douze", "external_services", "Montant (€) : Saisissez un montant en euros"),
        ("NaN", "external_services", "Montant (€) : Saisissez un montant en euros"),
        ("1e30", "external_services", "Montant (€) : Saisissez un montant en euros"),
        ("1 000 000 000 000", "external_services", "Montant (€) : Le montant est invraisemblable"),
        ("100", "yachts", "Catégorie : Catégorie de dépense inconnue."),
        ("100", "", "Catégorie : Choisissez la catégorie de la dépense."),
    ],
)
def test_bad_line_input_is_reported_in_french_naming_the_line(client, itn6, amount, category, message):
    message = f"Ligne 2 « Prestation » — {message}"
    qs = query(rows=[line("Bonne ligne", "1000"), line("Prestation", amount, category=category)])
    for headers in ({}, {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "simulateur-resultat"}):
        response = simulate(client, itn6, qs, **headers)
        assert response.status_code == 200
        content = page(response)
        assert "Saisie à corriger" in content
        assert message in content


def test_bad_context_input_is_reported(client, itn6):
    qs = query(carrier_kind="", rows=[line("Prestation", "1000", year="deux mille")], source="x")
    content = page(simulate(client, itn6, qs))
    assert "Type d'organisation porteuse : Choisissez le type d'organisation porteuse." in content
    assert "Ligne 1 « Prestation » — Année : Saisissez une année, par exemple 2026." in content


def test_optional_context_fields_follow_the_rule(client):
    lit = theme_with("LIT")  # PIA: derogation by the steering committee
    snap3 = theme_with("SNAP3")  # cap per project across phases
    itn5 = theme_with("ITN5")  # size range per session kind
    itn1 = theme_with("ITN1")
    assert 'name="derogation_rate"' in page(simulate(client, lit, ""))
    assert 'name="previous_grants"' in page(simulate(client, snap3, ""))
    assert 'name="session_kind"' in page(simulate(client, itn5, ""))
    plain = page(simulate(client, itn1, ""))
    assert 'name="carrier_kind"' in plain
    for absent in ("derogation_rate", "previous_grants", "session_kind"):
        assert f'name="{absent}"' not in plain


def test_session_kind_and_previous_grants_reach_the_engine(client):
    itn5 = theme_with("ITN5")
    rows = [line("Prestation", "50000")]
    guichet = page(simulate(client, itn5, query(rows=rows, session_kind="guichet")))
    assert "Budget conforme à la règle" in guichet  # 10 k€ to 100 k€ at a guichet
    aap = page(simulate(client, itn5, query(rows=rows, session_kind="aap")))
    assert "Taille du projet hors de la fourchette attendue" in aap  # 100 k€ to 1 M€ in an AAP
    snap3 = theme_with("SNAP3")
    exhausted = page(simulate(client, snap3, query(rows=rows, previous_grants="2 000 000")))
    assert "est déjà atteint par les dossiers précédents" in exhausted


def test_itn5_asks_for_the_kind_of_session_instead_of_reading_conforme(client):
    itn5 = theme_with("ITN5")
    content = page(simulate(client, itn5, query(rows=[line("Plateforme", "150000")])))
    assert "Type de session : Choisissez le type de session : la taille attendue du projet en dépend." in content
    assert "Budget conforme à la règle" not in content


def test_the_envisaged_derogation_is_a_hypothesis(client):
    lit = theme_with("LIT")
    content = page(simulate(client, lit, ""))
    assert "seul le comité de pilotage du fonds peut accorder une dérogation" in content
    qs = query(carrier_kind="prefecture_region", rows=[line("Lab", "400000", year=2016)], derogation_rate="60")
    content = page(simulate(client, lit, qs))
    assert "Hypothèse d'un taux dérogatoire de 60" in content
    assert "décidé par" not in content


def test_engine_violation_on_derogation_above_ceiling(client):
    lit = theme_with("LIT")
    qs = query(carrier_kind="prefecture_region", rows=[line("Lab", "400000", year="")], derogation_rate="99")
    response = simulate(client, lit, qs)
    assert response.status_code == 200
    assert "Détail du calcul" in page(response)


def test_theme_without_rule_or_not_public_is_404(client):
    assert simulate(client, ThemeFactory(), "").status_code == 404
    draft = theme_with("ITN1", call=CallFactory(status=Call.Status.DRAFT))
    assert simulate(client, draft, "").status_code == 404
    broken = ThemeFactory(funding_rule={"tax_basis": "XXX", "rate_percent": "75"})
    assert simulate(client, broken, "").status_code == 404


def test_deposit_button_links_with_the_same_querystring(client, itn6):
    qs = query(rows=[line("Prestation", "30000")])
    assert "Déposer un dossier" not in page(simulate(client, itn6, qs))  # no open session
    now = timezone.now()
    SessionFactory(theme=itn6, opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1))
    assert "Déposer un dossier" not in page(simulate(client, itn6, qs))  # closed session only
    SessionFactory(theme=itn6)
    content = page(simulate(client, itn6, qs))
    assert "Déposer un dossier avec ces chiffres" in content
    start = reverse("applications:dossier_start_from_simulation", args=[itn6.pk])
    assert f'href="{start}?{qs}"' in content


def test_index_lists_public_themes_with_a_rule_grouped_by_call(client, itn6):
    closed = theme_with("ITN1", call=CallFactory(status=Call.Status.CLOSED, title="Appel clos"))
    draft = theme_with("ITN2", call=CallFactory(status=Call.Status.DRAFT))
    without_rule = ThemeFactory(call=itn6.call)
    content = page(client.get(reverse("simulator:index")))
    assert reverse("simulator:theme", args=[itn6.pk]) in content
    assert reverse("simulator:theme", args=[closed.pk]) in content
    assert reverse("simulator:theme", args=[draft.pk]) not in content
    assert reverse("simulator:theme", args=[without_rule.pk]) not in content
    assert itn6.call.title in content and "Appel clos" in content


def test_index_query_count_does_not_grow_with_themes(client):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("simulator:index")).status_code == 200
        return len(queries)

    theme_with("ITN1")
    few = count()
    for code in ("ITN2", "ITN3", "ITN4", "ITN5", "ITN6"):
        theme_with(code, call=CallFactory())
    assert count() == few  # one query: themes with their call and programme


# --- staff rule page -------------------------------------------------------------------


def staff_of(programme):
    user = UserFactory()
    services.role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programme)
    return user


def rule_url(theme):
    return reverse("simulator:rule", args=[theme.pk])


def test_rule_page_anonymous_is_sent_to_login(client, itn6):
    response = client.get(rule_url(itn6))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_rule_page_applicant_gets_403(client, itn6):
    client.force_login(MembershipFactory().user)
    assert client.get(rule_url(itn6)).status_code == 403


def test_rule_page_staff_of_another_programme_gets_404(client, itn6):
    client.force_login(staff_of(ProgrammeFactory()))
    assert client.get(rule_url(itn6)).status_code == 404


def test_rule_page_leads_staff_to_the_rule_form(client, itn6):
    client.force_login(staff_of(itn6.call.programme))
    response = client.get(rule_url(itn6))
    assert response.status_code == 302
    assert response["Location"] == reverse("calls_staff:theme_rule", args=[itn6.call_id, itn6.pk])


def test_a_rate_above_100_is_a_french_error_not_a_crash(client):
    lit = theme_with("LIT")
    qs = query(carrier_kind="prefecture_region", rows=[line("Lab", "400000", year=2016)], derogation_rate="150")
    response = simulate(client, lit, qs)
    assert response.status_code == 200
    assert "Le taux ne peut pas dépasser 100 %." in page(response)

"""The France Relance « Livret des thèmes » (29/10/2020) transcribed in calls/data/france_relance_2020.yaml."""

import datetime as dt
from decimal import Decimal
from itertools import combinations
from pathlib import Path

import pytest
import yaml

from calls.rules import load_rules

DATA_FILE = Path(__file__).resolve().parents[2] / "calls" / "data" / "france_relance_2020.yaml"
THEME_CODES = [
    "ITN1", "ITN2", "ITN3", "ITN4", "ITN5", "ITN6", "ITN8A", "ITN8B", "ITN8C", "ITN8D",
    "SNAP1", "SNAP2A", "SNAP2B", "SNAP3", "SNAP4", "SNAP5",
]  # fmt: skip
REQUIRED_TEXTS = (
    "title", "summary", "cofinancing_text", "eligibility_text", "envelope", "envelope_text", "project_size_text",
)  # fmt: skip
MONEY_KEYS = {"total_envelope", "envelope", "project_size_min", "project_size_max", "weight", "scale_min", "scale_max"}


@pytest.fixture(scope="module")
def data():
    with DATA_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def themes(data):
    return {theme["code"]: theme for theme in data["calls"][0]["themes"]}


def months(first: str, last: str) -> int:
    """Number of months from « AAAA-MM » to « AAAA-MM », both included."""
    (y1, m1), (y2, m2) = (map(int, first.split("-")), map(int, last.split("-")))
    return (y2 - y1) * 12 + (m2 - m1) + 1


def money_values(node, path=""):
    """Every (path, value) of a money-like key, anywhere in the document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in MONEY_KEYS:
                yield f"{path}.{key}", value
            yield from money_values(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from money_values(value, f"{path}[{index}]")


def test_programme_and_call(data):
    assert data["format"] == "portal-call/1"
    programme = data["programme"]
    assert programme["fund"] == "France Relance"
    assert programme["name"] == "Fonds pour la transformation numérique de l'État et des territoires"
    assert programme["owner_teams"] == ["DINUM", "DITP"]
    [call] = data["calls"]
    assert (call["kind"], call["status"], call["tax_basis"]) == ("aap", "published", "TTC")
    assert call["published_on"] == dt.date(2020, 10, 29)


def test_the_sixteen_themes_in_the_livret_order(data, themes):
    assert [theme["code"] for theme in data["calls"][0]["themes"]] == THEME_CODES
    assert [theme["order"] for theme in themes.values()] == list(range(1, 17))


def test_programme_envelope_is_the_sum_of_the_theme_budgets(data, themes):
    total = sum(Decimal(theme["envelope"]) for theme in themes.values())
    assert total == Decimal(data["programme"]["total_envelope"]) == Decimal("379000000")


@pytest.mark.parametrize("code", THEME_CODES)
def test_every_theme_is_complete(themes, code):
    theme = themes[code]
    for field in REQUIRED_TEXTS:
        assert theme.get(field), f"{code}.{field}"
    assert Decimal(theme["envelope"]) > 0
    assert isinstance(theme["opening_date"], dt.date)
    assert theme["kinds"] and set(theme["kinds"]) <= {"aap", "guichet"}
    assert theme["objectives"]
    # A team name, never a person's (the livret writes « DINUM / Mission DATA (Romain TALES) »).
    assert theme["owner_team"].startswith(("DINUM", "DITP")) and "(" not in theme["owner_team"]
    criteria = theme["criteria"]
    assert criteria and all(criterion["definition"].strip() for criterion in criteria)
    assert [criterion["code"] for criterion in criteria] == [f"C{n}" for n in range(1, len(criteria) + 1)]
    assert all((c["weight"], c["scale_min"], c["scale_max"]) == ("1", "0", "5") for c in criteria)
    assert "sessions" in theme or "rolling_sessions" in theme, f"{code} has no deposit window"
    if "aap" in theme["kinds"]:
        assert any(session["kind"] == "aap" for session in theme.get("sessions", []))
    if "guichet" in theme["kinds"]:
        assert theme["rolling_sessions"]["close_day"] == 15


def test_every_rule_exists_in_the_catalogue(themes):
    rules = load_rules()
    assert [theme["rule"] for theme in themes.values()] == THEME_CODES
    assert all(theme["rule"] in rules for theme in themes.values())


def test_money_is_written_as_strings(data):
    values = list(money_values(data))
    assert values
    assert [path for path, value in values if not isinstance(value, str)] == []
    assert all(Decimal(value) >= 0 for _, value in values)


def test_sessions_are_well_formed_and_do_not_overlap(themes):
    for code, theme in themes.items():
        sessions = theme.get("sessions", [])
        assert len({session["key"] for session in sessions}) == len(sessions), code
        for session in sessions:
            assert session["closes_at"] > session["opens_at"], f"{code}.{session['key']}"
        for first, second in combinations(sessions, 2):
            if first["kind"] == second["kind"]:
                assert first["closes_at"] <= second["opens_at"] or second["closes_at"] <= first["opens_at"], code
        assert all(session["opens_at"].date() >= theme["opening_date"] for session in sessions), code


def test_guichets_open_on_the_livret_date_then_roll_monthly(themes):
    """The first window is written out from the opening date; the generated ones follow it without a gap."""
    for code, theme in themes.items():
        rolling = theme.get("rolling_sessions")
        if not rolling:
            continue
        assert months(rolling["first_month"], rolling["last_month"]) >= 1, code
        assert rolling["last_month"] == "2021-12", code
        [first] = [session for session in theme["sessions"] if session["kind"] == "guichet"]
        opening = dt.date(2021, 1, 18) if code == "ITN5" else theme["opening_date"]  # ITN5 opens its AAP first
        assert first["opens_at"] == dt.datetime.combine(opening, dt.time()), code
        year, month = map(int, rolling["first_month"].split("-"))
        previous = (year, month - 1) if month > 1 else (year - 1, 12)
        assert first["closes_at"] == dt.datetime(*previous, rolling["close_day"]), code


def test_itn5_three_aap_sessions_and_a_small_projects_guichet(themes):
    itn5 = themes["ITN5"]
    assert itn5["kinds"] == ["aap", "guichet"]
    assert itn5["envelope"] == "23000000"
    assert itn5["opening_date"] == dt.date(2020, 11, 16)
    sessions = itn5["sessions"]
    aap = [s for s in sessions if s["kind"] == "aap"]
    assert [s["envelope"] for s in aap] == ["6000000", "6000000", "7000000"]
    assert [(s["project_size_min"], s["project_size_max"]) for s in aap] == [("100000", "1000000")] * 3
    assert aap[0]["opens_at"] == dt.datetime(2020, 11, 16)
    assert aap[0]["closes_at"] == dt.datetime(2020, 12, 20)  # closing day 19/12/2020 included
    assert all("dates indicatives" in s["note"] for s in aap[1:])
    guichet = itn5["rolling_sessions"]
    assert (guichet["project_size_min"], guichet["project_size_max"]) == ("10000", "100000")
    assert (guichet["first_month"], guichet["close_day"]) == ("2021-03", 15)
    [first_window] = [s for s in sessions if s["kind"] == "guichet"]
    assert (first_window["opens_at"], first_window["closes_at"]) == (dt.datetime(2021, 1, 18), dt.datetime(2021, 2, 15))
    assert "4 M€" in guichet["note"]


def test_sample_values(themes):
    assert themes["SNAP4"]["envelope"] == "82000000"
    assert (themes["SNAP4"]["project_size_min"], themes["SNAP4"]["project_size_max"]) == ("500000", "8000000")
    assert themes["ITN1"]["opening_date"] == dt.date(2021, 1, 4)
    assert themes["ITN2"]["opening_date"] == dt.date(2020, 11, 2)
    assert themes["ITN3"]["opening_date"] == dt.date(2020, 12, 1)
    assert themes["SNAP3"]["opening_date"] == dt.date(2020, 11, 9)
    assert themes["ITN6"]["cofinancing_text"].startswith("100% du coût total du projet jusqu'à 48 000 € TTC.")
    itn3 = themes["ITN3"]["sessions"][0]
    assert (itn3["opens_at"], itn3["closes_at"]) == (dt.datetime(2020, 12, 1), dt.datetime(2021, 2, 1))
    assert [len(themes[code]["criteria"]) for code in ("ITN3", "ITN6", "SNAP3", "SNAP4")] == [7, 2, 8, 7]
    grouped = {code for code, theme in themes.items() if theme.get("grouping_allowed")}
    assert grouped == {"ITN2", "ITN3", "ITN8A", "ITN8B", "ITN8C", "ITN8D", "SNAP3", "SNAP4", "SNAP5"}


@pytest.mark.parametrize("code", ["SNAP3", "SNAP4"])
def test_phased_themes_have_phases_and_milestones(themes, code):
    phases = themes[code]["phases"]
    assert len(phases) >= 2
    assert all(phase["milestones"] for phase in phases)


@pytest.mark.django_db
def test_import_creates_the_programme_call_and_themes(themes):
    interchange = pytest.importorskip("calls.interchange")
    from django.utils import timezone

    from calls.models import Call, Criterion, MilestoneTemplate, Phase, Programme, Session, Theme

    interchange.call_file_import(path=DATA_FILE, actor=None)

    assert Programme.objects.get(slug="france-relance-tne").total_envelope == Decimal("379000000")
    call = Call.objects.get(slug="france-relance-tne-2020")
    assert Theme.objects.filter(call=call).count() == 16
    assert Criterion.objects.filter(theme__call=call).count() == sum(len(t["criteria"]) for t in themes.values())
    explicit = sum(len(t.get("sessions", [])) for t in themes.values())
    rolling = sum(
        months(t["rolling_sessions"]["first_month"], t["rolling_sessions"]["last_month"])
        for t in themes.values()
        if "rolling_sessions" in t
    )
    assert Session.objects.filter(theme__call=call).count() == explicit + rolling
    assert Phase.objects.filter(theme__call=call).count() == 4
    assert MilestoneTemplate.objects.filter(phase__theme__call=call).count() == 6
    itn5 = Theme.objects.get(call=call, code="ITN5")
    assert sorted(itn5.sessions.filter(kind="aap").values_list("envelope", flat=True)) == [
        Decimal("6000000"),
        Decimal("6000000"),
        Decimal("7000000"),
    ]
    assert itn5.sessions.filter(kind="guichet").count() == 11
    for theme in Theme.objects.filter(call=call).prefetch_related("sessions"):
        first_opening = min(session.opens_at for session in theme.sessions.all())
        assert timezone.localtime(first_opening).date() == theme.opening_date, theme.code

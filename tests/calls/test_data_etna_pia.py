"""The ETNA 2019 and PIA 2016 demo data (calls/data/*.yaml) hold the facts of their source documents."""

import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from calls.rules import load_rules

DATA = Path(__file__).resolve().parents[2] / "calls" / "data"
ETNA, PIA, LAUREATES = DATA / "etna_2019.yaml", DATA / "pia_2016.yaml", DATA / "etna_2019_laureates.yaml"
PARIS = ZoneInfo("Europe/Paris")
SEGUR = "20 avenue de Ségur, 75007 Paris"


def load(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def paris(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=PARIS)


def aware(value: datetime.datetime) -> datetime.datetime:
    """The import reads a naive date-time at Paris time (docs/call-format.md)."""
    return value if value.tzinfo else value.replace(tzinfo=PARIS)


def call(document: dict, slug: str) -> dict:
    return next(item for item in document["calls"] if item["slug"] == slug)


def theme(call_data: dict, code: str) -> dict:
    return next(item for item in call_data["themes"] if item["code"] == code)


def session(theme_data: dict, key: str) -> dict:
    return next(item for item in theme_data["sessions"] if item["key"] == key)


# --- ETNA 2019 ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def etna() -> dict:
    return call(load(ETNA), "etna-2019")


def test_etna_programme_and_call():
    document = load(ETNA)
    assert document["format"] == "portal-call/1"
    assert document["programme"]["owner_teams"] == ["DINSIC"]
    assert document["programme"]["fund"] == "Transition numérique de l'État et modernisation de l'action publique"
    etna_call = call(document, "etna-2019")
    assert (etna_call["kind"], etna_call["status"]) == ("aap", "published")
    assert [item["code"] for item in etna_call["themes"]] == ["ETNA-1", "ETNA-2"]


def test_etna_axes_are_collaboration_and_mobility(etna):
    assert theme(etna, "ETNA-1")["title"] == "Le travail collaboratif"
    assert "stockage" in theme(etna, "ETNA-1")["summary"]
    assert theme(etna, "ETNA-2")["title"] == "Le travail en mobilité et à distance"
    assert "sécurisée à distance" in theme(etna, "ETNA-2")["summary"]
    for axis in etna["themes"]:
        assert "100%" in axis["cofinancing_text"]
        assert axis["rule"] == axis["code"]


def test_etna_deposit_window_is_24_june_to_6_september_inclusive(etna):
    for axis in etna["themes"]:
        window = session(axis, "edition-2")
        assert aware(window["opens_at"]) == paris(2019, 6, 24)
        # « jusqu'au 6 septembre à minuit »: nothing is accepted from 7 September 00:00 (Paris).
        assert aware(window["closes_at"]) == paris(2019, 9, 7)
        assert window["kind"] == "aap"


def test_etna_first_edition_is_an_earlier_session(etna):
    for axis in etna["themes"]:
        first, second = session(axis, "edition-1"), session(axis, "edition-2")
        assert aware(first["opens_at"]).date() == datetime.date(2019, 3, 1)
        assert aware(first["closes_at"]) <= aware(second["opens_at"])
        assert "mars 2019" in first["name"]


def test_etna_info_sessions_at_segur(etna):
    sessions = etna["info_sessions"]
    starts = [aware(item["starts_at"]) for item in sessions]
    assert starts == [paris(2019, 7, 17, 14), paris(2019, 7, 24, 14), paris(2019, 8, 28, 14)]
    assert [aware(item["ends_at"]).hour for item in sessions] == [17, 17, 17]
    for item in sessions:
        assert item["address"] == SEGUR
        assert "pièce d'identité" in item["access_conditions"]
        assert "à distance" in item["access_conditions"]
        assert "etna.dinsic@modernisation.gouv.fr" in item["description"]
    assert "pitch" in sessions[2]["title"]


def test_etna_grid_weighs_its_criteria_equally(etna):
    assert [item["code"] for item in etna["criteria"]] == ["C1", "C2", "C3"]
    assert "impact" in etna["criteria"][0]["label"].lower()
    for axis in etna["themes"]:
        assert "même poids" in axis["grid_note"]


# --- PIA 2016: CPT and LIT ------------------------------------------------------------------


@pytest.fixture(scope="module")
def pia() -> dict:
    return load(PIA)


def test_pia_programme(pia):
    assert pia["format"] == "portal-call/1"
    assert pia["programme"]["fund"] == "Programme d'investissements d'avenir"
    assert [(item["slug"], item["kind"]) for item in pia["calls"]] == [("pia-2016-cpt", "aap"), ("pia-2016-lit", "ami")]


def test_cpt_two_waves_share_the_envelope_40_60(pia):
    cpt = theme(call(pia, "pia-2016-cpt"), "CPT")
    first, second = session(cpt, "vague-1"), session(cpt, "vague-2")
    assert aware(first["closes_at"]) == paris(2016, 6, 15, 17)
    assert aware(second["closes_at"]) == paris(2016, 10, 26, 17)
    assert aware(second["opens_at"]) >= aware(first["closes_at"])
    envelope = Decimal(cpt["envelope"])
    assert Decimal(first["envelope"]) == envelope * Decimal("0.40")
    assert Decimal(second["envelope"]) == envelope * Decimal("0.60")
    assert Decimal(first["envelope"]) + Decimal(second["envelope"]) == envelope


def test_lit_expression_of_interest_then_dossier(pia):
    lit_call = call(pia, "pia-2016-lit")
    assert lit_call["steps"] == ["Manifestation d'intérêt", "Dossier complet"]
    lit = theme(lit_call, "LIT")
    interest, dossier = lit["sessions"]
    assert (interest["kind"], dossier["kind"]) == ("interest", "dossier")
    assert aware(interest["closes_at"]) <= aware(dossier["opens_at"])
    assert aware(dossier["closes_at"]) == paris(2016, 9, 28, 17)
    assert dossier["jury_on"] == datetime.date(2016, 11, 15)
    assert "audition" in lit_call["selection_process"]


@pytest.mark.parametrize(("slug", "count"), [("pia-2016-cpt", 6), ("pia-2016-lit", 5)])
def test_pia_criteria_each_have_sub_criteria(pia, slug, count):
    criteria = call(pia, slug)["criteria"]
    assert [item["code"] for item in criteria] == [f"C{number}" for number in range(1, count + 1)]
    for criterion in criteria:
        assert criterion["sub_criteria"], criterion["code"]
        for sub in criterion["sub_criteria"]:
            assert sub["code"].startswith(f"{criterion['code']}.")
            assert "Éléments de justification à apporter" in sub["definition"]


def test_pia_dossier_parts_share_the_10_mb_total(pia):
    for call_data in pia["calls"]:
        documents = call_data["required_documents"]
        assert {"fiche-synthese", "presentation-projet", "fiche-financement", "acte-candidature"} <= {
            item["kind"] for item in documents
        }
        for document in documents:
            assert (document["scope"], document["max_size_mb"]) == ("dossier", "10")
            assert document["formats"] == ["odt", "pdf", "doc", "xls", "ppt"]
        assert next(item for item in documents if item["kind"] == "presentation-projet")["max_pages"] == 20


def test_pia_eligibility_and_cofinancing_texts(pia):
    for call_data in pia["calls"]:
        (theme_data,) = call_data["themes"]
        assert "préfet de région" in theme_data["eligibility_text"]
        assert "50/50" in theme_data["cofinancing_text"]
        assert "250 000 euros" in theme_data["cofinancing_text"]
        assert theme_data["project_size_max"] == "500000"


# --- rule keys ------------------------------------------------------------------------------


def test_rule_keys_exist_in_the_rules_catalogue():
    rules = load_rules()
    keys = [axis["rule"] for path in (ETNA, PIA) for item in load(path)["calls"] for axis in item["themes"]]
    assert keys == ["ETNA-1", "ETNA-2", "CPT", "LIT"]
    assert set(keys) <= set(rules)
    assert rules["CPT"].cap_per_dossier == Decimal("250000")


# --- ETNA laureates -------------------------------------------------------------------------


def test_etna_laureates(etna):
    results = load(LAUREATES)
    laureates = results["laureates"]
    assert (results["dossiers_received"], results["laureates_count"], len(laureates)) == (25, 10, 10)
    assert Decimal(results["total_granted"]) == Decimal("740616")
    assert (results["call"], results["session"]) == (etna["slug"], "edition-1")
    assert {item["axis"] for item in laureates} == {axis["code"] for axis in etna["themes"]}
    assert all(item["title"] and item["organisation"] and item["summary"] for item in laureates)
    assert [item["title"] for item in laureates][:2] == ["DRIVE", "ITINEO ETNA"]
    assert laureates[-1]["organisation"] == "Préfecture de région Ile-de-France"
    amounts = [item["amount"] for item in laureates if item["amount"] is not None]
    if amounts:  # the page gives only the total; per-laureate amounts, when known, must add up to it
        assert sum(Decimal(amount) for amount in amounts) == Decimal(results["total_granted"])


# --- import into the database ---------------------------------------------------------------


@pytest.mark.django_db
def test_call_files_import_into_the_database():
    interchange = pytest.importorskip("calls.interchange")
    from calls.models import Call, Criterion, InfoSession, Programme, RequiredDocument, Session, Theme
    from calls.selectors import current_rule_version

    etna_calls = interchange.call_file_import(path=ETNA, actor=None)
    pia_calls = interchange.call_file_import(path=PIA, actor=None)

    assert [item.slug for item in etna_calls] == ["etna-2019"]
    assert [item.slug for item in pia_calls] == ["pia-2016-cpt", "pia-2016-lit"]
    assert Programme.objects.count() == 2
    assert Call.objects.count() == 3
    assert Theme.objects.count() == 4
    assert Session.objects.count() == 2 * 2 + 2 + 2
    assert InfoSession.objects.filter(call__slug="etna-2019", address=SEGUR).count() == 3
    closes = Session.objects.get(theme__code="ETNA-1", key="edition-2").closes_at
    assert closes == paris(2019, 9, 7)
    assert Session.objects.get(theme__code="LIT", key="dossier").closes_at == paris(2016, 9, 28, 17)
    top = Criterion.objects.filter(parent__isnull=True)
    assert top.filter(call__slug="pia-2016-cpt").count() == 6
    assert top.filter(call__slug="pia-2016-lit").count() == 5
    assert Criterion.objects.filter(parent__call__slug="pia-2016-cpt").count() == 14
    assert Criterion.objects.filter(parent__call__slug="pia-2016-lit").count() == 15
    assert RequiredDocument.objects.filter(call__slug="pia-2016-cpt").count() == 10
    # LIT: the nine pieces of the full dossier, and the prefect's letter of intent at the expression of interest.
    assert RequiredDocument.objects.filter(call__slug="pia-2016-lit", step="dossier").count() == 9
    assert RequiredDocument.objects.get(call__slug="pia-2016-lit", step="interest").kind == "lettre-intention"
    lit = Call.objects.get(slug="pia-2016-lit")
    assert lit.second_step_invited_only and lit.form_definitions.get(step="interest").schema["sections"]
    rule = current_rule_version(Theme.objects.get(code="CPT")).config
    assert rule["cap_per_dossier"] in {"250000", "250000.00"} and rule["size_on_total_cost"] is True

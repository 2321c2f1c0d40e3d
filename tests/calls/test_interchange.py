"""Import / export of whole calls: round trips in YAML and XLSX, and refusals that write nothing."""

import datetime
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import tablib

from calls.interchange import (
    InterchangeError,
    call_document_export,
    call_document_import,
    call_document_load,
    call_document_plan,
    call_workbook_export,
    call_workbook_import,
    call_yaml_export,
    call_yaml_import,
    workbook_document,
)
from calls.interchange.schema import SESSION_FIELDS, THEME_FIELDS
from calls.models import Call, Criterion, FormDefinition, InfoSession, Programme, Session, Theme
from calls.rules import load_rules
from portal.errors import DomainError
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def sample_document() -> dict:
    return {
        "format": "portal-call/1",
        "programme": {
            "slug": "pia",
            "name": "Programme d'investissements d'avenir",
            "owner_teams": ["SGMAP"],
            "total_envelope": "5000000",
        },
        "calls": [
            {
                "slug": "lit-2016",
                "title": "Laboratoires d'innovation territoriale",
                "kind": "ami",
                "status": "published",
                "tax_basis": "HT",
                "steps": ["Manifestation d'intérêt", "Dossier complet"],
                "published_on": datetime.date(2016, 6, 1),
                "criteria": [
                    {
                        "code": "1",
                        "label": "Pertinence",
                        "definition": "Adéquation aux besoins.",
                        "weight": "2",
                        "sub_criteria": [
                            {"code": "1.1", "label": "Besoins des usagers"},
                            {"code": "1.2", "label": "Ancrage territorial"},
                        ],
                    },
                    {"code": "2", "label": "Faisabilité", "threshold": "2"},
                ],
                "required_documents": [
                    {
                        "kind": "dossier",
                        "label": "Dossier de candidature",
                        "formats": ["pdf", "odt"],
                        "max_size_mb": "10",
                        "scope": "dossier",
                    }
                ],
                "info_sessions": [
                    {
                        "title": "Réunion d'information",
                        "starts_at": "2016-07-17T14:00:00",
                        "ends_at": "2016-07-17T17:00:00",
                        "address": "20 avenue de Ségur, 75007 Paris",
                        "capacity": 40,
                    }
                ],
                "themes": [
                    {
                        "code": "LIT",
                        "title": "Laboratoires",
                        "objectives": ["Expérimenter", "Essaimer"],
                        "envelope": "3000000",
                        "rule": "LIT",
                        "sessions": [
                            {
                                "key": "interest",
                                "name": "Manifestation d'intérêt",
                                "kind": "interest",
                                "opens_at": "2016-06-01T00:00:00",
                                "closes_at": "2016-07-15T17:00:00",
                            },
                            {
                                "key": "dossier",
                                "name": "Dossier",
                                "kind": "dossier",
                                "opens_at": "2016-07-16T00:00:00",
                                "closes_at": "2016-09-28T17:00:00",
                                "jury_on": datetime.date(2016, 11, 15),
                            },
                        ],
                        "rolling_sessions": {
                            "key_prefix": "guichet",
                            "name": "Guichet",
                            "first_month": "2016-11",
                            "last_month": "2017-02",
                            "close_day": 15,
                        },
                        "phases": [
                            {"key": "phase-1", "label": "Amorçage", "milestones": [{"key": "m1", "label": "Lancement"}]}
                        ],
                        "form": {
                            "sections": [
                                {
                                    "key": "projet",
                                    "title": "Projet",
                                    "fields": [
                                        {
                                            "key": "partenaires",
                                            "label": "Des partenaires ?",
                                            "kind": "yes_no",
                                            "required": True,
                                        },
                                        {
                                            "key": "liste",
                                            "label": "Lesquels",
                                            "kind": "long_text",
                                            "show_if": {"field": "partenaires", "equals": True},
                                        },
                                    ],
                                },
                            ]
                        },
                    },
                ],
            },
        ],
    }


def test_import_creates_the_whole_call_with_inheritance_and_rolling_sessions():
    [call] = call_document_import(data=sample_document())
    theme = call.themes.get()
    assert call.programme.slug == "pia"
    assert Criterion.objects.filter(call=call, parent__isnull=True).count() == 2
    assert Criterion.objects.get(code="1.1").parent.code == "1"
    assert [(v.number, v.config["rate_percent"]) for v in theme.rule_versions.all()] == [(1, "50")]
    assert [s.key for s in theme.sessions.filter(kind="guichet")] == [
        "guichet-2016-11",
        "guichet-2016-12",
        "guichet-2017-01",
        "guichet-2017-02",
    ]
    december = theme.sessions.get(key="guichet-2016-12")
    assert december.opens_at == datetime.datetime(2016, 11, 15, tzinfo=PARIS)
    assert december.closes_at == datetime.datetime(2016, 12, 15, tzinfo=PARIS)
    assert december.jury_on == datetime.date(2016, 12, 31)
    assert theme.sessions.get(key="dossier").closes_at == datetime.datetime(2016, 9, 28, 17, tzinfo=PARIS)
    assert FormDefinition.objects.get(theme=theme).status == FormDefinition.Status.PUBLISHED
    assert InfoSession.objects.get(call=call).capacity == 40


def _reimport(export, document) -> dict:
    """Export, empty the database, import the export, export again."""
    Call.objects.all().delete()
    Programme.objects.all().delete()
    [call] = export(document)
    return call_document_export(call=call)


def test_yaml_round_trip_gives_the_same_call():
    [call] = call_document_import(data=sample_document())
    first = call_document_export(call=call)
    text = call_yaml_export(call=call)
    assert _reimport(lambda _: call_yaml_import(content=text), first) == first


def test_xlsx_round_trip_gives_the_same_call():
    [call] = call_document_import(data=sample_document())
    first = call_document_export(call=call)
    content = call_workbook_export(call=call)
    assert workbook_document(content)["calls"][0]["themes"][0]["code"] == "LIT"
    assert _reimport(lambda _: call_workbook_import(content=content), first) == first


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["calls"][0]["themes"][0]["sessions"][0].update(closes_at="2016-05-01T00:00:00"),
            "calls[0].themes[0].sessions[0]",
        ),
        (
            lambda d: d["calls"][0]["themes"][0]["sessions"].append(
                {
                    "key": "interest-2",
                    "name": "Bis",
                    "kind": "interest",
                    "opens_at": "2016-07-01T00:00:00",
                    "closes_at": "2016-07-20T00:00:00",
                }
            ),
            "chevauche",
        ),
        (lambda d: d["calls"][0]["criteria"][0].update(weight="-1"), "pondération ne peut pas être négative"),
        (lambda d: d["calls"][0]["criteria"][1].update(threshold="9"), "seuil doit être compris"),
        (
            lambda d: d["calls"][0]["themes"][0]["form"]["sections"][0]["fields"][1]["show_if"].update(
                field="plus_tard"
            ),
            "n'existe pas avant ce champ",
        ),
        (lambda d: d["calls"][0]["themes"][0].update(rule="XYZ"), "règle « XYZ » inconnue"),
        (lambda d: d["calls"][0]["themes"][0].update(couleur="bleu"), "calls[0].themes[0].couleur : champ inconnu"),
        (lambda d: d["calls"][0]["themes"][0].update(envelope="beaucoup"), "n'est pas un nombre"),
    ],
)
def test_bad_documents_are_refused_with_the_place_and_nothing_is_written(change, message):
    document = sample_document()
    change(document)
    with pytest.raises(InterchangeError) as refused:
        call_document_import(data=document)
    assert message in refused.value.message
    assert not Programme.objects.exists() and not Theme.objects.exists() and not Session.objects.exists()


def test_an_imported_call_is_a_draft_whatever_the_file_says():
    document = sample_document()
    assert document["calls"][0]["status"] == "published"
    [call] = call_document_import(data=document)
    assert call.status == Call.Status.DRAFT
    assert AuditEvent.objects.get(action="call.import").call_id == call.pk


def test_source_files_take_their_status_through_the_pre_publication_check():
    [call] = call_document_load(data=sample_document())
    assert call.status == Call.Status.PUBLISHED
    assert list(AuditEvent.objects.filter(call_id=call.pk).values_list("action", flat=True).order_by("pk")) == [
        "call.import",
        "call.publish",
    ]
    broken = sample_document()
    broken["calls"][0]["slug"] = "sans-regle"
    del broken["calls"][0]["themes"][0]["rule"]
    with pytest.raises(DomainError, match="n'a pas de règle de cofinancement"):
        call_document_load(data=broken)
    assert not Call.objects.filter(slug="sans-regle").exists()


def test_reimporting_a_draft_shows_a_readable_diff_then_applies_it():
    [call] = call_document_import(data=sample_document())
    theme = call.themes.get()
    document = sample_document()
    lit = document["calls"][0]["themes"][0]
    lit["title"] = "Laboratoires (2e édition)"
    lit["sessions"][0]["closes_at"] = "2016-07-20T17:00:00"
    lit["sessions"].append(
        {"key": "bis", "name": "Session bis", "kind": "dossier", "opens_at": "2017-03-02", "closes_at": "2017-04-01"}
    )
    del lit["rule"]
    lit["funding_rule"] = {**load_rules()["LIT"].to_dict(), "rate_percent": "40"}
    document["calls"][0]["criteria"][0]["weight"] = "3"
    del document["calls"][0]["criteria"][1]
    plan = call_document_plan(data=document)
    [planned] = plan.reimports
    assert planned.existing == call and not planned.refused
    assert [f"{change.place} : {change.text}" for change in planned.changes] == [
        "Appel — critère 1 : pondération : 2 → 3",
        "Appel — critère 2 : supprimé(e)",
        "Thème LIT : titre : Laboratoires → Laboratoires (2e édition)",
        "Thème LIT : règle de cofinancement, taux de cofinancement : 50 → 40",
        "Thème LIT — session interest : clôture : 15/07/2016 17:00 → 20/07/2016 17:00",
        "Thème LIT — session bis : ajouté(e)",
    ]
    assert Theme.objects.get(pk=theme.pk).title == "Laboratoires"  # nothing written yet

    [updated] = call_document_import(data=document)
    assert updated.pk == call.pk and updated.status == Call.Status.DRAFT
    theme.refresh_from_db()
    assert theme.title == "Laboratoires (2e édition)" and theme.sessions.filter(key="bis").exists()
    assert [(v.number, v.config["rate_percent"]) for v in theme.rule_versions.all()] == [(1, "40")]
    assert list(Criterion.objects.filter(call=call, parent__isnull=True).values_list("code", "weight")) == [
        ("1", Decimal("3"))
    ]
    event = AuditEvent.objects.get(action="call.reimport")
    assert "Appel — critère 2 : supprimé(e)" in event.data["changes"]
    assert call_document_plan(data=document).reimports[0].changes == []


def test_a_published_call_is_not_changed_by_an_import():
    [call] = call_document_load(data=sample_document())
    document = sample_document()
    document["calls"][0]["title"] = "Autre titre"
    [planned] = call_document_plan(data=document).reimports
    assert "un import ne modifie qu'un appel en brouillon" in planned.refused
    assert [f"{c.place} : {c.text}" for c in planned.changes] == [
        "Appel : titre : Laboratoires d'innovation territoriale → Autre titre"
    ]
    with pytest.raises(DomainError, match="en brouillon"):
        call_document_import(data=document)
    assert Call.objects.get(pk=call.pk).title == "Laboratoires d'innovation territoriale"


def test_a_call_of_another_programme_cannot_be_taken_over():
    call_document_import(data=sample_document())
    document = sample_document()
    document["programme"]["slug"] = "autre-programme"
    with pytest.raises(InterchangeError, match="existe déjà dans le programme"):
        call_document_plan(data=document)


def letter(index: int) -> str:
    """The spreadsheet's name of the column at 0-based `index`: A … Z, AA, AB…"""
    return chr(65 + index) if index < 26 else chr(64 + index // 26) + chr(65 + index % 26)


def _broken_workbook(call, sheet_title: str, column: str, value, row: int = 0) -> bytes:
    book = tablib.Databook()
    book.load(call_workbook_export(call=call), format="xlsx")
    rebuilt = tablib.Databook()
    for sheet in book.sheets():
        rows = [list(r) for r in sheet]
        if sheet.title == sheet_title:
            rows[row][list(sheet.headers).index(column)] = value
        rebuilt.add_sheet(tablib.Dataset(*rows, headers=sheet.headers, title=sheet.title))
    return rebuilt.export("xlsx")


def test_xlsx_errors_name_the_sheet_the_row_and_the_column():
    [call] = call_document_import(data=sample_document())
    Call.objects.filter(pk=call.pk).update(slug="ancien")  # the workbook's call is then a new one
    content = _broken_workbook(call, "sessions", "closes_at", "le 3 mai", row=1)
    with pytest.raises(InterchangeError) as refused:
        call_workbook_import(content=content)
    column = letter(["appel", "thème", *SESSION_FIELDS].index("closes_at"))
    assert refused.value.errors[0] == (
        f"feuille « sessions », ligne 3, colonne {column} « closes_at » : "
        "« le 3 mai » n'est pas une date-heure AAAA-MM-JJTHH:MM."
    )
    assert not any("calls[0]" in error for error in refused.value.errors)
    rule = workbook_document(call_workbook_export(call=call))["calls"][0]["themes"][0]["funding_rule"]
    content = _broken_workbook(call, "thèmes", "funding_rule", json.dumps({**rule, "rate_percent": "150"}))
    with pytest.raises(InterchangeError) as refused:
        call_workbook_import(content=content)
    column = letter(["appel", *THEME_FIELDS, "funding_rule"].index("funding_rule"))
    assert refused.value.errors == [
        f"feuille « thèmes », ligne 2, colonne {column} « funding_rule » (taux de cofinancement) : "
        "taux attendu entre 0 et 100\u00a0% (reçu : 150)."
    ]

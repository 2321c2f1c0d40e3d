"""Import / export of whole calls: round trips in YAML and XLSX, and refusals that write nothing."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import tablib

from calls.interchange import (
    InterchangeError,
    call_document_export,
    call_document_import,
    call_workbook_export,
    call_workbook_import,
    call_yaml_export,
    call_yaml_import,
    workbook_document,
)
from calls.models import Call, Criterion, FormDefinition, InfoSession, Programme, Session, Theme

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
    assert theme.funding_rule["rate_percent"] == "50"
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


def test_an_existing_call_slug_is_refused():
    call_document_import(data=sample_document())
    with pytest.raises(InterchangeError, match="existe déjà"):
        call_document_import(data=sample_document())
    assert Call.objects.count() == 1


def test_workbook_with_an_unknown_theme_or_column_is_refused():
    [call] = call_document_import(data=sample_document())
    book = tablib.Databook()
    book.load(call_workbook_export(call=call), format="xlsx")
    sheets = {sheet.title: sheet for sheet in book.sheets()}
    sessions = sheets["sessions"]
    rows = [list(row) for row in sessions]
    rows[0][1] = "ITN99"
    book_bad = tablib.Databook()
    for title, sheet in sheets.items():
        if title == "sessions":
            sheet = tablib.Dataset(*rows, headers=sessions.headers, title="sessions")
        book_bad.add_sheet(sheet)
    with pytest.raises(InterchangeError, match="thème « ITN99 » inconnu"):
        workbook_document(book_bad.export("xlsx"))
    extra = tablib.Databook()
    for title, sheet in sheets.items():
        if title == "pièces":
            sheet = tablib.Dataset(
                *[list(r) + ["x"] for r in sheet], headers=list(sheet.headers) + ["poids"], title="pièces"
            )
        extra.add_sheet(sheet)
    with pytest.raises(InterchangeError, match="colonne « poids » : colonne inconnue"):
        workbook_document(extra.export("xlsx"))


def test_unreadable_yaml_is_refused():
    with pytest.raises(InterchangeError, match="YAML illisible"):
        call_yaml_import(content="a: [b")
    assert not Call.objects.exists()

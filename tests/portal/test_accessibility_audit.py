"""The RGAA audit grid is complete, its rate follows RGAA's rules, and what users read comes from it.

The statement (/accessibilite/), the footer's mention and docs/accessibility/audit.md must say
what the grid gives (portal/data/rgaa_audit.yaml): a change of the grid without the document, or
a claim in the document that the grid does not support, fails here.
"""

import html
import re
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse

from portal.accessibility import (
    CRITERIA_COUNT,
    LEVELS,
    GridError,
    current_audit,
    french_percent,
    parse,
)

AUDIT_DOC = Path(__file__).resolve().parents[2] / "docs" / "accessibility" / "audit.md"


def grid(results: dict[str, dict], *, processes: dict | None = None, pages=("a", "b")) -> dict:
    """A grid of `pages` where the criteria of `results` get those results and the others are NA."""
    processes = processes or {}
    criteria = {f"0.{n}": {"title": f"critère {n}", "default": "NA"} for n in range(CRITERIA_COUNT)}
    for number, entry in results.items():
        criteria.pop(next(iter(criteria)))  # still 106 criteria in all
        criteria[number] = {"title": number, **entry}
    return {
        "referential": "RGAA 4.1",
        "audited_on": date(2026, 12, 5),
        "auditor": "nous",
        "method": "à la main",
        "tools": [],
        "environment": [],
        "technologies": [],
        "pages": {
            key: {
                "title": key,
                "url": f"/{key}/",
                "view": "home",
                "roles": ["visiteur"],
                "process": processes.get(key, ""),
            }
            for key in pages
        },
        "themes": [{"title": "Tout", "criteria": criteria}],
    }


def test_the_grid_holds_the_106_criteria_on_every_page_of_the_sample():
    audit = current_audit()
    assert len(audit.criteria) == CRITERIA_COUNT
    numbers = [criterion.number for criterion in audit.criteria]
    assert numbers[0] == "1.1" and numbers[-1] == "13.12" and "10.14" in numbers and "4.13" in numbers
    for criterion in audit.criteria:
        assert set(criterion.results) == set(audit.pages), criterion.number
        assert criterion.title and criterion.theme


def test_the_sample_holds_the_pages_rgaa_requires_and_each_names_a_real_page():
    audit = current_audit()
    views = {page.view for page in audit.pages.values()}
    for required in ("home", "account_login", "portal:accessibility", "portal:sitemap", "portal:privacy"):
        assert required in views
    # Every step of the dossier process is in the sample, under one process.
    process = {page.view for page in audit.pages.values() if page.process == "depot"}
    assert process == {
        "applications:dossier_detail",
        "applications:project",
        "applications:team",
        "applications:section",
        "applications:budget",
        "applications:documents",
        "applications:review",
    }
    for page in audit.pages.values():
        assert page.roles, page.key
        try:
            reverse(page.view)
        except NoReverseMatch as error:  # a page with arguments: the view name exists, the arguments are missing
            assert "with no arguments not found" in str(error) or "arguments" in str(error), page.view


def test_a_criterion_fails_when_it_fails_on_one_page_and_applies_when_it_applies_on_one():
    audit = parse(
        grid(
            {
                "1.1": {"default": "C"},
                "1.2": {"default": "C", "pages": {"b": {"result": "NC", "note": "cassé sur b"}}},
                "1.3": {"default": "NA", "pages": {"a": "C"}},
            }
        )
    )
    statuses = {criterion.number: criterion.status for criterion in audit.criteria if criterion.number[0] == "1"}
    assert statuses == {"1.1": "C", "1.2": "NC", "1.3": "C"}
    assert len(audit.applicable) == 3 and len(audit.respected) == 2
    assert str(audit.rate) == "66.6"  # cut, never rounded up
    assert audit.level == LEVELS["partial"]
    assert audit.non_conformities()[0]["failures"] == [{"note": "cassé sur b", "pages": ["b"]}]


@pytest.mark.parametrize(
    ("respected", "failed", "level"),
    [(4, 0, "total"), (2, 2, "partial"), (1, 2, "none"), (99, 1, "partial")],
)
def test_the_mention_follows_the_exact_fraction(respected, failed, level):
    results = {f"1.{n}": {"default": "C"} for n in range(respected)}
    results |= {f"2.{n}": {"default": {"result": "NC", "note": "non"}} for n in range(failed)}
    audit = parse(grid(results))
    assert audit.level == LEVELS[level]
    if failed:
        assert audit.rate < 100


def test_a_page_of_a_process_fails_what_another_page_of_the_process_fails():
    audit = parse(
        grid(
            {"1.1": {"default": "C", "pages": {"b": {"result": "NC", "note": "non"}}}, "1.2": {"default": "C"}},
            processes={"a": "depot", "b": "depot"},
            pages=("a", "b", "c"),
        )
    )
    assert [str(audit.page_rate(key)) for key in ("a", "b", "c")] == ["50.0", "50.0", "100.0"]
    assert str(audit.average_rate) == "66.6"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"default": "NC"}, "doit dire pourquoi"),
        ({"default": "OK"}, "inconnu"),
        ({"pages": {"a": "C"}}, "aucun résultat pour la page b"),
        ({"default": "C", "pages": {"z": "C"}}, "pages inconnues"),
    ],
)
def test_an_incomplete_or_wrong_grid_is_refused(entry, message):
    with pytest.raises(GridError, match=message):
        parse(grid({"1.1": entry}))


def test_the_statement_shows_what_the_grid_gives(client):
    audit = current_audit()
    response = client.get(reverse("portal:accessibility"))
    assert response.status_code == 200
    text = html.unescape(re.sub(r"\s+", " ", response.content.decode()))
    assert f"est <strong>{audit.level}</strong>" in text
    assert f"{str(audit.rate).replace('.', ',')} % des critères du RGAA 4.1 sont respectés" in text
    for criterion in audit.not_respected:
        assert f"Critère {criterion.number}" in text
    for page in audit.pages.values():
        assert page.title in text
    for heading in (
        "État de conformité",
        "Résultats des tests",
        "Non-conformités",
        "Dérogations pour charge disproportionnée",
        "Contenus non soumis à l'obligation d'accessibilité",
        "Technologies utilisées pour la réalisation du site",
        "Environnement de test",
        "Outils pour évaluer l'accessibilité",
        "Retour d'information et contact",
        "Voies de recours",
        "Défenseur des droits",
        "Libre réponse 71120",
    ):
        assert heading in text, heading
    assert audit.audited_on.strftime("%d/%m/%Y") in text


def test_the_statement_gives_the_contact_address_when_one_is_set(client, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "accessibilite@exemple.gouv.fr"
    response = client.get(reverse("portal:accessibility"))
    assert 'href="mailto:accessibilite@exemple.gouv.fr"' in response.content.decode()


def test_every_page_says_the_level_of_the_grid_and_links_to_the_statement(client, db):
    text = client.get(reverse("home")).content.decode()
    level = current_audit().level
    assert f'href="{reverse("portal:accessibility")}">Accessibilité : {level}</a>' in text
    assert f'href="{reverse("portal:sitemap")}">Plan du site</a>' in text


def test_the_audit_document_says_what_the_grid_computes():
    audit = current_audit()
    text = AUDIT_DOC.read_text(encoding="utf-8")
    assert f"Taux de conformité : **{french_percent(audit.rate)}**" in text
    assert f"({len(audit.respected)} critères respectés sur {len(audit.applicable)} applicables)" in text
    assert f"taux moyen de conformité : **{french_percent(audit.average_rate)}**" in text
    assert f"mention : **{audit.level}**" in text
    assert f"Audit du {audit.audited_on.day} " in text
    for criterion in audit.not_respected:
        assert f"**{criterion.number} — " in text, f"critère {criterion.number} non conforme absent du document"


def test_the_command_prints_the_rate(capsys):
    call_command("rgaa_audit")
    out = capsys.readouterr().out
    audit = current_audit()
    assert f"Taux de conformité : {french_percent(audit.rate)}" in out and audit.level in out

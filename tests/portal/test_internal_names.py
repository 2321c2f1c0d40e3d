"""No internal name reaches a person: every page of every role in the permission matrix's world is
read as text (tests/portal/page_text.py) and searched for

- the stored code of a choice instead of its French label (« external_services », « quarterly »):
  the codes are found by introspection of every TextChoices of the project and of the form kinds,
  so a new choice is checked without touching this test;
- a Python value written as such (« True », « None »);
- a number written the English way (« 30000.00 », « 73.333 »), in the text or in the value of a
  decimal input.

Every form of those pages is then posted back with unreadable values, and every error message
shown must name fields by their label, never by the name the form posts (« recommendation »).
"""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from applications.models import BudgetLine
from calls.formschema import FIELD_KINDS
from tests.portal.page_text import ENGLISH_NUMBER, page_text, project_text_choices, whole_word
from tests.portal.test_permission_matrix import (  # noqa: F401 (world is a fixture)
    EXPECTED,
    OK,
    ROLES,
    build_kwargs,
    expected_outcome,
    url_patterns,
    world,
)

# Codes that are also French words: a page may write them for their own sake.
FRENCH_WORDS = {"convention", "file", "dossier", "ouverts", "date"}
PYTHON_VALUES = ("True", "False", "None")
DECIMAL_INPUT = re.compile(r'<input[^>]*inputmode="decimal"[^>]*>')
INPUT_VALUE = re.compile(r'value="([^"]*)"')
ERROR_CLASSES = ("fr-error-text", "fr-message--error", "fr-alert--error", "errorlist", "fr-callout--error")


def internal_codes() -> dict[str, str]:
    """code → where it comes from, for every choice whose code is not its French label's own word."""
    codes = {}
    for choices in project_text_choices():
        for value, label in choices.choices:
            if value in FRENCH_WORDS or whole_word(value.lower()).search(str(label).lower()):
                continue
            codes[value] = f"{choices.__module__}.{choices.__qualname__}"
    codes.update(
        {
            kind: "calls.formschema.FIELD_KINDS"
            for kind, label in FIELD_KINDS.items()
            if kind not in FRENCH_WORDS and not whole_word(kind).search(label.lower())
        }
    )
    return codes


def enrich(users, arguments) -> None:
    """The jury's dossier gets a frozen budget of every category and source, and the chair's sheet
    a recommendation: the juror's pages then show every budget code and the recommendation."""
    from applications.models import Dossier
    from applications.services.submission import snapshot_freeze
    from juries.models import Assignment, Recommendation
    from juries.services import evaluation

    evaluated = Dossier.objects.get(pk=arguments["dossier_id"])
    sources = list(BudgetLine.Source)
    for index, category in enumerate(BudgetLine.Category):
        BudgetLine.objects.create(
            dossier=evaluated,
            label=f"Dépense {index}",
            year=2026,
            category=category,
            source=sources[index % len(sources)],
            cofinancer_name="Région" if sources[index % len(sources)] == BudgetLine.Source.COFINANCER else "",
            amount=Decimal("12500.50"),
        )
    snapshot_freeze(dossier=evaluated, actor=evaluated.created_by, at=evaluated.created_at)
    assignment = Assignment.objects.get(member__user=users["juror_j"], dossier=evaluated)
    evaluation.evaluation_save(
        actor=users["juror_j"],
        assignment=assignment,
        scores={"C1": {"score": "3", "na": False, "comment": "Clair."}},
        opinion="Un avis.",
        recommendation=Recommendation.FUND_WITH_CONDITIONS,
    )


def html_pages(users, arguments):
    """(role, url, html) of every page each role may open in the world, GET only."""
    for name, pattern in url_patterns():
        expectation = EXPECTED[name]
        url = reverse(name, kwargs=build_kwargs(name, pattern, expectation, arguments))
        for role in ROLES:
            if expected_outcome(expectation.rule, role) != OK:
                continue
            client = Client()
            if role != "anonymous":
                client.force_login(users[role])
            response = client.get(url)
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                yield role, url, client, response.content.decode()


@pytest.fixture
def pages(world, settings):
    settings.PORTAL_ENFORCE_MFA = False
    users, arguments = world
    enrich(users, arguments)
    return list(html_pages(users, arguments))


def test_no_page_shows_an_internal_code_a_python_value_or_an_english_number(pages):
    codes = {code: whole_word(code) for code in internal_codes()}
    python = {value: whole_word(value) for value in PYTHON_VALUES}
    problems = []
    for role, url, _client, html in pages:
        text = page_text(html)
        for code, pattern in {**codes, **python}.items():
            for match in pattern.finditer(text):
                context = text[max(0, match.start() - 60) : match.end() + 30].replace("\n", " ")
                problems.append(f"{url} ({role}) : « {code} » dans « …{context}… »")
        for match in ENGLISH_NUMBER.finditer(text):
            context = text[max(0, match.start() - 60) : match.end() + 30].replace("\n", " ")
            problems.append(f"{url} ({role}) : nombre à l'anglaise « {match.group()} » dans « …{context}… »")
        for tag in DECIMAL_INPUT.findall(html):
            value = INPUT_VALUE.search(tag)
            if value and ENGLISH_NUMBER.search(value.group(1)):
                problems.append(f"{url} ({role}) : champ numérique affiché « {value.group(1)} »")
    print(f"\n{len(pages)} pages lues.")
    assert not problems, "\n".join(sorted(set(problems)))


class _Forms(HTMLParser):
    """The POST forms of a page: their action and the names of their fields (with hidden values)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self.current = {"action": attributes.get("action") or "", "fields": {}, "hidden": {}, "buttons": []}
            self.forms.append(self.current)
        elif self.current is None or not attributes.get("name"):
            return
        elif tag == "button" or attributes.get("type") == "submit":
            self.current["buttons"].append({attributes["name"]: attributes.get("value") or ""})
        elif tag in ("input", "select", "textarea"):
            name = attributes["name"]
            if attributes.get("type") == "hidden" or name == "csrfmiddlewaretoken":
                self.current["hidden"][name] = attributes.get("value") or ""
            elif attributes.get("type") not in ("button", "file"):
                self.current["fields"][name] = attributes.get("type") or tag

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def readable_name(name: str) -> set[str]:
    """The names a form field posts under, as a person could meet them in a message: the full name
    and the part after a formset or form prefix (« lines-0-amount » → « amount »)."""
    last = re.split(r"[-]", name)[-1]
    return {name, last} - {""}


def test_every_form_error_names_fields_by_their_label(pages):
    problems, posted = [], 0
    for role, url, client, html in pages:
        parser = _Forms()
        parser.feed(html)
        page = page_text(html)
        for form in parser.forms:
            if not form["fields"]:
                continue
            # A name that the page itself writes is a French word (« dossier »), not an internal one.
            names = {
                word
                for name in form["fields"]
                for word in readable_name(name)
                if len(word) > 2 and not whole_word(word.lower()).search(page.lower())
            }
            # Every field left empty, then every field unreadable (numbers, dates, choices, e-mails
            # and ids are all refused), sent with each of the form's buttons.
            for filler in ("", "§"):
                for button in form["buttons"] or [{}]:
                    data = {**form["hidden"], **dict.fromkeys(form["fields"], filler), **button}
                    with transaction.atomic():
                        response = client.post(form["action"] or url, data, follow=True)
                        transaction.set_rollback(True)
                    posted += 1
                    if not response["Content-Type"].startswith("text/html"):
                        continue
                    errors = page_text(response.content.decode(), only_within=ERROR_CLASSES)
                    for name in sorted(names):
                        if whole_word(name).search(errors):
                            problems.append(
                                f"{form['action'] or url} ({role}) : le champ « {name} » est nommé dans « {errors} »"
                            )
    print(f"\n{posted} formulaires envoyés avec des valeurs illisibles.")
    assert posted > 50
    assert not problems, "\n".join(sorted(set(problems)))

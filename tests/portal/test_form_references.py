"""Every reference between elements of a rendered page points to an element that exists.

A field whose `aria-describedby` names a missing id is announced without its error or hint
(a failed login pointed to `id_login_error` while the error was `id_login-error`; Django 5.2
adds `…_helptext` and `…_error` references that the templates must honour). Every page of the
portal is rendered for every role that may open it (the world of the permission matrix), then
the main forms of every role are posted with wrong input to render their errors. On each page:
- every id named by `aria-describedby`, `aria-labelledby` and `for` exists;
- ids are unique (a reference to a duplicated id is ambiguous, RGAA 8.2);
- every data table has a caption that names it (RGAA 5.4; a table that scrolls is focused by name).
"""

from __future__ import annotations

from html.parser import HTMLParser

from django.test import Client
from django.urls import reverse

from tests.portal.test_permission_matrix import (  # noqa: F401 (world is a fixture)
    EXPECTED,
    OK,
    ROLES,
    build_kwargs,
    expected_outcome,
    url_patterns,
    world,
)

REFERENCES = ("aria-describedby", "aria-labelledby", "for")


class References(HTMLParser):
    """Ids, references and tables of one HTML page."""

    def __init__(self):
        super().__init__()
        self.ids: dict[str, int] = {}
        self.references: list[tuple[str, str]] = []
        self.tables: list[str] = []  # each table's caption text ("" when none)
        self._caption: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids[attributes["id"]] = self.ids.get(attributes["id"], 0) + 1
        for name in REFERENCES:
            for target in (attributes.get(name) or "").split():
                self.references.append((name, target))
        if tag == "table":
            self.tables.append("")
        elif tag == "caption":
            self._caption = []

    def handle_data(self, data):
        if self._caption is not None:
            self._caption.append(data)

    def handle_endtag(self, tag):
        if tag == "caption" and self._caption is not None:
            self.tables[-1] = " ".join("".join(self._caption).split())
            self._caption = None


def problems_of(html: str) -> list[str]:
    page = References()
    page.feed(html)
    found = [
        f"{name}=« {target} » : aucun élément n'a cet id" for name, target in page.references if target not in page.ids
    ]
    found += [f"id « {key} » présent {count} fois" for key, count in page.ids.items() if count > 1]
    found += [
        f"tableau n° {index + 1} sans légende (caption)" for index, caption in enumerate(page.tables) if not caption
    ]
    return found


def html_of(response) -> str | None:
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return None
    return response.content.decode()


def invalid_posts(arguments: dict) -> list[tuple[str, str, dict]]:
    """(role, url, data): the main forms of each role, posted with input they refuse."""
    dossier = arguments["pk"]
    return [
        ("anonymous", reverse("account_login"), {"login": "", "password": ""}),
        ("anonymous", reverse("account_signup"), {"email": "pas-une-adresse"}),
        ("anonymous", reverse("calls:info_session_register", args=[arguments["info_p"]]), {"email": "x"}),
        ("anonymous", reverse("simulator:theme", args=[arguments["theme_id"]]), {"lines-TOTAL_FORMS": "x"}),
        ("applicant_a", reverse("applications:dossier_start", args=[arguments["session_id"]]), {"acronym": ""}),
        ("applicant_a", reverse("applications:project", args=[arguments["draft"]]), {"title": ""}),
        ("applicant_a", reverse("applications:section", args=[arguments["draft"], "projet"]), {"answers-usagers": "x"}),
        (
            "applicant_a",
            reverse("applications:budget", args=[arguments["draft"]]),
            {
                "lines-TOTAL_FORMS": "1",
                "lines-INITIAL_FORMS": "0",
                "lines-0-label": "Ligne",
                "lines-0-amount": "beaucoup",
                "base_version": "0",
            },
        ),
        ("applicant_a", reverse("applications:team", args=[arguments["draft"]]), {"email": "pas-une-adresse"}),
        ("applicant_a", reverse("applications:review", args=[arguments["draft"]]), {}),
        ("applicant_a", reverse("applications:messages", args=[dossier]), {"body": ""}),
        ("staff_p", reverse("calls_staff:call_create"), {"title": ""}),
        ("staff_p", reverse("calls_staff:criterion_create", args=[arguments["call_id"], arguments["theme_id"]]), {}),
        ("staff_p", reverse("applications:complement_request", args=[dossier]), {"message": ""}),
        (
            "juror_j",
            reverse("juries:score", args=[arguments["jury_id"], arguments["dossier_id"]]),
            {"action": "submit"},
        ),
        (
            "operator_p",
            reverse("funding:payment_record", args=[arguments["funded"], arguments["tranche"]]),
            {"amount": "x"},
        ),
    ]


def test_every_reference_of_every_rendered_page_points_to_an_element_that_exists(world, settings):
    from applications.models import Dossier
    from applications.services import drafting

    settings.PORTAL_ENFORCE_MFA = False
    users, arguments = world
    applicant = users["applicant_a"]
    # The world's dossier of A is submitted: a draft shows the forms of each step of the deposit.
    arguments["draft"] = drafting.dossier_start(
        actor=applicant,
        session=Dossier.objects.get(pk=arguments["pk"]).session,
        organisation=applicant.memberships.first().organisation,
        acronym="BROUILLON",
        title="Brouillon",
    ).pk
    clients = {}
    for role in ROLES:
        clients[role] = Client()
        if role != "anonymous":
            clients[role].force_login(users[role])

    problems, pages = [], 0
    for name, pattern in url_patterns():
        expectation = EXPECTED[name]
        url = reverse(name, kwargs=build_kwargs(name, pattern, expectation, arguments))
        for role in ROLES:
            if expected_outcome(expectation.rule, role) != OK:
                continue
            html = html_of(clients[role].get(url))
            if html is None:
                continue
            pages += 1
            problems += [f"GET {url} ({role}) : {problem}" for problem in problems_of(html)]
    posts = 0
    for role, url, data in invalid_posts(arguments):
        response = clients[role].post(url, data)
        assert response.status_code < 500, f"POST {url} ({role}) : {response.status_code}"
        html = html_of(response)
        if html is None:  # a refusal that redirects shows its message on the next page
            html = html_of(clients[role].get(response.get("Location") or url))
        posts += 1
        problems += [f"POST {url} ({role}) : {problem}" for problem in problems_of(html or "")]
    print(f"\nRéférences vérifiées sur {pages} pages rendues et {posts} formulaires refusés.")
    assert not problems, "\n".join(problems)


def test_the_check_sees_a_broken_reference_a_duplicated_id_and_a_table_without_caption():
    html = (
        '<label for="id_a">A</label><input id="id_a" aria-describedby="id_a_error">'
        '<p id="x"></p><p id="x"></p><table><tr><td>1</td></tr></table>'
        "<table><caption>Nommé</caption><tr><td>1</td></tr></table>"
    )
    assert problems_of(html) == [
        "aria-describedby=« id_a_error » : aucun élément n'a cet id",
        "id « x » présent 2 fois",
        "tableau n° 1 sans légende (caption)",
    ]


def test_a_failed_login_describes_its_fields_with_elements_that_exist(client, db):
    response = client.post(reverse("account_login"), {"login": "", "password": ""})
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and 'id="id_login_error"' in html
    assert 'role="alert"' in html and "data-focus-on-load" in html
    assert problems_of(html) == []

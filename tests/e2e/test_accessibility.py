"""Every page of the portal, for the roles that use it, at 1280×800 and 375×812.

First the pages of the RGAA audit sample (portal/data/rgaa_audit.yaml), each for each of its
roles: a page added to the sample is checked here without a new line of test. Then every other
page of the portal (the permission matrix's URLs), once, for the first role that may open it.
On each page and at each width:
- axe-core finds no serious or critical violation;
- the page does not scroll sideways (RGAA 10.11; tables scroll inside their own focusable frame);
- no field or button sticks out of the screen, and on the budget no choice of a list is cut.

One world (the permission matrix's) and one browser context per role keep the run short.
"""

import pytest
from django.test import Client
from django.urls import reverse

from portal.accessibility import current_audit
from tests.e2e.conftest import BLOCKING_IMPACTS
from tests.e2e.test_staff_call_setup import log_in
from tests.portal.test_permission_matrix import (  # noqa: F401 (world is a fixture)
    EXPECTED,
    OK,
    PUBLIC,
    Expectation,
    build_kwargs,
    expected_outcome,
    url_patterns,
    world,
)
from tests.portal.test_permission_matrix import ROLES as MATRIX_ROLES

pytestmark = pytest.mark.django_db(transaction=True)

# The grid's roles, as the world's users.
ROLES = {
    "visiteur": "anonymous",
    "deposant": "applicant_a",
    "equipe": "staff_p",
    "jure": "juror_j",
    "operateur": "operator_p",
}
WIDTHS = ((1280, 800), (375, 812))

# Fields and buttons whose box leaves the screen (outside a table, which scrolls in its own frame),
# and, where asked, lists whose longest choice is wider than the box that shows it.
LAYOUT_PROBLEMS = """
checkSelects => {
  const width = document.documentElement.clientWidth;
  const context = document.createElement("canvas").getContext("2d");
  const problems = [];
  for (const element of document.querySelectorAll("main input, main select, main textarea, main button")) {
    const box = element.getBoundingClientRect();
    if (!box.width || element.type === "hidden") continue;
    const name = `${element.tagName.toLowerCase()}#${element.id || element.name || element.textContent.trim()}`;
    if (!element.closest(".fr-table") && (box.left < -1 || box.right > width + 1)) {
      problems.push(`${name} sort de l'écran (${Math.round(box.left)} à ${Math.round(box.right)} px)`);
    }
    if (checkSelects && element.tagName === "SELECT") {
      const style = getComputedStyle(element);
      context.font = style.font;
      const room = element.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      for (const option of element.options) {
        const needed = context.measureText(option.text).width;
        if (needed > room + 1) {
          problems.push(`${name} : « ${option.text} » coupé (${Math.round(needed)} px pour ${Math.round(room)} px)`);
          break;
        }
      }
    }
  }
  return problems;
}
"""
# The budget's lists were cut at 1280 px in its old table (issue: labels cut, « Supprimer » hidden).
CHOICES_MUST_SHOW_WHOLE = {"applications:budget"}


def page_url(page, patterns: dict, arguments: dict) -> str:
    pattern = patterns.get(page.view)
    if pattern is None:  # allauth's pages take no argument
        return reverse(page.view)
    return reverse(page.view, kwargs=build_kwargs(page.view, pattern, Expectation(PUBLIC, page.kwargs), arguments))


def blocking_violations(axe, browser_page) -> list[str]:
    results = axe.run(browser_page).response
    return [
        f"{violation['id']} ({violation['impact']}) : {violation['help']} — "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in results["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]


# Swagger UI, the API's interactive reference for developers, is a third-party page drawn entirely by its
# own script; the portal's accessible account of the API is docs/api.md.
THIRD_PARTY_PAGES = {"api_v1:openapi-view"}


def pages_to_check(users: dict, arguments: dict) -> dict[str, list[tuple[str, str, str]]]:
    """World role → [(title, url, view name)]: the sample's pages for each of their roles, then
    every other HTML page of the portal for the first role that may open it."""
    audit = current_audit()
    patterns = dict(url_patterns())
    checks: dict[str, list[tuple[str, str, str]]] = {}
    seen = set()
    for page in audit.pages.values():
        url = page_url(page, patterns, arguments)
        seen.add(url)
        for grid_role in page.roles:
            checks.setdefault(ROLES[grid_role], []).append((page.title, url, page.view))
    clients = {}
    for name, pattern in patterns.items():
        expectation = EXPECTED[name]
        url = reverse(name, kwargs=build_kwargs(name, pattern, expectation, arguments))
        role = next((role for role in MATRIX_ROLES if expected_outcome(expectation.rule, role) == OK), None)
        if url in seen or role is None or name in THIRD_PARTY_PAGES:
            continue
        if role not in clients:
            clients[role] = Client()
            if role != "anonymous":
                clients[role].force_login(users[role])
        response = clients[role].get(url)
        # Downloads, redirections and POST-only views are not pages.
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            checks.setdefault(role, []).append((name, url, name))
            seen.add(url)
    return checks


def test_every_page_of_every_role_passes_axe_at_both_widths(world, live_server, browser, axe, settings):
    from applications.models import Dossier
    from applications.services import drafting

    settings.PORTAL_ENFORCE_MFA = False
    users, arguments = world
    applicant = users["applicant_a"]
    arguments["draft"] = drafting.dossier_start(
        actor=applicant,
        session=Dossier.objects.get(pk=arguments["pk"]).session,
        organisation=applicant.memberships.first().organisation,
        acronym="BROUILLON",
        title="Brouillon à compléter",
    ).pk
    checks = pages_to_check(users, arguments)
    failures, checked, pages = [], 0, 0
    for role, role_pages in checks.items():
        context = browser.new_context(
            locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": 1280, "height": 800}
        )
        browser_page = context.new_page()
        browser_page.set_default_timeout(20_000)
        if role != "anonymous":
            log_in(browser_page, live_server, users[role].email)
        for title, url, view in role_pages:
            browser_page.set_viewport_size({"width": WIDTHS[0][0], "height": WIDTHS[0][1]})
            response = browser_page.goto(live_server.url + url)
            if response.status != 200:
                failures.append(f"{url} ({role}) : HTTP {response.status}")
                continue
            pages += 1
            for index, (width, height) in enumerate(WIDTHS):
                if index:
                    browser_page.set_viewport_size({"width": width, "height": height})
                    # portal.js marks tables that now scroll: let its observer run after the resize.
                    browser_page.wait_for_timeout(150)
                where = f"{title} {url} ({role}, {width} px)"
                failures += [f"{where} : {problem}" for problem in blocking_violations(axe, browser_page)]
                scroll, client = browser_page.evaluate(
                    "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
                )
                if scroll > client:
                    failures.append(f"{where} : la page défile horizontalement ({scroll} px pour {client} px)")
                layout = browser_page.evaluate(LAYOUT_PROBLEMS, view in CHOICES_MUST_SHOW_WHOLE)
                failures += [f"{where} : {problem}" for problem in layout]
                checked += 1
        context.close()
    print(
        f"\naxe : {pages} pages (l'échantillon pour chacun de ses rôles, puis toutes les autres), {checked} vérifications."
    )
    assert pages >= len(current_audit().pages) + 50
    assert not failures, "\n".join(failures)

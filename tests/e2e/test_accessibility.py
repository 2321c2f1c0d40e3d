"""Every page of the RGAA audit sample, for each of its roles, at 1280×800 and 375×812.

The pages are those of the audit grid (portal/data/rgaa_audit.yaml): a page added to the sample
is checked here without a new line of test. On each page and at each width:
- axe-core finds no serious or critical violation;
- the page does not scroll sideways (RGAA 10.11; tables scroll inside their own focusable frame).

One world (the permission matrix's) and one browser context per role keep the run short.
"""

import pytest
from django.urls import reverse

from portal.accessibility import current_audit
from tests.e2e.conftest import BLOCKING_IMPACTS
from tests.e2e.test_staff_call_setup import log_in
from tests.portal.test_permission_matrix import (  # noqa: F401 (world is a fixture)
    PUBLIC,
    Expectation,
    build_kwargs,
    url_patterns,
    world,
)

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


def test_every_page_of_the_audit_sample_passes_axe_at_both_widths(world, live_server, browser, axe, settings):
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
    audit = current_audit()
    patterns = dict(url_patterns())
    failures, checked = [], 0
    for grid_role, world_role in ROLES.items():
        pages = [page for page in audit.pages.values() if grid_role in page.roles]
        context = browser.new_context(
            locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": 1280, "height": 800}
        )
        browser_page = context.new_page()
        browser_page.set_default_timeout(20_000)
        if world_role != "anonymous":
            log_in(browser_page, live_server, users[world_role].email)
        for page in pages:
            url = page_url(page, patterns, arguments)
            browser_page.set_viewport_size({"width": 1280, "height": 800})
            response = browser_page.goto(live_server.url + url)
            if response.status != 200:
                failures.append(f"{url} ({grid_role}) : HTTP {response.status}")
                continue
            for width, height in WIDTHS:
                browser_page.set_viewport_size({"width": width, "height": height})
                # portal.js marks tables that now scroll: let its observer run after the resize.
                browser_page.wait_for_timeout(150)
                where = f"{page.title} {url} ({grid_role}, {width} px)"
                failures += [f"{where} : {problem}" for problem in blocking_violations(axe, browser_page)]
                scroll, client = browser_page.evaluate(
                    "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
                )
                if scroll > client:
                    failures.append(f"{where} : la page défile horizontalement ({scroll} px pour {client} px)")
                checked += 1
        context.close()
    print(f"\naxe : {checked} vérifications ({len(audit.pages)} pages de l'échantillon, chaque rôle, deux largeurs).")
    assert checked >= 2 * len(audit.pages)
    assert not failures, "\n".join(failures)

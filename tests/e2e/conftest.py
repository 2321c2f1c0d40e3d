"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

`playwright install` cannot download browsers here, so the system Chromium is used. With
E2E_REQUIRED=1 (CI) a missing browser fails the run instead of skipping it.
"""

import os
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
BLOCKING_IMPACTS = {"serious", "critical"}


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM:
        if os.environ.get("E2E_REQUIRED") == "1":
            pytest.fail("E2E_REQUIRED=1 mais Chromium est introuvable (installez le paquet chromium).")
        pytest.skip("Chromium absent : tests navigateur ignorés (E2E_REQUIRED=1 les rend obligatoires).")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR", "timezone_id": "Europe/Paris"}


@pytest.fixture
def axe():
    return Axe()


@pytest.fixture
def assert_accessible(axe):
    """Fail when axe-core finds a serious or critical violation on the current page."""

    def check(page):
        results = axe.run(page)
        blocking = [
            f"{violation['id']} ({violation['impact']}): {violation['help']} — "
            + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
            for violation in results.response["violations"]
            if violation["impact"] in BLOCKING_IMPACTS
        ]
        assert not blocking, f"{page.url}\n" + "\n".join(blocking)

    return check


@pytest.fixture(autouse=True)
def _short_timeouts(page):
    page.set_default_timeout(20_000)  # CI machines are shared: a loaded page may take several seconds

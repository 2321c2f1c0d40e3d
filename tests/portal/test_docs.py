"""The documentation a newcomer reads stands inside the repository: every relative link resolves."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_resolves_inside_the_repository(document):
    text = document.read_text(encoding="utf-8")
    assert "../shared" not in text, "the documentation must not send readers outside the repository"
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        path = (document.parent / target.split("#", 1)[0]).resolve()
        assert path.is_relative_to(ROOT), f"{target} leaves the repository"
        assert path.exists(), f"{document.name}: {target} does not exist"


def test_the_readme_points_to_the_architecture_and_contributing_guides():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for guide in ("docs/architecture.md", "docs/domaine.md", "docs/conventions.md", "CONTRIBUTING.md"):
        assert f"]({guide})" in readme
